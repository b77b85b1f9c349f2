/* Unit tests for proto/tp_backup.c: where a service may write its copy, what is read back from
 * a copy, renaming without replacing, and the op itself outside the service loop. */
#include "tp_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "tp_db.h"

static char root[64]; /* a fresh folder under /tmp for each case */

static void make_root(void)
{
    snprintf(root, sizeof root, "/tmp/talks-backup-test.XXXXXX");
    if (!mkdtemp(root)) abort();
}

static void remove_root(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* A path made of root and the rest (the last four stay valid, for calls with several). */
static const char *at(const char *rest)
{
    static char paths[4][256];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, sizeof paths[0], "%s%s", root, rest);
    return path;
}

static void the_path_must_be_a_new_file_named_as_the_database(void)
{
    make_root();
    CHECK(mkdir(at("/dir"), 0700) == 0);
    write_file(at("/dir/existing.db"), "x");
    write_file(at("/file"), "x");
    CHECK(symlink("/nowhere", at("/dir/dangling.db")) == 0);
    char err[512];
    static const struct {
        const char *rest, *file, *why; /* why: NULL when allowed */
    } cases[] = {
        {"/dir/auth.db", "auth.db", NULL},
        {"/dir/talks.db", "talks.db", NULL},
        {"/dir/talks.db", "auth.db", "must be named auth.db"}, /* another service's name */
        {"/dir/auth.db.tmp", "auth.db", "must be named auth.db"},
        {"/dir/existing.db", "existing.db", "exists already"},
        {"/dir/dangling.db", "dangling.db", "exists already"}, /* a link is something */
        {"/dir/../dir/auth.db", "auth.db", "component"},
        {"/dir/./auth.db", "auth.db", "component"},
        {"/dir//auth.db", "auth.db", "component"},
        {"/dir/auth.db/", "auth.db", "component"},
        {"/missing/auth.db", "auth.db", "No such file"},
        {"/file/auth.db", "auth.db", "not a folder"},
        {"/dir/notes.txt", "notes.txt", "must be named"}, /* a database's name ends in .db */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        int rv = tp_backup_path_check(at(cases[i].rest), cases[i].file, err, sizeof err);
        if (!cases[i].why) {
            CHECK(rv == 0);
        } else {
            CHECK(rv == -1 && strstr(err, cases[i].why));
            if (!strstr(err, cases[i].why)) fprintf(stderr, "  %s: %s\n", cases[i].rest, err);
        }
    }
    CHECK(tp_backup_path_check("dir/auth.db", "auth.db", err, sizeof err) == -1 &&
          strstr(err, "absolute"));
    CHECK(tp_backup_path_check("/tmp/a\nb/auth.db", "auth.db", err, sizeof err) == -1 &&
          strstr(err, "control character"));
    char longer[5000];
    memset(longer, 'a', sizeof longer - 1);
    longer[0] = '/';
    longer[sizeof longer - 1] = '\0';
    CHECK(tp_backup_path_check(longer, "auth.db", err, sizeof err) == -1 && strstr(err, "long"));
    remove_root();
}

static void reading_a_copy_gives_its_size_hash_and_schema_version(void)
{
    make_root();
    char err[256];
    tp_db *db = tp_db_open(at("/v.db"), (const char *const[]){"CREATE TABLE t(x);", "SELECT 1;"}, 2,
                           err, sizeof err);
    CHECK(db != NULL);
    tp_db_close(db);
    tp_backup_file f;
    CHECK(tp_backup_file_read(at("/v.db"), &f, err, sizeof err) == 0);
    CHECK(f.schema_version == 2);

    /* The hash and size are those of the bytes on disk. */
    FILE *in = fopen(at("/v.db"), "rb");
    unsigned char buf[1 << 16], digest[crypto_hash_sha256_BYTES];
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    crypto_hash_sha256(digest, buf, n);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    CHECK_STR_EQ(f.sha256, hex);
    CHECK(f.size == (int64_t)n);

    write_file(at("/text.db"), "SQLite format 2, or rather not a database at all: some text that "
                               "is long enough to have a header's worth of bytes in it.");
    CHECK(tp_backup_file_read(at("/text.db"), &f, err, sizeof err) == -1 &&
          strstr(err, "not a SQLite database"));
    CHECK(symlink(at("/v.db"), at("/link.db")) == 0);
    CHECK(tp_backup_file_read(at("/link.db"), &f, err, sizeof err) == -1);
    CHECK(tp_backup_file_read(at("/missing.db"), &f, err, sizeof err) == -1 &&
          strstr(err, "No such file"));
    remove_root();
}

