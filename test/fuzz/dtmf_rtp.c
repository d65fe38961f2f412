/** @file test/fuzz/dtmf_rtp.c  RFC 4733 receiver and the recorder's
 *  timeline on a sequence of RTP packets: no crash, no leak, only the
 *  documented results, a packet repeated at once never reports twice
 *
 * Input: one byte selecting the telephone-event payload type (bit 7 set:
 * none, -1; else the low 7 bits) and the recorder's codec (bit 0 of the
 * same byte: PCMA), then packets, each a 2-byte big-endian length (the
 * low 11 bits) and that many bytes (fewer at the end of the input).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <hotline/dtmf.h>
#include <hotline/recorder.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static struct recwriter *writer;   /* made once; never writes here */


static void check_one(struct dtmf_rx *rx, const uint8_t *p, size_t n,
		      unsigned *digits)
{
	char d = 'x', again = 'x';
	int err;

	err = dtmf_rx_packet(rx, p, n, &d);
	CHECK(err == 0 || err == EPROTO);
	CHECK(!err || d == 0);
	CHECK(d == 0 || (d && strchr("0123456789*#ABCD", d)));
	CHECK(rx->pt >= 0 || (!err && !d));
	if (d)
		(*digits)++;

	/* the same packet at once is a retransmission: never a digit */
	err = dtmf_rx_packet(rx, p, n, &again);
	CHECK(err == 0 || err == EPROTO);
	CHECK(again == 0);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recorder_params rp = {0, RECORDER_MAX_MS, 0};
	struct recorder *rec = NULL;
	struct dtmf_rx rx;
	unsigned packets = 0, digits = 0;
	size_t pos = 1;

	if (!size)
		return 0;

	if (!writer) {
		CHECK(!libre_init());
		CHECK(!recwriter_alloc(&writer));
	}

	dtmf_rx_init(&rx, data[0] & 0x80 ? -1 : data[0] & 0x7f);
	CHECK(rx.pt == (data[0] & 0x80 ? -1 : data[0] & 0x7f));

	/* no silence stop, and max is out of reach of inputs this small:
	 * the recording is discarded unwritten (were it ever written, the
	 * path under /dev/null fails with ENOTDIR, creating nothing) */
	rp.pt = data[0] & 1 ? 8 : 0;
	CHECK(!recorder_alloc(&rec, writer, &rp, "/dev/null/fuzz.wav",
			      NULL, NULL));

	while (pos + 2 <= size) {
		size_t n = (size_t)(data[pos] << 8 | data[pos + 1]) & 0x7ff;
		uint8_t *p;

		pos += 2;
		if (n > size - pos)
			n = size - pos;

		/* a copy of exactly n bytes, so ASan sees any overread */
		p = malloc(n ? n : 1);
		CHECK(p);
		memcpy(p, data + pos, n);
		check_one(&rx, p, n, &digits);
		recorder_rtp(rec, p, n);
		free(p);

		packets++;
		pos += n;
	}

	CHECK(digits <= packets);
	mem_deref(rec);

	return 0;
}
