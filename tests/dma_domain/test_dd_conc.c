/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Concurrency cases: a DMA thread (pthread) acting as the poller of the
 * binding's queues hammers the posted buffers through rte_dma_domain_soft_write/
 * read while the main thread replaces the binding's domain between two
 * domains thousands of times. Two busy threads in all, and every wait
 * yields (design guide, "Why the Waits Yield").
 *
 *   quiesce_vtd     quiesce + VT-d model: 0 faults, every swap succeeds
 *   hitless_vtd     hitless forced on VT-d: faults > 0 (the hazard is real)
 *   hitless_atomic  hitless + atomic model: 0 faults
 *   inject_live     every injection point under live DMA: rolled back,
 *                   on the old domain, 0 buffers lost
 *   drain_inflight  a buffer in flight outside the target domain: the
 *                   parked check refuses (queues run on), and with drain
 *                   the swap waits until the poller retires it
 *   arm_race        an armed queue whose first burst races with swaps:
 *                   it never does work while the swap counts it parked
 *   ack_race        a poller delayed between its load of a report-only
 *                   request and its report (test hook) while the next
 *                   swap asks for a PARK: the burst must park; the
 *                   detector is in the poller (a burst that runs while
 *                   the controller counts the queue parked)
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <rte_log.h>

#include "tdd.h"
#include "dma_domain_test.h"

#define M2 0x200000ull
#define NQ 2
#define RUN_NS 2000000000ull
#define MAX_SWAPS 3000

static struct rte_dma_domain_ctx *ctx;
static char *mem;
static struct fake_drv f;
static volatile int stop_flag;
static uint64_t dma_ok, dma_fault, dma_parked, dma_bad;
/* Running bursts until the poller retires the in-flight buffer (0: never). */
static uint64_t retire_bursts;

/* The poller: for each queue, a burst = check pause, then DMA into one
 * posted buffer (write a pattern, read it back).
 */
static void *
dma_thread(void *arg)
{
	struct rte_dma_domain_queue *q[NQ];
	uint32_t i, n = 0, k;
	uint64_t v, r;
	bool retire_armed = false;

	RTE_SET_USED(arg);
	for (k = 0; k < NQ; k++) {
		q[k] = rte_dma_domain_queue_get(f.b, k);
		rte_dma_domain_queue_online(q[k]);
	}
	while (!__atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE)) {
		bool parked = false;

		for (k = 0; k < NQ; k++) {
			if (rte_dma_domain_queue_pause_pending(q[k]) &&
					rte_dma_domain_queue_ack(q[k])) {
				parked = true;
				continue;
			}
			/* only posted buffers may be DMA targets */
			if (__atomic_load_n(&f.q[k].posted, __ATOMIC_ACQUIRE) == 0) {
				dma_bad++; /* running with nothing posted */
				continue;
			}
			i = n++ % FAKE_BUFS;
			v = ((uint64_t)k << 56) | n;
			if (rte_dma_domain_soft_write(f.b, f.q[k].iova[i], &v, sizeof(v)) != 0 ||
					rte_dma_domain_soft_read(f.b, f.q[k].iova[i], &r,
							sizeof(r)) != 0) {
				__atomic_fetch_add(&dma_fault, 1, __ATOMIC_RELAXED);
				continue;
			}
			if (r != v)
				dma_bad++;
			__atomic_fetch_add(&dma_ok, 1, __ATOMIC_RELAXED);
		}
		if (parked) {
			dma_parked++;
			/* count bursts from the first pause after arming on:
			 * the first parked walk still sees the buffer
			 */
			retire_armed = __atomic_load_n(&retire_bursts, __ATOMIC_RELAXED) != 0;
			sched_yield();
		} else if (retire_armed) {
			/* a tx completion reclaimed in a burst */
			uint64_t r = __atomic_load_n(&retire_bursts, __ATOMIC_RELAXED);

			if (r != 0 && __atomic_load_n(&f.inflight_len, __ATOMIC_RELAXED) != 0) {
				if (r == 1)
					__atomic_store_n(&f.inflight_len, 0, __ATOMIC_RELAXED);
				__atomic_store_n(&retire_bursts, r - 1, __ATOMIC_RELAXED);
			}
		}
	}
	for (k = 0; k < NQ; k++)
		rte_dma_domain_queue_offline(q[k]);
	return NULL;
}

