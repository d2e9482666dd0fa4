/* Minimal test helpers for the C test programs: CHECK records a failure and continues, and
 * check_report() prints the closing "N passed, N failed" line and returns the exit code. */
#ifndef LLMWIRE_TEST_CHECK_H
#define LLMWIRE_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

/* Atomic: CHECK may run in callbacks on library threads while the main thread checks too. */
static _Atomic int check_passed = 0;
static _Atomic int check_failed = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            check_passed++;                                                           \
        } else {                                                                      \
            check_failed++;                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_STR_CONTAINS(haystack, needle) CHECK((haystack) != NULL && strstr((haystack), (needle)) != NULL)

static int check_report(const char *program) {
    printf("%s: %d passed, %d failed\n", program, check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
