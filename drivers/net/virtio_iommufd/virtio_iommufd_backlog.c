/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Tx backlog of a parked queue. While a replace has the queue parked, its
 * tx burst must not drop: an application that transmits only what it just
 * received (testpmd io, l3fwd) frees what tx burst refuses, and if the
 * queue's only caller is such a loop, a dropped burst can end it for good.
 * So a parked burst keeps up to one ring's worth of packets here and
 * returns how many it kept, as a full ring would.
 *
 * Single producer, single consumer, free-running indexes with acquire/
 * release (no RMW):
 *  - producer: the poller, in parked bursts only;
 *  - consumer: the controller in queue_resume and queue_unpark (PARK
 *    set, the queue's poller acknowledged the pause and still sees PARK,
 *    so it may go on producing concurrently, never consuming), or the
 *    poller once it saw the pause end (a parked burst whose
 *    rte_dma_domain_queue_kept() found PARK cleared, or a RESUMED
 *    burst). The two never overlap: the controller clears PARK after its
 *    last call, and consumes again only after the poller acknowledged a
 *    later pause, at the top of a burst after any posting of its own
 *    ended (the QSBR report orders the two).
 *
 * Nothing kept waits for a later burst call: the library calls
 * queue_unpark before it lets the queue run, again as long as the poller
 * kept more (rte_dma_domain_queue_kept()); a burst that kept packets
 * after that posts them itself. Only what the ring had no room for waits
 * for the next burst (RESUMED), like any back-pressured packet.
 */

#include <errno.h>

#include <rte_malloc.h>

#include "virtio_iommufd_virtqueue.h"

int
vio_txq_backlog_alloc(struct vio_txq *q, int socket)
{
	q->bl = rte_zmalloc_socket(NULL, q->r.size * sizeof(q->bl[0]), 0, socket);
	q->bl_range = rte_zmalloc_socket(NULL, q->r.size * sizeof(q->bl_range[0]), 0, socket);
	q->bl_head = 0;
	q->bl_tail = 0;
	return q->bl == NULL || q->bl_range == NULL ? -ENOMEM : 0;
}

uint16_t
vio_txq_backlog_put(struct vio_txq *q, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t head = rte_atomic_load_explicit(&q->bl_head, rte_memory_order_relaxed);
	uint32_t tail = rte_atomic_load_explicit(&q->bl_tail, rte_memory_order_acquire);
	uint32_t room = q->r.size - (head - tail);
	uint16_t k = (uint16_t)RTE_MIN((uint32_t)n, room), i;

	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t slot = (head + i) & q->r.mask;
		struct vio_bl_range *br = &q->bl_range[slot];

		q->bl[slot] = m;
		/* the mbuf is hot here, not when the pause's walk and posting
		 * run: its header goes in now where it can
		 */
		br->pushed = tx_can_push(m);
		if (br->pushed) {
			tx_push_hdr(m);
			br->iova = rte_pktmbuf_iova(m);
			br->len = m->data_len;
		} else {
			br->iova = rte_mbuf_iova_get(m);
			br->len = m->nb_segs == 1 ? m->buf_len : 0;
		}
	}
	/* the slots before the index that publishes them */
	rte_atomic_store_explicit(&q->bl_head, head + k, rte_memory_order_release);
	return k;
}

bool
vio_txq_backlog_empty(struct vio_txq *q)
{
	return rte_atomic_load_explicit(&q->bl_tail, rte_memory_order_relaxed) ==
		rte_atomic_load_explicit(&q->bl_head, rte_memory_order_acquire);
}

uint32_t
vio_txq_backlog_post(struct vio_txq *q)
{
	uint32_t tail = rte_atomic_load_explicit(&q->bl_tail, rte_memory_order_relaxed);
	uint32_t head = rte_atomic_load_explicit(&q->bl_head, rte_memory_order_acquire);
	uint32_t start = tail;

	/* oldest first: order is kept */
	while (tail != head) {
		uint32_t idx = tail & q->r.mask;
		uint16_t max = (uint16_t)RTE_MIN(head - tail, (uint32_t)q->r.size - idx);
		uint16_t cnt = 0, done;

		if (q->bl_range[idx].pushed) {
			if (q->nb_free == 0)
				break; /* ring full: the rest waits for completions */
			tx_post_pushed(q, q->bl[idx], q->bl_range[idx].iova, q->bl_range[idx].len);
			tail++;
			continue;
		}
		/* contiguous slots of packets without their header: as a burst */
		while (cnt < max && !q->bl_range[idx + cnt].pushed)
			cnt++;
		done = vio_tx_enqueue(q, &q->bl[idx], cnt);
		tail += done;
		if (done < cnt)
			break;
	}
	if (tail != start)
		avail_publish(&q->r);
	/* the slots are free for the producer once this is seen */
	rte_atomic_store_explicit(&q->bl_tail, tail, rte_memory_order_release);
	q->st.backlogged += tail - start;
	return tail - start;
}

/* Queue stopped or released, nobody polls it: free what is kept and
 * return how many (accepted by tx burst, never transmitted).
 */
uint32_t
vio_txq_backlog_discard(struct vio_txq *q)
{
	uint32_t tail, head, n;

	if (q->bl == NULL)
		return 0;
	tail = rte_atomic_load_explicit(&q->bl_tail, rte_memory_order_relaxed);
	head = rte_atomic_load_explicit(&q->bl_head, rte_memory_order_acquire);
	n = head - tail;
	for (; tail != head; tail++)
		rte_pktmbuf_free(q->bl[tail & q->r.mask]);
	rte_atomic_store_explicit(&q->bl_tail, tail, rte_memory_order_release);
	return n;
}

/* Every packet kept now, for the in-flight coverage check (consumer
 * side: the queue is parked): the buffer its parked burst recorded
 * (range_cb), or for a chain each segment (mbuf_cb). A parked burst may
 * add packets after this: those are checked no more than packets of a
 * burst after the swap would be.
 */
int
vio_txq_backlog_walk(struct vio_txq *q, int (*range_cb)(uint64_t iova, uint64_t len, void *arg),
		int (*mbuf_cb)(struct rte_mbuf *m, void *arg), void *arg)
{
	uint32_t tail = rte_atomic_load_explicit(&q->bl_tail, rte_memory_order_relaxed);
	uint32_t head = rte_atomic_load_explicit(&q->bl_head, rte_memory_order_acquire);
	int ret = 0;

	for (; ret == 0 && tail != head; tail++) {
		const struct vio_bl_range *br = &q->bl_range[tail & q->r.mask];

		ret = br->len != 0 ? range_cb(br->iova, br->len, arg) :
			mbuf_cb(q->bl[tail & q->r.mask], arg);
	}
	return ret;
}
