/* ping: `talksctl ping [SERVICE...]` — asks each service over its control address whether it
 * answers: a worker of the process takes the request and replies, so a process that runs but is
 * wedged fails it too. The containers' health checks (compose/) run it in the service's own
 * container. svc-comments replicas share one control address on their shared volume (the
 * replica holding it answers, see tp_svc.c), so the reply names the replica (host:pid). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "commands.h"
#include "tp_msg.h"
#include "tp_svc.h"

/* Below the compose health check's 5 s timeout, so a slow answer is our line, not Docker's. */
#define PING_TIMEOUT_MS 3000

/* 0 after printing "svc-NAME: up (replica HOST:PID)", or -1 after a line saying why not. */
static int ping(const backup_service *s)
{
    char rid[32], why[768], url[1024];
    snprintf(rid, sizeof rid, "ping-%ld", (long)getpid());
    tp_w req;
    tp_w_init(&req);
    tp_w_request(&req, "ping", rid);
    tp_w_map_end(&req);
    tp_msg reply;
    int rv = tp_request(s->ctl, s->role, &req.buf, PING_TIMEOUT_MS, &reply, why, sizeof why);
    tp_w_free(&req);
    if (rv != 0) {
        tp_config_addr(s->ctl, url, sizeof url);
        fprintf(stderr, "talksctl: svc-%s does not answer on %s (%s)\n", s->name, url, why);
        return -1;
    }
    bool ok = false;
    tp_str service = {"", 0}, replica = {"?", 1};
    tp_get_bool(reply.root, "ok", &ok);
    tp_opt_str(reply.root, "service", 32, &service);
    tp_opt_str(reply.root, "replica", 128, &replica);
    rv = ok && tp_str_eq(service, s->name) ? 0 : -1;
    if (rv == 0)
        printf("svc-%s: up (replica %.*s)\n", s->name, (int)replica.n, replica.p);
    else
        fprintf(stderr, "talksctl: svc-%s: the control address answered, but not as svc-%s\n",
                s->name, s->name);
    tp_msg_free(&reply);
    return rv;
}

int cmd_ping(int argc, char **argv)
{
    const backup_service *asked[BACKUP_SERVICES];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const backup_service *s = backup_service_named(argv[i], strlen(argv[i]));
        if (!s || n == BACKUP_SERVICES) {
            fprintf(stderr,
                    "talksctl: usage: talksctl %s (SERVICE: auth, talks, comments or mail)\n",
                    PING_USAGE);
            return 1;
        }
        asked[n++] = s;
    }
    if (n == 0)
        for (; n < BACKUP_SERVICES; n++) asked[n] = &backup_services[BACKUP_SERVICES - 1 - n];
    int failed = 0;
    for (int i = 0; i < n; i++) failed |= ping(asked[i]) != 0;
    return failed;
}
