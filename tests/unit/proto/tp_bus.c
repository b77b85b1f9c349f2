/* tp_bus's watch of the dialers it made: one alone for a second is dialled afresh, and none is
 * after tp_bus_unwatch (a process's stop, before its sockets close). */
#include "tp_bus.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tp_clock.h"
#include "tp_log.h"

static int saved_stderr = -1;
static FILE *caught;

static void catch_stderr(void)
{
    fflush(stderr);
    caught = tmpfile();
    if (!caught || (saved_stderr = dup(STDERR_FILENO)) < 0 ||
        dup2(fileno(caught), STDERR_FILENO) < 0)
        abort();
}

/* How many times stderr has said a dialer was dialled afresh since catch_stderr. */
static int redials_so_far(void)
{
    static char text[65536];
    fflush(stderr);
    long end = ftell(caught);
    rewind(caught);
    size_t n = fread(text, 1, sizeof text - 1, caught);
    text[n] = '\0';
    fseek(caught, end, SEEK_SET);
    int count = 0;
    for (const char *p = text; (p = strstr(p, "dialling it afresh")); p++) count++;
    return count;
}

static void release_stderr(void)
{
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    fclose(caught);
}

/* The replacement is a matter of time: wait for the clock itself. */
static void wait_ms(int64_t ms)
{
    int64_t until = tp_clock_ms() + ms;
    while (tp_clock_ms() < until) usleep(10000);
}

static void a_dialer_alone_is_dialled_afresh_until_unwatched(void)
{
    setenv("TALKS_BUS_EVENTS_IN", "tcp://127.0.0.1:1", 1); /* nothing listens there */
    tp_log_set_level(TP_DEBUG);
    nng_socket s;
    char err[200];
    CHECK(nng_pub0_open(&s) == 0);
    catch_stderr();
    CHECK(tp_bus_dial(s, TALKS_BUS_EVENTS_IN, TP_ROLE_BIT(TP_ROLE_GATEWAY), err, sizeof err) == 0);
    wait_ms(1500);
    tp_bus_unwatch();
    int replaced = redials_so_far();
    wait_ms(1500);
    int later = redials_so_far();
    release_stderr();
    CHECK(replaced >= 1);
    CHECK(later == replaced);
    nng_close(s);
}

static const check_case cases[] = {
    CASE(a_dialer_alone_is_dialled_afresh_until_unwatched),
};

CHECK_MAIN("tp_bus", cases)
