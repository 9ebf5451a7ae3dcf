/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The PMD's public API (rte_pmd_virtio_iommufd.h), apart from the ethdev
 * ops and the replace callbacks as DPDK's rte_pmd_<driver>.c files are:
 * test-only failure injection, consumed by the replace callbacks
 * (vio_inject_hit(), virtio_iommufd_replace.c).
 */

#include <errno.h>

#include <rte_errno.h>

#include "virtio_iommufd.h"

int
rte_pmd_virtio_iommufd_inject(uint16_t port_id, enum rte_pmd_virtio_iommufd_inject what,
		uint16_t qid, uint32_t count)
{
	struct vio_dev *vd = vio_dev_of_port(port_id);

	if (vd == NULL) {
		VIO_LOG(ERR, "inject: port %u is not a port of net_virtio_iommufd", port_id);
		rte_errno = ENODEV;
		return -ENODEV;
	}
	if ((unsigned int)what >= RTE_PMD_VIRTIO_IOMMUFD_INJECT_MAX) {
		VIO_LOG(ERR, "inject: injection point %u out of range (0-%u)", (unsigned int)what,
			RTE_PMD_VIRTIO_IOMMUFD_INJECT_MAX - 1);
		rte_errno = EINVAL;
		return -EINVAL;
	}
	/* the queue before the count that arms it (acquire in vio_inject_hit) */
	rte_atomic_store_explicit(&vd->inj_qid[what], qid, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&vd->inj_left[what], count, rte_memory_order_release);
	if (count != 0)
		VIO_LOG(WARNING, "%s: injection %u armed on queue handle %u, %u time(s)",
			vd->idev->name, (unsigned int)what, qid, count);
	return 0;
}
