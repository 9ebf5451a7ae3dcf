/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Per-device IOTLB of the soft IOMMU: a direct-mapped cache of leaf
 * translations, shared by every thread that does DMA for the device.
 *
 * Invalidation is explicit and global: it bumps the IOTLB generation, and
 * an entry hits only if it was filled under the generation the lookup
 * started with. A translation that began before an invalidation may still
 * use what it found (a DMA in flight, as on hardware); one that begins
 * after it walks the page table again. The control path clears entries
 * first and invalidates afterwards, so forgetting an invalidation leaves a
 * stale translation that soft_iotlb_lookup() keeps returning - which the
 * model's iotlb_verify mode detects and counts. Which generation a
 * translation starts with, and the domain it pairs with, come from one
 * snapshot (soft_private.h, struct soft_dev): a generation is never paired
 * with a domain other than the one its entries were filled from.
 *
 * Entries are written by several DMA threads: each entry has a sequence
 * lock (odd while written; writers that lose the race skip the fill).
 */

#include <errno.h>
#include <stdlib.h>

#include <rte_common.h>

#include "soft_private.h"

int
soft_iotlb_init(struct soft_iotlb *t, uint32_t entries)
{
	if (entries == 0)
		entries = 64;
	entries = rte_align32pow2(entries);
	t->e = calloc(entries, sizeof(*t->e));
	if (t->e == NULL)
		return -ENOMEM;
	t->mask = entries - 1;
	t->gen = 1;
	t->hits = t->misses = t->invalidations = t->stale = 0;
	return 0;
}

void
soft_iotlb_fini(struct soft_iotlb *t)
{
	free(t->e);
	t->e = NULL;
}

static inline struct soft_tlb_ent *
tlb_ent(struct soft_iotlb *t, uint64_t iova)
{
	return &t->e[(iova >> SOFT_PAGE_SHIFT) & t->mask];
}

bool
soft_iotlb_lookup(struct soft_iotlb *t, uint64_t gen, uint64_t iova,
		uint64_t *base, uint64_t *size, uintptr_t *va, uint32_t *access)
{
	struct soft_tlb_ent *e = tlb_ent(t, iova);
	uint32_t s1, s2;
	uint64_t egen, b, sz;
	uintptr_t v;
	uint32_t acc;

	s1 = rte_atomic_load_explicit(&e->seq, rte_memory_order_acquire);
	if (s1 & 1)
		goto miss;
	egen = rte_atomic_load_explicit(&e->gen, rte_memory_order_relaxed);
	b = rte_atomic_load_explicit(&e->base, rte_memory_order_relaxed);
	sz = rte_atomic_load_explicit(&e->size, rte_memory_order_relaxed);
	v = rte_atomic_load_explicit(&e->va, rte_memory_order_relaxed);
	acc = rte_atomic_load_explicit(&e->access, rte_memory_order_relaxed);
	rte_atomic_thread_fence(rte_memory_order_acquire);
	s2 = rte_atomic_load_explicit(&e->seq, rte_memory_order_relaxed);
	if (s1 != s2 || egen != gen || sz == 0 || iova < b || iova - b >= sz)
		goto miss;
	*base = b;
	*size = sz;
	*va = v;
	*access = acc;
	rte_atomic_fetch_add_explicit(&t->hits, 1, rte_memory_order_relaxed);
	return true;
miss:
	rte_atomic_fetch_add_explicit(&t->misses, 1, rte_memory_order_relaxed);
	return false;
}

void
soft_iotlb_fill(struct soft_iotlb *t, uint64_t gen, uint64_t iova,
		uint64_t base, uint64_t size, uintptr_t va, uint32_t access)
{
	struct soft_tlb_ent *e = tlb_ent(t, iova);
	uint32_t s = rte_atomic_load_explicit(&e->seq, rte_memory_order_relaxed);

	if ((s & 1) || !rte_atomic_compare_exchange_strong_explicit(&e->seq, &s, s + 1,
			rte_memory_order_acquire, rte_memory_order_relaxed))
		return; /* another thread is filling this entry */
	rte_atomic_thread_fence(rte_memory_order_release);
	rte_atomic_store_explicit(&e->gen, gen, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&e->base, base, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&e->size, size, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&e->va, va, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&e->access, access, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&e->seq, s + 2, rte_memory_order_release);
}

/* Test hook (rte_dma_domain_soft_test_skip_invalidation(), written under
 * dd_lock while no DMA runs): invalidations are skipped.
 */
bool soft_skip_invalidation;

void
soft_iotlb_invalidate(struct soft_iotlb *t)
{
	if (soft_skip_invalidation)
		return; /* test hook: model a driver that forgets to flush */
	/* seq_cst: ordered after the page-table stores that preceded it */
	rte_atomic_fetch_add_explicit(&t->gen, 1, rte_memory_order_seq_cst);
	rte_atomic_fetch_add_explicit(&t->invalidations, 1, rte_memory_order_relaxed);
}
