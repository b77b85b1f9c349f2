/* Unit tests for proto/tp_log.c: TALKS_LOG_LEVEL's levels and the key=value line. Each case
 * catches what the process writes to stderr in a temporary file (tp_log writes fd 2 itself). */
#include "tp_log.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"

static int saved_stderr = -1;
static FILE *caught;

static void catch_stderr(void)
{
    caught = tmpfile();
    if (!caught || (saved_stderr = dup(STDERR_FILENO)) < 0 ||
        dup2(fileno(caught), STDERR_FILENO) < 0)
        abort();
}

/* Gives stderr back and returns what was written since catch_stderr (static: copy it to keep). */
static const char *caught_text(void)
{
    static char text[16384];
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    rewind(caught);
    size_t n = fread(text, 1, sizeof text - 1, caught);
    text[n] = '\0';
    fclose(caught);
    return text;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* The line without its "ts=… " prefix, which changes with the clock. */
static const char *after_timestamp(const char *line)
{
    const char *sp = strchr(line, ' ');
    return sp ? sp + 1 : "";
}

static void level_words_are_the_four_of_talks_log_level(void)
{
    enum tp_log_level l = TP_INFO;
    CHECK(tp_log_level_parse("debug", &l) == 0 && l == TP_DEBUG);
    CHECK(tp_log_level_parse("info", &l) == 0 && l == TP_INFO);
    CHECK(tp_log_level_parse("warn", &l) == 0 && l == TP_WARN);
    CHECK(tp_log_level_parse("error", &l) == 0 && l == TP_ERROR);
    const char *bad[] = {"", "INFO", "warning", "verbose", "info ", "3", "err"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(tp_log_level_parse(bad[i], &l) == -1);
}

static void lines_below_the_level_are_not_written(void)
{
    tp_log_set_level(TP_WARN);
    catch_stderr();
    tp_debug(NULL, "a debug line");
    tp_info(NULL, "an info line");
    tp_warn(NULL, "a warning");
    tp_error(NULL, "an error");
    tp_log_line l;
    CHECK(!tp_log_begin(&l, TP_INFO, "r1")); /* nothing to end */
    const char *out = caught_text();
    CHECK(count_lines(out) == 2);
    CHECK(strstr(out, "level=warn msg=\"a warning\"\n") != NULL);
    CHECK(strstr(out, "level=error msg=\"an error\"\n") != NULL);
    CHECK(strstr(out, "info line") == NULL && strstr(out, "debug line") == NULL);
    CHECK(!tp_log_enabled(TP_INFO) && tp_log_enabled(TP_WARN) && tp_log_enabled(TP_ERROR));

    tp_log_set_level(TP_DEBUG);
    catch_stderr();
    tp_debug(NULL, "a debug line");
    out = caught_text();
    CHECK(strstr(out, "level=debug msg=\"a debug line\"\n") != NULL);

    tp_log_set_level(TP_ERROR);
    catch_stderr();
    tp_warn(NULL, "a warning");
    out = caught_text();
    CHECK(*out == '\0');
    tp_log_set_level(TP_INFO);
}

static void a_line_is_ts_svc_level_rid_then_the_keys_in_order(void)
{
    tp_log_init("comments");
    catch_stderr();
    tp_log_line l;
    CHECK(tp_log_begin(&l, TP_INFO, "abc-123"));
    tp_log_str(&l, "op", "comments.create", strlen("comments.create"));
    tp_log_str(&l, "from", "relay:mail", strlen("relay:mail"));
    tp_log_str(&l, "result", "ok", 2);
    tp_log_printf(&l, "ms", "%.2f", 0.5);
    tp_log_end(&l);
    const char *out = caught_text();
    CHECK(strncmp(out, "ts=", 3) == 0);
    /* ts=YYYY-MM-DDTHH:MM:SS.mmmZ */
    CHECK(strlen(out) > 28 && out[13] == 'T' && out[26] == 'Z' && out[27] == ' ');
    CHECK_STR_EQ(after_timestamp(out), "svc=comments level=info rid=\"abc-123\" op=comments.create "
                                       "from=relay:mail result=ok ms=0.50\n");
    tp_log_init("talks");
}

static void values_that_are_not_plain_tokens_are_quoted_and_escaped(void)
{
    tp_log_init("gateway");
    catch_stderr();
    tp_log_line l;
    CHECK(tp_log_begin(&l, TP_WARN, NULL));
    tp_log_str(&l, "path", "/a b", 4);
    tp_log_str(&l, "empty", "", 0);
    tp_log_str(&l, "detail", "say \"hi\"\nlevel=error x=\\", 24);
    tp_log_str(&l, "nul", "a\0b", 3);
    tp_log_printf(&l, "n", "%s %d", "two", 2);
    tp_log_end(&l);
    const char *out = caught_text();
    CHECK(count_lines(out) == 1); /* a newline in a value cannot start a line of its own */
    CHECK_STR_EQ(after_timestamp(out),
                 "svc=gateway level=warn path=\"/a b\" empty=\"\" "
                 "detail=\"say \\\"hi\\\"\\nlevel=error x=\\\\\" nul=\"a\\x00b\" n=\"two 2\"\n");
    tp_log_init("talks");
}

static void msg_lines_quote_the_message_and_the_rid(void)
{
    tp_log_init("auth");
    catch_stderr();
    tp_info("r\"1\n", "user %d logged in", 7);
    tp_info("", "no rid");
    const char *out = caught_text();
    CHECK(count_lines(out) == 2);
    const char *second = strchr(out, '\n') + 1;
    char first[256];
    snprintf(first, sizeof first, "%.*s", (int)(second - out), out);
    CHECK_STR_EQ(after_timestamp(first),
                 "svc=auth level=info rid=\"r\\\"1\\n\" msg=\"user 7 logged in\"\n");
    CHECK_STR_EQ(after_timestamp(second), "svc=auth level=info msg=\"no rid\"\n");
    tp_log_init("talks");
}

static void integers_are_written_whole_negatives_and_extremes_too(void)
{
    tp_log_init("gateway");
    catch_stderr();
    tp_log_line l;
    CHECK(tp_log_begin(&l, TP_INFO, NULL));
    tp_log_int(&l, "zero", 0);
    tp_log_int(&l, "status", 200);
    tp_log_int(&l, "neg", -42);
    tp_log_int(&l, "max", INT64_MAX);
    tp_log_int(&l, "min", INT64_MIN);
    tp_log_end(&l);
    const char *out = caught_text();
    CHECK_STR_EQ(after_timestamp(out), "svc=gateway level=info zero=0 status=200 neg=-42 "
                                       "max=9223372036854775807 min=-9223372036854775808\n");
    tp_log_init("talks");
}

static void gathered_lines_are_the_same_lines_written_later(void)
{
    tp_log_init("gateway");
    tp_buf gathered = TP_BUF_INIT;
    for (int i = 0; i < 2; i++) {
        tp_log_line l;
        CHECK(tp_log_begin(&l, TP_INFO, "r"));
        tp_log_int(&l, "i", i);
        tp_log_end_gathered(&l, &gathered);
    }
    catch_stderr();
    tp_log_write(gathered.data, gathered.len);
    const char *out = caught_text();
    CHECK(count_lines(out) == 2);
    CHECK(strstr(out, "svc=gateway level=info rid=\"r\" i=0\nts=") != NULL);
    CHECK(strstr(out, "svc=gateway level=info rid=\"r\" i=1\n") != NULL);
    tp_buf_free(&gathered);
    tp_log_init("talks");
}

/* Gathering never holds more than PIPE_BUF bytes: what it held is written before a line that
 * would pass it, so each write is whole on a pipe; every line arrives, in order. */
static void gathered_lines_are_written_in_pieces_of_at_most_pipe_buf(void)
{
    char value[300];
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    tp_buf gathered = TP_BUF_INIT;
    catch_stderr();
    size_t most = 0;
    for (int i = 0; i < 12; i++) {
        tp_log_line l;
        CHECK(tp_log_begin(&l, TP_INFO, NULL));
        tp_log_int(&l, "i", i);
        tp_log_str(&l, "v", value, strlen(value));
        tp_log_end_gathered(&l, &gathered);
        if (gathered.len > most) most = gathered.len;
    }
    tp_log_write(gathered.data, gathered.len);
    const char *out = caught_text();
    CHECK(most <= PIPE_BUF);
    CHECK(count_lines(out) == 12);
    const char *i0 = strstr(out, " i=0 "), *i11 = strstr(out, " i=11 ");
    CHECK(i0 && i11 && i0 < i11);
    tp_buf_free(&gathered);
}

/* Bytes written to stderr so far (caught in a file). */
static long written(void)
{
    fflush(caught);
    return lseek(STDERR_FILENO, 0, SEEK_CUR);
}

/* Held lines are written at the release, together; an error line goes out at once, after them. */
static void held_lines_wait_for_the_release_and_an_error_does_not(void)
{
    catch_stderr();
    tp_log_hold();
    tp_info(NULL, "one");
    tp_info(NULL, "two");
    CHECK(written() == 0);
    tp_error(NULL, "bad");
    long at_error = written();
    tp_info(NULL, "three");
    CHECK(written() == at_error);
    tp_log_release();
    tp_info(NULL, "four"); /* released: at once */
    const char *out = caught_text();
    CHECK(at_error > 0);
    const char *one = strstr(out, "msg=\"one\""), *bad = strstr(out, "msg=\"bad\""),
               *three = strstr(out, "msg=\"three\""), *four = strstr(out, "msg=\"four\"");
    CHECK(one && bad && three && four && one < bad && bad < three && three < four);
    CHECK(count_lines(out) == 5);
}

static int hooked;
static void count_errors(const char *line, size_t n)
{
    (void)line;
    if (n && line[n - 1] != '\n') hooked++;
}

static void the_error_hook_sees_error_lines_only(void)
{
    tp_log_set_error_hook(count_errors);
    catch_stderr();
    tp_warn(NULL, "w");
    tp_error(NULL, "e");
    tp_log_line l;
    CHECK(tp_log_begin(&l, TP_ERROR, "r"));
    tp_log_str(&l, "op", "x", 1);
    tp_log_end(&l);
    caught_text();
    tp_log_set_error_hook(NULL);
    CHECK(hooked == 2);
}

static const check_case cases[] = {
    CASE(gathered_lines_are_written_in_pieces_of_at_most_pipe_buf),
    CASE(held_lines_wait_for_the_release_and_an_error_does_not),
    CASE(level_words_are_the_four_of_talks_log_level),
    CASE(lines_below_the_level_are_not_written),
    CASE(a_line_is_ts_svc_level_rid_then_the_keys_in_order),
    CASE(values_that_are_not_plain_tokens_are_quoted_and_escaped),
    CASE(msg_lines_quote_the_message_and_the_rid),
    CASE(integers_are_written_whole_negatives_and_extremes_too),
    CASE(gathered_lines_are_the_same_lines_written_later),
    CASE(the_error_hook_sees_error_lines_only),
};

CHECK_MAIN("tp_log", cases)
