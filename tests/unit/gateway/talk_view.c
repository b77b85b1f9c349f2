/* Unit tests for gateway/talk_view.c and comment_view.c: what templates and the API get from
 * checked replies — a talk's own fields and nothing a service slipped in beside them, its
 * author, count and permissions; comments numbered, a visitor's email only for moderators. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "comment_view.h"
#include "reply.h"
#include "sample_replies.h"
#include "talk_view.h"

/* What a writer holds, parsed (it holds one map). */
static void parse_view(tp_w *w, tp_msg *out)
{
    if (tp_msg_parse(out, w->buf.data, w->buf.len) != 0) abort();
    tp_w_free(w);
}

static bool bool_field(const msgpack_object *o, const char *key)
{
    bool b = false;
    return tp_get_bool(o, key, &b) == 0 && b;
}

static bool str_field_is(const msgpack_object *o, const char *key, const char *want)
{
    tp_str s;
    return tp_get_str(o, key, 1 << 20, &s) == 0 && tp_str_eq(s, want);
}

/* A talk reply may hold fields of its own: they must not pass for the gateway's. */
static void a_talk_cannot_grant_itself_can_edit_a_url_or_an_author(void)
{
    tp_msg talk, view;
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "can_edit", true);
    tp_w_kstr(&w, "url", "javascript:alert(1)");
    tp_w_kstr(&w, "author", "Mallory");
    tp_w_kint(&w, "id", 1);
    tp_w_kint(&w, "author_id", 7);
    tp_w_kstr(&w, "title", "t");
    tp_w_kstr(&w, "description", "");
    tp_w_kstr(&w, "venue", "v");
    tp_w_kstr(&w, "venue_url", "");
    tp_w_kstr(&w, "date", "2024-02-03");
    tp_w_kint(&w, "created_at", 0);
    tp_w_kint(&w, "updated_at", 0);
    tp_w_map_end(&w);
    parse_view(&w, &talk);
    char why[200];
    CHECK(reply_check(talk.root, &reply_talk, why, sizeof why) == 0);

    tp_w_init(&w);
    talk_view_write(&w, talk.root, NULL, -1, NULL);
    parse_view(&w, &view);
    CHECK(!bool_field(view.root, "can_edit"));
    CHECK(str_field_is(view.root, "url", "/talk/1"));
    const msgpack_object *author = tp_map_get(view.root, "author");
    CHECK(author && author->type == MSGPACK_OBJECT_NIL);
    CHECK(tp_map_get(view.root, "comment_count") == NULL);
    tp_msg_free(&view);
    tp_msg_free(&talk);
}

static void a_talk_view_has_its_fields_author_count_and_who_may_edit(void)
{
    tp_msg got, users, me, view;
    sample_talks_get(&got);
    sample_users_get(&users, 2);
    sample_session(&me); /* user 7, the talk's speaker */
    const msgpack_object *talk = tp_map_get(got.root, "talk");
    const msgpack_object *author = talk_view_author(tp_map_get(users.root, "users"), talk);
    CHECK(author != NULL);

    tp_w w;
    tp_w_init(&w);
    talk_view_write(&w, talk, author, 4, tp_map_get(me.root, "user"));
    parse_view(&w, &view);
    CHECK(str_field_is(view.root, "title", "Parsing with care"));
    CHECK(str_field_is(view.root, "url", "/talk/1"));
    CHECK(str_field_is(tp_map_get(view.root, "video"), "provider", "youtube"));
    CHECK(str_field_is(tp_map_get(view.root, "author"), "username", "ann"));
    CHECK(bool_field(view.root, "can_edit"));
    int64_t count = -1;
    CHECK(tp_get_int(view.root, "comment_count", 0, 100, &count) == 0 && count == 4);
    tp_msg_free(&view);

    tp_msg other; /* someone else, not an admin */
    tp_w_init(&w);
    sample_user(&w, 8, true);
    parse_view(&w, &other);
    tp_w_init(&w);
    talk_view_write(&w, talk, author, -1, other.root);
    parse_view(&w, &view);
    CHECK(!bool_field(view.root, "can_edit"));
    tp_msg_free(&view);
    tp_msg_free(&other);
    tp_msg_free(&me);
    tp_msg_free(&users);
    tp_msg_free(&got);
}

/* Writes a list of three sample talks (sample_talks_list), speaker 7 known, talk 2 with five
 * comments, into *view as {talks: [...]}: cards (talk_view_write_cards) or whole talks. */
