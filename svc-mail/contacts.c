/* contacts: the speakers' contact cache (see contacts.h). */
#include "contacts.h"

static struct slot {
    int64_t user_id; /* 0: empty (ids start at 1) */
    int64_t expires;
    contact c;
} slots[CONTACTS_SLOTS];

static struct slot *slot_of(int64_t user_id)
{
    return &slots[(uint64_t)user_id % CONTACTS_SLOTS];
}

bool contacts_find(int64_t user_id, int64_t now, contact *out)
{
    const struct slot *s = slot_of(user_id);
    if (user_id <= 0 || s->user_id != user_id || now >= s->expires) return false;
    *out = s->c;
    return true;
}

void contacts_put(int64_t user_id, const contact *c, int64_t now)
{
    struct slot *s = slot_of(user_id);
    s->user_id = user_id;
    s->expires = now + CONTACTS_TTL_S;
    s->c = *c;
}
