/* contacts: speakers' addresses and names, kept a short while in memory so that applying a
 * comment event does not cost a relay call to svc-auth (auth.user_contact) each time.
 *
 * Design notes: a cache, rather than looking speakers up when the queue is flushed, because
 * the speaker's address is needed when the event is applied: it is part of the moderation
 * mail's queue key and it keeps subscribers with the same address from a second mail. An entry
 * lives CONTACTS_TTL_S seconds, so a speaker's new address or name is used within a minute.
 * The table holds CONTACTS_SLOTS entries, slot = user id modulo its size: memory is bounded,
 * and two speakers who share a slot only cost each other a lookup. Only found accounts are
 * kept: a gone account, or svc-auth not answering, is asked again the next time, so an event
 * still waits for svc-auth (nothing lost) and a gone account still gets no mail. Only svc-mail's
 * one background thread uses it, hence no lock. */
#ifndef MAIL_CONTACTS_H
#define MAIL_CONTACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define CONTACTS_TTL_S   60
#define CONTACTS_SLOTS   256
#define CONTACT_NAME_MAX 256

typedef struct contact {
    char email[STORE_EMAIL_MAX + 1];
    char name[CONTACT_NAME_MAX + 1];
} contact;

/* Copies into out the contact of user_id kept less than CONTACTS_TTL_S seconds before now (a
 * monotonic clock in seconds); false when there is none. */
bool contacts_find(int64_t user_id, int64_t now, contact *out);
/* Keeps a contact just read from svc-auth, replacing whatever its slot held. */
void contacts_put(int64_t user_id, const contact *c, int64_t now);

#endif
