/* run: `talksctl run` (SPEC section 1) — the supervisor behind `make run` and the one-container
 * image. It starts the four services and the gateway (the programs beside talksctl), passes on
 * each line of their output with "[name] " in front, starts again a process that dies, and
 * stops them all on SIGTERM, SIGINT or SIGHUP.
 *
 * Design notes
 * - One thread and one poll(2): the read end of each process's output pipe, and a signalfd for
 *   SIGCHLD, SIGTERM, SIGINT and SIGHUP, which stay blocked so that they arrive nowhere else.
 *   poll's timeout is the nearest restart due, or the end of the wait for a stop. Nothing runs
 *   in a signal handler.
 * - Lines: a process's stdout and stderr are the one pipe; what is read is cut into whole lines
 *   (run_lines_feed) and written with the prefix by write(2) on our standard output, which
 *   nothing else writes: two processes' lines never mix, and a line is never split. A process's
 *   pipe is drained when it is reaped, before the line that says how it ended.
 * - When a process ends on its own, run_after_end (run.h) says whether it cannot start (the
 *   stack stops and exits 1, its own last line repeated as ours) or when to start it again.
 * - Each process has a process group of its own, so a terminal's Ctrl-C reaches only us and each
 *   process gets one SIGTERM, in order: the gateway first, so that the requests it is finishing
 *   can still reach the services; the services once it has gone. At most STOP_WAIT_MS in all,
 *   then SIGKILL; a second signal kills at once. Exit 0 when every process ended with status 0
 *   (or of the SIGTERM sent to it). Each process also asks for a SIGTERM if we die
 *   (PR_SET_PDEATHSIG), so a kill -9 of the supervisor leaves nothing behind.
 * - No configuration is read here: the processes read the same environment (and ./.env) and say
 *   themselves what is wrong with it.
 * Limits: while our standard output is blocked (a paused pager), so are we, and, once their
 * pipes are full, the processes writing logs. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "run.h"
#include "tp_clock.h"

#define STOP_WAIT_MS 15000
#define READ_CHUNK   65536

typedef struct proc {
    const char *name, *program; /* name is the prefix: [name] */
    char prefix[32];
    char path[PATH_MAX];
    pid_t pid;             /* 0 while not running */
    int fd;                /* read end of its output pipe, -1 when none */
    int64_t since_ms;      /* when the current run began */
    int64_t restart_at_ms; /* when to start it again; 0: not waiting */
    bool sent_term;        /* we asked this run to stop */
    run_history history;
    run_lines lines;
} proc;

/* The services first, the gateway last (the order they start in). */
static const struct {
    const char *name, *program;
} programs[] = {
    {"auth", "talks-auth"}, {"talks", "talks-talks"},     {"comments", "talks-comments"},
    {"mail", "talks-mail"}, {"gateway", "talks-gateway"},
};
#define NPROCS  (sizeof programs / sizeof programs[0])
#define GATEWAY (NPROCS - 1)

enum phase {
    RUNNING,
    STOPPING_GATEWAY, /* the gateway was sent SIGTERM; the services wait for it to go */
    STOPPING,         /* every process was sent SIGTERM */
};

typedef struct supervisor {
    proc procs[NPROCS];
    int sigfd, devnull;
    enum phase phase;
    int64_t stop_deadline_ms;
    bool killed;  /* SIGKILL was sent to what was left */
    bool unclean; /* a process ended other than with status 0 (or our SIGTERM) while stopping */
    proc *failed; /* the process that cannot start */
    char failed_line[RUN_LAST_MAX + 128];
    tp_buf out;
    char chunk[READ_CHUNK];
} supervisor;

/* ---- the decisions (run.h) ------------------------------------------------------------------ */

