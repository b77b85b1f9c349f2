/* seed: `talksctl seed` — deterministic demo data for demos and the benchmark. The same
 * arguments always make the same speakers and talks, and running it again adds nothing: users
 * that exist are reused, and each talk is created with a fixed request id, which svc-talks
 * remembers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "ctl.h"

#define SEED_PASSWORD "talks-demo"
#define RID           "talksctl-seed" /* the request id of the calls about accounts */
#define USERS_MAX     1000
#define TALKS_MAX     100000

static const char *const first_names[] = {"Ada",      "Grace",  "Alan",    "Barbara",
                                          "Donald",   "Edsger", "Frances", "Ken",
                                          "Margaret", "Linus",  "Radia",   "Guido"};
static const char *const last_names[] = {"Lovelace", "Hopper",   "Turing",  "Liskov",
                                         "Knuth",    "Dijkstra", "Allen",   "Thompson",
                                         "Hamilton", "Torvalds", "Perlman", "van Rossum"};
static const char *const cities[] = {"Lisbon", "Berlin",       "Montréal",  "Nairobi",
                                     "Kyoto",  "Porto Alegre", "Edinburgh", "Pune"};
static const char *const adjectives[] = {"Practical", "Fearless",  "Understanding", "Scaling",
                                         "Testing",   "Debugging", "Designing",     "Shipping"};
static const char *const topics[] = {
    "Concurrency in C",   "Message Buses",         "SQLite in Production", "Web Security Basics",
    "Markdown Rendering", "Event-Driven Services", "Memory Safety",        "Observability",
    "Fuzzing Parsers",    "HTTP Internals"};
static const char *const venues[] = {"PyCon US", "FOSDEM",    "Strange Loop", "JSConf EU",
                                     "RubyConf", "GopherCon", "EuroPython",   "All Things Open"};

#define COUNT(a) (sizeof(a) / sizeof(a)[0])

/* A stable pseudo-random number for (i, salt): the data must not change between runs. */
static unsigned long mix(unsigned long i, unsigned long salt)
{
    unsigned long x = i * 2654435761u + salt * 40503u + 12345u;
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    return x ^ (x >> 15);
}

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
static int64_t seed_user(long i)
{
    char email[64], username[32], name[64], bio[160], msg[256];
    snprintf(username, sizeof username, "speaker%ld", i);
    snprintf(email, sizeof email, "speaker%ld@example.com", i);
    snprintf(name, sizeof name, "%s %s", first_names[mix(i, 1) % COUNT(first_names)],
             last_names[mix(i, 2) % COUNT(last_names)]);
    snprintf(bio, sizeof bio, "Speaker and engineer. Talks about %s and %s.",
             topics[mix(i, 3) % COUNT(topics)], topics[mix(i, 4) % COUNT(topics)]);

    tp_msg reply;
    bool ok;
    int64_t id = -1;
    const struct tp_in_TP_OP_AUTH_USER_ADD add = {
        .email = tp_s(email), .username = tp_s(username), .password = tp_s(SEED_PASSWORD)};
    if (request(TP_OP_AUTH_USER_ADD, &add, RID, &reply, &ok, msg, sizeof msg)) return -1;
    if (ok) tp_get_int(reply.root, "id", 1, INT64_MAX, &id);
    tp_msg_free(&reply);
    if (!ok) { /* made by an earlier run: look it up */
        const struct tp_in_TP_OP_AUTH_USER_GET get = {.username = tp_s(username)};
        if (request(TP_OP_AUTH_USER_GET, &get, RID, &reply, &ok, msg, sizeof msg)) return -1;
        if (ok) tp_get_int(tp_map_get(reply.root, "user"), "id", 1, INT64_MAX, &id);
        tp_msg_free(&reply);
        if (!ok) {
            fprintf(stderr, "talksctl: cannot create %s: %s\n", username, msg);
            return -1;
        }
    }

    const struct tp_in_TP_OP_AUTH_PROFILE_UPDATE profile = {
        .user_id = id,
        .name = tp_s(name),
        .location = tp_s(cities[mix(i, 5) % COUNT(cities)]),
        .bio = tp_s(bio),
    };
    if (request(TP_OP_AUTH_PROFILE_UPDATE, &profile, RID, &reply, &ok, msg, sizeof msg)) return -1;
    tp_msg_free(&reply);
    return id;
}

/* n characters of a stable id from the given alphabet. */
static void make_id(char *out, size_t n, long i, unsigned long salt, const char *alphabet)
{
    size_t k = strlen(alphabet);
    for (size_t j = 0; j < n; j++) out[j] = alphabet[mix(i * 31 + (long)j, salt) % k];
    out[n] = '\0';
}

/* Comment k of talk j: every other one by a speaker (published at once), the rest by visitors,
 * waiting for moderation. */
