/* password_prompt: asking for a new password (see password_prompt.h). */
#include "password_prompt.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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

int password_prompt(bool from_stdin, char pw[PASSWORD_LINE_MAX])
{
    if (from_stdin) {
        if (read_password(stdin, "", false, pw, PASSWORD_LINE_MAX) == 0) return 0;
        fprintf(stderr, "talksctl: no password line on standard input.\n");
        return -1;
    }
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty || !isatty(fileno(tty))) {
        fprintf(stderr, "talksctl: no terminal to ask for the password; use --password-stdin.\n");
        if (tty) fclose(tty);
        return -1;
    }
    char confirm[PASSWORD_LINE_MAX];
    int rc = read_password(tty, "Password: ", true, pw, PASSWORD_LINE_MAX) ||
             read_password(tty, "Confirm: ", true, confirm, sizeof confirm);
    fclose(tty);
    if (rc) {
        fprintf(stderr, "talksctl: no password given.\n");
    } else if (strcmp(pw, confirm) != 0) {
        fprintf(stderr, "talksctl: Passwords do not match.\n");
        rc = -1;
    }
    sodium_memzero(confirm, sizeof confirm);
    if (rc) sodium_memzero(pw, PASSWORD_LINE_MAX);
    return rc ? -1 : 0;
}
