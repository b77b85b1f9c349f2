/* backup: `talksctl backup DIR [--keep N] [--only SERVICES]` (SPEC §3) — asks each service to
 * copy its own database into a new folder DIR/<timestamp>.partial (the "<service>.backup" op,
 * proto/tp_backup.h: an online copy of one commit, while the service keeps serving), checks each
 * copy, writes manifest.json, renames the folder DIR/<timestamp>, then keeps the newest N.
 *
 * On one machine every control socket is under the data folder, and one run copies all four
 * databases. In the compose stack each service has its own container, with only its own control
 * socket: there `--only auth` (run inside svc-auth's container, DIR a folder mounted there) copies
 * that one. A service that cannot be reached, or whose copy fails, fails the whole run: one line
 * names each, exit 1, and nothing is kept (the .partial folder is removed). Rotation renames
 * a folder <stamp>.removing before emptying it, so what it could not remove is not a backup. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "tp_backup.h"
#include "tp_buf.h"
#include "tp_json.h"
#include "tp_svc.h"

/* How long one service's copy may take: about a second per 100 MB on a plain disk. */
#define COPY_TIMEOUT_MS (30 * 60 * 1000)
/* A second run within the same second waits for the next one, at most this many times. */
#define STAMP_TRIES 3
#define KEEP_MAX    100000

#ifndef TALKS_VERSION
#define TALKS_VERSION "" /* the Makefile sets it from git describe when it can */
#endif

const backup_service backup_services[BACKUP_SERVICES] = {
    {"mail", TP_ROLE_MAIL, TALKS_CTL_MAIL, "mail.db", TP_OP_MAIL_BACKUP},
    {"comments", TP_ROLE_COMMENTS, TALKS_CTL_COMMENTS, "comments.db", TP_OP_COMMENTS_BACKUP},
    {"talks", TP_ROLE_TALKS, TALKS_CTL_TALKS, "talks.db", TP_OP_TALKS_BACKUP},
    {"auth", TP_ROLE_AUTH, TALKS_CTL_AUTH, "auth.db", TP_OP_AUTH_BACKUP},
};

const backup_service *backup_service_named(const char *name, size_t n)
{
    for (int i = 0; i < BACKUP_SERVICES; i++)
        if (strlen(backup_services[i].name) == n && memcmp(backup_services[i].name, name, n) == 0)
            return &backup_services[i];
    return NULL;
}

bool backup_is_stamp(const char *name)
{
    static const char shape[] = "00000000T000000Z"; /* 0: a digit */
    if (strlen(name) != BACKUP_STAMP_LEN) return false;
    for (int i = 0; i < BACKUP_STAMP_LEN; i++)
        if (shape[i] == '0' ? name[i] < '0' || name[i] > '9' : name[i] != shape[i]) return false;
    return true;
}

/* Removes the folder path and the files in it (not folders: none of ours holds any). */
static int remove_folder(const char *path, char *err, size_t errlen)
{
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, errlen, "%.400s: %.400s", path, strerror(errno));
        return -1;
    }
    int fd = dirfd(d), rv = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (unlinkat(fd, e->d_name, 0) != 0) {
            snprintf(err, errlen, "%.400s/%.400s: %.400s", path, e->d_name,
                     errno == EISDIR ? "a folder: not ours, left alone" : strerror(errno));
            rv = -1;
            break;
        }
    }
    closedir(d);
    if (rv == 0 && rmdir(path) != 0) {
        snprintf(err, errlen, "%.400s: %.400s", path, strerror(errno));
        rv = -1;
    }
    return rv;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int backup_rotate(const char *dir, int keep, const char *also, int *removed, char *err,
                  size_t errlen)
{
    *removed = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%.400s: %.400s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    struct stat st;
    while ((e = readdir(d))) {
        if (!backup_is_stamp(e->d_name)) continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
            continue; /* a file or a link named like a backup is not one */
        if (n == cap) names = tp_xrealloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
        names[n++] = tp_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare_names);
    int rv = 0;
    /* Stamps sort as times: the first n - keep are the oldest. */
    for (size_t i = 0; i + (size_t)keep < n && rv == 0; i++) {
        if (also && strcmp(names[i], also) == 0) continue;
        /* Renamed first: a folder that cannot be emptied is then no longer named as a backup. */
        char path[PATH_MAX], gone[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(gone, sizeof gone, "%s.removing", path);
        if (rename(path, gone) != 0) {
            snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
            rv = -1;
        } else if ((rv = remove_folder(gone, err, errlen)) == 0) {
            ++*removed;
        }
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (rv == 0 && *removed && tp_backup_sync_dir(dir) != 0) {
        snprintf(err, errlen, "%.400s: %.400s", dir, strerror(errno));
        rv = -1;
    }
    return rv;
}

static void utc(time_t t, const char *format, char *out, size_t outlen)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, format, &tm);
}

