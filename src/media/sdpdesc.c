/** @file media/sdpdesc.c  SDP audio description: parse, filter, encode (no I/O)
 *
 * A strict, bounded reader of RFC 4566 bodies for a B2BUA that relays
 * media: it keeps the connection address, the first RTP/AVP audio stream,
 * its formats, ptime and direction, and nothing else. Every line is
 * checked for syntax (type letter, '=', no control characters, length);
 * the lines we use are checked field by field. Lines of other types and
 * other media sections are skipped after the generic check.
 *
 * Formats the struct cannot hold faithfully (an encoding name of 32 bytes
 * or more, a=fmtp parameters of 128 bytes or more, more than one channel,
 * formats past SDPDESC_FMTS_MAX) are left out of fmtv rather than
 * truncated: none of them is a codec we relay.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <hotline/sdpdesc.h>

enum level { LVL_SESSION, LVL_AUDIO, LVL_OTHER };

struct conn {
	bool set;
	bool ipv6;
	char addr[sizeof(((struct sdpdesc *)0)->addr)];
};

/* Parser state across lines */
struct parser {
	struct sdpdesc *d;
	enum level lvl;
	bool audio_seen;                   /* our m=audio was found */
	struct conn sess_c, media_c;
	enum sdpdesc_dir sess_dir, media_dir;
	bool media_dir_set;
	bool mapped[SDPDESC_FMTS_MAX];     /* fmtv[i] had an a=rtpmap */
	bool drop[SDPDESC_FMTS_MAX];       /* fmtv[i] cannot be kept */
};

/* RFC 3551 static audio payload types (used without a=rtpmap) */
static const struct {
	uint8_t pt;
	const char *name;
	uint32_t rate;
} static_pts[] = {
	{0, "PCMU", 8000},  {3, "GSM", 8000},    {4, "G723", 8000},
	{5, "DVI4", 8000},  {6, "DVI4", 16000},  {7, "LPC", 8000},
	{8, "PCMA", 8000},  {9, "G722", 8000},   {12, "QCELP", 8000},
	{13, "CN", 8000},   {15, "G728", 8000},  {18, "G729", 8000},
};

static const char *dir_names[] = {
	[SDPDESC_SENDRECV] = "sendrecv",
	[SDPDESC_SENDONLY] = "sendonly",
	[SDPDESC_RECVONLY] = "recvonly",
	[SDPDESC_INACTIVE] = "inactive",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))


