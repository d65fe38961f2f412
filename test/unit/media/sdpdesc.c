/** @file test/unit/media/sdpdesc.c  SDP audio description: real offers,
 *  hold variants, codec filtering, malformed input, encode round trips */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/sdpdesc.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* What sipp's built-in uac scenario sends (its [media_ip] filled in) */
static const char sipp_uac[] =
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

/* The shape of a baresip offer with audio_codecs=pcmu,pcma */
static const char baresip_offer[] =
	"v=0\r\n"
	"o=- 1795285428 2019357436 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 10164 RTP/AVP 0 8 101\r\n"
	"b=AS:64\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=sendrecv\r\n"
	"a=label:1\r\n"
	"a=ssrc:3215402356 cname:b1f7e1c9-d9e0-5d7a\r\n"
	"a=rtcp-rsize\r\n"
	"a=ptime:20\r\n";

/* A softphone offering opus first, media-level c=, LF line ends, video */
static const char softphone_offer[] =
	"v=0\n"
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.10\n"
	"s=Talk\n"
	"c=IN IP4 192.0.2.10\n"
	"t=0 0\n"
	"a=sendrecv\n"
	"m=video 9078 RTP/AVP 99\n"
	"a=rtpmap:99 VP8/90000\n"
	"a=inactive\n"
	"m=audio 7078 RTP/AVP 96 97 0 8 101\n"
	"c=IN IP4 192.0.2.11\n"
	"a=rtpmap:96 opus/48000/2\n"
	"a=fmtp:96 useinbandfec=1\n"
	"a=rtpmap:97 speex/16000\n"
	"a=rtpmap:101 telephone-event/8000\n"
	"a=fmtp:101 0-16\n"
	"m=audio 7080 RTP/AVP 8\n"
	"a=sendonly\n";

static int parse_str(struct sdpdesc *d, const char *s)
{
	return sdpdesc_parse(d, s, strlen(s));
}

static void assert_fmt(const struct sdpdesc_fmt *f, unsigned pt,
		       const char *name, unsigned rate, const char *fmtp)
{
	assert_int_equal(f->pt, pt);
	assert_string_equal(f->name, name);
	assert_int_equal(f->rate, rate);
	assert_string_equal(f->fmtp, fmtp);
}

static void test_sipp_uac(void **state)
{
	struct sdpdesc d;
	struct sa sa;

	(void)state;
	assert_int_equal(parse_str(&d, sipp_uac), 0);
	assert_string_equal(d.addr, "127.0.0.1");
	assert_false(d.ipv6);
	assert_int_equal(d.port, 6000);
	assert_int_equal(d.dir, SDPDESC_SENDRECV);
	assert_false(d.hold_addr);
	assert_int_equal(d.ptime, 0);
	assert_int_equal(d.fmtc, 1);
	assert_fmt(&d.fmtv[0], 0, "PCMU", 8000, "");
	assert_false(sdpdesc_is_hold(&d));

	assert_int_equal(sdpdesc_remote(&d, &sa), 0);
	assert_int_equal(sa_af(&sa), AF_INET);
	assert_int_equal(sa_port(&sa), 6000);
	assert_true(sa_is_loopback(&sa));

	assert_int_equal(sdpdesc_filter(&d, NULL), 0);
	assert_int_equal(d.fmtc, 1);
}

static void test_baresip(void **state)
{
	struct sdpdesc d;

	(void)state;
	assert_int_equal(parse_str(&d, baresip_offer), 0);
	assert_int_equal(d.port, 10164);
	assert_int_equal(d.ptime, 20);
	assert_int_equal(d.dir, SDPDESC_SENDRECV);
	assert_int_equal(d.fmtc, 3);
	assert_fmt(&d.fmtv[0], 0, "PCMU", 8000, "");
	assert_fmt(&d.fmtv[1], 8, "PCMA", 8000, "");
	assert_fmt(&d.fmtv[2], 101, "telephone-event", 8000, "0-15");

	assert_int_equal(sdpdesc_filter(&d, NULL), 0);
	assert_int_equal(d.fmtc, 3);
}

