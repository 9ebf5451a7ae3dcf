/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef VIRTIO_IOMMUFD_VIRTQUEUE_H
#define VIRTIO_IOMMUFD_VIRTQUEUE_H

/*
 * Fast-path operations on a split virtqueue, inline (as upstream's
 * drivers/net/virtio/virtqueue.h): rx refill and dequeue, tx reclaim and
 * enqueue. The bursts (virtio_iommufd_rxtx.c) are built from them; queue
 * setup, release and quiesce/resume (virtio_iommufd_vq.c,
 * virtio_iommufd_quiesce.c) and the tx backlog use the same ones. No
 * locks, syscalls or atomic read-modify-write here.
 */

#include <errno.h>
#include <string.h>

#include <rte_atomic.h>

#include "virtio_iommufd.h"

/* Offer descriptor chain head to the device (visible at avail_publish()). */
static inline void
avail_add(struct vio_ring *r, uint16_t head)
{
	r->avail->ring[r->avail_idx & r->mask] = head;
	r->avail_idx++;
}

static inline void
avail_publish(struct vio_ring *r)
{
	/* Descriptors and ring entries before the index the device reads. */
	vring_avail_publish(&r->avail->idx, r->avail_idx);
}

/* ---- receive ------------------------------------------------------------ */

static inline void
rx_post_id(struct vio_rxq *q, uint16_t id, struct rte_mbuf *m)
{
	struct vring_desc *d = &q->r.desc[id];

	q->sw_ring[id] = m;
	/* The header goes right before the packet data. */
	d->addr = rte_mbuf_iova_get(m) + RTE_PKTMBUF_HEADROOM - VIO_HDR_LEN;
	d->len = m->buf_len - RTE_PKTMBUF_HEADROOM + VIO_HDR_LEN;
	d->flags = VRING_DESC_F_WRITE;
	d->next = 0;
	avail_add(&q->r, id);
}

static inline void
vio_rxq_post_one(struct vio_rxq *q, struct rte_mbuf *m)
{
	rx_post_id(q, q->free_ids[--q->nb_free], m);
}

/* Post a buffer on every free descriptor. Returns the number posted, or
 * -ENOMEM when the mempool is empty.
 */
static inline int
vio_rxq_fill(struct vio_rxq *q)
{
	struct rte_mbuf *m[64];
	int done = 0;

	while (q->nb_free > 0) {
		uint16_t n = RTE_MIN(q->nb_free, (uint16_t)RTE_DIM(m)), i;

		if (rte_pktmbuf_alloc_bulk(q->mp, m, n) != 0) {
			q->st.nombuf += n;
			q->vd->eth_dev->data->rx_mbuf_alloc_failed += n;
			break;
		}
		for (i = 0; i < n; i++)
			vio_rxq_post_one(q, m[i]);
		done += n;
	}
	if (done > 0)
		avail_publish(&q->r);
	return done > 0 || q->nb_free == 0 ? done : -ENOMEM;
}

/*
 * Build up to n packets from the used entries ring[*pos & mask] onwards
 * (avail of them): the used ring, or what a queue reset carried over
 * (vio_rxq_quiesce_harvest()). Each entry gives its buffer back to the
 * driver (sw_ring) and its descriptor to free_ids.
 */
