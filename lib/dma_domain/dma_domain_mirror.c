/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * RTE_DMA_DOMAIN_F_MIRROR: a domain that maps all DPDK memory at its IOVA
 * (memseg iova; the VA where a memseg has no IOVA), walked at creation and
 * kept up to date from EAL memory events. The EAL calls the event callback
 * while it holds the memory hotplug lock, before new memory can be handed
 * out (and before freed memory is unmapped), so a device never sees DPDK
 * memory that its mirroring domain lacks.
 *
 * Granularity: hugepage memory is mapped one page per mapping, because the
 * EAL frees it page by page and iommufd-style unmap cannot split a
 * mapping; 4 KiB-page memory (--no-huge) and external memory are mapped
 * in IOVA-contiguous runs (they are freed all at once, if ever).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "dma_domain_private.h"

#define MIRROR_CB_NAME "dma_domain_mirror"

static bool mirror_cb_registered;
static bool mirror_warned_iova;

struct mirror_run {
	struct rte_dma_domain *only; /* populate one domain, or NULL = all */
	bool unmap;
	uint64_t iova;
	uintptr_t va;
	uint64_t len;
	int rc;
};

static void
mirror_apply(struct rte_dma_domain *d, struct mirror_run *r)
{
	int rc;

	if (r->unmap)
		rc = dd_unmap_locked(d, r->iova, r->len, NULL);
	else
		rc = dd_map_locked(d, r->iova, (void *)r->va, r->len,
				RTE_DMA_DOMAIN_ACCESS_RW);
	if (rc < 0) {
		DD_LOG(ERR, "mirror '%s': %s of IOVA 0x%" PRIx64 " (VA 0x%" PRIxPTR ", 0x%" PRIx64 " bytes) failed: %s",
			d->name, r->unmap ? "unmap" : "map", r->iova, r->va,
			r->len, strerror(-rc));
		if (r->rc == 0)
			r->rc = rc;
	}
}

static void
run_flush(struct mirror_run *r)
{
	struct rte_dma_domain *d;

	if (r->len == 0)
		return;
	if (r->only != NULL) {
		mirror_apply(r->only, r);
	} else {
		for (d = dd_domain_first(); d != NULL; d = dd_domain_next(d))
			if (d->flags & RTE_DMA_DOMAIN_F_MIRROR)
				mirror_apply(d, r);
	}
	r->len = 0;
}

/* Add one memseg to the current run, flushing where contiguity ends. */
static void
run_add(struct mirror_run *r, const struct rte_memseg_list *msl,
		const struct rte_memseg *ms)
{
	uint64_t iova = ms->iova;
	bool per_page = msl->page_sz >= RTE_PGSIZE_2M && !msl->external;

	if (iova == RTE_BAD_IOVA) {
		if (!mirror_warned_iova)
			DD_LOG(WARNING, "mirror: memory without IOVA (e.g. external heap): mapped at IOVA = VA");
		mirror_warned_iova = true;
		iova = (uintptr_t)ms->addr;
	}
	if (r->len != 0 && !per_page && r->iova + r->len == iova &&
			r->va + r->len == (uintptr_t)ms->addr) {
		r->len += ms->len;
		return;
	}
	run_flush(r);
	r->iova = iova;
	r->va = (uintptr_t)ms->addr;
	r->len = ms->len;
	if (per_page)
		run_flush(r);
}

static int
walk_cb(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	if (ms->addr != NULL && ms->len != 0)
		run_add(arg, msl, ms);
	return 0;
}

/* EAL memory event: map new memory into, or unmap freed memory from,
 * every mirroring domain. The EAL holds its memory lock: only lock-free
 * memseg lookups here. Taking dd_lock here is the lock order "hotplug
 * lock, then dd_lock"; it cannot deadlock against a replace because no
 * driver or application callback (which may allocate memory, taking the
 * hotplug lock) runs under dd_lock (dma_domain_private.h).
 */
static void
mem_event_cb(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);
	struct mirror_run r = { .unmap = (type == RTE_MEM_EVENT_FREE) };
	uintptr_t va = (uintptr_t)addr, end = va + len;

	RTE_SET_USED(arg);
	if (msl == NULL) {
		DD_LOG(ERR, "mirror: memory event for %p (+%zu) outside every memseg list",
			addr, len);
		return;
	}
	dd_lock();
	while (va < end) {
		const struct rte_memseg *ms = rte_mem_virt2memseg((void *)va, msl);

		if (ms == NULL || ms->len == 0)
			break;
		run_add(&r, msl, ms);
		va = (uintptr_t)ms->addr + ms->len;
	}
	run_flush(&r);
	dd_unlock();
	DD_LOG(DEBUG, "mirror: %s %p +%zu", r.unmap ? "freed" : "added", addr, len);
}

int
dd_mirror_populate(struct rte_dma_domain *dom)
{
	struct mirror_run r = { .only = dom };

	if (!mirror_cb_registered) {
		if (rte_mem_event_callback_register(MIRROR_CB_NAME, mem_event_cb, NULL) == 0 ||
				rte_errno == EEXIST)
			mirror_cb_registered = true;
		else
			DD_LOG(WARNING, "mirror '%s': no memory events (%s; legacy memory mode?): memory added later is not mirrored",
				dom->name, rte_strerror(rte_errno));
	}
	/* the caller holds the EAL memory read lock */
	rte_memseg_walk_thread_unsafe(walk_cb, &r);
	run_flush(&r);
	return r.rc;
}

void
dd_mirror_domain_gone(struct rte_dma_domain *dom)
{
	RTE_SET_USED(dom);
	/* The callback stays registered: it only walks the domain list. */
}
