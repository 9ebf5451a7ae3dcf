/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Rx/tx burst. Each starts with the replace protocol's pause check: one
 * load-acquire of the queue's flag while no swap is pending (a plain load
 * on x86; acquire so that the first burst after a pause sees the rings
 * that queue_resume rebuilt).
 */

#include <sched.h>

#include "virtio_iommufd.h"

/* Refill once this many descriptors are free: amortises the avail
 * publish and the notify. */
#define VIO_RX_REFILL_MIN 32

static inline bool
device_wants_notify(const struct vio_ring *r)
{
	return !(__atomic_load_n(&r->used->flags, __ATOMIC_RELAXED) & VRING_USED_F_NO_NOTIFY);
}

uint16_t
vio_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct vio_rxq *q = rxq;
	uint16_t got = 0;

	if (rte_dma_domain_queue_pause_pending(q->dq) && rte_dma_domain_queue_ack(q->dq)) {
		/* Parked: the swap controller may share this core (DESIGN.md
		 * section 7), give it the CPU rather than spin. Slow path only. */
		sched_yield();
		return 0;
	}
	/* Inline emulated device: its work for this queue, on this lcore. */
	rte_iommufd_device_poll(q->vd->idev, q->r.vq_index);
	if (unlikely(q->stash_pos != q->stash_n)) {
		while (got < n && q->stash_pos != q->stash_n)
			pkts[got++] = q->stash[q->stash_pos++];
		if (q->stash_pos == q->stash_n)
			q->stash_pos = q->stash_n = 0;
	}
	got += vio_rx_dequeue(q, pkts + got, (uint16_t)(n - got));
	if (q->nb_free >= RTE_MIN(VIO_RX_REFILL_MIN, q->r.size / 2) &&
			vio_rxq_fill(q) > 0 && device_wants_notify(&q->r))
		vtpci_notify(&q->vd->hw, &q->r);
	return got;
}

uint16_t
vio_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct vio_txq *q = txq;
	uint16_t sent;

	if (rte_dma_domain_queue_pause_pending(q->dq) && rte_dma_domain_queue_ack(q->dq))
		return 0;
	vio_txq_reclaim(q);
	sent = vio_tx_enqueue(q, pkts, n);
	q->st.ring_full += (uint16_t)(n - sent);
	/* Kick whenever something is in flight: with back-pressure the
	 * device may have left packets in the ring that can go now. */
	if (q->nb_free != q->r.size && device_wants_notify(&q->r))
		vtpci_notify(&q->vd->hw, &q->r);
	return sent;
}
