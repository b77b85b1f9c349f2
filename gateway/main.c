/* talks-gateway: the HTTP front of Talks and the hub of its bus. One h2o event loop serves
 * HTTP/1.1 (HTTP/2 is off: libh2o 2.2.5 lacks the Rapid Reset fix), static files come from
 * disk, and every dynamic page goes through the router (routes.c) to the services. */
#include <errno.h>
#include <h2o.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "access_log.h"
#include "bio_cache.h"
#include "body_budget.h"
#include "csrf.h"
#include "error_pages.h"
#include "feeds.h"
#include "events_hub.h"
#include "gw_call.h"
#include "http_framing.h"
#include "live.h"
#include "metrics.h"
#include "og_card.h"
#include "own_comments.h"
#include "page_cache.h"
#include "relay.h"
#include "render.h"
#include "routes.h"
#include "site.h"
#include "tp_bus.h"
#include "tp_config.h"
#include "tp_events.h"
#include "tp_heap.h"
#include "tp_log.h"
#include "tp_stop_deadline.h"
#include "trusted_proxy.h"
#include "talks_cache.h"
#include "users_cache.h"

#define MAX_CONNECTIONS 16384 /* at most; less when descriptors are fewer (raise_fd_limit) */
#define SPARE_FDS       128   /* descriptors kept for the bus, files and the listener */
#define STOP_GRACE_S    10    /* SIGTERM: how long requests in flight may take to finish */

static h2o_globalconf_t config;
static h2o_context_t context;
/* The public HTTP listener and, with TALKS_METRICS_ADDR, the metrics one: each only its host. */
static h2o_accept_ctx_t accept_ctx, metrics_accept_ctx;
static h2o_hostconf_t *public_hosts[2], *metrics_hosts[2];
static h2o_socket_t *listener, *metrics_listener;
static int connections, max_connections;
static volatile sig_atomic_t stopping;

static void on_accept(h2o_socket_t *ls, const char *err);

/* Every message through the hub: the page cache forgets, live streams wake up. */
static void on_event(const char *event, size_t len)
{
    page_cache_on_event(event, len);
    live_on_event(event, len);
}

/* Raises the soft descriptor limit to the hard one and sets the connection cap below it: at
 * the cap the listener pauses, so accept() never fails with EMFILE (which would leave the
 * listener readable and the loop spinning). */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    long usable = (long)rl.rlim_cur - SPARE_FDS;
    max_connections = usable < 64 ? 64 : usable > MAX_CONNECTIONS ? MAX_CONNECTIONS : (int)usable;
}

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* The connection cap, as h2o's own server does it: stop accepting at the cap, resume when a
 * connection closes. Past the cap, clients wait in the kernel's backlog instead of taking
 * descriptors the open connections need. */
static void set_accepting(bool on)
{
    h2o_socket_t *all[] = {listener, metrics_listener};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!all[i]) continue;
        if (on)
            h2o_socket_read_start(all[i], on_accept);
        else
            h2o_socket_read_stop(all[i]);
    }
}

static void on_connection_close(void *data)
{
    body_budget_remove(data);
    if (connections-- == max_connections && !stopping) set_accepting(true);
}

static void on_accept(h2o_socket_t *ls, const char *err)
{
    if (err) return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(ls);
    if (!sock) return;
    if (++connections == max_connections) set_accepting(false);
    sock->on_close.cb = on_connection_close;
    sock->on_close.data = body_budget_add(sock);
    h2o_accept(ls->data, sock); /* the listener's own accept context */
}

