/* import_flask: `talksctl import-flask DB` (SPEC §3) — adds the site of the original Flask Talks
 * app, whose one SQLite file DB has the tables users, talks, comments and pending_emails, to this
 * one (docs/export-format.md says how each column is carried over).
 *
 * DB is outside input: it is opened read-only, each column must have the type that app wrote
 * (text, integer or NULL where it allowed one), every reference must name a row of DB, and each
 * row then passes the service's own checks (tp_transfer.h) — all of them before anything is
 * written; a file that fails any is refused with one line. The rows go in with merge: a user
 * whose email is here already is theirs (their talks and comments join that account), talks and
 * comments carry a key ("flask-talk-<id>", "flask-comment-<id>") so a second run adds nothing,
 * and a row keeps its id when it is free. Werkzeug password hashes are kept (svc-auth verifies
 * them and replaces them at the first login); comments' old body_html is never read: svc-comments
 * renders the Markdown again; slides and video go through the embed rules in svc-talks. Visitors
 * who ticked "notify" on a published comment are subscribed to its talk, as svc-mail would have
 * done. pending_emails are dropped and counted. */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "transfer.h"

#define WHY_MAX 1100

typedef struct flask {
    sqlite3 *db;
    const char *row; /* the kind of row being read, for messages: "user" */
    char why[WHY_MAX];
} flask;

/* ---- reading DB ---- */

/* The id of the row st is on (its first column), for messages. */
static int64_t row_id(sqlite3_stmt *st)
{
    return (int64_t)sqlite3_column_int64(st, 0);
}

/* Writes column col of st as key: text (NULL as "" when nullable) into w; -1 with why when it is
 * of another type. */
static int put_text(flask *f, tp_w *w, sqlite3_stmt *st, int col, const char *key, bool nullable)
{
    int type = sqlite3_column_type(st, col);
    if (type == SQLITE_TEXT || (nullable && type == SQLITE_NULL)) {
        tp_w_kstrn(w, key, (const char *)sqlite3_column_text(st, col) ?: "",
                   (size_t)sqlite3_column_bytes(st, col));
        return 0;
    }
    snprintf(f->why, WHY_MAX, "%s %" PRId64 ": %s is not text", f->row, row_id(st),
             sqlite3_column_name(st, col));
    return -1;
}

/* The integer in column col (NULL as dflt when nullable); -1 with why otherwise. */
static int get_int(flask *f, sqlite3_stmt *st, int col, bool nullable, int64_t dflt, int64_t *out)
{
    int type = sqlite3_column_type(st, col);
    *out = type == SQLITE_INTEGER ? sqlite3_column_int64(st, col) : dflt;
    if (type == SQLITE_INTEGER || (nullable && type == SQLITE_NULL)) return 0;
    snprintf(f->why, WHY_MAX, "%s %" PRId64 ": %s is not a number", f->row, row_id(st),
             sqlite3_column_name(st, col));
    return -1;
}

/* A boolean column (0 or 1; NULL is false) as key: bool. */
static int put_bool(flask *f, tp_w *w, sqlite3_stmt *st, int col, const char *key)
{
    int64_t v;
    if (get_int(f, st, col, true, 0, &v)) return -1;
    if (v != 0 && v != 1) {
        snprintf(f->why, WHY_MAX, "%s %" PRId64 ": %s is neither 0 nor 1", f->row, row_id(st), key);
        return -1;
    }
    tp_w_kbool(w, key, v == 1);
    return 0;
}

/* A DateTime column as SQLAlchemy writes it ("YYYY-MM-DD HH:MM:SS[.ffffff]", in UTC) as key:
 * seconds since 1970; NULL is 0 when nullable. */
static int put_time(flask *f, tp_w *w, sqlite3_stmt *st, int col, const char *key, bool nullable)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    struct tm tm = {0};
    int64_t t = 0;
    if (sqlite3_column_type(st, col) == SQLITE_NULL && nullable) {
        tp_w_kint(w, key, 0);
        return 0;
    }
    const char *end =
        sqlite3_column_type(st, col) == SQLITE_TEXT ? strptime(s, "%Y-%m-%d %H:%M:%S", &tm) : NULL;
    if (end && *end == '.') end += strspn(end + 1, "0123456789") + 1;
    if (end && *end == '\0' && tm.tm_year >= 70 && tm.tm_year < 8100) t = (int64_t)timegm(&tm);
    if (!end || *end != '\0' || t <= 0) {
        snprintf(f->why, WHY_MAX, "%s %" PRId64 ": %s is not a date and time", f->row, row_id(st),
                 sqlite3_column_name(st, col));
        return -1;
    }
    tp_w_kint(w, key, t);
    return 0;
}

/* Prepares sql on DB; NULL with why (a table or column the app had is missing, or DB is not
 * SQLite at all). */
