/* background: svc-talks' background loop (see background.h). */
#include "background.h"

#include "gone.h"
#include "speakers.h"
#include "tp_svc.h"

void talks_background(tp_db *db, const atomic_bool *stopping)
{
    while (!atomic_load(stopping)) {
        /* A failure needs nothing more: the next turn tries again. */
        speakers_catch_up(db, speakers_fetch_by_relay, stopping);
        gone_catch_up(db, stopping);
        tp_svc_sleep(stopping, SPEAKERS_POLL_MS);
    }
}
