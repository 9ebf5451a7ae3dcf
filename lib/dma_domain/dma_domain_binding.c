/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Bindings (device <-> context), attach/detach and the binding's test
 * switches. The queues' side of the replace protocol is dma_domain_queue.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_string_fns.h>

#include "dma_domain_private.h"
#include "dma_domain_test.h"

#define DD_MAX_QUEUES 1024

static void
binding_free(struct rte_dma_domain_binding *b)
{
	free(b->queues);
	free(b->qstate);
	free(b->qsbr);
	free(b->stats);
	free(b);
}

static struct rte_dma_domain_binding *
binding_find(const char *name)
{
	struct rte_dma_domain_binding *b;

	for (b = dd_binding_first(); b != NULL; b = dd_binding_next(b))
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

struct rte_dma_domain_binding *
rte_dma_domain_bind(struct rte_dma_domain_ctx *ctx,
		const struct rte_dma_domain_binding_params *p)
{
	struct rte_dma_domain_binding *b;
	size_t sz;
	uint16_t i;
	int rc;

	if (ctx == NULL || p == NULL) {
		DD_LOG(ERR, "bind: ctx and params are required");
		rte_errno = EINVAL;
		return NULL;
	}
	rc = dd_name_check("binding", p->name);
	if (rc < 0) {
		rte_errno = -rc;
		return NULL;
	}
	if ((unsigned int)p->default_strategy > RTE_DMA_DOMAIN_STRATEGY_RESTART) {
		DD_LOG(ERR, "bind '%s': unknown default strategy %d",
			p->name, (int)p->default_strategy);
		rte_errno = EINVAL;
		return NULL;
	}
	if (p->nb_queues > DD_MAX_QUEUES) {
		DD_LOG(ERR, "bind '%s': %u queues (expected at most %u)",
			p->name, p->nb_queues, DD_MAX_QUEUES);
		rte_errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rte_strlcpy(b->name, p->name, sizeof(b->name));
	b->ctx = ctx;
	if (p->ops != NULL)
		b->ops = *p->ops;
	b->drv_arg = p->drv_arg;
	b->default_strategy = p->default_strategy;
	b->nb_queues = p->nb_queues;
	b->mute_qid = UINT32_MAX;
	b->stats = dd_stats_alloc();
	b->qstate = calloc(RTE_MAX(p->nb_queues, 1), sizeof(*b->qstate));
	sz = RTE_ALIGN_CEIL(RTE_MAX(p->nb_queues, 1) * sizeof(*b->queues),
			RTE_CACHE_LINE_SIZE);
	b->queues = aligned_alloc(RTE_CACHE_LINE_SIZE, sz);
	if (b->stats == NULL || b->qstate == NULL || b->queues == NULL)
		goto nomem;
	memset(b->queues, 0, sz);
	if (p->nb_queues > 0) {
		sz = RTE_ALIGN_CEIL(rte_rcu_qsbr_get_memsize(p->nb_queues),
				RTE_CACHE_LINE_SIZE);
		b->qsbr = aligned_alloc(RTE_CACHE_LINE_SIZE, sz);
		if (b->qsbr == NULL)
			goto nomem;
		memset(b->qsbr, 0, sz);
		if (rte_rcu_qsbr_init(b->qsbr, p->nb_queues) != 0)
			goto nomem;
	}
	for (i = 0; i < p->nb_queues; i++) {
		b->queues[i].qid = i;
		b->queues[i].binding = b;
		/* registered threads start offline: unpolled = acknowledged */
		rte_rcu_qsbr_thread_register(b->qsbr, i);
	}
	dd_lock();
	if (binding_find(p->name) != NULL) {
		dd_unlock();
		DD_LOG(ERR, "bind: device '%s' is already bound", p->name);
		binding_free(b);
		rte_errno = EEXIST;
		return NULL;
	}
	rc = ctx->ops->bind(ctx->priv, p, &b->dev_priv);
	if (rc < 0) {
		dd_unlock();
		DD_LOG(ERR, "bind '%s': %s backend refused: %s", p->name,
			ctx->ops->name, strerror(-rc));
		binding_free(b);
		rte_errno = -rc;
		return NULL;
	}
	dd_binding_list_add(b);
	dd_unlock();
	return b;
nomem:
	binding_free(b);
	rte_errno = ENOMEM;
	return NULL;
}

int
dd_binding_busy(const struct rte_dma_domain_binding *b, const char *op)
{
	if (!b->swapping)
		return 0;
	DD_LOG(ERR, "%s '%s': a replace ('%s' -> '%s') is running on it (called from one of its callbacks?); %s after it returned",
		op, b->name, b->swap_from->name, b->swap_to->name, op);
	rte_errno = EBUSY;
	return -EBUSY;
}

int
rte_dma_domain_unbind(struct rte_dma_domain_binding *b)
{
	uint16_t i;

	if (b == NULL)
		return -EINVAL;
	dd_lock();
	if (dd_binding_busy(b, "unbind") < 0) {
		dd_unlock();
		return -EBUSY;
	}
	for (i = 0; i < b->nb_queues; i++) {
		if (rte_atomic_load_explicit(&b->qstate[i].online, rte_memory_order_acquire) ||
				rte_dma_domain_queue_is_armed(&b->queues[i])) {
			dd_unlock();
			DD_LOG(ERR, "unbind '%s': queue %u is %s (stop polling it and take it offline first)",
				b->name, i, rte_dma_domain_queue_is_armed(&b->queues[i]) ?
				"armed" : "online");
			rte_errno = EBUSY;
			return -EBUSY;
		}
	}
	if (b->dom != NULL)
		rte_dma_domain_detach(b);
	dd_binding_list_del(b);
	b->ctx->ops->unbind(b->ctx->priv, b->dev_priv);
	dd_unlock();
	binding_free(b);
	return 0;
}

struct rte_dma_domain_binding *
rte_dma_domain_binding_lookup(const char *name)
{
	struct rte_dma_domain_binding *b;

	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	dd_lock();
	b = binding_find(name);
	dd_unlock();
	if (b == NULL)
		rte_errno = ENOENT;
	return b;
}

int
rte_dma_domain_binding_foreach(int (*cb)(struct rte_dma_domain_binding *b, void *arg),
		void *arg)
{
	struct rte_dma_domain_binding *b, *n;
	int rc = 0;

	if (cb == NULL)
		return -EINVAL;
	dd_lock();
	for (b = dd_binding_first(); b != NULL && rc == 0; b = n) {
		n = dd_binding_next(b);
		rc = cb(b, arg);
	}
	dd_unlock();
	return rc;
}

const char *
rte_dma_domain_binding_name(const struct rte_dma_domain_binding *b)
{
	return b != NULL ? b->name : "";
}

struct rte_dma_domain *
rte_dma_domain_binding_domain(const struct rte_dma_domain_binding *b)
{
	if (b == NULL)
		return NULL;
	return rte_atomic_load_explicit(&b->dom, rte_memory_order_acquire);
}

struct rte_dma_domain_ctx *
rte_dma_domain_binding_ctx(const struct rte_dma_domain_binding *b)
{
	return b != NULL ? b->ctx : NULL;
}

int
rte_dma_domain_attach(struct rte_dma_domain_binding *b, struct rte_dma_domain *dom)
{
	int rc;

	if (b == NULL || dom == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	rc = dd_ctx_check(b->ctx, dom, "attach", b->name);
	if (rc < 0)
		return rc;
	dd_lock();
	rc = dd_binding_busy(b, "attach");
	if (rc < 0)
		goto out;
	if (b->dom != NULL) {
		DD_LOG(ERR, "attach '%s' to '%s': already attached to '%s' (use replace)",
			b->name, dom->name, b->dom->name);
		rc = -EBUSY;
		goto out;
	}
	if (b->stranded) {
		/* after a failed rollback: the queues' pause requests are
		 * still set; clear them only once nobody polls the queues
		 */
		uint16_t i;

		for (i = 0; i < b->nb_queues; i++) {
			if (rte_atomic_load_explicit(&b->qstate[i].online,
					rte_memory_order_acquire) ||
					rte_dma_domain_queue_is_armed(&b->queues[i])) {
				DD_LOG(ERR, "attach '%s' to '%s': a failed rollback left the device on no domain; queue %u is still %s: stop the port first (rte_eth_dev_stop()), then attach, then start it",
					b->name, dom->name, i,
					rte_dma_domain_queue_is_armed(&b->queues[i]) ?
					"armed" : "online");
				rc = -EBUSY;
				goto out;
			}
		}
	}
	rc = b->ctx->ops->attach(b->ctx->priv, b->dev_priv, dom->priv);
	if (rc < 0) {
		DD_LOG(ERR, "attach '%s' to '%s': %s backend: %s", b->name,
			dom->name, b->ctx->ops->name, strerror(-rc));
		goto out;
	}
	dom->nb_attached++;
	rte_atomic_store_explicit(&b->dom, dom, rte_memory_order_release);
	if (b->stranded) {
		dd_queues_unstrand(b);
		b->stranded = false;
		DD_LOG(INFO, "attach '%s' to '%s': recovered from the failed rollback; start the port",
			b->name, dom->name);
	}
out:
	return dd_unlock_ret(rc);
}

int
rte_dma_domain_detach(struct rte_dma_domain_binding *b)
{
	int rc;

	if (b == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	dd_lock();
	rc = dd_binding_busy(b, "detach");
	if (rc < 0)
		goto out;
	if (b->dom == NULL) {
		rc = -ENOENT;
		goto out;
	}
	rc = b->ctx->ops->detach(b->ctx->priv, b->dev_priv);
	if (rc < 0) {
		DD_LOG(ERR, "detach '%s' from '%s': %s backend: %s", b->name,
			b->dom->name, b->ctx->ops->name, strerror(-rc));
		goto out;
	}
	b->dom->nb_attached--;
	rte_atomic_store_explicit(&b->dom, NULL, rte_memory_order_release);
out:
	return dd_unlock_ret(rc);
}

int
rte_dma_domain_inject(struct rte_dma_domain_binding *b, enum rte_dma_domain_inject at)
{
	if (b == NULL || (unsigned int)at >= RTE_DMA_DOMAIN_INJECT_MAX) {
		DD_LOG(ERR, "inject: bad binding or point %d (expected < %d)",
			(int)at, RTE_DMA_DOMAIN_INJECT_MAX);
		rte_errno = EINVAL;
		return -EINVAL;
	}
	dd_lock();
	b->inject = at;
	dd_unlock();
	return 0;
}

int
rte_dma_domain_test_ack_hook(struct rte_dma_domain_binding *b,
		void (*fn)(void *arg, uint16_t qid), void *arg)
{
	if (b == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	rte_atomic_store_explicit(&b->test_ack_hook, NULL, rte_memory_order_release);
	b->test_ack_arg = arg;
	rte_atomic_store_explicit(&b->test_ack_hook, fn, rte_memory_order_release);
	return 0;
}
