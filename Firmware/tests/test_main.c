#include <stdio.h>

#include "test.h"

#ifndef PLM_TEST_ENV
#define PLM_TEST_ENV "host"
#endif

int t_current_failed;

void t_fail_at(const char *file, int line, const char *expr)
{
    printf("  %s:%d: check failed: %s\n", file, line, expr);
    t_current_failed = 1;
}

#define X(name) void name(void);
#include "test_list.h"
#undef X

static const test_case_t tests[] = {
#define X(name) {#name, name},
#include "test_list.h"
#undef X
};

int main(void)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        t_current_failed = 0;
        tests[i].fn();
        if (t_current_failed) {
            printf("FAIL %s\n", tests[i].name);
            failed++;
        } else {
            printf("ok   %s\n", tests[i].name);
            passed++;
        }
    }
    printf("%s: %d passed, %d failed\n", PLM_TEST_ENV, passed, failed);
    return failed ? 1 : 0;
}
