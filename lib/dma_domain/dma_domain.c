/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The leaf of librte_dma_domain: the control-path lock, the process-wide
 * lists (open contexts, domains, bindings), the logtypes and the small
 * helpers every other file uses (as drivers/iommu/iommufd/main.c is to
 * the kernel's iommufd). It calls into no other file of the library.
 *
 * The layering (file -> the files it calls; tests/layout/
 * check_call_cycles.py fails when two files call into each other):
 *   dma_domain.c            this leaf                  -> none
 *   dma_domain_map.c        mapping tables             -> leaf
 *   dma_domain_mirror.c     mirror domains             -> map, leaf
 *   dma_domain_stats.c      swap statistics            -> leaf
 *   dma_domain_queue.c      the queues' side of the
 *                           protocol (PMD bursts)      -> trace, leaf
 *   dma_domain_binding.c    bindings, attach/detach    -> queue, stats, leaf
 *   dma_domain_ctx.c        contexts                   -> backends, leaf
 *   dma_domain_domain.c     domain objects             -> map, mirror, leaf
 *   dma_domain_replace.c    the replace protocol       -> queue, map, stats,
 *                                                         trace, leaf
 *   dma_domain_telemetry.c  telemetry                  -> stats, leaf
 *   dma_domain_trace_points.c  trace points            -> none
 *   soft/, iommufd/         the backends, behind dma_domain_backend.h
 *                           (struct dma_domain_backend_ops) -> leaf
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "dma_domain_private.h"

RTE_LOG_REGISTER_DEFAULT(dma_domain_logtype, INFO);
/* The kernel backend's (iommufd/): registered here, with the library's,
 * so that the backend's files share it without calling into each other.
 */
RTE_LOG_REGISTER_SUFFIX(iommufd_be_logtype, iommufd, NOTICE);

static pthread_mutex_t dd_mutex;
/* dd_lock() depth of this thread (dd_lock_held()). */
static __thread unsigned int dd_depth;
static struct rte_dma_domain_ctx *dd_ctx[2];
static TAILQ_HEAD(, rte_dma_domain) dd_domains = TAILQ_HEAD_INITIALIZER(dd_domains);
static TAILQ_HEAD(, rte_dma_domain_binding) dd_bindings =
	TAILQ_HEAD_INITIALIZER(dd_bindings);

RTE_INIT(dd_lock_init)
{
	pthread_mutexattr_t a;

	/* Recursive for the library's own nesting; no callback runs
	 * under it (dma_domain_private.h).
	 */
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&dd_mutex, &a);
	pthread_mutexattr_destroy(&a);
}

void
dd_lock(void)
{
	pthread_mutex_lock(&dd_mutex);
	dd_depth++;
}

void
dd_unlock(void)
{
	dd_depth--;
	pthread_mutex_unlock(&dd_mutex);
}

bool
dd_lock_held(void)
{
	return dd_depth != 0;
}

void
dd_domain_pin(struct rte_dma_domain *d)
{
	d->pins++;
}

void
dd_domain_unpin(struct rte_dma_domain *d)
{
	d->pins--;
}

const struct rte_dma_domain_binding *
dd_domain_pinner(const struct rte_dma_domain *d)
{
	const struct rte_dma_domain_binding *b;

	for (b = TAILQ_FIRST(&dd_bindings); b != NULL; b = TAILQ_NEXT(b, next))
		if (b->swapping && (b->swap_from == d || b->swap_to == d))
			return b;
	return NULL;
}

int
dd_unlock_ret(int rc)
{
	dd_unlock();
	if (rc < 0)
		rte_errno = -rc;
	return rc;
}

int
dd_ctx_check(const struct rte_dma_domain_ctx *ctx,
		const struct rte_dma_domain *dom, const char *op, const char *who)
{
	if (dom->ctx == ctx)
		return 0;
	DD_LOG(ERR, "%s '%s': domain '%s' belongs to another context",
		op, who, dom->name);
	rte_errno = EXDEV;
	return -EXDEV;
}

uint64_t
dd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct rte_dma_domain *
dd_domain_first(void)
{
	return TAILQ_FIRST(&dd_domains);
}

struct rte_dma_domain *
dd_domain_next(struct rte_dma_domain *d)
{
	return TAILQ_NEXT(d, next);
}

struct rte_dma_domain_binding *
dd_binding_first(void)
{
	return TAILQ_FIRST(&dd_bindings);
}

struct rte_dma_domain_binding *
dd_binding_next(struct rte_dma_domain_binding *b)
{
	return TAILQ_NEXT(b, next);
}

