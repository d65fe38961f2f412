/** @file app/tzif.c  TZif zone files (RFC 8536, versions 1 to 4): a strict
 *  parser and the offset lookup (no I/O)
 *
 * A file is a v1 header and data block (32-bit times); from version 2 on
 * a second header and block with 64-bit times follow, then a footer
 * "\n<POSIX TZ string>\n". We read the 64-bit block when there is one
 * and only size-check the v1 block before it. Every count is checked
 * against the bytes left before anything is read; every index against
 * its table. Leap-second records are skipped (see hotline/tzdb.h).
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "app/tzif.h"

#define HDR_LEN 44

struct hdr {
	uint8_t ver;              /* 0, '2', '3', '4' */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

/* A cursor over the file; readers check the length first */
struct rd {
	const uint8_t *p;
	size_t len, pos;
};


static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}


static size_t left(const struct rd *r)
{
	return r->len - r->pos;
}


static int hdr_read(struct hdr *h, struct rd *r)
{
	const uint8_t *p = r->p + r->pos;

	if (left(r) < HDR_LEN || memcmp(p, "TZif", 4))
		return EPROTO;

	h->ver = p[4];
	if (h->ver != 0 && (h->ver < '2' || h->ver > '4'))
		return EPROTO;

	h->isutcnt  = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt  = be32(p + 28);
	h->timecnt  = be32(p + 32);
	h->typecnt  = be32(p + 36);
	h->charcnt  = be32(p + 40);
	r->pos += HDR_LEN;

	/* RFC 8536 §3.1 */
	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 ||
	    (h->isutcnt && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt && h->isstdcnt != h->typecnt))
		return EPROTO;

	return 0;
}


/* Bytes of the data block after h, times of tsize bytes; in 64 bits the
 * counts (< 2^32 each) cannot overflow */
