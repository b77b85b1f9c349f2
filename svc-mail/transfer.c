/* transfer: subscriptions out and in (see transfer.h). An imported one passes the checks of the
 * comment it came from: a valid address and a name of at most 64 characters. */
#include "transfer.h"

#include "store.h"
#include "tp_text.h"
#include "tp_transfer.h"

#define NAME_MAX_CHARS 64 /* a commenter's name (svc-comments' COMMENT_NAME_MAX_CHARS) */

static const char *const subscription_keys[] = {"id", "talk_id", "email", "name", "active", NULL};

tp_err transfer_export(tp_call *c)
{
    return store_subscriptions_export(c->db, tp_export_after(c), c->out)
               ? tp_fail(c, TP_EINTERNAL, "database error")
               : TP_OK;
}

static tp_err add_row(tp_call *c, tp_import *im, uint32_t i)
{
    const msgpack_object *row = &im->rows->via.array.ptr[i];
    subscription_row r;
    char message[TP_TEXT_MESSAGE_MAX];
    tp_err e = tp_import_keys(c, "subscription", row, subscription_keys);
    if (e != TP_OK) return e;
    if (tp_get_int(row, "id", 1, INT64_MAX, &r.id) ||
        tp_get_int(row, "talk_id", 1, INT64_MAX, &r.talk_id) ||
        tp_get_str(row, "email", 1024, &r.email) || tp_get_str(row, "name", 65536, &r.name) ||
        tp_get_bool(row, "active", &r.active))
        return tp_import_refuse(c, TP_EINVAL, "subscription", row,
                                "a field is missing, of the wrong type or out of range");
    const char *why = tp_text_email(r.email);
    if (!why) why = tp_text_check(r.name, NAME_MAX_CHARS, "Name", TP_TEXT_REQUIRED, message);
    if (why) return tp_import_refuse(c, TP_EINVAL, "subscription", row, why);
    return tp_import_stored(
        c, store_subscription_import(c->db, &r, im->merge, &im->ids[i], &im->added[i]),
        "subscription", row);
}

static const tp_import_table subscriptions = {"subscriptions", store_subscriptions_count, add_row};

tp_err transfer_import(tp_call *c)
{
    return tp_import_op(c, &subscriptions);
}
