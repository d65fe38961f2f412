/** @file app/config.c  Configuration: embedded defaults, conf file, flags */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <hotline/agent.h>
#include <hotline/audio.h>
#include <hotline/config.h>

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	str_ncpy(cfg->http_listen, "127.0.0.1:8080", sizeof(cfg->http_listen));
	str_ncpy(cfg->data_dir, "./data", sizeof(cfg->data_dir));
	cfg->log_level = LOGL_INFO;
	str_ncpy(cfg->sip_realm, "hotline", sizeof(cfg->sip_realm));
	(void)config_set(cfg, "reason_codes",
			 "break,lunch,training,meeting,missed");
	cfg->event_retention_s  = 7 * 24 * 3600;
	cfg->http_max_body      = 256 * 1024;
	cfg->ws_max_message     = 64 * 1024;
	cfg->ws_send_buffer     = 1024 * 1024;
	cfg->ws_ping_interval_s = 30;
	cfg->rtp_port_min       = 20000;
	cfg->rtp_port_max       = 29999;
	cfg->rtp_timeout_s      = 30;
	cfg->sip_ring_timeout_s = 30;
	cfg->sip_min_expires    = 60;
	cfg->sip_max_expires    = 3600;
	cfg->sip_nonce_ttl_s    = 300;
	cfg->sip_auth_fail_limit = 5;
	cfg->sip_auth_block_s   = 60;
	cfg->sip_max_calls      = 10000;
	cfg->tts_cache_max      = 64;
}

static int set_str(char *dst, size_t dstsz, const char *key, const char *val)
{
	if (strlen(val) >= dstsz) {
		log_error("config: %s: value too long (max %zu)\n", key,
			  dstsz - 1);
		return EINVAL;
	}
	str_ncpy(dst, val, dstsz);
	return 0;
}

static int set_uint(uint64_t *out, const char *key, const char *val,
		    uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno || end == val || *end || val[0] == '-' || v < min ||
	    v > max) {
		log_error("config: %s: expected an integer in %llu..%llu,"
			  " got \"%s\"\n", key, (unsigned long long)min,
			  (unsigned long long)max, val);
		return EINVAL;
	}
	*out = v;
	return 0;
}

static int set_reasons(struct config *cfg, const char *val)
{
	char buf[CONFIG_REASONS_MAX * 32], *tok, *save = NULL;
	size_t n = 0;

	if (set_str(buf, sizeof(buf), "reason_codes", val))
		return EINVAL;
	for (tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		if (!agent_reason_valid(tok) || n == CONFIG_REASONS_MAX) {
			log_error("config: reason_codes: bad or too many codes"
				  " at \"%s\" (max %d of [a-z0-9_-])\n", tok,
				  CONFIG_REASONS_MAX);
			return EINVAL;
		}
		str_ncpy(cfg->reasonv[n++], tok, sizeof(cfg->reasonv[0]));
	}
	if (!n) {
		log_error("config: reason_codes: at least one code needed\n");
		return EINVAL;
	}
	cfg->reasonc = n;
	return 0;
}

/* Append a concrete ADDR:PORT to one of the SIP address lists */
static int addr_add(char (*v)[64], size_t *c, const char *key,
		    const char *addr)
{
	struct sa sa;

	if (sa_decode(&sa, addr, strlen(addr)) || !sa_port(&sa) ||
	    sa_is_any(&sa)) {
		log_error("config: %s: expected a concrete ADDR:PORT"
			  " (not 0.0.0.0), got \"%s\"\n", key, addr);
		return EINVAL;
	}
	if (*c == CONFIG_SIP_LISTEN_MAX) {
		log_error("config: %s: at most %d addresses\n", key,
			  CONFIG_SIP_LISTEN_MAX);
		return EINVAL;
	}
	return set_str(v[(*c)++], sizeof(v[0]), key, addr);
}

int config_sip_listen_add(struct config *cfg, const char *addr)
{
	return addr_add(cfg->sip_listenv, &cfg->sip_listenc, "sip_listen",
			addr);
}

int config_sip_tls_listen_add(struct config *cfg, const char *addr)
{
	return addr_add(cfg->sip_tls_listenv, &cfg->sip_tls_listenc,
			"sip_tls_listen", addr);
}

/* A comma-separated list replaces the list v (of c entries) */
static int set_addr_list(char (*v)[64], size_t *c, const char *key,
			 const char *val)
{
	char buf[CONFIG_SIP_LISTEN_MAX * 64], *tok, *save = NULL;
	int err = 0;

	if (set_str(buf, sizeof(buf), key, val))
		return EINVAL;
	*c = 0;
	for (tok = strtok_r(buf, ", ", &save); tok && !err;
	     tok = strtok_r(NULL, ", ", &save))
		err = addr_add(v, c, key, tok);
	return err;
}

/* "MIN-MAX": an even first port, room for at least one RTP/RTCP pair */
static int set_rtp_ports(struct config *cfg, const char *val)
{
	unsigned lo, hi;
	char end;

	if (sscanf(val, "%u-%u%c", &lo, &hi, &end) != 2 || lo < 1024 ||
	    hi > 65535 || lo % 2 || hi < lo + 1) {
		log_error("config: rtp_ports: expected MIN-MAX with an even"
			  " MIN >= 1024 and MAX > MIN, got \"%s\"\n", val);
		return EINVAL;
	}
	cfg->rtp_port_min = (uint16_t)lo;
	cfg->rtp_port_max = (uint16_t)hi;
	return 0;
}

