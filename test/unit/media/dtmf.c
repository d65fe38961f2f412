/** @file test/unit/media/dtmf.c  RFC 4733 receiver: every key, one report
 *  per press (lost start, lost end, retransmissions, same key twice, late
 *  packets), audio interleaved, strict header checks, and sipp's recorded
 *  key presses (/usr/share/sip-tester/dtmf_2833_*.pcap) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/dtmf.h>
#include "media/rtphdr.h"


#define TE 101                  /* the negotiated telephone-event type */
#define SSRC 0x11223344u
#define PCAP_DIR "/usr/share/sip-tester"

/* A plain 12-byte RTP header into p */
static size_t hdr_put(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts,
		      uint32_t ssrc)
{
	const struct rtphdr h = { .pt = pt, .seq = seq, .ts = ts,
				  .ssrc = ssrc };

	return rtphdr_write(&h, p);
}

/* A telephone-event packet: event, end bit, duration */
static size_t tev_make(uint8_t *p, uint16_t seq, uint32_t ts, uint8_t ev,
		       bool end, uint16_t dur)
{
	size_t n = hdr_put(p, TE, seq, ts, SSRC);

	p[n++] = ev;
	p[n++] = (uint8_t)((end ? 0x80 : 0) | 10);
	p[n++] = (uint8_t)(dur >> 8);
	p[n++] = (uint8_t)dur;
	return n;
}

/* Feed one packet; its digit (0 for none), asserting the result 0 */
static char feed(struct dtmf_rx *rx, const uint8_t *p, size_t len)
{
	char d = 'x';

	assert_int_equal(dtmf_rx_packet(rx, p, len, &d), 0);
	return d;
}

/* A whole key press as a phone sends it: start (marker), updates every
 * 20 ms, three end packets; returns the digits reported as a string */
static void press(struct dtmf_rx *rx, uint16_t *seq, uint32_t ts,
		  uint8_t ev, char *out)
{
	uint8_t p[16];
	size_t len;
	char d;

	for (uint16_t dur = 0; dur <= 800; dur += 160) {
		len = tev_make(p, (*seq)++, ts, ev, false, dur);
		if (!dur)
			p[1] |= 0x80;
		d = feed(rx, p, len);
		if (d)
			strncat(out, &d, 1);
	}

	for (int i = 0; i < 3; i++) {
		len = tev_make(p, *seq, ts, ev, true, 960);
		d = feed(rx, p, len);
		if (d)
			strncat(out, &d, 1);
	}
	(*seq)++;
}

static void test_all_events(void **state)
{
	struct dtmf_rx rx;
	uint8_t p[16];
	char got[32] = "";

	(void)state;
	dtmf_rx_init(&rx, TE);
	for (uint8_t ev = 0; ev < 16; ev++) {
		size_t len = tev_make(p, (uint16_t)(100 + ev),
				      1000u * ev, ev, false, 0);
		char d = feed(&rx, p, len);

		assert_int_not_equal(d, 0);
		strncat(got, &d, 1);
	}
	assert_string_equal(got, "0123456789*#ABCD");

	/* events above 15 (tones, flash) are not keys */
	for (unsigned ev = 16; ev < 256; ev += 17)
		assert_int_equal(feed(&rx, p, tev_make(p, 200, 99999u + ev,
					(uint8_t)ev, false, 0)), 0);
	assert_int_equal(feed(&rx, p, tev_make(p, 201, 123456, 255, true,
					       0)), 0);
}

static void test_dedupe(void **state)
{
	struct dtmf_rx rx;
	uint16_t seq = 1;
	char got[32] = "";

	(void)state;
	dtmf_rx_init(&rx, TE);
	press(&rx, &seq, 8000, 5, got);
	assert_string_equal(got, "5");

	/* a fourth end retransmission, much later: still the same press */
	{
		uint8_t p[16];

		assert_int_equal(feed(&rx, p, tev_make(p, seq, 8000, 5, true,
						       960)), 0);
	}

	press(&rx, &seq, 16000, 9, got);
	press(&rx, &seq, 24000, 1, got);
	assert_string_equal(got, "591");
}