struct run_result {
	uint64_t swaps, failed, faults, dma_ok;
	char reason[128]; /* of the last failure */
};

/* Replace between a and b until time or MAX_SWAPS runs out. */
static void
run(enum rte_dma_domain_soft_replace_model model, uint64_t window_ns,
		enum rte_dma_domain_strategy s, struct run_result *res)
{
	/* generous timeout: scheduler hiccups (TSan, shared cores) are not
	 * what these cases test; a timeout would still be a failure
	 */
	struct rte_dma_domain_replace_opts o = {
		.strategy = s, .force = true, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain *d[2];
	pthread_t t;
	uint64_t end;
	uint32_t i;

	memset(res, 0, sizeof(*res));
	tdd_soft_model(model, window_ns, false);
	tdd_two_domains(ctx, mem, &d[0], &d[1], "conc-a", "conc-b");
	TH_CHECK_RC(fake_bind(&f, "conc-dev", NQ, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, d[0]), 0);
	stop_flag = 0;
	dma_ok = dma_fault = dma_parked = dma_bad = 0;
	pthread_create(&t, NULL, dma_thread, NULL);
	/* let the DMA thread start */
	while (__atomic_load_n(&dma_ok, __ATOMIC_RELAXED) == 0)
		sched_yield();
	end = th_now_ns() + RUN_NS;
	for (i = 0; i < MAX_SWAPS && th_now_ns() < end; i++) {
		struct rte_dma_domain *to = d[(i + 1) & 1];

		if (rte_dma_domain_binding_domain(f.b) == to)
			to = d[i & 1];
		if (rte_dma_domain_replace(f.b, to, &o) == 0) {
			res->swaps++;
		} else {
			res->failed++;
			rte_dma_domain_last_swap(f.b, &rec);
			snprintf(res->reason, sizeof(res->reason), "%s", rec.reason);
		}
		sched_yield(); /* give the poller its turn between swaps */
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	res->faults = rte_dma_domain_soft_fault_count(f.b);
	res->dma_ok = dma_ok;
	{
		struct rte_dma_domain_stats st;

		/* information: faults of rollback switches, failed pauses */
		if (rte_dma_domain_stats_get(f.b, &st) == 0 &&
				(st.rollback_faults != 0 || st.failed_pauses != 0))
			printf("  %" PRIu64 " of the faults after rollback switches; %" PRIu64
				" failed pauses (max %" PRIu64 " ns)\n", st.rollback_faults,
				st.failed_pauses, st.failed_pause_max_ns);
	}
	printf("  %s/%s: %" PRIu64 " swaps, %" PRIu64 " failed, %" PRIu64 " faults, %"
		PRIu64 " DMA ok, %" PRIu64 " parked polls%s%s\n",
		model == RTE_DMA_DOMAIN_SOFT_REPLACE_VTD ? "vtd" : "atomic",
		rte_dma_domain_strategy_name(s), res->swaps, res->failed, res->faults,
		res->dma_ok, dma_parked, res->failed ? "; last failure: " : "", res->reason);
	TH_CHECK(dma_bad == 0, "DMA while nothing posted / corrupted: %" PRIu64, dma_bad);
	TH_CHECK(f.bad_quiesce == 0, "quiesce before the poller parked");
	TH_CHECK(fake_buffers(&f) == NQ * FAKE_BUFS, "buffers lost: %u of %u",
		fake_buffers(&f), NQ * FAKE_BUFS);
	TH_CHECK(res->dma_ok > 0, "no DMA happened");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(d[0]), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(d[1]), 0);
}

/* A run that must be clean: no fault, no failed swap, more than 100 swaps. */
static int
run_clean(enum rte_dma_domain_soft_replace_model model, uint64_t window_ns,
		enum rte_dma_domain_strategy s, const char *what)
{
	struct run_result r;

