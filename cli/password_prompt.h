/* password_prompt: how talksctl asks for a new password (adduser, passwd) — twice on the
 * terminal with echo off, or one line from standard input with --password-stdin. */
#ifndef PASSWORD_PROMPT_H
#define PASSWORD_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line read, newline included: svc-auth refuses passwords over 1024 bytes itself. */
#define PASSWORD_LINE_MAX 1100

/* Reads the password into pw (NUL-terminated, without its newline): 0, or -1 after printing one
 * line (no terminal, nothing typed, the two entries differ). Wipe pw with sodium_memzero. */
int password_prompt(bool from_stdin, char pw[PASSWORD_LINE_MAX]);

#endif