static sqlite3_stmt *prepare(flask *f, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(f->db, sql, -1, &st, NULL) == SQLITE_OK) return st;
    snprintf(f->why, WHY_MAX, "it is not the Flask Talks app's database (%s)",
             sqlite3_errmsg(f->db));
    return NULL;
}

/* Runs st to its end, each row written by row(f, st, w) as a map of the array w holds open. */
static int read_rows(flask *f, sqlite3_stmt *st, tp_w *w,
                     int (*row)(flask *, sqlite3_stmt *, tp_w *))
{
    int rc = 0, step;
    tp_w_array_begin(w);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        tp_w_map_begin(w);
        rc = row(f, st, w);
        tp_w_map_end(w);
    }
    tp_w_array_end(w);
    if (rc == 0 && step != SQLITE_DONE) {
        snprintf(f->why, WHY_MAX, "it cannot be read (%s)", sqlite3_errmsg(f->db));
        rc = -1;
    }
    sqlite3_finalize(st);
    return rc;
}

static int user_row(flask *f, sqlite3_stmt *st, tp_w *w)
{
    int64_t id;
    if (get_int(f, st, 0, false, 0, &id)) return -1;
    tp_w_kint(w, "id", id);
    return put_text(f, w, st, 1, "email", false) || put_text(f, w, st, 2, "username", false) ||
                   put_text(f, w, st, 3, "password_hash", false) ||
                   put_bool(f, w, st, 4, "is_admin") || put_text(f, w, st, 5, "name", true) ||
                   put_text(f, w, st, 6, "location", true) || put_text(f, w, st, 7, "bio", true) ||
                   put_time(f, w, st, 8, "created_at", true)
               ? -1
               : 0;
}

static int talk_row(flask *f, sqlite3_stmt *st, tp_w *w)
{
    int64_t id, author;
    char key[48];
    if (get_int(f, st, 0, false, 0, &id) || get_int(f, st, 1, false, 0, &author)) return -1;
    snprintf(key, sizeof key, "flask-talk-%" PRId64, id);
    tp_w_kint(w, "id", id);
    tp_w_kint(w, "author_id", author);
    tp_w_kstr(w, "key", key);
    /* The app had no times of its own for a talk: its date stands for both. */
    tp_w_kint(w, "created_at", 0);
    tp_w_kint(w, "updated_at", 0);
    return put_text(f, w, st, 2, "title", false) || put_text(f, w, st, 3, "description", true) ||
                   put_text(f, w, st, 4, "slides", true) || put_text(f, w, st, 5, "video", true) ||
                   put_text(f, w, st, 6, "venue", false) ||
                   put_text(f, w, st, 7, "venue_url", true) || put_text(f, w, st, 8, "date", false)
               ? -1
               : 0;
}

/* Its talk's speaker and its registered author come from the joins: NULL there when the comment
 * names a talk or user that DB does not have. */
static int comment_row(flask *f, sqlite3_stmt *st, tp_w *w)
{
    int64_t id, talk, talk_author, author;
    char key[48];
    if (get_int(f, st, 0, false, 0, &id) || get_int(f, st, 1, false, 0, &talk) ||
        get_int(f, st, 2, true, 0, &author))
        return -1;
    bool dangling = sqlite3_column_type(st, 3) != SQLITE_INTEGER ||
                    (author && sqlite3_column_type(st, 4) == SQLITE_NULL);
    talk_author = sqlite3_column_int64(st, 3);
    if (dangling) {
        snprintf(f->why, WHY_MAX, "comment %" PRId64 " names a talk or user that is not there", id);
        return -1;
    }
    snprintf(key, sizeof key, "flask-comment-%" PRId64, id);
    tp_w_kint(w, "id", id);
    tp_w_kint(w, "talk_id", talk);
    tp_w_kint(w, "talk_author_id", talk_author);
    tp_w_kint(w, "author_id", author);
    tp_w_kstr(w, "key", key);
    /* A registered author is named as the site names them (name, else username), and gets no
     * mail of their own: the app's notify was a visitor's. */
    if (author) {
        tp_w_kstr(w, "author_email", "");
        tp_w_kbool(w, "notify", false);
    }
    return put_text(f, w, st, author ? 4 : 5, "author_name", !author) ||
                   (!author && (put_text(f, w, st, 6, "author_email", true) ||
                                put_bool(f, w, st, 7, "notify"))) ||
                   put_bool(f, w, st, 8, "approved") || put_text(f, w, st, 9, "body", false) ||
                   put_time(f, w, st, 10, "created_at", false)
               ? -1
               : 0;
}

/* Visitors who ticked "notify" on a published comment, once per talk and address (the first
 * comment's name). */
