/* bio_cache: speakers' bios as svc-comments rendered them, remembered for their pages.
 *
 * Design notes: a speaker's page (/user/<name>) shows the bio rendered from Markdown by
 * svc-comments' renderer (comments.preview), and every view the page cache could not answer
 * asked for that render again: a third bus call in a row after the account and the talks, and a
 * Markdown render in svc-comments, about a fifth of what the page cost the stack. The HTML
 * depends on the text only, so an entry is a bio's text with its HTML, for the account it was
 * rendered for, and answers only while that account's bio — as svc-auth told it in the same
 * request — is still that very text: an edited bio is rendered anew on its first view, wherever
 * it was edited. Entries end after the lifetime given to bio_cache_start (BIO_CACHE_LIFETIME_MS
 * in the gateway), so that a svc-comments upgraded with a stricter renderer is asked again
 * within that time rather than never. Keyed by account, not by text: a bio is one speaker's, and
 * a text-keyed cache would let visitors' previews and shared texts crowd it. Loop thread only; a
 * fixed direct-mapped table of BIO_CACHE_SLOTS accounts (ids are dense: a speaker whose slot is
 * taken replaces the other), holding at most BIO_CACHE_BUDGET bytes of text and HTML (a bio may
 * take 8 kB): past it, slots are emptied in turn to make room. */
#ifndef BIO_CACHE_H
#define BIO_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "tp_msg.h"

#define BIO_CACHE_SLOTS       16384
#define BIO_CACHE_BUDGET      (4u << 20)
#define BIO_CACHE_LIFETIME_MS 60000

/* Remembers rendered bios for lifetime_ms (0: never). */
void bio_cache_start(long lifetime_ms);
void bio_cache_stop(void);

/* The HTML rendered from bio for account user_id, remembered within the lifetime from that same
 * text: true and *html (pointing into the cache: valid until the next bio_cache_put or
 * bio_cache_stop), or false. */
bool bio_cache_get(int64_t user_id, tp_str bio, tp_str *html);
/* Remembers that bio, account user_id's, renders as html. */
void bio_cache_put(int64_t user_id, tp_str bio, tp_str html);

#endif
