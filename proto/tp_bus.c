/* tp_bus: listening and dialling under the bus's rules (see tp_bus.h). */
#include "tp_bus.h"

#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tp_buf.h"
#include "tp_clock.h"
#include "tp_log.h"

#define ADDR_MAX 512
#define PEM_MAX  (64 * 1024)
/* sun_path holds 108 bytes with its NUL. */
#define IPC_PATH_MAX 107

enum transport { IPC, INPROC, TLS, TCP };

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The setting's address, checked against the rules: 0 with its transport, or -1. */
static int resolve(enum tp_setting addr, char *url, enum transport *t, char *err, size_t errlen)
{
    const char *name = tp_config_name(addr);
    if (tp_config_addr(addr, url, ADDR_MAX) != 0) {
        snprintf(err, errlen, "%s: the address is too long", name);
        return -1;
    }
    if (has_prefix(url, "ipc://")) {
        *t = IPC;
        if (strlen(url + 6) > IPC_PATH_MAX) {
            snprintf(err, errlen,
                     "%s: %.300s is longer than a Unix socket path may be (%d bytes): use a "
                     "shorter TALKS_DATA_DIR or address",
                     name, url, IPC_PATH_MAX);
            return -1;
        }
    } else if (has_prefix(url, "inproc://")) {
        *t = INPROC; /* inside one process (unit tests): nothing outside it can reach it */
    } else if (has_prefix(url, "tls+tcp://") || has_prefix(url, "tls+tcp4://") ||
               has_prefix(url, "tls+tcp6://")) {
        *t = TLS;
    } else if (has_prefix(url, "tcp://") || has_prefix(url, "tcp4://") ||
               has_prefix(url, "tcp6://")) {
        *t = TCP;
        if (tp_config_is_production()) {
            snprintf(err, errlen,
                     "%s: a plain tcp:// bus address is refused in production (use tls+tcp:// "
                     "with TALKS_BUS_CA, TALKS_BUS_CERT and TALKS_BUS_KEY, or ipc://)",
                     name);
            return -1;
        }
    } else {
        snprintf(err, errlen, "%s: \"%.300s\" is not an ipc://, tls+tcp:// or tcp:// address", name,
                 url);
        return -1;
    }
    return 0;
}

/* A whole small file into a NUL-terminated string (the caller frees it), or NULL. */
static char *read_pem(enum tp_setting s, char *err, size_t errlen)
{
    const char *path = tp_config_get(s);
    FILE *f = *path ? fopen(path, "r") : NULL;
    if (!f) {
        snprintf(err, errlen, "%s: %s", tp_config_name(s),
                 *path ? "cannot read the file" : "must be set for tls+tcp:// bus addresses");
        return NULL;
    }
    char *pem = tp_xmalloc(PEM_MAX + 1);
    size_t n = fread(pem, 1, PEM_MAX + 1, f);
    bool failed = ferror(f) || n > PEM_MAX;
    fclose(f);
    if (failed) {
        snprintf(err, errlen, "%s: %.200s is unreadable or over %d bytes", tp_config_name(s), path,
                 PEM_MAX);
        free(pem);
        return NULL;
    }
    pem[n] = '\0';
    return pem;
}

/* A TLS configuration that presents this process's certificate and accepts only peers with a
 * certificate from one of the roles' CAs; a dialer also checks the peer's name (one role). */