static int subscription_row(flask *f, sqlite3_stmt *st, tp_w *w)
{
    int64_t id, talk;
    if (get_int(f, st, 0, false, 0, &id) || get_int(f, st, 1, false, 0, &talk)) return -1;
    tp_w_kint(w, "id", id);
    tp_w_kint(w, "talk_id", talk);
    tp_w_kbool(w, "active", true);
    return put_text(f, w, st, 2, "email", false) || put_text(f, w, st, 3, "name", false) ? -1 : 0;
}

/* DB's four tables as msgpack arrays of rows in transfer's format (with DB's ids), in tables. */
static int read_flask(flask *f, tp_w tables[TRANSFER_TABLES], int64_t *pending)
{
    static const struct {
        const char *sql;
        int (*row)(flask *, sqlite3_stmt *, tp_w *);
    } reads[TRANSFER_TABLES] = {
        [TRANSFER_USERS] = {"SELECT id, email, username, password_hash, is_admin, name, location, "
                            "bio, member_since FROM users ORDER BY id",
                            user_row},
        [TRANSFER_TALKS] = {"SELECT id, user_id, title, description, slides, video, venue, "
                            "venue_url, date FROM talks ORDER BY id",
                            talk_row},
        [TRANSFER_COMMENTS] =
            {"SELECT c.id, c.talk_id, c.author_id, t.user_id, coalesce(nullif(u.name, ''), "
             "u.username), c.author_name, c.author_email, c.notify, c.approved, c.body, "
             "c.timestamp FROM comments c LEFT JOIN talks t ON t.id = c.talk_id LEFT JOIN users u "
             "ON u.id = c.author_id ORDER BY c.id",
             comment_row},
        [TRANSFER_SUBSCRIPTIONS] =
            {"SELECT min(id), talk_id, author_email, author_name FROM comments WHERE author_id "
             "IS NULL AND notify = 1 AND approved = 1 AND coalesce(author_email, '') != '' GROUP "
             "BY talk_id, lower(author_email) ORDER BY min(id)",
             subscription_row},
    };
    for (int t = 0; t < TRANSFER_TABLES; t++) {
        sqlite3_stmt *st = prepare(f, reads[t].sql);
        f->row = transfer_tables[t].row;
        if (!st || read_rows(f, st, &tables[t], reads[t].row)) return -1;
    }
    sqlite3_stmt *st = prepare(f, "SELECT count(*) FROM pending_emails");
    if (!st) return -1;
    *pending = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (*pending < 0) snprintf(f->why, WHY_MAX, "its pending_emails cannot be read");
    return *pending < 0 ? -1 : 0;
}

/* ---- adding to the site ---- */

/* The unpacked rows of each table, and what the services answered for each row. */
typedef struct site {
    msgpack_unpacked up[TRANSFER_TABLES];
    const msgpack_object *rows[TRANSFER_TABLES];
    int64_t *ids[TRANSFER_TABLES];
    bool *added[TRANSFER_TABLES];
} site;

