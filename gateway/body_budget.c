/* body_budget: the cap on request bytes held in memory (see body_budget.h).
 *
 * Design notes: h2o 2.2.5 has no hook on a body's bytes as they arrive, so the check runs after
 * each turn of the loop and reads each connection's input buffer (what h2o holds of its request
 * until the response is sent). A turn reads at most what the kernel holds for each ready
 * connection, so the gateway keeps that small (BODY_BUDGET_RCVBUF): the total passes the
 * cap by at most that times the connections one turn serves before the check pauses them. Only
 * connections holding at least PAUSE_MIN bytes are paused: idle keep-alive connections and small
 * requests go on. */
#include "body_budget.h"

#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "tp_buf.h"

#define PAUSE_MIN (16 * 1024)

typedef struct tracked {
    h2o_linklist_t link;
    h2o_socket_t *sock;
    h2o_socket_cb paused; /* the read callback h2o had set, while paused */
} tracked;

static h2o_linklist_t connections = {&connections, &connections};
static bool over; /* paused: waiting for the total to fall under half the cap */

void *body_budget_add(h2o_socket_t *sock)
{
    tracked *t = tp_xcalloc(1, sizeof *t);
    t->sock = sock;
    h2o_linklist_insert(&connections, &t->link);
    return t;
}

void body_budget_remove(void *handle)
{
    tracked *t = handle;
    h2o_linklist_unlink(&t->link);
    free(t);
}

static size_t total(void)
{
    size_t sum = 0;
    for (h2o_linklist_t *l = connections.next; l != &connections; l = l->next) {
        h2o_socket_t *sock = H2O_STRUCT_FROM_MEMBER(tracked, link, l)->sock;
        /* A body's buffer has grown by doubling: its capacity is what it holds of memory. */
        if (sock->input)
            sum += sock->input->size < PAUSE_MIN ? sock->input->size : sock->input->capacity;
    }
    return sum;
}

/* Stops reading the connections that hold a body so far (including ones that started while
 * over the cap). */
static void pause_bodies(void)
{
    for (h2o_linklist_t *l = connections.next; l != &connections; l = l->next) {
        tracked *t = H2O_STRUCT_FROM_MEMBER(tracked, link, l);
        h2o_socket_t *sock = t->sock;
        if (t->paused || !sock->input || sock->input->size < PAUSE_MIN || !sock->_cb.read) continue;
        t->paused = sock->_cb.read;
        h2o_socket_read_stop(sock);
    }
}

static void resume_bodies(void)
{
    for (h2o_linklist_t *l = connections.next; l != &connections; l = l->next) {
        tracked *t = H2O_STRUCT_FROM_MEMBER(tracked, link, l);
        if (!t->paused) continue;
        /* h2o may have restarted reading itself (it owns the socket): leave it be then. */
        if (!t->sock->_cb.read) h2o_socket_read_start(t->sock, t->paused);
        t->paused = NULL;
    }
}

void body_budget_check(void)
{
    size_t held = total();
    if (held > BODY_BUDGET_BYTES) over = true;
    if (over && held < BODY_BUDGET_BYTES / 2) {
        over = false;
        resume_bodies();
    }
    if (over) pause_bodies();
}

void body_budget_cut_paused(void)
{
    for (h2o_linklist_t *l = connections.next; l != &connections; l = l->next) {
        tracked *t = H2O_STRUCT_FROM_MEMBER(tracked, link, l);
        if (!t->paused) continue;
        shutdown(h2o_socket_get_fd(t->sock), SHUT_RDWR);
        if (!t->sock->_cb.read) h2o_socket_read_start(t->sock, t->paused);
        t->paused = NULL;
    }
}
