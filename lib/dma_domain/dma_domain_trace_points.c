/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* Registration of the swap's rte_trace points (dma_domain_trace.h). */

#include <rte_trace_point_register.h>

#include "dma_domain_trace.h"

RTE_TRACE_POINT_REGISTER(rte_dma_domain_trace_swap_request,
	lib.dma_domain.swap.request)
RTE_TRACE_POINT_REGISTER(rte_dma_domain_trace_swap_coverage,
	lib.dma_domain.swap.coverage)
RTE_TRACE_POINT_REGISTER(rte_dma_domain_trace_swap_parked,
	lib.dma_domain.swap.parked)
RTE_TRACE_POINT_REGISTER(rte_dma_domain_trace_swap_quiesce,
	lib.dma_domain.swap.quiesce)
RTE_TRACE_POINT_REGISTER(rte_dma_domain_trace_swap_switch,
	lib.dma_domain.swap.switch)
RTE_TRACE_POINT_REGISTER(rte_dma_domain_trace_swap_resume,
	lib.dma_domain.swap.resume)
RTE_TRACE_POINT_REGISTER(rte_dma_domain_trace_swap_done,
	lib.dma_domain.swap.done)
RTE_TRACE_POINT_REGISTER(rte_dma_domain_trace_queue_resumed,
	lib.dma_domain.queue.resumed)