/* The id in this site of DB's row old of table t (its rows are in id order), or 0. */
static int64_t new_id(const site *s, enum transfer_table_id t, int64_t old)
{
    uint32_t lo = 0, hi = s->rows[t]->via.array.size;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t id = 0;
        tp_get_int(&s->rows[t]->via.array.ptr[mid], "id", 1, INT64_MAX, &id);
        if (id == old) return s->ids[t][mid];
        if (id < old)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Replaces the integer under key in each row of table t by the id in this site of the row of
 * table of it names (0 stays 0: a visitor). The rows are ours: msgpack-c's objects may be
 * written. */
static void map_ids(site *s, enum transfer_table_id t, const char *key, enum transfer_table_id of)
{
    for (uint32_t i = 0; i < s->rows[t]->via.array.size; i++) {
        msgpack_object *v = (msgpack_object *)tp_map_get(&s->rows[t]->via.array.ptr[i], key);
        if (v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            v->via.u64 = (uint64_t)new_id(s, of, (int64_t)v->via.u64);
    }
}

/* Every reference names a row of DB: a talk's speaker (the comments' were checked by their
 * joins). */
static int check_speakers(site *s, char *why)
{
    for (uint32_t i = 0; i < s->rows[TRANSFER_TALKS]->via.array.size; i++) {
        const msgpack_object *talk = &s->rows[TRANSFER_TALKS]->via.array.ptr[i];
        int64_t id = 0, author = 0;
        tp_get_int(talk, "id", 1, INT64_MAX, &id);
        tp_get_int(talk, "author_id", 1, INT64_MAX, &author);
        bool found = false;
        for (uint32_t u = 0; u < s->rows[TRANSFER_USERS]->via.array.size && !found; u++) {
            int64_t uid = 0;
            tp_get_int(&s->rows[TRANSFER_USERS]->via.array.ptr[u], "id", 1, INT64_MAX, &uid);
            found = uid == author;
        }
        if (!found) {
            snprintf(why, WHY_MAX, "talk %" PRId64 " names a speaker who is not there", id);
            return -1;
        }
    }
    return 0;
}

/* Checks every table with its service, then adds them in order, each with the ids the tables
 * before it got. 0; -1 (nothing written) or -2 (stopped part way) with why. */
static int add_site(site *s, char *why)
{
    static const struct {
        enum transfer_table_id table;
        const char *key;
        enum transfer_table_id of;
    } refs[] = {{TRANSFER_TALKS, "author_id", TRANSFER_USERS},
                {TRANSFER_COMMENTS, "talk_id", TRANSFER_TALKS},
                {TRANSFER_COMMENTS, "talk_author_id", TRANSFER_USERS},
                {TRANSFER_COMMENTS, "author_id", TRANSFER_USERS},
                {TRANSFER_SUBSCRIPTIONS, "talk_id", TRANSFER_TALKS}};
    for (int t = 0; t < TRANSFER_TABLES; t++)
        if (transfer_import(&transfer_tables[t], s->rows[t], true, true, NULL, NULL, why, WHY_MAX))
            return -1;
    for (int t = 0; t < TRANSFER_TABLES; t++) {
        for (size_t r = 0; r < sizeof refs / sizeof refs[0]; r++)
            if (refs[r].table == (enum transfer_table_id)t) map_ids(s, t, refs[r].key, refs[r].of);
        if (transfer_import(&transfer_tables[t], s->rows[t], false, true, s->ids[t], s->added[t],
                            why, WHY_MAX))
            return -2;
    }
    return 0;
}

static void report(const site *s, const char *path, int64_t pending)
{
    printf("Imported from %s:\n", path);
    for (int t = 0; t < TRANSFER_TABLES; t++) {
        uint32_t n = s->rows[t]->via.array.size, added = 0, moved = 0;
        for (uint32_t i = 0; i < n; i++) {
            int64_t old = 0;
            tp_get_int(&s->rows[t]->via.array.ptr[i], "id", 1, INT64_MAX, &old);
            added += s->added[t][i];
            moved += s->added[t][i] && s->ids[t][i] != old;
        }
        printf("  %s: %" PRIu32 " added (%" PRIu32 " with a new id: theirs was taken), %" PRIu32
               " skipped (here already)\n",
               transfer_tables[t].name, added, moved, n - added);
    }
    printf("  pending emails: %" PRId64 " dropped (the old app never sent them)\n", pending);
}

int cmd_import_flask(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", IMPORT_FLASK_USAGE);
        return 1;
    }
    const char *path = argv[1];
    flask f = {.why = ""};
    site s = {0};
    tp_w tables[TRANSFER_TABLES];
    int64_t pending = 0;
    struct stat st;
    int rc = 0;
    /* SQLite would make an empty database of a path that does not exist; read-only, never. */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(f.why, WHY_MAX, "it is not a file");
        rc = -1;
    } else if (sqlite3_open_v2(path, &f.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(f.why, WHY_MAX, "it cannot be opened (%s)", sqlite3_errmsg(f.db));
        rc = -1;
    }
    for (int t = 0; t < TRANSFER_TABLES; t++) tp_w_init(&tables[t]);
    if (rc == 0) rc = read_flask(&f, tables, &pending);
    sqlite3_close(f.db);
    for (int t = 0; t < TRANSFER_TABLES; t++) {
        msgpack_unpacked_init(&s.up[t]);
        /* Our own encoding, well formed: msgpack-c may read it whole. */
        if (rc == 0 && msgpack_unpack_next(&s.up[t], tables[t].buf.data, tables[t].buf.len, NULL) !=
                           MSGPACK_UNPACK_SUCCESS)
            rc = -1;
        s.rows[t] = &s.up[t].data;
        uint32_t n = rc == 0 ? s.rows[t]->via.array.size : 0;
        s.ids[t] = tp_xcalloc(n + 1, sizeof *s.ids[t]);
        s.added[t] = tp_xcalloc(n + 1, sizeof *s.added[t]);
    }
    if (rc == 0) rc = check_speakers(&s, f.why);
    if (rc == 0) rc = add_site(&s, f.why);
    if (rc == 0)
        report(&s, path, pending);
    else if (rc == -1)
        fprintf(stderr, "talksctl: %s is refused, nothing was changed: %s\n", path, f.why);
    else
        fprintf(stderr,
                "talksctl: the import of %s stopped part way: %s; running it again adds "
                "what is missing\n",
                path, f.why);
    for (int t = 0; t < TRANSFER_TABLES; t++) {
        msgpack_unpacked_destroy(&s.up[t]);
        tp_w_free(&tables[t]);
        free(s.ids[t]);
        free(s.added[t]);
    }
    return rc == 0 ? 0 : 1;
}
