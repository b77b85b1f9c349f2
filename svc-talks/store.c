/* store: the SQL of svc-talks (see store.h). */
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pages.h"
#include "tp_transfer.h"
#include "tp_fmt.h"

/* Binds ?2..?12 in the order of the INSERTs and the UPDATE below. */
static void bind_fields(sqlite3_stmt *st, const talk_input *in)
{
    tp_db_bind_str(st, 2, in->title);
    tp_db_bind_str(st, 3, in->description);
    tp_db_bind_str(st, 4, in->venue);
    tp_db_bind_str(st, 5, in->venue_url);
    tp_db_bind_str(st, 6, in->date);
    sqlite3_bind_text(st, 7, in->slides.provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, in->slides.url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, in->slides.embed_url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, in->video.provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, in->video.url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, in->video.embed_url, -1, SQLITE_STATIC);
}

/* The same, and the time of the change as ?13. */
static void bind_input(sqlite3_stmt *st, const talk_input *in)
{
    bind_fields(st, in);
    sqlite3_bind_int64(st, 13, (int64_t)time(NULL));
}

/* The id a previous request with this rid created, 0 if none, -1 on error. */
static int64_t created_by(tp_db *db, tp_str rid)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT talk_id FROM created_by_request WHERE rid = ?1");
    tp_db_bind_str(st, 1, rid);
    int rc = sqlite3_step(st);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return id;
}

int store_talk_create(tp_db *db, int64_t author_id, const talk_input *in, tp_str rid, int64_t *id)
{
    if (tp_db_begin(db)) return tp_db_error(db);
    int64_t existing = rid.n ? created_by(db, rid) : 0;
    if (existing != 0) {
        tp_db_rollback(db);
        *id = existing;
        return existing > 0 ? 0 : -1;
    }
    sqlite3_stmt *st = tp_db_stmt(
        db, "INSERT INTO talks(author_id, title, description, venue, venue_url, date, "
            "slides_provider, slides_url, slides_embed, video_provider, video_url, video_embed, "
            "created_at, updated_at, speaker_name) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
            "?11, ?12, ?13, ?13, coalesce((SELECT name FROM speakers WHERE id = ?1), '')) "
            "RETURNING id");
    sqlite3_bind_int64(st, 1, author_id);
    bind_input(st, in);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) goto fail;
    if (rid.n) {
        st = tp_db_stmt(db, "INSERT INTO created_by_request(rid, talk_id) VALUES(?1, ?2)");
        tp_db_bind_str(st, 1, rid);
        sqlite3_bind_int64(st, 2, *id);
        if (tp_db_step_done(db, st)) goto fail;
    }
    if (tp_db_commit(db)) return tp_db_error(db);
    return 0;
fail:
    tp_db_error(db);
    tp_db_rollback(db);
    return -1;
}

int store_talk_update(tp_db *db, int64_t id, const talk_input *in)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "UPDATE talks SET title = ?2, description = ?3, venue = ?4, venue_url = ?5, date = ?6, "
            "slides_provider = ?7, slides_url = ?8, slides_embed = ?9, video_provider = ?10, "
            "video_url = ?11, video_embed = ?12, updated_at = ?13 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    bind_input(st, in);
    return tp_db_step_done(db, st);
}

int store_talk_author(tp_db *db, int64_t id, int64_t *author_id)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT author_id FROM talks WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *author_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

int store_talk_delete(tp_db *db, int64_t id, tp_str rid)
{
    if (tp_db_begin(db)) return tp_db_error(db);
    sqlite3_stmt *st = tp_db_stmt(db, "INSERT INTO talks_gone(talk_id, author_id, rid, deleted_at) "
                                      "SELECT id, author_id, ?2, ?3 FROM talks WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    tp_db_bind_str(st, 2, rid);
    sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
    if (tp_db_step_done(db, st)) goto fail;
    int found = sqlite3_changes(tp_db_handle(db)) > 0;
    st = tp_db_stmt(db, "DELETE FROM talks WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    if (tp_db_step_done(db, st)) goto fail;
    if (tp_db_commit(db)) return tp_db_error(db);
    return found;
fail:
    tp_db_rollback(db);
    return -1;
}

int store_gone_untold(tp_db *db, int64_t *ids, char (*rids)[STORE_RID_MAX + 1], int max)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT talk_id, rid FROM talks_gone WHERE told = 0 ORDER BY talk_id LIMIT ?1");
    sqlite3_bind_int(st, 1, max);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ids[n] = sqlite3_column_int64(st, 0);
        snprintf(rids[n], STORE_RID_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 1));
        n++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? n : tp_db_error(db);
}

int store_gone_told(tp_db *db, int64_t id)
{
    sqlite3_stmt *st = tp_db_stmt(db, "UPDATE talks_gone SET told = 1 WHERE talk_id = ?1");
    sqlite3_bind_int64(st, 1, id);
    return tp_db_step_done(db, st);
}

