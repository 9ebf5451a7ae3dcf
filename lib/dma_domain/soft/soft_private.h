/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef SOFT_PRIVATE_H
#define SOFT_PRIVATE_H

/*
 * Internals of the soft IOMMU model (backend_soft.c, soft_pgtable.c,
 * soft_iotlb.c, soft_fault.c). Not installed.
 *
 * Data shared between the control path (dd_lock held) and emulated DMA
 * engines (any thread, no lock) is accessed with __atomic builtins:
 * page-table entries, the device's domain pointer, IOTLB entries
 * (per-entry sequence lock), counters.
 */

#include <stdint.h>
#include <sys/queue.h>

#include "dma_domain_private.h"
#include "rte_dma_domain_soft.h"

/* ---- page tables: 4 levels of 512 entries, 4 KiB and 2 MiB leaves ---- */

#define SOFT_PAGE_SHIFT 12
#define SOFT_PAGE (1ull << SOFT_PAGE_SHIFT)
#define SOFT_HUGE_SHIFT 21
#define SOFT_HUGE (1ull << SOFT_HUGE_SHIFT)
#define SOFT_IOVA_BITS 48

#define SOFT_PTE_P    RTE_BIT64(0) /* present */
#define SOFT_PTE_R    RTE_BIT64(1) /* device may read */
#define SOFT_PTE_W    RTE_BIT64(2) /* device may write */
#define SOFT_PTE_LEAF RTE_BIT64(3) /* 2 MiB leaf at level 2 */
#define SOFT_PTE_ADDR (~(SOFT_PAGE - 1))

struct soft_pt {
	uint64_t *root; /* 512 entries */
	uint64_t nb_tables;
};

int soft_pt_init(struct soft_pt *pt);
void soft_pt_fini(struct soft_pt *pt);
int soft_pt_map(struct soft_pt *pt, uint64_t iova, void *va, uint64_t len,
		uint32_t access);
void soft_pt_unmap(struct soft_pt *pt, uint64_t iova, uint64_t len);
/* Lock-free walk: 0 and the leaf (page base IOVA, size, VA of the base,
 * access bits), or -ENOENT.
 */
int soft_pt_lookup(const struct soft_pt *pt, uint64_t iova, uint64_t *base,
		uint64_t *size, uintptr_t *va, uint32_t *access);

/* ---- domains and devices ----------------------------------------------- */

struct soft_dom {
	enum rte_dma_domain_kind kind;
	char name[RTE_DMA_DOMAIN_NAMESIZE];
	struct soft_pt pt;
};

/* ---- IOTLB: direct mapped, tagged with an invalidation generation ---- */

struct soft_tlb_ent {
	uint32_t seq;    /* odd while being written */
	uint64_t gen;
	uint64_t base;   /* page base IOVA */
	uint64_t size;
	uintptr_t va;
	uint32_t access;
};

struct soft_iotlb {
	uint32_t mask;
	struct soft_tlb_ent *e;
	uint64_t gen;    /* bumped by every invalidation */
	uint64_t hits, misses, invalidations, stale;
};

int soft_iotlb_init(struct soft_iotlb *t, uint32_t entries);
void soft_iotlb_fini(struct soft_iotlb *t);
bool soft_iotlb_lookup(struct soft_iotlb *t, uint64_t gen, uint64_t iova,
		uint64_t *base, uint64_t *size, uintptr_t *va, uint32_t *access);
void soft_iotlb_fill(struct soft_iotlb *t, uint64_t gen, uint64_t iova,
		uint64_t base, uint64_t size, uintptr_t va, uint32_t access);
void soft_iotlb_invalidate(struct soft_iotlb *t);

/*
 * A device's domain and its IOTLB generation are read together, as one
 * snapshot: an IOTLB entry tagged with generation g was filled from the
 * page table of the domain the device had when g was current, and a
 * translation may use it only if its own snapshot is (g, that domain).
 * The pair is published under a sequence count, pub_seq:
 *
 *   writer (control path, one at a time per device: dd_lock), soft_publish():
 *     pub_seq = odd (relaxed); cur = d (release); tlb.gen++ (release);
 *     pub_seq = even (release)
 *   reader (DMA engines, any thread, no lock), soft_snapshot():
 *     s1 = pub_seq (acquire); gen = tlb.gen (acquire); d = cur (acquire);
 *     s2 = pub_seq (relaxed)
 *     s1 == s2 and even: (gen, d) belong together, the IOTLB may be used;
 *     else a publish overlapped: translate through d's page table only
 *     (no IOTLB lookup, no fill). d was the device's domain when it was
 *     loaded, so the translation still sees a domain that was current.
 *
 * The release stores of cur and tlb.gen order pub_seq's odd value before
 * them, so a reader that loads either new value loads an s2 != s1. No
 * retry loop: a DMA engine never waits for the control path.
 * Invalidations without a domain change (unmap) bump tlb.gen alone: any
 * generation of one pub_seq period pairs with the same domain.
 */
struct soft_dev {
	TAILQ_ENTRY(soft_dev) next;
	char name[RTE_DMA_DOMAIN_NAMESIZE];
	uint32_t pub_seq;           /* odd while cur and tlb.gen change */
	struct soft_dom *cur;       /* see above */
	struct soft_iotlb tlb;
	/* Sleepable-RCU-like reader counts so that a domain's tables are
	 * freed only once no DMA engine can still walk them.
	 */
	uint32_t epoch;
	uint64_t readers[2];
	uint64_t faults;            /* all faults of this device */
	uint64_t faults_reported;   /* control path: returned by ops->faults */
};

/* The soft device of a binding, or NULL (not a soft binding). */
static inline struct soft_dev *
soft_dev_of(const struct rte_dma_domain_binding *b)
{
	if (b == NULL || b->ctx->backend != RTE_DMA_DOMAIN_BACKEND_SOFT)
		return NULL;
	return b->dev_priv;
}

/* backend_soft.c */
extern struct rte_dma_domain_soft_config soft_cfg;

/* soft_iotlb.c */
extern bool soft_skip_invalidation;

/* soft_fault.c */
void soft_fault_record(struct soft_dev *dev, uint64_t iova, uint32_t access,
		int reason, const char *domain);

#endif /* SOFT_PRIVATE_H */
