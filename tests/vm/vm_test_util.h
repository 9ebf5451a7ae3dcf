/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the VM tier's own in-guest tests: error reporting in the
 * runner's format, skip, and latency statistics.
 */
#ifndef VM_TEST_UTIL_H
#define VM_TEST_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* meson's exit code for a test that cannot run here. */
#define VM_TEST_SKIP 77

#define VM_FAIL(...) do { \
	fprintf(stderr, "FAIL: " __VA_ARGS__); \
	fputc('\n', stderr); \
	exit(1); \
} while (0)

/* An ioctl that must succeed; names the call and the errno when it fails. */
#define VM_CHECK(call) do { \
	if ((call) != 0) \
		VM_FAIL("%s:%d: %s: %s", __FILE__, __LINE__, #call, \
			strerror(errno)); \
} while (0)

static inline uint64_t
vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
vm_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Prints one line "latency <what>: n=.. median=.. us p99=.. us max=.. us"
 * that the host-side runner copies into its report. Sorts samples in place.
 */
static inline void
vm_print_latency(const char *what, uint64_t *ns, unsigned int n)
{
	if (n == 0)
		return;
	qsort(ns, n, sizeof(*ns), vm_cmp_u64);
	printf("latency %s: n=%u median=%.1f us p99=%.1f us max=%.1f us\n",
		what, n, ns[n / 2] / 1e3, ns[(n * 99) / 100] / 1e3,
		ns[n - 1] / 1e3);
	fflush(stdout);
}

#endif /* VM_TEST_UTIL_H */
