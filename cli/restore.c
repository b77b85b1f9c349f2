/* restore: `talksctl restore DIR/<timestamp>` (SPEC §3) — puts the databases of a backup made by
 * `talksctl backup` back into the data folder, while the stack is stopped.
 *
 * Before anything is touched: no service may be running (something answers on its control
 * address, or, on one machine, on the gateway's svc-auth socket: the gateway caches pages and
 * each talk's speaker), and every database manifest.json lists must be there with its size and
 * SHA-256. Then each file is copied beside its database under a temporary name (and checked
 * again), and only when all are copied is each renamed into place, after the database's old
 * -wal, -shm and -journal files are removed: a write-ahead log left from the old file would be
 * applied to the restored one. A restore that fails before the renames changes nothing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "backup.h"
#include "commands.h"
#include "tp_backup.h"
#include "tp_bus.h"
#include "tp_json.h"
#include "tp_msg.h"

#define MANIFEST_MAX (64 * 1024)

/* 1 when something accepts a connection on the Unix socket at path, 0 when nothing does, -1
 * (why) when it cannot be told. The connection does a whole SP handshake (it sends a REQ peer's
 * header and reads the listener's) before it hangs up: an nng 1.5.2 listener whose peer hangs up
 * before that stops accepting for good (see ctl_address_ours in proto/tp_svc.c). A REQ header
 * suits a control address (a REP socket takes it as talksctl) and the gateway's sockets (REQ:
 * they refuse it as a peer, and go on listening). */
static int ipc_listening(const char *path, char *why, size_t whylen)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) {
        snprintf(why, whylen, "%.400s: the socket path is too long", path);
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        if (e == ENOENT || e == ECONNREFUSED) return 0;
        snprintf(why, whylen, "%.400s: %s", path, strerror(e));
        return -1;
    }
    static const unsigned char req_header[8] = {0, 'S', 'P', 0, 0x00, 0x30, 0, 0};
    unsigned char header[8];
    size_t got = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (write(fd, req_header, sizeof req_header) == (ssize_t)sizeof req_header) {
        while (got < sizeof header && poll(&p, 1, 2000) == 1) {
            ssize_t n = read(fd, header + got, sizeof header - got);
            if (n <= 0) break;
            got += (size_t)n;
        }
    }
    close(fd);
    return 1; /* it took the connection: something runs there, answering or not */
}

/* 1 when something listens on the address in setting s, 0 when nothing does, -1 (why) when it
 * cannot be told. */
static int listening(enum tp_setting s, enum tp_role role, char *why, size_t whylen)
{
    char url[1024];
    if (tp_config_addr(s, url, sizeof url) != 0) {
        snprintf(why, whylen, "%s: the address is too long", tp_config_name(s));
        return -1;
    }
    if (strncmp(url, "ipc://", 6) == 0) return ipc_listening(url + 6, why, whylen);
    nng_socket sock;
    if (nng_req0_open(&sock) != 0) {
        snprintf(why, whylen, "cannot open a socket");
        return -1;
    }
    int rv = tp_bus_dial_now(sock, s, TP_ROLE_BIT(role), why, whylen);
    nng_close(sock);
    return rv == 0 ? 1 : rv == NNG_ECONNREFUSED || rv == NNG_ENOENT ? 0 : -1;
}

/* 0 when no process of the stack runs, or -1 after saying which does (or that it cannot tell). */
static int stack_stopped(void)
{
    char why[1024], url[1024];
    for (int i = 0; i < BACKUP_SERVICES; i++) {
        const backup_service *s = &backup_services[i];
        int rv = listening(s->ctl, s->role, why, sizeof why);
        tp_config_addr(s->ctl, url, sizeof url);
        if (rv == 1)
            fprintf(stderr,
                    "talksctl: restore refused: svc-%s is running (%s answers); stop the stack "
                    "first\n",
                    s->name, url);
        else if (rv < 0)
            fprintf(stderr,
                    "talksctl: restore refused: cannot tell whether svc-%s is running (%s)\n",
                    s->name, why);
        if (rv != 0) return -1;
    }
    /* The gateway has no control address; on one machine its bus sockets are in the data
     * folder too. (Across containers it is not reachable from here: stop the stack first.) */
    tp_config_addr(TALKS_BUS_AUTH, url, sizeof url);
    if (strncmp(url, "ipc://", 6) == 0 &&
        listening(TALKS_BUS_AUTH, TP_ROLE_GATEWAY, why, sizeof why) != 0) {
        fprintf(stderr,
                "talksctl: restore refused: the gateway is running (%s answers); stop the stack "
                "first\n",
                url);
        return -1;
    }
    return 0;
}

