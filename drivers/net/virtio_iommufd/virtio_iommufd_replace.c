/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The PMD's part of the replace protocol (lib/dma_domain): per-queue
 * quiesce through VIRTIO_F_RING_RESET, resume, fault report from the
 * device status, and the walk of every IOVA the device may touch.
 *
 * Queue handles of the binding: rx queue i is handle 2i, tx queue i is
 * handle 2i+1, the virtqueue numbers of virtio-net.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "virtio_iommufd_virtqueue.h"

/* Does injection `what` fire for queue handle qid now? Consumes one. */
bool
vio_inject_hit(struct vio_dev *vd, enum rte_pmd_virtio_iommufd_inject what, uint16_t qid)
{
	uint32_t left = rte_atomic_load_explicit(&vd->inj_left[what], rte_memory_order_acquire);
	uint16_t q;

	while (left != 0) {
		q = rte_atomic_load_explicit(&vd->inj_qid[what], rte_memory_order_relaxed);
		if (q != RTE_PMD_VIRTIO_IOMMUFD_INJECT_ANY_QUEUE && q != qid)
			return false;
		if (left == RTE_PMD_VIRTIO_IOMMUFD_INJECT_ALWAYS ||
				rte_atomic_compare_exchange_strong_explicit(&vd->inj_left[what],
						&left, left - 1, rte_memory_order_acq_rel,
								rte_memory_order_acquire)) {
			VIO_LOG(DEBUG, "%s: injected failure %u on queue handle %u",
				vd->idev->name, (unsigned int)what, qid);
			return true;
		}
	}
	return false;
}

static struct vio_rxq *
rxq_of(struct vio_dev *vd, uint16_t qid)
{
	struct rte_eth_dev_data *d = vd->eth_dev->data;

	if (qid & 1 || qid / 2 >= d->nb_rx_queues)
		return NULL;
	return d->rx_queues[qid / 2];
}

static struct vio_txq *
txq_of(struct vio_dev *vd, uint16_t qid)
{
	struct rte_eth_dev_data *d = vd->eth_dev->data;

	if (!(qid & 1) || qid / 2 >= d->nb_tx_queues)
		return NULL;
	return d->tx_queues[qid / 2];
}

/* The queue of handle qid: exactly one of rq/tq, its ring and state. */
struct vq_ref {
	struct vio_rxq *rq;
	struct vio_txq *tq;
	struct vio_ring *r;
	uint8_t *state;
};

static bool
vq_get(struct vio_dev *vd, uint16_t qid, struct vq_ref *v)
{
	v->rq = rxq_of(vd, qid);
	v->tq = v->rq == NULL ? txq_of(vd, qid) : NULL;
	if (v->rq != NULL) {
		v->r = &v->rq->r;
		v->state = &v->rq->state;
	} else if (v->tq != NULL) {
		v->r = &v->tq->r;
		v->state = &v->tq->state;
	}
	return v->rq != NULL || v->tq != NULL;
}

/* RESETTING -> RESET: wait (bounded) for the reset the device was asked
 * for, then take back everything it had. On -ETIMEDOUT the queue stays
 * RESETTING, untouched: the device may still be using it.
 */
static int
vq_reset_finish(struct vio_dev *vd, uint16_t qid, struct vq_ref *v)
{
	int ret = vio_inject_hit(vd, RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESET_TIMEOUT, qid) ?
		-ETIMEDOUT :
		vtpci_queue_reset_wait(&vd->hw, v->r->vq_index, VIO_QUEUE_RESET_TIMEOUT_US);

	if (ret != 0) {
		VIO_LOG(ERR, "%s: reset of queue %u (virtqueue %u) did not complete in %u ms: the device may still use it; no burst touches it until queue_resume sees the reset complete",
			vd->idev->name, qid, v->r->vq_index, VIO_QUEUE_RESET_TIMEOUT_US / 1000);
		return ret;
	}
	/* The device forgot the queue: reclaim everything it had. */
	if (v->rq != NULL)
		vio_rxq_quiesce_harvest(v->rq);
	else
		vio_txq_quiesce_harvest(v->tq);
	*v->state = VIO_Q_RESET;
	return 0;
}

/*
 * dev_ops.queue_quiesce. Contract (see enum vio_qstate):
 *  - 0: the device does no DMA on the queue (reset complete) and the
 *    driver took back what it had: RESET. Again 0 for a queue already
 *    RESET, or not set up, or on a stopped port.
 *  - -ENOTSUP: no VIRTIO_F_RING_RESET: nothing touched, still RUNNING.
 *  - -ETIMEDOUT: reset requested, completion not seen within
 *    VIO_QUEUE_RESET_TIMEOUT_US: RESETTING, the device may still use the
 *    queue; nothing harvested. queue_resume (or a later quiesce) finishes
 *    it once the device completed the reset.
 * The wait polls the device without holding the selector lock.
 */
