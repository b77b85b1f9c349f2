/* import: `talksctl import FILE` (SPEC §3) — puts a site exported by talksctl export into an
 * empty one (docs/export-format.md); "-" reads standard input.
 *
 * Nothing is written until the whole file is known good: it is parsed (strict JSON, our
 * format's name and version, no field this version does not know), its rows are checked against
 * each other here (unique ids, addresses and usernames; every reference names a row of the
 * file), then every page is sent to its service as a check — each service checks its rows by
 * the rules of its forms and that it is empty — and only then is each page sent again to be
 * written. A file it does not understand is refused with one line and changes nothing. What
 * this cannot promise: a service that stops between the checks and the end leaves part of the
 * file in the site (the line says so; start again from an empty data folder). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "tp_json.h"
#include "transfer.h"

/* The largest file read: the whole document is held in memory, as JSON and as msgpack. */
#define FILE_MAX ((size_t)1 << 30)
#define WHY_MAX  1100

static int read_all(FILE *in, tp_buf *out)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        if (out->len + n > FILE_MAX) return -1;
        tp_buf_append(out, chunk, n);
    }
    return ferror(in) ? -1 : 0;
}

/* ---- checks across rows ---- */

typedef struct key {
    int64_t a, value;
    char *b; /* lower-cased as SQLite's NOCASE folds (ASCII only), or NULL */
} key;

static int compare_keys(const void *x, const void *y)
{
    const key *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return p->b && q->b ? strcmp(p->b, q->b) : 0;
}

static void keys_free(key *keys, uint32_t n)
{
    for (uint32_t i = 0; keys && i < n; i++) free(keys[i].b);
    free(keys);
}

/* The rows' keys — the integer field a (0 when NULL), then the text field b (when not NULL) —
 * sorted, each with the integer field value (when not NULL). NULL with why when a row lacks one
 * of them or two rows have the same key. */
static key *sorted_keys(const msgpack_object *rows, const transfer_table *t, const char *a,
                        const char *b, const char *value, char *why)
{
    uint32_t n = rows->via.array.size;
    key *keys = tp_xcalloc(n + 1, sizeof *keys);
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *row = &rows->via.array.ptr[i];
        tp_str s = {"", 0};
        if ((a && tp_get_int(row, a, 1, INT64_MAX, &keys[i].a)) ||
            (b && tp_get_str(row, b, 1024, &s)) ||
            (value && tp_get_int(row, value, 1, INT64_MAX, &keys[i].value))) {
            snprintf(why, WHY_MAX, "%s %" PRIu32 " of the file lacks a valid %s", t->row, i + 1,
                     a && b ? "talk_id or email"
                     : a    ? a
                            : b);
            keys_free(keys, n);
            return NULL;
        }
        if (b) {
            keys[i].b = tp_str_dup(s);
            for (char *c = keys[i].b; *c; c++) *c = (char)tolower((unsigned char)*c);
        }
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    for (uint32_t i = 1; i < n; i++) {
        if (compare_keys(&keys[i - 1], &keys[i]) == 0) {
            snprintf(why, WHY_MAX, "two %s have the same %s", t->name,
                     a && b ? "talk and email"
                     : b    ? b
                            : a);
            keys_free(keys, n);
            return NULL;
        }
    }
    return keys;
}

/* Rows are unique by id, users also by email and by username, subscriptions also by talk and
 * email: what each service's database would refuse, found before anything is written. */
static int check_unique(const msgpack_object *tables[TRANSFER_TABLES], char *why)
{
    static const struct {
        enum transfer_table_id table;
        const char *a, *b;
    } uniques[] = {
        {TRANSFER_USERS, "id", NULL},
        {TRANSFER_USERS, NULL, "email"},
        {TRANSFER_USERS, NULL, "username"},
        {TRANSFER_TALKS, "id", NULL},
        {TRANSFER_COMMENTS, "id", NULL},
        {TRANSFER_SUBSCRIPTIONS, "id", NULL},
        {TRANSFER_SUBSCRIPTIONS, "talk_id", "email"},
    };
    for (size_t u = 0; u < sizeof uniques / sizeof uniques[0]; u++) {
        const msgpack_object *rows = tables[uniques[u].table];
        key *keys = sorted_keys(rows, &transfer_tables[uniques[u].table], uniques[u].a,
                                uniques[u].b, NULL, why);
        if (!keys) return -1;
        keys_free(keys, rows->via.array.size);
    }
    return 0;
}

