/* page_health: GET /healthz (ready) pings every service at once and answers with each one's
 * status: 200 when all are up, 503 otherwise (what a load balancer reads). GET /livez (live)
 * answers 200 without asking anyone: the gateway's container health check, which must not fail
 * (and get the gateway restarted by Swarm) because a service is down. */
#include <string.h>

#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "tp_svc.h"

typedef struct health {
    int answered;
    bool up[GW_NSERVICES];
} health;

static void on_ping(gw_ctx *ctx, const gw_reply *r)
{
    health *h = ctx->page_state;
    tp_str name;
    if (r->err == TP_OK && tp_get_str(r->map, "service", 32, &name) == 0)
        for (int i = 0; i < GW_NSERVICES; i++)
            if (tp_str_eq(name, gw_service_name(i))) h->up[i] = true;
    if (++h->answered < GW_NSERVICES) return;

    bool all = true;
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    tp_w_key(&out, "services");
    tp_w_map_begin(&out);
    for (int i = 0; i < GW_NSERVICES; i++) {
        tp_w_kstr(&out, gw_service_name(i), h->up[i] ? "up" : "down");
        all = all && h->up[i];
    }
    tp_w_map_end(&out);
    tp_w_kstr(&out, "status", all ? "ok" : "unavailable");
    tp_w_map_end(&out);
    render_json_bytes(ctx, all ? 200 : 503, &out);
}

void page_healthz(gw_ctx *ctx)
{
    health *h = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *h);
    memset(h, 0, sizeof *h);
    ctx->page_state = h;
    for (int i = 0; i < GW_NSERVICES; i++) gw_ping(ctx, GW_TRY, i, on_ping);
}

void page_livez(gw_ctx *ctx)
{
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    tp_w_kstr(&out, "status", "live");
    tp_w_map_end(&out);
    render_json_bytes(ctx, 200, &out);
}
