/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Domain objects: create (mirror domains populated from the EAL's
 * memory), destroy, lookup, walk and dump. Their list is dma_domain.c's,
 * their mapping tables dma_domain_map.c's.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_string_fns.h>

#include "dma_domain_private.h"

struct rte_dma_domain *
rte_dma_domain_create(struct rte_dma_domain_ctx *ctx, const char *name,
		enum rte_dma_domain_kind kind, uint32_t flags)
{
	struct rte_dma_domain *dom = NULL;
	bool mirror = (flags & RTE_DMA_DOMAIN_F_MIRROR) != 0;
	int rc;

	if (ctx == NULL) {
		DD_LOG(ERR, "create: ctx is NULL (use rte_dma_domain_ctx_get())");
		rte_errno = EINVAL;
		return NULL;
	}
	rc = dd_name_check("domain", name);
	if (rc < 0) {
		rte_errno = -rc;
		return NULL;
	}
	if ((unsigned int)kind > RTE_DMA_DOMAIN_BLOCKING) {
		DD_LOG(ERR, "create '%s': bad kind %d (expected paging, identity or blocking)",
			name, (int)kind);
		rte_errno = EINVAL;
		return NULL;
	}
	if (flags & ~RTE_DMA_DOMAIN_F_MIRROR) {
		DD_LOG(ERR, "create '%s': unknown flags 0x%x (expected RTE_DMA_DOMAIN_F_*)",
			name, flags & ~RTE_DMA_DOMAIN_F_MIRROR);
		rte_errno = EINVAL;
		return NULL;
	}
	if (mirror && kind != RTE_DMA_DOMAIN_PAGING) {
		DD_LOG(ERR, "create '%s': F_MIRROR needs a paging domain, not %s",
			name, dd_kind_name(kind));
		rte_errno = EINVAL;
		return NULL;
	}
	/* Mirror: hold the EAL memory lock across the memseg walk and the
	 * list insertion, so that no memory event is missed in between.
	 */
	if (mirror)
		rte_mcfg_mem_read_lock();
	dd_lock();
	if (dd_domain_find(name) != NULL) {
		DD_LOG(ERR, "create: domain name '%s' is taken", name);
		rc = -EEXIST;
		goto fail;
	}
	dom = calloc(1, sizeof(*dom));
	if (dom == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rte_strlcpy(dom->name, name, sizeof(dom->name));
	dom->ctx = ctx;
	dom->kind = kind;
	dom->flags = flags;
	rc = ctx->ops->domain_alloc(ctx->priv, kind, name, &dom->priv);
	if (rc < 0) {
		DD_LOG(ERR, "create '%s': %s backend cannot allocate a %s domain: %s",
			name, ctx->ops->name, dd_kind_name(kind), strerror(-rc));
		goto fail;
	}
	if (mirror) {
		rc = dd_mirror_populate(dom);
		if (rc < 0) {
			dd_unmap_locked(dom, 0, UINT64_MAX, NULL);
			if (ctx->ops->domain_free(ctx->priv, dom->priv) < 0)
				/* the backend logged the object it could
				 * not free; the handle is lost with dom
				 */
				ctx->destroy_failures++;
			goto fail;
		}
	}
	dd_domain_list_add(dom);
	dd_unlock();
	if (mirror)
		rte_mcfg_mem_read_unlock();
	DD_LOG(DEBUG, "domain '%s' (%s%s) created", name, dd_kind_name(kind),
		mirror ? ", mirror" : "");
	return dom;
fail:
	dd_unlock();
	if (mirror)
		rte_mcfg_mem_read_unlock();
	if (dom != NULL)
		dd_map_table_free(&dom->tbl);
	free(dom);
	rte_errno = -rc;
	return NULL;
}

/* rte_dma_domain_test_destroy_fail(): under dd_lock. */
static struct {
	int err;
	unsigned int count;
	bool armed;   /* the current failure is an injected one */
} dd_test_destroy_fail;

int
rte_dma_domain_test_destroy_fail(int err, unsigned int count)
{
	if (count > 0 && err >= 0)
		return -EINVAL;
	dd_lock();
	dd_test_destroy_fail.err = err;
	dd_test_destroy_fail.count = count;
	dd_unlock();
	return 0;
}

/* The injected failure of this destroy, or 0 (dd_lock held). */
static int
destroy_fail_take(void)
{
	if (dd_test_destroy_fail.count == 0)
		return 0;
	dd_test_destroy_fail.count--;
	dd_test_destroy_fail.armed = true;
	return dd_test_destroy_fail.err;
}

int
rte_dma_domain_destroy(struct rte_dma_domain *dom)
{
	int rc;

	if (dom == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	dd_lock();
	if (dom->pins > 0) {
		const struct rte_dma_domain_binding *b = dd_domain_pinner(dom);

		DD_LOG(ERR, "destroy '%s': in use by the replace running on '%s' ('%s' -> '%s'); destroy it after that replace returned",
			dom->name, b != NULL ? b->name : "?",
			b != NULL ? b->swap_from->name : "?",
			b != NULL ? b->swap_to->name : "?");
		dd_unlock();
		rte_errno = EBUSY;
		return -EBUSY;
	}
	if (dom->nb_attached > 0) {
		DD_LOG(ERR, "destroy '%s': %u binding(s) attached (detach or replace first)",
			dom->name, dom->nb_attached);
		dd_unlock();
		rte_errno = EBUSY;
		return -EBUSY;
	}
	/* The backend first: when it cannot free its objects, the domain
	 * stays whole (listed, mapped, mirrored) and a later destroy tries
	 * again. Freeing the backend objects drops their mappings (iommufd:
	 * destroying an IOAS unmaps it; soft: the page table goes); the
	 * backend waits until no device can still walk the domain.
	 */
	rc = destroy_fail_take();
	if (rc == 0)
		rc = dom->ctx->ops->domain_free(dom->ctx->priv, dom->priv);
	if (rc < 0) {
		dom->ctx->destroy_failures++;
		DD_LOG(ERR, "destroy '%s': the %s backend could not free it: %s%s; the domain is kept (listed, mappings intact): remove what still uses it (the line above names the object) and destroy it again",
			dom->name, dom->ctx->ops->name, strerror(-rc),
			dd_test_destroy_fail.armed ? " (injected)" : "");
		dd_test_destroy_fail.armed = false;
		return dd_unlock_ret(rc);
	}
	dd_domain_list_del(dom);
	if (dom->flags & RTE_DMA_DOMAIN_F_MIRROR)
		dd_mirror_domain_gone(dom);
	dd_unlock();
	dd_map_table_free(&dom->tbl);
	free(dom);
	return 0;
}

struct rte_dma_domain *
rte_dma_domain_lookup(const char *name)
{
	struct rte_dma_domain *d;

	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	dd_lock();
	d = dd_domain_find(name);
	dd_unlock();
	if (d == NULL)
		rte_errno = ENOENT;
	return d;
}

const char *
rte_dma_domain_name(const struct rte_dma_domain *dom)
{
	return dom != NULL ? dom->name : "";
}

int
rte_dma_domain_foreach(int (*cb)(struct rte_dma_domain *dom, void *arg), void *arg)
{
	struct rte_dma_domain *d, *n;
	int rc = 0;

	if (cb == NULL)
		return -EINVAL;
	dd_lock();
	for (d = dd_domain_first(); d != NULL && rc == 0; d = n) {
		n = dd_domain_next(d);
		rc = cb(d, arg);
	}
	dd_unlock();
	return rc;
}

static int
dump_one(const struct rte_dma_domain_mapping *m, void *arg)
{
	FILE *f = arg;

	fprintf(f, "  iova 0x%016" PRIx64 " len 0x%" PRIx64 " va %p %c%c\n",
		m->iova, m->len, m->va,
		(m->access & RTE_DMA_DOMAIN_ACCESS_READ) ? 'r' : '-',
		(m->access & RTE_DMA_DOMAIN_ACCESS_WRITE) ? 'w' : '-');
	return 0;
}

void
rte_dma_domain_dump(FILE *f, const struct rte_dma_domain *dom)
{
	if (f == NULL || dom == NULL)
		return;
	dd_lock();
	fprintf(f, "domain '%s': %s backend, %s%s, %u mapping(s), %" PRIu64
		" bytes, %u binding(s)\n", dom->name, dom->ctx->ops->name,
		dd_kind_name(dom->kind),
		(dom->flags & RTE_DMA_DOMAIN_F_MIRROR) ? ", mirror" : "",
		dom->tbl.n, dom->tbl.bytes, dom->nb_attached);
	rte_dma_domain_walk(dom, dump_one, f);
	dd_unlock();
}
