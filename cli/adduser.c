/* adduser: `talksctl adduser` (SPEC §3) — asks for the password (password_prompt.h) and creates
 * the account through svc-auth. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctl.h"
#include "password_prompt.h"

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

    char pw[PASSWORD_LINE_MAX];
    if (password_prompt(from_stdin, pw) != 0) return 1;

    int rc = ctl_op_ok(AUTH_USER_ADD, "talksctl", .email = tp_s(args[0]), .username = tp_s(args[1]),
                       .password = tp_s(pw), .is_admin = admin);
    sodium_memzero(pw, sizeof pw);
    if (rc != 0) return 1;
    printf("User %s was registered successfully.\n", args[1]);
    return 0;
}