static int seed_comment(long j, long k, int64_t talk_id, int64_t talk_author, int64_t speaker)
{
    static const char *const bodies[] = {
        "Great talk, thanks! The part about **%s** was the clearest explanation I have seen.",
        "Do you have the code from the demo somewhere? I would love to try _%s_ myself.",
        "We hit the same problem with %s last year.\n\n- measure first\n- then fix",
        "Slides were great. One question: how does this hold up under load? (%s)",
    };
    char body[400], rid[64], name[64], email[64], msg[256];
    snprintf(body, sizeof body, bodies[mix(j * 131 + k, 13) % COUNT(bodies)],
             topics[mix(j + k, 14) % COUNT(topics)]);
    snprintf(rid, sizeof rid, "seed-comment-%ld-%ld", j, k);
    bool visitor = k % 2 == 1;
    tp_msg reply;
    bool ok;
    struct tp_in_TP_OP_COMMENTS_CREATE in = {
        .talk_id = talk_id, .talk_author_id = talk_author, .body = tp_s(body)};
    if (visitor) {
        snprintf(name, sizeof name, "%s %s", first_names[mix(k, 15) % COUNT(first_names)],
                 last_names[mix(k, 16) % COUNT(last_names)]);
        snprintf(email, sizeof email, "visitor%ld@example.com", k);
        in.author_email = tp_s(email);
        in.notify = true;
    } else {
        snprintf(name, sizeof name, "speaker%" PRId64, speaker);
        in.author_id = speaker;
    }
    in.author_name = tp_s(name);
    if (request(TP_OP_COMMENTS_CREATE, &in, rid, &reply, &ok, msg, sizeof msg)) return -1;
    tp_msg_free(&reply);
    if (!ok) fprintf(stderr, "talksctl: a comment was refused: %s\n", msg);
    return ok ? 0 : -1;
}

static int seed_talk(long j, int64_t author_id, int64_t *talk_id)
{
    char title[128], description[400], venue[64], date[16], rid[40], video[64] = "",
                                                                     slides[80] = "", msg[256];
    snprintf(title, sizeof title, "%s %s", adjectives[mix(j, 6) % COUNT(adjectives)],
             topics[mix(j, 7) % COUNT(topics)]);
    snprintf(description, sizeof description,
             "What we learned building real systems.\nThis talk walks through %s, with examples "
             "and the mistakes we made on the way.",
             topics[mix(j, 8) % COUNT(topics)]);
    time_t when = (time_t)(1388534400 + (mix(j, 9) % 4000) * 86400L); /* from 2014-01-01 */
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    snprintf(venue, sizeof venue, "%s %d", venues[mix(j, 10) % COUNT(venues)], tm.tm_year + 1900);
    snprintf(rid, sizeof rid, "seed-talk-%ld", j);
    if (j % 2 == 0) {
        char id[12];
        make_id(id, 11, j, 11, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
        snprintf(video, sizeof video, "https://www.youtube.com/watch?v=%s", id);
    }
    if (j % 3 == 0) {
        char id[33];
        make_id(id, 32, j, 12, "0123456789abcdef");
        snprintf(slides, sizeof slides, "https://speakerdeck.com/player/%s", id);
    }

    tp_msg reply;
    bool ok;
    const struct tp_in_TP_OP_TALKS_CREATE in = {
        .author_id = author_id,
        .title = tp_s(title),
        .description = tp_s(description),
        .venue = tp_s(venue),
        .venue_url = tp_s("https://example.com/conference"),
        .date = tp_s(date),
        .slides = tp_s(slides),
        .video = tp_s(video),
    };
    if (request(TP_OP_TALKS_CREATE, &in, rid, &reply, &ok, msg, sizeof msg)) return -1;
    if (ok) tp_get_int(reply.root, "id", 1, INT64_MAX, talk_id);
    tp_msg_free(&reply);
    if (!ok) fprintf(stderr, "talksctl: talk %ld was refused: %s\n", j, msg);
    return ok ? 0 : -1;
}

int cmd_seed(int argc, char **argv)
{
    long users = 5, talks = 20, comments = 0;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int rc;
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
    int64_t *ids = tp_xcalloc((size_t)users + 1, sizeof *ids);
    int status = 0;
    for (long i = 1; i <= users && !status; i++)
        if ((ids[i - 1] = seed_user(i)) < 0) status = 1;
    for (long j = 1; j <= talks && !status; j++) {
        int64_t talk_id = 0, author = ids[(j - 1) % users];
        if (seed_talk(j, author, &talk_id)) status = 1;
        for (long k = 1; k <= comments && !status; k++)
            if (seed_comment(j, k, talk_id, author, ids[(j + k) % users])) status = 1;
    }
    free(ids);
    if (status) return 1;
    printf("Seeded %ld speakers (password \"%s\"), %ld talks and %ld comments per talk.\n", users,
           SEED_PASSWORD, talks, comments);
    return 0;
}