static void write_sample_list(tp_msg *view, bool cards)
{
    tp_msg list, users, counts_msg;
    sample_talks_list(&list, 3);
    sample_users_get(&users, 1);
    tp_w counts;
    tp_w_init(&counts);
    tp_w_map_begin(&counts);
    tp_w_kint(&counts, "2", 5);
    tp_w_map_end(&counts);
    parse_view(&counts, &counts_msg);
    talk_extras extras = {tp_map_get(users.root, "users"), counts_msg.root};

    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    if (cards)
        talk_view_write_cards(&w, "talks", tp_map_get(list.root, "talks"), &extras, false);
    else
        talk_view_write_list(&w, "talks", tp_map_get(list.root, "talks"), &extras, NULL);
    tp_w_map_end(&w);
    parse_view(&w, view);
    tp_msg_free(&counts_msg);
    tp_msg_free(&users);
    tp_msg_free(&list);
}

static void a_talk_list_finds_each_author_and_count(void)
{
    for (int cards = 0; cards <= 1; cards++) {
        tp_msg view;
        write_sample_list(&view, cards);
        const msgpack_object *talks = tp_map_get(view.root, "talks");
        CHECK(talks && talks->type == MSGPACK_OBJECT_ARRAY && talks->via.array.size == 3);
        if (talks && talks->type == MSGPACK_OBJECT_ARRAY && talks->via.array.size == 3) {
            int64_t n = -1;
            CHECK(tp_map_get(&talks->via.array.ptr[0], "comment_count") == NULL);
            CHECK(tp_get_int(&talks->via.array.ptr[1], "comment_count", 0, 9, &n) == 0 && n == 5);
            CHECK(str_field_is(tp_map_get(&talks->via.array.ptr[2], "author"), "name",
                               "Ann Speaker"));
        }
        tp_msg_free(&view);
    }
}

/* The keys of map o are exactly want[0..n), in that order. */
static bool keys_are(const msgpack_object *o, const char *const *want, uint32_t n)
{
    if (!o || o->type != MSGPACK_OBJECT_MAP || o->via.map.size != n) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!tp_key_is(&o->via.map.ptr[i].key, want[i], strlen(want[i]))) return false;
    return true;
}

/* A page's list holds what talk_list.mustache shows and nothing else: not the media, times,
 * ids or permissions of fifty talks, nor their speakers' bios and locations. */
static void a_card_holds_only_what_the_card_shows(void)
{
    static const char *const talk_keys[] = {"title", "description", "venue", "venue_url",
                                            "date",  "url",         "author"};
    static const char *const counted_keys[] = {"title", "description", "venue",  "venue_url",
                                               "date",  "url",         "author", "comment_count"};
    static const char *const author_keys[] = {"username", "name", "avatar_initial", "avatar_hue"};
    tp_msg view;
    write_sample_list(&view, true);
    const msgpack_object *talks = tp_map_get(view.root, "talks");
    CHECK(talks && talks->type == MSGPACK_OBJECT_ARRAY && talks->via.array.size == 3);
    if (talks && talks->type == MSGPACK_OBJECT_ARRAY && talks->via.array.size == 3) {
        const msgpack_object *first = &talks->via.array.ptr[0], *second = &talks->via.array.ptr[1];
        CHECK(keys_are(first, talk_keys, 7));
        CHECK(keys_are(second, counted_keys, 8));
        CHECK(str_field_is(second, "url", "/talk/2"));
        CHECK(keys_are(tp_map_get(&talks->via.array.ptr[2], "author"), author_keys, 4));
    }
    tp_msg_free(&view);
}

static void og_description_is_cut_at_a_character_boundary(void)
{
    tp_msg talk, view;
    char description[300];
    memset(description, 'x', 199);
    memcpy(description + 199, "\xc3\xa9", 2); /* é across byte 200 */
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "id", 9);
    tp_w_kstr(&w, "title", "t");
    tp_w_kstrn(&w, "description", description, 201);
    tp_w_map_end(&w);
    parse_view(&w, &talk);
    tp_w_init(&w);
    tp_w_map_begin(&w);
    talk_view_write_og(&w, talk.root, "https://talks.example");
    tp_w_map_end(&w);
    parse_view(&w, &view);
    const msgpack_object *og = tp_map_get(view.root, "og");
    tp_str d;
    CHECK(tp_get_str(og, "description", 300, &d) == 0 && d.n == 199);
    CHECK(str_field_is(og, "url", "https://talks.example/talk/9"));
    tp_msg_free(&view);
    tp_msg_free(&talk);
}

/* Both readers: a page's view holds the author as the comment shows it and no Markdown source;
 * the API's holds both whole. */
