/* talksctl: the operator's command line. Its grammar is the command table at the end; --help
 * is printed from it. Commands talk to a service over its control address (TALKS_CTL_*), so
 * they work whether or not the gateway runs. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tp_config.h"
#include "tp_err.h"
#include "tp_svc.h"

#define REQUEST_TIMEOUT_MS 10000
#define PASSWORD_LINE_MAX  1100

typedef struct command {
    const char *name, *usage, *summary;
    int (*run)(int argc, char **argv);
} command;

static const command commands[];

/* Reads one line without its newline; echo off when reading from a terminal. */
static int read_password(FILE *in, const char *prompt, bool terminal, char *out, size_t outlen)
{
    struct termios saved, quiet;
    if (terminal) {
        fputs(prompt, stderr);
        fflush(stderr);
        tcgetattr(fileno(in), &saved);
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(in), TCSAFLUSH, &quiet);
    }
    char *got = fgets(out, (int)outlen, in);
    if (terminal) {
        tcsetattr(fileno(in), TCSAFLUSH, &saved);
        fputc('\n', stderr);
    }
    if (!got) return -1;
    size_t n = strlen(out);
    if (n == outlen - 1 && out[n - 1] != '\n') return -1;
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r')) out[--n] = '\0';
    return 0;
}

/* Sends one request to a service's control address; prints its own error line. */
static int call(enum tp_setting ctl, const char *svc, tp_w *req, tp_msg *reply)
{
    char url[512], err[768];
    tp_config_ctl_addr(ctl, svc, url, sizeof url);
    if (tp_request(url, &req->buf, REQUEST_TIMEOUT_MS, reply, err, sizeof err) != 0) {
        fprintf(stderr, "talksctl: the %s service is unreachable (%s). Is it running?\n", svc, err);
        return -1;
    }
    return 0;
}

static int cmd_adduser(int argc, char **argv)
{
    bool admin = false, from_stdin = false;
    const char *args[2];
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--admin") == 0)
            admin = true;
        else if (strcmp(argv[i], "--password-stdin") == 0)
            from_stdin = true;
        else if (argv[i][0] == '-' || nargs == 2) {
            fprintf(stderr, "talksctl: usage: talksctl %s\n", commands[0].usage);
            return 1;
        } else
            args[nargs++] = argv[i];
    }
    if (nargs != 2) {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", commands[0].usage);
        return 1;
    }

    char pw[PASSWORD_LINE_MAX], confirm[PASSWORD_LINE_MAX];
    if (from_stdin) {
        if (read_password(stdin, "", false, pw, sizeof pw) != 0) {
            fprintf(stderr, "talksctl: no password line on standard input.\n");
            return 1;
        }
    } else {
        FILE *tty = fopen("/dev/tty", "r+");
        if (!tty || !isatty(fileno(tty))) {
            fprintf(stderr, "talksctl: no terminal to ask for the password; use "
                            "--password-stdin.\n");
            if (tty) fclose(tty);
            return 1;
        }
        int rc = read_password(tty, "Password: ", true, pw, sizeof pw) ||
                 read_password(tty, "Confirm: ", true, confirm, sizeof confirm);
        fclose(tty);
        if (rc) {
            fprintf(stderr, "talksctl: no password given.\n");
            return 1;
        }
        if (strcmp(pw, confirm) != 0) {
            sodium_memzero(confirm, sizeof confirm);
            sodium_memzero(pw, sizeof pw);
            fprintf(stderr, "talksctl: Passwords do not match.\n");
            return 1;
        }
        sodium_memzero(confirm, sizeof confirm);
    }

    tp_w req;
    tp_w_init(&req);
    tp_w_request(&req, "auth.user_add", "talksctl");
    tp_w_kstr(&req, "email", args[0]);
    tp_w_kstr(&req, "username", args[1]);
    tp_w_kstr(&req, "password", pw);
    tp_w_kbool(&req, "is_admin", admin);
    tp_w_map_end(&req);
    sodium_memzero(pw, sizeof pw);
    tp_msg reply;
    int rc = call(TALKS_CTL_AUTH, "auth", &req, &reply);
    sodium_memzero(req.buf.data, req.buf.len);
    tp_w_free(&req);
    if (rc) return 1;

    bool ok = false;
    tp_str msg = {"", 0};
    tp_get_bool(reply.root, "ok", &ok);
    tp_opt_str(reply.root, "msg", 512, &msg);
    if (ok)
        printf("User %s was registered successfully.\n", args[1]);
    else
        fprintf(stderr, "talksctl: %.*s\n", (int)msg.n, msg.p);
    tp_msg_free(&reply);
    return ok ? 0 : 1;
}

static int cmd_config(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", commands[1].usage);
        return 1;
    }
    printf("| variable | meaning | default |\n|---|---|---|\n");
    for (int i = 0; i < TP_SETTING_COUNT; i++)
        printf("| `%s` | %s | %s%s%s |\n", tp_config_name(i), tp_config_doc(i),
               *tp_config_default(i) ? "`" : "—", tp_config_default(i),
               *tp_config_default(i) ? "`" : "");
    return 0;
}

static const command commands[] = {
    {"adduser", "adduser [--admin] [--password-stdin] EMAIL USERNAME",
     "create an account (asks for the password twice on a terminal, or reads one line from "
     "standard input with --password-stdin)",
     cmd_adduser},
    {"config", "config", "print every setting with its meaning and default (Markdown)", cmd_config},
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
    if (sodium_init() < 0 || tp_config_load(err, sizeof err) != 0) {
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
