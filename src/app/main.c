/** @file app/main.c  hotline: command line, start-up, shutdown */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hotline/libre.h>
#include <sodium.h>
#include <hotline/api.h>
#include <hotline/bus.h>
#include <hotline/clock.h>
#include <hotline/config.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include <hotline/telephony.h>
#include <hotline/acd.h>
#include <hotline/tzdb.h>
#include <hotline/version.h>

#define TOKEN_MIN_LEN 16

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hotline [--config FILE] [--http ADDR:PORT] "
		"[--data DIR]\n"
		"               [--sip ADDR:PORT]... [--sip-tls ADDR:PORT]...\n"
		"               [--rtp-ports MIN-MAX] [--log-level LEVEL]\n"
		"               [--routes] [--version]\n"
		"\n"
		"  --config FILE     read settings from FILE (key value lines)\n"
		"  --http ADDR:PORT  HTTP API listen address "
		"(default 127.0.0.1:8080)\n"
		"  --data DIR        data directory (default ./data)\n"
		"  --sip ADDR:PORT   SIP over UDP and TCP on ADDR:PORT "
		"(repeatable)\n"
		"  --sip-tls A:P     SIP over TLS on A:P (repeatable; needs "
		"--sip\n"
		"                    and the sip_tls_cert key)\n"
		"  --rtp-ports M-N   RTP relay port range (default "
		"20000-29999)\n"
		"  --log-level L     debug, info, warn or error\n"
		"  --routes          print the served HTTP routes and exit\n"
		"\n"
		"The admin token comes from HOTLINE_ADMIN_TOKEN, the config key\n"
		"admin_token, or is generated on first start and printed once.\n");
}

/* Flags override the file, whatever their order on the command line. */
static int parse_args(int argc, char *argv[], struct config *cfg)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"http", required_argument, NULL, 'H'},
		{"data", required_argument, NULL, 'd'},
		{"log-level", required_argument, NULL, 'l'},
		{"sip", required_argument, NULL, 's'},
		{"sip-tls", required_argument, NULL, 'T'},
		{"rtp-ports", required_argument, NULL, 'p'},
		{"routes", no_argument, NULL, 'r'},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *file = NULL, *http = NULL, *data = NULL, *level = NULL;
	const char *sipv[CONFIG_SIP_LISTEN_MAX], *rtp = NULL;
	const char *tlsv[CONFIG_SIP_LISTEN_MAX];
	size_t sipc = 0, tlsc = 0;
	int c;

	while ((c = getopt_long(argc, argv, "c:H:d:l:s:T:p:rvh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c': file = optarg; break;
		case 'H': http = optarg; break;
		case 'd': data = optarg; break;
		case 'l': level = optarg; break;
		case 'p': rtp = optarg; break;
		case 's':
			if (sipc == CONFIG_SIP_LISTEN_MAX) {
				log_error("hotline: at most %d --sip "
					  "addresses\n", CONFIG_SIP_LISTEN_MAX);
				return EINVAL;
			}
			sipv[sipc++] = optarg;
			break;
		case 'T':
			if (tlsc == CONFIG_SIP_LISTEN_MAX) {
				log_error("hotline: at most %d --sip-tls "
					  "addresses\n", CONFIG_SIP_LISTEN_MAX);
				return EINVAL;
			}
			tlsv[tlsc++] = optarg;
			break;
		case 'r': api_routes_print(); exit(0);
		case 'v': printf("hotline %s\n", HOTLINE_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default:  usage(stderr); return EINVAL;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EINVAL;
	}
	if (file && config_load_file(cfg, file))
		return EINVAL;
	if ((http && config_set(cfg, "http_listen", http)) ||
	    (data && config_set(cfg, "data_dir", data)) ||
	    (level && config_set(cfg, "log_level", level)) ||
	    (rtp && config_set(cfg, "rtp_ports", rtp)))
		return EINVAL;
	if (sipc)   /* the flags replace the file's list */
		cfg->sip_listenc = 0;
	for (size_t i = 0; i < sipc; i++) {
		if (config_sip_listen_add(cfg, sipv[i]))
			return EINVAL;
	}
	if (tlsc)
		cfg->sip_tls_listenc = 0;
	for (size_t i = 0; i < tlsc; i++) {
		if (config_sip_tls_listen_add(cfg, tlsv[i]))
			return EINVAL;
	}
	return config_check(cfg);
}

static void token_hash(uint8_t out[32], const char *token)
{
	crypto_hash_sha256(out, (const uint8_t *)token, strlen(token));
}

/* The admin token: from the environment or config if given; otherwise
 * the stored hash; otherwise a new random one, printed once. Only its
 * SHA-256 is kept, in memory and in the store. */
static int admin_token(struct store *st, const struct config *cfg,
		       uint8_t hash[32])
{
	const char *given = getenv("HOTLINE_ADMIN_TOKEN");
	char hex[65], token[64];
	uint8_t rnd[32];
	int err;

	if (!given || !*given)
		given = cfg->admin_token[0] ? cfg->admin_token : NULL;
	if (given) {
		if (strlen(given) < TOKEN_MIN_LEN) {
			log_error("hotline: the admin token must have at "
				  "least %d characters\n", TOKEN_MIN_LEN);
			return EINVAL;
		}
		token_hash(hash, given);
		return 0;
	}

	if (!store_setting_get(st, "admin_token_sha256", hex, sizeof(hex))) {
		size_t n = 0;

		if (!sodium_hex2bin(hash, 32, hex, strlen(hex), NULL, &n,
				    NULL) && n == 32)
			return 0;
		log_warn("hotline: stored admin token hash is corrupt; "
			 "generating a new token\n");
	}

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(token, sizeof(token), rnd, sizeof(rnd),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	token_hash(hash, token);
	sodium_bin2hex(hex, sizeof(hex), hash, 32);
	err = store_setting_set(st, "admin_token_sha256", hex);
	if (err)
		return err;
	printf("admin token: %s\n", token);
	printf("(shown once: keep it; only its hash is stored)\n");
	fflush(stdout);
	sodium_memzero(token, sizeof(token));
	return 0;
}

/* SIGTERM/SIGINT wake the loop through a pipe (the self-pipe trick):
 * libre's own handler only sets a flag and counts on epoll_wait() being
 * interrupted, which valgrind does not do, so an idle loop would sleep on
 * until its next timer. */
static int sig_pipe[2] = { -1, -1 };

static void signal_caught(int sig)
{
	uint8_t b = (uint8_t)sig;
	int saved = errno;

	(void)!write(sig_pipe[1], &b, 1);
	errno = saved;
}

static void signal_read_h(int flags, void *arg)
{
	uint8_t b;
	(void)flags;
	(void)arg;

	while (read(sig_pipe[0], &b, 1) == 1) {
		log_info("hotline: signal %u, shutting down\n", b);
		re_cancel();
	}
}

static int signals_watch(void)
{
	struct sigaction sa;
	int err;

	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC))
		return errno;
	err = fd_listen(sig_pipe[0], FD_READ, signal_read_h, NULL);
	if (err)
		return err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = signal_caught;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
		return errno;
	return 0;
}

static void signals_close(void)
{
	if (sig_pipe[0] < 0)
		return;
	fd_close(sig_pipe[0]);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
}

#define FDS_MAX 65536

/* Many WebSocket subscribers need many descriptors: raise the process
 * limit and size libre's descriptor table to match (libre defaults to
 * 1024 and refuses any descriptor past it). Call before anything listens.
 * Returns the number of descriptors libre will accept. */
static int raise_fd_limit(void)
{
	struct rlimit rl;
	int n = 1024;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		n = rl.rlim_cur > FDS_MAX ? FDS_MAX : (int)rl.rlim_cur;
	}
	return fd_setsize(n) ? 1024 : n;
}