bool run_after_end(run_history *h, int64_t ran_ms, int status, int *delay_ms)
{
    if (ran_ms >= RUN_STARTED_MS)
        h->started = true;
    else if (!h->started && WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return false;
    if (h->next_delay_ms == 0 || ran_ms >= RUN_STABLE_MS) h->next_delay_ms = RUN_FIRST_DELAY_MS;
    *delay_ms = h->next_delay_ms;
    h->next_delay_ms =
        h->next_delay_ms > RUN_MAX_DELAY_MS / 2 ? RUN_MAX_DELAY_MS : 2 * h->next_delay_ms;
    return true;
}

static void emit_line(run_lines *l, const char *prefix, const char *line, size_t n, tp_buf *out)
{
    tp_buf_puts(out, prefix);
    tp_buf_append(out, line, n);
    tp_buf_putc(out, '\n');
    if (n == 0) return; /* the last line worth repeating is the last one that says something */
    size_t keep = n < RUN_LAST_MAX - 1 ? n : RUN_LAST_MAX - 1;
    memcpy(l->last, line, keep);
    l->last[keep] = '\0';
}

void run_lines_feed(run_lines *l, const char *prefix, const char *data, size_t n, tp_buf *out)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t len = nl ? (size_t)(nl - data) : n;
        if (nl && l->held_len + len <= RUN_LINE_MAX) { /* a whole line */
            if (l->held_len == 0) {
                emit_line(l, prefix, data, len, out);
            } else {
                memcpy(l->held + l->held_len, data, len);
                emit_line(l, prefix, l->held, l->held_len + len, out);
                l->held_len = 0;
            }
            data += len + 1;
            n -= len + 1;
            continue;
        }
        /* No end of line yet, or one too far: hold what fits, and pass on a full buffer. */
        size_t room = RUN_LINE_MAX - l->held_len, take = len < room ? len : room;
        memcpy(l->held + l->held_len, data, take);
        l->held_len += take;
        data += take;
        n -= take;
        if (l->held_len == RUN_LINE_MAX) {
            emit_line(l, prefix, l->held, l->held_len, out);
            l->held_len = 0;
        }
    }
}

void run_lines_flush(run_lines *l, const char *prefix, tp_buf *out)
{
    if (l->held_len == 0) return;
    emit_line(l, prefix, l->held, l->held_len, out);
    l->held_len = 0;
}

/* ---- output --------------------------------------------------------------------------------- */

/* Writes what sv->out holds. A standard output that is gone (EPIPE) loses the lines, never the
 * stack. */