static void test_softphone(void **state)
{
	struct sdpdesc d;

	(void)state;
	assert_int_equal(parse_str(&d, softphone_offer), 0);
	assert_string_equal(d.addr, "192.0.2.11");    /* media level wins */
	assert_int_equal(d.port, 7078);               /* the first audio */
	assert_int_equal(d.dir, SDPDESC_SENDRECV);    /* not video's */

	/* opus/48000/2 has two channels: not kept */
	assert_int_equal(d.fmtc, 4);
	assert_fmt(&d.fmtv[0], 97, "speex", 16000, "");
	assert_fmt(&d.fmtv[1], 0, "PCMU", 8000, "");
	assert_fmt(&d.fmtv[2], 8, "PCMA", 8000, "");
	assert_fmt(&d.fmtv[3], 101, "telephone-event", 8000, "0-16");

	assert_int_equal(sdpdesc_filter(&d, NULL), 0);
	assert_int_equal(d.fmtc, 3);
	assert_int_equal(d.fmtv[0].pt, 0);
	assert_int_equal(d.fmtv[1].pt, 8);
	assert_int_equal(d.fmtv[2].pt, 101);
}

static void test_ipv6(void **state)
{
	static const char sdp[] =
		"v=0\r\n"
		"o=- 1 1 IN IP6 2001:db8::1\r\n"
		"s=-\r\n"
		"c=IN IP6 2001:db8::1\r\n"
		"t=0 0\r\n"
		"m=audio 5004 RTP/AVP 8\r\n";
	struct sdpdesc d;
	struct sa sa, want;

	(void)state;
	assert_int_equal(parse_str(&d, sdp), 0);
	assert_true(d.ipv6);
	assert_string_equal(d.addr, "2001:db8::1");
	assert_fmt(&d.fmtv[0], 8, "PCMA", 8000, "");

	assert_int_equal(sdpdesc_remote(&d, &sa), 0);
	assert_int_equal(sa_set_str(&want, "2001:db8::1", 5004), 0);
	assert_true(sa_cmp(&sa, &want, SA_ALL));
}

static void test_port_count_and_ttl(void **state)
{
	static const char sdp[] =
		"v=0\r\nc=IN IP4 224.2.1.1/127/3\r\n"
		"m=audio 49170/2 RTP/AVP 0\r\n";
	static const char sdp6[] =
		"v=0\r\nc=IN IP6 ff15::101/3\r\n"
		"m=audio 49170 RTP/AVP 0\r\n";
	struct sdpdesc d;

	(void)state;
	assert_int_equal(parse_str(&d, sdp), 0);
	assert_string_equal(d.addr, "224.2.1.1");
	assert_int_equal(d.port, 49170);

	assert_int_equal(parse_str(&d, sdp6), 0);
	assert_string_equal(d.addr, "ff15::101");
	assert_true(d.ipv6);
}

static void test_static_types(void **state)
{
	static const char sdp[] =
		"v=0\r\nc=IN IP4 10.0.0.1\r\n"
		"m=audio 4000 RTP/AVP 18 9 0 8 13 100\r\n"
		"a=rtpmap:8 pcma/8000\r\n";
	struct sdpdesc d;

	(void)state;
	assert_int_equal(parse_str(&d, sdp), 0);
	assert_int_equal(d.fmtc, 6);
	assert_fmt(&d.fmtv[0], 18, "G729", 8000, "");
	assert_fmt(&d.fmtv[1], 9, "G722", 8000, "");
	assert_fmt(&d.fmtv[2], 0, "PCMU", 8000, "");
	assert_fmt(&d.fmtv[3], 8, "pcma", 8000, "");
	assert_fmt(&d.fmtv[4], 13, "CN", 8000, "");
	assert_fmt(&d.fmtv[5], 100, "", 0, "");   /* dynamic, unmapped */

	/* names match case-insensitively */
	assert_int_equal(sdpdesc_filter(&d, NULL), 0);
	assert_int_equal(d.fmtc, 2);
	assert_int_equal(d.fmtv[0].pt, 0);
	assert_int_equal(d.fmtv[1].pt, 8);
}