/* The value of the row whose id is id in keys (sorted by id), or -1 when there is none. */
static int64_t find(const key *keys, uint32_t n, int64_t id)
{
    key want = {.a = id};
    const key *k = bsearch(&want, keys, n, sizeof *keys, compare_keys);
    return k ? k->value : -1;
}

/* Every reference names a row of the file: a talk's speaker, a comment's talk (and that talk's
 * speaker, which a comment keeps) and its registered author, a subscription's talk. */
static int check_references(const msgpack_object *tables[TRANSFER_TABLES], char *why)
{
    const msgpack_object *users = tables[TRANSFER_USERS], *talks = tables[TRANSFER_TALKS];
    uint32_t nu = users->via.array.size, nt = talks->via.array.size;
    key *user_ids = sorted_keys(users, &transfer_tables[TRANSFER_USERS], "id", NULL, NULL, why);
    key *talk_authors =
        sorted_keys(talks, &transfer_tables[TRANSFER_TALKS], "id", NULL, "author_id", why);
    int rc = user_ids && talk_authors ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < nt; i++) {
        if (find(user_ids, nu, talk_authors[i].value) < 0) {
            snprintf(why, WHY_MAX, "talk %" PRId64 " names a speaker who is not in the file",
                     talk_authors[i].a);
            rc = -1;
        }
    }
    const msgpack_object *comments = tables[TRANSFER_COMMENTS];
    for (uint32_t i = 0; rc == 0 && i < comments->via.array.size; i++) {
        const msgpack_object *c = &comments->via.array.ptr[i];
        int64_t id = 0, talk = 0, talk_author = 0, author = 0;
        tp_get_int(c, "id", 1, INT64_MAX, &id);
        if (tp_get_int(c, "talk_id", 1, INT64_MAX, &talk) ||
            tp_get_int(c, "talk_author_id", 1, INT64_MAX, &talk_author) ||
            tp_get_int(c, "author_id", 0, INT64_MAX, &author) ||
            find(talk_authors, nt, talk) != talk_author ||
            (author && find(user_ids, nu, author) < 0)) {
            snprintf(why, WHY_MAX,
                     "comment %" PRId64 " names a talk, speaker or author that is "
                     "not in the file",
                     id);
            rc = -1;
        }
    }
    const msgpack_object *subscriptions = tables[TRANSFER_SUBSCRIPTIONS];
    for (uint32_t i = 0; rc == 0 && i < subscriptions->via.array.size; i++) {
        const msgpack_object *sub = &subscriptions->via.array.ptr[i];
        int64_t id = 0, talk = 0;
        tp_get_int(sub, "id", 1, INT64_MAX, &id);
        if (tp_get_int(sub, "talk_id", 1, INT64_MAX, &talk) || find(talk_authors, nt, talk) < 0) {
            snprintf(why, WHY_MAX, "subscription %" PRId64 " names a talk that is not in the file",
                     id);
            rc = -1;
        }
    }
    keys_free(user_ids, nu);
    keys_free(talk_authors, nt);
    return rc;
}

/* ---- the document ---- */

/* The four tables of the document root; -1 with why when it is not an export this talksctl
 * reads. */
