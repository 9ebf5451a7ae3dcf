/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef RTE_DMA_DOMAIN_DRIVER_H
#define RTE_DMA_DOMAIN_DRIVER_H

/**
 * @file
 * RTE DMA domain driver SDK: the side of librte_dma_domain that buses and
 * PMDs use, as lib/dmadev's rte_dmadev_pmd.h is to rte_dmadev.h.
 * Applications include rte_dma_domain.h only.
 *
 * A bus binds each device to a context (rte_dma_domain_bind() with the
 * driver's callbacks, rte_dma_domain_dev_ops) and the PMD takes part in
 * the replace protocol from its burst functions: it arms its queues when
 * they start (rte_dma_domain_queue_arm()), checks
 * rte_dma_domain_queue_pause_pending() at the top of every burst call and
 * acknowledges with rte_dma_domain_queue_ack() or
 * rte_dma_domain_queue_ack_state().
 *
 * Every function here is internal API (the INTERNAL node of the
 * library's version map): a caller must be compiled with
 * -DALLOW_INTERNAL_API, as DPDK's own drivers are.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_compat.h>
#include <rte_branch_prediction.h>

#include "rte_dma_domain.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a driver's recovery_event callback is told (rte_dma_domain_dev_ops),
 * in ethdev's terms (RTE_ETH_EVENT_ERR_RECOVERING and the RECOVERY_*
 * events a PMD maps them to).
 */
enum rte_dma_domain_recovery {
	/** A rollback's first attempt failed (e.g. switching back to the
	 * old domain); the library tries to re-attach the old domain.
	 */
	RTE_DMA_DOMAIN_RECOVERING = 0,
	/** The fallback worked: the device is on its old domain again and
	 * its queues run (the replace still fails).
	 */
	RTE_DMA_DOMAIN_RECOVERY_SUCCESS,
	/** The fallback failed: the device is on no domain, its queues stay
	 * parked; see rte_dma_domain_replace() for the recovery.
	 */
	RTE_DMA_DOMAIN_RECOVERY_FAILED,
};

/**
 * Per-queue participation handle, owned by the library, polled by the PMD.
 * Only pause_req is read on the hot path; it stays in the poller's cache.
 */
struct __rte_cache_aligned rte_dma_domain_queue {
	/** 0: run; else a request, or an armed queue's first burst
	 * (bits private to the library)
	 */
	RTE_ATOMIC(uint32_t) pause_req;
	uint16_t qid;                         /**< index in the binding */
	struct rte_dma_domain_binding *binding; /**< owner */
};

