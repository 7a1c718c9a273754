/* Minimal test framework: runs on the host and on the emulated Cortex-M3
 * (semihosting printf, main's return value becomes QEMU's exit code). */
#ifndef PLM_TEST_H
#define PLM_TEST_H

#include <inttypes.h>
#include <stdio.h>

extern int t_current_failed;
void t_fail_at(const char *file, int line, const char *expr);

#define CHECK(c)                                                                                       \
    do {                                                                                               \
        if (!(c))                                                                                      \
            t_fail_at(__FILE__, __LINE__, #c);                                                         \
    } while (0)

#define CHECK_EQ(a, b)                                                                                 \
    do {                                                                                               \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);                 \
        if (a_ != b_) {                                                                                \
            printf("  %s = 0x%llx, expected %s = 0x%llx\n", #a, a_, #b, b_);                           \
            t_fail_at(__FILE__, __LINE__, #a " == " #b);                                               \
        }                                                                                              \
    } while (0)

#define REQUIRE(c)                                                                                     \
    do {                                                                                               \
        if (!(c)) {                                                                                    \
            t_fail_at(__FILE__, __LINE__, #c);                                                         \
            return;                                                                                    \
        }                                                                                              \
    } while (0)

typedef void (*test_fn)(void);
typedef struct {
    const char *name;
    test_fn fn;
} test_case_t;

#endif