static void test_remapped_static(void **state)
{
	/* an rtpmap overrides the static meaning of a number */
	static const char sdp[] =
		"v=0\r\nc=IN IP4 10.0.0.1\r\n"
		"m=audio 4000 RTP/AVP 0 96\r\n"
		"a=rtpmap:0 G726-32/8000\r\n"
		"a=rtpmap:96 PCMU/8000\r\n";
	struct sdpdesc d;

	(void)state;
	assert_int_equal(parse_str(&d, sdp), 0);
	assert_fmt(&d.fmtv[0], 0, "G726-32", 8000, "");
	assert_int_equal(sdpdesc_filter(&d, NULL), 0);
	assert_int_equal(d.fmtc, 1);
	assert_fmt(&d.fmtv[0], 96, "PCMU", 8000, "");
}

/* Direction and hold: (session attr, media attr, c= address) -> result */
static void test_hold_variants(void **state)
{
	static const struct {
		const char *sess, *media, *addr;
		enum sdpdesc_dir dir;
		bool hold_addr, hold;
	} tv[] = {
		{"",             "",             "10.0.0.1", SDPDESC_SENDRECV,
		 false, false},
		{"",             "a=sendonly\r\n", "10.0.0.1", SDPDESC_SENDONLY,
		 false, true},
		{"",             "a=inactive\r\n", "10.0.0.1", SDPDESC_INACTIVE,
		 false, true},
		{"",             "a=recvonly\r\n", "10.0.0.1", SDPDESC_RECVONLY,
		 false, false},
		{"a=sendonly\r\n", "",           "10.0.0.1", SDPDESC_SENDONLY,
		 false, true},
		{"a=inactive\r\n", "a=sendrecv\r\n", "10.0.0.1",
		 SDPDESC_SENDRECV, false, false},
		{"a=sendrecv\r\n", "a=sendonly\r\n", "10.0.0.1",
		 SDPDESC_SENDONLY, false, true},
		{"",             "",             "0.0.0.0",  SDPDESC_SENDRECV,
		 true, true},
		{"",             "a=sendonly\r\n", "0.0.0.0", SDPDESC_SENDONLY,
		 true, true},
	};

	(void)state;
	for (size_t i = 0; i < COUNT(tv); i++) {
		char buf[512];
		struct sdpdesc d;

		snprintf(buf, sizeof(buf),
			 "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\n"
			 "c=IN IP4 %s\r\nt=0 0\r\n%s"
			 "m=audio 4000 RTP/AVP 0\r\n%s",
			 tv[i].addr, tv[i].sess, tv[i].media);
		assert_int_equal(parse_str(&d, buf), 0);
		assert_int_equal(d.dir, tv[i].dir);
		assert_int_equal(d.hold_addr, tv[i].hold_addr);
		assert_int_equal(sdpdesc_is_hold(&d), tv[i].hold);
	}
}

static void test_dir_helpers(void **state)
{
	(void)state;
	assert_int_equal(sdpdesc_dir_reverse(SDPDESC_SENDONLY),
			 SDPDESC_RECVONLY);
	assert_int_equal(sdpdesc_dir_reverse(SDPDESC_RECVONLY),
			 SDPDESC_SENDONLY);
	assert_int_equal(sdpdesc_dir_reverse(SDPDESC_SENDRECV),
			 SDPDESC_SENDRECV);
	assert_int_equal(sdpdesc_dir_reverse(SDPDESC_INACTIVE),
			 SDPDESC_INACTIVE);
	assert_string_equal(sdpdesc_dir_name(SDPDESC_SENDRECV), "sendrecv");
	assert_string_equal(sdpdesc_dir_name(SDPDESC_SENDONLY), "sendonly");
	assert_string_equal(sdpdesc_dir_name(SDPDESC_RECVONLY), "recvonly");
	assert_string_equal(sdpdesc_dir_name(SDPDESC_INACTIVE), "inactive");
	assert_string_equal(sdpdesc_dir_name((enum sdpdesc_dir)9), "?");
	assert_false(sdpdesc_is_hold(NULL));
}

