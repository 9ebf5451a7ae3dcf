/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef EMU_LOGS_H
#define EMU_LOGS_H

#include <rte_log.h>

#include <rte_dma_domain_compat.h>

/* The emulated devices' logtype, "bus.iommufd.emu" (emu_virtio_common.c).
 * One line per call: the format has no newline.
 */
extern int emu_vnet_logtype;
#define RTE_LOGTYPE_IOMMUFD_EMU emu_vnet_logtype
#define EMU_LOG(level, ...) RTE_LOG_LINE(level, IOMMUFD_EMU, __VA_ARGS__)

#endif /* EMU_LOGS_H */