/* Makes DIR/<stamp>.partial for a stamp no backup has: 0 with the stamp, or -1 (err). A run in
 * the same second as another waits for the next second. */
static int make_partial(const char *dir, char stamp[BACKUP_STAMP_LEN + 1], char *partial,
                        size_t partlen, char *err, size_t errlen)
{
    for (int tries = 0; tries < STAMP_TRIES; tries++) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        utc(now.tv_sec, "%Y%m%dT%H%M%SZ", stamp, BACKUP_STAMP_LEN + 1);
        char done[PATH_MAX + 32];
        snprintf(done, sizeof done, "%s/%s", dir, stamp);
        snprintf(partial, partlen, "%s/%s.partial", dir, stamp);
        struct stat st;
        if (lstat(done, &st) != 0) {
            if (mkdir(partial, 0700) == 0) return 0;
            if (errno != EEXIST) {
                snprintf(err, errlen, "cannot write in %.400s (%.400s)", dir, strerror(errno));
                return -1;
            }
        }
        struct timespec pause = {0, 1000000000L - now.tv_nsec + 1000000L};
        if (pause.tv_nsec >= 1000000000L) pause = (struct timespec){1, 0};
        nanosleep(&pause, NULL);
    }
    snprintf(err, errlen, "%.400s: a backup is being made there already", dir);
    return -1;
}

/* Copies one service's database to folder/<file> and checks the copy: 0 with its entry added to
 * the manifest's list, or -1 with why in err. */
static int copy_one(const backup_service *s, const char *folder, tp_w *list, char *err,
                    size_t errlen)
{
    char path[PATH_MAX + 96], rid[32], why[768];
    snprintf(path, sizeof path, "%s/%s", folder, s->file);
    snprintf(rid, sizeof rid, "backup-%ld", (long)getpid());
    tp_w req;
    tp_w_init(&req);
    /* every service's backup takes the same fields (TP_BACKUP_IN) */
    tp_w_call(&req, s->backup, rid, &(struct tp_in_TP_OP_AUTH_BACKUP){.path = tp_s(path)});
    tp_msg reply;
    int rv = tp_request(s->ctl, s->role, &req.buf, COPY_TIMEOUT_MS, &reply, why, sizeof why);
    tp_w_free(&req);
    if (rv != 0) {
        snprintf(err, errlen, "svc-%.400s unreachable (%.400s)", s->name, why);
        return -1;
    }
    bool ok = false;
    tp_str msg = {"", 0}, sha = {"", 0};
    int64_t size = -1, version = -1;
    tp_get_bool(reply.root, "ok", &ok);
    tp_opt_str(reply.root, "msg", 512, &msg);
    if (!ok) {
        snprintf(err, errlen, "svc-%.400s: %.*s", s->name, (int)msg.n, msg.p);
        tp_msg_free(&reply);
        return -1;
    }
    tp_backup_file f;
    if (tp_get_str(reply.root, "sha256", 64, &sha) ||
        tp_get_int(reply.root, "size", 0, INT64_MAX, &size) ||
        tp_get_int(reply.root, "schema_version", INT32_MIN, INT32_MAX, &version)) {
        snprintf(err, errlen, "svc-%.400s answered without the copy's size, hash or version",
                 s->name);
        rv = -1;
    } else if (tp_backup_file_read(path, &f, why, sizeof why) != 0) {
        snprintf(err, errlen, "svc-%.400s: %.400s", s->name, why);
        rv = -1;
    } else if (!tp_str_eq(sha, f.sha256) || size != f.size || version != f.schema_version) {
        snprintf(err, errlen, "svc-%.400s: %.400s is not the copy it made", s->name, path);
        rv = -1;
    }
    tp_msg_free(&reply);
    if (rv != 0) return -1;
    char when[32];
    utc(time(NULL), "%Y-%m-%dT%H:%M:%SZ", when, sizeof when);
    tp_w_map_begin(list);
    tp_w_kstr(list, "file", s->file);
    tp_w_kstr(list, "service", s->name);
    tp_w_kint(list, "size", f.size);
    tp_w_kstr(list, "sha256", f.sha256);
    tp_w_kint(list, "schema_version", f.schema_version);
    tp_w_kstr(list, "time", when);
    tp_w_map_end(list);
    return 0;
}

