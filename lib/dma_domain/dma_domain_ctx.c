/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Contexts: one per backend (dma_domain_backend.h), opened on first use,
 * closed once empty. The open ones are in dma_domain.c's list.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "dma_domain_private.h"

struct rte_dma_domain_ctx *
rte_dma_domain_ctx_get(enum rte_dma_domain_backend b)
{
	const struct dma_domain_backend_ops *ops;
	struct rte_dma_domain_ctx *ctx;
	int rc;

	switch (b) {
	case RTE_DMA_DOMAIN_BACKEND_SOFT:
		ops = &dma_domain_backend_soft;
		break;
	case RTE_DMA_DOMAIN_BACKEND_IOMMUFD:
		ops = &dma_domain_backend_iommufd;
		break;
	default:
		DD_LOG(ERR, "unknown backend %d (expected SOFT=0 or IOMMUFD=1)", (int)b);
		rte_errno = EINVAL;
		return NULL;
	}
	dd_lock();
	ctx = dd_ctx_at(b);
	if (ctx != NULL)
		goto out;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		rte_errno = ENOMEM;
		goto out;
	}
	ctx->backend = b;
	ctx->ops = ops;
	rc = ops->ctx_open(&ctx->priv);
	if (rc < 0) {
		/* the backend logged why and how to fix it */
		free(ctx);
		ctx = NULL;
		rte_errno = -rc;
		goto out;
	}
	dd_ctx_set(b, ctx);
	DD_LOG(INFO, "%s context opened (replace %s)", ops->name,
		ops->atomic_replace(ctx->priv) ? "atomic" : "not atomic");
out:
	dd_unlock();
	return ctx;
}

int
rte_dma_domain_ctx_close(struct rte_dma_domain_ctx *ctx)
{
	const struct rte_dma_domain_binding *b;
	const struct rte_dma_domain *d;
	uint32_t nd, nb;
	int slot;

	if (ctx == NULL)
		return 0;
	dd_lock();
	slot = dd_ctx_slot(ctx);
	if (slot < 0) {
		dd_unlock();
		DD_LOG(DEBUG, "ctx close: %p is not an open context (closed already): nothing to do",
			(void *)ctx);
		return 0;
	}
	dd_ctx_objects(ctx, &nd, &nb, &d, &b);
	if (nd != 0 || nb != 0) {
		DD_LOG(ERR, "ctx close: the %s context still has %u binding(s)%s%s%s and %u domain(s)%s%s%s: unbind the devices (bus hot-unplug or rte_eal_cleanup()) and destroy the domains first; the context stays open",
			ctx->ops->name, nb, b != NULL ? " ('" : "",
			b != NULL ? b->name : "", b != NULL ? "'...)" : "",
			nd, d != NULL ? " ('" : "", d != NULL ? d->name : "",
			d != NULL ? "'...)" : "");
		return dd_unlock_ret(-EBUSY);
	}
	ctx->ops->ctx_close(ctx->priv);
	dd_ctx_set(slot, NULL);
	DD_LOG(INFO, "%s context closed (%" PRIu64 " refused domain destroy(s) in its life)",
		ctx->ops->name, ctx->destroy_failures);
	dd_unlock();
	free(ctx);
	return 0;
}

int
rte_dma_domain_ctx_info_get(const struct rte_dma_domain_ctx *ctx,
		struct rte_dma_domain_ctx_info *info)
{
	const struct rte_dma_domain_binding *b;
	const struct rte_dma_domain *d;

	if (info == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	dd_lock();
	if (dd_ctx_slot(ctx) < 0) {
		/* A closed context is a normal answer (the bus asks at its
		 * cleanup whether the application closed it already).
		 */
		DD_LOG(DEBUG, "ctx info: %p is not an open context (closed, or not from rte_dma_domain_ctx_get())",
			(const void *)ctx);
		return dd_unlock_ret(-ENOENT);
	}
	memset(info, 0, sizeof(*info));
	dd_ctx_objects(ctx, &info->nb_domains, &info->nb_bindings, &d, &b);
	info->destroy_failures = ctx->destroy_failures;
	dd_unlock();
	return 0;
}

enum rte_dma_domain_backend
rte_dma_domain_ctx_backend(const struct rte_dma_domain_ctx *ctx)
{
	return ctx->backend;
}

bool
rte_dma_domain_ctx_atomic_replace(const struct rte_dma_domain_ctx *ctx)
{
	bool a;

	if (ctx == NULL)
		return false;
	dd_lock();
	a = ctx->ops->atomic_replace(ctx->priv);
	dd_unlock();
	return a;
}

/* ---- domains ------------------------------------------------------------ */
