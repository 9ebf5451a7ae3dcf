/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Rx/tx burst: dequeue and refill, reclaim and enqueue, all inline from
 * virtio_iommufd_virtqueue.h (as upstream's virtio_rxtx.c with
 * virtqueue.h). Each starts with the replace protocol's pause check: one
 * load-acquire of the queue's flag while no swap is pending (a plain load
 * on x86; acquire so that the first burst after a pause sees the rings
 * that queue_resume rebuilt).
 */

#include <sched.h>

#include "virtio_iommufd_virtqueue.h"

/*
 * The pause check of both bursts. -Dbench_no_pause_check=true (benchmark
 * builds only) compiles this file a second time as
 * virtio_iommufd_rxtx_nocheck.c, with VIO_BENCH_NO_PAUSE_CHECK: bursts
 * vio_recv_pkts_nocheck()/vio_xmit_pkts_nocheck() without the check, which
 * virtio-bench --hotpath installs in place of the real ones for its
 * rounds (such a burst never acknowledges a pause). Shipped builds have
 * only the real ones.
 */
#ifdef VIO_BENCH_NO_PAUSE_CHECK
#define vio_pause_pending(dq) ((void)(dq), false)
#else
#define vio_pause_pending(dq) rte_dma_domain_queue_pause_pending(dq)
#endif

/* Refill once this many descriptors are free: amortises the avail
 * publish and the notify.
 */
#define VIO_RX_REFILL_MIN 32

/*
 * Notify the device? (virtio_notify.h: notification suppression.) After
 * this burst published the avail index (published), the full fence of
 * vring_kick_prepare() orders that store before the load of used->flags,
 * or a device that just re-enabled notifications and found nothing new
 * may sleep while we skip the kick: a lost kick wedges the queue (QEMU's
 * virtio-net). Without a publish in this burst, the burst that published
 * did the fenced check: a plain load is enough.
 */
static inline bool
device_wants_notify(const struct vio_ring *r, bool published)
{
	if (published)
		return vring_kick_prepare(&r->used->flags);
	return !(rte_atomic_load_explicit(&r->used->flags,
			rte_memory_order_relaxed) & VRING_USED_F_NO_NOTIFY);
}

uint16_t
vio_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct vio_rxq *q = rxq;
	uint16_t got = 0;

	if (vio_pause_pending(q->dq) && rte_dma_domain_queue_ack(q->dq)) {
		/* Parked: the swap controller may share this core (design
		 * guide, "Why the Waits Yield"): give it the CPU rather than
		 * spin. Slow path only.
		 */
		sched_yield();
		return 0;
	}
	/* What a swap's queue reset carried over comes first. */
	if (unlikely(q->carry_pos != q->carry_n))
		got = vio_rx_carry_dequeue(q, pkts, n);
	/* A swap left the queue reset (its resume failed): the ring is not
	 * the device's, nothing to read or post until queue_resume.
	 */
	if (unlikely(q->state != VIO_Q_RUNNING))
		return got;
	/* Inline emulated device: its work for this queue, on this lcore. */
	rte_iommufd_device_poll(q->vd->idev, q->r.vq_index);
	got += vio_rx_dequeue(q, pkts + got, (uint16_t)(n - got));
	if (q->nb_free >= RTE_MIN(VIO_RX_REFILL_MIN, q->r.size / 2) &&
			vio_rxq_fill(q) > 0 && device_wants_notify(&q->r, true))
		vtpci_notify(&q->vd->hw, &q->r);
	return got;
}

/* Post what the backlog holds, oldest first, and kick. The caller is
 * the backlog's consumer: the poller once the pause is over (the
 * controller consumes only with PARK set, this poller parked). True when
 * the backlog is empty: RESUMED ends. A queue the swap left reset posts
 * nothing: its backlog waits for queue_resume, RESUMED goes on.
 */
static bool
backlog_flush(struct vio_txq *q)
{
	uint32_t posted;
	bool empty;

	if (q->state != VIO_Q_RUNNING)
		return false;
	vio_txq_reclaim(q);
	posted = vio_txq_backlog_post(q);
	empty = vio_txq_backlog_empty(q);
	if (q->nb_free != q->r.size && device_wants_notify(&q->r, posted > 0))
		vtpci_notify(&q->vd->hw, &q->r);
	if (empty)
		rte_dma_domain_queue_resumed_clear(q->dq);
	return empty;
}

/*
 * Slow path of a tx burst (a pause is pending, or just ended). Returns
 * true when the burst is over, with *taken the packets it accepted.
 *  - parked: keep the packets in the backlog instead of dropping them
 *    (see virtio_iommufd_backlog.c); the controller posts them before
 *    the queue runs again (queue_resume, queue_unpark), or, where the
 *    pause ended while this burst kept them, this burst does;
 *  - resumed: post what the backlog still holds (what the controller
 *    could not post, the ring being full) before this burst's packets,
 *    which keeps the order; until it is empty accept nothing, as a full
 *    ring would. If the swap left the queue reset (its queue_resume
 *    failed), post nothing: keep this burst's packets in the backlog
 *    too, for the queue_resume that brings the queue back.
 */
static bool
xmit_slow(struct vio_txq *q, struct rte_mbuf **pkts, uint16_t n, uint16_t *taken)
{
	switch (rte_dma_domain_queue_ack_state(q->dq)) {
	case RTE_DMA_DOMAIN_QUEUE_PARKED:
		/* q->st is the controller's while parked: not counted here */
		*taken = vio_txq_backlog_put(q, pkts, n);
		if (*taken != 0 && !rte_dma_domain_queue_kept(q->dq))
			backlog_flush(q); /* the pause ended meanwhile */
		return true;
	case RTE_DMA_DOMAIN_QUEUE_RESUMED:
		if (backlog_flush(q))
			return false;
		if (q->state != VIO_Q_RUNNING) {
			*taken = vio_txq_backlog_put(q, pkts, n);
			return true;
		}
		q->st.ring_full += n;
		*taken = 0;
		return true;
	default:
		return false;
	}
}

uint16_t
vio_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct vio_txq *q = txq;
	uint16_t sent;

	if (vio_pause_pending(q->dq) && xmit_slow(q, pkts, n, &sent))
		return sent;
	/* A swap left the queue reset (its resume failed): keep the
	 * packets, in order, for queue_resume to post; never into the ring.
	 */
	if (unlikely(q->state != VIO_Q_RUNNING))
		return vio_txq_backlog_put(q, pkts, n);
	vio_txq_reclaim(q);
	sent = vio_tx_enqueue(q, pkts, n);
	q->st.ring_full += (uint16_t)(n - sent);
	/* Kick whenever something is in flight: with back-pressure the
	 * device may have left packets in the ring that can go now.
	 */
	if (q->nb_free != q->r.size && device_wants_notify(&q->r, sent > 0))
		vtpci_notify(&q->vd->hw, &q->r);
	return sent;
}
