/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef IOMMUFD_LOGS_H
#define IOMMUFD_LOGS_H

#include <rte_log.h>

#include <rte_dma_domain_compat.h>

/* The bus's one logtype, "bus.iommufd" (iommufd_common.c). One line per
 * call: the format has no newline.
 */
extern int iommufd_bus_logtype;
#define RTE_LOGTYPE_IOMMUFD_BUS iommufd_bus_logtype
#define IOMMUFD_LOG(level, ...) RTE_LOG_LINE(level, IOMMUFD_BUS, __VA_ARGS__)

#endif /* IOMMUFD_LOGS_H */