static void test_lost_start(void **state)
{
	struct dtmf_rx rx;
	uint8_t p[16];

	(void)state;
	dtmf_rx_init(&rx, TE);

	/* start and first updates lost: the first update reports */
	assert_int_equal(feed(&rx, p, tev_make(p, 12, 4000, 3, false, 480)),
			 '3');
	assert_int_equal(feed(&rx, p, tev_make(p, 13, 4000, 3, false, 640)),
			 0);
	assert_int_equal(feed(&rx, p, tev_make(p, 14, 4000, 3, true, 800)),
			 0);

	/* everything lost but one end packet: it reports */
	assert_int_equal(feed(&rx, p, tev_make(p, 30, 9000, 4, true, 800)),
			 '4');
	assert_int_equal(feed(&rx, p, tev_make(p, 30, 9000, 4, true, 800)),
			 0);
}

static void test_lost_end(void **state)
{
	struct dtmf_rx rx;
	uint8_t p[16];

	(void)state;
	dtmf_rx_init(&rx, TE);

	/* no end packet at all: the next press (new timestamp) reports */
	assert_int_equal(feed(&rx, p, tev_make(p, 1, 4000, 7, false, 0)),
			 '7');
	assert_int_equal(feed(&rx, p, tev_make(p, 2, 4000, 7, false, 160)),
			 0);
	assert_int_equal(feed(&rx, p, tev_make(p, 10, 8000, 8, false, 0)),
			 '8');

	/* a different key on the same timestamp is another event */
	assert_int_equal(feed(&rx, p, tev_make(p, 11, 8000, 9, false, 0)),
			 '9');
}

static void test_same_digit_twice(void **state)
{
	struct dtmf_rx rx;
	uint16_t seq = 65530;    /* wraps during the second press */
	char got[32] = "";

	(void)state;
	dtmf_rx_init(&rx, TE);
	press(&rx, &seq, 0xfffffa00u, 11, got);
	press(&rx, &seq, 0xfffffa00u + 1600, 11, got);   /* ts wraps too */
	press(&rx, &seq, 3200, 11, got);
	assert_string_equal(got, "###");
}

/* Audio of the same stream between and during events changes nothing */
static void test_interleaved_audio(void **state)
{
	struct dtmf_rx rx;
	uint8_t p[172], a[172];
	uint16_t seq = 500;
	char got[8] = "";
	size_t alen;

	(void)state;
	dtmf_rx_init(&rx, TE);
	memset(a, 0xff, sizeof(a));
	for (int k = 0; k < 2; k++) {
		uint32_t ts = 16000u * (uint32_t)(k + 1);

		for (int i = 0; i < 5; i++) {
			/* PCMU with the same timestamp and an "event" byte */
			alen = hdr_put(a, 0, seq++, ts + 160u * i, SSRC);
			a[alen] = 2;
			assert_int_equal(feed(&rx, a, alen + 160), 0);

			char d = feed(&rx, p, tev_make(p, seq++, ts, 2,
						       i == 4, 160u * i));
			if (d)
				strncat(got, &d, 1);
		}
	}
	assert_string_equal(got, "22");

	/* a type that is not ours, even with a marker, is ignored */
	alen = hdr_put(a, 0x80 | 96, seq++, 99999, SSRC);
	a[alen] = 1;
	assert_int_equal(feed(&rx, a, alen + 4), 0);
}

/* Late packets of an older press; sequence restarts; a new SSRC */
static void test_late_and_restart(void **state)
{
	struct dtmf_rx rx;
	uint8_t p[16];

	(void)state;
	dtmf_rx_init(&rx, TE);
	assert_int_equal(feed(&rx, p, tev_make(p, 100, 8000, 1, false, 0)),
			 '1');
	assert_int_equal(feed(&rx, p, tev_make(p, 110, 16000, 2, false, 0)),
			 '2');

	/* 1's end retransmission arrives after 2 started: ignored */
	assert_int_equal(feed(&rx, p, tev_make(p, 105, 8000, 1, true, 800)),
			 0);
	assert_int_equal(feed(&rx, p, tev_make(p, 110 - DTMF_RX_REORDER,
					       8000, 1, true, 800)), 0);

	/* further back is a restart of the sender's sequence numbers */
	assert_int_equal(feed(&rx, p, tev_make(p, 110 - DTMF_RX_REORDER - 1,
					       24000, 3, false, 0)), '3');

	/* across the wrap: 65530 is 6 behind 0 */
	assert_int_equal(feed(&rx, p, tev_make(p, 0, 32000, 4, false, 0)),
			 '4');
	assert_int_equal(feed(&rx, p, tev_make(p, 65530, 30000, 5, false,
					       0)), 0);

	/* another stream (SSRC) starts afresh: old numbers, same ts */
	{
		size_t n = tev_make(p, 65530, 32000, 4, false, 0);

		p[11] ^= 1;
		assert_int_equal(feed(&rx, p, n), '4');
		assert_int_equal(feed(&rx, p, n), 0);
	}
}

