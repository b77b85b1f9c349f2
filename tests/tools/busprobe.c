/* busprobe: an outsider on the bus, for the integration tests (tests/integration/
 * test_bus_security.py). It speaks raw nng, not tp_bus, so it can do what no process of the
 * stack would: dial any address with any certificate or none, as any Unix user, and send or
 * answer anything.
 *
 *   busprobe [options] req URL JSON          REQ: send JSON (as msgpack), print the reply
 *   busprobe [options] raw URL HEX           REQ: send raw bytes, print the reply
 *   busprobe [options] pub URL TOPIC JSON    PUB: send "TOPIC " + msgpack a few times (~300 ms)
 *   busprobe [options] sub URL               SUB to everything: print "<topic> <json>" lines
 *   busprobe [options] rep URL REPLY_JSON    REP: print each request, answer it with REPLY_JSON
 *
 * Options: --timeout MS (default 2000: for the connection, then for a reply; how long sub and
 * rep listen), --count N (rep: stop after N requests), --ca FILE, --cert FILE, --key FILE (TLS
 * for tls+tcp:// URLs; without --cert no client certificate is presented), --as-user NAME
 * (become that Unix user first). A JSON argument "@FILE" is read from FILE (for large ones).
 *
 * Every message printed is one JSON line on stdout, flushed at once; errors are one line on
 * stderr. Exit status: 0 done (a reply, or sub/rep connected), 3 no connection or no reply in
 * time, 2 usage, 1 anything else. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tp_buf.h"
#include "tp_json.h"

/* Built with the sanitizers like the rest of a test build, but not itself under test: when a
 * request goes unanswered (the stack dropped the probe, as it should) it exits with the request
 * still queued inside nng, and the leak check would call that a failure of the probe. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}

#define EXIT_USAGE   2
#define EXIT_NOTHING 3
#define MSG_MAX      (16 * 1024 * 1024)
#define PUB_SENDS    6
#define PUB_GAP_MS   50

/* One line, like every error. */
static const char usage[] =
    "busprobe: usage: busprobe [--timeout MS] [--count N] [--ca FILE] [--cert FILE --key FILE] "
    "[--as-user NAME] req URL JSON | raw URL HEX | pub URL TOPIC JSON | sub URL | "
    "rep URL REPLY_JSON\n";

static struct {
    int timeout_ms;
    long count;
    const char *ca, *cert, *key, *user;
} opt = {.timeout_ms = 2000, .count = -1};

static void fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("busprobe: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

/* What the probe sends: a request, an event, or its answer to every request. Static, so that a
 * failure's exit() leaves nothing that LeakSanitizer would report as lost. */
static tp_buf sending = TP_BUF_INIT;

/* ---- the connection: how many pipes are up, and whether one ever was --------------------- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    int pipes;
    bool ever;
} conn = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    (void)p;
    (void)arg;
    pthread_mutex_lock(&conn.mu);
    if (ev == NNG_PIPE_EV_ADD_POST) {
        conn.pipes++;
        conn.ever = true;
    } else if (ev == NNG_PIPE_EV_REM_POST && conn.pipes > 0) {
        conn.pipes--;
    }
    pthread_cond_broadcast(&conn.changed);
    pthread_mutex_unlock(&conn.mu);
}

static struct timespec deadline_in(int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Milliseconds left until t (0 once it has passed). */
static int ms_until(struct timespec t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms = (long long)(t.tv_sec - now.tv_sec) * 1000 + (t.tv_nsec - now.tv_nsec) / 1000000;
    return ms > 0 ? (int)ms : 0;
}

/* Waits until a pipe is up, for up to timeout_ms: true if one is. */
static bool wait_connected(int timeout_ms)
{
    struct timespec until = deadline_in(timeout_ms);
    pthread_mutex_lock(&conn.mu);
    while (conn.pipes == 0 &&
           pthread_cond_timedwait(&conn.changed, &conn.mu, &until) != ETIMEDOUT) {
    }
    bool up = conn.pipes > 0;
    pthread_mutex_unlock(&conn.mu);
    return up;
}

static bool ever_connected(void)
{
    pthread_mutex_lock(&conn.mu);
    bool ever = conn.ever;
    pthread_mutex_unlock(&conn.mu);
    return ever;
}

/* ---- inputs and outputs ------------------------------------------------------------------ */

/* The text of a JSON argument: itself, or the content of FILE for "@FILE". */
static void argument_text(const char *arg, tp_buf *out)
{
    if (arg[0] != '@') {
        tp_buf_puts(out, arg);
        return;
    }
    FILE *f = fopen(arg + 1, "rb");
    if (!f) fail(1, "cannot read %s: %s", arg + 1, strerror(errno));
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) tp_buf_append(out, chunk, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad) fail(1, "cannot read %s", arg + 1);
}

