/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * DMA engine of the emulated virtio-net device.
 *
 * Every access to host memory (rings, descriptors, packet buffers) goes
 * through rte_dma_domain_soft_read/write/translate (and, for the ring indexes
 * the driver accesses atomically, rte_dma_domain_soft_load16_acquire/
 * store16_release) on the binding of the device
 * that owns the ring or buffer, so the soft IOMMU sees exactly what a real
 * device would do, and a fault is attributed to the right device.
 *
 * Packets move along "lanes": transmit queue i of a port into receive
 * queue (i mod active pairs) of its peer (or of itself, wire=loop). A lane
 * runs under the trylock of both queues, so whichever caller gets there
 * first does the work: the sender's tx notify, or the receiver's rx poll,
 * which pulls from every tx queue that feeds it. So a packet left in the
 * tx ring because the receiver had no buffers (back-pressure) moves as
 * soon as the receiver posts buffers and polls, without the sender
 * calling tx burst again; and two lcores polling the two ports at once
 * never consume one ring from two contexts (exactly once, in order).
 * A queue reset or device reset of either side takes the queue's lock
 * (waiting), so it waits for a pass in flight and the next pass sees the
 * queue disabled (see struct emu_vq). The trylocks are atomic RMWs of the
 * device model, on the device's work; the PMD's burst path has none.
 *
 * Drops are counted where they happen, in the queue's `dropped` counter:
 * a packet too big for the receiver's buffers (rx queue), a packet into
 * wire=sink (tx queue).
 */

#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dma_domain_soft.h>

#include "emu_virtio_net.h"

#define EMU_PAGE	4096u
#define EMU_MAX_SEGS	64
#define HDR_LEN		((uint32_t)sizeof(struct virtio_net_hdr))

struct seg {
	uint64_t addr;
	uint32_t len;
};

/* A descriptor chain, split into device-readable and -writable parts. */
struct chain {
	uint16_t head;
	uint16_t nro, nwo;
	uint32_t ro_len, wo_len;
	struct seg ro[EMU_MAX_SEGS];
	struct seg wo[EMU_MAX_SEGS];
};

/* Where a pass failed: on which side, and how. */
enum fail { OK = 0, FAIL_FAULT, FAIL_BAD };

struct emu_err {
	struct emu_vnet *who;
	const char *what;
};

static void
err_set(struct emu_err *e, struct emu_vnet *who, const char *what)
{
	if (e->who == NULL) {
		e->who = who;
		e->what = what;
	}
}

static struct rte_dma_domain_binding *
bnd(const struct emu_vnet *n)
{
	return n->dev->binding;
}

static int
ring_read16(struct emu_vnet *n, uint64_t iova, uint16_t *v, struct emu_err *e)
{
	if (rte_dma_domain_soft_read(bnd(n), iova, v, 2) != 0) {
		err_set(e, n, "DMA fault reading a ring");
		return -EFAULT;
	}
	return 0;
}

static int
ring_write(struct emu_vnet *n, uint64_t iova, const void *v, uint32_t len,
		struct emu_err *e)
{
	if (rte_dma_domain_soft_write(bnd(n), iova, v, len) != 0) {
		err_set(e, n, "DMA fault writing a ring");
		return -EFAULT;
	}
	return 0;
}

/* Read the chain whose head is at avail slot `slot`. */
static int
chain_read(struct emu_vnet *n, struct emu_vq *vq, uint16_t slot, struct chain *c,
		struct emu_err *e)
{
	struct vring_desc d;
	uint16_t idx, count = 0;