/** Driver callbacks of a binding. Every callback gets params.drv_arg. */
struct rte_dma_domain_dev_ops {
	/** Make the device stop DMA on queue qid (virtio: queue reset, or
	 * wait for completions). Called after the queue's poller acknowledged
	 * a pause. Return 0 when quiet, negative errno on failure: the
	 * library then calls queue_resume for every queue it quiesced and
	 * for this one too, whatever state the failure left it in.
	 * -ETIMEDOUT: the device did not confirm the stop in time;
	 * -ENOTSUP: it cannot stop one queue (no queue reset).
	 */
	int (*queue_quiesce)(void *drv_arg, uint16_t qid);
	/**
	 * Restart DMA on queue qid (re-post what quiesce reclaimed).
	 * Must be idempotent: it is retried after a failure, called for a
	 * queue whose queue_quiesce failed half way (take the queue back
	 * from whatever state that left), and for a queue that is running
	 * (return 0, change nothing).
	 */
	int (*queue_resume)(void *drv_arg, uint16_t qid);
	/**
	 * Report faults the device saw since the last call in *nb_faults
	 * (virtio: DEVICE_NEEDS_RESET). Optional.
	 *
	 * Return 0, or -EIO while the device is in an error state that only
	 * a reset clears (virtio: DEVICE_NEEDS_RESET set) - at every call
	 * as long as the state lasts, still setting *nb_faults (new faults
	 * only: 0 once they were reported). rte_dma_domain_replace() then
	 * refuses to start (-EIO, nothing changed: a dead device must not
	 * be swapped as if it were healthy), and -EIO at the confirm step
	 * counts as a fault (roll back). Other negative returns are ignored.
	 */
	int (*fault_check)(void *drv_arg, uint64_t *nb_faults);
	/**
	 * Call cb for every IOVA range the device may touch: the coverage
	 * check of rte_dma_domain_replace(). Optional (then the check is
	 * skipped and said so in the log). Stop and return cb's value when
	 * it returns non-zero; a negative return of the walk itself fails
	 * the replace (nothing changed).
	 *
	 * The library calls it twice per QUIESCE or REMAP replace, from the
	 * control thread, and tells the driver which phase it is in:
	 *
	 * - parked == false: before any pause, the queues' pollers are
	 *   running. Report only what the pollers do not change: ring
	 *   memory, and the memory chunks of every mempool the port takes
	 *   buffers from (posted rx buffers lie inside them). Do not read
	 *   per-buffer state (sw rings) here: it races with the pollers.
	 *   A refusal in this phase changes nothing and costs no pause.
	 *
	 * - parked == true: every online queue's poller has acknowledged the
	 *   pause and is parked (the acknowledgment orders the pollers'
	 *   last burst before this call), queue_quiesce has not been called
	 *   yet: the device still owns what is posted. Report everything in
	 *   flight that does not lie inside a range reported in the first
	 *   phase: posted rx buffers, every segment of every tx packet in
	 *   flight (a direct mbuf's buffer lies in its own mempool; an
	 *   attached or external one may lie anywhere), buffers held for
	 *   re-posting after a previous quiesce. Repeating first-phase
	 *   ranges is allowed.
	 *   A refusal here releases the queues; nothing else changed.
	 *
	 * HITLESS never parks the queues: only the first phase runs, and
	 * buffers that only the second phase would see are protected by the
	 * confirm step alone (fault check and roll back). RESTART runs the
	 * first phase only: port stop releases what is in flight.
	 */
	int (*iova_walk)(void *drv_arg, bool parked,
		int (*cb)(uint64_t iova, uint64_t len, uint32_t access, void *arg),
		void *arg);
	/** RESTART strategy: stop (start == false) or start the port. */
	int (*port_restart)(void *drv_arg, bool start);
	/**
	 * Optional, for drivers that keep packets while parked: post what
	 * the parked poller of queue qid kept (rte_dma_domain_queue_kept()).
	 * Called by the library with the queue still parked, right before
	 * it releases the queue, and again for as long as the poller kept
	 * more since the last call; so nothing a parked burst accepted waits
	 * for a later burst call that may never come.
	 */
	void (*queue_unpark)(void *drv_arg, uint16_t qid);
	/**
	 * Optional: a rollback did not go as planned. Called with
	 * RTE_DMA_DOMAIN_RECOVERING when its first attempt failed, then
	 * RTE_DMA_DOMAIN_RECOVERY_SUCCESS when the second worked, or
	 * RTE_DMA_DOMAIN_RECOVERY_FAILED when it failed too (the device is
	 * on no domain). An ethdev PMD raises the ethdev events of
	 * the same names (RTE_ETH_EVENT_ERR_RECOVERING, ...). Called from
	 * the thread that runs rte_dma_domain_replace(), with no lock of the
	 * library held; SUCCESS and FAILED once the replace is over, so the
	 * application may recover from its event callback.
	 */
	void (*recovery_event)(void *drv_arg, enum rte_dma_domain_recovery ev);
	/**
	 * Optional: how many of the binding's queue handles the device uses
	 * now, from handle 0 (an ethdev PMD bound with handles for the most
	 * queues it supports answers for the queues configured). A replace
	 * then requests pauses from, quiesces and resumes those only: the
	 * others must have no ring the device uses and no poller (one that
	 * polls anyway never acknowledges, and the replace times out). NULL:
	 * every handle. Called once at the start of each replace, from its
	 * thread, with no lock of the library held.
	 */
	uint16_t (*queues_in_use)(void *drv_arg);
};

