/* talks-talks: the talks service. For now it joins the bus and answers ping; its operations
 * arrive with their issues (see docs/ARCHITECTURE.md). */
#include "tp_svc.h"

int main(void)
{
    static const tp_svc svc = {.name = "talks", .bus = TALKS_BUS_TALKS, .ctl = TALKS_CTL_TALKS};
    return tp_svc_main(&svc);
}