	if (ring_read16(n, vq->avail + VRING_AVAIL_OFF_RING(slot & (vq->size - 1)),
			&c->head, e) != 0)
		return -EFAULT;
	c->nro = c->nwo = 0;
	c->ro_len = c->wo_len = 0;
	idx = c->head;
	for (;;) {
		if (idx >= vq->size || ++count > vq->size) {
			err_set(e, n, "descriptor index out of range or chain loops");
			return -EINVAL;
		}
		if (rte_dma_domain_soft_read(bnd(n), vq->desc + 16ULL * idx, &d, sizeof(d)) != 0) {
			err_set(e, n, "DMA fault reading a descriptor");
			return -EFAULT;
		}
		if (d.flags & VRING_DESC_F_INDIRECT) {
			err_set(e, n, "indirect descriptor (not offered)");
			return -EINVAL;
		}
		if (d.flags & VRING_DESC_F_WRITE) {
			if (c->nwo == EMU_MAX_SEGS) {
				err_set(e, n, "descriptor chain longer than the model supports");
				return -EINVAL;
			}
			c->wo[c->nwo++] = (struct seg){ d.addr, d.len };
			c->wo_len += d.len;
		} else {
			if (c->nwo != 0 || c->nro == EMU_MAX_SEGS) {
				err_set(e, n, "readable descriptor after a writable one, or chain too long");
				return -EINVAL;
			}
			c->ro[c->nro++] = (struct seg){ d.addr, d.len };
			c->ro_len += d.len;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		idx = d.next;
	}
}

/* Copy len bytes from the readable segments of src (after skipping
 * src_skip bytes) into dst segments (after dst_skip bytes), translating
 * page by page on each side's own binding.
 */
static int
copy_segs(struct emu_vnet *sn, const struct seg *s, unsigned int ns, uint32_t src_skip,
		struct emu_vnet *dn, const struct seg *d, unsigned int nd, uint32_t dst_skip,
		uint32_t len, struct emu_err *e)
{
	unsigned int si = 0, di = 0;
	uint32_t so = src_skip, doff = dst_skip;
	int err;

	while (len > 0) {
		uint64_t sa, da;
		uint32_t c;
		void *sp, *dp;

		while (si < ns && so >= s[si].len)
			so -= s[si++].len;
		while (di < nd && doff >= d[di].len)
			doff -= d[di++].len;
		if (si == ns || di == nd) {
			err_set(e, sn, "chain shorter than its length");
			return -EINVAL;
		}
		sa = s[si].addr + so;
		da = d[di].addr + doff;
		c = RTE_MIN(len, s[si].len - so);
		c = RTE_MIN(c, d[di].len - doff);
		c = RTE_MIN(c, EMU_PAGE - (uint32_t)(sa & (EMU_PAGE - 1)));
		c = RTE_MIN(c, EMU_PAGE - (uint32_t)(da & (EMU_PAGE - 1)));
		sp = rte_dma_domain_soft_translate(bnd(sn), sa, c, RTE_DMA_DOMAIN_ACCESS_READ,
				&err);
		if (sp == NULL) {
			err_set(e, sn, "DMA fault reading a packet buffer");
			return -EFAULT;
		}
		dp = rte_dma_domain_soft_translate(bnd(dn), da, c, RTE_DMA_DOMAIN_ACCESS_WRITE,
				&err);
		if (dp == NULL) {
			err_set(e, dn, "DMA fault writing a packet buffer");
			return -EFAULT;
		}
		memcpy(dp, sp, c);
		so += c;
		doff += c;
		len -= c;
	}
	return 0;
}

/* Ring fields the driver accesses with atomics (virtio_iommufd: used->idx
 * load-acquire, used->flags relaxed load, avail->idx store-release): the
 * device side uses atomics too, so that the pairing is the virtio spec's
 * memory-ordering rule in C11 terms, and visible to TSan.
 */
static int
ring_store16(struct emu_vnet *n, uint64_t iova, uint16_t v, struct emu_err *e)
{
	if (rte_dma_domain_soft_store16_release(bnd(n), iova, v) != 0) {
		err_set(e, n, "DMA fault writing a ring index");
		return -EFAULT;
	}
	return 0;
}

/*
 * used->flags, written once after the queue is enabled and never changed:
 * NO_NOTIFY where the engine polls (thread, service), 0 inline (the
 * driver's notify does the work). The model never re-enables
 * notifications to wait for one, so it has no device half of the
 * store-buffer pattern of notification suppression to fence
 * (virtio_notify.h); a mode that slept until notified would have to
 * clear the flag with vring_notify_enable_recheck() and check the avail
 * index again before sleeping.
 */
static void
used_flags_once(struct emu_vnet *n, struct emu_vq *vq, bool no_notify, struct emu_err *e)
{
	uint16_t f = no_notify ? VRING_USED_F_NO_NOTIFY : 0;

	if (vq->flags_done)
		return;
	if (ring_store16(n, vq->used + VRING_USED_OFF_FLAGS, f, e) == 0)
		vq->flags_done = true;
}

static int
used_push(struct emu_vnet *n, struct emu_vq *vq, uint16_t id, uint32_t len,
		struct emu_err *e)
{
	struct vring_used_elem u = { .id = id, .len = len };