void
dd_domain_list_add(struct rte_dma_domain *d)
{
	TAILQ_INSERT_TAIL(&dd_domains, d, next);
}

void
dd_domain_list_del(struct rte_dma_domain *d)
{
	TAILQ_REMOVE(&dd_domains, d, next);
}

void
dd_binding_list_add(struct rte_dma_domain_binding *b)
{
	TAILQ_INSERT_TAIL(&dd_bindings, b, next);
}

void
dd_binding_list_del(struct rte_dma_domain_binding *b)
{
	TAILQ_REMOVE(&dd_bindings, b, next);
}

const char *
dd_kind_name(enum rte_dma_domain_kind k)
{
	switch (k) {
	case RTE_DMA_DOMAIN_PAGING: return "paging";
	case RTE_DMA_DOMAIN_IDENTITY: return "identity";
	case RTE_DMA_DOMAIN_BLOCKING: return "blocking";
	}
	return "?";
}

/* ---- open contexts (one per backend) --------------------------------- */

struct rte_dma_domain_ctx *
dd_ctx_at(unsigned int slot)
{
	return slot < RTE_DIM(dd_ctx) ? dd_ctx[slot] : NULL;
}

void
dd_ctx_set(unsigned int slot, struct rte_dma_domain_ctx *ctx)
{
	dd_ctx[slot] = ctx;
}

int
dd_ctx_slot(const struct rte_dma_domain_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(dd_ctx); i++)
		if (ctx != NULL && dd_ctx[i] == ctx)
			return (int)i;
	return -1;
}

void
dd_ctx_objects(const struct rte_dma_domain_ctx *ctx, uint32_t *nd, uint32_t *nb,
		const struct rte_dma_domain **d, const struct rte_dma_domain_binding **b)
{
	const struct rte_dma_domain *dom;
	const struct rte_dma_domain_binding *bd;

	*nd = 0;
	*nb = 0;
	*d = NULL;
	*b = NULL;
	TAILQ_FOREACH(dom, &dd_domains, next) {
		if (dom->ctx != ctx)
			continue;
		if ((*nd)++ == 0)
			*d = dom;
	}
	TAILQ_FOREACH(bd, &dd_bindings, next) {
		if (bd->ctx != ctx)
			continue;
		if ((*nb)++ == 0)
			*b = bd;
	}
}

/* ---- names ------------------------------------------------------------- */

struct rte_dma_domain *
dd_domain_find(const char *name)
{
	struct rte_dma_domain *d;

	TAILQ_FOREACH(d, &dd_domains, next)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

int
dd_name_check(const char *what, const char *name)
{
	size_t n;

	if (name == NULL) {
		DD_LOG(ERR, "%s name is NULL (expected a string of 1..%d chars)",
			what, RTE_DMA_DOMAIN_NAMESIZE - 1);
		return -EINVAL;
	}
	n = strnlen(name, RTE_DMA_DOMAIN_NAMESIZE);
	if (n == 0 || n >= RTE_DMA_DOMAIN_NAMESIZE) {
		DD_LOG(ERR, "%s name '%.*s' has a bad length (expected 1..%d chars)",
			what, RTE_DMA_DOMAIN_NAMESIZE - 1, name,
			RTE_DMA_DOMAIN_NAMESIZE - 1);
		return -EINVAL;
	}
	return 0;
}

/* ---- strategies ----------------------------------------------------------- */

static const char *const strategy_names[] = {
	[RTE_DMA_DOMAIN_STRATEGY_DEFAULT] = "default",
	[RTE_DMA_DOMAIN_STRATEGY_QUIESCE] = "quiesce",
	[RTE_DMA_DOMAIN_STRATEGY_HITLESS] = "hitless",
	[RTE_DMA_DOMAIN_STRATEGY_REMAP] = "remap",
	[RTE_DMA_DOMAIN_STRATEGY_RESTART] = "restart",
};

const char *
rte_dma_domain_strategy_name(enum rte_dma_domain_strategy s)
{
	if ((unsigned int)s >= RTE_DIM(strategy_names))
		return "unknown";
	return strategy_names[s];
}

int
rte_dma_domain_strategy_parse(const char *s, enum rte_dma_domain_strategy *out)
{
	unsigned int i;

	if (s == NULL || out == NULL)
		return -EINVAL;
	for (i = 0; i < RTE_DIM(strategy_names); i++) {
		if (strcmp(s, strategy_names[i]) == 0) {
			*out = (enum rte_dma_domain_strategy)i;
			return 0;
		}
	}
	DD_LOG(ERR, "unknown strategy '%s' (expected default, quiesce, hitless, remap or restart)",
		s);
	return -EINVAL;
}
