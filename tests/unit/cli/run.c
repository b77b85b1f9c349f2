/* Unit tests for the decisions of cli/run.c (`talksctl run`, run.h): which end of a process means
 * it cannot start, the restart delays and their reset, and how output becomes whole prefixed
 * lines. The processes themselves are driven by tests/integration/test_supervisor.py. */
#include <signal.h>
#include <stdlib.h>

#include "../check.h"
#include "run.h"

/* Wait statuses as waitpid(2) gives them on Linux. */
static int exited(int code)
{
    return (code & 0xff) << 8;
}

static int killed(int sig)
{
    return sig & 0x7f;
}

static void test_a_non_zero_exit_within_the_first_second_means_it_cannot_start(void)
{
    run_history h = {0};
    int delay = -1;
    CHECK(!run_after_end(&h, 20, exited(1), &delay));
    CHECK(delay == -1);
    h = (run_history){0};
    CHECK(!run_after_end(&h, RUN_STARTED_MS - 1, exited(127), &delay));
}

static void test_a_kill_or_a_clean_exit_within_the_first_second_is_restarted(void)
{
    run_history h = {0};
    int delay = -1;
    CHECK(run_after_end(&h, 10, killed(SIGKILL), &delay) && delay == RUN_FIRST_DELAY_MS);
    CHECK(!h.started);
    h = (run_history){0};
    CHECK(run_after_end(&h, 10, killed(SIGSEGV), &delay) && delay == RUN_FIRST_DELAY_MS);
    h = (run_history){0};
    CHECK(run_after_end(&h, 10, exited(0), &delay) && delay == RUN_FIRST_DELAY_MS);
}

static void test_a_started_process_that_exits_at_once_is_restarted(void)
{
    run_history h = {0};
    int delay;
    CHECK(run_after_end(&h, RUN_STARTED_MS, exited(1), &delay) && h.started);
    CHECK(run_after_end(&h, 5, exited(1), &delay) && delay == 2 * RUN_FIRST_DELAY_MS);
    /* a kill in its first second, then a quick failure: it has never started */
    h = (run_history){0};
    CHECK(run_after_end(&h, 5, killed(SIGKILL), &delay));
    CHECK(!run_after_end(&h, 5, exited(1), &delay));
}

static void test_restarts_back_off_from_half_a_second_to_ten(void)
{
    run_history h = {.started = true};
    const int want[] = {500, 1000, 2000, 4000, 8000, 10000, 10000, 10000};
    CHECK(RUN_FIRST_DELAY_MS <= 1000 && RUN_MAX_DELAY_MS == 10000);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int delay = 0;
        CHECK(run_after_end(&h, 100, killed(SIGKILL), &delay));
        CHECK(delay == want[i]);
    }
}

static void test_a_run_of_thirty_seconds_resets_the_backoff(void)
{
    run_history h = {.started = true};
    int delay = 0;
    for (int i = 0; i < 6; i++) CHECK(run_after_end(&h, 100, killed(SIGKILL), &delay));
    CHECK(delay == RUN_MAX_DELAY_MS);
    CHECK(run_after_end(&h, RUN_STABLE_MS - 1, killed(SIGKILL), &delay));
    CHECK(delay == RUN_MAX_DELAY_MS);
    CHECK(run_after_end(&h, RUN_STABLE_MS, killed(SIGKILL), &delay));
    CHECK(delay == RUN_FIRST_DELAY_MS);
    CHECK(run_after_end(&h, 100, exited(3), &delay) && delay == 2 * RUN_FIRST_DELAY_MS);
}

static void feed(run_lines *l, const char *s, tp_buf *out)
{
    run_lines_feed(l, "[x] ", s, strlen(s), out);
}

static void test_whole_lines_are_prefixed_and_a_partial_one_waits(void)
{
    run_lines *l = calloc(1, sizeof *l);
    tp_buf out = TP_BUF_INIT;
    feed(l, "one\ntwo\nthr", &out);
    CHECK_STR_EQ(out.data, "[x] one\n[x] two\n");
    CHECK_STR_EQ(l->last, "two");
    tp_buf_reset(&out);
    feed(l, "ee", &out);
    CHECK(out.len == 0);
    feed(l, "\n\nfour", &out);
    CHECK_STR_EQ(out.data, "[x] three\n[x] \n");
    CHECK_STR_EQ(l->last, "three"); /* an empty line is not worth repeating */
    tp_buf_reset(&out);
    run_lines_flush(l, "[x] ", &out);
    CHECK_STR_EQ(out.data, "[x] four\n");
    CHECK_STR_EQ(l->last, "four");
    tp_buf_reset(&out);
    run_lines_flush(l, "[x] ", &out);
    CHECK(out.len == 0);
    tp_buf_free(&out);
    free(l);
}

static void test_an_overlong_line_is_cut_into_prefixed_lines(void)
{
    run_lines *l = calloc(1, sizeof *l);
    tp_buf out = TP_BUF_INIT;
    size_t n = 2 * RUN_LINE_MAX + 10;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\n';
    run_lines_feed(l, "[x] ", big, 7, &out); /* held, then the rest */
    run_lines_feed(l, "[x] ", big + 7, n + 1 - 7, &out);
    /* three lines: two full ones and the last ten bytes */
    size_t lines = 0, prefixes = 0;
    for (size_t i = 0; i < out.len; i++) lines += out.data[i] == '\n';
    for (const char *p = out.data; (p = strstr(p, "[x] ")); p++) prefixes++;
    CHECK(lines == 3 && prefixes == 3);
    CHECK(out.len == n + 3 * (4 + 1));
    CHECK_STR_EQ(l->last, "aaaaaaaaaa");
    CHECK(strcmp(out.data + out.len - 15, "[x] aaaaaaaaaa\n") == 0);
    free(big);
    tp_buf_free(&out);
    free(l);
}

static const check_case cases[] = {
    CASE(test_a_non_zero_exit_within_the_first_second_means_it_cannot_start),
    CASE(test_a_kill_or_a_clean_exit_within_the_first_second_is_restarted),
    CASE(test_a_started_process_that_exits_at_once_is_restarted),
    CASE(test_restarts_back_off_from_half_a_second_to_ten),
    CASE(test_a_run_of_thirty_seconds_resets_the_backoff),
    CASE(test_whole_lines_are_prefixed_and_a_partial_one_waits),
    CASE(test_an_overlong_line_is_cut_into_prefixed_lines),
};
CHECK_MAIN("cli_run", cases)