	if (ring_write(n, vq->used + VRING_USED_OFF_RING(vq->used_idx & (vq->size - 1)),
			&u, sizeof(u), e) != 0)
		return -EFAULT;
	vq->used_idx++;
	return 0;
}

static int
used_publish(struct emu_vnet *n, struct emu_vq *vq, struct emu_err *e)
{
	/* Release: the used elements (and the packet data) before the index;
	 * pairs with the driver's load-acquire of used->idx.
	 */
	return ring_store16(n, vq->used + VRING_USED_OFF_IDX, vq->used_idx, e);
}

/* Buffers the driver made available and the device has not used yet. */
static int
avail_count(struct emu_vnet *n, struct emu_vq *vq, uint16_t *cnt, struct emu_err *e)
{
	uint16_t idx;

	/* Acquire: ring entries and descriptors are read after the index;
	 * pairs with the driver's store-release of avail->idx.
	 */
	if (rte_dma_domain_soft_load16_acquire(bnd(n), vq->avail + VRING_AVAIL_OFF_IDX,
			&idx) != 0) {
		err_set(e, n, "DMA fault reading a ring index");
		return -EFAULT;
	}
	*cnt = (uint16_t)(idx - vq->last_avail);
	if (*cnt > vq->size) {
		err_set(e, n, "avail index moved by more than the queue size");
		return -EINVAL;
	}
	return 0;
}

static bool
negotiated(const struct emu_vnet *n, unsigned int bit)
{
	return (n->guest_features & VIRTIO_BIT(bit)) != 0;
}

/*
 * Deliver `len` bytes of packet data (from the readable segments of the
 * sender's chain after its header, or from a local buffer when sn is
 * NULL) into the receive queue rx of dn. Uses one buffer, or several with
 * MRG_RXBUF. Returns 1 delivered, 0 no buffers (nothing consumed),
 * -EMSGSIZE dropped (too big), other negative: error set in e.
 */
static int
rx_deliver(struct emu_vnet *dn, struct emu_vq *rx, uint16_t *rx_avail,
		struct emu_vnet *sn, const struct chain *src, const void *local,
		uint32_t len, struct emu_err *e)
{
	static __thread struct chain bufs[8];
	struct virtio_net_hdr h;
	uint32_t need = len + HDR_LEN, have = 0, left, put;
	unsigned int nb = 0, i, max_bufs;
	int ret;

	max_bufs = rx->mrg_rxbuf ? RTE_DIM(bufs) : 1;
	while (have < need) {
		if (nb == max_bufs)
			return -EMSGSIZE;
		if (nb == *rx_avail)
			return 0;
		ret = chain_read(dn, rx, (uint16_t)(rx->last_avail + nb), &bufs[nb], e);
		if (ret != 0)
			return ret;
		if (bufs[nb].nwo == 0 || bufs[nb].wo[0].len < HDR_LEN) {
			err_set(e, dn, "receive buffer without room for the header");
			return -EINVAL;
		}
		have += bufs[nb].wo_len;
		nb++;
	}
	memset(&h, 0, sizeof(h));
	h.num_buffers = (uint16_t)nb;
	if (ring_write(dn, bufs[0].wo[0].addr, &h, HDR_LEN, e) != 0)
		return -EFAULT;
	left = len;
	for (i = 0; i < nb; i++) {
		uint32_t skip = i == 0 ? HDR_LEN : 0;
		uint32_t off = len - left;

		put = RTE_MIN(left, bufs[i].wo_len - skip);
		if (put > 0 && src != NULL)
			ret = copy_segs(sn, src->ro, src->nro, HDR_LEN + off, dn,
				bufs[i].wo, bufs[i].nwo, skip, put, e);
		else if (put > 0) {
			/* Local data (generator): write through the model too. */
			unsigned int k;
			uint32_t done = 0, sk = skip;

			ret = 0;
			for (k = 0; k < bufs[i].nwo && done < put; k++) {
				uint32_t c;

				if (sk >= bufs[i].wo[k].len) {
					sk -= bufs[i].wo[k].len;
					continue;
				}
				c = RTE_MIN(put - done, bufs[i].wo[k].len - sk);
				ret = ring_write(dn, bufs[i].wo[k].addr + sk,
					(const uint8_t *)local + off + done, c, e);
				if (ret != 0)
					break;
				done += c;
				sk = 0;
			}
		} else {
			ret = 0;
		}
		if (ret != 0)
			return ret;
		left -= put;
		if (used_push(dn, rx, bufs[i].head, put + skip, e) != 0)
			return -EFAULT;
	}
	rx->last_avail = (uint16_t)(rx->last_avail + nb);
	*rx_avail = (uint16_t)(*rx_avail - nb);
	rx->packets++;
	rx->bytes += len;
	return 1;
}

static void
fail(struct emu_err *e)
{
	if (e->who != NULL)
		emu_vnet_raise_needs_reset(e->who, e->what);
}

/* Receive-side state at the start of a pass, to undo what the pass did
 * there when the sender's side fails (see lane_run).
 */
struct rx_mark {
	uint16_t used_idx, last_avail;
	uint64_t packets, bytes;
};

/*
 * One pass of the lane tx queue `tq` of sn -> rx queue `rq` of dn (dn NULL:
 * sink). Both queue locks are tried, never waited for.
 *
 * A packet is sent once the sender's used index says so, delivered once
 * the receiver's does. The sender's completions are published first; so
 * when a pass stops on a DMA fault, every packet is accounted for exactly:
 *  - the sender faulted (its completions cannot be published): nothing of
 *    the pass happened, the receiver's side is rolled back (the data it
 *    got is in buffers still posted, and overwritten later) and the
 *    packets stay in flight in the sender's ring, where the driver's
 *    reset discards and counts them;
 *  - the receiver faulted after the sender completed packets: those are
 *    lost on the receiving device and counted in its rx queue's dropped.
 */
static unsigned int
lane_run(struct emu_vnet *sn, uint16_t tq, struct emu_vnet *dn, uint16_t rq)
{
	static __thread struct chain c;
	struct emu_vq *tx = &sn->vq[tq], *rx = NULL;
	struct emu_err e = { NULL, NULL };
	struct rx_mark rx0 = { 0, 0, 0, 0 };
	uint16_t tx_avail, rx_avail = 0, i;
	unsigned int moved = 0, delivered = 0, too_big = 0, sunk = 0;
	int ret;

	if (!rte_atomic_load_explicit(&tx->enable, rte_memory_order_relaxed)
			|| !rte_spinlock_trylock(&tx->lock))
		return 0;
	if (!emu_vnet_running(sn) || !tx->enable)
		goto out_tx;
	if (dn != NULL) {
		rx = &dn->vq[rq];
		/* A disabled target (its port stopped or reset) is not
		 * locked: back-pressure, the packets wait in the tx ring.
		 */
		if (!rte_atomic_load_explicit(&rx->enable, rte_memory_order_acquire))
			goto out_tx;
		if (!rte_spinlock_trylock(&rx->lock))
			goto out_tx;
	}
	used_flags_once(sn, tx, !emu_vnet_inline(sn), &e);
	if (avail_count(sn, tx, &tx_avail, &e) != 0 || tx_avail == 0)
		goto out;
	if (rx != NULL) {
		if (!emu_vnet_running(dn) || !rx->enable) {
			tx->backpressure++;
			goto out;
		}
		used_flags_once(dn, rx, true, &e);
		if (avail_count(dn, rx, &rx_avail, &e) != 0)
			goto out;
		rx0 = (struct rx_mark){ rx->used_idx, rx->last_avail, rx->packets, rx->bytes };
	}
	for (i = 0; i < RTE_MIN(tx_avail, EMU_BURST); i++) {
		uint32_t plen;

		if (chain_read(sn, tx, tx->last_avail, &c, &e) != 0)
			break;
		if (c.ro_len < HDR_LEN) {
			err_set(&e, sn, "transmit chain shorter than the virtio-net header");
			break;
		}
		plen = c.ro_len - HDR_LEN;
		ret = 0;
		if (rx != NULL) {
			ret = rx_deliver(dn, rx, &rx_avail, sn, &c, NULL, plen, &e);
			if (ret == 0) {
				tx->backpressure++;
				break; /* stays in the tx ring */
			}
			if (ret < 0 && ret != -EMSGSIZE)
				break;
		}
		if (used_push(sn, tx, c.head, 0, &e) != 0)
			break;
		tx->last_avail++;
		tx->packets++;
		tx->bytes += plen;
		moved++;
		if (rx == NULL)
			sunk++;      /* wire=sink (or gen's tx side): the wire drops it */
		else if (ret > 0)
			delivered++;
		else
			too_big++;   /* -EMSGSIZE: too big for the receiver's buffers */
	}
	if (moved > 0 && e.who != sn)
		used_publish(sn, tx, &e);
	if (e.who == sn) {
		if (rx != NULL) {
			rx->used_idx = rx0.used_idx;
			rx->last_avail = rx0.last_avail;
			rx->packets = rx0.packets;
			rx->bytes = rx0.bytes;
		}
		goto out;
	}
	if (sunk > 0)
		rte_atomic_store_explicit(&tx->dropped, tx->dropped + sunk,
				rte_memory_order_relaxed);
	if (rx != NULL) {
		if (delivered > 0 && e.who != dn)
			used_publish(dn, rx, &e);
		if (e.who == dn) /* sent, and lost by the receiving device */
			too_big += delivered;
		if (too_big > 0)
			rte_atomic_store_explicit(&rx->dropped, rx->dropped + too_big,
					rte_memory_order_relaxed);
	}
out:
	fail(&e);
	if (rx != NULL)
		rte_spinlock_unlock(&rx->lock);
out_tx:
	rte_spinlock_unlock(&tx->lock);
	return moved;
}

/* wire=gen: fill receive queue rq with generated frames. Frame layout:
 * Ethernet header to the port's MAC, ethertype 0x88b5 (local
 * experimental), then a 64-bit sequence number and a byte pattern.
 */
static unsigned int
gen_fill(struct emu_vnet *n, uint16_t rq)
{
	struct emu_vq *rx = &n->vq[rq];
	struct emu_err e = { NULL, NULL };
	uint8_t frame[9000];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)frame;
	uint16_t rx_avail, i;
	unsigned int moved = 0;
	uint32_t k;

