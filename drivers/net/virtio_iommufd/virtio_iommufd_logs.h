/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef VIRTIO_IOMMUFD_LOGS_H
#define VIRTIO_IOMMUFD_LOGS_H

#include <rte_log.h>

#include <rte_dma_domain_compat.h>

/* The PMD's logtype, "pmd.net.virtio_iommufd" (virtio_iommufd_logs.c).
 * One line per call: the format has no newline.
 */
extern int vio_logtype;
#define RTE_LOGTYPE_VIRTIO_IOMMUFD vio_logtype
#define VIO_LOG(level, ...) RTE_LOG_LINE(level, VIRTIO_IOMMUFD, __VA_ARGS__)

#endif /* VIRTIO_IOMMUFD_LOGS_H */