/* {provider, provider_title, url, embed_url}, or nil when the talk has none. */
static void write_media(tp_w *w, const char *key, sqlite3_stmt *st, int col)
{
    const char *provider = (const char *)sqlite3_column_text(st, col);
    tp_w_key(w, key);
    if (!provider || !*provider) {
        tp_w_nil(w);
        return;
    }
    tp_w_map_begin(w);
    tp_w_kstr(w, "provider", provider);
    tp_w_kstr(w, "provider_title", tp_embed_provider_title(provider));
    /* Templates cannot compare strings, so the two kinds that read differently say so: a PDF
     * is "the slides" only in the slides field, elsewhere a plain link. */
    bool pdf = strcmp(provider, "pdf") == 0, slides = strcmp(key, "slides") == 0;
    tp_w_kbool(w, "is_pdf", pdf && slides);
    tp_w_kbool(w, "is_link", strcmp(provider, "link") == 0 || (pdf && !slides));
    tp_db_write_text(w, "url", st, col + 1);
    tp_db_write_text(w, "embed_url", st, col + 2);
    tp_w_map_end(w);
}

void store_talk_fields(sqlite3_stmt *st, tp_w *w)
{
    tp_w_kint(w, "id", sqlite3_column_int64(st, 0));
    tp_w_kint(w, "author_id", sqlite3_column_int64(st, 1));
    tp_db_write_text(w, "title", st, 2);
    tp_db_write_text(w, "description", st, 3);
    tp_db_write_text(w, "venue", st, 4);
    tp_db_write_text(w, "venue_url", st, 5);
    tp_db_write_text(w, "date", st, 6);
    write_media(w, "slides", st, 7);
    write_media(w, "video", st, 10);
    tp_w_kint(w, "created_at", sqlite3_column_int64(st, 13));
    tp_w_kint(w, "updated_at", sqlite3_column_int64(st, 14));
}

/* The current row of a TALK_COLUMNS statement as a map. */
static void write_row(sqlite3_stmt *st, tp_w *w)
{
    tp_w_map_begin(w);
    store_talk_fields(st, w);
    tp_w_map_end(w);
}

int store_talk_get(tp_db *db, int64_t id, tp_w *w)
{
    enum { STATE_COLUMN = 15 }; /* after TALK_COLUMNS' fifteen */
    /* One statement, so the state is the one the talk was read in. */
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT " TALK_COLUMNS ", (SELECT state FROM talks_state) "
                                      "FROM talks WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        tp_w_key(w, "talk");
        write_row(st, w);
        tp_w_kint(w, "state", sqlite3_column_int64(st, STATE_COLUMN));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

int64_t store_talks_state(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT state FROM talks_state"));
}

int store_talk_titles(tp_db *db, const msgpack_object *ids, tp_w *w, const char *key)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT id, title FROM talks WHERE id = ?1");
    tp_w_key(w, key);
    tp_w_map_begin(w);
    for (uint32_t i = 0; i < ids->via.array.size; i++) {
        const msgpack_object *o = &ids->via.array.ptr[i];
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > INT64_MAX) continue;
        sqlite3_bind_int64(st, 1, (int64_t)o->via.u64);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            char k[TP_FMT_INT_SIZE];
            tp_fmt_u64(k, o->via.u64);
            tp_w_key(w, k);
            tp_w_map_begin(w);
            tp_w_kint(w, "id", sqlite3_column_int64(st, 0));
            tp_db_write_text(w, "title", st, 1);
            tp_w_map_end(w);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return tp_db_error(db);
    }
    tp_w_map_end(w);
    return 0;
}

int64_t store_talk_count(tp_db *db, int64_t author_id)
{
    /* Everyone's is counted once per change of talks.db (pages.h), one speaker's is a range of
     * talks_by_author; "?1 = 0 OR author_id = ?1" tested every talk for each list page. */
    if (!author_id) return pages_total(db);
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT count(*) FROM talks WHERE author_id = ?1");
    sqlite3_bind_int64(st, 1, author_id);
    return tp_db_step_int(db, st);
}

int store_talk_list(tp_db *db, int64_t author_id, int64_t offset, int64_t limit, tp_w *w,
                    const char *key)
{
    /* A deep page of everyone's starts at its anchor (pages.h): one search of talks_by_date,
     * then fewer than PAGES_STRIDE talks skipped. */
    page_anchor a;
    if (!author_id && offset >= PAGES_STRIDE && pages_anchor(db, offset, &a)) {
        sqlite3_stmt *st =
            tp_db_stmt(db, "SELECT " TALK_COLUMNS " FROM talks WHERE (date, id) <= "
                           "(?1, ?2) ORDER BY date DESC, id DESC LIMIT ?3 OFFSET ?4");
        sqlite3_bind_text(st, 1, a.date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, a.id);
        sqlite3_bind_int64(st, 3, limit);
        sqlite3_bind_int64(st, 4, a.skip);
        return tp_db_write_all(db, st, w, key, write_row);
    }
    /* Two statements rather than "?1 = 0 OR author_id = ?1", so each can use its index. */
    sqlite3_stmt *st =
        author_id ? tp_db_stmt(db, "SELECT " TALK_COLUMNS " FROM talks WHERE author_id = ?1 "
                                   "ORDER BY date DESC, id DESC LIMIT ?2 OFFSET ?3")
                  : tp_db_stmt(db, "SELECT " TALK_COLUMNS " FROM talks WHERE ?1 = 0 "
                                   "ORDER BY date DESC, id DESC LIMIT ?2 OFFSET ?3");
    sqlite3_bind_int64(st, 1, author_id);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    return tp_db_write_all(db, st, w, key, write_row);
}

