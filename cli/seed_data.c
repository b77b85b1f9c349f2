/* seed_data: what the seeded speakers, talks and comments say (see seed.h). Each text comes
 * from a stable hash of its number, so the data never changes between runs. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "seed.h"

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

void seed_user_make(long i, seed_user *u)
{
    snprintf(u->username, sizeof u->username, "speaker%ld", i);
    snprintf(u->email, sizeof u->email, "speaker%ld@example.com", i);
    snprintf(u->name, sizeof u->name, "%s %s", first_names[mix(i, 1) % COUNT(first_names)],
             last_names[mix(i, 2) % COUNT(last_names)]);
    snprintf(u->bio, sizeof u->bio, "Speaker and engineer. Talks about %s and %s.",
             topics[mix(i, 3) % COUNT(topics)], topics[mix(i, 4) % COUNT(topics)]);
    u->location = cities[mix(i, 5) % COUNT(cities)];
}

/* n characters of a stable id from the given alphabet. */
static void make_id(char *out, size_t n, long i, unsigned long salt, const char *alphabet)
{
    size_t k = strlen(alphabet);
    for (size_t j = 0; j < n; j++) out[j] = alphabet[mix(i * 31 + (long)j, salt) % k];
    out[n] = '\0';
}

void seed_talk_make(long j, seed_talk *t)
{
    snprintf(t->title, sizeof t->title, "%s %s", adjectives[mix(j, 6) % COUNT(adjectives)],
             topics[mix(j, 7) % COUNT(topics)]);
    snprintf(t->description, sizeof t->description,
             "What we learned building real systems.\nThis talk walks through %s, with examples "
             "and the mistakes we made on the way.",
             topics[mix(j, 8) % COUNT(topics)]);
    time_t when = (time_t)(1388534400 + (mix(j, 9) % 4000) * 86400L); /* from 2014-01-01 */
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(t->date, sizeof t->date, "%Y-%m-%d", &tm);
    snprintf(t->venue, sizeof t->venue, "%s %d", venues[mix(j, 10) % COUNT(venues)],
             tm.tm_year + 1900);
    snprintf(t->key, sizeof t->key, "seed-talk-%ld", j);
    t->video[0] = t->slides[0] = '\0';
    if (j % 2 == 0) {
        char id[12];
        make_id(id, 11, j, 11, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
        snprintf(t->video, sizeof t->video, "https://www.youtube.com/watch?v=%s", id);
    }
    if (j % 3 == 0) {
        char id[33];
        make_id(id, 32, j, 12, "0123456789abcdef");
        snprintf(t->slides, sizeof t->slides, "https://speakerdeck.com/player/%s", id);
    }
}

void seed_comment_make(long j, long k, int64_t speaker, seed_comment *c)
{
    static const char *const bodies[] = {
        "Great talk, thanks! The part about **%s** was the clearest explanation I have seen.",
        "Do you have the code from the demo somewhere? I would love to try _%s_ myself.",
        "We hit the same problem with %s last year.\n\n- measure first\n- then fix",
        "Slides were great. One question: how does this hold up under load? (%s)",
    };
    snprintf(c->body, sizeof c->body, bodies[mix(j * 131 + k, 13) % COUNT(bodies)],
             topics[mix(j + k, 14) % COUNT(topics)]);
    snprintf(c->key, sizeof c->key, "seed-comment-%ld-%ld", j, k);
    c->visitor = k % 2 == 1;
    if (c->visitor) {
        snprintf(c->name, sizeof c->name, "%s %s", first_names[mix(k, 15) % COUNT(first_names)],
                 last_names[mix(k, 16) % COUNT(last_names)]);
        snprintf(c->email, sizeof c->email, "visitor%ld@example.com", k);
    } else {
        snprintf(c->name, sizeof c->name, "speaker%" PRId64, speaker);
        c->email[0] = '\0';
    }
}
