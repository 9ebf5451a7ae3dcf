/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Quiesce and resume of a split virtqueue around a queue reset
 * (VIRTIO_F_RING_RESET, the replace callbacks of virtio_iommufd_replace.c):
 * what the reset leaves behind (harvest) and what the queue needs to start
 * again (resume), so that nothing posted is lost or leaked.
 */

#include <string.h>

#include "virtio_iommufd_virtqueue.h"

/* After a queue reset: what the device completed and the driver has not
 * read yet is received traffic, kept for delivery after resume. Its used
 * entries (id, length) go behind what an earlier reset carried and the
 * application has not read yet, as the device wrote them; their buffers
 * stay owned in sw_ring and become packets in the rx burst that reads
 * them, first after resume: no mbuf is touched inside the pause. Every
 * entry names a buffer the driver posted and the carried ones are not
 * posted again, so the carry never exceeds a ring; a used index beyond
 * that is not a ring the device wrote (counted as errors). What is
 * still posted stays in sw_ring and is posted again on resume.
 */
void
vio_rxq_quiesce_harvest(struct vio_rxq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t used = rte_atomic_load_explicit(&r->used->idx, rte_memory_order_acquire);
	uint16_t left = (uint16_t)(q->carry_n - q->carry_pos);
	uint16_t room = (uint16_t)(r->size - left), n = (uint16_t)(used - r->last_used), k;

	memmove(q->carry, q->carry + q->carry_pos, left * sizeof(q->carry[0]));
	if (n > room) {
		q->st.errors += n - room;
		n = room;
	}
	for (k = 0; k < n; k++)
		q->carry[left + k] = r->used->ring[(uint16_t)(r->last_used + k) & r->mask];
	r->last_used = used;
	q->carry_n = (uint16_t)(left + n);
	q->carry_pos = 0;
	q->st.carried += n;
	q->st.quiesced++;
}

/* Before re-enabling a reset queue: fresh avail and used rings with every
 * buffer the queue owns posted again, but those the device completed
 * (carried: not read yet). A buffer still owned keeps its descriptor
 * (written when it was posted, never written by the device): only its id
 * goes into the avail ring, no mbuf is read. The descriptors the harvest
 * freed are filled by the queue's next rx burst, as after any
 * burst that dequeued packets: allocating a ring's worth of mbufs is the
 * data path's work, not the pause's. Idempotent: sw_ring keeps the
 * ownership, so a resume that fails after this and is retried posts the
 * same buffers again, nothing lost or leaked.
 */
void
vio_rxq_resume(struct vio_rxq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t id, k;

	memset(q->carried, 0, r->size);
	for (k = q->carry_pos; k < q->carry_n; k++)
		if (q->carry[k].id < r->size)
			q->carried[q->carry[k].id] = 1;
	vio_ring_reset_indices(r);
	q->nb_free = 0;
	for (id = 0; id < r->size; id++) {
		if (q->sw_ring[id] == NULL)
			q->free_ids[q->nb_free++] = id;
		else if (!q->carried[id])
			avail_add(r, id);
	}
	avail_publish(r);
}

/* What the device completed goes to q->done, for the queue's next burst
 * to free (vio_txq_reclaim()); the descriptors need no freeing, the
 * resume rebuilds the free list. Where q->done has no room (resets with
 * no burst between them), everything is freed now instead.
 */
static void
txq_harvest_completed(struct vio_txq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t used = rte_atomic_load_explicit(&r->used->idx, rte_memory_order_acquire);

	if ((uint16_t)(used - r->last_used) > r->size - q->done_n) {
		vio_txq_reclaim(q);
		return;
	}
	while (r->last_used != used) {
		uint16_t id;
		struct rte_mbuf *m = tx_used_take(q, &id);

		if (m != NULL)
			q->done[q->done_n++] = m;
	}
}

/* After a queue reset: set aside what completed, and take the heads of
 * what is still in flight out of the ring in submission order, to post
 * them again on resume. Their descriptors stay as they were (the device
 * only reads them) and sw_ring keeps their packets: no mbuf is read. The
 * newest occurrence of a head in the avail ring is the one in flight (a
 * head cannot be in flight twice).
 */
void
vio_txq_quiesce_harvest(struct vio_txq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t k, n = 0, i;

	txq_harvest_completed(q);
	memset(q->mark, 0, r->size);
	for (k = 0; k < r->size; k++) {
		uint16_t head = r->avail->ring[(uint16_t)(r->avail_idx - 1 - k) & r->mask];

		if (q->sw_ring[head] == NULL || q->mark[head])
			continue;
		q->mark[head] = 1;
		q->requeue[n++] = head;
	}
	/* Collected newest first: reverse into submission order. */
	for (i = 0; i < n / 2; i++) {
		uint16_t t = q->requeue[i];

		q->requeue[i] = q->requeue[n - 1 - i];
		q->requeue[n - 1 - i] = t;
	}
	q->requeue_n = n;
	q->st.quiesced++;
}

/* Before re-enabling a reset queue: fresh avail and used rings, the
 * descriptor table kept; the free list is every descriptor but those of
 * the chains in requeue. Idempotent (a retry after a failed enable
 * rebuilds the same).
 */
void
vio_txq_resume(struct vio_txq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t i, k, idx;

	vio_ring_reset_indices(r);
	memset(q->mark, 0, r->size);
	for (i = 0; i < q->requeue_n; i++)
		for (k = 0, idx = q->requeue[i]; k < q->ndesc[q->requeue[i]]; k++) {
			q->mark[idx] = 1;
			idx = r->desc[idx].next & r->mask;
		}
	q->free_head = r->size;
	q->nb_free = 0;
	for (i = r->size; i-- > 0;)
		if (!q->mark[i]) {
			r->desc[i].next = q->free_head;
			q->free_head = i;
			q->nb_free++;
		}
}

/* Once a reset queue is enabled again (vio_txq_resume() before): post
 * the chains the harvest took out of the ring, in their original order.
 * Re-posting is not new traffic: counted in requeued, not packets.
 */
void
vio_txq_requeue_post(struct vio_txq *q)
{
	uint16_t i;

	for (i = 0; i < q->requeue_n; i++)
		avail_add(&q->r, q->requeue[i]);
	if (q->requeue_n > 0)
		avail_publish(&q->r);
	q->st.requeued += q->requeue_n;
	q->requeue_n = 0;
}
