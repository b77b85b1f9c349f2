/* tp_backup: a service's copy of its own database (see tp_backup.h). */
#include "tp_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp_db.h"
#include "tp_log.h"

/* ".<8 hex digits>.tmp" and its NUL. */
#define TMP_SUFFIX_MAX 16
/* A SQLite file starts with a 100-byte header: its magic string, and at offset 60 the
 * user_version, a big-endian 32-bit integer (https://sqlite.org/fileformat2.html). */
#define HEADER_SIZE         100
#define USER_VERSION_OFFSET 60
static const char sqlite_magic[16] = "SQLite format 3";

int tp_backup_file_read(const char *path, tp_backup_file *f, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    unsigned char buf[64 * 1024], header[HEADER_SIZE];
    int64_t size = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (size < HEADER_SIZE)
            memcpy(header + size, buf,
                   (size_t)n < HEADER_SIZE - (size_t)size ? (size_t)n : HEADER_SIZE - (size_t)size);
        crypto_hash_sha256_update(&sha, buf, (unsigned long long)n);
        size += n;
    }
    close(fd);
    if (size < HEADER_SIZE || memcmp(header, sqlite_magic, sizeof sqlite_magic) != 0) {
        snprintf(err, errlen, "%s: not a SQLite database", path);
        return -1;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&sha, digest);
    sodium_bin2hex(f->sha256, sizeof f->sha256, digest, sizeof digest);
    const unsigned char *v = header + USER_VERSION_OFFSET;
    f->schema_version = (int32_t)((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
                                  (uint32_t)v[2] << 8 | (uint32_t)v[3]);
    f->size = size;
    return 0;
}

int tp_backup_path_check(const char *path, const char *file, char *err, size_t errlen)
{
    size_t n = strlen(path);
    if (path[0] != '/') {
        snprintf(err, errlen, "the backup path must be absolute");
        return -1;
    }
    if (n + TMP_SUFFIX_MAX > PATH_MAX) {
        snprintf(err, errlen, "the backup path is too long");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f) {
            snprintf(err, errlen, "the backup path holds a control character");
            return -1;
        }
    }
    const char *name = path + 1;
    for (const char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        size_t len = (size_t)(p - name);
        if (len == 0 || (len == 1 && name[0] == '.') ||
            (len == 2 && name[0] == '.' && name[1] == '.')) {
            snprintf(err, errlen,
                     "the backup path must have no empty, \".\" or \"..\" component: %.200s", path);
            return -1;
        }
        if (*p == '\0') break;
        name = p + 1;
    }
    size_t flen = strlen(file);
    if (strcmp(name, file) != 0 || flen < 4 || strcmp(file + flen - 3, ".db") != 0) {
        snprintf(err, errlen, "the backup file must be named %s, as the database it copies", file);
        return -1;
    }
    char parent[PATH_MAX];
    size_t plen = (size_t)(name - path) - 1;
    snprintf(parent, sizeof parent, "%.*s", (int)(plen ? plen : 1), path);
    struct stat st;
    if (stat(parent, &st) != 0) {
        snprintf(err, errlen, "%.200s: %s", parent, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%.200s is not a folder", parent);
        return -1;
    }
    if (lstat(path, &st) == 0 || errno != ENOENT) {
        snprintf(err, errlen, "%.200s exists already: a backup never writes over anything", path);
        return -1;
    }
    return 0;
}

int tp_backup_rename_new(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    /* No RENAME_NOREPLACE here (some network and FUSE file systems): link fails if to exists. A
     * folder cannot be linked, but rename replaces only an empty folder, never a backup. */
    if (link(from, to) == 0) return unlink(from);
    return errno == EPERM ? rename(from, to) : -1;
}

int tp_backup_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rv = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rv;
}

tp_err tp_backup_op(tp_call *c)
{
    tp_str p;
    char path[PATH_MAX], tmp[PATH_MAX + TMP_SUFFIX_MAX], why[512];
    if (!c->db) return tp_fail(c, TP_EINTERNAL, "this service keeps no database");
    if (tp_get_str(c->msg, "path", PATH_MAX - TMP_SUFFIX_MAX, &p) != 0)
        return tp_fail(c, TP_EINVAL, "path: the absolute path of the copy is required");
    snprintf(path, sizeof path, "%.*s", (int)p.n, p.p);
    const char *file = tp_db_name(c->db);
    if (tp_backup_path_check(path, file, why, sizeof why) != 0)
        return tp_fail(c, TP_EINVAL, "%s", why);
    snprintf(tmp, sizeof tmp, "%s.%08x.tmp", path, (unsigned)randombytes_random());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return tp_fail(c, TP_EINVAL, "cannot write in that folder: %s", strerror(errno));
    close(fd);
    tp_backup_file f;
    if (tp_db_backup(c->db, tmp, why, sizeof why) != 0 ||
        tp_backup_file_read(tmp, &f, why, sizeof why) != 0) {
        unlink(tmp);
        return tp_fail(c, TP_EINTERNAL, "%s", why);
    }
    if (tp_backup_rename_new(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return tp_fail(c, e == EEXIST ? TP_EINVAL : TP_EINTERNAL, "cannot name the copy: %s",
                       strerror(e));
    }
    char *slash = strrchr(path, '/');
    *slash = '\0';
    if (tp_backup_sync_dir(slash == path ? "/" : path) != 0)
        return tp_fail(c, TP_EINTERNAL, "cannot sync the folder: %s", strerror(errno));
    *slash = '/';
    char rid[65] = "";
    snprintf(rid, sizeof rid, "%.*s", (int)c->rid.n, c->rid.p ? c->rid.p : "");
    tp_info(rid, "backup: %s copied to %s (%lld bytes, schema version %lld)", file, path,
            (long long)f.size, (long long)f.schema_version);
    tp_w_kstr(c->out, "file", file);
    tp_w_kint(c->out, "size", f.size);
    tp_w_kstr(c->out, "sha256", f.sha256);
    tp_w_kint(c->out, "schema_version", f.schema_version);
    return TP_OK;
}
