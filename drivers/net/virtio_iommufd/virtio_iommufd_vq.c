/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Split virtqueues of the PMD, control path: ring memory, ring and
 * queue initialisation, and the release of every buffer once the device
 * is reset. The fast-path operations are inline in
 * virtio_iommufd_virtqueue.h, quiesce/resume in virtio_iommufd_quiesce.c.
 */

#include <errno.h>
#include <string.h>

#include <rte_atomic.h>

#include "virtio_iommufd_virtqueue.h"

int
vio_ring_alloc(struct vio_ring *r, const char *name, uint16_t size,
		uint16_t vq_index, int socket, uint64_t extra, uint64_t *extra_off)
{
	uint64_t avail_off = vring_desc_bytes(size);
	uint64_t used_off = RTE_ALIGN_CEIL(avail_off + vring_avail_bytes(size),
		RTE_CACHE_LINE_SIZE);
	uint64_t end = RTE_ALIGN_CEIL(used_off + vring_used_bytes(size), RTE_CACHE_LINE_SIZE);

	memset(r, 0, sizeof(*r));
	/* IOVA-contiguous: the device is given one base per area. */
	r->mz = rte_memzone_reserve_aligned(name, end + extra, socket,
		RTE_MEMZONE_IOVA_CONTIG, 4096);
	if (r->mz == NULL) {
		VIO_LOG(ERR, "cannot reserve %" PRIu64 " bytes of ring memory %s: %s",
			end + extra, name, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	r->iova = r->mz->iova;
	if (r->iova == RTE_BAD_IOVA) {
		VIO_LOG(ERR, "ring memory %s has no IOVA", name);
		rte_memzone_free(r->mz);
		r->mz = NULL;
		return -EFAULT;
	}
	r->len = end + extra;
	r->desc = r->mz->addr;
	r->avail_off = avail_off;
	r->used_off = used_off;
	r->avail = RTE_PTR_ADD(r->mz->addr, avail_off);
	r->used = RTE_PTR_ADD(r->mz->addr, used_off);
	r->size = size;
	r->mask = size - 1;
	r->vq_index = vq_index;
	if (extra_off != NULL)
		*extra_off = end;
	memset(r->mz->addr, 0, r->len);
	return 0;
}

void
vio_ring_free(struct vio_ring *r)
{
	if (r->mz != NULL)
		rte_memzone_free(r->mz);
	r->mz = NULL;
}

/* After a queue reset: the avail and used rings fresh, the descriptor
 * table kept (the device only reads it: what the driver wrote there for
 * a buffer it still owns is still right).
 */
void
vio_ring_reset_indices(struct vio_ring *r)
{
	memset(RTE_PTR_ADD(r->desc, r->avail_off), 0, r->used_off - r->avail_off +
		vring_used_bytes(r->size));
	r->avail_idx = 0;
	r->last_used = 0;
}

void
vio_ring_init(struct vio_ring *r)
{
	memset(r->desc, 0, r->avail_off);
	vio_ring_reset_indices(r);
}

/* Packets in used entries ring[pos & mask] onwards (left of them; with
 * MRG_RXBUF one packet may span several). Changes nothing.
 */
static uint32_t
rx_used_packets(const struct vio_rxq *q, const struct vring_used_elem *ring, uint16_t pos,
		uint16_t left)
{
	const struct vio_ring *r = &q->r;
	bool mrg = vtpci_has(&q->vd->hw, VIRTIO_NET_F_MRG_RXBUF);
	uint32_t pkts = 0;

	if (left > r->size)
		return 0; /* not a ring the device wrote */
	while (left > 0) {
		uint32_t id = ring[pos & r->mask].id;
		uint16_t nbuf = 1;

		if (mrg && id < r->size && q->sw_ring[id] != NULL) {
			const struct virtio_net_hdr *h = RTE_PTR_ADD(q->sw_ring[id]->buf_addr,
				RTE_PKTMBUF_HEADROOM - VIO_HDR_LEN);

			nbuf = RTE_MAX(h->num_buffers, 1);
		}
		nbuf = RTE_MIN(nbuf, left);
		pos = (uint16_t)(pos + nbuf);
		left = (uint16_t)(left - nbuf);
		pkts++;
	}
	return pkts;
}

/* With the device reset: free every buffer. Returns the packets this
 * discards, received by the device (in the used ring, or carried over a
 * queue reset) but never given to the application.
 */
uint32_t
vio_rxq_release_mbufs(struct vio_rxq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t used = rte_atomic_load_explicit(&r->used->idx, rte_memory_order_acquire);
	uint32_t lost = rx_used_packets(q, r->used->ring, r->last_used,
		(uint16_t)(used - r->last_used)) +
		rx_used_packets(q, q->carry, q->carry_pos, (uint16_t)(q->carry_n - q->carry_pos));
	uint16_t i;

	for (i = 0; i < r->size; i++) {
		if (q->sw_ring[i] != NULL)
			rte_pktmbuf_free(q->sw_ring[i]);
		q->sw_ring[i] = NULL;
		q->free_ids[i] = i;
	}
	q->nb_free = r->size;
	q->carry_n = 0;
	q->carry_pos = 0;
	vio_ring_init(r);
	return lost;
}

/* ---- transmit ----------------------------------------------------------- */

void
vio_txq_init(struct vio_txq *q)
{
	uint16_t i;

	vio_ring_init(&q->r);
	for (i = 0; i < q->r.size; i++) {
		q->r.desc[i].next = (uint16_t)(i + 1);
		q->sw_ring[i] = NULL;
	}
	q->free_head = 0;
	q->nb_free = q->r.size;
}

/* Every range the device may read for a packet in the ring: what each
 * chain head's descriptors point at (as the device reads them, no mbuf
 * read), completed or not. Only with the poller parked. Stops at cb's
 * first non-zero return, which it returns.
 */
int
vio_txq_desc_walk(const struct vio_txq *q, int (*cb)(uint64_t iova, uint64_t len, void *arg),
		void *arg)
{
	const struct vio_ring *r = &q->r;
	uint16_t j, k, idx;
	int ret = 0;

	for (j = 0; ret == 0 && j < r->size; j++) {
		if (q->sw_ring[j] == NULL)
			continue;
		for (k = 0, idx = j; ret == 0 && k < q->ndesc[j]; k++) {
			ret = cb(r->desc[idx].addr, r->desc[idx].len, arg);
			idx = r->desc[idx].next & r->mask;
		}
	}
	return ret;
}

/* With the device reset: free every packet. What the device completed
 * was transmitted; returns the rest, accepted by tx burst and discarded.
 */
uint32_t
vio_txq_release_mbufs(struct vio_txq *q)
{
	uint32_t lost = 0;
	uint16_t i;

	if (q->sw_ring == NULL || q->requeue == NULL)
		return 0; /* setup failed half-way: nothing was posted */
	vio_txq_reclaim(q);
	/* in flight, also the chains a queue reset kept to post again */
	for (i = 0; i < q->r.size; i++)
		if (q->sw_ring[i] != NULL) {
			rte_pktmbuf_free(q->sw_ring[i]);
			lost++; /* one chain head per packet */
		}
	q->requeue_n = 0;
	lost += vio_txq_backlog_discard(q);
	vio_txq_init(q);
	return lost;
}
