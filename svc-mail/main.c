/* talks-mail: the mail service. For now it joins the bus and answers ping; its operations
 * arrive with their issues (see docs/ARCHITECTURE.md). */
#include "tp_svc.h"

int main(void)
{
    static const tp_svc svc = {.name = "mail", .bus = TALKS_BUS_MAIL, .ctl = TALKS_CTL_MAIL};
    return tp_svc_main(&svc);
}