static void test_no_common_codec(void **state)
{
	static const char g729[] =
		"v=0\r\nc=IN IP4 10.0.0.1\r\n"
		"m=audio 4000 RTP/AVP 18 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n";
	static const char wideband[] =
		"v=0\r\nc=IN IP4 10.0.0.1\r\n"
		"m=audio 4000 RTP/AVP 96 97\r\n"
		"a=rtpmap:96 PCMU/16000\r\n"
		"a=rtpmap:97 telephone-event/8000\r\n";
	struct sdpdesc d, before;

	(void)state;
	assert_int_equal(parse_str(&d, g729), 0);
	before = d;
	assert_int_equal(sdpdesc_filter(&d, NULL), ENOTSUP);
	assert_memory_equal(&d, &before, sizeof(d));   /* d unchanged */

	assert_int_equal(parse_str(&d, wideband), 0);
	assert_int_equal(sdpdesc_filter(&d, NULL), ENOTSUP);
}

static void test_filter_prefer(void **state)
{
	static const char answer_pcma[] =
		"v=0\r\nc=IN IP4 10.0.0.2\r\n"
		"m=audio 5000 RTP/AVP 8\r\n";
	static const char answer_pcma_te[] =
		"v=0\r\nc=IN IP4 10.0.0.2\r\n"
		"m=audio 5000 RTP/AVP 8 96\r\n"
		"a=rtpmap:96 TELEPHONE-EVENT/8000\r\n";
	static const char answer_g722[] =
		"v=0\r\nc=IN IP4 10.0.0.2\r\n"
		"m=audio 5000 RTP/AVP 9\r\n";
	struct sdpdesc d, prefer;

	(void)state;
	assert_int_equal(parse_str(&prefer, answer_pcma), 0);
	assert_int_equal(parse_str(&d, baresip_offer), 0);
	assert_int_equal(sdpdesc_filter(&d, &prefer), 0);
	assert_int_equal(d.fmtc, 1);
	assert_fmt(&d.fmtv[0], 8, "PCMA", 8000, "");

	/* matched by name and rate, not number; d keeps its numbers */
	assert_int_equal(parse_str(&prefer, answer_pcma_te), 0);
	assert_int_equal(parse_str(&d, baresip_offer), 0);
	assert_int_equal(sdpdesc_filter(&d, &prefer), 0);
	assert_int_equal(d.fmtc, 2);
	assert_fmt(&d.fmtv[0], 8, "PCMA", 8000, "");
	assert_fmt(&d.fmtv[1], 101, "telephone-event", 8000, "0-15");

	assert_int_equal(parse_str(&prefer, answer_g722), 0);
	assert_int_equal(parse_str(&d, baresip_offer), 0);
	assert_int_equal(sdpdesc_filter(&d, &prefer), ENOTSUP);
	assert_int_equal(d.fmtc, 3);

	assert_int_equal(sdpdesc_filter(NULL, NULL), EINVAL);
}

static void test_not_found(void **state)
{
	static const char *tv[] = {
		"v=0\r\nc=IN IP4 10.0.0.1\r\n",
		"v=0\r\nc=IN IP4 10.0.0.1\r\nm=video 4000 RTP/AVP 99\r\n",
		"v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n",
		"v=0\r\nc=IN IP4 10.0.0.1\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n",
	};
	struct sdpdesc d;

	(void)state;
	for (size_t i = 0; i < COUNT(tv); i++)
		assert_int_equal(parse_str(&d, tv[i]), ENOENT);
}

