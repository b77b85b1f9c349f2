/* background: svc-talks' background loop (see background.h). */
#include "background.h"

#include <time.h>

#include "gone.h"
#include "speakers.h"

#define NAP_MS 100 /* how soon the loop sees stopping */

void talks_background(tp_db *db, const atomic_bool *stopping)
{
    const struct timespec nap = {0, NAP_MS * 1000000L};
    while (!atomic_load(stopping)) {
        /* A failure needs nothing more: the next turn tries again. */
        speakers_catch_up(db, speakers_fetch_by_relay, stopping);
        gone_catch_up(db, stopping);
        for (int slept = 0; slept < SPEAKERS_POLL_MS && !atomic_load(stopping); slept += NAP_MS)
            nanosleep(&nap, NULL);
    }
}
