/** @file hotline/config.h  Daemon configuration: defaults, file, flags */
#ifndef HOTLINE_CONFIG_H
#define HOTLINE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <hotline/log.h>

#define CONFIG_REASONS_MAX 32
#define CONFIG_SIP_LISTEN_MAX 8

/* Every key is documented in README.md ("Configuration"). */
struct config {
	char http_listen[64];          /* ADDR:PORT */
	char data_dir[256];
	char db[320];                  /* "" = <data_dir>/hotline.db */
	char admin_token[128];         /* "" = env, stored or generated */
	enum log_level log_level;
	char sip_realm[64];
	char reasonv[CONFIG_REASONS_MAX][32];   /* not_ready reason codes */
	size_t reasonc;
	uint32_t event_retention_s;
	size_t http_max_body;
	size_t ws_max_message;
	size_t ws_send_buffer;
	uint32_t ws_ping_interval_s;

	/* Telephony */
	char sip_listenv[CONFIG_SIP_LISTEN_MAX][64];  /* ADDR:PORT, UDP+TCP */
	size_t sip_listenc;            /* 0 = SIP off */
	char sip_tls_listenv[CONFIG_SIP_LISTEN_MAX][64];  /* ADDR:PORT, TLS */
	size_t sip_tls_listenc;        /* 0 = no TLS; needs sip_listen */
	char sip_tls_cert[256];        /* PEM: certificate chain + key */
	char rtp_address[64];          /* media IP; "" = first SIP address */
	uint16_t rtp_port_min, rtp_port_max;   /* even..odd, inclusive */
	uint32_t rtp_timeout_s;        /* no media this long ends a call */
	uint32_t sip_ring_timeout_s;   /* unanswered agent legs give up */
	uint32_t sip_min_expires;      /* REGISTER below this: 423 */
	uint32_t sip_max_expires;      /* longer requests are capped */
	uint32_t sip_nonce_ttl_s;      /* digest nonce lifetime */
	uint32_t sip_auth_fail_limit;  /* failures from one IP before a block */
	uint32_t sip_auth_block_s;     /* how long such an IP gets 403 */
	size_t sip_max_calls;          /* concurrent calls; more get 503 */

	/* Media: caller experience */
	char moh_file[256];            /* default hold music WAV; "" = built-in */
	size_t tts_cache_max;          /* synthesized prompts kept (LRU) */
};

void config_defaults(struct config *cfg);

/** Read a libre conf file ("key value" lines, '#' comments) over cfg.
 *  Unknown keys and bad values are errors (logged with the key):
 *  0, ENOENT (no file), EINVAL. */
int config_load_file(struct config *cfg, const char *path);

/** Set one key from its text value (used by the file and by flags).
 *  0 or EINVAL (logged). */
int config_set(struct config *cfg, const char *key, const char *val);

/** Add one SIP listen address (the repeatable --sip flag and the
 *  sip_listen key, which takes a comma-separated list). 0 or EINVAL. */
int config_sip_listen_add(struct config *cfg, const char *addr);

/** Add one SIP-over-TLS listen address (--sip-tls, sip_tls_listen).
 *  0 or EINVAL. */
int config_sip_tls_listen_add(struct config *cfg, const char *addr);

/** Rules between keys, checked once everything is read: 0 or EINVAL
 *  (logged with the keys). */
int config_check(const struct config *cfg);

/** Is reason one of the configured not_ready reason codes? */
bool config_reason_known(const struct config *cfg, const char *reason);

/** The database path: db, or <data_dir>/hotline.db. */
void config_db_path(const struct config *cfg, char *out, size_t outsz);

#endif
