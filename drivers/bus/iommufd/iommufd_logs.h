/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IOMMUFD_LOGS_H
#define IOMMUFD_LOGS_H

#include <rte_log.h>

/* The bus's one logtype, "bus.iommufd". */
extern int iommufd_bus_logtype;

#define IOMMUFD_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, iommufd_bus_logtype, \
		"iommufd: " fmt "\n", ##__VA_ARGS__)

#endif /* IOMMUFD_LOGS_H */