/* Opens a listener on the address setting names, for the hosts of actx; *out is it. */
static int open_listener(enum tp_setting setting, h2o_accept_ctx_t *actx, h2o_socket_t **out,
                         char *err, size_t errlen)
{
    const char *addr = tp_config_get(setting), *name = tp_config_name(setting);
    char host[256];
    int port;
    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof ss);
    if (tp_parse_host_port(addr, host, sizeof host, &port) != 0) goto bad;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (!host[0] || inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        if (!host[0]) v4->sin_addr.s_addr = htonl(INADDR_ANY);
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        sslen = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        sslen = sizeof *v6;
    } else {
        goto bad;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    int rcvbuf = BODY_BUDGET_RCVBUF; /* before listen(): connections inherit it */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errlen, "%s: cannot listen on %s: %s", name, addr, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    *out = h2o_evloop_socket_create(context.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    (*out)->data = actx;
    h2o_socket_read_start(*out, on_accept);
    return 0;
bad:
    snprintf(err, errlen, "%s: expected host:port with a numeric address, got \"%s\"", name, addr);
    return -1;
}

/* Closes every idle connection (between two requests) and makes the others close after the
 * answer they owe. h2o 2.2 does neither itself on shutdown: it only answers requests read after
 * it with "Connection: close", so an idle keep-alive connection would hold the stop until its
 * timeout. shutdown(2) wakes h2o's read with an end of file, and h2o closes the connection as
 * if the client had. */
static int close_when_idle(h2o_req_t *req, void *data)
{
    (void)data;
    req->http1_is_persistent = 0;
    bool idle = req->version == 0 && req->timestamps.request_begin_at.tv_sec == 0;
    h2o_socket_t *sock = idle ? req->conn->callbacks->get_socket(req->conn) : NULL;
    if (sock) shutdown(h2o_socket_get_fd(sock), SHUT_RDWR);
    return 0;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SIGTERM (SPEC section 10): stop accepting (the listeners close: a new connection is refused),
 * let the requests in flight finish for at most STOP_GRACE_S, closing connections as they fall
 * idle (and uploads the body budget had paused: body_budget_cut_paused), and return when none
 * is left or the time is up. */
static void drain(void)
{
    h2o_socket_t **all[] = {&listener, &metrics_listener};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!*all[i]) continue;
        h2o_socket_read_stop(*all[i]);
        h2o_socket_close(*all[i]);
        *all[i] = NULL;
    }
    h2o_context_request_shutdown(&context);
    live_close_all(); /* a stream never ends by itself */
    double deadline = seconds_now() + STOP_GRACE_S;
    while (connections > 0 && seconds_now() < deadline) {
        config.http1.callbacks.foreach_request(&context, close_when_idle, NULL);
        body_budget_cut_paused();
        h2o_evloop_run(context.loop, 100);
        body_budget_check();
    }
    if (connections > 0)
        tp_warn(NULL, "stopping with %d connections still open after %d s", connections,
                STOP_GRACE_S);
}

/* Templates and static files sit in ../share/talks beside the binary's folder. */
static void assets_dir(char *out, size_t outlen)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    snprintf(out, outlen, "%s/../share/talks", n > 0 ? dirname(exe) : ".");
}

/* The public site's paths; with metrics on, each also counts its requests (metrics.h). */
static h2o_hostconf_t *register_paths(const char *assets, bool metrics)
{
    h2o_hostconf_t *host =
        h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    char static_dir[PATH_MAX + 16];
    snprintf(static_dir, sizeof static_dir, "%s/static", assets);

    /* Static first: h2o matches paths in registration order, not by the longest prefix. */
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/static", 0);
    http_framing_register(pc); /* before the real handler: h2o tries them in order */
    static h2o_iovec_t cache_name = {H2O_STRLIT("cache-control")};
    static h2o_iovec_t nosniff_name = {H2O_STRLIT("x-content-type-options")};
    static h2o_headers_command_t static_headers[] = {
        {H2O_HEADERS_CMD_SET, &cache_name, {H2O_STRLIT("public, max-age=86400")}},
        {H2O_HEADERS_CMD_SET, &nosniff_name, {H2O_STRLIT("nosniff")}},
        {H2O_HEADERS_CMD_NULL, NULL, {NULL, 0}},
    };
    h2o_file_register(pc, static_dir, NULL, NULL, 0);
    /* h2o runs a path's filters in the reverse order of registration: error pages after the
     * headers, so that a missing file's answer loses the files' cache-control. */
    error_pages_register(pc);
    h2o_headers_register(pc, static_headers);
    access_log_register(pc);
    if (metrics) metrics_http_register(pc, METRICS_STATIC);

    pc = h2o_config_register_path(host, "/", 0);
    http_framing_register(pc);
    error_pages_register(pc);
    h2o_handler_t *h = h2o_create_handler(pc, sizeof *h);
    h->on_req = routes_on_req;
    access_log_register(pc);
    if (metrics) metrics_http_register(pc, METRICS_UNROUTED);
    /* Requests refused before they reach a path (unparsable, a body over the limit). */
    error_pages_register(&host->fallback_path);
    access_log_register(&host->fallback_path);
    if (metrics) metrics_http_register(&host->fallback_path, METRICS_UNROUTED);
    return host;
}