/* Appends the JSON argument to out as msgpack, or stops with the parser's message. */
static void json_argument(const char *arg, tp_buf *out)
{
    tp_buf text = TP_BUF_INIT;
    char err[200];
    argument_text(arg, &text);
    int rv = json_to_msgpack(text.data ? text.data : "", text.len, out, err, sizeof err);
    tp_buf_free(&text);
    if (rv != 0) fail(EXIT_USAGE, "%s", err);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void hex_argument(const char *hex, tp_buf *out)
{
    size_t n = strlen(hex);
    if (n % 2) fail(EXIT_USAGE, "HEX must have an even number of digits");
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) fail(EXIT_USAGE, "HEX: %.2s is not a hex byte", hex + i);
        tp_buf_putc(out, (char)(hi << 4 | lo));
    }
}

/* Prints prefix (may be empty) and the msgpack object in data as one JSON line; bytes that are
 * not exactly one msgpack object are printed as {"undecodable_hex": "..."}. */
static void print_msgpack(const char *prefix, const void *data, size_t len)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    tp_buf line = TP_BUF_INIT;
    tp_buf_puts(&line, prefix);
    if (msgpack_unpack_next(&up, data, len, &off) == MSGPACK_UNPACK_SUCCESS && off == len) {
        json_from_msgpack(&up.data, &line);
    } else {
        tp_buf_puts(&line, "{\"undecodable_hex\": \"");
        for (size_t i = 0; i < len; i++)
            tp_buf_printf(&line, "%02x", ((const unsigned char *)data)[i]);
        tp_buf_puts(&line, "\"}");
    }
    msgpack_unpacked_destroy(&up);
    tp_buf_putc(&line, '\n');
    fwrite(line.data, 1, line.len, stdout);
    fflush(stdout);
    tp_buf_free(&line);
}

/* ---- sockets ----------------------------------------------------------------------------- */

static char *read_file(const char *path)
{
    tp_buf b = TP_BUF_INIT;
    argument_text(path, &b); /* path starts with '@' */
    return tp_buf_take(&b, NULL);
}

/* The TLS configuration of the options (tls+tcp:// URLs only); static, like `sending`. */
static nng_tls_config *cfg;

static nng_tls_config *tls_config(void)
{
    int rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT);
    if (rv != 0) fail(1, "TLS: %s", nng_strerror(rv));
    if (opt.ca && (rv = nng_tls_config_ca_file(cfg, opt.ca)) != 0)
        fail(1, "--ca %s: %s", opt.ca, nng_strerror(rv));
    if (opt.cert) {
        char cert_at[4096], key_at[4096];
        snprintf(cert_at, sizeof cert_at, "@%s", opt.cert);
        snprintf(key_at, sizeof key_at, "@%s", opt.key);
        char *cert = read_file(cert_at), *key = read_file(key_at);
        rv = nng_tls_config_own_cert(cfg, cert, key, NULL);
        free(cert);
        free(key);
        if (rv != 0) fail(1, "--cert/--key: %s", nng_strerror(rv));
    }
    rv = nng_tls_config_auth_mode(cfg, opt.cert ? NNG_TLS_AUTH_MODE_REQUIRED
                                                : NNG_TLS_AUTH_MODE_OPTIONAL);
    if (rv != 0) fail(1, "TLS: %s", nng_strerror(rv));
    return cfg;
}

/* Opens a socket with open_fn and dials url without waiting (nng keeps redialling). */
static nng_socket open_and_dial(int (*open_fn)(nng_socket *), const char *url)
{
    nng_socket s;
    nng_dialer d;
    int rv = open_fn(&s);
    if (rv != 0) fail(1, "cannot open a socket: %s", nng_strerror(rv));
    nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, MSG_MAX);
    nng_socket_set_ms(s, NNG_OPT_RECONNMINT, 10);
    nng_socket_set_ms(s, NNG_OPT_RECONNMAXT, 100);
    nng_pipe_notify(s, NNG_PIPE_EV_ADD_POST, on_pipe, NULL);
    nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, on_pipe, NULL);
    if ((rv = nng_dialer_create(&d, s, url)) != 0) fail(1, "%s: %s", url, nng_strerror(rv));
    if (strncmp(url, "tls+", 4) == 0 &&
        (rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls_config())) != 0)
        fail(1, "%s: %s", url, nng_strerror(rv));
    if ((rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK)) != 0)
        fail(1, "cannot dial %s: %s", url, nng_strerror(rv));
    return s;
}

/* ---- the commands ------------------------------------------------------------------------ */

/* REQ: sends the bytes in `sending` and prints the reply. */
static int cmd_req(const char *url)
{
    nng_socket s = open_and_dial(nng_req0_open, url);
    if (!wait_connected(opt.timeout_ms)) fail(EXIT_NOTHING, "no connection to %s", url);
    nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, opt.timeout_ms);
    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, opt.timeout_ms);
    int rv = nng_send(s, sending.data, sending.len, 0);
    if (rv != 0) fail(EXIT_NOTHING, "cannot send to %s: %s", url, nng_strerror(rv));
    char *reply;
    size_t len;
    if ((rv = nng_recv(s, &reply, &len, NNG_FLAG_ALLOC)) != 0)
        fail(EXIT_NOTHING, "no reply from %s: %s", url, nng_strerror(rv));
    print_msgpack("", reply, len);
    nng_free(reply, len);
    nng_close(s);
    return 0;
}

