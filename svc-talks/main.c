/* talks-talks: the talks service; owns talks.db (and copies speakers' names for search). */

#include "background.h"
#include "oembed.h"
#include "ops.h"
#include "schema.h"
#include "search.h"

/* Once, before the workers start. */
static int talks_start(char *err, size_t errlen)
{
    return search_start(err, errlen) || oembed_start(err, errlen) ? -1 : 0;
}

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
        .start = talks_start,
        .background = talks_background,
    };
    return tp_svc_main(&svc);
}
