/** @file test/unit/api/rest_calls.c  The calls and trunks endpoints with
 *  telephony hooks: the errno -> HTTP table, the 201 read back from the
 *  store, hangup outcomes, trunks_changed. The real HTTP server and store
 *  run on the main loop; a client thread sends the requests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <sodium.h>
#include <hotline/libre.h>
#include <hotline/api.h>
#include <hotline/bus.h>
#include <hotline/config.h>
#include <hotline/store.h>

#define TOKEN "unit-test-token"
#define LIVE_ID "11111111111111111111111111111111"
#define ENDED_ID "22222222222222222222222222222222"
#define NEW_ID "33333333333333333333333333333333"

#define REQ(m, p, b) {.method = (m), .path = (p), .body = (b)}
#define DIAL(agent, to) REQ("POST", "/api/v1/calls", \
			    "{\"agent_id\":" agent ",\"to\":\"" to "\"}")

struct exchange {
	const char *method, *path, *body;   /* request */
	int status;                         /* response */
	char text[2048];
};

struct fixture {
	char dir[64];
	struct config cfg;
	struct store *st;
	struct bus *bus;
	struct api *api;
	struct mqueue *mq;
	uint16_t port;
	struct exchange *xv;
	size_t xc;
	/* what the hooks saw */
	uint64_t agent_id;
	char to[64], hung[64];
	int trunks_changed;
};

/* --- fake telephony -------------------------------------------------- */

/* to "err:N" fails with errno N; anything else places call NEW_ID */
static int fake_originate(void *arg, uint64_t agent_id, const char *to,
			  char *id)
{
	struct fixture *f = arg;
	struct call_record c;

	f->agent_id = agent_id;
	str_ncpy(f->to, to, sizeof(f->to));
	if (!strncmp(to, "err", 3))
		return atoi(to + 3);

	call_init(&c, NEW_ID, CALL_OUTBOUND, 1700000000000ULL);
	str_ncpy(c.to, to, sizeof(c.to));
	str_ncpy(c.from, "1001", sizeof(c.from));
	c.agent_id = agent_id;
	(void)call_ringing(&c, 1700000000100ULL);
	if (store_call_put(f->st, &c))
		return EIO;
	str_ncpy(id, NEW_ID, CALL_ID_MAX);
	return 0;
}

static int fake_hangup(void *arg, const char *call_id)
{
	struct fixture *f = arg;

	str_ncpy(f->hung, call_id, sizeof(f->hung));
	return strcmp(call_id, LIVE_ID) ? ENOENT : 0;
}

static void fake_trunks_changed(void *arg)
{
	++((struct fixture *)arg)->trunks_changed;
}

/* --- client thread --------------------------------------------------- */

static void exchange_run(uint16_t port, struct exchange *x)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port)};
	char req[1024];
	size_t len = 0;
	ssize_t n;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		x->status = -1;
		goto out;
	}
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: t\r\n"
		     "Authorization: Bearer " TOKEN "\r\n"
		     "Connection: close\r\n%sContent-Length: %zu\r\n\r\n%s",
		     x->method, x->path,
		     x->body ? "Content-Type: application/json\r\n" : "",
		     x->body ? strlen(x->body) : 0, x->body ? x->body : "");
	if (write(fd, req, (size_t)n) != n) {
		x->status = -1;
		goto out;
	}
	while (len < sizeof(x->text) - 1 &&
	       (n = read(fd, x->text + len, sizeof(x->text) - 1 - len)) > 0)
		len += (size_t)n;
	x->text[len] = '\0';
	if (sscanf(x->text, "HTTP/1.1 %d", &x->status) != 1)
		x->status = -1;
 out:
	if (fd >= 0)
		close(fd);
}

static void *client(void *arg)
{
	struct fixture *f = arg;

	for (size_t i = 0; i < f->xc; i++)
		exchange_run(f->port, &f->xv[i]);
	(void)mqueue_push(f->mq, 0, NULL);   /* done: stop the loop */
	return NULL;
}