static int cmd_pub(const char *url, const char *topic, const char *json)
{
    tp_buf_printf(&sending, "%s ", topic);
    json_argument(json, &sending);
    nng_socket s = open_and_dial(nng_pub0_open, url);
    if (!wait_connected(opt.timeout_ms)) fail(EXIT_NOTHING, "no connection to %s", url);
    /* A few times: the hub may take a moment to pass a new pipe's messages on. */
    for (int i = 0; i < PUB_SENDS; i++) {
        int rv = nng_send(s, sending.data, sending.len, 0);
        if (rv != 0) fail(1, "cannot publish on %s: %s", url, nng_strerror(rv));
        nng_msleep(PUB_GAP_MS);
    }
    nng_close(s);
    return 0;
}

static int cmd_sub(const char *url)
{
    nng_socket s = open_and_dial(nng_sub0_open, url);
    nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, "", 0);
    struct timespec until = deadline_in(opt.timeout_ms);
    for (int left; (left = ms_until(until)) > 0;) {
        nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, left);
        char *msg;
        size_t len;
        if (nng_recv(s, &msg, &len, NNG_FLAG_ALLOC) != 0) continue; /* timed out: loop ends */
        const char *space = memchr(msg, ' ', len);
        size_t topic = space ? (size_t)(space - msg) : len;
        char prefix[256];
        snprintf(prefix, sizeof prefix, "%.*s ", (int)(topic < 200 ? topic : 200), msg);
        print_msgpack(prefix, msg + topic + (space ? 1 : 0), len - topic - (space ? 1 : 0));
        nng_free(msg, len);
    }
    bool ever = ever_connected();
    nng_close(s);
    if (!ever) fail(EXIT_NOTHING, "no connection to %s", url);
    return 0;
}

static int cmd_rep(const char *url, const char *reply_json)
{
    json_argument(reply_json, &sending);
    nng_socket s = open_and_dial(nng_rep0_open, url);
    struct timespec until = deadline_in(opt.timeout_ms);
    for (long answered = 0, left; answered != opt.count && (left = ms_until(until)) > 0;) {
        nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, (int)left);
        char *msg;
        size_t len;
        if (nng_recv(s, &msg, &len, NNG_FLAG_ALLOC) != 0) continue;
        print_msgpack("", msg, len);
        nng_free(msg, len);
        nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, opt.timeout_ms);
        int rv = nng_send(s, sending.data, sending.len, 0);
        if (rv != 0) fprintf(stderr, "busprobe: cannot answer: %s\n", nng_strerror(rv));
        answered++;
    }
    bool ever = ever_connected();
    nng_close(s);
    if (!ever) fail(EXIT_NOTHING, "no connection to %s", url);
    return 0;
}

/* ---- main -------------------------------------------------------------------------------- */

static void become(const char *name)
{
    struct passwd *pw = getpwnam(name);
    if (!pw) fail(1, "--as-user: no user %s", name);
    if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
        fail(1, "--as-user %s: %s", name, strerror(errno));
}

static long number(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 0 || v > 86400000)
        fail(EXIT_USAGE, "%s: %s is not a number", what, s);
    return v;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"timeout", required_argument, NULL, 't'},
                                             {"count", required_argument, NULL, 'n'},
                                             {"ca", required_argument, NULL, 'a'},
                                             {"cert", required_argument, NULL, 'c'},
                                             {"key", required_argument, NULL, 'k'},
                                             {"as-user", required_argument, NULL, 'u'},
                                             {NULL, 0, NULL, 0}};
    for (int c; (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
        switch (c) {
        case 't':
            opt.timeout_ms = (int)number(optarg, "--timeout");
            break;
        case 'n':
            opt.count = number(optarg, "--count");
            break;
        case 'a':
            opt.ca = optarg;
            break;
        case 'c':
            opt.cert = optarg;
            break;
        case 'k':
            opt.key = optarg;
            break;
        case 'u':
            opt.user = optarg;
            break;
        default:
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (opt.user) become(opt.user);
    if (!opt.cert != !opt.key) fail(EXIT_USAGE, "--cert and --key go together");

    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&conn.changed, &attr);

    char **arg = argv + optind;
    int n = argc - optind;
    const char *cmd = n > 0 ? arg[0] : "";
    if (strcmp(cmd, "req") == 0 && n == 3) {
        json_argument(arg[2], &sending);
        return cmd_req(arg[1]);
    }
    if (strcmp(cmd, "raw") == 0 && n == 3) {
        hex_argument(arg[2], &sending);
        return cmd_req(arg[1]);
    }
    if (strcmp(cmd, "pub") == 0 && n == 4) return cmd_pub(arg[1], arg[2], arg[3]);
    if (strcmp(cmd, "sub") == 0 && n == 2) return cmd_sub(arg[1]);
    if (strcmp(cmd, "rep") == 0 && n == 3) return cmd_rep(arg[1], arg[2]);
    fputs(usage, stderr);
    return EXIT_USAGE;
}
