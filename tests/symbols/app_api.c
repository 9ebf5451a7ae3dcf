/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * An application of librte_dma_domain, compiled by check_app_api.sh
 * against the installed application headers alone, without
 * -DALLOW_INTERNAL_API: everything an application does (contexts, domains,
 * mappings, attach/replace, records and stats, the soft model's knobs, and
 * taking the queues of a port offline while it stops polling them) must
 * compile from rte_dma_domain.h and rte_dma_domain_soft.h.
 */

#include <stdio.h>

#include <rte_dma_domain.h>
#include <rte_dma_domain_soft.h>

#include "api_use.h"

int
app_use(struct rte_dma_domain_binding *b, void *va)
{
	struct rte_dma_domain_replace_opts o = { .strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE };
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain_soft_config sc;
	struct rte_dma_domain_stats st;
	struct rte_dma_domain_queue *q;
	struct rte_dma_domain_ctx *ctx;
	struct rte_dma_domain *d;

	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	d = rte_dma_domain_create(ctx, "app", RTE_DMA_DOMAIN_PAGING, 0);
	if (rte_dma_domain_map(d, 0x1000, va, 0x1000, RTE_DMA_DOMAIN_ACCESS_RW) < 0)
		return -1;
	if (rte_dma_domain_replace(b, d, &o) < 0)
		rte_dma_domain_last_swap(b, &rec);
	rte_dma_domain_stats_get(b, &st);
	rte_dma_domain_soft_config_get(&sc);
	q = rte_dma_domain_queue_get(b, 0);
	if (q != NULL && rte_dma_domain_queue_is_online(q)) {
		rte_dma_domain_queue_offline(q);
		rte_dma_domain_queue_arm(q);
	}
	rte_dma_domain_dump(stdout, d);
	return rte_dma_domain_ctx_close(ctx);
}