int main(void)
{
    char err[512] = "", assets[PATH_MAX], templates[PATH_MAX + 16];
    unsigned char secret[32];
    long timeout_ms;
    tp_heap_keep_freed();
    tp_log_init("gateway");
    if (sodium_init() < 0 || tp_config_load(err, sizeof err) != 0 ||
        tp_config_data_dir(err, sizeof err) != 0 ||
        tp_config_secret(secret, err, sizeof err) != 0 ||
        tp_config_int(TALKS_BUS_TIMEOUT_MS, 50, 60000, &timeout_ms, err, sizeof err) != 0) {
        fprintf(stderr, "talks-gateway: %s\n", err[0] ? err : "cannot start libsodium");
        return 1;
    }
    assets_dir(assets, sizeof assets);
    snprintf(templates, sizeof templates, "%s/templates", assets);
    if (render_init(templates, tp_config_is_production(), err, sizeof err) != 0 ||
        error_pages_init(err, sizeof err) != 0) {
        fprintf(stderr, "talks-gateway: templates: %s\n", err);
        return 1;
    }
    if (site_init(err, sizeof err) != 0 ||
        trusted_proxy_init(tp_config_get(TALKS_TRUSTED_PROXY), err, sizeof err) != 0) {
        fprintf(stderr, "talks-gateway: %s\n", err);
        return 1;
    }
    og_card_init(); /* without fonts, talks just have no og:image */
    csrf_init(secret);
    own_comments_init(secret);
    sodium_memzero(secret, sizeof secret);

    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    h2o_config_init(&config);
    /* The one body limit is GW_MAX_BODY. A body up to twice that is read whole and the router
     * answers 413 (a browser that is still sending when the server closes sees a reset instead
     * of the page, and a too-long form is the common case); a larger one h2o refuses from its
     * Content-Length before reading it, and closes (error_pages.c dresses that 413 too).
     * body_budget caps what all the bodies being read hold together. */
    config.max_request_entity_size = 2 * GW_MAX_BODY;
    config.http1.upgrade_to_http2 = 0;
    config.server_name = h2o_iovec_init(NULL, 0); /* no "Server: h2o/2.2.5" */
    bool metrics = tp_config_get(TALKS_METRICS_ADDR)[0] != '\0';
    public_hosts[0] = register_paths(assets, metrics);
    if (metrics) {
        metrics_hosts[0] =
            h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("metrics")), 65535);
        metrics_register(metrics_hosts[0]);
    }
    h2o_context_init(&context, h2o_evloop_create(), &config);
    accept_ctx = (h2o_accept_ctx_t){.ctx = &context, .hosts = public_hosts};
    metrics_accept_ctx = (h2o_accept_ctx_t){.ctx = &context, .hosts = metrics_hosts};

    if (gw_bus_init(context.loop, (int)timeout_ms, render_unavailable, err, sizeof err) != 0 ||
        page_cache_start(err, sizeof err) != 0 || live_start(context.loop, err, sizeof err) != 0 ||
        events_hub_start(on_event, err, sizeof err) != 0 ||
        tp_events_forward_errors("gateway", err, sizeof err) != 0 ||
        relay_start((int)timeout_ms, err, sizeof err) != 0 ||
        open_listener(TALKS_HTTP_ADDR, &accept_ctx, &listener, err, sizeof err) != 0 ||
        (metrics && open_listener(TALKS_METRICS_ADDR, &metrics_accept_ctx, &metrics_listener, err,
                                  sizeof err) != 0)) {
        fprintf(stderr, "talks-gateway: %s\n", err);
        return 1;
    }
    users_cache_start(page_cache_ttl_ms());
    talks_cache_start(page_cache_ttl_ms());
    bio_cache_start(page_cache_ttl_ms() > 0 ? BIO_CACHE_LIFETIME_MS : 0);
    if (feeds_start(gw_bus_socket(GW_AUTH), gw_bus_socket(GW_TALKS), page_cache_ttl_ms(),
                    (int)timeout_ms, err, sizeof err) != 0) {
        fprintf(stderr, "talks-gateway: %s\n", err);
        return 1;
    }
    tp_info(NULL, "listening on http://%s", tp_config_get(TALKS_HTTP_ADDR));
    if (metrics) tp_info(NULL, "metrics on http://%s/metrics", tp_config_get(TALKS_METRICS_ADDR));
    while (!stopping) {
        h2o_evloop_run(context.loop, 200);
        body_budget_check();
    }
    tp_info(NULL, "stopping: no new connections, finishing the requests in flight");
    tp_bus_unwatch(); /* before any socket closes (the events publisher is dialled) */
    drain();
    tp_info(NULL, "stopped");
    access_log_flush();
    /* Every request is answered: what is left, the exit would give back too. */
    tp_stop_deadline_start(TP_STOP_DEADLINE_MS, 0);
    tp_stop_deadline_step("closing the relay");
    relay_stop();
    tp_stop_deadline_step("closing the events hub");
    events_hub_stop();
    page_cache_stop();
    tp_stop_deadline_step("closing the bus sockets");
    gw_bus_close();
    feeds_stop(); /* after: a question it waits on ends as its socket closes */
    tp_stop_deadline_met();
    users_cache_stop();
    talks_cache_stop();
    bio_cache_stop();
    error_pages_free();
    render_free();
    og_card_free();
    return 0;
}
