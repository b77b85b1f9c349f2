/* talks-comments: the comments service. For now it joins the bus and answers ping; its operations
 * arrive with their issues (see docs/ARCHITECTURE.md). */
#include "tp_svc.h"

int main(void)
{
    static const tp_svc svc = {
        .name = "comments", .bus = TALKS_BUS_COMMENTS, .ctl = TALKS_CTL_COMMENTS};
    return tp_svc_main(&svc);
}
