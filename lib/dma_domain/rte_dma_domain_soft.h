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

/**
 * Set the model of the soft context (process-wide).
 *
 * model and vtd_window_ns apply from the next replace, iotlb_entries to
 * bindings bound afterwards (0: 64; rounded up to a power of 2),
 * iotlb_verify to DMA from now on. Thread-safe (under the library's
 * lock); set it while no emulated device does DMA, as a test does.
 *
 * @param cfg
 *   The settings.
 * @return
 *   0 on success. A negative errno on failure, rte_errno set, nothing
 *   changed: -EINVAL cfg is NULL, an unknown model, or iotlb_entries
 *   above 2^20; -EBUSY a replace runs on some binding.
 */
__rte_experimental
int rte_dma_domain_soft_configure(const struct rte_dma_domain_soft_config *cfg);

/**
 * Current model settings of the soft context. Thread-safe (under the
 * library's lock).
 *
 * @param cfg
 *   Filled in; nothing is done when NULL.
 */
__rte_experimental
void rte_dma_domain_soft_config_get(struct rte_dma_domain_soft_config *cfg);

/**
 * Translate [iova, iova + len) for an access by the device of b.
 * The range must lie inside one mapping (emulated devices split accesses
 * at page boundaries themselves, or use read/write which do).
 *
 * Lock-free, as a device's DMA engine (a per-device read-side section
 * keeps the domain alive during the translation): callable from any
 * thread, concurrently with replaces, maps and unmaps. The pointer is
 * valid as long as the range stays mapped.
 *
 * @param b
 *   Binding of an emulated device (soft backend).
 * @param iova
 *   First IOVA of the access.
 * @param len
 *   Bytes of the access, not 0.
 * @param access
 *   RTE_DMA_DOMAIN_ACCESS_READ and/or RTE_DMA_DOMAIN_ACCESS_WRITE.
 * @param err
 *   If not NULL, set to 0 on success, else to the reason: -EINVAL bad
 *   arguments (b not a soft binding, no access bit or an unknown one, len
 *   0 or a wrapping range; no fault recorded); -ENOENT not mapped (or the
 *   range spans mappings that are not contiguous in memory); -EACCES
 *   the mapping does not allow access; -EPERM blocked (blocking domain,
 *   no domain, or a VT-d replace window).
 * @return
 *   The host address of iova, or NULL: a fault, recorded in the fault
 *   log (rte_dma_domain_soft_fault_log()) and counted, or bad arguments.
 */
__rte_experimental
void *rte_dma_domain_soft_translate(struct rte_dma_domain_binding *b, uint64_t iova,
		uint32_t len, uint32_t access, int *err);

/**
 * The device of b reads len bytes at iova into buf, split at 4 KiB page
 * boundaries as a DMA engine does. Lock-free (see
 * rte_dma_domain_soft_translate()).
 *
 * @param b
 *   Binding of an emulated device (soft backend).
 * @param iova
 *   First IOVA to read.
 * @param buf
 *   Destination, len bytes.
 * @param len
 *   Bytes to read; 0 reads nothing.
 * @return
 *   0; -EFAULT a page faulted (recorded in the fault log; the pages
 *   before it were copied); -EINVAL b is not a soft binding or buf is
 *   NULL.
 */
__rte_experimental
int rte_dma_domain_soft_read(struct rte_dma_domain_binding *b, uint64_t iova,
		void *buf, uint32_t len);

/**
 * The device of b writes len bytes from buf to iova, split at 4 KiB page
 * boundaries as a DMA engine does. Lock-free (see
 * rte_dma_domain_soft_translate()).
 *
 * @param b
 *   Binding of an emulated device (soft backend).
 * @param iova
 *   First IOVA to write.
 * @param buf
 *   Source, len bytes.
 * @param len
 *   Bytes to write; 0 writes nothing.
 * @return
 *   0; -EFAULT a page faulted (recorded in the fault log; the pages
 *   before it were written); -EINVAL b is not a soft binding or buf is
 *   NULL.
 */
__rte_experimental
int rte_dma_domain_soft_write(struct rte_dma_domain_binding *b, uint64_t iova,
		const void *buf, uint32_t len);