/** Parameters of rte_dma_domain_bind(). */
struct rte_dma_domain_binding_params {
	const char *name;       /**< device name, e.g. "0000:00:03.0", "emu0" */
	int dev_fd;             /**< IOMMUFD backend: VFIO cdev fd; soft: -1 */
	uint16_t nb_queues;     /**< queue handles to allocate */
	const struct rte_dma_domain_dev_ops *ops; /**< driver callbacks */
	void *drv_arg;          /**< passed to every callback */
	/** Strategy a replace with RTE_DMA_DOMAIN_STRATEGY_DEFAULT uses on
	 * this binding (e.g. from devargs); DEFAULT = the backend's choice.
	 */
	enum rte_dma_domain_strategy default_strategy;
};

/* ---- bindings -------------------------------------------------------- */

/**
 * Bind a device to a context (iommufd: VFIO_DEVICE_BIND_IOMMUFD on
 * params->dev_fd; soft: a new emulated DMA engine). Not attached yet:
 * the caller attaches it (rte_dma_domain_attach()) before the device
 * does DMA.
 *
 * Allocates params->nb_queues queue handles (rte_dma_domain_queue_get()),
 * all offline. The callbacks are copied: params need not outlive the
 * call, params->drv_arg must live until rte_dma_domain_unbind().
 * Thread-safe (under the library's lock).
 *
 * @param ctx
 *   The context of the device's backend.
 * @param params
 *   Device name (unique among bindings), fd, queue count (at most 1024),
 *   driver callbacks (ops may be NULL: no callback), their argument and
 *   the default strategy.
 * @return
 *   The binding, or NULL with rte_errno set: EINVAL ctx or params is
 *   NULL, a bad name (empty or RTE_DMA_DOMAIN_NAMESIZE long or more), an
 *   unknown default strategy or too many queues; EEXIST a device of that
 *   name is bound already; ENOMEM; or the backend's error (iommufd:
 *   e.g. the errno of VFIO_DEVICE_BIND_IOMMUFD).
 */
__rte_internal
struct rte_dma_domain_binding *rte_dma_domain_bind(struct rte_dma_domain_ctx *ctx,
		const struct rte_dma_domain_binding_params *params);

/**
 * Unbind a device: detach it from its domain if attached, release the
 * backend's side (iommufd: the device's HWPTs; the kernel ends the
 * device's bind when the caller closes params.dev_fd; soft: the DMA
 * engine) and free the binding and its queue handles. Every queue
 * must be offline (not online, not armed): the device must not do DMA
 * any more. Thread-safe (under the library's lock).
 *
 * @param b
 *   A binding; invalid once the call returned 0.
 * @return
 *   0; -EINVAL b is NULL; -EBUSY (rte_errno set, nothing changed) a
 *   queue is online or armed, or a replace runs on the binding.
 */
__rte_internal
int rte_dma_domain_unbind(struct rte_dma_domain_binding *b);

/* ---- queue participation (PMD side) ----------------------------------- */

/**
 * Hot path: is a pause (or a grace-period report) requested for this queue,
 * or is this the first burst of an armed queue? One load-acquire of a flag
 * that stays in the poller's cache (a plain load on x86; no RMW, no
 * fence). When true, call rte_dma_domain_queue_ack() and, if it returns
 * true, return from the burst without touching the ring.
 *
 * Acquire, not relaxed: the first burst after a pause must see what the
 * controller changed while the queue was parked (the driver's
 * queue_resume rewrites its rings and buffer tables before the library
 * clears the flag with a release store).
 *
 * @param q
 *   The queue handle of the burst (rte_dma_domain_queue_get()).
 * @return
 *   true: take the slow path (rte_dma_domain_queue_ack() or
 *   rte_dma_domain_queue_ack_state()); false: run the burst.
 */