static uint64_t block_len(const struct hdr *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * tsize + h->timecnt +
		(uint64_t)h->typecnt * 6 + h->charcnt +
		(uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}


static int trans_read(struct tzif *z, const struct hdr *h, struct rd *r,
		      unsigned tsize)
{
	const uint8_t *p = r->p + r->pos;

	z->transc = h->timecnt;
	if (!z->transc)
		return 0;

	z->transv = mem_alloc(z->transc * sizeof(*z->transv), NULL);
	z->idxv = mem_alloc(z->transc, NULL);
	if (!z->transv || !z->idxv)
		return ENOMEM;

	for (uint32_t i = 0; i < z->transc; i++) {
		const uint8_t *tp = p + (size_t)i * tsize;

		z->transv[i] = tsize == 8 ? be64(tp) : (int32_t)be32(tp);
		if (i && z->transv[i] <= z->transv[i - 1])
			return EPROTO;   /* strictly ascending */
	}
	p += (size_t)z->transc * tsize;

	for (uint32_t i = 0; i < z->transc; i++) {
		z->idxv[i] = p[i];
		if (p[i] >= h->typecnt)
			return EPROTO;
	}

	r->pos += (size_t)z->transc * (tsize + 1);
	return 0;
}


static int types_read(struct tzif *z, const struct hdr *h, struct rd *r)
{
	const uint8_t *p = r->p + r->pos;

	z->typec = (uint16_t)h->typecnt;
	for (uint32_t i = 0; i < h->typecnt; i++, p += 6) {
		int32_t utoff = (int32_t)be32(p);

		if (utoff < TZ_UTOFF_MIN || utoff > TZ_UTOFF_MAX ||
		    p[4] > 1 || p[5] >= h->charcnt)
			return EPROTO;
		z->typev[i].utoff = utoff;
		z->typev[i].dst = p[4];
	}

	r->pos += (size_t)h->typecnt * 6;
	return 0;
}


/* Designations, leap records, indicators: checked, not kept */
static int tail_read(const struct hdr *h, struct rd *r, unsigned tsize)
{
	const uint8_t *p = r->p + r->pos;

	if (p[h->charcnt - 1] != '\0')
		return EPROTO;   /* the last designation is unterminated */
	p += h->charcnt + (size_t)h->leapcnt * (tsize + 4);

	for (uint32_t i = 0; i < h->isstdcnt + h->isutcnt; i++) {
		if (p[i] > 1)
			return EPROTO;
	}
	/* a UT indicator needs a standard one (RFC 8536 §3.2) */
	for (uint32_t i = 0; h->isutcnt && i < h->typecnt; i++) {
		if (p[h->isstdcnt + i] && (!h->isstdcnt || !p[i]))
			return EPROTO;
	}

	r->pos += h->charcnt + (size_t)h->leapcnt * (tsize + 4) +
		h->isstdcnt + h->isutcnt;
	return 0;
}


static int block_read(struct tzif *z, const struct hdr *h, struct rd *r,
		      unsigned tsize)
{
	int err;

	if (block_len(h, tsize) > left(r))
		return EPROTO;

	err = trans_read(z, h, r, tsize);
	if (!err)
		err = types_read(z, h, r);
	if (!err)
		err = tail_read(h, r, tsize);

	return err;
}


/* "\n" TZ string "\n"; an empty string means none */
static int footer_read(struct tzif *z, struct rd *r)
{
	const uint8_t *p = r->p + r->pos, *nl;
	size_t n = left(r);

	if (n < 2 || p[0] != '\n')
		return EPROTO;

	nl = memchr(p + 1, '\n', n - 1);
	if (!nl)
		return EPROTO;

	n = (size_t)(nl - (p + 1));
	if (!n)
		return 0;

	z->has_rule = true;
	return tzrule_parse(&z->rule, (const char *)p + 1, n);
}


static void destructor(void *arg)
{
	struct tzif *z = arg;

	mem_deref(z->transv);
	mem_deref(z->idxv);
}


/**
 * Parse a TZif file image.
 *
 * @param zp   Set to the zone (mem; the caller owns it)
 * @param p    The file's bytes (not kept)
 * @param len  Their count; bytes after the footer are ignored
 *
 * @return 0; EPROTO not a well-formed TZif file (bad magic or version,
 *         a count over the data, an index out of its table, times not
 *         ascending, an offset out of RFC 8536's range, a bad footer);
 *         ENOMEM; EINVAL NULL
 */
int tzif_parse(struct tzif **zp, const uint8_t *p, size_t len)
{
	struct rd r = {.p = p, .len = len};
	struct tzif *z;
	struct hdr h;
	int err;

	if (!zp || !p)
		return EINVAL;

	err = hdr_read(&h, &r);
	if (err)
		return err;

	z = mem_zalloc(sizeof(*z), destructor);
	if (!z)
		return ENOMEM;

	if (h.ver == 0) {
		err = block_read(z, &h, &r, 4);
		goto out;
	}

	/* skip the v1 block, then the real header and block */
	if (block_len(&h, 4) > left(&r)) {
		err = EPROTO;
		goto out;
	}
	r.pos += (size_t)block_len(&h, 4);

	err = hdr_read(&h, &r);
	if (!err && h.ver < '2')
		err = EPROTO;
	if (!err)
		err = block_read(z, &h, &r, 8);
	if (!err)
		err = footer_read(z, &r);

 out:
	if (err)
		mem_deref(z);
	else
		*zp = z;

	return err;
}


/** A zone with one fixed offset (UTC is tzif_fixed(&z, 0)). 0; EINVAL
 *  offset out of range; ENOMEM. */
int tzif_fixed(struct tzif **zp, int32_t utoff)
{
	struct tzif *z;

	if (!zp || utoff < TZ_UTOFF_MIN || utoff > TZ_UTOFF_MAX)
		return EINVAL;

	z = mem_zalloc(sizeof(*z), destructor);
	if (!z)
		return ENOMEM;

	z->typec = 1;
	z->typev[0].utoff = utoff;
	*zp = z;

	return 0;
}


/**
 * The local time type at t (seconds since 1970, UTC), per RFC 8536:
 * before the first transition, type 0; from the last one on, the footer
 * rule if there is one (with no transitions at all, the rule throughout);
 * otherwise the type of the latest transition at or before t.
 *
 * @return 0; ERANGE |t| > TZ_SECS_MAX; EINVAL NULL
 */
int tzif_lookup(const struct tzif *z, int64_t t, struct tzif_type *ty)
{
	uint32_t lo, hi;

	if (!z || !ty)
		return EINVAL;
	if (t > TZ_SECS_MAX || t < -TZ_SECS_MAX)
		return ERANGE;

	if (!z->transc) {
		if (z->has_rule)
			return tzrule_lookup(&z->rule, t, ty);
		*ty = z->typev[0];
		return 0;
	}

	if (t < z->transv[0]) {
		*ty = z->typev[0];
		return 0;
	}

	if (t >= z->transv[z->transc - 1] && z->has_rule)
		return tzrule_lookup(&z->rule, t, ty);

	/* the last i with transv[i] <= t: transv[lo] <= t < transv[hi] */
	lo = 0;
	hi = z->transc;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (z->transv[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}

	*ty = z->typev[z->idxv[lo]];
	return 0;
}
