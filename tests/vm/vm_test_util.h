/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */
/*
 * Helpers shared by the VM tier's own in-guest tests: skip (a FAIL in the
 * guest), the guest's NICs and latency statistics. Checks, case tables and
 * dispatch: tests/common/th.h.
 */
#ifndef VM_TEST_UTIL_H
#define VM_TEST_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "th.h"

/*
 * A vm test that cannot run: prints why and returns its exit code. Outside
 * the VM tier's guest (no VM_GUEST; the host never runs suite 'vm' anyway)
 * that is a skip. Inside it, it is a FAIL: the guest provides everything a
 * vm test needs (/dev/iommu, the NICs and the edu device on vfio-pci, mock
 * domains in the mock boot), so what is missing is an artifact of this
 * project (tests/vm/kernel.config, guest-init.sh, scripts/vm-run.sh).
 */
static inline int
vm_cannot_run(const char *fmt, ...)
{
	bool guest = getenv("VM_GUEST") != NULL;
	va_list ap;

	printf("%s: ", guest ? "FAIL" : "SKIP");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("%s\n", guest ? " (in the VM tier's guest: a missing artifact of the tier)" :
		" (runs in the VM tier: scripts/vm-run.sh)");
	fflush(stdout);
	return guest ? 1 : TH_SKIP;
}

/*
 * The two NICs of the VM tier's guest, the first two addresses of
 * IOMMUFD_TEST_DEVICES, split in list (nic[] point into it). 0; otherwise
 * vm_cannot_run()'s code (TH_SKIP outside the guest), or 1 after a FAIL
 * line when the variable does not name two.
 */
static inline int
vm_guest_nics(char *list, size_t size, const char *nic[2])
{
	const char *devs = getenv("IOMMUFD_TEST_DEVICES");
	char *save = NULL;

	if (getenv("VM_GUEST") == NULL)
		return vm_cannot_run("needs the VM tier's guest (VM_GUEST not set)");
	if (devs == NULL)
		return vm_cannot_run("IOMMUFD_TEST_DEVICES not set: no NICs on vfio-pci");
	if (access("/dev/iommu", F_OK) != 0)
		return vm_cannot_run("/dev/iommu: %s (guest kernel without CONFIG_IOMMUFD?)",
			strerror(errno));
	snprintf(list, size, "%s", devs);
	nic[0] = strtok_r(list, ", ", &save);
	nic[1] = nic[0] != NULL ? strtok_r(NULL, ", ", &save) : NULL;
	if (nic[1] == NULL) {
		printf("FAIL: IOMMUFD_TEST_DEVICES='%s': expected two PCI addresses\n", devs);
		return 1;
	}
	return 0;
}

static inline int
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
