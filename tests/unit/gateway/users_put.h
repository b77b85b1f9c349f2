/* users_put.h: users_get replies handed to the users cache, for the tests of users_cache.c and
 * users_feed.c. */
#ifndef USERS_PUT_H
#define USERS_PUT_H

#include <stdio.h>
#include <stdlib.h>

#include "../../../gateway/users_cache.h"
#include "tp_msg.h"

/* A users_get reply with users ids[0..n), each named "user <id>" with username "u<id>" (and bio,
 * if not NULL), as of
 * profile change number seq (-1: a reply without one, from an older svc-auth); key_of_first:
 * another key for the first (a reply whose key and id disagree). */
static inline void put_users_as_of(const int64_t *ids, size_t n, const char *key_of_first,
                                   const char *bio, int64_t seq)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "ok", true);
    tp_w_key(&w, "users");
    tp_w_map_begin(&w);
    for (size_t i = 0; i < n; i++) {
        char key[24], name[32], username[32];
        snprintf(key, sizeof key, "%lld", (long long)ids[i]);
        snprintf(name, sizeof name, "user %lld", (long long)ids[i]);
        snprintf(username, sizeof username, "u%lld", (long long)ids[i]);
        tp_w_key(&w, i == 0 && key_of_first ? key_of_first : key);
        tp_w_map_begin(&w);
        tp_w_kint(&w, "id", ids[i]);
        tp_w_kstr(&w, "username", username);
        tp_w_kstr(&w, "name", name);
        if (bio) tp_w_kstr(&w, "bio", bio);
        tp_w_map_end(&w);
    }
    tp_w_map_end(&w);
    if (seq >= 0) tp_w_kint(&w, "seq", seq);
    tp_w_map_end(&w);
    tp_msg m;
    if (tp_msg_parse(&m, w.buf.data, w.buf.len) != 0) abort();
    users_cache_put(m.root);
    tp_msg_free(&m);
    tp_w_free(&w);
}

#endif
