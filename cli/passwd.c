/* passwd: `talksctl passwd` (SPEC §3) — asks for the new password (password_prompt.h) and sets it
 * through svc-auth, which ends the account's sessions, API tokens and reset links with it. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctl.h"
#include "password_prompt.h"
#include "tp_op_inputs.h"

int cmd_passwd(int argc, char **argv)
{
    bool from_stdin = false;
    const char *email = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--password-stdin") == 0) {
            from_stdin = true;
        } else if (argv[i][0] == '-' || email) {
            email = NULL;
            break;
        } else {
            email = argv[i];
        }
    }
    if (!email) {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", PASSWD_USAGE);
        return 1;
    }

    char pw[PASSWORD_LINE_MAX];
    if (password_prompt(from_stdin, pw) != 0) return 1;
    int rc = ctl_op_ok(AUTH_PASSWORD_SET, "talksctl", .email = tp_s(email), .password = tp_s(pw));
    sodium_memzero(pw, sizeof pw);
    if (rc != 0) return 1;
    printf("The password of %s was changed; their sessions and API tokens have ended.\n", email);
    return 0;
}
