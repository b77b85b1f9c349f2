/* Unit tests for proto/tp_ops.c: the table of operations and roles. */
#include "tp_ops.h"

#include <stdio.h>
#include <string.h>

#include "../check.h"
#include "tp_relay.h"

static void every_op_is_found_by_its_own_name_only(void)
{
    for (int op = 0; op < TP_OP_COUNT; op++) {
        const char *name = tp_op_name(op);
        CHECK(tp_op_by_name(name, strlen(name)) == op);
        /* Its name starts with its owner's: "auth.login" is svc-auth's. */
        const char *owner = tp_role_name(tp_op_owner(op));
        CHECK(strncmp(name, owner, strlen(owner)) == 0 && name[strlen(owner)] == '.');
        CHECK(tp_op_from(op) != 0);
    }
    CHECK(tp_op_by_name("auth.login", 9) == -1); /* a prefix is not a name */
    CHECK(tp_op_by_name("auth.loginx", 11) == -1);
    CHECK(tp_op_by_name("batch", 5) == -1 && tp_op_by_name("relay", 5) == -1);
}

static void roles_round_trip(void)
{
    for (int r = 0; r < TP_ROLE_COUNT; r++) {
        const char *name = tp_role_name(r);
        CHECK(tp_role_by_name(name, strlen(name)) == r);
    }
    CHECK(tp_role_by_name("gate", 4) == -1);
}

/* Creating users and anything that names a user or an admin is not for a service through the
 * relay; what svc-mail needs is. */
static void the_relay_allows_svc_mail_what_it_reads_and_nothing_else(void)
{
    CHECK(tp_ops_relay_callers() == (TP_ROLE_BIT(TP_ROLE_MAIL) | TP_ROLE_BIT(TP_ROLE_TALKS)));
    unsigned mail = TP_FROM_RELAY(TP_ROLE_MAIL);
    int allowed = 0;
    for (int op = 0; op < TP_OP_COUNT; op++)
        if (tp_op_from(op) & mail) allowed++;
    CHECK(allowed == 4);
    CHECK(tp_op_from(TP_OP_AUTH_USER_CONTACT) & mail);
    CHECK(tp_op_from(TP_OP_AUTH_RESET_TOKEN) == mail); /* it sends the reset mail, nobody else */
    CHECK(tp_op_from(TP_OP_TALKS_GET) & mail);
    CHECK(tp_op_from(TP_OP_COMMENTS_EVENTS_AFTER) & mail);
    CHECK(tp_op_from(TP_OP_AUTH_USER_ADD) == TP_FROM_CTL);
    CHECK(tp_op_from(TP_OP_AUTH_PASSWORD_SET) == TP_FROM_CTL);
    /* Every caller the table names has a relay address of its own. */
    for (int r = 0; r < TP_ROLE_COUNT; r++)
        if (tp_ops_relay_callers() & TP_ROLE_BIT(r)) CHECK(tp_relay_address(r) >= 0);
}

/* svc-talks copies speakers' names for search and says which talks are gone: that, and nothing
 * that names a user, is all the relay lets it ask; and only svc-talks may say a talk is gone. The
 * names' changes are the gateway's to ask too (its users feed), from nowhere else. */
static void the_relay_allows_svc_talks_the_names_and_deletions_only(void)
{
    unsigned talks = TP_FROM_RELAY(TP_ROLE_TALKS);
    int allowed = 0;
    for (int op = 0; op < TP_OP_COUNT; op++)
        if (tp_op_from(op) & talks) allowed++;
    CHECK(allowed == 2);
    CHECK(tp_op_from(TP_OP_AUTH_NAMES_AFTER) == (talks | TP_FROM_WEB));
    CHECK(tp_op_from(TP_OP_COMMENTS_TALK_DELETED) == talks);
}

/* Every service has its backup op, "<service>.backup", and only talksctl may ask for it: it
 * writes a file where the request says. */
static void every_service_has_a_backup_for_talksctl_only(void)
{
    int backups = 0;
    for (int op = 0; op < TP_OP_COUNT; op++) {
        const char *name = tp_op_name(op), *dot = strchr(name, '.');
        if (strcmp(dot + 1, "backup") != 0) continue;
        backups++;
        CHECK(tp_op_from(op) == TP_FROM_CTL);
    }
    CHECK(backups == 4);
    for (int r = TP_ROLE_AUTH; r <= TP_ROLE_MAIL; r++) {
        char name[32];
        snprintf(name, sizeof name, "%s.backup", tp_role_name(r));
        int op = tp_op_by_name(name, strlen(name));
        CHECK(op >= 0 && tp_op_owner(op) == (enum tp_role)r);
    }
}

/* Every service has "<service>.metrics", which only the gateway's web socket may ask for: the
 * gateway's /metrics page is its only reader. */
static void every_service_has_metrics_for_the_gateway_only(void)
{
    for (int r = TP_ROLE_AUTH; r <= TP_ROLE_MAIL; r++) {
        char name[32];
        snprintf(name, sizeof name, "%s.metrics", tp_role_name(r));
        int op = tp_op_by_name(name, strlen(name));
        CHECK(op >= 0 && tp_op_owner(op) == (enum tp_role)r);
        CHECK(op >= 0 && tp_op_from(op) == TP_FROM_WEB);
    }
}

static const check_case cases[] = {
    CASE(every_op_is_found_by_its_own_name_only),
    CASE(roles_round_trip),
    CASE(the_relay_allows_svc_mail_what_it_reads_and_nothing_else),
    CASE(the_relay_allows_svc_talks_the_names_and_deletions_only),
    CASE(every_service_has_a_backup_for_talksctl_only),
    CASE(every_service_has_metrics_for_the_gateway_only),
};

CHECK_MAIN("tp_ops", cases)