static void out_flush(supervisor *sv)
{
    size_t done = 0;
    while (done < sv->out.len) {
        ssize_t w = write(STDOUT_FILENO, sv->out.data + done, sv->out.len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    tp_buf_reset(&sv->out);
}

/* One line of our own, "[run] ...". */
__attribute__((format(printf, 2, 3))) static void say(supervisor *sv, const char *fmt, ...)
{
    va_list ap;
    tp_buf_puts(&sv->out, "[run] ");
    va_start(ap, fmt);
    tp_buf_vprintf(&sv->out, fmt, ap);
    va_end(ap);
    tp_buf_putc(&sv->out, '\n');
    out_flush(sv);
}

/* "exited with status 1", "was killed by signal 9 (SIGKILL)" */
static void describe_end(int status, char *out, size_t outlen)
{
    if (WIFEXITED(status)) {
        snprintf(out, outlen, "exited with status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        snprintf(out, outlen, "was killed by signal %d (SIG%s)%s", WTERMSIG(status),
                 abbrev ? abbrev : "?", WCOREDUMP(status) ? ", core dumped" : "");
    } else {
        snprintf(out, outlen, "ended with wait status %d", status);
    }
}

/* Reads what the process wrote. until_empty: read until nothing is left (it has been reaped),
 * else once (poll said there is something). At the end of its output, closes the pipe. */
static void read_output(supervisor *sv, proc *p, bool until_empty)
{
    while (p->fd >= 0) {
        ssize_t n = read(p->fd, sv->chunk, sizeof sv->chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) {
            run_lines_feed(&p->lines, p->prefix, sv->chunk, (size_t)n, &sv->out);
            out_flush(sv);
            if (until_empty) continue;
            return;
        }
        if (n < 0 && errno == EAGAIN && !until_empty) return;
        /* the end of its output (or an error, or a reaped process with nothing more) */
        run_lines_flush(&p->lines, p->prefix, &sv->out);
        out_flush(sv);
        close(p->fd);
        p->fd = -1;
    }
}

/* ---- processes ------------------------------------------------------------------------------ */

/* In the child, between fork and exec: the state a process expects at its start, then the
 * program. Our process is single-threaded, so nothing here can meet a lock held by another
 * thread. */
static _Noreturn void exec_child(const proc *p, int out_fd, int devnull, pid_t parent)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1); /* we died before prctl took effect */
    if (dup2(devnull, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(out_fd, STDERR_FILENO) < 0)
        _exit(127);
    char *argv[] = {(char *)p->path, NULL};
    execv(p->path, argv);
    dprintf(STDERR_FILENO, "%s: cannot run %s: %s\n", p->program, p->path, strerror(errno));
    _exit(127);
}

static void start(supervisor *sv, proc *p)
{
    int fds[2], err = 0;
    pid_t pid = -1;
    p->restart_at_ms = 0;
    if (pipe2(fds, O_CLOEXEC) == 0) {
        pid_t parent = getpid();
        pid = fork();
        if (pid == 0) exec_child(p, fds[1], sv->devnull, parent);
        err = errno;
        close(fds[1]);
        if (pid < 0) close(fds[0]);
    } else {
        err = errno;
    }
    if (pid < 0) { /* out of processes or descriptors: try again in a while */
        say(sv, "cannot start %s: %s; trying again in %d s", p->program, strerror(err),
            RUN_MAX_DELAY_MS / 1000);
        p->restart_at_ms = tp_clock_ms() + RUN_MAX_DELAY_MS;
        return;
    }
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    p->pid = pid;
    p->fd = fds[0];
    p->since_ms = tp_clock_ms();
    p->sent_term = false;
    say(sv, "%s runs as pid %d", p->program, (int)pid);
}

static void terminate(proc *p)
{
    if (p->pid <= 0) return;
    kill(p->pid, SIGTERM);
    p->sent_term = true;
}

static void stop_services(supervisor *sv)
{
    sv->phase = STOPPING;
    for (size_t i = 0; i < GATEWAY; i++) terminate(&sv->procs[i]);
}

static void stop_begin(supervisor *sv)
{
    sv->stop_deadline_ms = tp_clock_ms() + STOP_WAIT_MS;
    for (size_t i = 0; i < NPROCS; i++) sv->procs[i].restart_at_ms = 0;
    sv->phase = STOPPING_GATEWAY;
    if (sv->procs[GATEWAY].pid > 0)
        terminate(&sv->procs[GATEWAY]);
    else
        stop_services(sv);
}

static void kill_all(supervisor *sv, const char *why)
{
    for (size_t i = 0; i < NPROCS; i++) {
        proc *p = &sv->procs[i];
        if (p->pid <= 0) continue;
        say(sv, "%s (pid %d) %s: killing it", p->program, (int)p->pid, why);
        kill(p->pid, SIGKILL);
        sv->unclean = true;
    }
    sv->killed = true;
}

/* A run of p ended with status: say how, then stop everything, start it again, or (while
 * stopping) note whether it stopped cleanly. */
static void on_end(supervisor *sv, proc *p, int status)
{
    int64_t ran_ms = tp_clock_ms() - p->since_ms;
    pid_t pid = p->pid;
    char how[96];
    read_output(sv, p, true);
    p->pid = 0;
    describe_end(status, how, sizeof how);

    if (sv->phase != RUNNING) {
        bool clean = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                     (p->sent_term && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
        if (!clean) {
            bool failed = !p->history.started && ran_ms < RUN_STARTED_MS && WIFEXITED(status);
            sv->unclean = true;
            say(sv, "%s (pid %d) %s %s", p->program, (int)pid, how,
                failed ? "at its start: it cannot start either" : "while stopping");
        }
        if (sv->phase == STOPPING_GATEWAY && p == &sv->procs[GATEWAY]) stop_services(sv);
        return;
    }
    int delay_ms;
    if (!run_after_end(&p->history, ran_ms, status, &delay_ms)) {
        say(sv, "%s (pid %d) %s %.1f s after its start: it cannot start; stopping everything",
            p->program, (int)pid, how, (double)ran_ms / 1000);
        sv->failed = p;
        if (p->lines.last[0])
            snprintf(sv->failed_line, sizeof sv->failed_line, "%s cannot start: %s", p->program,
                     p->lines.last);
        else
            snprintf(sv->failed_line, sizeof sv->failed_line,
                     "%s cannot start: it %s and wrote nothing", p->program, how);
        stop_begin(sv);
        return;
    }
    say(sv, "%s (pid %d) %s after %.1f s; starting it again in %.1f s", p->program, (int)pid, how,
        (double)ran_ms / 1000, (double)delay_ms / 1000);
    p->restart_at_ms = tp_clock_ms() + delay_ms;
}

static void reap(supervisor *sv)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        /* As a container's pid 1 we also reap orphans that are not ours. */
        for (size_t i = 0; i < NPROCS; i++)
            if (sv->procs[i].pid == pid) on_end(sv, &sv->procs[i], status);
    }
}