static void test_malformed(void **state)
{
	static const char ok_tail[] = "m=audio 4000 RTP/AVP 0\r\n";
	static const char *tv[] = {
		"",
		"\r\n\r\n",
		"o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n",
		"v=1\r\nc=IN IP4 1.2.3.4\r\n",
		"v=0 \r\nc=IN IP4 1.2.3.4\r\n",
		"v=0\r\nv=0\r\nc=IN IP4 1.2.3.4\r\n",
		"v=0\r\nfoo\r\nc=IN IP4 1.2.3.4\r\n",
		"v=0\r\nA=b\r\nc=IN IP4 1.2.3.4\r\n",
		"v=0\r\n=x\r\nc=IN IP4 1.2.3.4\r\n",
		"v=0\r\ns\r\nc=IN IP4 1.2.3.4\r\n",
		"v=0\r\no=- 1 1 IN IP4\r\nc=IN IP4 1.2.3.4\r\n",
		"v=0\r\no=- 1 1 XX IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n",
		"v=0\r\nc=IN IP5 1.2.3.4\r\n",
		"v=0\r\nc=XX IP4 1.2.3.4\r\n",
		"v=0\r\nc=IN IP4\r\n",
		"v=0\r\nc=IN IP4 1.2.3.4 5\r\n",
		"v=0\r\nc=IN IP4 /127\r\n",
		"v=0\r\nc=IN IP4 1.2.3.4;x\r\n",
		"v=0\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.5\r\n",
		"v=0\r\nc=IN IP4 1.2.3.4\r\ns=a\tb\x01\r\n",
		"v=0\r\nc=IN IP4 1.2.3.4\r\ns=a\rb\r\n",
		"v=0\r\nc=IN IP4 1.2.3.4\r\na=:x\r\n",
		"v=0\r\nc=IN IP4 1.2.3.4\r\na=\r\n",
	};
	static const char *media[] = {
		"m=audio 70000 RTP/AVP 0\r\n",
		"m=audio abc RTP/AVP 0\r\n",
		"m=audio -1 RTP/AVP 0\r\n",
		"m=audio +4000 RTP/AVP 0\r\n",
		"m=audio 4000/x RTP/AVP 0\r\n",
		"m=audio 4000 RTP/AVP 128\r\n",
		"m=audio 4000 RTP/AVP 0x1\r\n",
		"m=audio 4000 RTP/AVP\r\n",
		"m=audio 4000 RTP/AVP 0 8 0\r\n",
		"m=audio 4000\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:x PCMU/8000\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/0\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PC MU/8000\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PC,MU/8000\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000/x\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:300 X/8000\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=fmtp:x 0-15\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=fmtp:\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=ptime:abc\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=ptime:0\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=ptime:20000\r\n",
		"m=audio 4000 RTP/AVP 0\r\na=ptime:20.x\r\n",
		"m=audio 4000 RTP/AVP 0\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
		("m=audio 4000 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\n"
		 "c=IN IP4 1.2.3.4\r\n"),
		"m=video\r\nm=audio 4000 RTP/AVP 0\r\n",
		"m=audio 4000 RTP/AVP 0\r\nm=audio 4002\r\n",
	};
	struct sdpdesc d;
	char buf[512];

	(void)state;
	for (size_t i = 0; i < COUNT(tv); i++) {
		snprintf(buf, sizeof(buf), "%s%s", tv[i], ok_tail);
		print_message("session case %zu\n", i);
		assert_int_equal(parse_str(&d, buf), EPROTO);
	}

	for (size_t i = 0; i < COUNT(media); i++) {
		snprintf(buf, sizeof(buf), "v=0\r\nc=IN IP4 1.2.3.4\r\n%s",
			 media[i]);
		print_message("media case %zu\n", i);
		assert_int_equal(parse_str(&d, buf), EPROTO);
	}

	/* no c= anywhere */
	assert_int_equal(parse_str(&d, "v=0\r\nm=audio 4000 RTP/AVP 0\r\n"),
			 EPROTO);

	/* a NUL byte inside a line */
	assert_int_equal(sdpdesc_parse(&d, "v=0\r\ns=a\0b\r\n", 12), EPROTO);

	assert_int_equal(sdpdesc_parse(NULL, "v=0", 3), EINVAL);
	assert_int_equal(sdpdesc_parse(&d, NULL, 3), EINVAL);
	assert_int_equal(sdpdesc_parse(&d, NULL, 0), EPROTO);
}

