/* transfer: users out and in (see transfer.h). An imported row passes the checks a new account
 * and a profile pass (email, username, name, location, bio), and its hash must be one login can
 * verify: Argon2id, or the Werkzeug hash of a user from the Flask app, which their first login
 * replaces (password.h). No password is ever hashed here. */
#include "transfer.h"

#include "password.h"
#include "store.h"
#include "tp_transfer.h"

static const char *const user_keys[] = {"id",   "email",    "username", "password_hash", "is_admin",
                                        "name", "location", "bio",      "created_at",    NULL};

tp_err transfer_export(tp_call *c)
{
    return store_users_export(c->db, tp_export_after(c), c->out)
               ? tp_fail(c, TP_EINTERNAL, "database error")
               : TP_OK;
}

/* Reads and checks one row; TP_OK fills r. */
static tp_err read_row(tp_call *c, const msgpack_object *row, user_row *r)
{
    tp_err e = tp_import_keys(c, "user", row, user_keys);
    if (e != TP_OK) return e;
    if (tp_get_int(row, "id", 1, INT64_MAX, &r->id) || tp_get_str(row, "email", 1024, &r->email) ||
        tp_get_str(row, "username", 1024, &r->username) ||
        tp_get_str(row, "password_hash", PASSWORD_HASH_MAX, &r->password_hash) ||
        tp_get_bool(row, "is_admin", &r->is_admin) || tp_get_str(row, "name", 65536, &r->name) ||
        tp_get_str(row, "location", 65536, &r->location) ||
        tp_get_str(row, "bio", 65536, &r->bio) ||
        tp_get_int(row, "created_at", 0, TP_TRANSFER_TIME_MAX, &r->created_at))
        return tp_import_refuse(c, TP_EINVAL, "user", row,
                                "a field is missing, of the wrong type or out of range");
    char message[3][TP_TEXT_MESSAGE_MAX];
    const char *why = tp_text_email(r->email);
    if (!why) why = fields_username(r->username);
    if (!why) why = tp_text_check(r->name, NAME_MAX_CHARS, "Name", 0, message[0]);
    if (!why) why = tp_text_check(r->location, LOCATION_MAX_CHARS, "Location", 0, message[1]);
    if (!why) why = tp_text_check(r->bio, BIO_MAX_CHARS, "Bio", TP_TEXT_MULTILINE, message[2]);
    if (!why && !password_hash_importable(r->password_hash.p, r->password_hash.n))
        why = "the password hash is neither Argon2id nor Werkzeug's pbkdf2";
    return why ? tp_import_refuse(c, TP_EINVAL, "user", row, why) : TP_OK;
}

static tp_err add_row(tp_call *c, tp_import *im, uint32_t i)
{
    const msgpack_object *row = &im->rows->via.array.ptr[i];
    user_row r;
    tp_err e = read_row(c, row, &r);
    if (e != TP_OK) return e;
    switch (store_user_import(c->db, &r, im->merge, &im->ids[i], &im->added[i])) {
    case STORE_INSERTED:
        return TP_OK;
    case STORE_DUP_ID:
        return tp_import_refuse(c, TP_ECONFLICT, "user", row, "the id is taken");
    case STORE_DUP_EMAIL:
        return tp_import_refuse(c, TP_ECONFLICT, "user", row, "the email is taken");
    case STORE_DUP_USERNAME:
        return tp_import_refuse(c, TP_ECONFLICT, "user", row,
                                "the username is taken by another account");
    default:
        return tp_fail(c, TP_EINTERNAL, "database error");
    }
}

static const tp_import_table users = {"users", store_users_count, add_row};

tp_err transfer_import(tp_call *c)
{
    return tp_import_op(c, &users);
}