static int read_document(const msgpack_object *root, const msgpack_object *tables[TRANSFER_TABLES],
                         char *why)
{
    int64_t version;
    tp_str format, stamp;
    if (root->type != MSGPACK_OBJECT_MAP || tp_get_str(root, "format", 64, &format) ||
        !tp_str_eq(format, TRANSFER_FORMAT)) {
        snprintf(why, WHY_MAX, "it is not a Talks export (no \"format\": \"%s\")", TRANSFER_FORMAT);
        return -1;
    }
    if (tp_get_int(root, "version", INT64_MIN, INT64_MAX, &version) ||
        version != TRANSFER_VERSION) {
        snprintf(why, WHY_MAX, "its version is not %d, the one this talksctl reads",
                 TRANSFER_VERSION);
        return -1;
    }
    if (tp_get_str(root, "exported_at", 64, &stamp)) {
        snprintf(why, WHY_MAX, "its exported_at is not text");
        return -1;
    }
    for (int t = 0; t < TRANSFER_TABLES; t++) {
        tables[t] = tp_map_get(root, transfer_tables[t].name);
        if (!tables[t] || tables[t]->type != MSGPACK_OBJECT_ARRAY) {
            snprintf(why, WHY_MAX, "it has no list of %s", transfer_tables[t].name);
            return -1;
        }
        for (uint32_t i = 0; i < tables[t]->via.array.size; i++) {
            if (tables[t]->via.array.ptr[i].type != MSGPACK_OBJECT_MAP) {
                snprintf(why, WHY_MAX, "%s %" PRIu32 " of the file is not an object",
                         transfer_tables[t].row, i + 1);
                return -1;
            }
        }
    }
    /* format, version, exported_at and the four tables, each once (a duplicate key counts). */
    if (root->via.map.size != 3 + TRANSFER_TABLES) {
        snprintf(why, WHY_MAX, "it has a field this version does not know");
        return -1;
    }
    return 0;
}

/* Checks every page with its service, then writes them; the counts of rows written. */
static int import_tables(const msgpack_object *tables[TRANSFER_TABLES], char *why)
{
    for (int pass = 0; pass < 2; pass++) {
        bool check = pass == 0;
        for (int t = 0; t < TRANSFER_TABLES; t++) {
            if (transfer_import(&transfer_tables[t], tables[t], check, false, NULL, NULL, why,
                                WHY_MAX) == 0)
                continue;
            if (check) return -1;
            fprintf(stderr,
                    "talksctl: the import stopped at the %s: %s; the site now holds part "
                    "of the file: start again from an empty data folder\n",
                    transfer_tables[t].name, why);
            return -2;
        }
    }
    return 0;
}

int cmd_import(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", IMPORT_USAGE);
        return 1;
    }
    const char *path = argv[1];
    bool from_stdin = strcmp(path, "-") == 0;
    FILE *in = from_stdin ? stdin : fopen(path, "rb");
    if (!in) {
        fprintf(stderr, "talksctl: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    tp_buf text = TP_BUF_INIT, packed = TP_BUF_INIT;
    char why[WHY_MAX] = "";
    int rc = read_all(in, &text);
    if (!from_stdin) fclose(in);
    if (rc != 0) snprintf(why, sizeof why, "it cannot be read, or is over 1 GiB");
    if (rc == 0 &&
        json_to_msgpack(text.data ? text.data : "", text.len, &packed, why, sizeof why) != 0)
        rc = -1;
    tp_buf_free(&text);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    const msgpack_object *tables[TRANSFER_TABLES];
    /* json_to_msgpack's output is well formed, its counts true: msgpack-c may read it whole. */
    if (rc == 0 &&
        (msgpack_unpack_next(&up, packed.data, packed.len, NULL) != MSGPACK_UNPACK_SUCCESS ||
         read_document(&up.data, tables, why) || check_unique(tables, why) ||
         check_references(tables, why)))
        rc = -1;
    if (rc == 0) rc = import_tables(tables, why);
    if (rc == -1)
        fprintf(stderr, "talksctl: %s is refused, nothing was changed: %s\n",
                from_stdin ? "the input" : path, why);
    else if (rc == 0)
        printf("Imported %" PRIu32 " users, %" PRIu32 " talks, %" PRIu32 " comments and %" PRIu32
               " subscriptions.\n",
               tables[TRANSFER_USERS]->via.array.size, tables[TRANSFER_TALKS]->via.array.size,
               tables[TRANSFER_COMMENTS]->via.array.size,
               tables[TRANSFER_SUBSCRIPTIONS]->via.array.size);
    msgpack_unpacked_destroy(&up);
    tp_buf_free(&packed);
    return rc == 0 ? 0 : 1;
}
