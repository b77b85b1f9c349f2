/* pages: anchors of the timeline's deep pages (see pages.h). */
#include "pages.h"

#include <stdlib.h>
#include <string.h>

#include "tp_buf.h"

typedef struct anchor {
    char date[16];
    int64_t id;
} anchor;

/* A connection's anchors and count, as of which state of the database (kept beside it:
 * tp_db_kept, freed when it closes). */
typedef struct kept {
    bool known; /* data_version and changes say of which state the rest is */
    int64_t data_version, changes;
    bool read;     /* the anchors of that state were read (or could not be) */
    bool anchored; /* at[] holds them */
    anchor *at;    /* at[k]: the talk at offset k * PAGES_STRIDE */
    size_t n, cap;
    int64_t total; /* everyone's talks in that state, or -1 until counted */
} kept;

static void kept_free(void *p)
{
    free(((kept *)p)->at);
    free(p);
}

/* What says whether the database changed: another connection's commits move data_version,
 * this one's writes total_changes. -1 on error. */
static int64_t data_version(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "PRAGMA data_version"));
}

/* Reads the anchors in one pass over talks_by_date; false on error or a date too long. */
static bool read_anchors(tp_db *db, kept *mine)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT date, id FROM talks ORDER BY date DESC, id DESC");
    mine->n = 0;
    int64_t row = 0;
    int rc;
    bool fits = true;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (row++ % PAGES_STRIDE) continue;
        const unsigned char *date = sqlite3_column_text(st, 0);
        int len = sqlite3_column_bytes(st, 0);
        if (!date || len >= (int)sizeof mine->at[0].date) {
            fits = false;
            break;
        }
        if (mine->n == mine->cap) {
            mine->cap = mine->cap ? mine->cap * 2 : 256;
            mine->at = tp_xrealloc(mine->at, mine->cap * sizeof *mine->at);
        }
        anchor *a = &mine->at[mine->n++];
        memcpy(a->date, date, (size_t)len);
        a->date[len] = '\0';
        a->id = sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) tp_db_error(db);
    sqlite3_reset(st);
    return fits && (rc == SQLITE_DONE || rc == SQLITE_ROW);
}

/* What db keeps, when it is of db as it is now (else forgotten first); NULL on error. */
static kept *current(tp_db *db)
{
    kept *mine = tp_db_kept(db, sizeof(kept), kept_free);
    int64_t version = data_version(db);
    int64_t changes = sqlite3_total_changes64(tp_db_handle(db));
    if (version < 0) return NULL;
    if (!mine->known || mine->data_version != version || mine->changes != changes) {
        mine->known = true;
        mine->data_version = version;
        mine->changes = changes;
        mine->read = mine->anchored = false;
        mine->total = -1;
    }
    return mine;
}

bool pages_anchor(tp_db *db, int64_t offset, page_anchor *out)
{
    kept *mine = current(db);
    if (!mine) return false;
    if (!mine->read) { /* once a state: a state whose anchors cannot be read uses OFFSET */
        mine->anchored = read_anchors(db, mine);
        mine->read = true;
    }
    size_t k = (size_t)(offset / PAGES_STRIDE);
    if (!mine->anchored || offset < 0 || k >= mine->n) return false;
    memcpy(out->date, mine->at[k].date, sizeof out->date);
    out->id = mine->at[k].id;
    out->skip = offset % PAGES_STRIDE;
    return true;
}

int64_t pages_total(tp_db *db)
{
    kept *mine = current(db);
    if (!mine) return -1;
    if (mine->total < 0)
        mine->total = tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM talks"));
    return mine->total;
}
