/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef DMA_DOMAIN_LOGS_H
#define DMA_DOMAIN_LOGS_H

/*
 * The library's logtypes: "lib.dma_domain" and its kernel backend's
 * "lib.dma_domain.iommufd" (iommufd/), both registered in dma_domain.c.
 * One line per call: the format has no newline.
 */

#include <rte_log.h>

#include "rte_dma_domain_compat.h"

extern int dma_domain_logtype;
#define RTE_LOGTYPE_DMA_DOMAIN dma_domain_logtype
#define DD_LOG(level, ...) RTE_LOG_LINE(level, DMA_DOMAIN, __VA_ARGS__)

extern int iommufd_be_logtype;
#define RTE_LOGTYPE_DMA_DOMAIN_IOMMUFD iommufd_be_logtype
#define BE_LOG(level, ...) RTE_LOG_LINE(level, DMA_DOMAIN_IOMMUFD, __VA_ARGS__)

#endif /* DMA_DOMAIN_LOGS_H */
