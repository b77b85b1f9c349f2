/* tp_config: settings from the environment and .env (see tp_config.h). */
#include "tp_config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp_buf.h"
#include "tp_log.h"
#include "tp_url.h"

static const struct {
    const char *name, *dflt, *doc;
} settings[] = {
#define TP_SETTING_ROW(name, dflt, doc) {#name, dflt, doc},
    TP_SETTINGS(TP_SETTING_ROW)
#undef TP_SETTING_ROW
};

static char *dotenv[TP_SETTING_COUNT]; /* values read from .env, owned here for the process life */

/* Secrets that may come from a file instead (Docker and Swarm secrets are files), and the values
 * read from those files. */
static const struct {
    enum tp_setting secret, file;
} secret_files[] = {{SECRET_KEY, SECRET_KEY_FILE}, {MAIL_PASSWORD, MAIL_PASSWORD_FILE}};
#define SECRET_FILE_MAX 4096
static char *from_file[TP_SETTING_COUNT];

/* TALKS_* names the tools around the processes read, not the processes: compose/.env's (the file
 * may be shared with docker-compose), compose/stack.yml's (the deploying shell's), and the test
 * and benchmark harnesses'. */
static const char *const tool_names[] = {
    "TALKS_PORT",
    "TALKS_BIND",
    "TALKS_IMAGE",
    "TALKS_BACKUP_DIR",
    "TALKS_BIN",
    "TALKS_BUSPROBE",
    "TALKS_TEMPLATES",
    "TALKS_COMPOSE",
    "TALKS_COMPOSE_KEEP",
    "TALKS_GO",
    "TALKS_BUS_SECRETS",
    "TALKS_SECRET_KEY_SECRET",
    "TALKS_MAIL_PASSWORD_SECRET",
    "TALKS_COMMENTS_REPLICAS",
};

#define UNKNOWN_MAX 32 /* more typos than this in one place are not worth a line each */
static tp_config_unknown unknowns[UNKNOWN_MAX];
static size_t nunknowns;

const char *tp_config_name(enum tp_setting s)
{
    return settings[s].name;
}

const char *tp_config_default(enum tp_setting s)
{
    return settings[s].dflt;
}

const char *tp_config_doc(enum tp_setting s)
{
    return settings[s].doc;
}

static int setting_by_name(const char *name, size_t n)
{
    for (int i = 0; i < TP_SETTING_COUNT; i++)
        if (strlen(settings[i].name) == n && memcmp(name, settings[i].name, n) == 0) return i;
    return -1;
}

/* Edit distance (Levenshtein, ASCII case ignored) of two names of at most 64 bytes. */
static size_t distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b), row[65];
    for (size_t j = 0; j <= nb; j++) row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t cost = toupper((unsigned char)a[i - 1]) != toupper((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

const char *tp_config_closest(const char *name)
{
    size_t n = strlen(name), best = SIZE_MAX;
    const char *closest = NULL;
    if (n > 64) return NULL;
    for (int i = 0; i < TP_SETTING_COUNT; i++) {
        size_t d = distance(name, settings[i].name);
        if (d < best) {
            best = d;
            closest = settings[i].name;
        }
    }
    return best <= 3 && best * 3 <= n ? closest : NULL;
}

/* Notes name (n bytes) as unknown if it looks like one of ours (TALKS_ in any case) and is
 * neither a setting nor a tool's. */
static void note_if_unknown(const char *name, size_t n, enum tp_config_source where)
{
    if (n < 6 || strncasecmp(name, "TALKS_", 6) != 0 || setting_by_name(name, n) >= 0) return;
    for (size_t i = 0; i < sizeof tool_names / sizeof tool_names[0]; i++)
        if (strlen(tool_names[i]) == n && memcmp(name, tool_names[i], n) == 0) return;
    for (size_t i = 0; i < nunknowns; i++)
        if (strlen(unknowns[i].name) == n && memcmp(name, unknowns[i].name, n) == 0) return;
    if (nunknowns == UNKNOWN_MAX) return;
    char *copy = tp_xstrndup(name, n < 100 ? n : 100);
    unknowns[nunknowns++] = (tp_config_unknown){copy, tp_config_closest(copy), where};
}

static void forget_unknowns(void)
{
    for (size_t i = 0; i < nunknowns; i++) free((char *)unknowns[i].name);
    nunknowns = 0;
}

size_t tp_config_unknowns(const tp_config_unknown **list)
{
    *list = unknowns;
    return nunknowns;
}

/* KEY=VALUE lines; '#' comments; optional matching single or double quotes around VALUE.
 * Unknown keys are ignored (the file may be shared with docker-compose), and noted when they
 * look like ours (note_if_unknown). */
static int parse_dotenv(FILE *f, char *err, size_t errlen)
{
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            snprintf(err, errlen, ".env:%d: line too long", lineno);
            return -1;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '\0' || *p == '#') continue;
        if (strncmp(p, "export ", 7) == 0) p += 7;
        char *eq = strchr(p, '=');
        if (!eq) {
            snprintf(err, errlen, ".env:%d: expected KEY=VALUE", lineno);
            return -1;
        }
        *eq = '\0';
        char *val = eq + 1;
        size_t vn = strlen(val);
        if (vn >= 2 && (val[0] == '"' || val[0] == '\'') && val[vn - 1] == val[0]) {
            val[vn - 1] = '\0';
            val++;
        }
        int i = setting_by_name(p, strlen(p));
        if (i >= 0) {
            free(dotenv[i]);
            dotenv[i] = tp_xstrdup(val);
        } else {
            note_if_unknown(p, strlen(p), TP_SOURCE_DOTENV);
        }
    }
    return 0;
}

