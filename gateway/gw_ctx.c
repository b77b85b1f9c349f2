/* gw_ctx: reading a request's fields (see gw_ctx.h). */
#include "gw_ctx.h"

#include <limits.h>

const char *gw_field(const gw_ctx *ctx, const char *name)
{
    const char *v = form_get(&ctx->body, name);
    return v ? v : "";
}

int64_t gw_query_page(const gw_ctx *ctx)
{
    const char *page = form_get(&ctx->query, "page");
    return form_page_number(page ? page : "", INT_MAX);
}
