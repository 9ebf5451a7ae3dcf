/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Split virtqueues of the PMD: ring memory, posting and reclaiming
 * buffers, and what a queue reset leaves behind (harvest) and needs to
 * start again (resume) so that nothing posted is lost or leaked.
 */

#include <errno.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_malloc.h>

#include "virtio_iommufd.h"

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

void
vio_ring_init(struct vio_ring *r)
{
	memset(r->desc, 0, r->used_off + vring_used_bytes(r->size));
	r->avail_idx = 0;
	r->last_used = 0;
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
	q->r.avail->ring[q->r.avail_idx & q->r.mask] = id;
	q->r.avail_idx++;
}

void
vio_rxq_post_one(struct vio_rxq *q, struct rte_mbuf *m)
{
	rx_post_id(q, q->free_ids[--q->nb_free], m);
}

/* Post a buffer on every free descriptor. Returns the number posted, or
 * -ENOMEM when the mempool is empty. */
int
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

uint16_t
vio_rx_dequeue(struct vio_rxq *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct vio_ring *r = &q->r;
	uint16_t used = rte_atomic_load_explicit(&r->used->idx, rte_memory_order_acquire);
	uint16_t avail = (uint16_t)(used - r->last_used);
	bool mrg = vtpci_has(&q->vd->hw, VIRTIO_NET_F_MRG_RXBUF);
	uint16_t got = 0;

	while (got < n && avail > 0) {
		struct vring_used_elem *e = &r->used->ring[r->last_used & r->mask];
		struct rte_mbuf *m, *prev;
		struct virtio_net_hdr *h;
		uint16_t nbuf, k;
		uint32_t id = e->id, len = e->len;

		r->last_used++;
		avail--;
		if (id >= r->size || q->sw_ring[id] == NULL) {
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

			e = &r->used->ring[r->last_used & r->mask];
			r->last_used++;
			avail--;
			if (e->id >= r->size || q->sw_ring[e->id] == NULL) {
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
	return got;
}

/* Packets the device completed that the driver has not read (with
 * MRG_RXBUF one packet may span several used entries). Changes nothing. */
static uint32_t
rx_completed_unread(const struct vio_rxq *q)
{
	const struct vio_ring *r = &q->r;
	uint16_t used = rte_atomic_load_explicit(&r->used->idx, rte_memory_order_acquire);
	uint16_t left = (uint16_t)(used - r->last_used), pos = r->last_used;
	bool mrg = vtpci_has(&q->vd->hw, VIRTIO_NET_F_MRG_RXBUF);
	uint32_t pkts = 0;

	if (left > r->size)
		return 0; /* not a ring the device wrote */
	while (left > 0) {
		uint32_t id = r->used->ring[pos & r->mask].id;
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
 * discards, received by the device but never given to the application. */
uint32_t
vio_rxq_release_mbufs(struct vio_rxq *q)
{
	uint32_t lost = rx_completed_unread(q) + (q->stash_n - q->stash_pos);
	uint32_t k;
	uint16_t i;

	for (i = 0; i < q->r.size; i++) {
		if (q->sw_ring[i] != NULL)
			rte_pktmbuf_free(q->sw_ring[i]);
		q->sw_ring[i] = NULL;
		q->free_ids[i] = i;
	}
	q->nb_free = q->r.size;
	for (k = q->stash_pos; k < q->stash_n; k++)
		rte_pktmbuf_free(q->stash[k]);
	q->stash_n = q->stash_pos = 0;
	vio_ring_init(&q->r);
	return lost;
}

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
 * what is still posted stays in sw_ring and is posted again on resume. */
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
	 * release counts them, instead of losing them silently. */
	RTE_ASSERT(rx_completed_unread(q) == 0);
}

/* Before re-enabling a reset queue: a fresh ring with every buffer the
 * queue owns posted again, and the free descriptors filled. Idempotent:
 * sw_ring keeps the ownership, so a resume that fails after this and is
 * retried posts the same buffers again, nothing lost or leaked. */
void
vio_rxq_resume(struct vio_rxq *q)
{
	uint16_t id;

	vio_ring_init(&q->r);
	q->nb_free = 0;
	for (id = 0; id < q->r.size; id++) {
		if (q->sw_ring[id] != NULL)
			rx_post_id(q, id, q->sw_ring[id]);
		else
			q->free_ids[q->nb_free++] = id;
	}
	avail_publish(&q->r);
	vio_rxq_fill(q); /* best effort: the burst refills later */
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

uint16_t
vio_txq_reclaim(struct vio_txq *q)
{
	struct vio_ring *r = &q->r;
	uint16_t used = rte_atomic_load_explicit(&r->used->idx, rte_memory_order_acquire);
	struct rte_mbuf *done[64];
	uint16_t nd = 0, cnt = 0;

	while (r->last_used != used) {
		struct vring_used_elem *e = &r->used->ring[r->last_used & r->mask];
		uint16_t id = (uint16_t)e->id, tail = id, k;

		r->last_used++;
		if (e->id >= r->size || q->sw_ring[id] == NULL) {
			q->st.errors++;
			continue;
		}
		for (k = 1; k < q->ndesc[id]; k++)
			tail = r->desc[tail].next;
		r->desc[tail].next = q->free_head;
		q->free_head = id;
		q->nb_free += q->ndesc[id];
		done[nd++] = q->sw_ring[id];
		q->sw_ring[id] = NULL;
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

uint16_t
vio_tx_enqueue(struct vio_txq *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct vio_ring *r = &q->r;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *s;
		uint32_t plen = m->pkt_len;
		bool push = m->nb_segs == 1 && RTE_MBUF_DIRECT(m) &&
			rte_mbuf_refcnt_read(m) == 1 &&
			rte_pktmbuf_headroom(m) >= VIO_HDR_LEN;
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
			void *h = rte_pktmbuf_prepend(m, VIO_HDR_LEN);

			memset(h, 0, VIO_HDR_LEN);
			d = &r->desc[head];
			d->addr = rte_pktmbuf_iova(m);
			d->len = m->data_len;
			d->flags = 0;
			q->free_head = d->next;
		} else {
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
		}
		q->nb_free -= need;
		q->sw_ring[head] = m;
		q->ndesc[head] = need;
		q->pushed[head] = push;
		r->avail->ring[r->avail_idx & r->mask] = head;
		r->avail_idx++;
		q->st.packets++;
		q->st.bytes += plen;
	}
	if (i > 0)
		avail_publish(r);
	return i;
}

/* With the device reset: free every packet. What the device completed
 * was transmitted; returns the rest, accepted by tx burst and discarded. */
uint32_t
vio_txq_release_mbufs(struct vio_txq *q)
{
	uint32_t lost = q->requeue_n;
	uint16_t i;

	if (q->sw_ring == NULL || q->requeue == NULL)
		return 0; /* setup failed half-way: nothing was posted */
	vio_txq_reclaim(q);
	for (i = 0; i < q->r.size; i++)
		if (q->sw_ring[i] != NULL) {
			rte_pktmbuf_free(q->sw_ring[i]);
			lost++; /* one chain head per packet */
		}
	for (i = 0; i < q->requeue_n; i++)
		rte_pktmbuf_free(q->requeue[i]);
	q->requeue_n = 0;
	lost += vio_txq_backlog_discard(q);
	vio_txq_init(q);
	return lost;
}

/* After a queue reset: free what completed, and take what is still in
 * flight out of the ring in submission order, to post it again on
 * resume. The newest occurrence of a head in the avail ring is the one in
 * flight (a head cannot be in flight twice). */
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
 * Re-posting is not new traffic: counted in requeued, not packets. */
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