/* RFC 4566 token characters (encoding names) */
static bool is_token_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z') || strchr("!#$%&'*+-.^_`{|}~", c);
}


static bool is_addr_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z') || c == '.' || c == ':' || c == '-';
}


static bool all_chars(const struct pl *pl, bool (*ok)(char c))
{
	for (size_t i = 0; i < pl->l; i++) {
		if (!pl->p[i] || !ok(pl->p[i]))
			return false;
	}

	return true;
}


/* Decimal digits only, no sign, at most max; false if anything else */
static bool dec_u32(const struct pl *pl, uint32_t max, uint32_t *v)
{
	uint64_t x = 0;

	if (!pl->l || pl->l > 10)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(pl->p[i] - '0');
	}

	if (x > max)
		return false;

	*v = (uint32_t)x;
	return true;
}


/* The next space-separated token of *s into tok; false at the end */
static bool tok_next(struct pl *s, struct pl *tok)
{
	size_t n;

	while (s->l && s->p[0] == ' ')
		pl_advance(s, 1);
	if (!s->l)
		return false;

	n = 0;
	while (n < s->l && s->p[n] != ' ')
		n++;

	tok->p = s->p;
	tok->l = n;
	pl_advance(s, n);
	return true;
}


/* Split pl at the first c: head before, *tail after (empty if no c) */
static bool split_at(const struct pl *pl, char c, struct pl *head,
		     struct pl *tail)
{
	const struct pl in = *pl;   /* head or tail may be pl */
	const char *p = in.l ? memchr(in.p, c, in.l) : NULL;

	if (!p) {
		*head = in;
		tail->p = in.p + in.l;
		tail->l = 0;
		return false;
	}

	head->p = in.p;
	head->l = (size_t)(p - in.p);
	tail->p = p + 1;
	tail->l = in.l - head->l - 1;
	return true;
}


/* The next line of *rest (without CR LF) into line; EPROTO if too long */
static int line_next(struct pl *rest, struct pl *line)
{
	const char *lf = memchr(rest->p, '\n', rest->l);
	size_t n = lf ? (size_t)(lf - rest->p) : rest->l;

	line->p = rest->p;
	line->l = n;
	pl_advance(rest, lf ? n + 1 : n);

	if (line->l && line->p[line->l - 1] == '\r')
		line->l--;

	return line->l > SDPDESC_LINE_MAX ? EPROTO : 0;
}


/* "x=value": a lower-case type letter, '=', no control characters */
static bool line_is_valid(const struct pl *line)
{
	if (line->l < 2 || line->p[0] < 'a' || line->p[0] > 'z' ||
	    line->p[1] != '=')
		return false;

	for (size_t i = 2; i < line->l; i++) {
		unsigned char c = (unsigned char)line->p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}

	return true;
}


/* o=<user> <sess-id> <sess-version> IN <addrtype> <addr> */
static int origin_check(const struct pl *val)
{
	struct pl s = *val, tok;
	int n = 0;

	while (tok_next(&s, &tok)) {
		if (++n == 4 && pl_strcmp(&tok, "IN"))
			return EPROTO;
	}

	return n == 6 ? 0 : EPROTO;
}


/* c=IN IP4|IP6 <addr>[/ttl[/count]] */
static int conn_parse(struct conn *c, const struct pl *val)
{
	struct pl s = *val, net, type, addr, extra, rest;

	if (c->set)
		return EPROTO;      /* at most one c= per level */

	if (!tok_next(&s, &net) || !tok_next(&s, &type) ||
	    !tok_next(&s, &addr) || tok_next(&s, &extra))
		return EPROTO;

	if (pl_strcmp(&net, "IN"))
		return EPROTO;

	if (!pl_strcmp(&type, "IP4"))
		c->ipv6 = false;
	else if (!pl_strcmp(&type, "IP6"))
		c->ipv6 = true;
	else
		return EPROTO;

	(void)split_at(&addr, '/', &addr, &rest);
	if (!addr.l || addr.l >= sizeof(c->addr) ||
	    !all_chars(&addr, is_addr_char))
		return EPROTO;

	memcpy(c->addr, addr.p, addr.l);
	c->addr[addr.l] = '\0';
	c->set = true;
	return 0;
}


static int fmt_index(const struct sdpdesc *d, uint32_t pt)
{
	for (size_t i = 0; i < d->fmtc; i++) {
		if (d->fmtv[i].pt == pt)
			return (int)i;
	}

	return -1;
}


/* m=audio <port>[/<count>] RTP/AVP <fmt> ...; the first one is ours */
static int media_parse(struct parser *ps, const struct pl *val)
{
	struct sdpdesc *d = ps->d;
	struct pl s = *val, media, port, proto, fmt, count;
	uint32_t v;

	ps->lvl = LVL_OTHER;
	if (!tok_next(&s, &media) || !tok_next(&s, &port) ||
	    !tok_next(&s, &proto))
		return EPROTO;

	if (ps->audio_seen || pl_strcmp(&media, "audio") ||
	    pl_strcmp(&proto, "RTP/AVP"))
		return 0;   /* not the stream we relay: skipped */

	if (split_at(&port, '/', &port, &count) && !dec_u32(&count, 65535, &v))
		return EPROTO;
	if (!dec_u32(&port, 65535, &v))
		return EPROTO;
	d->port = (uint16_t)v;

	while (tok_next(&s, &fmt)) {
		if (!dec_u32(&fmt, 127, &v) || fmt_index(d, v) >= 0)
			return EPROTO;
		if (d->fmtc == SDPDESC_FMTS_MAX)
			continue;   /* past the limit: left out */
		d->fmtv[d->fmtc++].pt = (uint8_t)v;
	}

	if (!d->fmtc)
		return EPROTO;

	ps->lvl = LVL_AUDIO;
	ps->audio_seen = true;
	return 0;
}


/* a=rtpmap:<pt> <name>/<rate>[/<channels>] */
static int rtpmap_parse(struct parser *ps, const struct pl *val)
{
	struct sdpdesc_fmt *f;
	struct pl s = *val, ptl, enc, extra, name, rest, ratel, chl;
	uint32_t pt, rate, ch = 1;
	bool has_ch;
	int i;

	if (!tok_next(&s, &ptl) || !tok_next(&s, &enc) ||
	    tok_next(&s, &extra))
		return EPROTO;

	if (!dec_u32(&ptl, 127, &pt))
		return EPROTO;

	(void)split_at(&enc, '/', &name, &rest);
	has_ch = split_at(&rest, '/', &ratel, &chl);
	if (!name.l || !all_chars(&name, is_token_char) ||
	    !dec_u32(&ratel, UINT32_MAX, &rate) || !rate)
		return EPROTO;
	if (has_ch && !dec_u32(&chl, 255, &ch))
		return EPROTO;

	i = fmt_index(ps->d, pt);
	if (i < 0)
		return 0;   /* not in our m= line */

	f = &ps->d->fmtv[i];
	ps->mapped[i] = true;
	if (name.l >= sizeof(f->name) || ch != 1) {
		ps->drop[i] = true;
		return 0;
	}

	memcpy(f->name, name.p, name.l);
	f->name[name.l] = '\0';
	f->rate = rate;
	return 0;
}


/* a=fmtp:<pt> <parameters> */
static int fmtp_parse(struct parser *ps, const struct pl *val)
{
	struct sdpdesc_fmt *f;
	struct pl s = *val, ptl;
	uint32_t pt;
	int i;

	if (!tok_next(&s, &ptl) || !dec_u32(&ptl, 127, &pt))
		return EPROTO;

	while (s.l && s.p[0] == ' ')
		pl_advance(&s, 1);

	i = fmt_index(ps->d, pt);
	if (i < 0)
		return 0;

	f = &ps->d->fmtv[i];
	if (s.l >= sizeof(f->fmtp)) {
		ps->drop[i] = true;
		return 0;
	}

	memcpy(f->fmtp, s.p, s.l);
	f->fmtp[s.l] = '\0';
	return 0;
}


/* a=ptime:<ms>, an integer with an optional fraction that we drop */
static int ptime_parse(struct parser *ps, const struct pl *val)
{
	struct pl ms, frac;
	uint32_t v, fv;

	if (split_at(val, '.', &ms, &frac) && !dec_u32(&frac, UINT32_MAX, &fv))
		return EPROTO;

	if (!dec_u32(&ms, 10000, &v) || !v)
		return EPROTO;

	ps->d->ptime = v;
	return 0;
}


/* Is name a direction attribute? Then *dir is set. */
static bool dir_parse(const struct pl *name, enum sdpdesc_dir *dir)
{
	for (size_t i = 0; i < COUNT(dir_names); i++) {
		if (!pl_strcmp(name, dir_names[i])) {
			*dir = (enum sdpdesc_dir)i;
			return true;
		}
	}

	return false;
}


/* a=<name>[:<value>] at session level or in our audio section */
static int attr_parse(struct parser *ps, const struct pl *val)
{
	struct pl name, value;
	enum sdpdesc_dir dir;
	bool has_value = split_at(val, ':', &name, &value);

	if (!name.l)
		return EPROTO;

	if (!has_value && dir_parse(&name, &dir)) {
		if (ps->lvl == LVL_SESSION) {
			ps->sess_dir = dir;
		}
		else {
			ps->media_dir = dir;
			ps->media_dir_set = true;
		}
		return 0;
	}

	if (ps->lvl != LVL_AUDIO || !has_value)
		return 0;

	if (!pl_strcmp(&name, "rtpmap"))
		return rtpmap_parse(ps, &value);
	if (!pl_strcmp(&name, "fmtp"))
		return fmtp_parse(ps, &value);
	if (!pl_strcmp(&name, "ptime"))
		return ptime_parse(ps, &value);

	return 0;
}


static int line_parse(struct parser *ps, const struct pl *line)
{
	struct pl val = {line->p + 2, line->l - 2};

	switch (line->p[0]) {

	case 'v':
		return EPROTO;      /* only once, first */

	case 'o':
		return ps->lvl == LVL_SESSION ? origin_check(&val) : EPROTO;

	case 'c':
		if (ps->lvl == LVL_SESSION)
			return conn_parse(&ps->sess_c, &val);
		if (ps->lvl == LVL_AUDIO)
			return conn_parse(&ps->media_c, &val);
		return 0;

	case 'm':
		return media_parse(ps, &val);

	case 'a':
		return ps->lvl == LVL_OTHER ? 0 : attr_parse(ps, &val);

	default:
		return 0;
	}
}


/* Names for formats without a=rtpmap; drop what cannot be kept */
static void fmts_finish(struct parser *ps)
{
	struct sdpdesc *d = ps->d;
	size_t n = 0;

	for (size_t i = 0; i < d->fmtc; i++) {
		struct sdpdesc_fmt *f = &d->fmtv[i];

		for (size_t k = 0; !ps->mapped[i] && k < COUNT(static_pts);
		     k++) {
			if (static_pts[k].pt != f->pt)
				continue;
			str_ncpy(f->name, static_pts[k].name, sizeof(f->name));
			f->rate = static_pts[k].rate;
		}

		if (ps->drop[i])
			continue;
		if (n != i)
			d->fmtv[n] = *f;
		n++;
	}

	for (size_t i = n; i < d->fmtc; i++)
		memset(&d->fmtv[i], 0, sizeof(d->fmtv[i]));
	d->fmtc = n;
}


static int parser_finish(struct parser *ps)
{
	struct sdpdesc *d = ps->d;
	const struct conn *c;

	if (!ps->audio_seen)
		return ENOENT;

	c = ps->media_c.set ? &ps->media_c : &ps->sess_c;
	if (!c->set)
		return EPROTO;

	str_ncpy(d->addr, c->addr, sizeof(d->addr));
	d->ipv6 = c->ipv6;
	d->hold_addr = !c->ipv6 && !strcmp(c->addr, "0.0.0.0");
	d->dir = ps->media_dir_set ? ps->media_dir : ps->sess_dir;

	fmts_finish(ps);
	return 0;
}


/**
 * Parse an SDP body; see hotline/sdpdesc.h for the result codes.
 *
 * @param d    Filled on success; its content is unspecified on error
 * @param buf  The body (need not be NUL-terminated; a NUL byte is EPROTO)
 * @param len  Length of buf
 *
 * Lines end in LF or CR LF; empty lines are skipped. Only m=audio lines
 * with protocol RTP/AVP are candidates (SAVP, AVPF and DTLS streams need
 * what a plain relay cannot give); the first one is used, and c=, a=rtpmap,
 * a=fmtp, a=ptime and direction attributes are read from it and from the
 * session level. A duplicate payload type in m=, a second c= on one level,
 * or a=ptime outside 1..10000 is EPROTO.
 */
int sdpdesc_parse(struct sdpdesc *d, const char *buf, size_t len)
{
	struct parser ps;
	struct pl rest, line;
	bool first = true;
	int err = 0;

	if (!d || (!buf && len))
		return EINVAL;
	if (len > SDPDESC_MAX_LEN)
		return EMSGSIZE;

	memset(d, 0, sizeof(*d));
	memset(&ps, 0, sizeof(ps));
	ps.d = d;
	rest.p = buf;
	rest.l = len;

	while (rest.l) {
		err = line_next(&rest, &line);
		if (err)
			goto out;
		if (!line.l)
			continue;

		if (!line_is_valid(&line)) {
			err = EPROTO;
			goto out;
		}

		if (first) {
			first = false;
			if (line.l != 3 || memcmp(line.p, "v=0", 3)) {
				err = EPROTO;
				goto out;
			}
			continue;
		}

		err = line_parse(&ps, &line);
		if (err)
			goto out;
	}

	err = first ? EPROTO : parser_finish(&ps);

 out:
	return err;
}


static bool fmt_is(const struct sdpdesc_fmt *f, const char *name)
{
	return f->rate == 8000 && !strcasecmp(f->name, name);
}


static bool fmt_is_audio(const struct sdpdesc_fmt *f)
{
	return fmt_is(f, "PCMU") || fmt_is(f, "PCMA");
}


static bool fmt_is_relayed(const struct sdpdesc_fmt *f)
{
	return fmt_is_audio(f) || fmt_is(f, "telephone-event");
}


/* Does d list a format of the same encoding and clock rate as f? */
static bool fmt_listed(const struct sdpdesc *d, const struct sdpdesc_fmt *f)
{
	for (size_t i = 0; i < d->fmtc && i < SDPDESC_FMTS_MAX; i++) {
		if (d->fmtv[i].rate == f->rate &&
		    !strcasecmp(d->fmtv[i].name, f->name))
			return true;
	}

	return false;
}


static bool fmt_keep(const struct sdpdesc_fmt *f,
		     const struct sdpdesc *prefer)
{
	return fmt_is_relayed(f) && (!prefer || fmt_listed(prefer, f));
}


/**
 * Keep the formats we relay; see hotline/sdpdesc.h.
 *
 * Formats are matched by encoding name (case-insensitive) and clock rate,
 * not by payload type number: the relay forwards packets unchanged, so the
 * legs keep the numbers of the offer we forward. With prefer,
 * telephone-event is kept only when prefer lists it too, so that neither
 * peer receives events it did not agree to.
 *
 * @return 0; ENOTSUP (d unchanged) when no PCMU or PCMA is left; EINVAL
 */
int sdpdesc_filter(struct sdpdesc *d, const struct sdpdesc *prefer)
{
	size_t n = 0, audio = 0;

	if (!d || d->fmtc > SDPDESC_FMTS_MAX)
		return EINVAL;

	for (size_t i = 0; i < d->fmtc; i++) {
		if (fmt_is_audio(&d->fmtv[i]) && fmt_keep(&d->fmtv[i], prefer))
			audio++;
	}

	if (!audio)
		return ENOTSUP;

	for (size_t i = 0; i < d->fmtc; i++) {
		if (!fmt_keep(&d->fmtv[i], prefer))
			continue;
		if (n != i)
			d->fmtv[n] = d->fmtv[i];
		n++;
	}

	for (size_t i = n; i < d->fmtc; i++)
		memset(&d->fmtv[i], 0, sizeof(d->fmtv[i]));
	d->fmtc = n;
	return 0;
}


/** Is the stream on hold: sendonly, inactive, or c=0.0.0.0 (RFC 2543)? */
bool sdpdesc_is_hold(const struct sdpdesc *d)
{
	if (!d)
		return false;

	return d->dir == SDPDESC_SENDONLY || d->dir == SDPDESC_INACTIVE ||
		d->hold_addr;
}


/** The answer's direction for an offered one: sendonly and recvonly swap,
 *  sendrecv and inactive stay. */
enum sdpdesc_dir sdpdesc_dir_reverse(enum sdpdesc_dir dir)
{
	switch (dir) {

	case SDPDESC_SENDONLY: return SDPDESC_RECVONLY;
	case SDPDESC_RECVONLY: return SDPDESC_SENDONLY;
	default:               return dir;
	}
}


/**
 * The remote media address: d->addr and d->port into *sa.
 *
 * @return 0; EINVAL when addr is not a literal IP address of the family
 *         its c= line named (a host name needs a resolver, which a relay
 *         should not wait for)
 */
int sdpdesc_remote(const struct sdpdesc *d, struct sa *sa)
{
	int err;

	if (!d || !sa)
		return EINVAL;

	/* sa_set_str() leaves the sockaddr padding (sin_zero) as it was:
	 * start from zeros so the address can go to sendmmsg() as is */
	sa_init(sa, AF_UNSPEC);
	err = sa_set_str(sa, d->addr, d->port);
	if (err)
		return EINVAL;

	if ((sa_af(sa) == AF_INET6) != d->ipv6)
		return EINVAL;

	return 0;
}


/* Only what our own lines can carry: no CR/LF injection through a field */
static bool fmt_is_encodable(const struct sdpdesc_fmt *f)
{
	size_t nl = strnlen(f->name, sizeof(f->name));
	size_t fl = strnlen(f->fmtp, sizeof(f->fmtp));
	struct pl name = {f->name, nl};

	if (f->pt > 127 || nl == sizeof(f->name) || fl == sizeof(f->fmtp))
		return false;
	if (nl && (!all_chars(&name, is_token_char) || !f->rate))
		return false;

	for (size_t i = 0; i < fl; i++) {
		unsigned char c = (unsigned char)f->fmtp[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}

	return true;
}


static int fmts_print(struct mbuf *mb, const struct sdpdesc *d,
		      uint16_t port)
{
	int err = mbuf_printf(mb, "m=audio %u RTP/AVP", port);

	for (size_t i = 0; i < d->fmtc; i++)
		err |= mbuf_printf(mb, " %u", d->fmtv[i].pt);
	err |= mbuf_write_str(mb, "\r\n");

	for (size_t i = 0; i < d->fmtc; i++) {
		const struct sdpdesc_fmt *f = &d->fmtv[i];

		if (f->name[0])
			err |= mbuf_printf(mb, "a=rtpmap:%u %s/%u\r\n",
					   f->pt, f->name, f->rate);
		if (f->fmtp[0])
			err |= mbuf_printf(mb, "a=fmtp:%u %s\r\n",
					   f->pt, f->fmtp);
	}

	return err;
}


/**
 * Write an SDP body; see hotline/sdpdesc.h.
 *
 * Lines: v=0, o=hotline <sess_id> <version> IN IP4|IP6 <ip>, s=hotline,
 * c=, t=0 0, m=audio <port of laddr> RTP/AVP <pts>, a=rtpmap per named
 * format, a=fmtp when set, a=ptime when set, the direction. All CR LF.
 * A refused stream is written by passing laddr with port 0.
 *
 * @return 0; ENOMEM; EINVAL for NULL arguments, laddr without an IP
 *         address, no format (an m= line needs one) or a field that
 *         would not make a valid line (control characters, a name that is
 *         not a token, an unterminated array)
 */
int sdpdesc_encode(struct mbuf **mbp, const struct sdpdesc *d,
		   const struct sa *laddr, uint64_t sess_id,
		   uint32_t version)
{
	struct mbuf *mb = NULL;
	const char *ipt;
	char ip[64];
	int err;

	if (!mbp || !d || !laddr || !d->fmtc || d->fmtc > SDPDESC_FMTS_MAX ||
	    (unsigned)d->dir >= COUNT(dir_names))
		return EINVAL;

	if (!sa_isset(laddr, SA_ADDR) || sa_ntop(laddr, ip, sizeof(ip)))
		return EINVAL;

	for (size_t i = 0; i < d->fmtc; i++) {
		if (!fmt_is_encodable(&d->fmtv[i]))
			return EINVAL;
	}

	mb = mbuf_alloc(256 + d->fmtc * 64);
	if (!mb)
		return ENOMEM;

	ipt = sa_af(laddr) == AF_INET6 ? "IP6" : "IP4";
	err = mbuf_printf(mb, "v=0\r\n"
			  "o=hotline %llu %u IN %s %s\r\n"
			  "s=hotline\r\n"
			  "c=IN %s %s\r\n"
			  "t=0 0\r\n",
			  (unsigned long long)sess_id, version, ipt, ip,
			  ipt, ip);
	err |= fmts_print(mb, d, sa_port(laddr));
	if (d->ptime)
		err |= mbuf_printf(mb, "a=ptime:%u\r\n", d->ptime);
	err |= mbuf_printf(mb, "a=%s\r\n", dir_names[d->dir]);
	if (err)
		goto out;

	mb->pos = 0;

 out:
	if (err)
		mem_deref(mb);
	else
		*mbp = mb;

	return err ? ENOMEM : 0;
}


/** "sendrecv", "sendonly", "recvonly", "inactive"; "?" for other values */
const char *sdpdesc_dir_name(enum sdpdesc_dir dir)
{
	if ((unsigned)dir >= COUNT(dir_names))
		return "?";

	return dir_names[dir];
}
