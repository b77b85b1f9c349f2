/* tp_config: the one settings table (name, default, meaning) and its parsers. Values come from
 * the environment, then from a .env file in the working directory; the environment wins. The
 * README's configuration table and `talksctl config` are printed from this same table. */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Where the bus's ipc:// sockets are by default: a folder of mode 0700 in the data dir, so only
 * the stack's own Unix user can connect (SPEC section 9). */
#define TP_BUS_DIR "ipc://${TALKS_DATA_DIR}/bus"

#define TP_SETTINGS(X)                                                                             \
    X(TALKS_ENV, "development", "development, production or testing")                              \
    X(TALKS_HTTP_ADDR, "127.0.0.1:8080", "gateway listen address host:port")                       \
    X(TALKS_METRICS_ADDR, "",                                                                      \
      "where the gateway serves /metrics (Prometheus), host:port; unset = off")                    \
    X(TALKS_DATA_DIR, "./var", "where each service keeps its own SQLite file (and mail files)")    \
    X(TALKS_PUBLIC_URL, "", "absolute base URL used in emails (default http://TALKS_HTTP_ADDR)")   \
    X(SECRET_KEY, "", "key for CSRF and signed tokens; required in production")                    \
    X(SECRET_KEY_FILE, "",                                                                         \
      "a file holding SECRET_KEY instead (a Docker or Swarm secret); set one of the two")          \
    X(TALKS_PER_PAGE, "50", "talks per page")                                                      \
    X(TALKS_SEARCH_RANK_MAX, "1000",                                                               \
      "search ranks by relevance when at most this many talks match; more: newest first")          \
    X(TALKS_SEARCH_COUNT_MAX, "10000",                                                             \
      "search counts and pages through at most this many matching talks (more: \"more than\")")    \
    X(COMMENTS_PER_PAGE, "100", "comments per page")                                               \
    X(TALKS_PAGE_CACHE_MS, "1000",                                                                 \
      "how long the gateway may keep a rendered page for visitors (0 = no cache)")                 \
    X(TALKS_LIVE_STREAMS, "1000", "open live comment streams (GET /talk/<id>/live) in all")        \
    X(TALKS_LIVE_STREAMS_PER_ADDR, "64", "open live comment streams per client address")           \
    X(TALKS_LIVE_HEARTBEAT_MS, "20000", "how often an idle live comment stream sends a heartbeat") \
    X(SMTP_URL, "", "smtp://host:port or smtps://...; unset = write .eml files")                   \
    X(MAIL_USERNAME, "", "SMTP login")                                                             \
    X(MAIL_PASSWORD, "", "SMTP password")                                                          \
    X(MAIL_PASSWORD_FILE, "", "a file holding MAIL_PASSWORD instead; set one of the two")          \
    X(MAIL_SENDER, "talks@localhost", "From address of every mail")                                \
    X(MAIL_FLUSH_SECONDS, "60", "how often queued notifications are sent")                         \
    X(MAIL_ADMIN, "", "where error reports are mailed in production")                              \
    X(COMMENT_RATE_PER_MINUTE, "5",                                                                \
      "anonymous comments per client address per minute (0 = no limit)")                           \
    X(TALKS_OEMBED_ENDPOINTS, "",                                                                  \
      "tests only (TALKS_ENV=testing): a base URL asked instead of the oEmbed providers")          \
    X(TALKS_TRUSTED_PROXY, "",                                                                     \
      "proxies whose X-Forwarded-For is believed: addresses or CIDR blocks, comma-separated")      \
    X(TALKS_BUS_AUTH, TP_BUS_DIR "/auth", "bus: gateway listens, svc-auth dials")                  \
    X(TALKS_BUS_TALKS, TP_BUS_DIR "/talks", "bus: gateway listens, svc-talks dials")               \
    X(TALKS_BUS_COMMENTS, TP_BUS_DIR "/comments",                                                  \
      "bus: gateway listens, svc-comments replicas dial")                                          \
    X(TALKS_BUS_MAIL, TP_BUS_DIR "/mail", "bus: gateway listens, svc-mail dials")                  \
    X(TALKS_BUS_EVENTS_IN, TP_BUS_DIR "/events-in", "events: hub listens, publishers dial")        \
    X(TALKS_BUS_EVENTS_OUT, TP_BUS_DIR "/events-out", "events: hub listens, subscribers dial")     \
    X(TALKS_BUS_RELAY_MAIL, TP_BUS_DIR "/relay-mail",                                              \
      "svc-mail's requests to other services: hub listens, svc-mail dials")                        \
    X(TALKS_BUS_RELAY_TALKS, TP_BUS_DIR "/relay-talks",                                            \
      "svc-talks' requests to other services: hub listens, svc-talks dials")                       \
    X(TALKS_CTL_AUTH, TP_BUS_DIR "/auth.ctl", "talksctl -> svc-auth: svc-auth listens")            \
    X(TALKS_CTL_TALKS, TP_BUS_DIR "/talks.ctl", "talksctl -> svc-talks: svc-talks listens")        \
    X(TALKS_CTL_COMMENTS, TP_BUS_DIR "/comments.ctl",                                              \
      "talksctl -> svc-comments: a replica listens")                                               \
    X(TALKS_CTL_MAIL, TP_BUS_DIR "/mail.ctl", "talksctl -> svc-mail: svc-mail listens")            \
    X(TALKS_BUS_CA, "", "tls+tcp:// bus addresses: the stack's CA bundle (talksctl bus-certs)")    \
    X(TALKS_BUS_CERT, "", "tls+tcp:// bus addresses: this process's certificate")                  \
    X(TALKS_BUS_KEY, "", "tls+tcp:// bus addresses: this process's private key")                   \
    X(TALKS_BUS_TIMEOUT_MS, "1500", "how long the gateway waits for a service before a 503")       \
    X(TALKS_WORKERS, "4", "request workers per service process")                                   \
    X(TALKS_LOG_LEVEL, "info", "the least level logged: error, warn, info or debug")

