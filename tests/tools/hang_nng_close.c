/* hang_nng_close: preloaded (LD_PRELOAD) into a service, an nng_close that never returns, as
 * nng 1.5.2's sometimes does not (tests/integration/test_stop_deadline.py). */
#include <nng/nng.h>
#include <unistd.h>

int nng_close(nng_socket s)
{
    (void)s;
    for (;;) pause();
}