static void on_signals(supervisor *sv)
{
    struct signalfd_siginfo si;
    while (read(sv->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        const char *abbrev = sigabbrev_np((int)si.ssi_signo);
        if (si.ssi_signo == SIGCHLD) {
            reap(sv);
        } else if (sv->phase == RUNNING) {
            say(sv, "SIG%s: stopping (the gateway first, then the services)", abbrev);
            stop_begin(sv);
        } else if (!sv->killed) {
            kill_all(sv, "still running at a second signal");
        }
    }
}

static bool any_running(const supervisor *sv)
{
    for (size_t i = 0; i < NPROCS; i++)
        if (sv->procs[i].pid > 0) return true;
    return false;
}

/* poll's timeout: until the nearest restart due, or the end of the wait for a stop. */
static int next_timeout(const supervisor *sv, int64_t now)
{
    int64_t next = INT64_MAX;
    if (sv->phase == RUNNING) {
        for (size_t i = 0; i < NPROCS; i++)
            if (sv->procs[i].restart_at_ms && sv->procs[i].restart_at_ms < next)
                next = sv->procs[i].restart_at_ms;
    } else if (!sv->killed) {
        next = sv->stop_deadline_ms;
    }
    if (next == INT64_MAX) return -1;
    return next <= now ? 0 : (int)(next - now);
}

static int supervise(supervisor *sv)
{
    struct pollfd pfd[NPROCS + 1];
    proc *owner[NPROCS + 1];
    while (sv->phase == RUNNING || any_running(sv)) {
        int64_t now = tp_clock_ms();
        if (sv->phase == RUNNING)
            for (size_t i = 0; i < NPROCS; i++)
                if (sv->procs[i].restart_at_ms && sv->procs[i].restart_at_ms <= now)
                    start(sv, &sv->procs[i]);
        if (sv->phase != RUNNING && !sv->killed && now >= sv->stop_deadline_ms)
            kill_all(sv, "did not stop within 15 s");

        nfds_t n = 0;
        pfd[n++] = (struct pollfd){.fd = sv->sigfd, .events = POLLIN};
        for (size_t i = 0; i < NPROCS; i++) {
            if (sv->procs[i].fd < 0) continue;
            owner[n] = &sv->procs[i];
            pfd[n++] = (struct pollfd){.fd = sv->procs[i].fd, .events = POLLIN};
        }
        if (poll(pfd, n, next_timeout(sv, now)) < 0 && errno != EINTR) {
            say(sv, "poll: %s", strerror(errno));
            kill_all(sv, "left behind by a failing supervisor");
            return 1;
        }
        for (nfds_t i = 1; i < n; i++)
            if (pfd[i].revents) read_output(sv, owner[i], false);
        if (pfd[0].revents) on_signals(sv);
    }
    /* A pipe still open here belongs to a process that has been reaped. */
    for (size_t i = 0; i < NPROCS; i++) read_output(sv, &sv->procs[i], true);
    if (sv->failed) {
        say(sv, "%s", sv->failed_line);
        return 1;
    }
    say(sv, "%s", sv->unclean ? "stopped, not cleanly" : "stopped");
    return sv->unclean ? 1 : 0;
}

/* The folder of our own program: the processes are beside it. */
static int programs_dir(char *dir, size_t dirlen)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    return snprintf(dir, dirlen, "%s", dirname(exe)) < (int)dirlen ? 0 : -1;
}

int cmd_run(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", RUN_USAGE);
        return 1;
    }
    char dir[PATH_MAX];
    if (programs_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "talksctl: run: cannot find the folder of talksctl (/proc/self/exe)\n");
        return 1;
    }
    supervisor *sv = tp_xcalloc(1, sizeof *sv);
    for (size_t i = 0; i < NPROCS; i++) {
        proc *p = &sv->procs[i];
        p->name = programs[i].name;
        p->program = programs[i].program;
        p->fd = -1;
        snprintf(p->prefix, sizeof p->prefix, "[%s] ", p->name);
        if (snprintf(p->path, sizeof p->path, "%s/%s", dir, p->program) >= (int)sizeof p->path) {
            fprintf(stderr, "talksctl: run: the path of %s is too long\n", p->program);
            free(sv);
            return 1;
        }
    }

    /* The signals are read from the signalfd only: blocked from here on (and unblocked in each
     * child before its exec). */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGCHLD);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    sv->sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    sv->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (sv->sigfd < 0 || sv->devnull < 0) {
        fprintf(stderr, "talksctl: run: %s\n", strerror(errno));
        free(sv);
        return 1;
    }

    say(sv,
        "starting talks-auth, talks-talks, talks-comments, talks-mail and talks-gateway from "
        "%s (SIGTERM or Ctrl-C stops them)",
        dir);
    for (size_t i = 0; i < NPROCS; i++) start(sv, &sv->procs[i]);
    int status = supervise(sv);
    close(sv->sigfd);
    close(sv->devnull);
    tp_buf_free(&sv->out);
    free(sv);
    return status;
}