static void test_malformed(void **state)
{
	struct dtmf_rx rx;
	uint8_t p[64];
	size_t n;
	char d;

	(void)state;
	dtmf_rx_init(&rx, TE);

#define BAD(buf, len) do { \
		d = 'x'; \
		assert_int_equal(dtmf_rx_packet(&rx, buf, len, &d), EPROTO); \
		assert_int_equal(d, 0); \
	} while (0)

	/* short: no header, or no room for the event */
	n = tev_make(p, 1, 8000, 1, false, 0);
	for (size_t len = 0; len < 12; len++)
		BAD(p, len);
	for (size_t len = 12; len < n; len++)
		BAD(p, len);
	BAD(NULL, 0);

	/* versions 0, 1, 3 */
	for (uint8_t v = 0; v < 4; v++) {
		if (v == 2)
			continue;
		n = tev_make(p, 1, 8000, 1, false, 0);
		p[0] = (uint8_t)(v << 6);
		BAD(p, n);
	}

	/* CSRC list beyond the end: 15 CSRCs need 72 bytes */
	n = tev_make(p, 1, 8000, 1, false, 0);
	p[0] |= 0x0f;
	BAD(p, n);
	p[0] = 0x81;               /* one CSRC: no room left for the event */
	BAD(p, n);

	/* extension: header missing, or longer than the packet */
	n = tev_make(p, 1, 8000, 1, false, 0);
	p[0] |= 0x10;
	BAD(p, 14);                /* not even the 4-byte extension header */
	p[12] = 0xbe; p[13] = 0xde; p[14] = 0; p[15] = 1;
	BAD(p, 16);                /* claims one word more */
	p[14] = 0xff; p[15] = 0xff;
	BAD(p, 64);

	/* padding: count 0, more than the payload, or eating the event */
	n = tev_make(p, 1, 8000, 1, false, 0);
	p[0] |= 0x20;
	p[n - 1] = 0;
	BAD(p, n);
	p[n - 1] = 5;
	BAD(p, n);
	p[n - 1] = 1;              /* valid RTP, but 3 bytes of event */
	BAD(p, n);
	p[n] = 0; p[n + 1] = 0; p[n + 2] = 0; p[n + 3] = 4;
	assert_int_equal(feed(&rx, p, n + 4), '1');   /* 4 + 4 padding */

	/* no state was touched by the bad ones: a repeat stays quiet */
	assert_int_equal(feed(&rx, p, tev_make(p, 2, 8000, 1, true, 800)),
			 0);

	/* a malformed audio packet is malformed too; NULL arguments */
	memset(p, 0xff, sizeof(p));
	p[0] = 0x40;
	p[1] = 0;
	BAD(p, sizeof(p));
	assert_int_equal(dtmf_rx_packet(&rx, p, 16, NULL), EINVAL);
	d = 'x';
	assert_int_equal(dtmf_rx_packet(NULL, p, 16, &d), EINVAL);
	assert_int_equal(d, 0);
#undef BAD
}

/* CSRCs, an extension and padding all present: the event is found */
static void test_full_header(void **state)
{
	struct dtmf_rx rx;
	uint8_t p[64];
	size_t n;

	(void)state;
	dtmf_rx_init(&rx, TE);
	n = hdr_put(p, TE, 7, 5555, SSRC);
	p[0] = 0x80 | 0x20 | 0x10 | 2;     /* P, X, 2 CSRCs */
	memset(p + n, 0xcc, 8);
	n += 8;
	p[n++] = 0x10; p[n++] = 0x00; p[n++] = 0x00; p[n++] = 0x02;
	memset(p + n, 0xee, 8);            /* 2 words of extension */
	n += 8;
	p[n++] = 13;                       /* event B */
	p[n++] = 0x0a;
	p[n++] = 0x01;
	p[n++] = 0x40;
	p[n++] = 0; p[n++] = 0; p[n++] = 3; /* 3 bytes of padding */
	assert_int_equal(feed(&rx, p, n), 'B');
}

