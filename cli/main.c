/* talksctl: the operator's command line. Its grammar is the command table at the end; --help
 * is printed from it. Commands talk to a service over its control address (TALKS_CTL_*), so
 * they work whether or not the gateway runs. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "tp_config.h"
#include "tp_log.h"

typedef struct command {
    const char *name, *usage, *summary;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"adduser", ADDUSER_USAGE,
     "create an account (asks for the password twice on a terminal, or reads one line from "
     "standard input with --password-stdin)",
     cmd_adduser},
    {"passwd", PASSWD_USAGE,
     "set the password of the account with that EMAIL (asked twice on a terminal, or one line "
     "from standard input with --password-stdin; at least 8 characters); every session and API "
     "token of the account ends",
     cmd_passwd},
    {"seed", SEED_USAGE,
     "add deterministic demo data: N speakers (default 5, password \"talks-demo\"), N talks "
     "(default 20) and N comments per talk (default 0; half published, half waiting for "
     "moderation); running it again adds nothing new; --bulk writes pages of rows through the "
     "import ops (far faster, but like an import it raises no events: no mail, and cached "
     "pages follow only when they expire)",
     cmd_seed},
    {"config", CONFIG_USAGE,
     "print every setting in effect: its value (secrets as set or unset) and where it comes from "
     "(default, .env or environment), and any TALKS_* variable that is no setting; --doc prints "
     "every setting's meaning and default instead (the README's Markdown table)",
     cmd_config},
    {"bus-certs", BUS_CERTS_USAGE,
     "make the bus's mutual-TLS certificates in DIR (created with mode 0700): one CA per role in "
     "ca.pem, and <role>.crt and <role>.key for gateway, auth, talks, comments, mail and ctl; "
     "refuses a DIR that already holds a ca.pem",
     cmd_bus_certs},
    {"run", RUN_USAGE,
     "run the four services and the gateway (the programs beside talksctl) in the foreground, "
     "each line of their output after [name]; a process that dies is started again (after 0.5 s, "
     "doubling up to 10 s while it keeps dying), one that cannot start (a non-zero exit within "
     "1 s of its first start) stops them all with its own line and exit status 1; SIGTERM, "
     "SIGINT or SIGHUP stops them all (the gateway first) and exits 0",
     cmd_run},
    {"backup", BACKUP_USAGE,
     "an online copy of every service's database (each service copies its own while it keeps "
     "serving) into a new folder DIR/<YYYYMMDDTHHMMSSZ>/ with manifest.json; keeps the newest N "
     "(default 10); --only auth,talks,comments,mail copies those only (in a container: its own); "
     "any copy that fails fails the whole backup (one line, exit 1, nothing kept)",
     cmd_backup},
    {"restore", RESTORE_USAGE,
     "put a backup's databases back into TALKS_DATA_DIR, once every file matches manifest.json; "
     "refuses while any service (or, on one machine, the gateway) is running",
     cmd_restore},
    {"export", EXPORT_USAGE,
     "write the whole site as one JSON document (docs/export-format.md) to FILE (\"-\": standard "
     "output): users with their password hashes, talks, comments with their state, "
     "subscriptions; FILE appears only once it is whole",
     cmd_export},
    {"import", IMPORT_USAGE,
     "put a site written by export into this one, which must be empty (\"-\" reads standard "
     "input); the whole file is checked first, and a file this version does not understand is "
     "refused with one line and changes nothing",
     cmd_import},
    {"import-flask", IMPORT_FLASK_USAGE,
     "add the users, talks and comments of the original Flask Talks app's SQLite file DB, with "
     "the same ids where they are free; users keep their passwords (their old hash is replaced "
     "at their first login); pending emails are dropped; running it again adds nothing; prints "
     "what was added and skipped",
     cmd_import_flask},
    {"ping", PING_USAGE,
     "ask each SERVICE (auth, talks, comments, mail; default all four) over its control address "
     "whether it answers, and print \"svc-NAME: up (replica HOST:PID)\" for each; exit 1, with "
     "one line for each one that does not answer within 3 s (the containers' health checks)",
     cmd_ping},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: talksctl COMMAND [ARGS]\n\nOperator commands for Talks. Settings come "
                 "from the environment and ./.env\n(see `talksctl config`).\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %s\n      %s\n", commands[i].usage, commands[i].summary);
}

int main(int argc, char **argv)
{
    char err[512] = "";
    tp_log_init("ctl"); /* its warnings (an unknown TALKS_* variable) say svc=ctl */
    /* run reads no setting: its processes read them, and a bad one is their own error. */
    bool run = argc >= 2 && strcmp(argv[1], "run") == 0;
    if (sodium_init() < 0 || (!run && tp_config_load(err, sizeof err) != 0)) {
        fprintf(stderr, "talksctl: %s\n", err[0] ? err : "cannot start libsodium");
        return 1;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) != 0) continue;
        for (int j = 2; j < argc; j++) {
            if (strcmp(argv[j], "--help") == 0) {
                printf("usage: talksctl %s\n\n%s\n", commands[i].usage, commands[i].summary);
                return 0;
            }
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "talksctl: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 1;
}