static void on_done(int id, void *data, void *arg)
{
	(void)id;
	(void)data;
	(void)arg;
	re_cancel();
}

/* Serve until the client thread has run every exchange */
static void run(struct fixture *f, struct exchange *xv, size_t xc)
{
	pthread_t tid;

	f->xv = xv;
	f->xc = xc;
	assert_int_equal(pthread_create(&tid, NULL, client, f), 0);
	assert_int_equal(re_main(NULL), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
}

static const char *body_of(const struct exchange *x)
{
	const char *b = strstr(x->text, "\r\n\r\n");

	return b ? b + 4 : "";
}

/* --- fixture --------------------------------------------------------- */

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t hash[32];
	struct sa laddr;
	char db[128];

	if (!f || libre_init() || sodium_init() < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hotline-calls-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(db, sizeof(db), "%s/h.db", f->dir);
	config_defaults(&f->cfg);
	str_ncpy(f->cfg.http_listen, "127.0.0.1:0",
		 sizeof(f->cfg.http_listen));
	crypto_hash_sha256(hash, (const uint8_t *)TOKEN, strlen(TOKEN));
	if (store_open(&f->st, db) || bus_alloc(&f->bus, f->st, 3600) ||
	    api_alloc(&f->api, &f->cfg, f->st, f->bus, hash) ||
	    api_local(f->api, &laddr) ||
	    mqueue_alloc(&f->mq, on_done, f))
		return -1;
	f->port = sa_port(&laddr);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	mem_deref(f->mq);
	mem_deref(f->api);
	mem_deref(f->bus);
	mem_deref(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	libre_close();
	return 0;
}

static void connect_fakes(struct fixture *f)
{
	const struct api_telephony tel = {
		.originate = fake_originate, .hangup = fake_hangup,
		.trunks_changed = fake_trunks_changed, .arg = f,
	};

	api_set_telephony(f->api, &tel);
}

static void put_call(struct fixture *f, const char *id, bool ended)
{
	struct call_record c;

	call_init(&c, id, CALL_INBOUND, 1700000000000ULL);
	if (ended)
		(void)call_ended(&c, CALL_CAUSE_CANCELLED, CALL_PARTY_CALLER,
				 0, 1700000001000ULL);
	assert_int_equal(store_call_put(f->st, &c), 0);
}

/* --- tests ----------------------------------------------------------- */

static void expect(const struct exchange *x, int status, const char *needle)
{
	if (x->status != status || (needle && !strstr(x->text, needle)))
		fail_msg("%s %s %s: want %d with %s, got:\n%s", x->method,
			 x->path, x->body ? x->body : "", status,
			 needle ? needle : "-", x->text);
}

static void test_originate_errors(void **state)
{
	struct fixture *f = *state;
	struct exchange xv[] = {
		DIAL("7", "err2"),
		DIAL("7", "err107"),
		DIAL("7", "err16"),
		DIAL("7", "err22"),
		DIAL("7", "err113"),
		DIAL("7", "err11"),
		DIAL("7", "err5"),
	};

	_Static_assert(ENOENT == 2 && ENOTCONN == 107 && EBUSY == 16 &&
		      EINVAL == 22 && EHOSTUNREACH == 113 && EAGAIN == 11 &&
		      EIO == 5, "Linux errno values");
	connect_fakes(f);
	run(f, xv, ARRAY_SIZE(xv));
	expect(&xv[0], 404, "\"code\":\"agent_not_found\"");
	expect(&xv[1], 409, "\"code\":\"agent_not_registered\"");
	expect(&xv[2], 409, "\"code\":\"agent_busy\"");
	expect(&xv[3], 422, "\"code\":\"invalid_value\",\"message\"");
	expect(&xv[4], 422, "\"code\":\"no_route\"");
	expect(&xv[5], 503, "\"code\":\"call_limit\"");
	expect(&xv[6], 500, "\"code\":\"internal\"");
	assert_int_equal(f->agent_id, 7);
	assert_string_equal(f->to, "err5");
}

static void test_originate_created(void **state)
{
	struct fixture *f = *state;
	struct exchange xv[] = {
		DIAL("42", "+4930123"),
		REQ("GET", "/api/v1/calls/" NEW_ID, NULL),
		DIAL("42", "a b"),
	};
	json_t *c;

	connect_fakes(f);
	run(f, xv, ARRAY_SIZE(xv));
	expect(&xv[0], 201, "\r\nLocation: /api/v1/calls/" NEW_ID "\r\n");
	c = json_loads(body_of(&xv[0]), 0, NULL);
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(c, "id")),
			    NEW_ID);
	assert_string_equal(json_string_value(json_object_get(c, "state")),
			    "ringing");
	assert_string_equal(json_string_value(json_object_get(c, "to")),
			    "+4930123");
	assert_int_equal(json_integer_value(json_object_get(c, "agent_id")),
			 42);
	json_decref(c);
	expect(&xv[1], 200, "\"direction\":\"outbound\"");
	/* a bad number never reaches telephony */
	expect(&xv[2], 422, "\"field\":\"to\"");
	assert_string_equal(f->to, "+4930123");
}