static int
vio_queue_quiesce(void *arg, uint16_t qid)
{
	struct vio_dev *vd = arg;
	struct vq_ref v;
	int ret;

	/* A queue that is not set up or not started does no DMA. */
	if (!vd->started || !vq_get(vd, qid, &v) || *v.state == VIO_Q_RESET)
		return 0;
	if (*v.state == VIO_Q_RUNNING) {
		if (vio_inject_hit(vd, RTE_PMD_VIRTIO_IOMMUFD_INJECT_QUIESCE_NOOP, qid))
			return 0;
		/*
		 * Without VIRTIO_F_RING_RESET there is no safe fallback, so
		 * refuse (the library resumes the queues; nothing changed).
		 * Waiting for tx completions and for the device to use every
		 * posted rx buffer would stop buffer DMA only: an enabled
		 * queue's ring stays the device's to read at any time (a
		 * device looks at the rx avail index for every packet it
		 * receives, buffers or not), and such a read inside a
		 * non-atomic switch faults. Where the switch is atomic, no
		 * quiesce is needed at all (strategy hitless).
		 */
		ret = vtpci_queue_reset_start(&vd->hw, v.r->vq_index);
		if (ret != 0) {
			VIO_LOG(ERR, "%s: cannot quiesce queue %u: VIRTIO_F_RING_RESET not negotiated, and without it the device may read the ring at any time: use strategy restart, or hitless where the IOMMU replaces atomically",
				vd->idev->name, qid);
			return ret;
		}
		*v.state = VIO_Q_RESETTING;
	}
	return vq_reset_finish(vd, qid, &v);
}

/*
 * dev_ops.queue_resume, for every queue (also one that was never
 * quiesced, or whose quiesce failed). Contract:
 *  - RUNNING: 0, untouched.
 *  - RESETTING: the reset is waited for (bounded) and harvested first;
 *    -ETIMEDOUT if it is still not complete (nothing changed: call again).
 *  - RESET: the ring is rebuilt and the queue re-enabled, then what was in
 *    flight (tx: requeue list, then the parked bursts' backlog; rx: every
 *    buffer it owns) is posted and the device notified: RUNNING, 0.
 *    If re-enabling fails, the negative errno, and the queue stays RESET
 *    with nothing posted to the device and nothing lost: a retry is
 *    exact (idempotent), and bursts keep off the ring meanwhile.
 */
static int
vio_queue_resume(void *arg, uint16_t qid)
{
	struct vio_dev *vd = arg;
	struct vq_ref v;
	int ret;

	if (!vq_get(vd, qid, &v) || *v.state == VIO_Q_RUNNING)
		return 0;
	if (*v.state == VIO_Q_RESETTING) {
		ret = vq_reset_finish(vd, qid, &v);
		if (ret != 0)
			return ret;
	}
	/* A fresh ring before the device sees it enabled, the descriptor
	 * table kept. rx posts its buffers now (sw_ring keeps their
	 * ownership, a retry posts them again); tx posts only once the
	 * queue is enabled, so that a failure leaves requeue and backlog as
	 * they were.
	 */
	if (v.rq != NULL)
		vio_rxq_resume(v.rq);
	else
		vio_txq_resume(v.tq);
	ret = vio_inject_hit(vd, RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESUME_SETUP, qid) ? -EIO :
		vtpci_queue_setup(&vd->hw, v.r);
	if (ret != 0) {
		VIO_LOG(ERR, "%s: queue %u could not be re-enabled after reset: %s; it stays reset, what it holds is kept for the next resume",
			vd->idev->name, qid, strerror(-ret));
		return ret;
	}
	*v.state = VIO_Q_RUNNING;
	if (v.tq != NULL) {
		/* What was in flight first, then what parked bursts accepted:
		 * the application may not call tx burst again (it transmits
		 * only what it receives). Its poller may add more until it
		 * sees the pause end; it posts those itself.
		 */
		vio_txq_requeue_post(v.tq);
		vio_txq_backlog_post(v.tq);
	}
	vtpci_notify_ctrl(&vd->hw, v.r);
	return 0;
}