static void test_limits(void **state)
{
	static char big[SDPDESC_MAX_LEN + 2];
	char line[SDPDESC_LINE_MAX + 8];
	char buf[SDPDESC_LINE_MAX + 512];
	struct sdpdesc d;
	int n;

	(void)state;

	/* body size */
	n = snprintf(big, sizeof(big), "%s", sipp_uac);
	memset(big + n, '\n', sizeof(big) - (size_t)n);
	assert_int_equal(sdpdesc_parse(&d, big, SDPDESC_MAX_LEN), 0);
	assert_int_equal(sdpdesc_parse(&d, big, SDPDESC_MAX_LEN + 1),
			 EMSGSIZE);

	/* line length: SDPDESC_LINE_MAX is fine, one more is not */
	memset(line, 'x', sizeof(line));
	memcpy(line, "a=", 2);
	line[SDPDESC_LINE_MAX] = '\0';
	snprintf(buf, sizeof(buf), "%s%s\r\n", sipp_uac, line);
	assert_int_equal(parse_str(&d, buf), 0);

	line[SDPDESC_LINE_MAX] = 'x';
	line[SDPDESC_LINE_MAX + 1] = '\0';
	snprintf(buf, sizeof(buf), "%s%s\r\n", sipp_uac, line);
	assert_int_equal(parse_str(&d, buf), EPROTO);

	/* the last line needs no line end */
	assert_int_equal(parse_str(&d, "v=0\r\nc=IN IP4 1.2.3.4\r\n"
				   "m=audio 4000 RTP/AVP 0"), 0);
	assert_int_equal(d.fmtc, 1);
}

static void test_format_limits(void **state)
{
	char buf[2048];
	struct sdpdesc d;
	int n;

	(void)state;

	/* 40 formats: the first SDPDESC_FMTS_MAX are kept */
	n = snprintf(buf, sizeof(buf),
		     "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP");
	for (int pt = 60; pt < 100; pt++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %d", pt);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n,
		      " 0\r\na=rtpmap:99 PCMA/8000\r\n");
	assert_int_equal(parse_str(&d, buf), 0);
	assert_int_equal(d.fmtc, SDPDESC_FMTS_MAX);
	assert_int_equal(d.fmtv[0].pt, 60);
	assert_int_equal(d.fmtv[SDPDESC_FMTS_MAX - 1].pt, 91);

	/* a name or fmtp too long for the struct: that format is left out */
	n = snprintf(buf, sizeof(buf),
		     "v=0\r\nc=IN IP4 1.2.3.4\r\n"
		     "m=audio 4000 RTP/AVP 96 0 97\r\n"
		     "a=rtpmap:96 %s/8000\r\n"
		     "a=rtpmap:97 telephone-event/8000\r\n"
		     "a=fmtp:97 %0128d\r\n",
		     "an-encoding-name-of-32-chars-xyz", 0);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(parse_str(&d, buf), 0);
	assert_int_equal(d.fmtc, 1);
	assert_fmt(&d.fmtv[0], 0, "PCMU", 8000, "");

	/* one byte shorter of each fits */
	snprintf(buf, sizeof(buf),
		 "v=0\r\nc=IN IP4 1.2.3.4\r\n"
		 "m=audio 4000 RTP/AVP 96 97\r\n"
		 "a=rtpmap:96 %s/8000\r\n"
		 "a=rtpmap:97 telephone-event/8000\r\n"
		 "a=fmtp:97 %0127d\r\n",
		 "an-encoding-name-of-31-chars-xy", 0);
	assert_int_equal(parse_str(&d, buf), 0);
	assert_int_equal(d.fmtc, 2);
	assert_int_equal(strlen(d.fmtv[0].name), 31);
	assert_int_equal(strlen(d.fmtv[1].fmtp), 127);
}

