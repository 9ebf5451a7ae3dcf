/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef VIRTIO_NOTIFY_H
#define VIRTIO_NOTIFY_H

/**
 * @file
 * Notification suppression of split virtqueues (virtio 1.x, 2.7.7 and
 * 2.7.10), both halves, shared by the PMD, the emulated device and the
 * litmus test (tests/virtio/test_virtio_litmus.c) that checks them.
 *
 * The driver publishes avail->idx, then reads used->flags to decide
 * whether to notify. A device that stops polling clears
 * VRING_USED_F_NO_NOTIFY, then reads avail->idx once more before it waits
 * for a notification. This is a store-buffer (Dekker) pattern: each side
 * stores, then loads what the other stored. Release/acquire does not
 * order a store before a later load (x86 lets the load pass the store in
 * the store buffer), so without a full fence on both sides the driver can
 * read the old flags (NO_NOTIFY: no kick) while the device reads the old
 * index (nothing new: sleep), and the kick is lost: the queue wedges
 * until something else notifies (Linux: virtqueue_kick_prepare_split()
 * and virtqueue_enable_cb_delayed() both use virtio_mb()).
 *
 * VIRTIO_NOTIFY_FENCE() is that full fence. It is a macro only so that
 * the litmus test can build a copy of these helpers without it and show
 * that the test then sees lost kicks; nothing else overrides it.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_dma_domain_compat.h>

#include "virtio_spec.h"

#ifndef VIRTIO_NOTIFY_FENCE
#define VIRTIO_NOTIFY_FENCE() RTE_DMA_DOMAIN_FENCE_SEQ_CST()
#endif

/**
 * Driver: make entries up to new_idx available to the device. Release:
 * the descriptors and ring entries written before are visible to a
 * device that load-acquires the index.
 */
static inline void
vring_avail_publish(uint16_t *avail_idx, uint16_t new_idx)
{
	rte_atomic_store_explicit(avail_idx, new_idx, rte_memory_order_release);
}

/**
 * Driver, right after a vring_avail_publish() (and only then: the fence
 * is the cost of a publish, not of every burst): does the device want a
 * notification? The full fence orders the index store before the flags
 * load, pairing with the device's fence in vring_notify_enable_recheck().
 */
static inline bool
vring_kick_prepare(const uint16_t *used_flags)
{
	VIRTIO_NOTIFY_FENCE();
	return !(rte_atomic_load_explicit(used_flags,
			rte_memory_order_relaxed) & VRING_USED_F_NO_NOTIFY);
}

/**
 * Device: re-enable notifications before waiting for one, and return the
 * avail index read after that (acquire). If it differs from what the
 * device consumed, work arrived meanwhile and the device must not wait:
 * the driver may have read the old flags and not notified.
 */
static inline uint16_t
vring_notify_enable_recheck(uint16_t *used_flags, const uint16_t *avail_idx)
{
	rte_atomic_store_explicit(used_flags, 0, rte_memory_order_relaxed);
	VIRTIO_NOTIFY_FENCE();
	return rte_atomic_load_explicit(avail_idx, rte_memory_order_acquire);
}

#endif /* VIRTIO_NOTIFY_H */
