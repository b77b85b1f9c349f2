/* tp_wal_vfs: WAL writes gathered into one system call (see tp_wal_vfs.h). */
#include "tp_wal_vfs.h"

#include <stdlib.h>
#include <string.h>

#include "tp_buf.h"

/* A WAL file: ours in front, the wrapped VFS's file right after it in the same allocation. */
typedef struct wal_file {
    sqlite3_file base;
    sqlite3_file *real;
    unsigned char *held; /* the writes not yet made: the bytes of [at, at + len) */
    size_t len;
    sqlite3_int64 at;
} wal_file;

static sqlite3_vfs *under_of(sqlite3_vfs *vfs)
{
    return vfs->pAppData;
}

static const sqlite3_io_methods *real_io(const wal_file *f)
{
    return f->real->pMethods;
}

/* Makes the held writes, in one call. */
static int flush(wal_file *f)
{
    if (f->len == 0) return SQLITE_OK;
    int rc = real_io(f)->xWrite(f->real, f->held, (int)f->len, f->at);
    f->len = 0;
    return rc;
}

static int wal_close(sqlite3_file *file)
{
    wal_file *f = (wal_file *)file;
    int flushed = flush(f);
    int rc = real_io(f)->xClose(f->real);
    free(f->held);
    f->held = NULL;
    return flushed != SQLITE_OK ? flushed : rc;
}

/* The body of a method that must see the held writes made first: they are, then the real file's
 * method runs (call names the real file f->real). */
#define AFTER_FLUSH(file, call)                                                                    \
    do {                                                                                           \
        wal_file *f = (wal_file *)(file);                                                          \
        int rc = flush(f);                                                                         \
        return rc != SQLITE_OK ? rc : real_io(f)->call;                                            \
    } while (0)

static int wal_read(sqlite3_file *file, void *p, int n, sqlite3_int64 off)
{
    AFTER_FLUSH(file, xRead(f->real, p, n, off));
}

static int wal_write(sqlite3_file *file, const void *p, int n, sqlite3_int64 off)
{
    wal_file *f = (wal_file *)file;
    size_t add = (size_t)n;
    /* Only a write that continues the held ones joins them. */
    if (f->len && (off != f->at + (sqlite3_int64)f->len || f->len + add > TP_WAL_VFS_BUFFER)) {
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
    }
    if (add > TP_WAL_VFS_BUFFER) return real_io(f)->xWrite(f->real, p, n, off);
    if (!f->held) f->held = tp_xmalloc(TP_WAL_VFS_BUFFER); /* a file that is written: a writer's */
    if (f->len == 0) f->at = off;
    memcpy(f->held + f->len, p, add);
    f->len += add;
    return SQLITE_OK;
}

static int wal_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    AFTER_FLUSH(file, xTruncate(f->real, size));
}

static int wal_sync(sqlite3_file *file, int flags)
{
    AFTER_FLUSH(file, xSync(f->real, flags));
}

static int wal_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    AFTER_FLUSH(file, xFileSize(f->real, size));
}

static int wal_lock(sqlite3_file *file, int level)
{
    AFTER_FLUSH(file, xLock(f->real, level));
}

static int wal_unlock(sqlite3_file *file, int level)
{
    AFTER_FLUSH(file, xUnlock(f->real, level));
}

static int wal_check_reserved_lock(sqlite3_file *file, int *out)
{
    AFTER_FLUSH(file, xCheckReservedLock(f->real, out));
}

static int wal_file_control(sqlite3_file *file, int op, void *arg)
{
    AFTER_FLUSH(file, xFileControl(f->real, op, arg));
}

static int wal_sector_size(sqlite3_file *file)
{
    wal_file *f = (wal_file *)file;
    return real_io(f)->xSectorSize(f->real);
}

static int wal_device_characteristics(sqlite3_file *file)
{
    wal_file *f = (wal_file *)file;
    return real_io(f)->xDeviceCharacteristics(f->real);
}

/* Version 1 of the methods: SQLite asks for shared memory and mapped pages only of a database
 * file, never of its WAL, and calls those methods only when the version says they are there. */
static const sqlite3_io_methods wal_io = {
    .iVersion = 1,
    .xClose = wal_close,
    .xRead = wal_read,
    .xWrite = wal_write,
    .xTruncate = wal_truncate,
    .xSync = wal_sync,
    .xFileSize = wal_file_size,
    .xLock = wal_lock,
    .xUnlock = wal_unlock,
    .xCheckReservedLock = wal_check_reserved_lock,
    .xFileControl = wal_file_control,
    .xSectorSize = wal_sector_size,
    .xDeviceCharacteristics = wal_device_characteristics,
};