/* Writes folder/manifest.json (the manifest's msgpack as JSON) and fsyncs it. */
static int write_manifest(const char *folder, const tp_w *manifest, char *err, size_t errlen)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/manifest.json", folder);
    tp_msg m;
    if (tp_msg_parse(&m, manifest->buf.data, manifest->buf.len) != 0) {
        snprintf(err, errlen, "cannot make the manifest");
        return -1;
    }
    tp_buf json = {0};
    json_from_msgpack(m.root, &json);
    tp_msg_free(&m);
    tp_buf_putc(&json, '\n');
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rv = fd >= 0 && write(fd, json.data, json.len) == (ssize_t)json.len && fsync(fd) == 0;
    if (!rv) snprintf(err, errlen, "%.400s: %.400s", path, strerror(errno));
    if (fd >= 0) close(fd);
    tp_buf_free(&json);
    return rv ? 0 : -1;
}

/* The finished folder: partial synced, renamed done (never over anything), dir synced. On a
 * failure the folder is left (or put back) as partial, for the caller to remove. */
static int finish(const char *partial, const char *done, const char *dir, char *err, size_t errlen)
{
    if (tp_backup_sync_dir(partial) != 0 || tp_backup_rename_new(partial, done) != 0) {
        snprintf(err, errlen, "%.400s: %.400s", done, strerror(errno));
        return -1;
    }
    if (tp_backup_sync_dir(dir) != 0) {
        snprintf(err, errlen, "%.400s: %.400s", dir, strerror(errno));
        if (rename(done, partial) != 0) { /* cannot happen, but then say what is left */
            snprintf(err, errlen, "%.400s: cannot be synced, nor renamed back", done);
        }
        return -1;
    }
    return 0;
}

static void human_size(int64_t n, char *out, size_t outlen)
{
    if (n < 1024 * 1024)
        snprintf(out, outlen, "%.1f kB", (double)n / 1024);
    else if (n < 1024LL * 1024 * 1024)
        snprintf(out, outlen, "%.1f MB", (double)n / (1024 * 1024));
    else
        snprintf(out, outlen, "%.2f GB", (double)n / (1024 * 1024 * 1024));
}

/* The services --only names (comma-separated), as bits of backup_services: 0 on a bad name. */
static unsigned parse_only(const char *list)
{
    unsigned which = 0;
    for (const char *p = list;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const backup_service *s = backup_service_named(p, n);
        if (!s) return 0;
        which |= 1u << (s - backup_services);
        if (!comma) return which;
        p = comma + 1;
    }
}