bool
vio_check_needs_reset(struct vio_dev *vd)
{
	if (!(vtpci_get_status(&vd->hw) & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
		return false;
	if (!vd->reset_event_sent) {
		vd->reset_event_sent = true;
		VIO_LOG(ERR, "%s (port %u): device set DEVICE_NEEDS_RESET (e.g. a DMA fault): link down, port needs rte_eth_dev_reset()",
			vd->idev->name, vd->port_id);
		rte_eth_dev_callback_process(vd->eth_dev, RTE_ETH_EVENT_INTR_RESET, NULL);
	}
	return true;
}

static int
vio_fault_check(void *arg, uint64_t *nb_faults)
{
	struct vio_dev *vd = arg;

	*nb_faults = 0;
	if (!vio_check_needs_reset(vd))
		return 0;
	if (!vd->fault_reported) {
		vd->fault_reported = true;
		*nb_faults = 1;
	}
	/* Sticky until the port is reset: the library refuses to swap a
	 * device in this state.
	 */
	return -EIO;
}

typedef int (walk_cb_t)(uint64_t iova, uint64_t len, uint32_t access, void *arg);
typedef void (range_fn_t)(uint64_t iova, uint64_t len, void *arg);

struct pool_walk {
	range_fn_t *fn;
	void *arg;
};

static void
pool_chunk(struct rte_mempool *mp, void *opaque, struct rte_mempool_memhdr *mh,
		unsigned int idx)
{
	struct pool_walk *w = opaque;

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	if (mh->iova != RTE_BAD_IOVA)
		w->fn(mh->iova, mh->len, w->arg);
}

/* What the pollers never change, each range once: ring memory (with the
 * tx header slots), and the chunks of the rx queues' mempools, where
 * every posted rx buffer lies (the PMD posts buffers of q->mp only,
 * vio_rxq_fill()). Chunks without an IOVA are left out: no buffer of
 * theirs can be posted.
 */
static void
stable_ranges(struct vio_dev *vd, range_fn_t *fn, void *arg)
{
	struct rte_eth_dev_data *d = vd->eth_dev->data;
	struct rte_mempool *seen[VIO_MAX_PAIRS];
	struct pool_walk w = { fn, arg };
	unsigned int i, k, n = 0;

	if (vd->ctrl.mz != NULL)
		fn(vd->ctrl.iova, vd->ctrl.len, arg);
	for (i = 0; i < d->nb_rx_queues; i++) {
		struct vio_rxq *q = d->rx_queues[i];

		if (q == NULL)
			continue;
		fn(q->r.iova, q->r.len, arg);
		for (k = 0; k < n && seen[k] != q->mp; k++)
			;
		if (k == n && n < RTE_DIM(seen)) {
			seen[n++] = q->mp;
			rte_mempool_mem_iter(q->mp, pool_chunk, &w);
		}
	}
	for (i = 0; i < d->nb_tx_queues; i++) {
		struct vio_txq *q = d->tx_queues[i];

		if (q != NULL)
			fn(q->r.iova, q->r.len, arg);
	}
}

struct stable_walk {
	walk_cb_t *cb;
	void *arg;
	int ret;
};

static void
stable_report(uint64_t iova, uint64_t len, void *arg)
{
	struct stable_walk *w = arg;

	if (w->ret == 0)
		w->ret = w->cb(iova, len, RTE_DMA_DOMAIN_ACCESS_RW, w->arg);
}

/*
 * The parked walk: what is in flight, against the ranges the first phase
 * checked (stable_ranges(), RW). A buffer inside one of them is covered
 * (io forwarding: every tx buffer lies in an rx mempool); any other is
 * reported by itself, for READ. Ranges are IOVAs, so this holds for
 * every kind of buffer (direct, attached, external) without reading its
 * mbuf: the tx ring is walked by its descriptors, the backlog by the
 * ranges its parked bursts recorded.
 */
#define VIO_COVERED_MAX 64

struct tx_walk {
	walk_cb_t *cb;
	void *arg;
	unsigned int n;          /* ranges, sorted by lo */
	struct { uint64_t lo, hi; } r[VIO_COVERED_MAX]; /* hi inclusive */
};

/* Ranges beyond VIO_COVERED_MAX are left out: what lies in them is
 * reported, as if it lay elsewhere.
 */
static void
covered_add(uint64_t iova, uint64_t len, void *arg)
{
	struct tx_walk *w = arg;
	unsigned int k;

	if (len == 0 || w->n == VIO_COVERED_MAX)
		return;
	for (k = w->n; k > 0 && w->r[k - 1].lo > iova; k--)
		w->r[k] = w->r[k - 1];
	w->r[k].lo = iova;
	w->r[k].hi = iova + (len - 1);
	w->n++;
}

static bool
covered(const struct tx_walk *w, uint64_t iova, uint64_t len)
{
	unsigned int lo = 0, hi = w->n;

	/* the last range starting at or below iova */
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (w->r[mid].lo <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && len > 0 && iova <= w->r[lo - 1].hi &&
		len - 1 <= w->r[lo - 1].hi - iova;
}

static int
tx_walk_range(uint64_t iova, uint64_t len, void *arg)
{
	struct tx_walk *w = arg;

	if (covered(w, iova, len))
		return 0;
	return w->cb(iova, len, RTE_DMA_DOMAIN_ACCESS_READ, w->arg);
}

static int
tx_walk_mbuf(struct rte_mbuf *m, void *arg)
{
	int ret = 0;

	for (; m != NULL && ret == 0; m = m->next)
		ret = tx_walk_range(rte_mbuf_iova_get(m), m->buf_len, arg);
	return ret;
}

/* What is in flight; only with the pollers parked (they own the rings).
 * rx: nothing beyond the first phase's mempools. tx: what the ring's
 * descriptors point at (also the chains a quiesce kept to post again),
 * and the parked bursts' backlog (posted after the switch: the new
 * domain must cover them).
 */
static int
walk_in_flight(struct vio_dev *vd, walk_cb_t *cb, void *cbarg)
{
	struct rte_eth_dev_data *d = vd->eth_dev->data;
	struct tx_walk w = { .cb = cb, .arg = cbarg };
	unsigned int i;
	int ret = 0;

	stable_ranges(vd, covered_add, &w);
	for (i = 0; ret == 0 && i < d->nb_tx_queues; i++) {
		struct vio_txq *q = d->tx_queues[i];

		if (q == NULL)
			continue;
		ret = vio_txq_desc_walk(q, tx_walk_range, &w);
		if (ret == 0)
			ret = vio_txq_backlog_walk(q, tx_walk_range, tx_walk_mbuf, &w);
	}
	return ret;
}

/* Two phases (rte_dma_domain_dev_ops.iova_walk): running, only what is
 * stable; parked, what is in flight (the stable part was checked and
 * cannot have changed: the port is not reconfigured while started).
 */
static int
vio_iova_walk(void *arg, bool parked, walk_cb_t *cb, void *cbarg)
{
	struct vio_dev *vd = arg;
	struct stable_walk w = { cb, cbarg, 0 };

	if (parked)
		return walk_in_flight(vd, cb, cbarg);
	stable_ranges(vd, stable_report, &w);
	return w.ret;
}

static int
vio_port_restart(void *arg, bool start)
{
	struct vio_dev *vd = arg;

	return start ? rte_eth_dev_start(vd->port_id) : rte_eth_dev_stop(vd->port_id);
}

/* Queue handles of the configured queues: rx i is handle 2i, tx i 2i + 1
 * (the binding has handles for VIO_MAX_PAIRS pairs, bound before the
 * queue count was known).
 */
static uint16_t
vio_queues_in_use(void *arg)
{
	struct vio_dev *vd = arg;
	struct rte_eth_dev_data *d = vd->eth_dev->data;

	return (uint16_t)(2 * RTE_MAX(d->nb_rx_queues, d->nb_tx_queues));
}

/* Post what the parked poller of tx queue qid kept (the library calls
 * this with the queue still parked: the backlog's consumer is us). The
 * ring must be live: a queue not RUNNING keeps them for its resume.
 */
static void
vio_queue_unpark(void *arg, uint16_t qid)
{
	struct vio_dev *vd = arg;
	struct vio_txq *tq = txq_of(vd, qid);

	if (!vd->started || tq == NULL || tq->state != VIO_Q_RUNNING)
		return;
	/* room for the backlog; what a reset set aside is the poller's */
	vio_txq_reclaim_used(tq);
	if (vio_txq_backlog_post(tq) > 0)
		vtpci_notify_ctrl(&vd->hw, &tq->r);
}

/* A rollback of the library did not go as planned: tell the application
 * with ethdev's own recovery events. RECOVERY_FAILED: the device is on no
 * domain and its queues stay parked; the application stops the port,
 * attaches the binding to a domain and starts the port (or closes it).
 */
static void
vio_recovery_event(void *arg, enum rte_dma_domain_recovery ev)
{
	struct vio_dev *vd = arg;
	enum rte_eth_event_type t;

	switch (ev) {
	case RTE_DMA_DOMAIN_RECOVERING:
		t = RTE_ETH_EVENT_ERR_RECOVERING;
		break;
	case RTE_DMA_DOMAIN_RECOVERY_SUCCESS:
		t = RTE_ETH_EVENT_RECOVERY_SUCCESS;
		break;
	default:
		t = RTE_ETH_EVENT_RECOVERY_FAILED;
		VIO_LOG(ERR, "%s (port %u): a domain swap failed and so did its rollback: the device is on no DMA domain; stop the port, rte_dma_domain_attach() it, start it",
			vd->idev->name, vd->port_id);
		break;
	}
	rte_eth_dev_callback_process(vd->eth_dev, t, NULL);
}

const struct rte_dma_domain_dev_ops vio_dma_ops = {
	.queue_quiesce = vio_queue_quiesce,
	.queue_resume = vio_queue_resume,
	.fault_check = vio_fault_check,
	.iova_walk = vio_iova_walk,
	.port_restart = vio_port_restart,
	.queue_unpark = vio_queue_unpark,
	.recovery_event = vio_recovery_event,
	.queues_in_use = vio_queues_in_use,
};