static void comments_are_numbered_and_a_visitors_email_is_for_moderators(void)
{
    tp_msg list, users, view;
    sample_comments_list(&list, 2); /* 1 by user 7, 2 by a visitor */
    sample_users_get(&users, 1);
    for (int moderator = 0; moderator <= 1; moderator++) {
        for (int api = 0; api <= 1; api++) {
            tp_w w;
            tp_w_init(&w);
            tp_w_map_begin(&w);
            comment_view_write_list(&w, api ? COMMENT_FOR_API : COMMENT_FOR_PAGE, "comments",
                                    tp_map_get(list.root, "comments"),
                                    tp_map_get(users.root, "users"), moderator, 21);
            tp_w_map_end(&w);
            parse_view(&w, &view);
            const msgpack_object *c = tp_map_get(view.root, "comments");
            CHECK(c && c->type == MSGPACK_OBJECT_ARRAY && c->via.array.size == 2);
            if (c && c->type == MSGPACK_OBJECT_ARRAY && c->via.array.size == 2) {
                const msgpack_object *by_ann = &c->via.array.ptr[0];
                const msgpack_object *author = tp_map_get(by_ann, "author");
                int64_t n = 0;
                CHECK(tp_get_int(&c->via.array.ptr[1], "number", 0, 99, &n) == 0 && n == 22);
                CHECK(str_field_is(author, "username", "ann"));
                CHECK(str_field_is(by_ann, "created_iso", "2024-02-02T18:56:40Z"));
                CHECK((tp_map_get(&c->via.array.ptr[1], "email") != NULL) == moderator);
                CHECK(bool_field(&c->via.array.ptr[1], "pending"));
                CHECK((tp_map_get(author, "bio") != NULL) == api);
                CHECK((tp_map_get(by_ann, "body") != NULL) == api);
                CHECK(tp_map_get(by_ann, "body_html") != NULL);
            }
            tp_msg_free(&view);
        }
    }
    tp_msg_free(&users);
    tp_msg_free(&list);
}

/* Hostile page numbers and ranks (from a query, or a reply) never overflow: UBSan aborts this
 * test on a signed overflow. The old "rank / per_page + 1" overflowed at INT64_MAX with one
 * comment a page. */
static void paging_arithmetic_clamps_hostile_numbers(void)
{
    CHECK(comment_view_first_number(1, 10) == 1);
    CHECK(comment_view_first_number(3, 10) == 21);
    CHECK(comment_view_first_number(0, 10) == 1);
    CHECK(comment_view_first_number(INT64_MIN, 10) == 1);
    CHECK(comment_view_first_number(INT64_MAX, 100) ==
          (int64_t)(COMMENT_VIEW_PAGE_MAX - 1) * 100 + 1);
    CHECK(comment_view_first_number(INT64_MAX, 100) + 100 > 0);
    CHECK(comment_view_first_number(2, 0) == 2); /* per_page taken as 1 */
    CHECK(comment_view_page_of(0, 10) == 1);
    CHECK(comment_view_page_of(9, 10) == 1);
    CHECK(comment_view_page_of(10, 10) == 2);
    CHECK(comment_view_page_of(-5, 10) == 1);
    CHECK(comment_view_page_of(INT64_MIN, 1) == 1);
    CHECK(comment_view_page_of(INT64_MAX, 1) == COMMENT_VIEW_PAGE_MAX);
    CHECK(comment_view_page_of(INT64_MAX, 100) == COMMENT_VIEW_PAGE_MAX);
    CHECK(comment_view_page_of(INT64_MAX, -7) == COMMENT_VIEW_PAGE_MAX);
}

static void comments_numbered_from_a_huge_first_stop_at_the_largest_number(void)
{
    tp_msg m;
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "comments");
    tp_w_array_begin(&w);
    for (int i = 0; i < 3; i++) {
        tp_w_map_begin(&w);
        tp_w_kint(&w, "id", i + 1);
        tp_w_map_end(&w);
    }
    tp_w_array_end(&w);
    tp_w_map_end(&w);
    parse_view(&w, &m);
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    comment_view_write_list(&out, COMMENT_FOR_API, "list", tp_map_get(m.root, "comments"), NULL,
                            false, INT64_MAX - 1);
    tp_w_map_end(&out);
    tp_msg view;
    parse_view(&out, &view);
    const msgpack_object *list = tp_map_get(view.root, "list");
    CHECK(list && list->type == MSGPACK_OBJECT_ARRAY && list->via.array.size == 3);
    int64_t n = 0;
    CHECK(tp_get_int(&list->via.array.ptr[2], "number", 1, INT64_MAX, &n) == 0 && n == INT64_MAX);
    tp_msg_free(&view);
    tp_msg_free(&m);
}

static const check_case cases[] = {
    CASE(a_talk_cannot_grant_itself_can_edit_a_url_or_an_author),
    CASE(a_talk_view_has_its_fields_author_count_and_who_may_edit),
    CASE(a_talk_list_finds_each_author_and_count),
    CASE(a_card_holds_only_what_the_card_shows),
    CASE(og_description_is_cut_at_a_character_boundary),
    CASE(comments_are_numbered_and_a_visitors_email_is_for_moderators),
    CASE(paging_arithmetic_clamps_hostile_numbers),
    CASE(comments_numbered_from_a_huge_first_stop_at_the_largest_number),
};

CHECK_MAIN("gateway_talk_view", cases)
