/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Soft IOMMU page tables: 4 levels of 512 64-bit entries (48-bit IOVA),
 * 4 KiB leaves at level 1 and 2 MiB leaves at level 2, R/W permissions.
 *
 * Writers (map/unmap) run on the control path, serialised by the core's
 * lock; DMA engines walk concurrently without a lock. Entries are stored
 * with release and loaded with acquire, so a walker sees either the old
 * or the new entry and, through a table pointer, an initialised table.
 * Table pages are never freed while the domain lives (unmap only clears
 * entries): a walker that loaded a table pointer before an unmap can
 * finish its walk safely. soft_pt_fini() runs only after the backend's
 * grace period (no device can walk the domain any more).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "soft_private.h"

#define PT_ENTRIES 512

static inline unsigned int
pt_index(uint64_t iova, int level)
{
	return (iova >> (SOFT_PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static uint64_t *
pt_table_new(struct soft_pt *pt)
{
	uint64_t *t = aligned_alloc(SOFT_PAGE, SOFT_PAGE);

	if (t != NULL) {
		memset(t, 0, SOFT_PAGE);
		pt->nb_tables++;
	}
	return t;
}

int
soft_pt_init(struct soft_pt *pt)
{
	pt->nb_tables = 0;
	pt->root = pt_table_new(pt);
	return pt->root != NULL ? 0 : -ENOMEM;
}

static void
pt_free_level(uint64_t *t, int level)
{
	unsigned int i;

	if (level > 1) {
		for (i = 0; i < PT_ENTRIES; i++) {
			uint64_t e = t[i];

			if ((e & SOFT_PTE_P) && !(e & SOFT_PTE_LEAF))
				pt_free_level((uint64_t *)(uintptr_t)(e & SOFT_PTE_ADDR),
						level - 1);
		}
	}
	free(t);
}

void
soft_pt_fini(struct soft_pt *pt)
{
	if (pt->root != NULL)
		pt_free_level(pt->root, 4);
	pt->root = NULL;
}

/* Entry slot of iova at level, allocating tables on the way (or NULL). */
static uint64_t *
pt_slot(struct soft_pt *pt, uint64_t iova, int level, bool alloc)
{
	uint64_t *t = pt->root;
	int l;

	for (l = 4; l > level; l--) {
		uint64_t *slot = &t[pt_index(iova, l)];
		uint64_t e = rte_atomic_load_explicit(slot, rte_memory_order_acquire);

		if (!(e & SOFT_PTE_P)) {
			uint64_t *nt;

			if (!alloc)
				return NULL;
			nt = pt_table_new(pt);
			if (nt == NULL)
				return NULL;
			e = (uintptr_t)nt | SOFT_PTE_P;
			rte_atomic_store_explicit(slot, e, rte_memory_order_release);
		} else if (e & SOFT_PTE_LEAF) {
			return NULL;
		}
		t = (uint64_t *)(uintptr_t)(e & SOFT_PTE_ADDR);
	}
	return &t[pt_index(iova, level)];
}

static uint64_t
pte_perm(uint32_t access)
{
	return SOFT_PTE_P |
		((access & RTE_DMA_DOMAIN_ACCESS_READ) ? SOFT_PTE_R : 0) |
		((access & RTE_DMA_DOMAIN_ACCESS_WRITE) ? SOFT_PTE_W : 0);
}

int
soft_pt_map(struct soft_pt *pt, uint64_t iova, void *va, uint64_t len,
		uint32_t access)
{
	uint64_t off = 0;
	uintptr_t v = (uintptr_t)va;

	if (iova >= (1ull << SOFT_IOVA_BITS) ||
			len > (1ull << SOFT_IOVA_BITS) - iova)
		return -ERANGE;
	while (off < len) {
		uint64_t cur = iova + off;
		uint64_t *slot = NULL;
		uint64_t step = SOFT_PAGE;

		/* 2 MiB leaf where the range allows it, unless a table of
		 * 4 KiB entries is already there.
		 */
		if ((cur & (SOFT_HUGE - 1)) == 0 && len - off >= SOFT_HUGE) {
			slot = pt_slot(pt, cur, 2, true);
			if (slot != NULL && rte_atomic_load_explicit(slot,
					rte_memory_order_relaxed) == 0) {
				rte_atomic_store_explicit(slot, ((v + off) & SOFT_PTE_ADDR) |
					pte_perm(access) | SOFT_PTE_LEAF, rte_memory_order_release);
				off += SOFT_HUGE;
				continue;
			}
		}
		slot = pt_slot(pt, cur, 1, true);
		if (slot == NULL) {
			soft_pt_unmap(pt, iova, off);
			return -ENOMEM;
		}
		rte_atomic_store_explicit(slot, ((v + off) & SOFT_PTE_ADDR) | pte_perm(access),
				rte_memory_order_release);
		off += step;
	}
	return 0;
}

/* Replace a 2 MiB leaf by a table of 512 equivalent 4 KiB leaves, so
 * that part of it can be unmapped. Walkers see the leaf or the table.
 */
static int
pt_split(struct soft_pt *pt, uint64_t *slot)
{
	uint64_t e = rte_atomic_load_explicit(slot, rte_memory_order_relaxed);
	uint64_t perm = e & (SOFT_PTE_P | SOFT_PTE_R | SOFT_PTE_W);
	uintptr_t base = e & SOFT_PTE_ADDR;
	uint64_t *t = pt_table_new(pt);
	unsigned int i;

	if (t == NULL)
		return -ENOMEM;
	for (i = 0; i < PT_ENTRIES; i++)
		t[i] = (base + i * SOFT_PAGE) | perm;
	rte_atomic_store_explicit(slot, (uintptr_t)t | SOFT_PTE_P, rte_memory_order_release);
	return 0;
}

void
soft_pt_unmap(struct soft_pt *pt, uint64_t iova, uint64_t len)
{
	uint64_t off = 0;

	while (off < len) {
		uint64_t cur = iova + off;
		uint64_t *slot = pt_slot(pt, cur, 2, false);
		uint64_t e;

		if (slot == NULL) {
			/* nothing mapped at this 2 MiB block */
			off += SOFT_HUGE - (cur & (SOFT_HUGE - 1));
			continue;
		}
		e = rte_atomic_load_explicit(slot, rte_memory_order_relaxed);
		if (!(e & SOFT_PTE_P)) {
			off += SOFT_HUGE - (cur & (SOFT_HUGE - 1));
			continue;
		}
		if (e & SOFT_PTE_LEAF) {
			if ((cur & (SOFT_HUGE - 1)) == 0 && len - off >= SOFT_HUGE) {
				rte_atomic_store_explicit(slot, 0, rte_memory_order_release);
				off += SOFT_HUGE;
				continue;
			}
			if (pt_split(pt, slot) < 0) {
				/* cannot split: drop the whole leaf rather than
				 * leave a translation the caller unmapped
				 */
				rte_atomic_store_explicit(slot, 0, rte_memory_order_release);
				off += SOFT_HUGE - (cur & (SOFT_HUGE - 1));
				continue;
			}
		}
		slot = pt_slot(pt, cur, 1, false);
		if (slot != NULL)
			rte_atomic_store_explicit(slot, 0, rte_memory_order_release);
		off += SOFT_PAGE;
	}
}

int
soft_pt_lookup(const struct soft_pt *pt, uint64_t iova, uint64_t *base,
		uint64_t *size, uintptr_t *va, uint32_t *access)
{
	const uint64_t *t = pt->root;
	uint64_t e = 0;
	int l;

	if (iova >= (1ull << SOFT_IOVA_BITS))
		return -ENOENT;
	for (l = 4; l >= 1; l--) {
		e = rte_atomic_load_explicit(&t[pt_index(iova, l)], rte_memory_order_acquire);
		if (!(e & SOFT_PTE_P))
			return -ENOENT;
		if (l == 1 || (e & SOFT_PTE_LEAF))
			break;
		t = (const uint64_t *)(uintptr_t)(e & SOFT_PTE_ADDR);
	}
	*size = (l == 2) ? SOFT_HUGE : SOFT_PAGE;
	*base = iova & ~(*size - 1);
	*va = e & SOFT_PTE_ADDR;
	*access = ((e & SOFT_PTE_R) ? RTE_DMA_DOMAIN_ACCESS_READ : 0) |
		((e & SOFT_PTE_W) ? RTE_DMA_DOMAIN_ACCESS_WRITE : 0);
	return 0;
}
