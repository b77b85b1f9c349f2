/* seed: `talksctl seed` — deterministic demo data for demos and the benchmark (the texts are
 * seed_data.c's). The same arguments always make the same speakers and talks, and running it
 * again adds nothing: users that exist are reused, and each talk and comment is made with a
 * fixed request id (or, with --bulk, the same idempotency key), which its service remembers.
 *
 * By default each row is one request, as people make them: comments raise their events (the
 * gateway forgets cached pages, svc-mail mails the speakers). --bulk sends pages of rows
 * through the import ops instead (seed_bulk.c): a hundred times faster, but an import is
 * history, so it raises no event. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ctl.h"
#include "seed.h"

#define RID       "talksctl-seed" /* the request id of the calls about accounts */
#define USERS_MAX 10000           /* a large site keeps 10 talks a speaker: bench --scale large */
#define TALKS_MAX 100000

static int parse_count(const char *flag, const char *value, long max, long *out)
{
    char *end;
    long n = value ? strtol(value, &end, 10) : -1;
    if (!value || *end || n < 0 || n > max) {
        fprintf(stderr, "talksctl: %s takes a number from 0 to %ld\n", flag, max);
        return -1;
    }
    *out = n;
    return 0;
}

/* Calls op with in and checks the answer: 0 with the reply in *reply (free it), -1 when the
 * service is unreachable (said). */
static int request(enum tp_op_id op, const void *in, const char *rid, tp_msg *reply, bool *ok,
                   char *msg, size_t msglen)
{
    if (ctl_send(op, in, rid, reply)) return -1;
    *ok = ctl_reply_ok(reply, msg, msglen);
    return 0;
}

/* Creates speaker i (or finds the one a previous run made); its id, or -1. */
static int64_t create_user(long i)
{
    seed_user u;
    char msg[256];
    seed_user_make(i, &u);
    tp_msg reply;
    bool ok;
    int64_t id = -1;
    const struct tp_in_TP_OP_AUTH_USER_ADD add = {
        .email = tp_s(u.email), .username = tp_s(u.username), .password = tp_s(SEED_PASSWORD)};
    if (request(TP_OP_AUTH_USER_ADD, &add, RID, &reply, &ok, msg, sizeof msg)) return -1;
    if (ok) tp_get_int(reply.root, "id", 1, INT64_MAX, &id);
    tp_msg_free(&reply);
    if (!ok) { /* made by an earlier run: look it up */
        const struct tp_in_TP_OP_AUTH_USER_GET get = {.username = tp_s(u.username)};
        if (request(TP_OP_AUTH_USER_GET, &get, RID, &reply, &ok, msg, sizeof msg)) return -1;
        if (ok) tp_get_int(tp_map_get(reply.root, "user"), "id", 1, INT64_MAX, &id);
        tp_msg_free(&reply);
        if (!ok) {
            fprintf(stderr, "talksctl: cannot create %s: %s\n", u.username, msg);
            return -1;
        }
    }

    const struct tp_in_TP_OP_AUTH_PROFILE_UPDATE profile = {
        .user_id = id, .name = tp_s(u.name), .location = tp_s(u.location), .bio = tp_s(u.bio)};
    if (request(TP_OP_AUTH_PROFILE_UPDATE, &profile, RID, &reply, &ok, msg, sizeof msg)) return -1;
    tp_msg_free(&reply);
    return id;
}

static int create_comment(long j, long k, int64_t talk_id, int64_t talk_author, int64_t speaker)
{
    seed_comment sc;
    char msg[256];
    seed_comment_make(j, k, speaker, &sc);
    tp_msg reply;
    bool ok;
    struct tp_in_TP_OP_COMMENTS_CREATE in = {.talk_id = talk_id,
                                             .talk_author_id = talk_author,
                                             .body = tp_s(sc.body),
                                             .author_name = tp_s(sc.name)};
    if (sc.visitor) {
        in.author_email = tp_s(sc.email);
        in.notify = true;
    } else {
        in.author_id = speaker;
    }
    if (request(TP_OP_COMMENTS_CREATE, &in, sc.key, &reply, &ok, msg, sizeof msg)) return -1;
    tp_msg_free(&reply);
    if (!ok) fprintf(stderr, "talksctl: a comment was refused: %s\n", msg);
    return ok ? 0 : -1;
}

static int create_talk(long j, int64_t author_id, int64_t *talk_id)
{
    seed_talk t;
    char msg[256];
    seed_talk_make(j, &t);
    tp_msg reply;
    bool ok;
    const struct tp_in_TP_OP_TALKS_CREATE in = {
        .author_id = author_id,
        .title = tp_s(t.title),
        .description = tp_s(t.description),
        .venue = tp_s(t.venue),
        .venue_url = tp_s("https://example.com/conference"),
        .date = tp_s(t.date),
        .slides = tp_s(t.slides),
        .video = tp_s(t.video),
    };
    if (request(TP_OP_TALKS_CREATE, &in, t.key, &reply, &ok, msg, sizeof msg)) return -1;
    if (ok) tp_get_int(reply.root, "id", 1, INT64_MAX, talk_id);
    tp_msg_free(&reply);
    if (!ok) fprintf(stderr, "talksctl: talk %ld was refused: %s\n", j, msg);
    return ok ? 0 : -1;
}

/* The default path: one request a row. */
static int seed_each(long users, long talks, long comments)
{
    int64_t *ids = tp_xcalloc((size_t)users + 1, sizeof *ids);
    int status = 0;
    for (long i = 1; i <= users && !status; i++)
        if ((ids[i - 1] = create_user(i)) < 0) status = 1;
    for (long j = 1; j <= talks && !status; j++) {
        int64_t talk_id = 0, author = ids[(j - 1) % users];
        if (create_talk(j, author, &talk_id)) status = 1;
        for (long k = 1; k <= comments && !status; k++)
            if (create_comment(j, k, talk_id, author, ids[(j + k) % users])) status = 1;
    }
    free(ids);
    return status;
}

int cmd_seed(int argc, char **argv)
{
    long users = 5, talks = 20, comments = 0;
    bool bulk = false;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int rc;
        if (strcmp(argv[i], "--bulk") == 0) {
            bulk = true;
            continue;
        }
        if (strcmp(argv[i], "--users") == 0)
            rc = parse_count("--users", value, USERS_MAX, &users);
        else if (strcmp(argv[i], "--talks") == 0)
            rc = parse_count("--talks", value, TALKS_MAX, &talks);
        else if (strcmp(argv[i], "--comments") == 0)
            rc = parse_count("--comments", value, TALKS_MAX, &comments);
        else {
            fprintf(stderr, "talksctl: usage: talksctl %s\n", SEED_USAGE);
            return 1;
        }
        if (rc) return 1;
        i++;
    }
    if (users == 0 && talks > 0) {
        fprintf(stderr, "talksctl: talks need at least one speaker (--users 1 or more)\n");
        return 1;
    }
    if (bulk ? seed_bulk(users, talks, comments) : seed_each(users, talks, comments)) return 1;
    printf("Seeded %ld speakers (password \"%s\"), %ld talks and %ld comments per talk.\n", users,
           SEED_PASSWORD, talks, comments);
    return 0;
}