int64_t store_speakers_seq(tp_db *db)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT coalesce(max(seq), 0) FROM speakers");
    return tp_db_step_int(db, st);
}

int store_speakers_forget_seq(tp_db *db)
{
    return tp_db_step_done(db, tp_db_stmt(db, "UPDATE speakers SET seq = 0"));
}

int store_speaker_put(tp_db *db, int64_t id, tp_str name, int64_t seq)
{
    sqlite3_stmt *st = tp_db_stmt(db, "INSERT INTO speakers(id, name, seq) VALUES(?1, ?2, ?3) "
                                      "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                                      "seq = excluded.seq");
    sqlite3_bind_int64(st, 1, id);
    tp_db_bind_str(st, 2, name);
    sqlite3_bind_int64(st, 3, seq);
    return tp_db_step_done(db, st);
}

int store_speakers_to_talks(tp_db *db, int64_t after)
{
    /* One statement for all of them, so FTS5 writes the index once (schema.h, migration 5); a
     * talk that has the name already is left alone, and so is its index entry. */
    sqlite3_stmt *st = tp_db_stmt(
        db, "UPDATE talks SET speaker_name = s.name FROM speakers AS s WHERE "
            "s.id = talks.author_id AND s.seq > ?1 AND talks.speaker_name IS NOT s.name");
    sqlite3_bind_int64(st, 1, after);
    return tp_db_step_done(db, st);
}

/* The current row of an export statement, as the export file has it: slides and video as the
 * address they link to, which import reads again through the embed rules. */
static void write_export_row(sqlite3_stmt *st, tp_w *w)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", sqlite3_column_int64(st, 0));
    tp_w_kint(w, "author_id", sqlite3_column_int64(st, 1));
    tp_db_write_text(w, "title", st, 2);
    tp_db_write_text(w, "description", st, 3);
    tp_db_write_text(w, "venue", st, 4);
    tp_db_write_text(w, "venue_url", st, 5);
    tp_db_write_text(w, "date", st, 6);
    tp_db_write_text(w, "slides", st, 7);
    tp_db_write_text(w, "video", st, 8);
    tp_w_kint(w, "created_at", sqlite3_column_int64(st, 9));
    tp_w_kint(w, "updated_at", sqlite3_column_int64(st, 10));
    tp_w_map_end(w);
}

int store_talks_export(tp_db *db, int64_t after, tp_w *w)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT id, author_id, title, description, venue, venue_url, "
                                      "date, slides_url, video_url, created_at, updated_at FROM "
                                      "talks WHERE id > ?1 ORDER BY id");
    sqlite3_bind_int64(st, 1, after);
    return tp_export_rows(db, st, w, write_export_row);
}

int64_t store_talks_count(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM talks"));
}

int store_talk_import(tp_db *db, const talk_row *r, tp_str key, bool merge, int64_t *id,
                      bool *added)
{
    *added = false;
    int64_t existing = key.n ? created_by(db, key) : 0;
    if (existing) {
        *id = existing;
        return existing > 0 ? 0 : -1;
    }
    /* With merge, a taken id (a deleted talk's too) is NULL: SQLite picks the next free one. The
     * speaker's name, for
     * search, as a creation takes it (svc-talks may have learned it before the talk came). */
    sqlite3_stmt *st = tp_db_stmt(
        db, "INSERT INTO talks(id, author_id, title, description, venue, venue_url, date, "
            "slides_provider, slides_url, slides_embed, video_provider, video_url, video_embed, "
            "created_at, updated_at, speaker_name) VALUES(CASE WHEN ?16 AND (EXISTS(SELECT 1 FROM "
            "talks WHERE id = ?1) OR EXISTS(SELECT 1 FROM talks_gone WHERE talk_id = ?1)) THEN "
            "NULL ELSE ?1 END, ?14, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
            "?11, ?12, ?13, ?15, coalesce((SELECT name FROM speakers WHERE id = ?14), '')) "
            "RETURNING id");
    sqlite3_bind_int64(st, 1, r->id);
    bind_fields(st, &r->in);
    sqlite3_bind_int64(st, 13, r->created_at);
    sqlite3_bind_int64(st, 14, r->author_id);
    sqlite3_bind_int64(st, 15, r->updated_at);
    sqlite3_bind_int(st, 16, merge);
    int rc = tp_import_insert(db, st, id);
    if (rc != 0) return rc;
    *added = true;
    if (!key.n) return 0;
    st = tp_db_stmt(db, "INSERT INTO created_by_request(rid, talk_id) VALUES(?1, ?2)");
    tp_db_bind_str(st, 1, key);
    sqlite3_bind_int64(st, 2, *id);
    return tp_db_step_done(db, st);
}
