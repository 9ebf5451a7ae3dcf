/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The queues' side of the replace protocol: pause requests (the PARK /
 * REPORT handshake with the controller), the burst-side participation
 * (rte_dma_domain_queue_ack() and friends, called by the PMDs' bursts),
 * and acknowledgments through rte_rcu_qsbr (one QSBR thread id per queue;
 * offline queues count as quiescent). Moved out of dma_domain_binding.c;
 * the bits of pause_req are in dma_domain_private.h.
 */

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "dma_domain_private.h"
#include "dma_domain_test.h"
#include "dma_domain_trace.h"

struct rte_dma_domain_queue *
rte_dma_domain_queue_get(struct rte_dma_domain_binding *b, uint16_t qid)
{
	if (b == NULL || qid >= b->nb_queues)
		return NULL;
	return &b->queues[qid];
}

/*
 * Queues that go online at their first burst (rte_dma_domain_queue_arm()).
 *
 * A PMD cannot know which of its started queues the application polls
 * (testpmd's rxonly mode never calls tx_burst): a queue marked online but
 * never polled never acknowledges, and every swap times out. An armed
 * queue stays offline - a quiescent QSBR thread, so swaps do not wait for
 * it - until its first burst call, which puts it online from the slow path.
 * The hot path keeps its single load of pause_req: ARMED is a bit of
 * pause_req, so that load sends the first burst to rte_dma_domain_queue_ack().
 *
 * The race to close: the first burst of an armed queue against a swap that
 * saw the queue offline and went on to quiesce and switch. Both sides write
 * one variable and then read the other's, with a seq_cst fence in between
 * (Dekker):
 *
 *   controller (dd_queues_request)      poller (first burst, queue_ack)
 *   OR PARK/REPORT into pause_req        qsbr_thread_online: store cnt,
 *   seq_cst fence                          seq_cst fence
 *   qsbr_start + qsbr_check: load cnt    clear ARMED, re-load pause_req
 *
 * The two fences are ordered one way or the other, so at least one side
 * sees the other's write:
 *  - the controller sees the queue online with a counter older than its
 *    token: it waits for the queue's report, which the poller gives only
 *    at a burst boundary after it saw the request (this burst or a later
 *    one); whatever the poller did before is over by then;
 *  - the controller sees it online with the new token (the poller read
 *    the token after qsbr_start; the fences then synchronise and the
 *    re-load sees the request), or does not see it online at all (the
 *    re-load is ordered after the controller's fence): either way the
 *    poller's re-load sees PARK, and the burst parks before touching the
 *    ring.
 * Without the re-load (deciding on the first load) the burst would run on
 * a queue the controller counts as parked.
 *
 * Each side changes only its own bits with an atomic RMW: a plain store of
 * PARK by the controller would erase ARMED (the queue would never go
 * online, and would run unacknowledged), and a plain store by the poller
 * would erase a request. RMWs are slow-path only: the burst that pays for
 * one is the first of an armed queue, or one that saw a request.
 */

/*
 * The end of a pause (RESUMED). A parked tx burst may keep the packets it
 * is given in a backlog of the driver (dropping them would end the loop
 * of an application that transmits only what it received); the
 * driver's queue_resume posts that backlog, but the poller is still
 * parked until the controller clears PARK and may append more. The first
 * burst after the pause must post those before its own packets, so it
 * must take the slow path once more: the parked burst sets RESUMED (its
 * own bit, one RMW per pause: the first parked burst) while PARK is still
 * set, and the poller clears it once its backlog is empty. Only queues
 * that parked get the extra slow-path burst; ARMED/PARK/REPORT and the
 * handshake above are unchanged (RESUMED alone never parks anything).
 */

/* First burst of an armed queue: online, then the re-load of the Dekker
 * handshake above. Returns pause_req as loaded after the fence.
 */
static uint32_t
queue_first_burst(struct rte_dma_domain_binding *b, struct rte_dma_domain_queue *q)
{
	/* online before the QSBR counter, both before the seq_cst fence
	 * that thread_online ends with: a controller that reads online as
	 * 0 after its request (dd_queues_request()) is answered by the
	 * re-load below, which then sees the request (Dekker)
	 */
	rte_atomic_store_explicit(&b->qstate[q->qid].online, 1, rte_memory_order_release);
	rte_rcu_qsbr_thread_online(b->qsbr, q->qid);
	rte_atomic_fetch_and_explicit(&q->pause_req, ~DD_PAUSE_ARMED, rte_memory_order_release);
	return rte_atomic_load_explicit(&q->pause_req, rte_memory_order_acquire);
}

/* Acknowledge the current request: report the QSBR token. A queue that
 * is not online is not a QSBR reader (reporting would make it one);
 * tests may mute one queue (INJECT_ACK).
 */
static void
queue_report(struct rte_dma_domain_binding *b, struct rte_dma_domain_queue *q)
{
	struct dd_queue_state *qs = &b->qstate[q->qid];

	if (!rte_atomic_load_explicit(&qs->online, rte_memory_order_relaxed) ||
			rte_atomic_load_explicit(&b->mute_qid, rte_memory_order_relaxed) == q->qid)
		return;
	if (rte_atomic_load_explicit(&qs->ack_tsc, rte_memory_order_relaxed) == 0)
		rte_atomic_store_explicit(&qs->ack_tsc, dd_now_ns(), rte_memory_order_relaxed);
	rte_rcu_qsbr_quiescent(b->qsbr, q->qid);
}

/*
 * The slow path of a burst. Model: tests/model/handshake.pml (the step
 * labels there are these functions), checked exhaustively by spin in the
 * unit suite.
 *
 * The decision is made on pause_req as loaded AFTER the report, never on
 * the value that sent the burst here. rte_rcu_qsbr_quiescent() reports
 * the token current at its acquire load, whichever request it belongs
 * to: with a report-only request loaded (REPORT: a hitless grace period,
 * or queues_repark()'s drain round), the controller may have released
 * it and asked for a PARK since, and the token we report is then the
 * PARK's. The controller's order is: OR PARK, fence, token increment
 * (release); our acquire load of that token therefore makes the PARK
 * visible to the re-load below. So: whatever token we reported, if it
 * answers a PARK, the re-load sees PARK and the burst parks. Deciding on
 * the first load would run the burst on a queue the controller counts as
 * parked (walk, queue_quiesce, switch) - the model's SINGLE_LOAD variant,
 * for which spin finds exactly that trace.
 */
enum rte_dma_domain_queue_state
rte_dma_domain_queue_ack_state(struct rte_dma_domain_queue *q)
{
	struct rte_dma_domain_binding *b = q->binding;
	uint32_t req = rte_atomic_load_explicit(&q->pause_req, rte_memory_order_acquire);

	if (req & DD_PAUSE_ARMED)
		req = queue_first_burst(b, q);
	if (req & DD_PAUSE_REQ) {
		dd_test_ack_point(b, q->qid);
		queue_report(b, q);
		req = rte_atomic_load_explicit(&q->pause_req, rte_memory_order_acquire);
	}
	if (req & DD_PAUSE_PARK) {
		/* Before the caller keeps anything: whatever this burst
		 * keeps is posted by a later RESUMED burst, also when the
		 * controller clears PARK right now. PARKED: this queue is
		 * parked on this PARK (see DD_PAUSE_PARKED).
		 */
		if ((req & (DD_PAUSE_RESUMED | DD_PAUSE_PARKED)) !=
				(DD_PAUSE_RESUMED | DD_PAUSE_PARKED))
			rte_atomic_fetch_or_explicit(&q->pause_req,
				DD_PAUSE_RESUMED | DD_PAUSE_PARKED, rte_memory_order_acq_rel);
		return RTE_DMA_DOMAIN_QUEUE_PARKED;
	}
	return (req & DD_PAUSE_RESUMED) ? RTE_DMA_DOMAIN_QUEUE_RESUMED :
		RTE_DMA_DOMAIN_QUEUE_RUN;
}

/*
 * Packets a parked burst kept must not wait for another burst call (the
 * application may transmit only what it receives, and receive nothing
 * until they go out). The controller posts them (queue_unpark) before it
 * clears PARK; what a burst keeps after that call is announced with
 * KEPT, set only while PARK is still set (CAS): then the controller's
 * release, a CAS too, fails, and it calls queue_unpark again. A burst
 * whose CAS finds PARK cleared is past the controller's last call and
 * posts what it kept itself (it is the consumer again).
 */
bool
rte_dma_domain_queue_kept(struct rte_dma_domain_queue *q)
{
	uint32_t old = rte_atomic_load_explicit(&q->pause_req, rte_memory_order_acquire);

	do {
		if (!(old & DD_PAUSE_PARK))
			return false;
		if (old & DD_PAUSE_KEPT)
			return true;
	} while (!rte_atomic_compare_exchange_strong_explicit(&q->pause_req, &old,
			old | DD_PAUSE_KEPT, rte_memory_order_acq_rel, rte_memory_order_acquire));
	return true;
}

void
rte_dma_domain_queue_resumed_clear(struct rte_dma_domain_queue *q)
{
	rte_atomic_fetch_and_explicit(&q->pause_req, ~(DD_PAUSE_RESUMED | DD_PAUSE_PARKED),
		rte_memory_order_release);
	/* slow path: once per queue and pause (dma_domain_trace.h) */
	rte_dma_domain_trace_queue_resumed(q->binding->name, q->qid);
}

/* For drivers without a backlog: nothing to post when resumed. */
bool
rte_dma_domain_queue_ack(struct rte_dma_domain_queue *q)
{
	switch (rte_dma_domain_queue_ack_state(q)) {
	case RTE_DMA_DOMAIN_QUEUE_PARKED:
		return true;
	case RTE_DMA_DOMAIN_QUEUE_RESUMED:
		rte_dma_domain_queue_resumed_clear(q);
		return false;
	default:
		return false;
	}
}

void
rte_dma_domain_queue_online(struct rte_dma_domain_queue *q)
{
	struct rte_dma_domain_binding *b = q->binding;

	/* the order of queue_first_burst() */
	rte_atomic_store_explicit(&b->qstate[q->qid].online, 1, rte_memory_order_release);
	rte_rcu_qsbr_thread_online(b->qsbr, q->qid);
	/* online now: the first burst has nothing left to do */
	rte_atomic_fetch_and_explicit(&q->pause_req, ~DD_PAUSE_ARMED, rte_memory_order_release);
}

void
rte_dma_domain_queue_offline(struct rte_dma_domain_queue *q)
{
	struct rte_dma_domain_binding *b = q->binding;

	/* not polled any more: nothing to post at a next burst (the driver
	 * discards its backlog when it stops the queue)
	 */
	rte_atomic_fetch_and_explicit(&q->pause_req,
			~(DD_PAUSE_ARMED | DD_PAUSE_RESUMED | DD_PAUSE_PARKED),
					rte_memory_order_release);
	rte_atomic_store_explicit(&b->qstate[q->qid].online, 0, rte_memory_order_release);
	rte_rcu_qsbr_thread_offline(b->qsbr, q->qid);
}

void
rte_dma_domain_queue_arm(struct rte_dma_domain_queue *q)
{
	struct rte_dma_domain_binding *b = q->binding;

	rte_atomic_store_explicit(&b->qstate[q->qid].online, 0, rte_memory_order_release);
	rte_rcu_qsbr_thread_offline(b->qsbr, q->qid);
	rte_atomic_fetch_or_explicit(&q->pause_req, DD_PAUSE_ARMED, rte_memory_order_acq_rel);
}

bool
rte_dma_domain_queue_is_online(const struct rte_dma_domain_queue *q)
{
	return rte_atomic_load_explicit(&q->binding->qstate[q->qid].online,
			rte_memory_order_acquire) != 0;
}

bool
rte_dma_domain_queue_is_armed(const struct rte_dma_domain_queue *q)
{
	return (rte_atomic_load_explicit(&q->pause_req,
			rte_memory_order_acquire) & DD_PAUSE_ARMED) != 0;
}

struct rte_dma_domain_binding *
dd_binding_of_queue(struct rte_dma_domain_queue *q)
{
	return q->binding;
}

/*
 * Every queue parked on the current PARK, or not online: the other way
 * a PARK request is answered (DD_PAUSE_PARKED). A queue read as not
 * online went online after the request, if at all, and its first burst's
 * re-load sees the PARK (queue_first_burst(): online store, fence,
 * re-load against the request's RMW, fence, this load).
 */
static bool
queues_all_parked(struct rte_dma_domain_binding *b)
{
	uint16_t i;

	for (i = 0; i < b->nb_queues; i++)
		if (rte_atomic_load_explicit(&b->qstate[i].online, rte_memory_order_acquire) &&
				!(rte_atomic_load_explicit(&b->queues[i].pause_req,
					rte_memory_order_acquire) & DD_PAUSE_PARKED))
			return false;
	return true;
}

/*
 * A grace period that did not end although every online queue has
 * acknowledged a request since it began (a report of an older token, then
 * no burst): log what each queue shows, for the bug report.
 */
static void
queues_log_state(struct rte_dma_domain_binding *b, uint64_t token)
{
	uint16_t i;

	DD_LOG(ERR, "binding '%s': grace period for token %" PRIu64 " did not end, yet no online queue lacks an acknowledgment; queue states follow",
		b->name, token);
	for (i = 0; i < b->nb_queues; i++)
		DD_LOG(ERR, "binding '%s': queue %u: online %u, first ack %" PRIu64 " ns, pause_req 0x%x",
			b->name, i,
			rte_atomic_load_explicit(&b->qstate[i].online, rte_memory_order_acquire),
			rte_atomic_load_explicit(&b->qstate[i].ack_tsc, rte_memory_order_relaxed),
			rte_atomic_load_explicit(&b->queues[i].pause_req,
					rte_memory_order_acquire));
}

/*
 * Add req to every queue's pause_req and wait until every online queue
 * has acknowledged (QSBR grace period), yielding the CPU in the loop: the
 * pollers may share our core. -ETIMEDOUT with *first_missing = the first
 * queue that did not acknowledge.
 */
int
dd_queues_request(struct rte_dma_domain_binding *b, uint16_t nq, uint32_t req,
		uint32_t timeout_us, uint32_t *first_missing)
{
	uint64_t deadline;
	uint64_t token;
	uint16_t i;

	for (i = 0; i < nq; i++) {
		uint32_t __rte_atomic *w = &b->queues[i].pause_req;
		uint32_t old;

		rte_atomic_store_explicit(&b->qstate[i].ack_tsc, 0, rte_memory_order_relaxed);
		if (!(req & DD_PAUSE_PARK)) {
			/* OR, not a store: ARMED is the queue's bit */
			rte_atomic_fetch_or_explicit(w, req, rte_memory_order_acq_rel);
			continue;
		}
		/* PARK and the end of an earlier PARKED in one RMW: a late
		 * PARKED of a burst that parked on an earlier PARK then
		 * lands while this PARK is set (that burst is parked too,
		 * and the next one sees this PARK)
		 */
		old = rte_atomic_load_explicit(w, rte_memory_order_relaxed);
		while (!rte_atomic_compare_exchange_weak_explicit(w, &old,
				(old & ~DD_PAUSE_PARKED) | req,
				rte_memory_order_acq_rel, rte_memory_order_relaxed))
			;
	}
	if (b->nb_queues == 0)
		return 0;
	/* The requests before the loads of the QSBR counters: our half of
	 * the handshake with an armed queue's first burst (see above
	 * rte_dma_domain_queue_ack()).
	 */
	RTE_DMA_DOMAIN_FENCE_SEQ_CST();
	token = rte_rcu_qsbr_start(b->qsbr);
	deadline = dd_now_ns() + (uint64_t)timeout_us * 1000;
	while (rte_rcu_qsbr_check(b->qsbr, token, false) == 0) {
		if ((req & DD_PAUSE_PARK) && queues_all_parked(b))
			break;
		if (dd_now_ns() > deadline) {
			*first_missing = UINT32_MAX;
			for (i = 0; i < b->nb_queues; i++) {
				if (rte_atomic_load_explicit(&b->qstate[i].online,
						rte_memory_order_acquire) &&
						rte_atomic_load_explicit(&b->qstate[i].ack_tsc,
							rte_memory_order_relaxed) == 0) {
					*first_missing = i;
					break;
				}
			}
			if (*first_missing == UINT32_MAX)
				queues_log_state(b, token);
			return -ETIMEDOUT;
		}
		sched_yield();
	}
	return 0;
}

/*
 * Clear the requests only (an armed queue stays armed), after the driver
 * posted what a parked poller kept: see rte_dma_domain_queue_kept(). The
 * loop of a queue ends once a whole queue_unpark call ran with no new
 * KEPT. A poller that keeps again after every call (a max-rate tx-only
 * loop) would hold it forever: past deadline_ns the queue gets one more
 * queue_unpark, then its requests and KEPT are cleared whatever the
 * poller does. What it kept after that last call stays in its backlog
 * and goes out at its next burst (RESUMED, set by its first parked burst
 * and cleared only once the backlog is empty), as packets the ring had no
 * room for do; what it keeps after the clear it posts itself (its
 * rte_dma_domain_queue_kept() finds PARK cleared). Nothing is lost.
 */
uint32_t
dd_queues_release(struct rte_dma_domain_binding *b, uint16_t nq, uint64_t deadline_ns)
{
	uint32_t overruns = 0;
	uint16_t i;

	for (i = 0; i < nq; i++) {
		uint32_t __rte_atomic *w = &b->queues[i].pause_req;
		uint32_t old = rte_atomic_load_explicit(w, rte_memory_order_acquire);

		for (;;) {
			if (old & DD_PAUSE_KEPT) {
				rte_atomic_fetch_and_explicit(w, ~DD_PAUSE_KEPT,
						rte_memory_order_release);
				/* the acquire load that saw KEPT ordered what
				 * the poller kept before this call
				 */
				if (b->ops.queue_unpark != NULL)
					b->ops.queue_unpark(b->drv_arg, i);
				if (dd_now_ns() > deadline_ns) {
					old = rte_atomic_fetch_and_explicit(w,
						~(DD_PAUSE_REQ | DD_PAUSE_KEPT),
								rte_memory_order_release);
					overruns++;
					DD_LOG(WARNING, "binding '%s': queue %u kept packets again after every queue_unpark until the timeout; released anyway (%s)",
						b->name, i, (old & DD_PAUSE_KEPT) ?
						"its next burst posts the rest" :
						"nothing left to post");
					break;
				}
				old = rte_atomic_load_explicit(w, rte_memory_order_acquire);
				continue;
			}
			if (rte_atomic_compare_exchange_strong_explicit(w, &old,
					old & ~DD_PAUSE_REQ, rte_memory_order_acq_rel,
							rte_memory_order_acquire))
				break;
		}
	}
	return overruns;
}

void
dd_queues_unstrand(struct rte_dma_domain_binding *b)
{
	uint16_t i;

	/* offline queues (the caller checked): nobody reads these bits
	 * until the queue is armed or put online again
	 */
	for (i = 0; i < b->nb_queues; i++)
		rte_atomic_fetch_and_explicit(&b->queues[i].pause_req,
				~(DD_PAUSE_REQ | DD_PAUSE_KEPT | DD_PAUSE_RESUMED |
				  DD_PAUSE_PARKED), rte_memory_order_release);
}

uint64_t
dd_queues_max_parked(struct rte_dma_domain_binding *b, uint16_t nq, uint64_t end_ns)
{
	uint64_t mx = 0;
	uint16_t i;

	for (i = 0; i < nq; i++) {
		uint64_t t = rte_atomic_load_explicit(&b->qstate[i].ack_tsc,
				rte_memory_order_relaxed);

		if (t != 0 && end_ns > t && end_ns - t > mx)
			mx = end_ns - t;
	}
	return mx;
}
