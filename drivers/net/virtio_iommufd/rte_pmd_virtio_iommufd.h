/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef RTE_PMD_VIRTIO_IOMMUFD_H
#define RTE_PMD_VIRTIO_IOMMUFD_H

/**
 * @file
 * Private API of the net_virtio_iommufd PMD: failure injection into its
 * part of the replace protocol (queue_quiesce/queue_resume of
 * rte_dma_domain_dev_ops), for tests. The library's own injection points
 * (rte_dma_domain_inject()) fail before the driver runs; these fail
 * inside it, where the driver's recovery is what is tested.
 *
 * An application loading the PMD with -d finds the symbol with dlsym().
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice. Tests only.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Where the driver fails (rte_pmd_virtio_iommufd_inject()). */
enum rte_pmd_virtio_iommufd_inject {
	/** queue_resume: re-enabling the reset queue (queue_enable) fails
	 * with -EIO, as a device that does not take the ring back would.
	 */
	RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESUME_SETUP = 0,
	/** queue_quiesce: the queue reset is requested, its completion is
	 * not seen within the bound (-ETIMEDOUT), as with a slow device.
	 */
	RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESET_TIMEOUT,
	/** queue_quiesce returns 0 without resetting the queue: a broken
	 * driver whose device keeps doing DMA across the switch. Tests that
	 * must see faults (e.g. under the soft model's VT-d window) use it.
	 */
	RTE_PMD_VIRTIO_IOMMUFD_INJECT_QUIESCE_NOOP,
	/** dev_start: enabling the queue fails with -EIO, as a device that
	 * does not take the ring would; the start fails and releases what
	 * it posted. The resume step of strategy restart (a port start
	 * inside the driver), where the others use RESUME_SETUP.
	 */
	RTE_PMD_VIRTIO_IOMMUFD_INJECT_START_SETUP,
	RTE_PMD_VIRTIO_IOMMUFD_INJECT_MAX /**< number of injection points */
};

/** qid of rte_pmd_virtio_iommufd_inject(): every queue. */
#define RTE_PMD_VIRTIO_IOMMUFD_INJECT_ANY_QUEUE UINT16_MAX
/** count of rte_pmd_virtio_iommufd_inject(): until cleared (count 0). */
#define RTE_PMD_VIRTIO_IOMMUFD_INJECT_ALWAYS UINT32_MAX

/**
 * Arm (or, with count 0, clear) a failure of the PMD's replace callbacks.
 * Safe to call while a replace runs on another thread.
 *
 * @param port_id
 *   A port of net_virtio_iommufd.
 * @param what
 *   The injection point.
 * @param qid
 *   Queue handle of the replace protocol it applies to (rx queue i is
 *   2i, tx queue i is 2i+1), or RTE_PMD_VIRTIO_IOMMUFD_INJECT_ANY_QUEUE.
 * @param count
 *   How many times it fires; 0 clears it; RTE_PMD_VIRTIO_IOMMUFD_INJECT_ALWAYS.
 * @return
 *   0; -ENODEV (rte_errno too) if port_id is not a port of this PMD;
 *   -EINVAL if what is out of range.
 */
int rte_pmd_virtio_iommufd_inject(uint16_t port_id,
		enum rte_pmd_virtio_iommufd_inject what, uint16_t qid, uint32_t count);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_VIRTIO_IOMMUFD_H */
