/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * A caller of the driver side of librte_dma_domain (what only a bus or PMD
 * does), compiled by check_app_api.sh three ways: with the application
 * header alone (APP_HEADER_ONLY: must fail, the driver API is not
 * declared there), with the driver SDK header but without
 * -DALLOW_INTERNAL_API (must fail: the SDK's functions are tagged internal,
 * "Symbol is not public ABI"), and with -DALLOW_INTERNAL_API (must
 * compile, as the bus and the PMD do).
 */

#include <stdbool.h>

#include <rte_dma_domain.h>
#ifndef APP_HEADER_ONLY
#include <rte_dma_domain_driver.h>
#endif

#include "api_use.h"

bool
driver_use(struct rte_dma_domain_queue *q)
{
	return rte_dma_domain_queue_ack(q);
}
