/* talks-auth: accounts, sessions, API tokens and login throttling; owns auth.db. */
#include <limits.h>
#include <stdio.h>

#include "ops.h"
#include "password.h"
#include "schema.h"
#include "tp_db.h"

static tp_db *open_db(char *err, size_t errlen)
{
    char path[PATH_MAX];
    tp_db_path("auth.db", path, sizeof path);
    return tp_db_open(path, auth_migrations, sizeof auth_migrations / sizeof auth_migrations[0],
                      err, errlen);
}

static int start(char *err, size_t errlen)
{
    tp_db *db = open_db(err, errlen); /* migrates once, before the workers open theirs */
    if (!db) return -1;
    tp_db_close(db);
    password_init();
    return 0;
}

static void *worker_init(char *err, size_t errlen)
{
    return open_db(err, errlen);
}

static void worker_fini(void *db)
{
    tp_db_close(db);
}

int main(void)
{
    const tp_svc svc = {
        .name = "auth",
        .bus = TALKS_BUS_AUTH,
        .ctl = TALKS_CTL_AUTH,
        .ops = auth_ops,
        .nops = auth_nops,
        .start = start,
        .worker_init = worker_init,
        .worker_fini = worker_fini,
    };
    return tp_svc_main(&svc);
}