static void test_remote_einval(void **state)
{
	static const char host[] =
		"v=0\r\nc=IN IP4 media.example.com\r\n"
		"m=audio 4000 RTP/AVP 0\r\n";
	static const char mismatch[] =
		"v=0\r\nc=IN IP6 10.0.0.1\r\n"
		"m=audio 4000 RTP/AVP 0\r\n";
	struct sdpdesc d;
	struct sa sa;

	(void)state;
	assert_int_equal(parse_str(&d, host), 0);
	assert_string_equal(d.addr, "media.example.com");
	assert_int_equal(sdpdesc_remote(&d, &sa), EINVAL);

	assert_int_equal(parse_str(&d, mismatch), 0);
	assert_int_equal(sdpdesc_remote(&d, &sa), EINVAL);
	assert_int_equal(sdpdesc_remote(NULL, &sa), EINVAL);
}

static char *mbuf_str(struct mbuf *mb)
{
	static char buf[4096];

	assert_true(mbuf_get_left(mb) < sizeof(buf));
	memcpy(buf, mbuf_buf(mb), mbuf_get_left(mb));
	buf[mbuf_get_left(mb)] = '\0';
	return buf;
}

static void test_encode_exact(void **state)
{
	struct sdpdesc d;
	struct mbuf *mb = NULL;
	struct sa laddr;

	(void)state;
	assert_int_equal(parse_str(&d, baresip_offer), 0);
	d.dir = SDPDESC_RECVONLY;
	assert_int_equal(sa_set_str(&laddr, "127.0.0.1", 20000), 0);
	assert_int_equal(sdpdesc_encode(&mb, &d, &laddr,
					 18446744073709551615ULL, 7), 0);
	assert_int_equal(mb->pos, 0);
	assert_string_equal(mbuf_str(mb),
		"v=0\r\n"
		"o=hotline 18446744073709551615 7 IN IP4 127.0.0.1\r\n"
		"s=hotline\r\n"
		"c=IN IP4 127.0.0.1\r\n"
		"t=0 0\r\n"
		"m=audio 20000 RTP/AVP 0 8 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=ptime:20\r\n"
		"a=recvonly\r\n");
	mem_deref(mb);
}

static void test_encode_ipv6(void **state)
{
	struct sdpdesc d;
	struct mbuf *mb = NULL;
	struct sa laddr;

	(void)state;
	assert_int_equal(parse_str(&d, sipp_uac), 0);
	assert_int_equal(sa_set_str(&laddr, "::1", 30002), 0);
	assert_int_equal(sdpdesc_encode(&mb, &d, &laddr, 1, 2), 0);
	assert_string_equal(mbuf_str(mb),
		"v=0\r\n"
		"o=hotline 1 2 IN IP6 ::1\r\n"
		"s=hotline\r\n"
		"c=IN IP6 ::1\r\n"
		"t=0 0\r\n"
		"m=audio 30002 RTP/AVP 0\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=sendrecv\r\n");

	assert_int_equal(sdpdesc_parse(&d, (char *)mbuf_buf(mb),
				       mbuf_get_left(mb)), 0);
	assert_true(d.ipv6);
	assert_string_equal(d.addr, "::1");
	mem_deref(mb);
}