typedef struct restored {
    const backup_service *svc;
    int64_t size;
    char sha256[65];
    char tmp[PATH_MAX]; /* its copy in the data folder, once made */
} restored;

/* Reads backup/manifest.json and checks each file it lists against it: 0 with the list, or -1
 * with why. */
static int read_manifest(const char *backup, restored *list, int *n, char *created, size_t clen,
                         char *err, size_t errlen)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/manifest.json", backup);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%.400s: %.400s", path, strerror(errno));
        return -1;
    }
    static char text[MANIFEST_MAX + 1];
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    tp_buf packed = {0};
    tp_msg m = {0};
    const msgpack_object *dbs;
    int rv = -1;
    *n = 0;
    if (len > MANIFEST_MAX || json_to_msgpack(text, len, &packed, err, errlen) != 0 ||
        tp_msg_parse(&m, packed.data, packed.len) != 0 ||
        !(dbs = tp_map_get(m.root, "databases")) || dbs->type != MSGPACK_OBJECT_ARRAY ||
        dbs->via.array.size < 1 || dbs->via.array.size > BACKUP_SERVICES) {
        snprintf(err, errlen, "%.400s is not a backup's manifest", path);
        goto out;
    }
    tp_str when = {"", 0};
    tp_opt_str(m.root, "created", 64, &when);
    snprintf(created, clen, "%.*s", (int)when.n, when.p);
    for (uint32_t i = 0; i < dbs->via.array.size; i++) {
        const msgpack_object *e = &dbs->via.array.ptr[i];
        tp_str file, service, sha;
        int64_t size;
        restored *r = &list[i];
        if (e->type != MSGPACK_OBJECT_MAP || tp_get_str(e, "file", 64, &file) ||
            tp_get_str(e, "service", 64, &service) || tp_get_str(e, "sha256", 64, &sha) ||
            tp_get_int(e, "size", 0, INT64_MAX, &size) ||
            !(r->svc = backup_service_named(service.p, service.n)) ||
            !tp_str_eq(file, r->svc->file) || sha.n != 64) {
            snprintf(err, errlen, "%.400s: entry %u is not a database of this site", path, i + 1);
            goto out;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (list[j].svc == r->svc) {
                snprintf(err, errlen, "%.400s lists %.400s twice", path, r->svc->file);
                goto out;
            }
        }
        r->size = size;
        snprintf(r->sha256, sizeof r->sha256, "%.*s", (int)sha.n, sha.p);
        r->tmp[0] = '\0';
        (*n)++;
        char file_path[PATH_MAX + 64], why[512];
        tp_backup_file got;
        snprintf(file_path, sizeof file_path, "%s/%s", backup, r->svc->file);
        if (tp_backup_file_read(file_path, &got, why, sizeof why) != 0) {
            snprintf(err, errlen, "%.400s", why);
            goto out;
        }
        if (got.size != r->size || strcmp(got.sha256, r->sha256) != 0) {
            snprintf(err, errlen, "%.400s does not match manifest.json (its %.400s differs)",
                     file_path, got.size != r->size ? "size" : "SHA-256");
            goto out;
        }
    }
    rv = 0;
out:
    tp_msg_free(&m);
    tp_buf_free(&packed);
    return rv;
}

/* Copies backup/<file> to a new temporary file beside its database, hashing what it copies, and
 * fsyncs it: 0 with r->tmp set, or -1 (err; nothing left behind). The copy takes the data
 * folder's owner when root restores (the services run as that user). */