static nng_tls_config *tls_config(nng_tls_mode mode, unsigned peers, char *err, size_t errlen)
{
    nng_tls_config *cfg = NULL;
    char *ca = NULL, *cert = NULL, *key = NULL;
    int rv = -1;
    if (!(cert = read_pem(TALKS_BUS_CERT, err, errlen)) ||
        !(key = read_pem(TALKS_BUS_KEY, err, errlen)) ||
        tp_bus_ca_for(tp_config_get(TALKS_BUS_CA), peers, &ca, err, errlen) != 0)
        goto out;
    const char *step = "allocate";
    if ((rv = nng_tls_config_alloc(&cfg, mode)) == 0 && (step = "set the CA") &&
        (rv = nng_tls_config_ca_chain(cfg, ca, NULL)) == 0 && (step = "load the certificate") &&
        (rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) == 0 && (step = "set the mode") &&
        (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) == 0 &&
        (rv = nng_tls_config_version(cfg, NNG_TLS_1_2, NNG_TLS_1_2)) == 0 &&
        mode == NNG_TLS_MODE_CLIENT) {
        char name[64] = "";
        for (int r = 0; r < TP_ROLE_COUNT; r++)
            if (peers == TP_ROLE_BIT(r))
                snprintf(name, sizeof name, "talks-%s", tp_role_name((enum tp_role)r));
        step = "set the server name";
        if (name[0]) rv = nng_tls_config_server_name(cfg, name);
    }
    if (rv != 0) {
        snprintf(err, errlen, "TALKS_BUS_CERT/TALKS_BUS_KEY: cannot %s: %s", step,
                 nng_strerror(rv));
        if (cfg) nng_tls_config_free(cfg);
        cfg = NULL;
    }
out:
    free(ca);
    free(cert);
    free(key);
    return cfg;
}

int tp_bus_check(enum tp_setting addr, char *err, size_t errlen)
{
    char url[ADDR_MAX];
    enum transport t;
    if (resolve(addr, url, &t, err, errlen) != 0) return -1;
    if (t != TLS) return 0;
    nng_tls_config *cfg = tls_config(NNG_TLS_MODE_SERVER, TP_ROLES_STACK, err, errlen);
    if (!cfg) return -1;
    nng_tls_config_free(cfg);
    return 0;
}

static void watch_pipe(nng_pipe p, nng_pipe_ev ev, void *arg);

/* Every pipe of a bus socket: on ipc, a peer of another Unix user is dropped (the bus folder's
 * mode already keeps it out; this holds even if the folder was opened up by mistake). */
static void check_peer(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    watch_pipe(p, ev, arg);
    uint64_t uid; /* nng 1.5.2 gives it as a uint64 (get_int fails with "Incorrect type") */
    if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) != 0) return; /* not ipc */
    if (uid == (uint64_t)geteuid()) return;
    tp_warn(NULL, "bus: refused an ipc peer of uid %llu", (unsigned long long)uid);
    nng_pipe_close(p);
}

static void fail(enum tp_setting addr, const char *url, const char *what, int rv, char *err,
                 size_t errlen)
{
    snprintf(err, errlen, "%s: cannot %s %.300s: %s", tp_config_name(addr), what, url,
             nng_strerror(rv));
}

int tp_bus_listen(nng_socket s, enum tp_setting addr, unsigned peers, nng_listener *out, char *err,
                  size_t errlen)
{
    char url[ADDR_MAX];
    enum transport t;
    nng_listener l = NNG_LISTENER_INITIALIZER;
    if (resolve(addr, url, &t, err, errlen) != 0) return -1;
    int rv = nng_listener_create(&l, s, url);
    if (rv == 0 && t == IPC) rv = nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0600);
    if (rv == 0 && t == TLS) {
        nng_tls_config *cfg = tls_config(NNG_TLS_MODE_SERVER, peers, err, errlen);
        if (!cfg) {
            nng_listener_close(l);
            return -1;
        }
        rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg);
        nng_tls_config_free(cfg); /* the listener holds its own reference */
    }
    if (rv == 0) nng_pipe_notify(s, NNG_PIPE_EV_ADD_PRE, check_peer, NULL);
    if (rv == 0) rv = nng_listener_start(l, 0);
    if (rv != 0) {
        if (nng_listener_id(l) > 0) nng_listener_close(l);
        fail(addr, url, "listen on", rv, err, errlen);
        return rv == NNG_EADDRINUSE ? rv : -1;
    }
    if (out) *out = l;
    return 0;
}

/* A dialer for the address, not started: its TLS configuration set, and check_peer (which
 * also counts its pipes, see watch_pipe) on the socket. */