/* The secret's value from the file its _FILE setting names, if that is set: 0, or -1 with why. */
static int read_secret_file(enum tp_setting secret, enum tp_setting file, char *err, size_t errlen)
{
    const char *path = tp_config_get(file);
    if (!*path) return 0;
    if (*tp_config_get(secret)) {
        snprintf(err, errlen, "%s and %s are both set; set one of the two", settings[secret].name,
                 settings[file].name);
        return -1;
    }
    char buf[SECRET_FILE_MAX + 1];
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %.300s: %s", settings[file].name, path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    const char *why = n > SECRET_FILE_MAX    ? "larger than 4 KiB"
                      : memchr(buf, '\0', n) ? "holds a NUL byte"
                                             : NULL;
    if (why) {
        snprintf(err, errlen, "%s: %.300s: %s", settings[file].name, path, why);
        sodium_memzero(buf, sizeof buf);
        return -1;
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--; /* echo ... > file adds one */
    from_file[secret] = tp_xstrndup(buf, n);
    sodium_memzero(buf, sizeof buf);
    return 0;
}

int tp_config_load(char *err, size_t errlen)
{
    forget_unknowns();
    for (int i = 0; i < TP_SETTING_COUNT; i++) {
        free(dotenv[i]);
        dotenv[i] = NULL;
        free(from_file[i]);
        from_file[i] = NULL;
    }
    FILE *f = fopen(".env", "r");
    if (f) {
        int rc = parse_dotenv(f, err, errlen);
        fclose(f);
        if (rc) return rc;
    }
    for (size_t i = 0; i < sizeof secret_files / sizeof secret_files[0]; i++)
        if (read_secret_file(secret_files[i].secret, secret_files[i].file, err, errlen) != 0)
            return -1;
    for (char **e = environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        note_if_unknown(*e, eq ? (size_t)(eq - *e) : strlen(*e), TP_SOURCE_ENVIRONMENT);
    }
    const char *env = tp_config_get(TALKS_ENV), *level = tp_config_get(TALKS_LOG_LEVEL);
    enum tp_log_level least;
    if (strcmp(env, "development") && strcmp(env, "production") && strcmp(env, "testing")) {
        snprintf(err, errlen,
                 "TALKS_ENV: expected development, production or testing, got \"%.40s\"", env);
        return -1;
    }
    if (tp_log_level_parse(level, &least) != 0) {
        snprintf(err, errlen, "TALKS_LOG_LEVEL: expected error, warn, info or debug, got \"%.40s\"",
                 level);
        return -1;
    }
    tp_log_set_level(least);
    for (size_t i = 0; i < nunknowns; i++) {
        const tp_config_unknown *u = &unknowns[i];
        char hint[128] = "";
        if (u->suggestion) snprintf(hint, sizeof hint, " (did you mean %s?)", u->suggestion);
        tp_warn(NULL, "%s (%s) is not a setting%s; it is ignored", u->name,
                tp_config_source_name(u->where), hint);
    }
    return 0;
}

const char *tp_config_get(enum tp_setting s)
{
    if (from_file[s]) return from_file[s]; /* tp_config_load refused it set both ways */
    const char *v = getenv(settings[s].name);
    if (v) return v;
    if (dotenv[s]) return dotenv[s];
    return settings[s].dflt;
}

enum tp_config_source tp_config_source(enum tp_setting s)
{
    return from_file[s]               ? TP_SOURCE_FILE
           : getenv(settings[s].name) ? TP_SOURCE_ENVIRONMENT
           : dotenv[s]                ? TP_SOURCE_DOTENV
                                      : TP_SOURCE_DEFAULT;
}

const char *tp_config_source_name(enum tp_config_source source)
{
    return source == TP_SOURCE_ENVIRONMENT ? "environment"
           : source == TP_SOURCE_DOTENV    ? ".env"
           : source == TP_SOURCE_FILE      ? "file"
                                           : "default";
}

bool tp_config_is_secret(enum tp_setting s)
{
    return s == SECRET_KEY || s == MAIL_PASSWORD;
}

bool tp_config_is_production(void)
{
    return strcmp(tp_config_get(TALKS_ENV), "production") == 0;
}

int tp_config_int(enum tp_setting s, long min, long max, long *out, char *err, size_t errlen)
{
    const char *v = tp_config_get(s);
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max) {
        snprintf(err, errlen, "%s: expected a whole number from %ld to %ld, got \"%.40s\"",
                 settings[s].name, min, max, v);
        return -1;
    }
    *out = n;
    return 0;
}

