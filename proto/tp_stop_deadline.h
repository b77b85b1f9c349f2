/* tp_stop_deadline: the end of a process's stop, which cannot hang.
 *
 * Design notes: once a service's data is safe (its workers and writer done, its databases
 * closed), or every request to the gateway is answered and logged, what is left of the stop
 * gives back what the exit gives back anyway: the replies on their way, the bus sockets, nng's
 * threads. nng 1.5.2, Debian 12's, can wait for ever while it
 * closes a socket (nanomsg/nng#1543, #1813 and #1827, deadlocks in nng_close fixed from 1.7.3
 * on): CI saw talks-auth, its workers gone, never return from its stop. A process that does not
 * exit holds its restart, and a docker stop, until it is killed. So that part of the stop runs
 * under a deadline: past it, the process leaves at once, with the status it would have had, and
 * says in its log which step it was waiting on. */
#ifndef TP_STOP_DEADLINE_H
#define TP_STOP_DEADLINE_H

/* How long the rest of a stop may take: replies on their way wait up to 2 s (tp_svc.c). */
#define TP_STOP_DEADLINE_MS 4000

/* From now, the process exits with status after ms unless tp_stop_deadline_met comes first. */
void tp_stop_deadline_start(long ms, int status);
/* The step under way, which the warning names (a string that lives as long as the process). */
void tp_stop_deadline_step(const char *step);
/* The stop is done in time: no warning, no early exit. */
void tp_stop_deadline_met(void);

#endif
