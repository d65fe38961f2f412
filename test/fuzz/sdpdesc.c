/** @file test/fuzz/sdpdesc.c  SDP parse invariants, filter, encode round trip */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <hotline/sdpdesc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* The other leg's answer, for filtering with prefer */
static const char answer[] =
	"v=0\r\nc=IN IP4 127.0.0.1\r\n"
	"m=audio 4000 RTP/AVP 8 101\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n";

static bool terminated(const char *s, size_t sz)
{
	return memchr(s, '\0', sz) != NULL;
}

/* What every successful parse gives */
static void check_parsed(const struct sdpdesc *d)
{
	struct sa sa;

	CHECK(terminated(d->addr, sizeof(d->addr)) && d->addr[0]);
	CHECK((unsigned)d->dir <= SDPDESC_INACTIVE);
	CHECK(d->ptime <= 10000);
	CHECK(d->fmtc <= SDPDESC_FMTS_MAX);
	CHECK(!d->hold_addr || sdpdesc_is_hold(d));
	CHECK(strcmp(sdpdesc_dir_name(d->dir), "?"));
	CHECK(sdpdesc_dir_reverse(sdpdesc_dir_reverse(d->dir)) == d->dir);

	for (size_t i = 0; i < d->fmtc; i++) {
		const struct sdpdesc_fmt *f = &d->fmtv[i];

		CHECK(f->pt <= 127);
		CHECK(terminated(f->name, sizeof(f->name)));
		CHECK(terminated(f->fmtp, sizeof(f->fmtp)));
		CHECK(!f->name[0] == !f->rate);
		for (size_t k = 0; k < i; k++)
			CHECK(d->fmtv[k].pt != f->pt);
	}

	if (!sdpdesc_remote(d, &sa))
		CHECK(sa_port(&sa) == d->port);
}

/* parse(encode(d)) is d, with our address */
static void check_round_trip(const struct sdpdesc *d, const char *ip,
			     uint16_t port)
{
	struct sdpdesc y;
	struct mbuf *mb = NULL;
	struct sa laddr;
	int err;

	CHECK(!sa_set_str(&laddr, ip, port));
	err = sdpdesc_encode(&mb, d, &laddr, 42, 1);
	if (!d->fmtc) {
		CHECK(err == EINVAL && !mb);
		return;
	}
	CHECK(!err && mb && mb->pos == 0);

	err = sdpdesc_parse(&y, (char *)mbuf_buf(mb), mbuf_get_left(mb));
	mem_deref(mb);

	CHECK(!err);
	CHECK(!strcmp(y.addr, ip) && y.port == port);
	CHECK(y.ipv6 == (sa_af(&laddr) == AF_INET6));
	CHECK(y.dir == d->dir && y.ptime == d->ptime);
	CHECK(y.fmtc == d->fmtc);
	for (size_t i = 0; i < d->fmtc; i++) {
		CHECK(y.fmtv[i].pt == d->fmtv[i].pt);
		CHECK(y.fmtv[i].rate == d->fmtv[i].rate);
		CHECK(!strcmp(y.fmtv[i].name, d->fmtv[i].name));
		CHECK(!strcmp(y.fmtv[i].fmtp, d->fmtv[i].fmtp));
	}
}

static void check_filter(const struct sdpdesc *d,
			 const struct sdpdesc *prefer)
{
	struct sdpdesc f = *d;
	int err = sdpdesc_filter(&f, prefer);

	CHECK(err == 0 || err == ENOTSUP);
	if (err) {
		CHECK(!memcmp(&f, d, sizeof(f)));
		return;
	}

	CHECK(f.fmtc >= 1 && f.fmtc <= d->fmtc);
	check_round_trip(&f, "127.0.0.1", 30000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdpdesc d, prefer;
	int err;

	err = sdpdesc_parse(&d, (const char *)data, size);
	CHECK(err == 0 || err == EPROTO || err == ENOENT ||
	      (err == EMSGSIZE && size > SDPDESC_MAX_LEN));
	if (err)
		return 0;

	check_parsed(&d);
	check_round_trip(&d, "127.0.0.1", 20000);
	check_round_trip(&d, "::1", 20002);

	CHECK(!sdpdesc_parse(&prefer, answer, sizeof(answer) - 1));
	check_filter(&d, NULL);
	check_filter(&d, &prefer);
	check_filter(&d, &d);

	return 0;
}
