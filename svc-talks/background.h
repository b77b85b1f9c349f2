/* background: svc-talks' background loop (tp_svc.background) — every SPEAKERS_POLL_MS, the
 * speakers' names changed in svc-auth (speakers.h) and the deleted talks svc-comments has not
 * heard of yet (gone.h). */
#ifndef TALKS_BACKGROUND_H
#define TALKS_BACKGROUND_H

#include <stdatomic.h>

#include "tp_db.h"

void talks_background(tp_db *db, const atomic_bool *stopping);

#endif
