/* alerts: error reports to MAIL_ADMIN (see alerts.h). */
#include "alerts.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "tp_config.h"
#include "tp_msg.h"

void alerts_on_error(tp_db *db, const char *payload, size_t len)
{
    const char *admin = tp_config_get(MAIL_ADMIN);
    tp_msg m;
    tp_str svc, line;
    if (!*admin || tp_msg_parse(&m, payload, len)) return;
    if (tp_get_str(m.root, "svc", 32, &svc) == 0 && tp_get_str(m.root, "line", 4096, &line) == 0 &&
        store_unsent_count(db, "admin") < ALERT_QUEUE_MAX) {
        int64_t now = (int64_t)time(NULL), last = store_last_sent(db, "admin");
        int64_t not_before =
            last > 0 && last + ALERT_INTERVAL_S > now ? last + ALERT_INTERVAL_S : now;
        unsigned char raw[12];
        char key[40], hex[25];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
        snprintf(key, sizeof key, "log:%s", hex);
        store_queue_add_later(db, key, "admin", (tp_str){admin, strlen(admin)}, svc, line, now,
                              not_before);
    }
    tp_msg_free(&m);
}
