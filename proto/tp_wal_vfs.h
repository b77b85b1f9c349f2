/* tp_wal_vfs: SQLite's own file layer (a VFS), but for one thing: the frames a commit appends to
 * a WAL file reach the kernel in one write instead of two a page.
 *
 * Design notes: SQLite writes each WAL frame as two pwrite calls, its 24-byte header and its page,
 * and a comment's commit batch (tp_writer.h) appends some sixty frames: 120 system calls on the
 * writer's thread before its fsync, the thread every comment POST waits for. On the virtual
 * machines we run on a system call costs several microseconds (docs/performance.md). So a WAL
 * file's writes that follow one another are gathered in a buffer and written as one when anything
 * else is asked of the file — the sync that makes the commit durable, a read, its size, a
 * truncation, its close — or when the buffer holds TP_WAL_VFS_BUFFER bytes (a commit of sixty
 * frames: three calls). Whatever is asked of
 * the file after its writes sees them all: only runs of writes are gathered, so the file never
 * looks any different to SQLite. Other connections see a commit only once SQLite has synced it
 * (and so once it is written) and published it in the shared WAL index. A write that fails when
 * the buffer is written fails the call it was written for (the commit's sync), so SQLite fails
 * the commit and publishes nothing of it, as when the write itself fails. Files other than WAL
 * files are SQLite's own, untouched: the wrapped VFS opens them in place. */
#ifndef TP_WAL_VFS_H
#define TP_WAL_VFS_H

#include <sqlite3.h>

/* The most bytes of writes held back and written in one call: SQLite's unix layer writes at most
 * 128 KiB - 1 a call (it masks the length with 0x1ffff), and 120 KiB is 29 frames of 4 KiB. */
#define TP_WAL_VFS_BUFFER (120u << 10)

/* A VFS named name over under (which it uses for everything but the gathering of WAL writes),
 * registered with SQLite, the default when make_default. It lives as long as the process. NULL
 * if SQLite refuses it. */
sqlite3_vfs *tp_wal_vfs_register(sqlite3_vfs *under, const char *name, int make_default);

#endif
