/* check.c: runs a table of test cases and prints one summary line. */
#include "check.h"

int check_failures_in_case;

int check_main(const char *suite, const check_case *cases, size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        check_failures_in_case = 0;
        cases[i].fn();
        if (check_failures_in_case) {
            printf("FAIL %s: %s\n", suite, cases[i].name);
            failed++;
        } else {
            printf("ok   %s: %s\n", suite, cases[i].name);
            passed++;
        }
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}
