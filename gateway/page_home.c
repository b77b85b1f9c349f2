/* page_home: the timeline of all talks (/). Talks arrive with svc-talks' operations; until
 * then the page shows its empty state. */
#include "pages.h"
#include "render.h"

void page_home(gw_ctx *ctx)
{
    tp_w *w = render_begin(ctx, NULL);
    tp_w_key(w, "talks");
    tp_w_array_begin(w);
    tp_w_array_end(w);
    render_page(ctx, 200, "home");
}
