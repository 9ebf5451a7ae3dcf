/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Check counting for the VM tier's multi-check tests: every check prints
 * "ok" or "FAIL file:line" and its message; vm_check_exit() ends the test
 * with one summary line (the runner shows the last line of a failure).
 */
#ifndef VM_CHECK_H
#define VM_CHECK_H

#include <stdio.h>

struct vm_checks {
	unsigned int run;
	unsigned int failed;
};

extern struct vm_checks vm_checks;

#define VM_EXPECT(cond, ...) do { \
	vm_checks.run++; \
	if (!(cond)) { \
		vm_checks.failed++; \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
	} else { \
		printf("ok   "); \
	} \
	printf(__VA_ARGS__); \
	printf("\n"); \
	fflush(stdout); \
} while (0)

/* Define the counters once per executable. */
#define VM_CHECKS_DEFINE struct vm_checks vm_checks

static inline int
vm_check_exit(const char *test)
{
	printf("%s %s: %u checks, %u failed\n", vm_checks.failed ? "FAIL" : "PASS",
		test, vm_checks.run, vm_checks.failed);
	fflush(stdout);
	return vm_checks.failed ? 1 : 0;
}

#endif /* VM_CHECK_H */
