/** @file test/unit/app/config.c  Configuration: defaults, keys, file */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <hotline/config.h>

static void test_defaults(void **state)
{
	struct config cfg;
	char db[400];

	(void)state;
	config_defaults(&cfg);
	assert_string_equal(cfg.http_listen, "127.0.0.1:8080");
	assert_string_equal(cfg.data_dir, "./data");
	assert_int_equal(cfg.reasonc, 5);
	assert_true(config_reason_known(&cfg, "lunch"));
	assert_false(config_reason_known(&cfg, "nap"));
	config_db_path(&cfg, db, sizeof(db));
	assert_string_equal(db, "./data/hotline.db");
	assert_int_equal(cfg.ws_send_buffer, 1024 * 1024);
}

static void test_set_validates(void **state)
{
	static const struct { const char *key, *val; int err; } cases[] = {
		{"http_listen", "127.0.0.1:9000", 0},
		{"event_retention_s", "3600", 0},
		{"event_retention_s", "59", EINVAL},       /* below range */
		{"event_retention_s", "-5", EINVAL},
		{"event_retention_s", "12x", EINVAL},
		{"ws_max_message", "99999999999999999999", EINVAL},
		{"log_level", "debug", 0},
		{"log_level", "loud", EINVAL},
		{"reason_codes", "away, lunch", 0},
		{"reason_codes", "Lunch", EINVAL},        /* [a-z0-9_-] only */
		{"reason_codes", ",", EINVAL},
		{"no_such_key", "1", EINVAL},
	};
	struct config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		config_defaults(&cfg);
		if (config_set(&cfg, cases[i].key, cases[i].val) !=
		    cases[i].err)
			fail_msg("%s=%s", cases[i].key, cases[i].val);
	}
	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "reason_codes", "away, lunch"), 0);
	assert_int_equal(cfg.reasonc, 2);
	assert_true(config_reason_known(&cfg, "away"));
	assert_false(config_reason_known(&cfg, "break"));
}

static int load(const char *text, struct config *cfg)
{
	char path[] = "/tmp/hotline-conf-XXXXXX";
	int fd = mkstemp(path), err;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	config_defaults(cfg);
	err = config_load_file(cfg, path);
	unlink(path);
	return err;
}

static void test_file(void **state)
{
	struct config cfg;

	(void)state;
	assert_int_equal(load("# a comment\n\n  http_listen  127.0.0.2:81 \n"
			      "sip_realm example.org\n"
			      "reason_codes a, b,c\n", &cfg), 0);
	assert_string_equal(cfg.http_listen, "127.0.0.2:81");
	assert_string_equal(cfg.sip_realm, "example.org");
	assert_int_equal(cfg.reasonc, 3);

	assert_int_equal(load("http_listen\n", &cfg), EINVAL);    /* no value */
	assert_int_equal(load("bogus 1\n", &cfg), EINVAL);
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, "/nonexistent/x.conf"),
			 ENOENT);
}

static void test_sip_tls(void **state)
{
	struct config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cfg.sip_tls_listenc, 0);
	assert_int_equal(config_check(&cfg), 0);

	assert_int_equal(config_set(&cfg, "sip_tls_listen",
				    "127.0.0.1:5061, 127.0.0.2:5061"), 0);
	assert_int_equal(cfg.sip_tls_listenc, 2);
	assert_string_equal(cfg.sip_tls_listenv[1], "127.0.0.2:5061");
	assert_int_equal(config_set(&cfg, "sip_tls_listen", "0.0.0.0:5061"),
			 EINVAL);
	assert_int_equal(config_set(&cfg, "sip_tls_listen", "127.0.0.1"),
			 EINVAL);                           /* no port */
	assert_int_equal(config_sip_tls_listen_add(&cfg, "127.0.0.3:5061"),
			 0);

	/* TLS needs UDP/TCP SIP and a certificate */
	assert_int_equal(config_check(&cfg), EINVAL);
	assert_int_equal(config_set(&cfg, "sip_listen", "127.0.0.1:5060"), 0);
	assert_int_equal(config_check(&cfg), EINVAL);
	assert_int_equal(config_set(&cfg, "sip_tls_cert", "/etc/h.pem"), 0);
	assert_int_equal(config_check(&cfg), 0);
	assert_int_equal(cfg.sip_listenc, 1);   /* the lists stay apart */
}

/* moh_file must load as a WAV at start-up; tts_cache_max is a count */
static void test_media(void **state)
{
	/* RIFF/WAVE, fmt PCM 16-bit mono 8 kHz, data: 2 samples */
	static const unsigned char wav[] =
		"RIFF\x28\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0"
		"\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0"
		"data\x04\0\0\0\x10\0\xf0\xff";
	char path[] = "/tmp/hotline-moh-XXXXXX";
	struct config cfg;
	int fd;

	(void)state;
	config_defaults(&cfg);
	assert_string_equal(cfg.moh_file, "");
	assert_int_equal(cfg.tts_cache_max, 64);
	assert_int_equal(config_set(&cfg, "tts_cache_max", "0"), 0);
	assert_int_equal(cfg.tts_cache_max, 0);
	assert_int_equal(config_set(&cfg, "tts_cache_max", "100001"), EINVAL);
	assert_int_equal(config_check(&cfg), 0);   /* "" = built-in music */

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, wav, sizeof(wav) - 1),
			 (ssize_t)sizeof(wav) - 1);
	close(fd);
	assert_int_equal(config_set(&cfg, "moh_file", path), 0);
	assert_int_equal(config_check(&cfg), 0);

	/* not a WAV, and no file at all: start-up refuses */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "ID3", 3), 3);
	close(fd);
	assert_int_equal(config_check(&cfg), EINVAL);
	unlink(path);
	assert_int_equal(config_check(&cfg), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set_validates),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_sip_tls),
		cmocka_unit_test(test_media),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