static int dial_create(nng_socket s, enum tp_setting addr, unsigned peers, nng_dialer *out,
                       char *err, size_t errlen)
{
    char url[ADDR_MAX];
    enum transport t;
    nng_dialer d = NNG_DIALER_INITIALIZER;
    if (resolve(addr, url, &t, err, errlen) != 0) return -1;
    int rv = nng_dialer_create(&d, s, url);
    if (rv == 0 && t == TLS) {
        nng_tls_config *cfg = tls_config(NNG_TLS_MODE_CLIENT, peers, err, errlen);
        if (!cfg) {
            nng_dialer_close(d);
            return -1;
        }
        rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
        nng_tls_config_free(cfg);
    }
    if (rv == 0) rv = nng_pipe_notify(s, NNG_PIPE_EV_ADD_PRE, check_peer, NULL);
    if (rv == 0) rv = nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, watch_pipe, NULL);
    if (rv != 0) {
        if (nng_dialer_id(d) > 0) nng_dialer_close(d);
        fail(addr, url, "dial", rv, err, errlen);
        return rv;
    }
    *out = d;
    return 0;
}

static int dial_start(nng_dialer d, enum tp_setting addr, int flags, char *err, size_t errlen)
{
    int rv = nng_dialer_start(d, flags);
    if (rv != 0) {
        char url[ADDR_MAX];
        tp_config_addr(addr, url, sizeof url);
        nng_dialer_close(d);
        fail(addr, url, "dial", rv, err, errlen);
    }
    return rv;
}

/* ---- Watched dialers ----------------------------------------------------------------------
 * Design notes. nng 1.5.2's dialer stops for good when an attempt ends in NNG_ECLOSED, and that
 * is what a peer dying under it gives: after kill -9 of the gateway a service could still
 * connect into the dying listener's backlog, and its first send then failed with EPIPE, which
 * nng reports as NNG_ECLOSED (its stats: no "refused", two "other"). About one service in ten
 * was left off the bus until it was restarted itself. So every dialer tp_bus_dial makes is
 * watched: its pipes are counted (ADD_PRE in check_peer, REM_POST here; nng runs REM_POST for
 * every pipe that had ADD_PRE), and one that has had none for REDIAL_MS is closed and replaced
 * by a new dialer to the same address. One thread does it, and sleeps without a timeout while
 * every watched dialer has its pipe. A peer that is simply away costs one replacement a second;
 * a replacement records the new dialer before starting it, so no pipe of it goes uncounted.
 * Invariant: an entry's pipes counts the pipes of its current dialer only (events of a replaced
 * dialer find no entry). */
#define REDIAL_MS   1000
#define WATCHED_MAX 16

typedef struct watched {
    bool used;
    nng_socket sock;
    enum tp_setting addr;
    unsigned peers;
    nng_dialer dialer;
    int pipes;
    int64_t alone_since_ms; /* when it last had no pipe; 0 while it has one */
} watched;

static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cv;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;
static watched watch_list[WATCHED_MAX];
/* tp_bus_unwatch was called: no more replacements. */
static bool watch_stopped;
/* A replacement is under way (its nng calls run without watch_mu). */
static bool redialing;

static watched *watched_of(nng_dialer d)
{
    for (int i = 0; i < WATCHED_MAX; i++)
        if (watch_list[i].used && nng_dialer_id(watch_list[i].dialer) == nng_dialer_id(d))
            return &watch_list[i];
    return NULL;
}

static void watch_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    (void)arg;
    nng_dialer d = nng_pipe_dialer(p);
    if (nng_dialer_id(d) <= 0) return; /* a listener's pipe */
    pthread_mutex_lock(&watch_mu);
    watched *w = watched_of(d);
    if (w && ev == NNG_PIPE_EV_ADD_PRE) {
        w->pipes++;
        w->alone_since_ms = 0;
    } else if (w && ev == NNG_PIPE_EV_REM_POST && w->pipes > 0 && --w->pipes == 0) {
        w->alone_since_ms = tp_clock_ms();
        pthread_cond_signal(&watch_cv);
    }
    pthread_mutex_unlock(&watch_mu);
}

static void replace_dialer(watched *w);

/* Called with watch_mu held, which it lets go of around nng's calls; tp_bus_unwatch waits for it
 * to end. */
static void redial(watched *w)
{
    redialing = true;
    replace_dialer(w);
    redialing = false;
    pthread_cond_broadcast(&watch_cv);
}

