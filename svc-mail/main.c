/* talks-mail: the mail service; owns mail.db. It turns comment events into batched
 * notifications, sends them over SMTP (or writes .eml files without SMTP_URL), and answers the
 * unsubscribe pages. */
#include "metrics.h"
#include "ops.h"
#include "schema.h"

int main(void)
{
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
