/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The PMD's logtype, "pmd.net.virtio_iommufd" (virtio_iommufd_logs.h): in
 * a file of its own that uses nothing of the others, so that every file
 * of the PMD may log without two files calling into each other.
 */

#include <rte_log.h>

#include "virtio_iommufd_logs.h"

RTE_LOG_REGISTER_DEFAULT(vio_logtype, NOTICE);