static void replace_dialer(watched *w)
{
    watched was = *w;
    char err[512];
    nng_dialer d;
    pthread_mutex_unlock(&watch_mu);
    nng_dialer_close(was.dialer);
    int rv = dial_create(was.sock, was.addr, was.peers, &d, err, sizeof err);
    pthread_mutex_lock(&watch_mu);
    if (rv != 0) {
        /* A closed socket (the process is stopping): nothing left to watch. */
        if (rv == NNG_ECLOSED)
            w->used = false;
        else
            tp_warn(NULL, "bus: %s", err);
        return;
    }
    w->dialer = d;
    w->pipes = 0;
    w->alone_since_ms = tp_clock_ms();
    pthread_mutex_unlock(&watch_mu);
    rv = dial_start(d, was.addr, NNG_FLAG_NONBLOCK, err, sizeof err);
    pthread_mutex_lock(&watch_mu);
    if (rv != 0 && rv != NNG_ECLOSED) tp_warn(NULL, "bus: %s", err);
    if (rv == NNG_ECLOSED) w->used = false;
}

static void *watch_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&watch_mu);
    for (;;) {
        int64_t now = tp_clock_ms(), next = INT64_MAX;
        for (int i = 0; i < WATCHED_MAX && !watch_stopped; i++) {
            watched *w = &watch_list[i];
            if (!w->used || w->alone_since_ms == 0) continue;
            if (now - w->alone_since_ms >= REDIAL_MS) {
                tp_debug(NULL, "bus: no connection to %s for %d ms: dialling it afresh",
                         tp_config_name(w->addr), REDIAL_MS);
                redial(w);
                now = tp_clock_ms();
                if (!w->used || w->alone_since_ms == 0) continue;
            }
            if (w->alone_since_ms + REDIAL_MS < next) next = w->alone_since_ms + REDIAL_MS;
        }
        if (next == INT64_MAX || watch_stopped) {
            pthread_cond_wait(&watch_cv, &watch_mu);
        } else {
            struct timespec until = {.tv_sec = next / 1000, .tv_nsec = (next % 1000) * 1000000};
            pthread_cond_timedwait(&watch_cv, &watch_mu, &until);
        }
    }
    return NULL;
}

static void watch_start(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&watch_cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_t t;
    if (pthread_create(&t, NULL, watch_main, NULL) == 0) {
        pthread_setname_np(t, "tp:redial");
        pthread_detach(t);
    }
}

void tp_bus_unwatch(void)
{
    pthread_mutex_lock(&watch_mu);
    watch_stopped = true;
    while (redialing) pthread_cond_wait(&watch_cv, &watch_mu);
    pthread_mutex_unlock(&watch_mu);
}

int tp_bus_dial(nng_socket s, enum tp_setting addr, unsigned peers, char *err, size_t errlen)
{
    nng_dialer d;
    pthread_once(&watch_once, watch_start);
    if (dial_create(s, addr, peers, &d, err, errlen) != 0) return -1;
    pthread_mutex_lock(&watch_mu);
    watched *w = NULL;
    for (int i = 0; i < WATCHED_MAX && !w; i++)
        if (!watch_list[i].used) w = &watch_list[i];
    if (w)
        *w = (watched){.used = true,
                       .sock = s,
                       .addr = addr,
                       .peers = peers,
                       .dialer = d,
                       .alone_since_ms = tp_clock_ms()};
    else
        tp_warn(NULL, "bus: more than %d dialers: %s is not watched", WATCHED_MAX,
                tp_config_name(addr));
    pthread_cond_signal(&watch_cv);
    pthread_mutex_unlock(&watch_mu);
    /* Without waiting: the peer may start later, and nng keeps redialling. */
    if (dial_start(d, addr, NNG_FLAG_NONBLOCK, err, errlen) == 0) return 0;
    pthread_mutex_lock(&watch_mu);
    if (w) w->used = false;
    pthread_mutex_unlock(&watch_mu);
    return -1;
}

int tp_bus_dial_now(nng_socket s, enum tp_setting addr, unsigned peers, char *err, size_t errlen)
{
    nng_dialer d;
    int rv = dial_create(s, addr, peers, &d, err, errlen);
    return rv ? rv : dial_start(d, addr, 0, err, errlen);
}
