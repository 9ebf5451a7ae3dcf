/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef IOMMUFD_KERNEL_CHECK_H
#define IOMMUFD_KERNEL_CHECK_H

/* The parts of iommufd_kernel_test (checks: tests/common/th.h, TH_EXPECT:
 * every check shown).
 */

#include <stdio.h>

#include <rte_dma_domain.h>

#include "th.h"

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