int config_set(struct config *cfg, const char *key, const char *val)
{
	uint64_t v;
	int err;

#define STR(k) if (!strcmp(key, #k)) \
		return set_str(cfg->k, sizeof(cfg->k), key, val)
#define UINT(k, lo, hi) if (!strcmp(key, #k)) { \
		err = set_uint(&v, key, val, lo, hi); \
		if (!err) \
			cfg->k = v; \
		return err; }

	STR(http_listen);
	STR(data_dir);
	STR(db);
	STR(admin_token);
	STR(sip_realm);
	STR(sip_tls_cert);
	UINT(event_retention_s, 60, 10ull * 365 * 24 * 3600);
	UINT(http_max_body, 1024, 64 * 1024 * 1024);
	UINT(ws_max_message, 125, 16 * 1024 * 1024);
	UINT(ws_send_buffer, 4096, 1024 * 1024 * 1024);
	UINT(ws_ping_interval_s, 1, 3600);
	STR(rtp_address);
	UINT(rtp_timeout_s, 1, 3600);
	UINT(sip_ring_timeout_s, 1, 600);
	UINT(sip_min_expires, 1, 3600);
	UINT(sip_max_expires, 60, 7 * 24 * 3600);
	UINT(sip_nonce_ttl_s, 5, 3600);
	UINT(sip_auth_fail_limit, 1, 1000);
	UINT(sip_auth_block_s, 1, 24 * 3600);
	UINT(sip_max_calls, 1, 100000);
	STR(moh_file);
	UINT(tts_cache_max, 0, 100000);
#undef STR
#undef UINT

	if (!strcmp(key, "reason_codes"))
		return set_reasons(cfg, val);
	if (!strcmp(key, "sip_listen"))
		return set_addr_list(cfg->sip_listenv, &cfg->sip_listenc, key,
				     val);
	if (!strcmp(key, "sip_tls_listen"))
		return set_addr_list(cfg->sip_tls_listenv,
				     &cfg->sip_tls_listenc, key, val);
	if (!strcmp(key, "rtp_ports"))
		return set_rtp_ports(cfg, val);
	if (!strcmp(key, "log_level")) {
		if (!log_level_parse(val, &cfg->log_level))
			return 0;
		log_error("config: log_level: expected debug, info, warn"
			  " or error, got \"%s\"\n", val);
		return EINVAL;
	}

	log_error("config: unknown key \"%s\"\n", key);
	return EINVAL;
}

/* Split "key value" (value is the rest of the line, trimmed); '#' starts
 * a comment line. libre's conf_apply() looks keys up one by one, which
 * cannot report unknown keys, so the file is read here. */
static int apply_line(struct config *cfg, char *line, unsigned lineno,
		      const char *path)
{
	char *key, *val, *end;

	key = line + strspn(line, " \t");
	end = key + strlen(key);
	while (end > key && strchr(" \t\r\n", end[-1]))
		*--end = '\0';
	if (!*key || *key == '#')
		return 0;

	val = key + strcspn(key, " \t");
	if (*val) {
		*val++ = '\0';
		val += strspn(val, " \t");
	}
	if (!*val) {
		log_error("config: %s:%u: \"%s\" has no value\n", path,
			  lineno, key);
		return EINVAL;
	}
	return config_set(cfg, key, val);
}

int config_load_file(struct config *cfg, const char *path)
{
	char line[1100];
	unsigned lineno = 0;
	FILE *f;
	int err = 0;

	f = fopen(path, "r");
	if (!f) {
		err = errno;
		log_error("config: %s: %m\n", path, err);
		return err;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		++lineno;
		if (!strchr(line, '\n') && !feof(f)) {
			log_error("config: %s:%u: line too long\n", path,
				  lineno);
			err = EINVAL;
			break;
		}
		err = apply_line(cfg, line, lineno, path);
	}
	fclose(f);
	return err;
}

/* A configured moh_file must be a WAV the player can use */
static int check_moh_file(const struct config *cfg)
{
	struct audio_clip *clip = NULL;
	int err;

	if (!cfg->moh_file[0])
		return 0;

	err = audio_wav_load(&clip, cfg->moh_file);
	mem_deref(clip);
	if (err) {
		log_error("config: moh_file: %s: %s\n", cfg->moh_file,
			  audio_wav_strerror(err));
		return EINVAL;
	}
	return 0;
}

/**
 * What no single key can check: TLS listens beside SIP over UDP/TCP (the
 * first sip_listen address is the stack's own) and needs a certificate;
 * moh_file loads as a WAV. Whether the certificate loads is checked when
 * SIP starts.
 */
int config_check(const struct config *cfg)
{
	if (check_moh_file(cfg))
		return EINVAL;
	if (!cfg->sip_tls_listenc)
		return 0;
	if (!cfg->sip_listenc) {
		log_error("config: sip_tls_listen needs sip_listen as well\n");
		return EINVAL;
	}
	if (!cfg->sip_tls_cert[0]) {
		log_error("config: sip_tls_listen needs sip_tls_cert (a PEM"
			  " file with the certificate and its private key)\n");
		return EINVAL;
	}
	return 0;
}

bool config_reason_known(const struct config *cfg, const char *reason)
{
	for (size_t i = 0; i < cfg->reasonc; i++) {
		if (!strcmp(cfg->reasonv[i], reason))
			return true;
	}
	return false;
}

void config_db_path(const struct config *cfg, char *out, size_t outsz)
{
	if (cfg->db[0])
		str_ncpy(out, cfg->db, outsz);
	else
		re_snprintf(out, outsz, "%s/hotline.db", cfg->data_dir);
}