/* DIR as an absolute path without "." or ".." (the services refuse those), made if missing. */
static int backup_dir(const char *arg, char *dir, char *err, size_t errlen)
{
    if (mkdir(arg, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot make %.400s (%.400s)", arg, strerror(errno));
        return -1;
    }
    struct stat st;
    if (!realpath(arg, dir) || stat(dir, &st) != 0) {
        snprintf(err, errlen, "%.400s: %.400s", arg, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%.400s is not a folder", arg);
        return -1;
    }
    if (strlen(dir) > PATH_MAX - 64) {
        snprintf(err, errlen, "%.400s: the path is too long", arg);
        return -1;
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "talksctl: usage: talksctl %s\n", BACKUP_USAGE);
    return 1;
}

int cmd_backup(int argc, char **argv)
{
    const char *arg = NULL;
    long keep = 10;
    unsigned which = (1u << BACKUP_SERVICES) - 1;
    bool only = false;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc) {
            keep = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || keep < 1 || keep > KEEP_MAX) {
                fprintf(stderr, "talksctl: backup: --keep takes a number from 1 to %d\n", KEEP_MAX);
                return 1;
            }
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            if (!(which = parse_only(argv[++i]))) {
                fprintf(stderr, "talksctl: backup: --only takes services among auth, talks, "
                                "comments and mail, separated by commas\n");
                return 1;
            }
            only = true;
        } else if (argv[i][0] == '-' || arg) {
            return usage();
        } else {
            arg = argv[i];
        }
    }
    if (!arg || !*arg) return usage();

    char dir[PATH_MAX], partial[PATH_MAX + 32], stamp[BACKUP_STAMP_LEN + 1], err[1024];
    if (backup_dir(arg, dir, err, sizeof err) != 0 ||
        make_partial(dir, stamp, partial, sizeof partial, err, sizeof err) != 0) {
        fprintf(stderr, "talksctl: backup failed: %s\n", err);
        return 1;
    }

    tp_w manifest;
    tp_w_init(&manifest);
    tp_w_map_begin(&manifest);
    tp_w_kint(&manifest, "format", 1);
    char created[32];
    utc(time(NULL), "%Y-%m-%dT%H:%M:%SZ", created, sizeof created);
    tp_w_kstr(&manifest, "created", created);
    if (*TALKS_VERSION) tp_w_kstr(&manifest, "talks_version", TALKS_VERSION);
    tp_w_key(&manifest, "databases");
    tp_w_array_begin(&manifest);
    tp_buf failures = {0}, files = {0};
    bool unreachable = false;
    int64_t total = 0;
    for (int i = 0; i < BACKUP_SERVICES; i++) {
        const backup_service *s = &backup_services[i];
        if (!(which & (1u << i))) continue;
        if (copy_one(s, partial, &manifest, err, sizeof err) != 0) {
            tp_buf_printf(&failures, "%s%s", failures.len ? "; " : "", err);
            unreachable |= strstr(err, "unreachable") != NULL;
            continue;
        }
        tp_buf_printf(&files, "%s%s", files.len ? ", " : "", s->file);
        char path[PATH_MAX + 64];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", partial, s->file);
        if (stat(path, &st) == 0) total += st.st_size;
    }
    tp_w_array_end(&manifest);
    tp_w_map_end(&manifest);

    int status = 0;
    char done[PATH_MAX + 32];
    snprintf(done, sizeof done, "%s/%s", dir, stamp);
    if (failures.len) {
        fprintf(stderr, "talksctl: backup failed, nothing kept: %s%s\n", failures.data,
                unreachable && !only ? " (--only names the services to copy, e.g. in a container)"
                                     : "");
        status = 1;
    } else if (write_manifest(partial, &manifest, err, sizeof err) != 0 ||
               finish(partial, done, dir, err, sizeof err) != 0) {
        fprintf(stderr, "talksctl: backup failed, nothing kept: %s\n", err);
        status = 1;
    }
    if (status != 0) {
        char ignored[256];
        remove_folder(partial, ignored, sizeof ignored); /* gone, or still named .partial */
    } else {
        int removed = 0;
        char size[32];
        human_size(total, size, sizeof size);
        if (backup_rotate(dir, (int)keep, stamp, &removed, err, sizeof err) != 0) {
            fprintf(stderr, "talksctl: backup %s made, but removing older backups failed: %s\n",
                    done, err);
            status = 1;
        } else {
            printf("Backed up %s into %s (%s); %d older backup%s removed.\n", files.data, done,
                   size, removed, removed == 1 ? "" : "s");
        }
    }
    tp_w_free(&manifest);
    tp_buf_free(&failures);
    tp_buf_free(&files);
    return status;
}