static inline uint16_t
rx_dequeue_used(struct vio_rxq *q, const struct vring_used_elem *ring, uint16_t *pos,
		uint16_t avail, struct rte_mbuf **pkts, uint16_t n)
{
	const uint16_t mask = q->r.mask, size = q->r.size;
	bool mrg = vtpci_has(&q->vd->hw, VIRTIO_NET_F_MRG_RXBUF);
	uint16_t got = 0, p = *pos;

	while (got < n && avail > 0) {
		const struct vring_used_elem *e = &ring[p & mask];
		struct rte_mbuf *m, *prev;
		struct virtio_net_hdr *h;
		uint16_t nbuf, k;
		uint32_t id = e->id, len = e->len;

		p++;
		avail--;
		if (id >= size || q->sw_ring[id] == NULL) {
			q->st.errors++; /* device returned a buffer it does not own */
			continue;
		}
		m = q->sw_ring[id];
		q->sw_ring[id] = NULL;
		q->free_ids[q->nb_free++] = (uint16_t)id;
		h = RTE_PTR_ADD(m->buf_addr, RTE_PKTMBUF_HEADROOM - VIO_HDR_LEN);
		nbuf = mrg ? h->num_buffers : 1;
		if (len < VIO_HDR_LEN || nbuf == 0 || nbuf - 1 > avail) {
			q->st.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->data_len = (uint16_t)(len - VIO_HDR_LEN);
		m->pkt_len = m->data_len;
		m->nb_segs = 1;
		m->next = NULL;
		m->port = q->port_id;
		m->ol_flags = 0;
		m->packet_type = 0;
		prev = m;
		for (k = 1; k < nbuf; k++) {
			struct rte_mbuf *s;

			e = &ring[p & mask];
			p++;
			avail--;
			if (e->id >= size || q->sw_ring[e->id] == NULL) {
				q->st.errors++;
				continue;
			}
			s = q->sw_ring[e->id];
			q->sw_ring[e->id] = NULL;
			q->free_ids[q->nb_free++] = (uint16_t)e->id;
			/* Later buffers of a merged packet carry no header. */
			s->data_off = RTE_PKTMBUF_HEADROOM - VIO_HDR_LEN;
			s->data_len = (uint16_t)e->len;
			s->next = NULL;
			s->nb_segs = 1;
			prev->next = s;
			prev = s;
			m->pkt_len += s->data_len;
			m->nb_segs++;
		}
		q->st.packets++;
		q->st.bytes += m->pkt_len;
		pkts[got++] = m;
	}
	*pos = p;
	return got;
}

static inline uint16_t
vio_rx_dequeue(struct vio_rxq *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct vio_ring *r = &q->r;
	uint16_t used = rte_atomic_load_explicit(&r->used->idx, rte_memory_order_acquire);

	return rx_dequeue_used(q, r->used->ring, &r->last_used,
		(uint16_t)(used - r->last_used), pkts, n);
}

/* What a queue reset carried over (delivered before the used ring). */
static inline uint16_t
vio_rx_carry_dequeue(struct vio_rxq *q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t got = rx_dequeue_used(q, q->carry, &q->carry_pos,
		(uint16_t)(q->carry_n - q->carry_pos), pkts, n);

	if (q->carry_pos == q->carry_n) {
		q->carry_pos = 0;
		q->carry_n = 0;
	}
	return got;
}

/* The next used entry of a tx ring: its chain head in *id, its packet
 * taken out of sw_ring; NULL (counted) where the device returned a head
 * the driver had not posted.
 */
static inline struct rte_mbuf *
tx_used_take(struct vio_txq *q, uint16_t *id)
{
	struct vio_ring *r = &q->r;
	uint32_t e = r->used->ring[r->last_used & r->mask].id;
	struct rte_mbuf *m;

	r->last_used++;
	if (e >= r->size || q->sw_ring[e] == NULL) {
		q->st.errors++;
		return NULL;
	}
	*id = (uint16_t)e;
	m = q->sw_ring[e];
	q->sw_ring[e] = NULL;
	return m;
}

/* Free what the device completed and give its descriptors back. The
 * bursts use vio_txq_reclaim(), which also frees what a queue reset set
 * aside.
 */
static inline uint16_t
vio_txq_reclaim_used(struct vio_txq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t used = rte_atomic_load_explicit(&r->used->idx, rte_memory_order_acquire);
	struct rte_mbuf *done[64];
	uint16_t nd = 0, cnt = 0;

	while (r->last_used != used) {
		uint16_t id = 0, tail, k;
		struct rte_mbuf *m = tx_used_take(q, &id);

		if (m == NULL)
			continue;
		tail = id;
		for (k = 1; k < q->ndesc[id]; k++)
			tail = r->desc[tail].next;
		r->desc[tail].next = q->free_head;
		q->free_head = id;
		q->nb_free += q->ndesc[id];
		done[nd++] = m;
		cnt++;
		if (nd == RTE_DIM(done)) {
			rte_pktmbuf_free_bulk(done, nd);
			nd = 0;
		}
	}
	if (nd > 0)
		rte_pktmbuf_free_bulk(done, nd);
	return cnt;
}

/* A burst's reclaim: first what a queue reset found completed
 * (vio_txq_quiesce_harvest(): freed here, by the poller, not inside the
 * pause), then the used ring.
 */
static inline uint16_t
vio_txq_reclaim(struct vio_txq *q)
{
	if (unlikely(q->done_n != 0)) {
		rte_pktmbuf_free_bulk(q->done, q->done_n);
		q->done_n = 0;
	}
	return vio_txq_reclaim_used(q);
}

/* Can the virtio-net header go into the packet's own headroom (one
 * descriptor)? Only where nobody else sees the buffer.
 */
static inline bool
tx_can_push(const struct rte_mbuf *m)
{
	return m->nb_segs == 1 && RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
		rte_pktmbuf_headroom(m) >= VIO_HDR_LEN;
}

/* A zeroed header before the data: the packet is then one descriptor's
 * range, rte_pktmbuf_iova(m) and data_len.
 */
static inline void
tx_push_hdr(struct rte_mbuf *m)
{
	memset(rte_pktmbuf_prepend(m, VIO_HDR_LEN), 0, VIO_HDR_LEN);
}

/* Post a packet whose header is pushed (its range iova, len) on the free
 * list's first descriptor; the caller made sure one is free. The mbuf is
 * not read.
 */
static inline void
tx_post_pushed(struct vio_txq *q, struct rte_mbuf *m, uint64_t iova, uint32_t len)
{
	struct vio_ring *r = &q->r;
	uint16_t head = q->free_head;
	struct vring_desc *d = &r->desc[head];

	d->addr = iova;
	d->len = len;
	d->flags = 0;
	q->free_head = d->next;
	q->nb_free--;
	q->sw_ring[head] = m;
	q->ndesc[head] = 1;
	avail_add(r, head);
	q->st.packets++;
	q->st.bytes += len - VIO_HDR_LEN;
}

static inline uint16_t
vio_tx_enqueue(struct vio_txq *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct vio_ring *r = &q->r;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *s;
		bool push = tx_can_push(m);
		uint16_t need = push ? 1 : (uint16_t)(m->nb_segs + 1);
		uint16_t head = q->free_head, idx;
		struct vring_desc *d;

		if (need > q->nb_free) {
			if (need <= r->size)
				break; /* ring full: the caller keeps the rest */
			/* Can never fit: drop it, or it blocks the queue. */
			q->st.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (push) {
			tx_push_hdr(m);
			tx_post_pushed(q, m, rte_pktmbuf_iova(m), m->data_len);
			continue;
		}
		/* the header in the queue's slot of the head, then each segment */
		d = &r->desc[head];
		d->addr = q->hdrs_iova + (uint64_t)head * VIO_HDR_LEN;
		d->len = VIO_HDR_LEN;
		d->flags = VRING_DESC_F_NEXT;
		idx = d->next;
		for (s = m; s != NULL; s = s->next) {
			d = &r->desc[idx];
			d->addr = rte_pktmbuf_iova(s);
			d->len = s->data_len;
			d->flags = s->next != NULL ? VRING_DESC_F_NEXT : 0;
			idx = d->next;
		}
		q->free_head = idx;
		q->nb_free -= need;
		q->sw_ring[head] = m;
		q->ndesc[head] = need;
		avail_add(r, head);
		q->st.packets++;
		q->st.bytes += m->pkt_len;
	}
	if (i > 0)
		avail_publish(r);
	return i;
}

#endif /* VIRTIO_IOMMUFD_VIRTQUEUE_H */