static void test_no_pt(void **state)
{
	struct dtmf_rx rx;
	uint8_t p[16];
	size_t n = tev_make(p, 1, 8000, 1, false, 0);

	(void)state;
	dtmf_rx_init(&rx, -1);
	assert_int_equal(feed(&rx, p, n), 0);
	p[0] = 0;                          /* even garbage is ignored */
	assert_int_equal(feed(&rx, p, 3), 0);

	/* out-of-range types mean none too */
	dtmf_rx_init(&rx, 128);
	p[0] = 0x80;
	assert_int_equal(feed(&rx, p, n), 0);

	/* another type than the packets' */
	dtmf_rx_init(&rx, 96);
	assert_int_equal(feed(&rx, p, n), 0);
	dtmf_rx_init(&rx, TE);
	assert_int_equal(feed(&rx, p, n), '1');
	dtmf_rx_init(NULL, TE);            /* harmless */
}

/* --- sipp's recorded key presses ---------------------------------------- */

struct pcap_facts {
	unsigned packets;
	int pt;                   /* of the RTP packets (all the same) */
	uint32_t ssrc;
	uint16_t max_dur;         /* RTP timestamp units */
	uint32_t span_us;         /* first to last packet */
	unsigned ends;            /* packets with the end bit */
};

static uint32_t rd32le(const uint8_t *p, bool swap)
{
	return swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3] :
		(uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
		(uint32_t)p[1] << 8 | p[0];
}

/* The UDP payload of an Ethernet/IPv4 frame, or NULL */
static const uint8_t *udp_payload(const uint8_t *f, size_t n, size_t *lenp)
{
	size_t ihl, ulen;

	if (n < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00)
		return NULL;
	f += 14;
	n -= 14;
	ihl = (size_t)(f[0] & 0x0f) * 4;
	if ((f[0] >> 4) != 4 || ihl < 20 || f[9] != 17 || n < ihl + 8)
		return NULL;
	f += ihl;
	n -= ihl;
	ulen = (size_t)f[4] << 8 | f[5];
	if (ulen < 8 || ulen > n)
		return NULL;
	*lenp = ulen - 8;
	return f + 8;
}

/* Feed every UDP payload of a classic pcap file to rx; the digits in out */
static void pcap_feed(const char *path, struct dtmf_rx *rx, char *out,
		      size_t outsz, struct pcap_facts *pf)
{
	static uint8_t buf[65536];
	uint32_t t0 = 0, t = 0;
	size_t n, pos = 24;
	bool swap;
	FILE *fp = fopen(path, "rb");

	if (!fp)
		fail_msg("%s: cannot open (install sip-tester: scripts/deps.sh"
			 " test)", path);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);

	assert_true(n >= 24);
	assert_true(rd32le(buf, false) == 0xa1b2c3d4 ||
		    rd32le(buf, true) == 0xa1b2c3d4);
	swap = rd32le(buf, false) != 0xa1b2c3d4;
	assert_int_equal(rd32le(buf + 20, swap), 1);      /* Ethernet */

	memset(pf, 0, sizeof(*pf));
	out[0] = 0;
	while (pos + 16 <= n) {
		uint32_t incl = rd32le(buf + pos + 8, swap);
		const uint8_t *pl;
		size_t plen;
		char d = 'x';

		t = rd32le(buf + pos, swap) * 1000000u +
			rd32le(buf + pos + 4, swap);
		if (!pf->packets)
			t0 = t;
		assert_true(pos + 16 + incl <= n);
		pl = udp_payload(buf + pos + 16, incl, &plen);
		assert_non_null(pl);
		assert_int_equal(dtmf_rx_packet(rx, pl, plen, &d), 0);
		if (d && strlen(out) + 1 < outsz)
			strncat(out, &d, 1);

		assert_true(plen >= 16);
		pf->pt = pl[1] & 0x7f;
		pf->ssrc = rd32le(pl + 8, true);
		if (pl[13] & 0x80)
			pf->ends++;
		if ((uint16_t)(pl[14] << 8 | pl[15]) > pf->max_dur)
			pf->max_dur = (uint16_t)(pl[14] << 8 | pl[15]);
		pf->packets++;
		pos += 16 + incl;
	}
	assert_int_equal(pos, n);
	pf->span_us = t - t0;
}

static const struct {
	const char *name;
	char key;
} pcapv[] = {
	{"0", '0'}, {"1", '1'}, {"2", '2'}, {"3", '3'}, {"4", '4'},
	{"5", '5'}, {"6", '6'}, {"7", '7'}, {"8", '8'}, {"9", '9'},
	{"star", '*'}, {"pound", '#'},
};

static void pcap_path(char *path, size_t sz, const char *name)
{
	snprintf(path, sz, "%s/dtmf_2833_%s.pcap", PCAP_DIR, name);
}

