/* pages: anchors of the timeline's deep pages (see pages.h). */
#include "pages.h"

#include <stdlib.h>
#include <string.h>

#include "tp_buf.h"

typedef struct anchor {
    char date[16];
    int64_t id;
} anchor;

/* This thread's anchors and count: of which connection, as of which state of the database. */
static _Thread_local struct {
    tp_db *db;
    int64_t data_version, changes;
    bool anchored; /* at[] holds the anchors of that state */
    anchor *at;    /* at[k]: the talk at offset k * PAGES_STRIDE */
    size_t n, cap;
    int64_t total; /* everyone's talks in that state, or -1 until counted */
} mine;

/* What says whether the database changed: another connection's commits move data_version,
 * this one's writes total_changes. -1 on error. */
static int64_t data_version(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "PRAGMA data_version"));
}

/* Reads the anchors in one pass over talks_by_date; false on error or a date too long. */
static bool read_anchors(tp_db *db)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT date, id FROM talks ORDER BY date DESC, id DESC");
    mine.n = 0;
    int64_t row = 0;
    int rc;
    bool fits = true;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (row++ % PAGES_STRIDE) continue;
        const unsigned char *date = sqlite3_column_text(st, 0);
        int len = sqlite3_column_bytes(st, 0);
        if (!date || len >= (int)sizeof mine.at[0].date) {
            fits = false;
            break;
        }
        if (mine.n == mine.cap) {
            mine.cap = mine.cap ? mine.cap * 2 : 256;
            mine.at = tp_xrealloc(mine.at, mine.cap * sizeof *mine.at);
        }
        anchor *a = &mine.at[mine.n++];
        memcpy(a->date, date, (size_t)len);
        a->date[len] = '\0';
        a->id = sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) tp_db_error(db);
    sqlite3_reset(st);
    return fits && (rc == SQLITE_DONE || rc == SQLITE_ROW);
}

/* Whether what this thread keeps is of db as it is now; when not, it is forgotten. */
static bool current(tp_db *db)
{
    int64_t version = data_version(db);
    int64_t changes = sqlite3_total_changes64(tp_db_handle(db));
    if (version < 0) return false;
    if (mine.db != db || mine.data_version != version || mine.changes != changes) {
        mine.db = db;
        mine.data_version = version;
        mine.changes = changes;
        mine.anchored = false;
        mine.total = -1;
    }
    return true;
}

bool pages_anchor(tp_db *db, int64_t offset, page_anchor *out)
{
    if (!current(db)) return false;
    if (!mine.anchored) mine.anchored = read_anchors(db);
    size_t k = (size_t)(offset / PAGES_STRIDE);
    if (!mine.anchored || offset < 0 || k >= mine.n) return false;
    memcpy(out->date, mine.at[k].date, sizeof out->date);
    out->id = mine.at[k].id;
    out->skip = offset % PAGES_STRIDE;
    return true;
}

int64_t pages_total(tp_db *db)
{
    if (!current(db)) return -1;
    if (mine.total < 0)
        mine.total = tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM talks"));
    return mine.total;
}