	run(model, window_ns, s, &r);
	TH_CHECK(r.faults == 0, "%" PRIu64 " faults under %s", r.faults, what);
	TH_CHECK(r.failed == 0 && r.swaps > 100, "swaps %" PRIu64 " failed %" PRIu64,
		r.swaps, r.failed);
	return 0;
}

static int
case_quiesce_vtd(void)
{
	return run_clean(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 20000, RTE_DMA_DOMAIN_STRATEGY_QUIESCE,
		"quiesce");
}

static int
case_hitless_vtd(void)
{
	struct run_result r;

	/* a window long enough to sleep in: the DMA thread runs in it even
	 * when it shares the controller's core
	 */
	run(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 100000, RTE_DMA_DOMAIN_STRATEGY_HITLESS, &r);
	TH_CHECK(r.faults > 0, "forced hitless on VT-d showed no fault in %" PRIu64
		" swaps: the hazard check cannot fail?", r.swaps + r.failed);
	TH_CHECK(r.failed > 0, "faults seen but no swap failed (confirm step)");
	return 0;
}

static int
case_hitless_atomic(void)
{
	return run_clean(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, RTE_DMA_DOMAIN_STRATEGY_HITLESS,
		"atomic hitless");
}

/* Every injection point with the poller running. */
static int
case_inject_live(void)
{
	static const enum rte_dma_domain_inject pts[] = {
		RTE_DMA_DOMAIN_INJECT_COVERAGE, RTE_DMA_DOMAIN_INJECT_ACK,
		RTE_DMA_DOMAIN_INJECT_QUIESCE, RTE_DMA_DOMAIN_INJECT_SWITCH,
		RTE_DMA_DOMAIN_INJECT_FAULT, RTE_DMA_DOMAIN_INJECT_RESUME,
		RTE_DMA_DOMAIN_INJECT_SWITCH_BACK,
	};
	static const enum rte_dma_domain_strategy strat[] = {
		RTE_DMA_DOMAIN_STRATEGY_QUIESCE, RTE_DMA_DOMAIN_STRATEGY_REMAP,
	};
	struct rte_dma_domain *a, *b;
	struct rte_dma_domain_swap_record rec;
	pthread_t t;
	unsigned int i, j, round;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 5000, false);
	tdd_two_domains(ctx, mem, &a, &b, "inj-a", "inj-b");
	TH_CHECK_RC(fake_bind(&f, "inj-dev", NQ, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	stop_flag = 0;
	dma_ok = dma_fault = dma_bad = 0;
	pthread_create(&t, NULL, dma_thread, NULL);
	while (__atomic_load_n(&dma_ok, __ATOMIC_RELAXED) == 0)
		sched_yield();
	for (round = 0; round < 20; round++) {
		for (j = 0; j < RTE_DIM(strat); j++) {
			for (i = 0; i < RTE_DIM(pts); i++) {
				/* default (100 ms) timeout: scheduler hiccups of
				 * several ms happen here; only the ACK injection,
				 * which must time out, gets a short one
				 */
				struct rte_dma_domain_replace_opts o = {
					.strategy = strat[j],
					.timeout_us = pts[i] == RTE_DMA_DOMAIN_INJECT_ACK ?
						20000 : 0,
				};
				struct rte_dma_domain *old = rte_dma_domain_binding_domain(f.b);
				struct rte_dma_domain *to = old == a ? b : a;
				int rc;

				rte_dma_domain_inject(f.b, pts[i]);
				rc = rte_dma_domain_replace(f.b, to, &o);
				rte_dma_domain_last_swap(f.b, &rec);
				TH_CHECK(rc < 0 && rte_dma_domain_binding_domain(f.b) == old,
					"%s inject %d: rc %d, on %s",
					rte_dma_domain_strategy_name(strat[j]), pts[i], rc,
					rte_dma_domain_name(rte_dma_domain_binding_domain(f.b)));
				TH_CHECK(strstr(rec.reason, "injected") != NULL, "reason '%s'",
					rec.reason);
				TH_CHECK(fake_buffers(&f) == NQ * FAKE_BUFS, "lost buffers");
				/* a clean swap in between */
				o.timeout_us = 0;
				TH_CHECK_RC(rte_dma_domain_replace(f.b, to, &o), 0);
			}
		}
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("  %" PRIu64 " DMA ok, %" PRIu64 " faults\n", dma_ok,
		rte_dma_domain_soft_fault_count(f.b));
	TH_CHECK(rte_dma_domain_soft_fault_count(f.b) == 0, "faults under quiesce with rollbacks");
	TH_CHECK(dma_bad == 0 && f.bad_quiesce == 0, "DMA outside posted buffers");
	TH_CHECK(fake_buffers(&f) == NQ * FAKE_BUFS, "buffers lost");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

static int
case_drain_inflight(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain *a, *b;
	pthread_t t;
	uint64_t ok0;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 5000, false);
	tdd_two_domains(ctx, mem, &a, &b, "drain-a", "drain-b");
	/* the in-flight buffer: in a only */
	TH_CHECK_RC(rte_dma_domain_map(a, 0x500000, mem, 0x1000, RTE_DMA_DOMAIN_ACCESS_READ), 0);
	TH_CHECK_RC(fake_bind(&f, "drain-dev", NQ, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	f.inflight_iova = 0x500000;
	__atomic_store_n(&f.inflight_len, 0x1000, __ATOMIC_RELAXED);
	__atomic_store_n(&retire_bursts, 0, __ATOMIC_RELAXED);
	stop_flag = 0;
	dma_ok = dma_fault = dma_parked = dma_bad = 0;
	pthread_create(&t, NULL, dma_thread, NULL);
	while (__atomic_load_n(&dma_ok, __ATOMIC_RELAXED) == 0)
		sched_yield();

	/* no drain: refused after the pause, before any quiesce */
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -ERANGE);
	rte_dma_domain_last_swap(f.b, &rec);
	printf("  no drain: %s\n", rec.reason);
	TH_CHECK(strstr(rec.reason, "in flight") != NULL && !rec.rolled_back, "reason '%s'",
		rec.reason);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == a && f.q[0].quiesce_calls == 0,
		"state changed");
	/* the queues run again */
	ok0 = __atomic_load_n(&dma_ok, __ATOMIC_RELAXED);
	while (__atomic_load_n(&dma_ok, __ATOMIC_RELAXED) < ok0 + 100)
		sched_yield();

	/* drain: the poller retires the buffer after 50 running bursts */
	f.walks[1] = 0;
	__atomic_store_n(&retire_bursts, 50, __ATOMIC_RELAXED);
	o.drain = true;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	rte_dma_domain_last_swap(f.b, &rec);
	printf("  drain: %" PRIu64 " parked walks, pause %" PRIu64 " ns%s%s\n",
		f.walks[1], rec.pause_ns, rec.reason[0] ? ": " : "", rec.reason);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == b, "not moved");
	TH_CHECK(f.walks[1] >= 2, "drain did not wait (%" PRIu64 " parked walks)", f.walks[1]);

	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	TH_CHECK(rte_dma_domain_soft_fault_count(f.b) == 0, "faults");
	TH_CHECK(dma_bad == 0 && f.bad_quiesce == 0 && f.bad_walk == 0,
		"DMA outside posted buffers, or a walk/quiesce with a queue running");
	TH_CHECK(fake_buffers(&f) == NQ * FAKE_BUFS, "buffers lost");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

/*
 * arm_race: queue 0 is polled all along; queue 1 is armed by the control
 * thread (as a PMD's dev_start does) and the poller starts polling it at a
 * moment that varies against the swap started right after, so its first
 * burst lands before, during or after the pause. Work done on queue 1 while
 * the library counts it parked (from the parked walk to the first resume)
 * or while its buffers are reclaimed is a failure. Then the poller takes
 * the queue offline again, and the next round re-arms it.
 */
static uint32_t q1_go, q1_stop;     /* control -> poller */
static uint64_t q1_first_parked;    /* first bursts that parked */
static uint64_t q1_first_bursts, q1_work, q1_bad;

static void *
arm_poller(void *arg)
{
	struct rte_dma_domain_queue *q0 = rte_dma_domain_queue_get(f.b, 0);
	struct rte_dma_domain_queue *q1 = rte_dma_domain_queue_get(f.b, 1);
	bool polling1 = false, first = false;
	uint64_t v, r, n = 0;

	RTE_SET_USED(arg);
	rte_dma_domain_queue_online(q0);
	while (!__atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE)) {
		bool parked = false;

		n++;
		if (__atomic_load_n(&q1_stop, __ATOMIC_ACQUIRE)) {
			if (polling1)
				rte_dma_domain_queue_offline(q1);
			polling1 = false;
			__atomic_store_n(&q1_stop, 0, __ATOMIC_RELEASE);
		} else if (!polling1 && __atomic_load_n(&q1_go, __ATOMIC_ACQUIRE)) {
			polling1 = first = true;
			q1_first_bursts++;
		}
		/* queue 0: the steady poller */
		if (rte_dma_domain_queue_pause_pending(q0) && rte_dma_domain_queue_ack(q0)) {
			parked = true;
		} else {
			v = n;
			if (__atomic_load_n(&f.q[0].posted, __ATOMIC_ACQUIRE) == 0 ||
					rte_dma_domain_soft_write(f.b, f.q[0].iova[n % FAKE_BUFS],
							&v,
						sizeof(v)) != 0)
				dma_bad++;
			else
				__atomic_fetch_add(&dma_ok, 1, __ATOMIC_RELAXED);
		}
		/* queue 1: armed, polled from some moment on */
		if (polling1) {
			if (rte_dma_domain_queue_pause_pending(q1) &&
					rte_dma_domain_queue_ack(q1)) {
				if (first)
					q1_first_parked++;
				parked = true;
			} else {
				if (__atomic_load_n(&f.parked_phase, __ATOMIC_ACQUIRE) ||
						__atomic_load_n(&f.q[1].posted,
								__ATOMIC_ACQUIRE) == 0)
					q1_bad++;
				v = n | (1ull << 63);
				if (rte_dma_domain_soft_write(f.b, f.q[1].iova[n % FAKE_BUFS], &v,
							sizeof(v)) != 0 ||
						rte_dma_domain_soft_read(f.b,
								f.q[1].iova[n % FAKE_BUFS], &r,
							sizeof(r)) != 0 || r != v)
					q1_bad++;
				__atomic_fetch_add(&q1_work, 1, __ATOMIC_RELEASE);
			}
			first = false;
		}
		if (parked)
			sched_yield();
	}
	if (polling1)
		rte_dma_domain_queue_offline(q1);
	rte_dma_domain_queue_offline(q0);
	return NULL;
}

static int
case_arm_race(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain_queue *q1;
	struct rte_dma_domain *d[2];
	uint64_t end, swaps = 0, failed = 0, idle = 0;
	uint32_t round;
	pthread_t t;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 5000, false);
	tdd_two_domains(ctx, mem, &d[0], &d[1], "arm-a", "arm-b");
	TH_CHECK_RC(fake_bind(&f, "arm-dev", NQ, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, d[0]), 0);
	q1 = rte_dma_domain_queue_get(f.b, 1);
	stop_flag = 0;
	q1_go = q1_stop = 0;
	q1_first_parked = q1_first_bursts = q1_work = q1_bad = 0;
	dma_ok = dma_bad = 0;
	pthread_create(&t, NULL, arm_poller, NULL);
	while (__atomic_load_n(&dma_ok, __ATOMIC_RELAXED) == 0)
		sched_yield();
	end = th_now_ns() + RUN_NS / 2;
	for (round = 0; round < MAX_SWAPS && th_now_ns() < end; round++) {
		struct rte_dma_domain *to = rte_dma_domain_binding_domain(f.b) == d[0] ?
			d[1] : d[0];
		uint64_t until = th_now_ns() + (round * 7919) % 20000;

		rte_dma_domain_queue_arm(q1);
		__atomic_store_n(&q1_go, 1, __ATOMIC_RELEASE);
		/* a varying head start, from none to 20 us */
		if (round % 3 != 0)
			while (th_now_ns() < until)
				;
		if (rte_dma_domain_replace(f.b, to, &o) == 0) {
			swaps++;
		} else {
			failed++;
			rte_dma_domain_last_swap(f.b, &rec);
			printf("  swap failed: %s\n", rec.reason);
		}
		/* the queue went online and runs after the swap */
		{
			uint64_t w = __atomic_load_n(&q1_work, __ATOMIC_ACQUIRE);
			uint64_t dl = th_now_ns() + 1000000000ull;

			while (__atomic_load_n(&q1_work, __ATOMIC_ACQUIRE) == w &&
					th_now_ns() < dl)
				sched_yield();
			if (__atomic_load_n(&q1_work, __ATOMIC_ACQUIRE) == w)
				idle++;
		}
		/* the poller takes queue 1 offline; the next round re-arms it */
		__atomic_store_n(&q1_go, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&q1_stop, 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&q1_stop, __ATOMIC_ACQUIRE))
			sched_yield();
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("  %u rounds: %" PRIu64 " swaps, %" PRIu64 " failed; queue 1: %" PRIu64
		" first bursts, %" PRIu64 " of them parked, %" PRIu64 " bursts of work; %"
		PRIu64 " faults\n", round, swaps, failed, q1_first_bursts, q1_first_parked,
		q1_work, rte_dma_domain_soft_fault_count(f.b));
	TH_CHECK(failed == 0 && swaps > 20, "swaps %" PRIu64 " failed %" PRIu64, swaps, failed);
	TH_CHECK(q1_bad == 0, "queue 1 worked %" PRIu64 " times while counted parked", q1_bad);
	TH_CHECK(idle == 0, "queue 1 did not run after %" PRIu64 " of %u swaps", idle, round);
	TH_CHECK(dma_bad == 0 && f.bad_quiesce == 0 && f.bad_walk == 0,
		"DMA outside posted buffers, or a walk/quiesce with a queue running");
	TH_CHECK(rte_dma_domain_soft_fault_count(f.b) == 0, "faults");
	TH_CHECK(fake_buffers(&f) == NQ * FAKE_BUFS, "buffers lost");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(d[0]);
	rte_dma_domain_destroy(d[1]);
	return 0;
}

/*
 * ack_race: hitless swaps (a grace period: REPORT only) alternate with
 * quiesce swaps (PARK). The poller's ack goes through the test hook
 * between its load of the request and its report; from the second call
 * of a grace period on (the poller already reported once, so the
 * controller may be releasing the REPORT), the hook waits until the
 * controller asks for a PARK (bounded: a missing PARK only ends the wait).
 * The report that follows carries the PARK's token. A burst that then
 * runs is the race: it stays in the ring until the controller's parked
 * walk (bounded too), and counts itself if the walk came - the detector
 * is the poller's own view, not the controller's flags.
 */
static struct {
	uint32_t calls;     /* hook calls since the main thread reset it */
	uint32_t waiting;   /* set by the hook for the burst that follows */
	uint64_t staged;    /* hook waits that saw the PARK arrive */
	uint64_t raced;     /* bursts that ran while counted parked */
	uint64_t runs;      /* bursts after a staged report that ran */
	uint64_t walks;     /* parked walks of the controller (__atomic) */
} ar;

static void
ack_race_walk(struct fake_drv *fd, bool parked)
{
	RTE_SET_USED(fd);
	if (parked)
		__atomic_fetch_add(&ar.walks, 1, __ATOMIC_ACQ_REL);
}

static uint64_t
deadline_in(uint64_t ns)
{
	return th_now_ns() + ns;
}

static void
ack_race_hook(void *arg, uint16_t qid)
{
	struct rte_dma_domain_queue *q = arg;
	uint64_t dl;

	RTE_SET_USED(qid);
	if (__atomic_fetch_add(&ar.calls, 1, __ATOMIC_ACQ_REL) == 0)
		return;
	if (__atomic_load_n(&q->pause_req, __ATOMIC_ACQUIRE) & 1u /* PARK */)
		return;
	dl = deadline_in(2000000);
	while (!(__atomic_load_n(&q->pause_req, __ATOMIC_ACQUIRE) & 1u) && th_now_ns() < dl)
		sched_yield();
	if (__atomic_load_n(&q->pause_req, __ATOMIC_ACQUIRE) & 1u) {
		ar.staged++;
		ar.waiting = 1;
	}
}

static void *
ack_race_poller(void *arg)
{
	struct rte_dma_domain_queue *q = arg;
	uint64_t dl, w0;

	rte_dma_domain_queue_online(q);
	while (!__atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE)) {
		ar.waiting = 0;
		if (rte_dma_domain_queue_pause_pending(q) && rte_dma_domain_queue_ack(q)) {
			sched_yield();
			continue;
		}
		if (!ar.waiting) {
			__atomic_fetch_add(&dma_ok, 1, __ATOMIC_RELAXED);
			continue;
		}
		/* the burst after a report of a PARK token, in the ring: does
		 * the controller walk the queue as parked meanwhile?
		 */
		ar.runs++;
		w0 = __atomic_load_n(&ar.walks, __ATOMIC_ACQUIRE);
		dl = deadline_in(2000000);
		while (__atomic_load_n(&ar.walks, __ATOMIC_ACQUIRE) == w0 && th_now_ns() < dl)
			sched_yield();
		if (__atomic_load_n(&ar.walks, __ATOMIC_ACQUIRE) != w0)
			ar.raced++;
	}
	rte_dma_domain_queue_offline(q);
	return NULL;
}