enum tp_setting {
#define TP_SETTING_ENUM(name, dflt, doc) name,
    TP_SETTINGS(TP_SETTING_ENUM)
#undef TP_SETTING_ENUM
        TP_SETTING_COUNT
};

/* Reads .env (if present; each call reads it anew); call before the first tp_config_get. -1 with
 * a message if .env exists but cannot be parsed, TALKS_ENV is not one of its three values or
 * TALKS_LOG_LEVEL not one of its four (which it sets: tp_log_set_level). A secret's _FILE setting
 * (SECRET_KEY_FILE, MAIL_PASSWORD_FILE) is read here: its file's content, without the trailing
 * newlines, is the secret's value; -1 if the file cannot be read, is over 4 KiB or holds a NUL,
 * or if the secret is set too. Then logs one warning line for each unknown variable (see
 * tp_config_unknowns). */
int tp_config_load(char *err, size_t errlen);
/* The value of a setting: environment, then .env, then the default. Never NULL. */
const char *tp_config_get(enum tp_setting s);
const char *tp_config_name(enum tp_setting s);
const char *tp_config_default(enum tp_setting s);
const char *tp_config_doc(enum tp_setting s);
bool tp_config_is_production(void);

/* Where a setting's value comes from, as tp_config_get finds it (TP_SOURCE_FILE: its _FILE
 * setting's file). */
enum tp_config_source {
    TP_SOURCE_DEFAULT,
    TP_SOURCE_DOTENV,
    TP_SOURCE_ENVIRONMENT,
    TP_SOURCE_FILE
};
enum tp_config_source tp_config_source(enum tp_setting s);
/* default, .env, environment, file */
const char *tp_config_source_name(enum tp_config_source source);
/* SECRET_KEY and MAIL_PASSWORD: shown as set or unset, never as their value. */
bool tp_config_is_secret(enum tp_setting s);

/* A TALKS_* variable (in any case) of the environment or .env that no setting has, nor the
 * tools around the processes (compose's TALKS_PORT, the tests' TALKS_BIN, …): most likely a
 * typo, found by tp_config_load. suggestion is the setting whose name is closest, or NULL when
 * none is close. The list lives until the next tp_config_load. */
typedef struct tp_config_unknown {
    const char *name, *suggestion;
    enum tp_config_source where;
} tp_config_unknown;
size_t tp_config_unknowns(const tp_config_unknown **list);
/* The setting name closest to name (edit distance, case ignored) when it is close: at most a
 * third of the name's length and at most 3 edits. NULL otherwise. */
const char *tp_config_closest(const char *name);

/* Parsers: 0 and the value, or -1 with "NAME: why" in err (the process then stops with it). */
int tp_config_int(enum tp_setting s, long min, long max, long *out, char *err, size_t errlen);
/* host:port with a numeric port 1..65535 (host may be empty or [v6]). */
int tp_parse_host_port(const char *s, char *host, size_t hostlen, int *port);
/* An address setting's value with "${TALKS_DATA_DIR}" replaced by the data dir: 0, or -1 if it
 * does not fit in out. */
int tp_config_addr(enum tp_setting s, char *out, size_t outlen);
/* Loads SECRET_KEY into key (32 bytes: a hash of the setting). In development without one, a
 * random key is made once and kept as DATA_DIR/secret.key so every process shares it. */
int tp_config_secret(unsigned char key[32], char *err, size_t errlen);
/* TALKS_PUBLIC_URL (checked: http or https), or http://TALKS_HTTP_ADDR; no trailing slash. */
int tp_config_public_url(char *out, size_t outlen, char *err, size_t errlen);
/* Makes DATA_DIR (and parents) and checks it is writable; makes DATA_DIR/bus with mode 0700 (or
 * narrows it to that) and checks this user owns it. */
int tp_config_data_dir(char *err, size_t errlen);

#endif