static void test_hangup(void **state)
{
	struct fixture *f = *state;
	struct exchange xv[] = {
		REQ("POST", "/api/v1/calls/" LIVE_ID "/hangup", NULL),
		REQ("POST", "/api/v1/calls/" ENDED_ID "/hangup", NULL),
		REQ("POST", "/api/v1/calls/" NEW_ID "/hangup", NULL),
	};

	put_call(f, LIVE_ID, false);
	put_call(f, ENDED_ID, true);
	connect_fakes(f);
	run(f, xv, ARRAY_SIZE(xv));
	expect(&xv[0], 202, "Content-Length: 0\r\n");
	expect(&xv[1], 404, "\"code\":\"call_not_live\"");
	expect(&xv[2], 404, "\"code\":\"not_found\"");
	assert_string_equal(f->hung, NEW_ID);
}

static void test_sip_off_then_on(void **state)
{
	struct fixture *f = *state;
	struct exchange off[] = {
		DIAL("1", "1001"),
		REQ("POST", "/api/v1/calls/" LIVE_ID "/hangup", NULL),
		REQ("POST", "/api/v1/trunks",
		 "{\"id\":\"t1\",\"name\":\"T\",\"host\":\"192.0.2.1\"}"),
	};
	struct exchange on[] = {
		REQ("PATCH", "/api/v1/trunks/t1", "{\"enabled\":false}"),
		REQ("PATCH", "/api/v1/trunks/t1", "{\"host\":\"bad host\"}"),
		REQ("DELETE", "/api/v1/trunks/t1", NULL),
		REQ("POST", "/api/v1/trunks", "{\"id\":\"t2\",\"name\":\"T\","
		 "\"host\":\"192.0.2.2\"}"),
	};

	run(f, off, ARRAY_SIZE(off));
	expect(&off[0], 503, "\"code\":\"sip_disabled\"");
	expect(&off[1], 503, "\"code\":\"sip_disabled\"");
	expect(&off[2], 201, NULL);   /* trunks work without SIP */
	assert_int_equal(f->trunks_changed, 0);

	connect_fakes(f);
	run(f, on, ARRAY_SIZE(on));
	expect(&on[0], 200, "\"enabled\":false");
	expect(&on[1], 422, "\"field\":\"host\"");
	expect(&on[2], 204, NULL);
	expect(&on[3], 201, NULL);
	assert_int_equal(f->trunks_changed, 3);   /* not for the refused one */

	api_set_telephony(f->api, NULL);
	run(f, off, 1);
	expect(&off[0], 503, "\"code\":\"sip_disabled\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_originate_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_originate_created, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hangup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sip_off_then_on, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