static int copy_in(const char *backup, const char *data, const struct stat *data_st, restored *r,
                   char *err, size_t errlen)
{
    char from[PATH_MAX + 64];
    snprintf(from, sizeof from, "%s/%s", backup, r->svc->file);
    snprintf(r->tmp, sizeof r->tmp, "%s/.%s.%08x.restore", data, r->svc->file,
             (unsigned)randombytes_random());
    int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int out = open(r->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    unsigned char buf[64 * 1024];
    ssize_t n = 0;
    int64_t size = 0;
    const char *failed = in < 0 ? from : out < 0 ? r->tmp : NULL;
    while (!failed && (n = read(in, buf, sizeof buf)) > 0) {
        crypto_hash_sha256_update(&sha, buf, (unsigned long long)n);
        size += n;
        if (write(out, buf, (size_t)n) != n) failed = r->tmp;
    }
    if (!failed && n < 0) failed = from;
    if (!failed && geteuid() == 0 && fchown(out, data_st->st_uid, data_st->st_gid) != 0)
        failed = r->tmp;
    if (!failed && fsync(out) != 0) failed = r->tmp;
    int e = errno;
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (failed) {
        snprintf(err, errlen, "%.400s: %.400s", failed, strerror(e));
    } else {
        unsigned char digest[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256_final(&sha, digest);
        sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
        if (size == r->size && strcmp(hex, r->sha256) == 0) return 0;
        snprintf(err, errlen, "%.400s changed while it was being copied", from);
    }
    if (out >= 0) unlink(r->tmp);
    r->tmp[0] = '\0';
    return -1;
}

/* Replaces the database with its copy: its old -wal, -shm and -journal go first. */
static int put_in_place(const char *data, restored *r, char *err, size_t errlen)
{
    static const char *const stale[] = {"-wal", "-shm", "-journal"};
    char path[PATH_MAX + 64], side[PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s", data, r->svc->file);
    for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++) {
        snprintf(side, sizeof side, "%s%s", path, stale[i]);
        if (unlink(side) != 0 && errno != ENOENT) {
            snprintf(err, errlen, "%.400s: %.400s", side, strerror(errno));
            return -1;
        }
    }
    if (rename(r->tmp, path) != 0) {
        snprintf(err, errlen, "%.400s: %.400s", path, strerror(errno));
        return -1;
    }
    r->tmp[0] = '\0';
    return 0;
}

int cmd_restore(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", RESTORE_USAGE);
        return 1;
    }
    const char *backup = argv[1];
    restored list[BACKUP_SERVICES];
    int n = 0;
    char err[1024] = "", created[64] = "";
    if (stack_stopped() != 0) return 1;
    if (read_manifest(backup, list, &n, created, sizeof created, err, sizeof err) != 0) {
        fprintf(stderr, "talksctl: restore refused, nothing changed: %s\n", err);
        return 1;
    }
    const char *data = tp_config_get(TALKS_DATA_DIR);
    struct stat data_st;
    if (tp_config_data_dir(err, sizeof err) != 0 || stat(data, &data_st) != 0) {
        fprintf(stderr, "talksctl: restore failed, nothing changed: %s\n",
                err[0] ? err : strerror(errno));
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (copy_in(backup, data, &data_st, &list[i], err, sizeof err) != 0) {
            for (int j = 0; j < i; j++) unlink(list[j].tmp);
            fprintf(stderr, "talksctl: restore failed, nothing changed: %s\n", err);
            return 1;
        }
    }
    tp_buf files = {0};
    int status = 0;
    for (int i = 0; i < n; i++) {
        if (put_in_place(data, &list[i], err, sizeof err) != 0) {
            fprintf(stderr, "talksctl: restore failed after restoring %s: %s\n",
                    files.len ? files.data : "nothing", err);
            for (int j = i; j < n; j++) unlink(list[j].tmp);
            status = 1;
            break;
        }
        tp_buf_printf(&files, "%s%s", files.len ? ", " : "", list[i].svc->file);
    }
    if (status == 0 && tp_backup_sync_dir(data) != 0) {
        fprintf(stderr, "talksctl: restore failed: %s: %s\n", data, strerror(errno));
        status = 1;
    }
    if (status == 0)
        printf("Restored %s from the backup of %s into %s.\n", files.data,
               created[0] ? created : backup, data);
    tp_buf_free(&files);
    return status;
}
