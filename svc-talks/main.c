/* talks-talks: the talks service; owns talks.db (and copies speakers' names for search). */

#include "background.h"
#include "oembed.h"
#include "ops.h"
#include "schema.h"

int main(void)
{
    const tp_svc svc = {
        .role = TP_ROLE_TALKS,
        .bus = TALKS_BUS_TALKS,
        .ctl = TALKS_CTL_TALKS,
        .ops = talks_ops,
        .db_file = "talks.db",
        .migrations = talks_migrations,
        .nmigrations = sizeof talks_migrations / sizeof talks_migrations[0],
        .start = oembed_start,
        .background = talks_background,
    };
    return tp_svc_main(&svc);
}