	if (!rte_atomic_load_explicit(&rx->enable, rte_memory_order_relaxed)
			|| !rte_spinlock_trylock(&rx->lock))
		return 0;
	if (!emu_vnet_running(n) || !rx->enable)
		goto out;
	used_flags_once(n, rx, true, &e);
	if (avail_count(n, rx, &rx_avail, &e) != 0)
		goto out;
	eh->dst_addr = n->mac;
	eh->src_addr = (struct rte_ether_addr){ .addr_bytes = { 0x02, 'G', 'E', 'N', 0, 0 } };
	eh->ether_type = rte_cpu_to_be_16(0x88b5);
	for (i = 0; i < EMU_BURST && rx_avail > 0; i++) {
		uint64_t seq = n->gen_seq;

		memcpy(frame + sizeof(*eh), &seq, sizeof(seq));
		for (k = sizeof(*eh) + 8; k < n->gen_len; k++)
			frame[k] = (uint8_t)(seq + k);
		if (rx_deliver(n, rx, &rx_avail, NULL, NULL, frame, n->gen_len, &e) <= 0)
			break;
		n->gen_seq++;
		moved++;
	}
	if (moved > 0 && e.who == NULL)
		used_publish(n, rx, &e);
out:
	fail(&e);
	rte_spinlock_unlock(&rx->lock);
	return moved;
}

