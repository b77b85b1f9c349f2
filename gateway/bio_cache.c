/* bio_cache: rendered bios remembered for speakers' pages (see bio_cache.h). */
#include "bio_cache.h"

#include <stdlib.h>
#include <string.h>

#include "tp_buf.h"
#include "tp_clock.h"

typedef struct slot {
    int64_t user_id; /* 0: empty */
    int64_t made_ms;
    size_t bio_len;
    tp_buf text; /* the bio, then its HTML */
} slot;

static long lifetime_ms;
static slot slots[BIO_CACHE_SLOTS];
static size_t cached_bytes;
static size_t hand; /* the next slot to empty when a bio needs room */

void bio_cache_start(long lifetime)
{
    lifetime_ms = lifetime;
}

static void drop(slot *s)
{
    cached_bytes -= s->text.len;
    tp_buf_free(&s->text);
    s->user_id = 0;
}

void bio_cache_stop(void)
{
    for (size_t i = 0; i < BIO_CACHE_SLOTS; i++) drop(&slots[i]);
    lifetime_ms = 0;
}

bool bio_cache_get(int64_t user_id, tp_str bio, tp_str *html)
{
    if (lifetime_ms <= 0 || user_id <= 0) return false;
    slot *s = &slots[(uint64_t)user_id % BIO_CACHE_SLOTS];
    if (s->user_id != user_id || tp_clock_ms() - s->made_ms >= lifetime_ms || s->bio_len != bio.n ||
        (bio.n && memcmp(s->text.data, bio.p, bio.n) != 0))
        return false;
    *html = (tp_str){s->text.data + s->bio_len, s->text.len - s->bio_len};
    return true;
}

void bio_cache_put(int64_t user_id, tp_str bio, tp_str html)
{
    if (lifetime_ms <= 0 || user_id <= 0) return;
    slot *s = &slots[(uint64_t)user_id % BIO_CACHE_SLOTS];
    drop(s);
    if (bio.n + html.n > BIO_CACHE_BUDGET) return;
    while (cached_bytes + bio.n + html.n > BIO_CACHE_BUDGET) { /* room, in slot order */
        drop(&slots[hand]);
        hand = (hand + 1) % BIO_CACHE_SLOTS;
    }
    tp_buf_append(&s->text, bio.p, bio.n);
    tp_buf_append(&s->text, html.p, html.n);
    cached_bytes += s->text.len;
    s->bio_len = bio.n;
    s->user_id = user_id;
    s->made_ms = tp_clock_ms();
}
