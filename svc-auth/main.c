/* talks-auth: accounts, sessions, API tokens and login throttling; owns auth.db. */
#include "ops.h"
#include "password.h"
#include "schema.h"

int main(void)
{
    const tp_svc svc = {
        .role = TP_ROLE_AUTH,
        .bus = TALKS_BUS_AUTH,
        .ctl = TALKS_CTL_AUTH,
        .ops = auth_ops,
        .db_file = "auth.db",
        .migrations = auth_migrations,
        .nmigrations = sizeof auth_migrations / sizeof auth_migrations[0],
        .start = password_init,
    };
    return tp_svc_main(&svc);
}