static __rte_always_inline bool
rte_dma_domain_queue_pause_pending(const struct rte_dma_domain_queue *q)
{
	return unlikely(rte_atomic_load_explicit(&q->pause_req, rte_memory_order_acquire) != 0);
}

/**
 * Slow path of a burst call that saw rte_dma_domain_queue_pause_pending().
 * Puts an armed queue online (once), then acknowledges the request if
 * there is one (QSBR quiescent report). Call it from the thread that
 * polls the queue.
 *
 * @param q
 *   The queue handle of the burst.
 * @return
 *   true if the queue must stay parked (do no work this call),
 *   false if the burst may go on (no request, or a hitless grace-period
 *   report). The first burst after a pause gets false (and ends the
 *   RESUMED state at once): drivers that keep packets while parked use
 *   rte_dma_domain_queue_ack_state() instead.
 */
__rte_internal
bool rte_dma_domain_queue_ack(struct rte_dma_domain_queue *q);

/** What a burst that took the slow path must do (rte_dma_domain_queue_ack_state()). */
enum rte_dma_domain_queue_state {
	/** Go on with the burst (no request, or a grace-period report). */
	RTE_DMA_DOMAIN_QUEUE_RUN = 0,
	/** Parked: do not touch the ring (a tx burst may keep the packets
	 * in a software backlog, for queue_resume to post).
	 */
	RTE_DMA_DOMAIN_QUEUE_PARKED,
	/** First burst after a pause ended: the queue runs again; a driver
	 * that keeps a backlog while parked posts what is left of it
	 * before the packets of this burst, then calls
	 * rte_dma_domain_queue_resumed_clear() once the backlog is empty
	 * (until then every burst gets RESUMED again).
	 */
	RTE_DMA_DOMAIN_QUEUE_RESUMED,
};

/**
 * rte_dma_domain_queue_ack() for drivers that keep packets while parked:
 * the same protocol (puts an armed queue online, acknowledges), and it
 * also tells the first burst after a pause that the pause ended, so that
 * packets a parked burst accepted after queue_resume ran are not stranded.
 * Slow path only; the hot path stays rte_dma_domain_queue_pause_pending().
 * Call it from the thread that polls the queue.
 *
 * @param q
 *   The queue handle of the burst.
 * @return
 *   RTE_DMA_DOMAIN_QUEUE_PARKED: do not touch the ring this call;
 *   RTE_DMA_DOMAIN_QUEUE_RESUMED: the pause ended, post the backlog first
 *   (and call rte_dma_domain_queue_resumed_clear() once it is empty);
 *   RTE_DMA_DOMAIN_QUEUE_RUN: go on with the burst.
 */
__rte_internal
enum rte_dma_domain_queue_state rte_dma_domain_queue_ack_state(struct rte_dma_domain_queue *q);

/**
 * A burst that got RTE_DMA_DOMAIN_QUEUE_PARKED kept packets (after it
 * stored them where dev_ops.queue_unpark finds them). Slow path, from the
 * thread that polls the queue (one compare-and-swap).
 *
 * @param q
 *   The queue handle of the burst.
 * @return
 *   true: the queue is still parked, and queue_unpark will be
 *   called before it runs again (it posts them); false: the pause ended
 *   meanwhile, queue_unpark will not run for them - the caller, the
 *   queue's consumer again, posts them itself now.
 */
__rte_internal
bool rte_dma_domain_queue_kept(struct rte_dma_domain_queue *q);

/**
 * End of the RESUMED state (see rte_dma_domain_queue_ack_state()): the
 * driver's backlog is empty, later bursts take the fast path. Polling
 * thread only.
 *
 * @param q
 *   The queue handle of the burst.
 */
__rte_internal
void rte_dma_domain_queue_resumed_clear(struct rte_dma_domain_queue *q);

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMA_DOMAIN_DRIVER_H */
