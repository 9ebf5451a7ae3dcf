/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Quiesce and resume of a split virtqueue around a queue reset
 * (VIRTIO_F_RING_RESET, the replace callbacks of virtio_iommufd_replace.c):
 * what the reset leaves behind (harvest) and what the queue needs to start
 * again (resume), so that nothing posted is lost or leaked.
 */

#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "virtio_iommufd_virtqueue.h"

/*
 * Before a queue reset (queue_quiesce, the poller parked): make room in
 * the stash for what the harvest may find, at most one packet per ring
 * entry, on top of what earlier pauses stashed and the application has
 * not read yet. The driver owns what the device completed: rather than
 * drop any of it later, grow now, and where memory is short refuse the
 * quiesce (-ENOMEM) with the queue untouched. Bounded: every stashed
 * packet holds an mbuf of q->mp.
 */
int
vio_rxq_stash_reserve(struct vio_rxq *q)
{
	uint32_t need = (q->stash_n - q->stash_pos) + q->r.size, cap;
	struct rte_mbuf **ns;

	if (need <= q->stash_cap)
		return 0;
	cap = RTE_MAX(need, 2 * q->stash_cap);
	ns = rte_zmalloc_socket(NULL, (size_t)cap * sizeof(ns[0]), 0, q->r.mz->socket_id);
	if (ns == NULL) {
		q->st.stash_refused++;
		VIO_LOG(ERR, "port %u rx queue %u: no memory to keep %u received packets over a queue reset (stash of %u); quiesce refused, nothing dropped: read the queue or free memory and retry",
			q->port_id, q->queue_id, need, q->stash_cap);
		return -ENOMEM;
	}
	memcpy(ns, q->stash + q->stash_pos,
		(size_t)(q->stash_n - q->stash_pos) * sizeof(ns[0]));
	rte_free(q->stash);
	q->stash = ns;
	q->stash_n -= q->stash_pos;
	q->stash_pos = 0;
	q->stash_cap = cap;
	return 0;
}

/* After a queue reset: what the device completed and the driver has not
 * read yet is received traffic, kept for delivery after resume (room was
 * made by vio_rxq_stash_reserve() before the reset: nothing is dropped);
 * what is still posted stays in sw_ring and is posted again on resume.
 */
void
vio_rxq_quiesce_harvest(struct vio_rxq *q)
{
	uint32_t left = q->stash_n - q->stash_pos, got;

	memmove(q->stash, q->stash + q->stash_pos, left * sizeof(q->stash[0]));
	q->stash_n = left;
	q->stash_pos = 0;
	/* reserve left room for a full ring: no packet stays unread */
	do {
		got = vio_rx_dequeue(q, q->stash + q->stash_n,
			(uint16_t)RTE_MIN(q->stash_cap - q->stash_n, (uint32_t)UINT16_MAX));
		q->stash_n += got;
	} while (got != 0 && q->stash_n < q->stash_cap);
	q->st.stashed += q->stash_n - left;
	q->st.quiesced++;
	/* Cannot happen after a reserve; a harvest without one (a defect)
	 * keeps the packets unread in the ring, where the next reset's
	 * release counts them, instead of losing them silently.
	 */
	RTE_ASSERT(vio_rxq_completed_unread(q) == 0);
}

/* Before re-enabling a reset queue: fresh avail and used rings with every
 * buffer the queue owns posted again. A buffer still owned keeps its
 * descriptor (written when it was posted, never written by the device):
 * only its id goes into the avail ring, no mbuf is read. The descriptors
 * the harvest freed are filled by the queue's next rx burst, as after any
 * burst that dequeued packets: allocating a ring's worth of mbufs is the
 * data path's work, not the pause's. Idempotent: sw_ring keeps the
 * ownership, so a resume that fails after this and is retried posts the
 * same buffers again, nothing lost or leaked.
 */
void
vio_rxq_resume(struct vio_rxq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t id;

	vio_ring_reset_indices(r);
	q->nb_free = 0;
	for (id = 0; id < r->size; id++) {
		if (q->sw_ring[id] != NULL)
			avail_add(r, id);
		else
			q->free_ids[q->nb_free++] = id;
	}
	avail_publish(r);
}

/* After a queue reset: free what completed, and take what is still in
 * flight out of the ring in submission order, to post it again on
 * resume. The newest occurrence of a head in the avail ring is the one in
 * flight (a head cannot be in flight twice).
 */
void
vio_txq_quiesce_harvest(struct vio_txq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t k, n = 0, i, base = q->requeue_n;

	vio_txq_reclaim(q);
	memset(q->mark, 0, r->size);
	for (k = 0; k < r->size; k++) {
		uint16_t head = r->avail->ring[(uint16_t)(r->avail_idx - 1 - k) & r->mask];

		if (q->sw_ring[head] == NULL || q->mark[head])
			continue;
		q->mark[head] = 1;
		q->requeue[base + n++] = q->sw_ring[head];
		if (q->pushed[head])
			rte_pktmbuf_adj(q->sw_ring[head], VIO_HDR_LEN);
		q->sw_ring[head] = NULL;
	}
	/* Collected newest first: reverse into submission order. */
	for (i = 0; i < n / 2; i++) {
		struct rte_mbuf *t = q->requeue[base + i];

		q->requeue[base + i] = q->requeue[base + n - 1 - i];
		q->requeue[base + n - 1 - i] = t;
	}
	q->requeue_n = (uint16_t)(base + n);
	q->st.quiesced++;
}

/* Once a reset queue is enabled again (its ring initialised before):
 * post what the harvest took out of the ring, in its original order.
 * Re-posting is not new traffic: counted in requeued, not packets.
 */
void
vio_txq_requeue_post(struct vio_txq *q)
{
	struct vio_tx_stats keep = q->st;
	uint16_t n, i;

	n = vio_tx_enqueue(q, q->requeue, q->requeue_n);
	keep.requeued += n;
	q->st = keep;
	for (i = n; i < q->requeue_n; i++)
		q->requeue[i - n] = q->requeue[i];
	q->requeue_n = (uint16_t)(q->requeue_n - n);
}