/**
 * Device loads the 16-bit field at iova with acquire ordering, the way a
 * virtio device reads avail->idx: the driver's writes before its
 * release store of that field (descriptors, ring entries) are visible to
 * the device's later reads of them through rte_dma_domain_soft_read().
 * Lock-free (see rte_dma_domain_soft_translate()).
 *
 * @param b
 *   Binding of an emulated device (soft backend).
 * @param iova
 *   IOVA of the field, 2-byte aligned.
 * @param v
 *   Set to the value loaded.
 * @return
 *   0 and *v; -EINVAL iova is not 2-byte aligned, v is NULL or b is not
 *   a soft binding; -EFAULT on a fault (recorded in the fault log).
 */
__rte_experimental
int rte_dma_domain_soft_load16_acquire(struct rte_dma_domain_binding *b, uint64_t iova,
		uint16_t *v);

/**
 * Device stores v to the 16-bit field at iova with release ordering, the
 * way a virtio device publishes used->idx: its earlier writes (used ring
 * entries, packet data) are visible to a driver that load-acquires the
 * field. Also right for fields the driver reads with a relaxed atomic
 * load (used->flags). Lock-free (see rte_dma_domain_soft_translate()).
 *
 * @param b
 *   Binding of an emulated device (soft backend).
 * @param iova
 *   IOVA of the field, 2-byte aligned.
 * @param v
 *   The value to store.
 * @return
 *   0; -EINVAL iova is not 2-byte aligned or b is not a soft binding;
 *   -EFAULT on a fault (recorded in the fault log; nothing stored).
 */
__rte_experimental
int rte_dma_domain_soft_store16_release(struct rte_dma_domain_binding *b, uint64_t iova,
		uint16_t v);

/**
 * Faults the soft model recorded for binding b since it was bound (all
 * bindings since the process started if b is NULL). Lock-free (a
 * load-acquire of a counter that only grows).
 *
 * @param b
 *   A soft binding, or NULL.
 * @return
 *   The fault count; 0 when b is not a soft binding.
 */
__rte_experimental
uint64_t rte_dma_domain_soft_fault_count(const struct rte_dma_domain_binding *b);

/**
 * Copy up to n of the most recent fault records of binding b (all
 * bindings if b is NULL) into out, oldest first. The log is process-wide
 * and keeps the last 4096 faults. Thread-safe (under the log's spinlock,
 * which the faulting DMA engines take too).
 *
 * @param b
 *   A binding (its records are those with its device name), or NULL.
 * @param out
 *   Array of n records.
 * @param n
 *   Capacity of out.
 * @return
 *   The number of records copied; 0 when out is NULL or n is 0.
 */
__rte_experimental
unsigned int rte_dma_domain_soft_fault_log(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_soft_fault *out, unsigned int n);

/**
 * IOTLB statistics of a binding since it was bound. Lock-free (relaxed
 * loads of counters that only grow: a consistent snapshot is not
 * guaranteed while the device does DMA).
 *
 * @param b
 *   A soft binding; for NULL or a binding of another backend every
 *   count is 0.
 * @param hits
 *   If not NULL, set to the IOTLB lookups (one per page translated) that
 *   hit.
 * @param misses
 *   If not NULL, set to the IOTLB lookups that missed (the page table
 *   was walked).
 * @param invalidations
 *   If not NULL, set to the IOTLB flushes (each drops every entry).
 */
__rte_experimental
void rte_dma_domain_soft_iotlb_stats(const struct rte_dma_domain_binding *b,
		uint64_t *hits, uint64_t *misses, uint64_t *invalidations);

/**
 * Stale translations found by the iotlb_verify mode on binding b: IOTLB
 * hits that no longer match the page table (a missing invalidation; each
 * one is logged). Lock-free (a relaxed load).
 *
 * @param b
 *   A soft binding, or NULL.
 * @return
 *   The count since the binding was bound; 0 when b is NULL or not a
 *   soft binding.
 */
__rte_experimental
uint64_t rte_dma_domain_soft_iotlb_stale(const struct rte_dma_domain_binding *b);

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMA_DOMAIN_SOFT_H */