int tp_parse_host_port(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon[1] == '\0') return -1;
    const char *h = s;
    size_t hn = (size_t)(colon - s);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    } else if (memchr(h, ':', hn)) {
        return -1;
    }
    if (hn >= hostlen) return -1;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || p < 1 || p > 65535) return -1;
    memcpy(host, h, hn);
    host[hn] = '\0';
    *port = (int)p;
    return 0;
}

int tp_config_addr(enum tp_setting s, char *out, size_t outlen)
{
    static const char var[] = "${TALKS_DATA_DIR}";
    const char *v = tp_config_get(s), *at = strstr(v, var);
    int n = at ? snprintf(out, outlen, "%.*s%s%s", (int)(at - v), v, tp_config_get(TALKS_DATA_DIR),
                          at + sizeof var - 1)
               : snprintf(out, outlen, "%s", v);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int tp_config_public_url(char *out, size_t outlen, char *err, size_t errlen)
{
    const char *url = tp_config_get(TALKS_PUBLIC_URL);
    if (*url && !tp_url_is_http(url, strlen(url))) {
        snprintf(err, errlen, "TALKS_PUBLIC_URL: expected an http:// or https:// address");
        return -1;
    }
    if (*url)
        snprintf(out, outlen, "%s", url);
    else
        snprintf(out, outlen, "http://%s", tp_config_get(TALKS_HTTP_ADDR));
    size_t n = strlen(out);
    while (n && out[n - 1] == '/') out[--n] = '\0';
    return 0;
}

/* DATA_DIR/bus: made 0700, or narrowed to it; it must be ours (SPEC section 9). */
static int bus_dir(const char *data_dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/bus", data_dir) >= (int)sizeof path) return -1;
    if ((mkdir(path, 0700) != 0 && errno != EEXIST) || lstat(path, &st) != 0) goto fail;
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
        snprintf(err, errlen, "TALKS_DATA_DIR: %s must be a directory owned by this user", path);
        return -1;
    }
    if ((st.st_mode & 0777) != 0700 && chmod(path, 0700) != 0) goto fail;
    return 0;
fail:
    snprintf(err, errlen, "TALKS_DATA_DIR: cannot make %s a private directory (%s)", path,
             strerror(errno));
    return -1;
}

int tp_config_data_dir(char *err, size_t errlen)
{
    const char *dir = tp_config_get(TALKS_DATA_DIR);
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path || !*dir) {
        snprintf(err, errlen, "TALKS_DATA_DIR: empty or too long");
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0750) != 0 && errno != EEXIST) goto fail;
        *p = '/';
    }
    if (mkdir(path, 0750) != 0 && errno != EEXIST) goto fail;
    if (access(path, W_OK | X_OK) != 0) goto fail;
    return bus_dir(path, err, errlen);
fail:
    snprintf(err, errlen, "TALKS_DATA_DIR: %s is not a writable directory (%s)", dir,
             strerror(errno));
    return -1;
}

/* Makes DATA_DIR/secret.key once. Several processes may start together: each writes its own
 * temporary file and link()s it into place; link fails for all but the first, who then read. */
static int dev_secret(char *out, size_t outlen, char *err, size_t errlen)
{
    const char *dir = tp_config_get(TALKS_DATA_DIR);
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof path, "%s/secret.key", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        unsigned char raw[32];
        char hex[65];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
        snprintf(tmp, sizeof tmp, "%s/secret.key.%ld", dir, (long)getpid());
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || write(fd, hex, 64) != 64 || fsync(fd) != 0) {
            if (fd >= 0) close(fd);
            snprintf(err, errlen, "SECRET_KEY: cannot write %s (%s)", tmp, strerror(errno));
            return -1;
        }
        close(fd);
        if (link(tmp, path) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "SECRET_KEY: cannot create %s (%s)", path, strerror(errno));
            unlink(tmp);
            return -1;
        }
        unlink(tmp);
        f = fopen(path, "r");
    }
    if (!f || !fgets(out, (int)outlen, f) || strlen(out) < 32) {
        if (f) fclose(f);
        snprintf(err, errlen, "SECRET_KEY: %s is unreadable or too short", path);
        return -1;
    }
    fclose(f);
    return 0;
}

int tp_config_secret(unsigned char key[32], char *err, size_t errlen)
{
    const char *v = tp_config_get(SECRET_KEY);
    char generated[128];
    if (!*v) {
        if (tp_config_is_production()) {
            snprintf(err, errlen, "SECRET_KEY: required when TALKS_ENV=production");
            return -1;
        }
        if (dev_secret(generated, sizeof generated, err, errlen) != 0) return -1;
        v = generated;
    } else if (strlen(v) < 16) {
        snprintf(err, errlen, "SECRET_KEY: must be at least 16 characters");
        return -1;
    }
    crypto_generichash(key, 32, (const unsigned char *)v, strlen(v), NULL, 0);
    return 0;
}
