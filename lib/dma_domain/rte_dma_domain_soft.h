/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef RTE_DMA_DOMAIN_SOFT_H
#define RTE_DMA_DOMAIN_SOFT_H

/**
 * @file
 * Soft IOMMU model: the DMA-engine API for emulated devices and the knobs
 * of the model (replace semantics, fault log). Driver-facing; applications
 * normally need only rte_dma_domain.h.
 *
 * Every access an emulated device makes to host memory goes through
 * rte_dma_domain_soft_read()/write()/translate() on its binding: the model looks
 * up the binding's current domain (IOTLB first, page table on a miss),
 * checks permissions and, on failure, appends an exact record to the fault
 * log and returns -EFAULT without touching memory.
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 */

#include "rte_dma_domain.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Replace semantics of the soft model. */
enum rte_dma_domain_soft_replace_model {
	/** One release-ordered pointer publish: an IOMMU whose replace
	 * never blocks translation (no kernel IOMMU is known to be one:
	 * SMMUv3 rewrites a live context descriptor through a breaking
	 * sequence, VT-d blocks first).
	 */
	RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC = 0,
	/** Block translation, hold window_ns, then set (VT-d-like). */
	RTE_DMA_DOMAIN_SOFT_REPLACE_VTD = 1,
};

/** Model settings of the soft context (process-wide). */
struct rte_dma_domain_soft_config {
	enum rte_dma_domain_soft_replace_model model; /**< replace semantics */
	uint64_t vtd_window_ns; /**< blocked window of the VTD model */
	uint32_t iotlb_entries; /**< per-binding IOTLB size (power of 2) */
	/** Check every IOTLB hit against the page table and count
	 * mismatches (stale translations: a missing invalidation). Costs a
	 * page-table walk per access; meant for tests.
	 */
	bool iotlb_verify;
};

/** One DMA fault, exactly as the model saw it. */
struct rte_dma_domain_soft_fault {
	uint64_t tsc;        /**< rte_rdtsc() at the fault */
	uint64_t iova;       /**< faulting IOVA */
	uint32_t access;     /**< RTE_DMA_DOMAIN_ACCESS_READ or _WRITE */
	/** -ENOENT unmapped, -EACCES permission, -EPERM blocked (domain or replace window) */
	int reason;
	char device[RTE_DMA_DOMAIN_NAMESIZE]; /**< binding name */
	char domain[RTE_DMA_DOMAIN_NAMESIZE]; /**< domain at the time, or "" */
};

/** Set the model of the soft context. -EBUSY while a replace runs. */
__rte_experimental
int rte_dma_domain_soft_configure(const struct rte_dma_domain_soft_config *cfg);

/** Current model settings. */
__rte_experimental
void rte_dma_domain_soft_config_get(struct rte_dma_domain_soft_config *cfg);

/**
 * Translate [iova, iova + len) for an access by the device of b.
 * The range must lie inside one mapping (emulated devices split accesses
 * at page boundaries themselves, or use read/write which do).
 * @return host pointer, or NULL with the fault recorded (*err = reason).
 */
__rte_experimental
void *rte_dma_domain_soft_translate(struct rte_dma_domain_binding *b, uint64_t iova,
		uint32_t len, uint32_t access, int *err);

/** Device reads len bytes at iova into buf. 0 or -EFAULT (fault logged). */
__rte_experimental
int rte_dma_domain_soft_read(struct rte_dma_domain_binding *b, uint64_t iova,
		void *buf, uint32_t len);

/** Device writes len bytes from buf to iova. 0 or -EFAULT (fault logged). */
__rte_experimental
int rte_dma_domain_soft_write(struct rte_dma_domain_binding *b, uint64_t iova,
		const void *buf, uint32_t len);

/**
 * Device loads the 16-bit field at iova with acquire ordering, the way a
 * virtio device reads avail->idx: the driver's writes before its
 * release store of that field (descriptors, ring entries) are visible to
 * the device's later reads of them through rte_dma_domain_soft_read().
 * @return 0 and *v, -EINVAL if iova is not 2-byte aligned or v is NULL,
 *   -EFAULT on a fault (logged).
 */
__rte_experimental
int rte_dma_domain_soft_load16_acquire(struct rte_dma_domain_binding *b, uint64_t iova,
		uint16_t *v);

/**
 * Device stores v to the 16-bit field at iova with release ordering, the
 * way a virtio device publishes used->idx: its earlier writes (used ring
 * entries, packet data) are visible to a driver that load-acquires the
 * field. Also right for fields the driver reads with a relaxed atomic
 * load (used->flags).
 * @return 0, -EINVAL if iova is not 2-byte aligned, -EFAULT on a fault.
 */
__rte_experimental
int rte_dma_domain_soft_store16_release(struct rte_dma_domain_binding *b, uint64_t iova,
		uint16_t v);

/** Faults of binding b so far (all bindings if b is NULL). */
__rte_experimental
uint64_t rte_dma_domain_soft_fault_count(const struct rte_dma_domain_binding *b);

/**
 * Copy up to n of the most recent fault records (all bindings if b is
 * NULL) into out, oldest first. @return number copied.
 */
__rte_experimental
unsigned int rte_dma_domain_soft_fault_log(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_soft_fault *out, unsigned int n);

/** IOTLB statistics of a binding (hits, misses, invalidations). */
__rte_experimental
void rte_dma_domain_soft_iotlb_stats(const struct rte_dma_domain_binding *b,
		uint64_t *hits, uint64_t *misses, uint64_t *invalidations);

/**
 * Stale translations found by the iotlb_verify mode on binding b: IOTLB
 * hits that no longer match the page table.
 */
__rte_experimental
uint64_t rte_dma_domain_soft_iotlb_stale(const struct rte_dma_domain_binding *b);

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMA_DOMAIN_SOFT_H */
