/* talks-comments: the comments service; owns comments.db. Any number of replicas may run
 * against the same file: they dial the same bus address, and the gateway spreads requests. Its
 * background loop prunes what nobody reads again (prune.h). */
#include "ops.h"
#include "prune.h"
#include "schema.h"

int main(void)
{
    const tp_svc svc = {
        .role = TP_ROLE_COMMENTS,
        .bus = TALKS_BUS_COMMENTS,
        .ctl = TALKS_CTL_COMMENTS,
        .ops = comments_ops,
        .db_file = "comments.db",
        .migrations = comments_migrations,
        .nmigrations = sizeof comments_migrations / sizeof comments_migrations[0],
        .start = comments_ops_init,
        .writer = true,
        .background = prune_background,
    };
    return tp_svc_main(&svc);
}
