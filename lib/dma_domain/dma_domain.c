/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder: replaced by the lib/dma_domain implementation. */
#include "rte_dma_domain.h"

const char *
rte_dma_domain_strategy_name(enum rte_dma_domain_strategy s)
{
	RTE_SET_USED(s);
	return "quiesce";
}
