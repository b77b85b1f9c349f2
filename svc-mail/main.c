/* talks-mail: the mail service; owns mail.db. It turns comment events into batched
 * notifications, sends them over SMTP (or writes .eml files without SMTP_URL), and answers the
 * unsubscribe pages.
 *
 * It runs at the lowest CPU priority (nice 19, set before any thread starts, so every thread
 * has it): its work follows the requests that cause it and nobody waits on it — mail is batched
 * for MAIL_FLUSH_SECONDS anyway — so when the machine is busy it takes the time the request path
 * leaves. A quarter of the stack's CPU for an API approval was svc-mail's, and the approvals'
 * p99 waited on it: 12.1 / 12.8 ms at nice 0, 9.6 / 10.0 ms at nice 19, 10.8 / 10.7 at nice 10
 * (docs/performance.md). Nothing is lost when it falls behind: it reads events from svc-comments'
 * outbox after its cursor (events.h), not from what pub/sub delivered. */
#include <sys/resource.h>

#include "metrics.h"
#include "ops.h"
#include "schema.h"

int main(void)
{
    setpriority(PRIO_PROCESS, 0, 19); /* raising one's own nice value needs no privilege */
    const tp_svc svc = {
        .role = TP_ROLE_MAIL,
        .bus = TALKS_BUS_MAIL,
        .ctl = TALKS_CTL_MAIL,
        .ops = mail_ops,
        .db_file = "mail.db",
        .migrations = mail_migrations,
        .nmigrations = sizeof mail_migrations / sizeof mail_migrations[0],
        .start = mail_start,
        .background = mail_loop,
        .metrics = metrics_write,
    };
    return tp_svc_main(&svc);
}