/* Each file is one press of its key; the facts the e2e scenarios rely on */
static void test_sipp_pcaps(void **state)
{
	char path[256], got[16];
	struct pcap_facts pf;
	struct dtmf_rx rx;

	(void)state;
	for (size_t i = 0; i < sizeof(pcapv) / sizeof(pcapv[0]); i++) {
		pcap_path(path, sizeof(path), pcapv[i].name);
		dtmf_rx_init(&rx, 101);
		pcap_feed(path, &rx, got, sizeof(got), &pf);
		assert_int_equal(strlen(got), 1);
		assert_int_equal(got[0], pcapv[i].key);

		/* payload type 101, 10 packets over 140 ms (start, six
		 * updates 20 ms apart, three copies of the end packet),
		 * a duration of 2240 units (280 ms) in the end packets */
		assert_int_equal(pf.pt, 101);
		assert_int_equal(pf.packets, 10);
		assert_int_equal(pf.ends, 3);
		assert_int_equal(pf.max_dur, 2240);
		assert_true(pf.span_us >= 139000 && pf.span_us <= 141000);
		assert_int_equal(pf.ssrc, 0x0e05384e);

		/* with another payload type negotiated, nothing */
		dtmf_rx_init(&rx, 96);
		pcap_feed(path, &rx, got, sizeof(got), &pf);
		assert_string_equal(got, "");
	}
}

/* The files replayed one after another into one receiver (as sipp does
 * with play_pcap_audio: same SSRC, recorded numbers): every press is
 * seen, in any order; only an immediate replay of the same file is one
 * press (it is byte for byte a retransmission) */
static void test_sipp_pcaps_sequence(void **state)
{
	static const char *seqv[] = {
		"1", "2", "3", "pound", "9", "8", "7", "6", "5", "4", "3",
		"2", "1", "0", "star", "0", "5", "5",
	};
	char path[256], got[16], all[32] = "";
	struct pcap_facts pf;
	struct dtmf_rx rx;

	(void)state;
	dtmf_rx_init(&rx, 101);
	for (size_t i = 0; i < sizeof(seqv) / sizeof(seqv[0]); i++) {
		pcap_path(path, sizeof(path), seqv[i]);
		pcap_feed(path, &rx, got, sizeof(got), &pf);
		strncat(all, got, sizeof(all) - strlen(all) - 1);
	}
	assert_string_equal(all, "123#9876543210*05");
}

/* What sipp 3.6.1 sends for <exec play_dtmf="55#"/> (observed on
 * loopback): 20 no-op packets of type 97 (400 ms), then per key 10
 * updates 20 ms apart and 3 end packets, all of type 96 whatever the SDP
 * said, a new SSRC per play_dtmf, timestamps 400 apart */
static void test_sipp_play_dtmf(void **state)
{
	struct dtmf_rx rx;
	uint8_t p[16];
	uint16_t seq = 1200;
	char got[8] = "";
	const uint8_t keys[] = {5, 5, 11};

	(void)state;
	dtmf_rx_init(&rx, 96);
	for (int i = 0; i < 20; i++) {
		size_t n = hdr_put(p, 97, seq, 24000u + 20u * i, 0x01020305);

		memset(p + n, 0, 4);
		assert_int_equal(feed(&rx, p, n + 4), 0);
		seq += 2;
	}
	for (size_t k = 0; k < sizeof(keys); k++) {
		uint32_t ts = 24400u + 400u * (uint32_t)k;

		for (int i = 0; i < 13; i++) {
			uint16_t dur = (uint16_t)(i < 10 ? 160 * i : 1600);
			size_t n = tev_make(p, seq++, ts, keys[k], i >= 10,
					    dur);
			char d;

			p[1] = (uint8_t)((i == 0 ? 0x80 : 0) | 96);
			p[8] = 0x01; p[9] = 0x02; p[10] = 0x03; p[11] = 0x05;
			d = feed(&rx, p, n);
			if (d)
				strncat(got, &d, 1);
		}
	}
	assert_string_equal(got, "55#");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_events),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_lost_start),
		cmocka_unit_test(test_lost_end),
		cmocka_unit_test(test_same_digit_twice),
		cmocka_unit_test(test_interleaved_audio),
		cmocka_unit_test(test_late_and_restart),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_full_header),
		cmocka_unit_test(test_no_pt),
		cmocka_unit_test(test_sipp_pcaps),
		cmocka_unit_test(test_sipp_pcaps_sequence),
		cmocka_unit_test(test_sipp_play_dtmf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