static int vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                    int *out_flags)
{
    sqlite3_vfs *under = under_of(vfs);
    /* Anything but a WAL file is the wrapped VFS's own, opened in place: no cost at all. */
    if (!(flags & SQLITE_OPEN_WAL)) return under->xOpen(under, name, file, flags, out_flags);
    wal_file *f = (wal_file *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = under->xOpen(under, name, f->real, flags, out_flags);
    /* SQLite closes a file whose open failed if it has methods: then ours close the real one. */
    f->base.pMethods = f->real->pMethods ? &wal_io : NULL;
    return rc;
}

static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    return under_of(vfs)->xDelete(under_of(vfs), name, sync_dir);
}

static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    return under_of(vfs)->xAccess(under_of(vfs), name, flags, out);
}

static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    return under_of(vfs)->xFullPathname(under_of(vfs), name, n, out);
}

static void *vfs_dl_open(sqlite3_vfs *vfs, const char *name)
{
    return under_of(vfs)->xDlOpen(under_of(vfs), name);
}

static void vfs_dl_error(sqlite3_vfs *vfs, int n, char *out)
{
    under_of(vfs)->xDlError(under_of(vfs), n, out);
}

static void (*vfs_dl_sym(sqlite3_vfs *vfs, void *lib, const char *sym))(void)
{
    return under_of(vfs)->xDlSym(under_of(vfs), lib, sym);
}

static void vfs_dl_close(sqlite3_vfs *vfs, void *lib)
{
    under_of(vfs)->xDlClose(under_of(vfs), lib);
}

static int vfs_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    return under_of(vfs)->xRandomness(under_of(vfs), n, out);
}

static int vfs_sleep(sqlite3_vfs *vfs, int us)
{
    return under_of(vfs)->xSleep(under_of(vfs), us);
}

static int vfs_current_time(sqlite3_vfs *vfs, double *out)
{
    return under_of(vfs)->xCurrentTime(under_of(vfs), out);
}

static int vfs_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    return under_of(vfs)->xGetLastError(under_of(vfs), n, out);
}

static int vfs_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    return under_of(vfs)->xCurrentTimeInt64(under_of(vfs), out);
}

static int vfs_set_system_call(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr fn)
{
    return under_of(vfs)->xSetSystemCall(under_of(vfs), name, fn);
}

static sqlite3_syscall_ptr vfs_get_system_call(sqlite3_vfs *vfs, const char *name)
{
    return under_of(vfs)->xGetSystemCall(under_of(vfs), name);
}

static const char *vfs_next_system_call(sqlite3_vfs *vfs, const char *name)
{
    return under_of(vfs)->xNextSystemCall(under_of(vfs), name);
}

sqlite3_vfs *tp_wal_vfs_register(sqlite3_vfs *under, const char *name, int make_default)
{
    /* Every function of a version 3 VFS is forwarded: the wrapped one must have them all. */
    if (!under || under->iVersion < 3) return NULL;
    sqlite3_vfs *vfs = tp_xcalloc(1, sizeof *vfs);
    *vfs = (sqlite3_vfs){
        .iVersion = 3,
        .szOsFile = (int)sizeof(wal_file) + under->szOsFile,
        .mxPathname = under->mxPathname,
        .zName = name,
        .pAppData = under,
        .xOpen = vfs_open,
        .xDelete = vfs_delete,
        .xAccess = vfs_access,
        .xFullPathname = vfs_full_pathname,
        .xDlOpen = vfs_dl_open,
        .xDlError = vfs_dl_error,
        .xDlSym = vfs_dl_sym,
        .xDlClose = vfs_dl_close,
        .xRandomness = vfs_randomness,
        .xSleep = vfs_sleep,
        .xCurrentTime = vfs_current_time,
        .xGetLastError = vfs_get_last_error,
        .xCurrentTimeInt64 = vfs_current_time_int64,
        .xSetSystemCall = vfs_set_system_call,
        .xGetSystemCall = vfs_get_system_call,
        .xNextSystemCall = vfs_next_system_call,
    };
    if (sqlite3_vfs_register(vfs, make_default) != SQLITE_OK) {
        free(vfs);
        return NULL;
    }
    return vfs;
}
