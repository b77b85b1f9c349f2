/* seed: the demo data of `talksctl seed`, made the same way by its two paths — one request per
 * row (seed.c, as people make them: events, mail) and pages of rows through the import ops
 * (seed_bulk.c, --bulk: a site of a million comments in a minute). Speaker i, talk j and
 * comment k of talk j always read the same. */
#ifndef SEED_H
#define SEED_H

#include <stdbool.h>
#include <stdint.h>

#define SEED_PASSWORD "talks-demo"

typedef struct seed_user {
    char email[64], username[32], name[64], bio[160];
    const char *location;
} seed_user;

typedef struct seed_talk {
    char title[128], description[400], venue[64], date[16], video[64], slides[80], key[40];
} seed_talk;

/* Every other comment is by a speaker (published at once), the rest by visitors who asked to
 * be told of replies, waiting for moderation. */
typedef struct seed_comment {
    char body[400], name[64], email[64], key[64];
    bool visitor;
} seed_comment;

void seed_user_make(long i, seed_user *u);
void seed_talk_make(long j, seed_talk *t);
/* Comment k of talk j; speaker is the id of the account that writes it when it is not a
 * visitor's. */
void seed_comment_make(long j, long k, int64_t speaker, seed_comment *c);

/* The --bulk path: users speakers, talks talks spread over them, comments comments on each. 0,
 * or 1 after one line on stderr. */
int seed_bulk(long users, long talks, long comments);

#endif
