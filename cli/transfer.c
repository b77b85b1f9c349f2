/* transfer: the tables and the paged calls talksctl's export and imports share (see
 * transfer.h). */
#include "transfer.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "tp_op_inputs.h"
#include "tp_svc.h"
#include "tp_transfer.h"

const transfer_table transfer_tables[TRANSFER_TABLES] = {
    [TRANSFER_USERS] = {"users", "user", "auth", TP_OP_AUTH_EXPORT, TP_OP_AUTH_IMPORT},
    [TRANSFER_TALKS] = {"talks", "talk", "talks", TP_OP_TALKS_EXPORT, TP_OP_TALKS_IMPORT},
    [TRANSFER_COMMENTS] = {"comments", "comment", "comments", TP_OP_COMMENTS_EXPORT,
                           TP_OP_COMMENTS_IMPORT},
    [TRANSFER_SUBSCRIPTIONS] = {"subscriptions", "subscription", "mail", TP_OP_MAIL_EXPORT,
                                TP_OP_MAIL_IMPORT},
};

/* Calls op (one of the table's) with in; 0 with the reply (free it) when it says ok, else -1
 * with why (the reply is then freed). */
static int call(const transfer_table *t, enum tp_op_id op, const void *in, const char *rid,
                tp_msg *reply, char *why, size_t whylen)
{
    if (ctl_send(op, in, rid, reply) != 0) {
        snprintf(why, whylen, "the %s service is unreachable", t->svc);
        return -1;
    }
    if (ctl_reply_ok(reply, why, whylen)) return 0;
    tp_msg_free(reply);
    return -1;
}

int transfer_export(const transfer_table *t, int (*each)(const msgpack_object *row, void *arg),
                    void *arg)
{
    /* The four exports share one input list, so auth's struct writes any of them. */
    struct tp_in_TP_OP_AUTH_EXPORT in = {.after = 0};
    bool more = true;
    while (more) {
        char why[1100];
        tp_msg reply;
        int rc = call(t, t->export_op, &in, "talksctl-export", &reply, why, sizeof why);
        if (rc != 0) {
            fprintf(stderr, "talksctl: cannot read the %s: %s\n", t->name, why);
            return -1;
        }
        const msgpack_object *rows = tp_map_get(reply.root, "rows");
        if (!rows || rows->type != MSGPACK_OBJECT_ARRAY || tp_get_bool(reply.root, "more", &more))
            rc = -1;
        for (uint32_t i = 0; rc == 0 && i < rows->via.array.size; i++) {
            const msgpack_object *row = &rows->via.array.ptr[i];
            int64_t id;
            if (row->type != MSGPACK_OBJECT_MAP ||
                tp_get_int(row, "id", in.after + 1, INT64_MAX, &id))
                rc = -1;
            else if ((rc = each(row, arg)) == 0)
                in.after = id;
        }
        /* A page that moves nothing forward would be asked for again and again. */
        if (rc == 0 && more && rows->via.array.size == 0) rc = -1;
        tp_msg_free(&reply);
        if (rc != 0) {
            fprintf(stderr,
                    "talksctl: the %s service's answer about its %s is not one this "
                    "talksctl reads\n",
                    t->svc, t->name);
            return -1;
        }
    }
    return 0;
}

/* The bytes row takes in a request. */
static size_t encoded_size(const msgpack_object *row, tp_w *scratch)
{
    tp_buf_reset(&scratch->buf);
    tp_w_object(scratch, row);
    return scratch->buf.len;
}

/* Sends rows[start, end) as one page; fills ids and added from the reply. */
static int send_page(const transfer_table *t, const msgpack_object *rows, uint32_t start,
                     uint32_t end, bool check, bool merge, int64_t *ids, bool *added, char *why,
                     size_t whylen)
{
    msgpack_object page = {.type = MSGPACK_OBJECT_ARRAY,
                           .via.array = {.size = end - start, .ptr = rows->via.array.ptr + start}};
    /* The four imports share one input list, so auth's struct writes any of them. */
    struct tp_in_TP_OP_AUTH_IMPORT in = {.rows = &page, .check = check, .merge = merge};
    tp_msg reply;
    int rc = call(t, t->import_op, &in, "talksctl-import", &reply, why, whylen);
    if (rc != 0) return -1;
    const msgpack_object *got = tp_map_get(reply.root, "ids"),
                         *made = tp_map_get(reply.root, "added");
    if (!got || !made || got->type != MSGPACK_OBJECT_ARRAY || made->type != MSGPACK_OBJECT_ARRAY ||
        got->via.array.size != end - start || made->via.array.size != end - start)
        rc = -1;
    for (uint32_t i = 0; rc == 0 && i < end - start; i++) {
        const msgpack_object *id = &got->via.array.ptr[i], *a = &made->via.array.ptr[i];
        if (id->type != MSGPACK_OBJECT_POSITIVE_INTEGER || id->via.u64 > INT64_MAX ||
            a->type != MSGPACK_OBJECT_BOOLEAN)
            rc = -1;
        else if (ids)
            ids[start + i] = (int64_t)id->via.u64, added[start + i] = a->via.boolean;
    }
    if (rc != 0)
        snprintf(why, whylen, "the %s service's answer is not one this talksctl reads", t->svc);
    tp_msg_free(&reply);
    return rc;
}

int transfer_import(const transfer_table *t, const msgpack_object *rows, bool check, bool merge,
                    int64_t *ids, bool *added, char *why, size_t whylen)
{
    tp_w scratch;
    tp_w_init(&scratch);
    uint32_t n = rows->via.array.size, start = 0;
    size_t bytes = 0;
    int rc = 0;
    /* At least one page, empty if need be: a check also asks whether the service is empty. */
    for (uint32_t i = 0; rc == 0 && i <= n; i++) {
        size_t size = i < n ? encoded_size(&rows->via.array.ptr[i], &scratch) : 0;
        if (size > TP_TRANSFER_PAGE_BYTES) {
            snprintf(why, whylen, "%s %u of the file is larger than any this site makes", t->row,
                     i + 1);
            rc = -1;
        } else if (i == n || bytes + size > TP_TRANSFER_PAGE_BYTES ||
                   i - start == TP_IMPORT_ROWS_MAX) {
            if (i > start || n == 0)
                rc = send_page(t, rows, start, i, check, merge, ids, added, why, whylen);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    tp_w_free(&scratch);
    return rc;
}
