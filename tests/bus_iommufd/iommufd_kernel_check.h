/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IOMMUFD_KERNEL_CHECK_H
#define IOMMUFD_KERNEL_CHECK_H

/* Check counting shared by the parts of iommufd_kernel_test. */

#include <stdio.h>

#include <rte_dma_domain.h>

extern int kt_failures, kt_checks;

#define CHECK(cond, ...) do { \
	kt_checks++; \
	if (!(cond)) { \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		kt_failures++; \
	} else { \
		printf("ok   "); \
	} \
	printf(__VA_ARGS__); \
	printf("\n"); \
} while (0)

/* "EEXIST" for -17, "0" for 0. */
const char *kt_errno_name(int rc);

/*
 * The kernel's errno for each map/unmap/copy corner case, from raw ioctls
 * on a private /dev/iommu fd, next to what the library returns for the
 * same request on an iommufd domain and on a soft domain (the soft
 * backend must follow the kernel). Prints the table; one check per case
 * and library.
 */
void kt_errno_table(struct rte_dma_domain_ctx *kctx, const char *cdev);

#endif /* IOMMUFD_KERNEL_CHECK_H */