static void test_encode_einval(void **state)
{
	struct sdpdesc d;
	struct mbuf *mb = NULL;
	struct sa laddr, none;

	(void)state;
	assert_int_equal(sa_set_str(&laddr, "127.0.0.1", 20000), 0);
	sa_init(&none, AF_INET);

	assert_int_equal(parse_str(&d, baresip_offer), 0);
	assert_int_equal(sdpdesc_encode(NULL, &d, &laddr, 1, 1), EINVAL);
	assert_int_equal(sdpdesc_encode(&mb, NULL, &laddr, 1, 1), EINVAL);
	assert_int_equal(sdpdesc_encode(&mb, &d, NULL, 1, 1), EINVAL);
	assert_int_equal(sdpdesc_encode(&mb, &d, &none, 1, 1), EINVAL);

	d.dir = (enum sdpdesc_dir)7;
	assert_int_equal(sdpdesc_encode(&mb, &d, &laddr, 1, 1), EINVAL);
	d.dir = SDPDESC_SENDRECV;

	/* a field that would inject a line */
	strcpy(d.fmtv[2].fmtp, "0-15\r\na=sendonly");
	assert_int_equal(sdpdesc_encode(&mb, &d, &laddr, 1, 1), EINVAL);
	strcpy(d.fmtv[2].fmtp, "0-15");
	strcpy(d.fmtv[1].name, "PCMA/8000 x");
	assert_int_equal(sdpdesc_encode(&mb, &d, &laddr, 1, 1), EINVAL);
	memset(d.fmtv[1].name, 'A', sizeof(d.fmtv[1].name));
	assert_int_equal(sdpdesc_encode(&mb, &d, &laddr, 1, 1), EINVAL);
	strcpy(d.fmtv[1].name, "PCMA");
	d.fmtv[1].pt = 200;
	assert_int_equal(sdpdesc_encode(&mb, &d, &laddr, 1, 1), EINVAL);
	d.fmtv[1].pt = 8;

	d.fmtc = 0;
	assert_int_equal(sdpdesc_encode(&mb, &d, &laddr, 1, 1), EINVAL);
	assert_null(mb);
}

/* parse(encode(x)) gives x back, for every sample after filtering */
static void test_round_trip(void **state)
{
	static const char *samples[] = {sipp_uac, baresip_offer,
					softphone_offer};
	static const enum sdpdesc_dir dirs[] = {
		SDPDESC_SENDRECV, SDPDESC_SENDONLY, SDPDESC_RECVONLY,
		SDPDESC_INACTIVE};
	struct sa laddr;

	(void)state;
	assert_int_equal(sa_set_str(&laddr, "127.0.0.2", 40010), 0);

	for (size_t i = 0; i < COUNT(samples); i++) {
		for (size_t k = 0; k < COUNT(dirs); k++) {
			struct sdpdesc x, y;
			struct mbuf *mb = NULL;

			assert_int_equal(parse_str(&x, samples[i]), 0);
			assert_int_equal(sdpdesc_filter(&x, NULL), 0);
			x.dir = dirs[k];
			assert_int_equal(sdpdesc_encode(&mb, &x, &laddr,
							1000 + i, 1), 0);
			assert_int_equal(sdpdesc_parse(&y,
						       (char *)mbuf_buf(mb),
						       mbuf_get_left(mb)), 0);
			mem_deref(mb);

			assert_string_equal(y.addr, "127.0.0.2");
			assert_int_equal(y.port, 40010);
			assert_false(y.ipv6);
			assert_int_equal(y.dir, x.dir);
			assert_int_equal(y.ptime, x.ptime);
			assert_int_equal(y.fmtc, x.fmtc);
			assert_memory_equal(y.fmtv, x.fmtv,
					    sizeof(x.fmtv[0]) * x.fmtc);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sipp_uac),
		cmocka_unit_test(test_baresip),
		cmocka_unit_test(test_softphone),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_port_count_and_ttl),
		cmocka_unit_test(test_static_types),
		cmocka_unit_test(test_remapped_static),
		cmocka_unit_test(test_hold_variants),
		cmocka_unit_test(test_dir_helpers),
		cmocka_unit_test(test_no_common_codec),
		cmocka_unit_test(test_filter_prefer),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_format_limits),
		cmocka_unit_test(test_remote_einval),
		cmocka_unit_test(test_encode_exact),
		cmocka_unit_test(test_encode_ipv6),
		cmocka_unit_test(test_encode_einval),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