static int run(const struct config *cfg)
{
	struct store *st = NULL;
	struct bus *bus = NULL;
	struct api *api = NULL;
	struct telephony *tel = NULL;
	struct acd *acd = NULL;
	struct tzdb *tzdb = NULL;
	char dbpath[400];
	uint8_t hash[32];
	struct sa laddr;
	int err;

	if (mkdir(cfg->data_dir, 0700) && errno != EEXIST) {
		err = errno;
		log_error("hotline: cannot create %s (%m)\n", cfg->data_dir,
			  err);
		return err;
	}
	config_db_path(cfg, dbpath, sizeof(dbpath));
	err = store_open(&st, dbpath);
	if (err)
		goto out;
	err = admin_token(st, cfg, hash);
	if (err)
		goto out;
	err = bus_alloc(&bus, st, cfg->event_retention_s);
	if (err)
		goto out;
	/* no call survives a restart: every agent's channels are idle */
	err = store_agent_activity_reset(st, clock_now_ms());
	if (err)
		goto out;
	err = acd_alloc(&acd, st, bus);
	if (err) {
		log_error("hotline: cannot start the ACD (%m)\n", err);
		goto out;
	}
	err = tzdb_alloc(&tzdb, NULL);
	if (!err)
		err = api_alloc(&api, cfg, st, bus, hash);
	if (err)
		goto out;
	api_set_tzdb(api, tzdb);
	sodium_memzero(hash, sizeof(hash));
	api_set_acd(api, acd);
	if (cfg->sip_listenc) {
		struct api_telephony hooks;

		err = telephony_alloc(&tel, cfg, st, bus, acd, tzdb);
		if (err)
			goto out;
		telephony_hooks(tel, &hooks);
		api_set_telephony(api, &hooks);
	}

	(void)api_local(api, &laddr);
	log_info("http: listening on %J\n", &laddr);
	log_info("hotline: %s started (data %s, events after seq %llu)\n",
		 HOTLINE_VERSION, dbpath,
		 (unsigned long long)bus_last_seq(bus));

	err = signals_watch();
	if (!err)
		err = re_main(NULL);
	signals_close();
 out:
	/* order matters: clients first, then the bus flushes pending events
	 * into the store, then the store closes */
	mem_deref(tel);
	mem_deref(api);
	mem_deref(tzdb);
	mem_deref(acd);
	mem_deref(bus);
	mem_deref(st);
	return err;
}

int main(int argc, char *argv[])
{
	static struct config cfg;
	int err;

	config_defaults(&cfg);
	if (parse_args(argc, argv, &cfg))
		return 2;
	log_level_set(cfg.log_level);
	signal(SIGPIPE, SIG_IGN);

	if (sodium_init() < 0) {
		log_error("hotline: libsodium failed to initialise\n");
		return 1;
	}
	err = libre_init();
	if (err) {
		log_error("hotline: libre init failed (%m)\n", err);
		return 1;
	}
	log_debug("hotline: up to %d file descriptors\n", raise_fd_limit());

	err = run(&cfg);

	libre_close();
	tmr_debug();
	mem_debug();
	log_info("hotline: stopped%s\n", err ? " after an error" : "");
	return err ? 1 : 0;
}
