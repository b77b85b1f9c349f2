/* adduser: `talksctl adduser` (SPEC §3) — asks for the password twice on the terminal, or
 * reads one line with --password-stdin, and creates the account through svc-auth. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "commands.h"
#include "ctl.h"

#define PASSWORD_LINE_MAX 1100

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

int cmd_adduser(int argc, char **argv)
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
            fprintf(stderr, "talksctl: usage: talksctl %s\n", ADDUSER_USAGE);
            return 1;
        } else
            args[nargs++] = argv[i];
    }
    if (nargs != 2) {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", ADDUSER_USAGE);
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
    int rc = ctl_call(TALKS_CTL_AUTH, "auth", &req, &reply);
    sodium_memzero(req.buf.data, req.buf.len);
    tp_w_free(&req);
    if (rc) return 1;

    char msg[512];
    bool ok = ctl_reply_ok(&reply, msg, sizeof msg);
    if (ok)
        printf("User %s was registered successfully.\n", args[1]);
    else
        fprintf(stderr, "talksctl: %s\n", msg);
    tp_msg_free(&reply);
    return ok ? 0 : 1;
}
