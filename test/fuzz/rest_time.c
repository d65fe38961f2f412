/** @file test/fuzz/rest_time.c  RFC 3339 query times (?since=, ?until=) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hotline/event.h>
#include "api/rest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* 9999-12-31T23:59:59.999Z, the last time event_time_format() writes */
#define TIME_MAX_MS 253402300799999ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[96], out[25];
	uint64_t ms = 0, back = 0;

	if (size >= sizeof(in))   /* rest_query_time() reads at most 63 */
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';

	if (rest_time_parse(in, &ms))
		return 0;
	/* whatever was accepted reads back the same through the format
	 * every reply uses */
	if (ms <= TIME_MAX_MS) {
		event_time_format(out, ms);
		CHECK(rest_time_parse(out, &back) == 0);
		CHECK(back == ms);
	}
	return 0;
}
