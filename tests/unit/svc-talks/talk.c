/* Unit tests for svc-talks/talk.c: a talk's fields as the speaker typed them. */
#include "talk.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

/* A request map with the seven talk fields, each overridable. */
static void build(tp_msg *m, const char *title, const char *venue_url, const char *date,
                  const char *slides)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "title", title);
    tp_w_kstr(&w, "description", "About things.\nTwo lines.");
    tp_w_kstr(&w, "venue", "FOSDEM");
    tp_w_kstr(&w, "venue_url", venue_url);
    tp_w_kstr(&w, "date", date);
    tp_w_kstr(&w, "slides", slides);
    tp_w_kstr(&w, "video", "");
    tp_w_map_end(&w);
    if (tp_msg_parse(m, w.buf.data, w.buf.len) != 0) abort();
    tp_w_free(&w);
}

static bool date_ok(const char *s)
{
    return talk_date_valid((tp_str){s, strlen(s)});
}

static void real_dates_are_accepted(void)
{
    CHECK(date_ok("2024-02-29"));
    CHECK(date_ok("2000-02-29"));
    CHECK(date_ok("1999-12-31"));
    CHECK(date_ok("2023-04-30"));
}

static void impossible_or_malformed_dates_are_refused(void)
{
    const char *bad[] = {"2023-02-29", "1900-02-29", "2024-02-30",       "2024-04-31",
                         "2024-13-01", "2024-00-10", "2024-01-00",       "24-01-01",
                         "2024/01/01", "2024-1-1",   "2024-01-01T00:00", "",
                         "1899-12-31", "3000-01-01", "２０２４-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (date_ok(bad[i])) fprintf(stderr, "  accepted %s\n", bad[i]);
        CHECK(!date_ok(bad[i]));
    }
}

static void a_good_talk_has_no_errors(void)
{
    tp_msg m;
    talk_input in;
    talk_errors e;
    build(&m, "Fearless C", "https://fosdem.org/", "2024-02-03",
          "https://docs.google.com/presentation/d/1AbC_dEf-123/edit");
    CHECK(talk_input_read(m.root, &in, &e) == 0);
    CHECK(!talk_errors_any(&e));
    CHECK_STR_EQ(in.slides.provider, "googleslides");
    CHECK(in.video.provider[0] == '\0');
    tp_msg_free(&m);
}

static void each_wrong_field_gets_its_own_message(void)
{
    tp_msg m;
    talk_input in;
    talk_errors e;
    build(&m, "", "javascript:alert(1)", "2024-02-30", "<script>alert(1)</script>");
    CHECK(talk_input_read(m.root, &in, &e) == 0);
    CHECK(talk_errors_any(&e));
    CHECK_STR_EQ(e.message[TALK_FIELD_title], "Title is required.");
    CHECK_STR_EQ(e.message[TALK_FIELD_venue_url], "Enter an http:// or https:// address.");
    CHECK_STR_EQ(e.message[TALK_FIELD_date], "Enter a real date as YYYY-MM-DD.");
    CHECK(e.message[TALK_FIELD_slides] != NULL);
    CHECK(e.message[TALK_FIELD_venue] == NULL && e.message[TALK_FIELD_video] == NULL);
    tp_msg_free(&m);
}

static void the_errors_are_written_under_their_field_names(void)
{
    tp_msg m, out;
    talk_input in;
    talk_errors e;
    build(&m, "t", "ftp://x", "2024-01-01", "");
    talk_input_read(m.root, &in, &e);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    talk_errors_write(&e, &w);
    tp_w_map_end(&w);
    CHECK(tp_msg_parse(&out, w.buf.data, w.buf.len) == 0);
    const msgpack_object *fields = tp_map_get(out.root, "fields");
    CHECK(fields && fields->via.map.size == 1);
    CHECK(tp_map_get(fields, "venue_url") != NULL);
    tp_msg_free(&out);
    tp_w_free(&w);
    tp_msg_free(&m);
}

static void a_message_missing_a_field_is_malformed(void)
{
    tp_w w;
    tp_msg m;
    talk_input in;
    talk_errors e;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "title", "only a title");
    tp_w_map_end(&w);
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    CHECK(talk_input_read(m.root, &in, &e) == -1);
    tp_msg_free(&m);
    tp_w_free(&w);
}

static const check_case cases[] = {
    {"real_dates_are_accepted", real_dates_are_accepted},
    {"impossible_or_malformed_dates_are_refused", impossible_or_malformed_dates_are_refused},
    {"a_good_talk_has_no_errors", a_good_talk_has_no_errors},
    {"each_wrong_field_gets_its_own_message", each_wrong_field_gets_its_own_message},
    {"the_errors_are_written_under_their_field_names",
     the_errors_are_written_under_their_field_names},
    {"a_message_missing_a_field_is_malformed", a_message_missing_a_field_is_malformed},
};

CHECK_MAIN("talk", cases)
