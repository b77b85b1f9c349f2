/* talk_authors: a direct-mapped table of talk id -> author id (see talk_authors.h). */
#include "talk_authors.h"

#define SLOTS 4096 /* 64 KiB; more talks than this share slots, and lose nothing but a call */

static struct {
    int64_t talk_id, author_id; /* talk_id 0: empty */
} slots[SLOTS];

bool talk_authors_get(int64_t talk_id, int64_t *author_id)
{
    if (talk_id <= 0 || slots[talk_id % SLOTS].talk_id != talk_id) return false;
    *author_id = slots[talk_id % SLOTS].author_id;
    return true;
}

void talk_authors_put(int64_t talk_id, int64_t author_id)
{
    if (talk_id <= 0 || author_id <= 0) return;
    slots[talk_id % SLOTS].talk_id = talk_id;
    slots[talk_id % SLOTS].author_id = author_id;
}

void talk_authors_forget(int64_t talk_id)
{
    if (talk_id > 0 && slots[talk_id % SLOTS].talk_id == talk_id)
        slots[talk_id % SLOTS].talk_id = 0;
}