static void renaming_never_replaces(void)
{
    make_root();
    write_file(at("/a"), "a");
    write_file(at("/b"), "b");
    CHECK(tp_backup_rename_new(at("/a"), at("/b")) == -1 && errno == EEXIST);
    CHECK(access(at("/a"), F_OK) == 0);
    CHECK(tp_backup_rename_new(at("/a"), at("/c")) == 0);
    CHECK(access(at("/a"), F_OK) != 0 && access(at("/c"), F_OK) == 0);
    /* Folders: a finished backup is never replaced, even an empty one. */
    CHECK(mkdir(at("/d1"), 0700) == 0 && mkdir(at("/d2"), 0700) == 0);
    CHECK(tp_backup_rename_new(at("/d1"), at("/d2")) == -1 && errno == EEXIST);
    CHECK(tp_backup_rename_new(at("/d1"), at("/d3")) == 0);
    CHECK(tp_backup_sync_dir(root) == 0);
    remove_root();
}

/* The op outside the service loop: a refused path answers "invalid" and writes nothing; a good
 * one makes the file and nothing else. */
static void the_op_writes_the_copy_and_nothing_else(void)
{
    make_root();
    char err[256], path[256];
    static const char *const migrations[] = {"CREATE TABLE t(x); INSERT INTO t VALUES (42);"};
    CHECK(mkdir(at("/data"), 0700) == 0 && mkdir(at("/out"), 0700) == 0);
    snprintf(path, sizeof path, "%s/data/auth.db", root);
    tp_db *db = tp_db_open(path, migrations, 1, err, sizeof err);
    CHECK(db != NULL);
    if (!db) return;
    static const char *const refused[] = {"/out/talks.db", "/nowhere/auth.db", "/data/auth.db"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        tp_w req, out;
        tp_msg msg;
        tp_w_init(&req);
        tp_w_init(&out);
        tp_w_request(&req, "auth.backup", "t");
        tp_w_kstr(&req, "path", at(refused[i]));
        tp_w_map_end(&req);
        CHECK(tp_msg_parse(&msg, req.buf.data, req.buf.len) == 0);
        tp_call c = {.msg = msg.root, .out = &out, .db = db};
        tp_w_map_begin(&out);
        CHECK(tp_backup_op(&c) == TP_EINVAL);
        tp_msg_free(&msg);
        tp_w_free(&req);
        tp_w_free(&out);
    }
    tp_w req, out;
    tp_msg msg;
    tp_w_init(&req);
    tp_w_init(&out);
    tp_w_request(&req, "auth.backup", "t");
    tp_w_kstr(&req, "path", at("/out/auth.db"));
    tp_w_map_end(&req);
    CHECK(tp_msg_parse(&msg, req.buf.data, req.buf.len) == 0);
    tp_call c = {.msg = msg.root, .out = &out, .db = db};
    tp_w_map_begin(&out);
    CHECK(tp_backup_op(&c) == TP_OK);
    tp_msg_free(&msg);
    tp_w_free(&req);
    tp_w_free(&out);
    tp_db_close(db);
    /* Only the copy is in the folder: no temporary file, no journal. */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s/out')\" = auth.db", root);
    CHECK(system(cmd) == 0);
    tp_db *copy = tp_db_open(at("/out/auth.db"), migrations, 1, err, sizeof err);
    CHECK(copy && tp_db_step_int(copy, tp_db_stmt(copy, "SELECT x FROM t")) == 42);
    tp_db_close(copy);
    remove_root();
}

static const check_case cases[] = {
    CASE(the_path_must_be_a_new_file_named_as_the_database),
    CASE(reading_a_copy_gives_its_size_hash_and_schema_version),
    CASE(renaming_never_replaces),
    CASE(the_op_writes_the_copy_and_nothing_else),
};

CHECK_MAIN("tp_backup", cases)
