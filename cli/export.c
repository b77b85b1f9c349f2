/* export: `talksctl export FILE` (SPEC §3) — the whole site as one JSON document
 * (docs/export-format.md), written as it is read: each service pages its own rows out
 * (transfer.h), so a site of any size takes little memory. FILE is written under a temporary
 * name beside it and renamed once whole, so a failed export leaves no half file; "-" is
 * standard output.
 *
 * The tables are read children first — subscriptions, comments, talks, users — so a row written
 * while the export runs never names a parent missing from the file: a parent is made before its
 * children, and is read after them. (A talk deleted meanwhile can still leave its comments
 * behind; then import refuses the file, and the export is run again.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "tp_json.h"
#include "transfer.h"

typedef struct writing {
    FILE *out;
    tp_buf line;
    bool first;
} writing;

/* One row a line: a diff of two exports reads row by row. */
static int write_row(const msgpack_object *row, void *arg)
{
    writing *w = arg;
    tp_buf_reset(&w->line);
    tp_buf_puts(&w->line, w->first ? "\n" : ",\n");
    json_from_msgpack(row, &w->line);
    w->first = false;
    return fwrite(w->line.data, 1, w->line.len, w->out) == w->line.len ? 0 : -1;
}

static int write_site(FILE *out)
{
    static const enum transfer_table_id order[] = {TRANSFER_SUBSCRIPTIONS, TRANSFER_COMMENTS,
                                                   TRANSFER_TALKS, TRANSFER_USERS};
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    fprintf(out, "{\"format\": \"%s\", \"version\": %d, \"exported_at\": \"%s\"", TRANSFER_FORMAT,
            TRANSFER_VERSION, stamp);
    writing w = {.out = out};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof order / sizeof order[0]; i++) {
        const transfer_table *t = &transfer_tables[order[i]];
        fprintf(out, ",\n\"%s\": [", t->name);
        w.first = true;
        rc = transfer_export(t, write_row, &w);
        fputs(w.first ? "]" : "\n]", out);
    }
    fputs("}\n", out);
    tp_buf_free(&w.line);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", EXPORT_USAGE);
        return 1;
    }
    const char *path = argv[1];
    if (strcmp(path, "-") == 0) {
        int rc = write_site(stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "talksctl: cannot write the export: %s\n", strerror(errno));
            return 1;
        }
        return rc ? 1 : 0;
    }
    size_t n = strlen(path) + 16;
    char *tmp = tp_xmalloc(n);
    snprintf(tmp, n, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        fprintf(stderr, "talksctl: cannot write %s: %s\n", path, strerror(errno));
        if (fd >= 0) close(fd);
        free(tmp);
        return 1;
    }
    int rc = write_site(out);
    int saved = 0;
    if (rc == 0 && (fflush(out) != 0 || fsync(fileno(out)) != 0)) rc = -1, saved = errno;
    if (fclose(out) != 0 && rc == 0) rc = -1, saved = errno;
    if (rc == 0 && rename(tmp, path) != 0) rc = -1, saved = errno;
    if (rc != 0) {
        if (saved) fprintf(stderr, "talksctl: cannot write %s: %s\n", path, strerror(saved));
        unlink(tmp);
    }
    free(tmp);
    return rc ? 1 : 0;
}