/* Control queue: VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET is the one command. */
static unsigned int
ctrl_run(struct emu_vnet *n, uint16_t q)
{
	static __thread struct chain c;
	struct emu_vq *vq = &n->vq[q];
	struct emu_err e = { NULL, NULL };
	uint8_t cmd[64], ack;
	uint16_t avail, i, pairs;
	unsigned int done = 0, k;
	uint32_t off;

	if (!rte_atomic_load_explicit(&vq->enable, rte_memory_order_relaxed)
			|| !rte_spinlock_trylock(&vq->lock))
		return 0;
	/* Inline, the driver's notify or poll is the request. Else only a
	 * notify is (struct emu_vnet: ctrl_kick); taken under the lock, so
	 * a pass that did not get the lock leaves it for the next one.
	 */
	if (!emu_vnet_inline(n) && !rte_atomic_exchange_explicit(&n->ctrl_kick, false,
			rte_memory_order_acquire))
		goto out;
	if (!emu_vnet_running(n) || !vq->enable || avail_count(n, vq, &avail, &e) != 0)
		goto out;
	for (i = 0; i < avail; i++) {
		if (chain_read(n, vq, vq->last_avail, &c, &e) != 0)
			break;
		if (c.ro_len < sizeof(struct virtio_net_ctrl_hdr) || c.ro_len > sizeof(cmd) ||
				c.nwo == 0) {
			err_set(&e, n, "malformed control command");
			break;
		}
		for (k = 0, off = 0; k < c.nro; off += c.ro[k].len, k++)
			if (rte_dma_domain_soft_read(bnd(n), c.ro[k].addr, cmd + off,
					c.ro[k].len) != 0) {
				err_set(&e, n, "DMA fault reading a control command");
				goto out;
			}
		ack = VIRTIO_NET_ERR;
		if (cmd[0] == VIRTIO_NET_CTRL_MQ && cmd[1] == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET &&
				c.ro_len >= 4 && negotiated(n, VIRTIO_NET_F_MQ)) {
			memcpy(&pairs, cmd + 2, 2);
			if (pairs >= 1 && pairs <= n->max_pairs) {
				rte_atomic_store_explicit(&n->curr_pairs, pairs,
						rte_memory_order_release);
				ack = VIRTIO_NET_OK;
			}
		}
		if (ring_write(n, c.wo[0].addr, &ack, 1, &e) != 0 ||
				used_push(n, vq, c.head, 1, &e) != 0)
			break;
		vq->last_avail++;
		done++;
	}
	if (done > 0 && e.who == NULL)
		used_publish(n, vq, &e);
out:
	fail(&e);
	rte_spinlock_unlock(&vq->lock);
	return done;
}