static int
case_ack_race(void)
{
	struct rte_dma_domain_replace_opts hl = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_HITLESS, .timeout_us = 2000000,
	};
	struct rte_dma_domain_replace_opts qu = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain *d[2];
	struct rte_dma_domain_queue *q;
	uint64_t end, rounds = 0, failed = 0;
	pthread_t t;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, false);
	tdd_two_domains(ctx, mem, &d[0], &d[1], "ack-a", "ack-b");
	TH_CHECK_RC(fake_bind(&f, "ack-dev", 1, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, d[0]), 0);
	q = rte_dma_domain_queue_get(f.b, 0);
	memset(&ar, 0, sizeof(ar));
	f.on_walk = ack_race_walk;
	TH_CHECK_RC(rte_dma_domain_test_ack_hook(f.b, ack_race_hook, q), 0);
	stop_flag = 0;
	dma_ok = 0;
	pthread_create(&t, NULL, ack_race_poller, q);
	while (__atomic_load_n(&dma_ok, __ATOMIC_RELAXED) == 0)
		sched_yield();
	end = th_now_ns() + RUN_NS / 2;
	for (rounds = 0; rounds < MAX_SWAPS && th_now_ns() < end && ar.staged < 200; rounds++) {
		__atomic_store_n(&ar.calls, 0, __ATOMIC_RELEASE);
		if (rte_dma_domain_replace(f.b, d[1], &hl) != 0)
			failed++;
		if (rte_dma_domain_replace(f.b, d[0], &qu) != 0)
			failed++;
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	rte_dma_domain_test_ack_hook(f.b, NULL, NULL);
	f.on_walk = NULL;
	printf("  %" PRIu64 " rounds (hitless + quiesce), %" PRIu64 " failed; %" PRIu64
		" reports of a PARK token after a report-only load, %" PRIu64
		" bursts ran after them, %" PRIu64 " while counted parked\n",
		rounds, failed, ar.staged, ar.runs, ar.raced);
	TH_CHECK(ar.staged > 0, "the race was never staged (the test cannot fail)");
	TH_CHECK(ar.raced == 0, "%" PRIu64 " bursts ran while the controller walked the queue as parked",
		ar.raced);
	TH_CHECK(ar.runs == 0, "%" PRIu64 " bursts ran after reporting a PARK token", ar.runs);
	TH_CHECK(failed == 0, "%" PRIu64 " swaps failed", failed);
	TH_CHECK(f.bad_quiesce == 0 && f.bad_walk == 0, "walk/quiesce with the queue running");
	TH_CHECK(fake_buffers(&f) == FAKE_BUFS, "buffers lost");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(d[0]);
	rte_dma_domain_destroy(d[1]);
	return 0;
}

static const struct th_case cases[] = {
	{ "quiesce_vtd", "concurrency", case_quiesce_vtd, NULL, NULL },
	{ "hitless_vtd", "concurrency", case_hitless_vtd, NULL, NULL },
	{ "hitless_atomic", "concurrency", case_hitless_atomic, NULL, NULL },
	{ "inject_live", "concurrency", case_inject_live, NULL, NULL },
	{ "drain_inflight", "concurrency", case_drain_inflight, NULL, NULL },
	{ "arm_race", "concurrency", case_arm_race, NULL, NULL },
	{ "ack_race", "concurrency", case_ack_race, NULL, NULL },
};

int
main(int argc, char **argv)
{
	/* thousands of expected failures: keep the log to errors */
	rte_log_set_level_pattern("lib.dma_domain", RTE_LOG_CRIT);
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	mem = aligned_alloc(M2, M2);
	if (ctx == NULL || mem == NULL)
		return 1;
	memset(mem, 0, M2);
	return th_main(argc, argv, cases, RTE_DIM(cases), 0);
}
