/* tp_stop_deadline: a stop held past its deadline ends there, with the status it would have had
 * and a warning naming the step; a stop done in time is left alone. Each case runs in a child
 * process, which the deadline may end. */
#include "tp_stop_deadline.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* Runs body in a child whose stderr goes to a pipe: its wait status, and what it wrote. */
static int run_child(void (*body)(void), char *out, size_t outlen)
{
    int fds[2];
    if (pipe(fds) != 0) abort();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        body();
        _exit(99);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t got;
    while (n + 1 < outlen && (got = read(fds[0], out + n, outlen - 1 - n)) > 0) n += (size_t)got;
    out[n] = '\0';
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    return status;
}

static void held_for_ever(void)
{
    tp_stop_deadline_start(50, 3);
    tp_stop_deadline_step("closing the bus socket");
    for (;;) pause();
}

static void a_stop_held_past_its_deadline_ends_there(void)
{
    char out[1024];
    int status = run_child(held_for_ever, out, sizeof out);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    CHECK(strstr(out, "level=warn") != NULL);
    CHECK(strstr(out, "stop: closing the bus socket did not finish within 50 ms; exiting without "
                      "waiting for it") != NULL);
}

/* The stop is done, then the process waits on (as exit's own work might) until a signal that
 * the deadline, had it fired, would have beaten. */
static void done_in_time(void)
{
    tp_stop_deadline_start(50, 3);
    tp_stop_deadline_met();
    struct timespec past = {0, 200 * 1000000L};
    nanosleep(&past, NULL); /* four times the deadline */
    _exit(0);
}

static void a_stop_done_in_time_is_left_alone(void)
{
    char out[1024];
    int status = run_child(done_in_time, out, sizeof out);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_STR_EQ(out, "");
}

static const check_case cases[] = {
    CASE(a_stop_held_past_its_deadline_ends_there),
    CASE(a_stop_done_in_time_is_left_alone),
};

CHECK_MAIN("tp_stop_deadline", cases)