struct emu_vnet *
emu_vnet_peer(struct emu_vnet *n)
{
	struct emu_vnet *p = rte_atomic_load_explicit(&n->peer, rte_memory_order_acquire);
	struct rte_iommufd_device *d;

	if (p != NULL || n->wire != EMU_WIRE_PEER)
		return p;
	d = rte_iommufd_device_find(n->peer_name);
	if (d == NULL || !emu_vnet_is_ours(d))
		return NULL; /* not there (yet): back-pressure */
	p = d->emu_priv;
	rte_atomic_store_explicit(&n->peer, p, rte_memory_order_release);
	return p;
}

/* Receive queue rq of n pulls from every transmit queue that feeds it:
 * txq j of src maps to rxq (j mod active pairs of n).
 */
static unsigned int
rx_pull(struct emu_vnet *src, struct emu_vnet *n, uint16_t rq)
{
	uint16_t pairs = rte_atomic_load_explicit(&n->curr_pairs, rte_memory_order_acquire);
	uint16_t j;
	unsigned int moved = 0;

	for (j = rq / 2; j < src->max_pairs; j = (uint16_t)(j + pairs))
		moved += lane_run(src, VIRTIO_NET_TXQ(j), n, rq);
	return moved;
}

unsigned int
emu_vnet_engine(struct emu_vnet *n, uint16_t qid)
{
	struct emu_vnet *p;
	uint16_t pairs;

	if (qid >= n->num_queues || rte_atomic_load_explicit(&n->broken, rte_memory_order_relaxed))
		return 0;
	if (qid == VIRTIO_NET_CTRLQ(n->max_pairs))
		return ctrl_run(n, qid);
	if (qid & 1) {
		switch (n->wire) {
		case EMU_WIRE_PEER:
			p = emu_vnet_peer(n);
			if (p == NULL)
				return 0;
			pairs = rte_atomic_load_explicit(&p->curr_pairs, rte_memory_order_acquire);
			return lane_run(n, qid, p, VIRTIO_NET_RXQ((qid / 2) % pairs));
		case EMU_WIRE_LOOP:
			pairs = rte_atomic_load_explicit(&n->curr_pairs, rte_memory_order_acquire);
			return lane_run(n, qid, n, VIRTIO_NET_RXQ((qid / 2) % pairs));
		default:
			return lane_run(n, qid, NULL, 0);
		}
	}
	switch (n->wire) {
	case EMU_WIRE_PEER:
		p = emu_vnet_peer(n);
		return p == NULL ? 0 : rx_pull(p, n, qid);
	case EMU_WIRE_LOOP:
		return rx_pull(n, n, qid);
	case EMU_WIRE_GEN:
		return gen_fill(n, qid);
	default:
		return 0;
	}
}

unsigned int
emu_vnet_engine_all(struct emu_vnet *n)
{
	unsigned int work = 0;
	uint16_t q;

	for (q = 0; q < n->num_queues; q++)
		work += emu_vnet_engine(n, q);
	return work;
}
