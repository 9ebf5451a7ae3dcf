/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef DMA_DOMAIN_BACKEND_H
#define DMA_DOMAIN_BACKEND_H

/*
 * Internal interface between the backend-independent core (the files of
 * lib/dma_domain; dma_domain_ctx.c picks a backend's ops for a context)
 * and a backend, each in its own folder: soft/ (the soft IOMMU model,
 * soft/backend_soft.c) and iommufd/ (the Linux kernel's,
 * iommufd/backend_iommufd.c). A backend calls only the core's leaf
 * (dma_domain.c: lock, lists). Not installed.
 *
 * The core owns names, lists, mapping bookkeeping (an IOVA-ordered table of
 * mappings per domain, used for coverage queries, walks, copies and the
 * errno rules), stats and the protocol. A backend owns the translation
 * objects: soft page tables, or iommufd IOAS + pre-allocated HWPT.
 * The core validates arguments before calling a backend op.
 */

#include <stdint.h>
#include "rte_dma_domain_driver.h"

/* What a backend knows about its fault count for one device. */
struct dd_fault_info {
	/* Faults charged to the device since bind, whether faults() has
	 * returned them yet or not: the library's "faults between swaps" are
	 * what its pre-switch baseline call of faults() returns.
	 */
	uint64_t total;
	/* false: the count is a lower bound (iommufd: /dev/kmsg unreadable,
	 * the kernel's rate limit dropped fault lines, or records were
	 * overwritten); the backend has logged why, once.
	 */
	bool exact;
	/* How long after the queues resumed a fault of the swap may still be
	 * reported (asynchronous reports; DMA of a buffer the coverage check
	 * missed): the replace protocol calls faults_wait() with it. 0: the
	 * source is synchronous or absent, nothing to wait for.
	 */
	uint32_t confirm_window_us;
	const char *source;          /* e.g. "/dev/kmsg", "soft fault log" */
};

struct dma_domain_backend_ops {
	const char *name;
	/* Open the backend (iommufd: open /dev/iommu, IOMMU_GET_HW_INFO is
	 * done per device at bind). Return 0 or negative errno with a log
	 * line saying what is wrong and how to fix it. *priv = backend state.
	 */
	int (*ctx_open)(void **priv);
	/* Close what ctx_open opened (iommufd: /dev/iommu, /dev/kmsg). The
	 * core calls it only once no domain and no binding is left.
	 */
	void (*ctx_close)(void *priv);
	/* Whether replace is atomic for DMA in flight. */
	bool (*atomic_replace)(void *ctx_priv);

	/* Domain objects. *dom_priv = backend handle (iommufd: ioas/hwpt ids). */
	int (*domain_alloc)(void *ctx_priv, enum rte_dma_domain_kind kind,
			const char *name, void **dom_priv);
	/* Free the domain's objects. 0: dom_priv is gone. Negative errno
	 * (logged with the object id and errno): the domain is KEPT and
	 * stays usable (map, attach...); objects freed before the failure
	 * are allocated again when needed; the core calls it again at the
	 * next destroy.
	 */
	int (*domain_free)(void *ctx_priv, void *dom_priv);
	int (*map)(void *ctx_priv, void *dom_priv, uint64_t iova, void *va,
			uint64_t len, uint32_t access);
	int (*unmap)(void *ctx_priv, void *dom_priv, uint64_t iova, uint64_t len);
	/* Optional: backend-native copy (IOMMU_IOAS_COPY). NULL = the core
	 * maps the source's VAs again.
	 */
	int (*copy)(void *ctx_priv, void *dst_priv, uint64_t dst_iova,
			void *src_priv, uint64_t src_iova, uint64_t len, uint32_t access);

	/* Devices. *dev_priv = backend device state (iommufd: dev_id, fd). */
	int (*bind)(void *ctx_priv, const struct rte_dma_domain_binding_params *p,
			void **dev_priv);
	void (*unbind)(void *ctx_priv, void *dev_priv);
	int (*attach)(void *ctx_priv, void *dev_priv, void *dom_priv);
	/* Optional: get ready to switch the device to dom_priv (iommufd: find
	 * or allocate the domain's HWPT for this device), so that the switch
	 * itself is one cheap call. Runs before any queue is paused; a
	 * failure refuses the replace with nothing changed.
	 */
	int (*prepare)(void *ctx_priv, void *dev_priv, void *dom_priv);
	/* Replace the attached domain by dom_priv in one call (the switch). */
	int (*replace)(void *ctx_priv, void *dev_priv, void *dom_priv);
	int (*detach)(void *ctx_priv, void *dev_priv);
	/* Faults the backend saw for this device since the last call
	 * (soft: exact log; iommufd: /dev/kmsg where readable). Non-blocking.
	 */
	uint64_t (*faults)(void *ctx_priv, void *dev_priv);
	/* Optional (NULL: total = 0, exact, no window). */
	void (*fault_info)(void *ctx_priv, void *dev_priv, struct dd_fault_info *fi);
	/* Optional (NULL: faults() once). The post-resume confirmation:
	 * faults of this device seen from the last faults()/faults_wait()
	 * call until window_us from now; returns as soon as one is seen, or
	 * when the window has passed (iommufd: polls /dev/kmsg, no spin).
	 * Counted like faults(): a fault is returned once by either.
	 */
	uint64_t (*faults_wait)(void *ctx_priv, void *dev_priv, uint32_t window_us);
};

/*
 * The post-resume confirmation of a swap, for the replace protocol: call
 * it once the queues resumed (after resume_or_undo() succeeded) and
 * charge what it returns to the swap: faults reported up to the backend's
 * confirm_window_us later (iommufd: /dev/kmsg polled, returns at the
 * first fault of the device; soft: faults(), no wait).
 */
static inline uint64_t
dd_backend_faults_after_resume(const struct dma_domain_backend_ops *ops,
		void *ctx_priv, void *dev_priv)
{
	struct dd_fault_info fi = { .exact = true };

	if (ops->fault_info != NULL)
		ops->fault_info(ctx_priv, dev_priv, &fi);
	if (ops->faults_wait != NULL && fi.confirm_window_us > 0)
		return ops->faults_wait(ctx_priv, dev_priv, fi.confirm_window_us);
	return ops->faults(ctx_priv, dev_priv);
}

extern const struct dma_domain_backend_ops dma_domain_backend_soft;
extern const struct dma_domain_backend_ops dma_domain_backend_iommufd;

#endif /* DMA_DOMAIN_BACKEND_H */
