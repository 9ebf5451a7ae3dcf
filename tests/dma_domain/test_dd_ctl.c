/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Control-plane concurrency (issue 12, item 6): control calls of other
 * threads racing running swaps. Soft backend, fake driver (tdd.c), pollers
 * as pthreads; every wait yields (2 cores: the busy threads yield in each
 * loop, so more threads than cores still make progress).
 *
 *   two_bindings     two controllers replace two bindings (two pollers
 *                    doing DMA) at the same time: the first swaps meet
 *                    inside their driver callbacks (the protocol runs
 *                    without the library's lock), every swap succeeds,
 *                    0 faults, no buffer lost
 *   destroy_race     a thread destroys the domain a swap leaves while the
 *                    swap runs: -EBUSY naming the swap while it is
 *                    attached or pinned, 0 once the swap returned; unbind
 *                    of the swapping binding: -EBUSY; a domain no swap
 *                    uses: destroyed; 0 faults, no buffer lost, no leak
 *   detach_race      a thread detaches the binding (and re-attaches it)
 *                    while swaps run: -EBUSY naming the swap while one
 *                    runs, 0 between swaps (then the next replace says
 *                    "not attached", -EINVAL); never a half-done swap
 *   overlap          two bindings, one swap each: A's swap waits inside
 *                    its switch (test swap hook) until B's swap got past
 *                    its pause (every poller of B parked): an explicit
 *                    rendezvous, possible only when no process-wide lock
 *                    is held across a swap's switch, coverage walk or
 *                    pause. With TDD_SERIALIZE=1 in the environment the
 *                    library serialises replaces as the old global lock
 *                    did (rte_dma_domain_test_serialize()): the case then
 *                    FAILS (A's wait ends after MEET_NS), which is how the
 *                    check is seen to fail
 *   mirror_hotplug   (EAL, 2 MiB hugepages, dynamic memory; skip 77
 *                    without 24 free ones) swaps between two F_MIRROR
 *                    domains while another thread adds external memory,
 *                    allocates from it (rte_malloc, rte_memzone, new sizes
 *                    each round), removes it, and allocates and frees
 *                    hugepage memory (4-8 MiB): the memory events reach the
 *                    mirror callback during the swaps (the driver callback
 *                    takes the EAL's hotplug lock too): no deadlock, no
 *                    fault, every allocation mirrored when it is handed
 *                    out, both mirrors == the memsegs at the end
 *
 * Not here: the VM tier's hugepage hotplug under the kernel backend (the
 * VM has no hugepages to plug); device hot-unplug in the app (the PMD's
 * close unbinds: destroy_race covers the library's answer).
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "dma_domain_test.h"
#include "tdd.h"

#define M2 0x200000ull
#define NQ 2
#define SWAPS 300
#define RACE_ROUNDS 200

static struct rte_dma_domain_ctx *ctx;
static char *mem;

/* ---- log capture: the refusals must name the swap ------------------- */

static char *logbuf;
static size_t loglen;
static FILE *log_fp;

static void
log_start(void)
{
	log_fp = open_memstream(&logbuf, &loglen);
	TH_CHECK(log_fp != NULL, "open_memstream");
	if (log_fp != NULL)
		rte_openlog_stream(log_fp);
}

/* Occurrences of s in the captured log. */
static unsigned int
log_count(const char *s)
{
	unsigned int n = 0;
	const char *p;

	for (p = logbuf; p != NULL && (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	return n;
}

/* Ends the capture (all threads joined); the count of s. */
static unsigned int
log_stop_count(const char *s)
{
	rte_openlog_stream(NULL);
	if (log_fp == NULL)
		return 0;
	fclose(log_fp);
	log_fp = NULL;
	return log_count(s);
}

static void
log_free(void)
{
	free(logbuf);
	logbuf = NULL;
	loglen = 0;
}

/* ---- a poller of one fake device ------------------------------------ */

struct poller {
	struct fake_drv *f;
	bool dma;                   /* DMA into the posted buffers */
	uint32_t stop;              /* __atomic */
	uint64_t ok, fault, bad, parked; /* ok, fault: __atomic */
	pthread_t t;
};

/* Bursts: check the pause; DMA (write a pattern, read it back) into a
 * posted buffer. Yields every round: more busy threads than cores.
 */
static void *
poller_main(void *arg)
{
	struct poller *p = arg;
	struct fake_drv *f = p->f;
	struct rte_dma_domain_queue *q[NQ];
	uint64_t v, r;
	uint32_t n = 0, k;

	for (k = 0; k < NQ; k++) {
		q[k] = rte_dma_domain_queue_get(f->b, k);
		rte_dma_domain_queue_online(q[k]);
	}
	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		for (k = 0; k < NQ; k++) {
			uint64_t iova;

			if (rte_dma_domain_queue_pause_pending(q[k]) &&
					rte_dma_domain_queue_ack(q[k])) {
				p->parked++;
				continue;
			}
			if (__atomic_load_n(&f->q[k].posted, __ATOMIC_ACQUIRE) == 0) {
				p->bad++; /* running with nothing posted */
				continue;
			}
			if (!p->dma) {
				__atomic_fetch_add(&p->ok, 1, __ATOMIC_RELAXED);
				continue;
			}
			iova = f->q[k].iova[n++ % FAKE_BUFS];
			v = ((uint64_t)k << 56) | n;
			if (rte_dma_domain_soft_write(f->b, iova, &v, sizeof(v)) != 0 ||
					rte_dma_domain_soft_read(f->b, iova, &r, sizeof(r)) != 0) {
				__atomic_fetch_add(&p->fault, 1, __ATOMIC_RELAXED);
				continue;
			}
			if (r != v)
				p->bad++;
			__atomic_fetch_add(&p->ok, 1, __ATOMIC_RELAXED);
		}
		sched_yield();
	}
	for (k = 0; k < NQ; k++)
		rte_dma_domain_queue_offline(q[k]);
	return NULL;
}

static void
poller_start(struct poller *p, struct fake_drv *f, bool dma)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->dma = dma;
	TH_CHECK(pthread_create(&p->t, NULL, poller_main, p) == 0, "pthread_create");
	while (__atomic_load_n(&p->ok, __ATOMIC_RELAXED) == 0)
		sched_yield();
}

static void
poller_stop(struct poller *p, const char *what)
{
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	pthread_join(p->t, NULL);
	TH_CHECK(p->bad == 0, "%s: burst with nothing posted / corrupted DMA: %" PRIu64, what,
		p->bad);
	TH_CHECK(p->f->bad_quiesce == 0 && p->f->bad_walk == 0,
		"%s: quiesce/parked walk with a queue running", what);
	TH_CHECK(fake_buffers(p->f) == NQ * FAKE_BUFS, "%s: buffers lost: %u of %u", what,
		fake_buffers(p->f), NQ * FAKE_BUFS);
}

static const struct rte_dma_domain_replace_opts quiesce = {
	.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 5000000,
};

/* ---- two_bindings ----------------------------------------------------- */

struct ctl {
	struct fake_drv f;
	struct poller p;
	struct rte_dma_domain *d[2];
	uint64_t swaps, failed;
	int last_rc;
	char reason[128];
	pthread_t t;
};

static struct ctl tb[2];
/* The first swap of each binding waits in its quiesce callback until the
 * other binding's first swap is in its own: both swaps inside the
 * protocol at once. Meeting impossible (one swap blocks the other):
 * the wait ends after meet_ns, counted as a failure.
 */
static uint32_t meet_in[2], meet_timeouts;
#define MEET_NS 10000000000ull

static void
meet_quiesce(struct fake_drv *f, uint16_t qid)
{
	int me = f == &tb[0].f ? 0 : 1;
	uint64_t end;

	if (qid != 0 || __atomic_exchange_n(&meet_in[me], 1, __ATOMIC_ACQ_REL) != 0)
		return;
	end = th_now_ns() + MEET_NS;
	while (!__atomic_load_n(&meet_in[!me], __ATOMIC_ACQUIRE)) {
		if (th_now_ns() > end) {
			__atomic_fetch_add(&meet_timeouts, 1, __ATOMIC_RELAXED);
			return;
		}
		sched_yield();
	}
}

static void *
ctl_main(void *arg)
{
	struct ctl *c = arg;
	struct rte_dma_domain_swap_record rec;
	uint32_t i;

	for (i = 0; i < SWAPS; i++) {
		struct rte_dma_domain *to = c->d[(i + 1) & 1];

		c->last_rc = rte_dma_domain_replace(c->f.b, to, &quiesce);
		if (c->last_rc == 0) {
			c->swaps++;
		} else {
			c->failed++;
			rte_dma_domain_last_swap(c->f.b, &rec);
			snprintf(c->reason, sizeof(c->reason), "%s", rec.reason);
		}
		sched_yield();
	}
	return NULL;
}

static int
case_two_bindings(void)
{
	static const char *const dn[2][2] = { { "tb0-a", "tb0-b" }, { "tb1-a", "tb1-b" } };
	static const char *const bn[2] = { "tb0-dev", "tb1-dev" };
	int i;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 0, false);
	memset(tb, 0, sizeof(tb));
	memset(meet_in, 0, sizeof(meet_in));
	meet_timeouts = 0;
	for (i = 0; i < 2; i++) {
		/* each binding's buffers in its own MiB of mem */
		tdd_two_domains(ctx, mem, &tb[i].d[0], &tb[i].d[1], dn[i][0], dn[i][1]);
		TH_CHECK_RC(fake_bind(&tb[i].f, bn[i], NQ, 0x100000 + (uint64_t)i * (M2 / 2)), 0);
		TH_CHECK_RC(rte_dma_domain_attach(tb[i].f.b, tb[i].d[0]), 0);
		tb[i].f.on_quiesce = meet_quiesce;
		poller_start(&tb[i].p, &tb[i].f, true);
	}
	th_watchdog(120, "two_bindings: two controllers' swaps");
	for (i = 0; i < 2; i++)
		TH_CHECK(pthread_create(&tb[i].t, NULL, ctl_main, &tb[i]) == 0, "pthread_create");
	for (i = 0; i < 2; i++)
		pthread_join(tb[i].t, NULL);
	th_watchdog_off();
	for (i = 0; i < 2; i++) {
		uint64_t faults;

		poller_stop(&tb[i].p, bn[i]);
		tb[i].f.on_quiesce = NULL;
		faults = rte_dma_domain_soft_fault_count(tb[i].f.b);
		printf("  %s: %" PRIu64 " swaps, %" PRIu64 " failed, %" PRIu64 " faults, %" PRIu64
			" DMA ok, %" PRIu64 " parked bursts%s%s\n", bn[i], tb[i].swaps,
			tb[i].failed, faults, tb[i].p.ok, tb[i].p.parked,
			tb[i].failed ? "; last failure: " : "", tb[i].reason);
		TH_CHECK(tb[i].swaps == SWAPS && tb[i].failed == 0, "%s: %" PRIu64 " of %d swaps failed (%s)",
			bn[i], tb[i].failed, SWAPS, tb[i].reason);
		TH_CHECK(faults == 0 && tb[i].p.fault == 0, "%s: %" PRIu64 " faults", bn[i],
			faults);
		TH_CHECK(rte_dma_domain_binding_domain(tb[i].f.b) == tb[i].d[SWAPS & 1],
			"%s: on the wrong domain", bn[i]);
	}
	TH_CHECK(meet_in[0] && meet_in[1] && meet_timeouts == 0,
		"the two bindings' swaps never ran at the same time (%u waits timed out): one swap blocks the other's",
		meet_timeouts);
	for (i = 0; i < 2; i++) {
		TH_CHECK_RC(rte_dma_domain_unbind(tb[i].f.b), 0);
		TH_CHECK_RC(rte_dma_domain_destroy(tb[i].d[0]), 0);
		TH_CHECK_RC(rte_dma_domain_destroy(tb[i].d[1]), 0);
	}
	return 0;
}

/* ---- overlap ---------------------------------------------------------- */

static uint32_t ov_a_switch, ov_b_parked, ov_timeouts;

/* A: inside its switch, wait for B to be past its pause. */
static void
ov_hook_a(void *arg, enum rte_dma_domain_test_point pt)
{
	uint64_t end;

	RTE_SET_USED(arg);
	if (pt != RTE_DMA_DOMAIN_TEST_SWITCH ||
			__atomic_exchange_n(&ov_a_switch, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	end = th_now_ns() + MEET_NS;
	while (!__atomic_load_n(&ov_b_parked, __ATOMIC_ACQUIRE)) {
		if (th_now_ns() > end) {
			__atomic_fetch_add(&ov_timeouts, 1, __ATOMIC_RELAXED);
			return;
		}
		sched_yield();
	}
}

/* B: every poller parked. */
static void
ov_hook_b(void *arg, enum rte_dma_domain_test_point pt)
{
	RTE_SET_USED(arg);
	if (pt == RTE_DMA_DOMAIN_TEST_PARKED)
		__atomic_store_n(&ov_b_parked, 1, __ATOMIC_RELEASE);
}

static void *
ov_a_main(void *arg)
{
	struct ctl *c = arg;

	c->last_rc = rte_dma_domain_replace(c->f.b, c->d[1], &quiesce);
	return NULL;
}

static int
case_overlap(void)
{
	static const char *const dn[2][2] = { { "ov0-a", "ov0-b" }, { "ov1-a", "ov1-b" } };
	static const char *const bn[2] = { "ov0-dev", "ov1-dev" };
	const char *env = getenv("TDD_SERIALIZE");
	bool serialized = env != NULL && strcmp(env, "1") == 0;
	int i;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 0, false);
	memset(tb, 0, sizeof(tb));
	ov_a_switch = ov_b_parked = ov_timeouts = 0;
	for (i = 0; i < 2; i++) {
		tdd_two_domains(ctx, mem, &tb[i].d[0], &tb[i].d[1], dn[i][0], dn[i][1]);
		TH_CHECK_RC(fake_bind(&tb[i].f, bn[i], NQ, 0x100000 + (uint64_t)i * (M2 / 2)), 0);
		TH_CHECK_RC(rte_dma_domain_attach(tb[i].f.b, tb[i].d[0]), 0);
		poller_start(&tb[i].p, &tb[i].f, true);
	}
	TH_CHECK_RC(rte_dma_domain_test_swap_hook(tb[0].f.b, ov_hook_a, NULL), 0);
	TH_CHECK_RC(rte_dma_domain_test_swap_hook(tb[1].f.b, ov_hook_b, NULL), 0);
	if (serialized)
		printf("  TDD_SERIALIZE=1: one replace at a time (expected to FAIL)\n");
	rte_dma_domain_test_serialize(serialized);
	th_watchdog(120, "overlap: two bindings' swaps");
	TH_CHECK(pthread_create(&tb[0].t, NULL, ov_a_main, &tb[0]) == 0, "pthread_create");
	/* B starts once A is inside its switch */
	while (!__atomic_load_n(&ov_a_switch, __ATOMIC_ACQUIRE))
		sched_yield();
	tb[1].last_rc = rte_dma_domain_replace(tb[1].f.b, tb[1].d[1], &quiesce);
	pthread_join(tb[0].t, NULL);
	th_watchdog_off();
	rte_dma_domain_test_serialize(false);
	TH_CHECK(tb[0].last_rc == 0 && tb[1].last_rc == 0, "replaces returned %d and %d",
		tb[0].last_rc, tb[1].last_rc);
	TH_CHECK(__atomic_load_n(&ov_b_parked, __ATOMIC_ACQUIRE) && ov_timeouts == 0,
		"B's swap did not get past its pause while A's swap was inside its switch: one replace blocks the other (a process-wide lock across the protocol?)");
	for (i = 0; i < 2; i++) {
		TH_CHECK_RC(rte_dma_domain_test_swap_hook(tb[i].f.b, NULL, NULL), 0);
		poller_stop(&tb[i].p, bn[i]);
		TH_CHECK(rte_dma_domain_soft_fault_count(tb[i].f.b) == 0 && tb[i].p.fault == 0,
			"%s: faults", bn[i]);
		TH_CHECK(rte_dma_domain_binding_domain(tb[i].f.b) == tb[i].d[1],
			"%s: on the wrong domain", bn[i]);
		TH_CHECK_RC(rte_dma_domain_unbind(tb[i].f.b), 0);
		TH_CHECK_RC(rte_dma_domain_destroy(tb[i].d[0]), 0);
		TH_CHECK_RC(rte_dma_domain_destroy(tb[i].d[1]), 0);
	}
	printf("  A inside its switch, B parked: %s\n",
		ov_timeouts == 0 && ov_b_parked ? "met" : "never met");
	return 0;
}

/* ---- destroy_race ------------------------------------------------------ */

static struct {
	struct rte_dma_domain *victim;   /* __atomic: to destroy, NULL: done */
	struct fake_drv *f;
	uint32_t stop;                   /* __atomic */
	uint64_t busy, destroyed, bad, unbind_busy, spare_ok, bad_errno;
	int bad_rc;
} dr;

static void *
destroy_racer(void *arg)
{
	RTE_SET_USED(arg);
	while (!__atomic_load_n(&dr.stop, __ATOMIC_ACQUIRE)) {
		struct rte_dma_domain *v = __atomic_load_n(&dr.victim, __ATOMIC_ACQUIRE);
		struct rte_dma_domain *spare;
		int rc;

		if (v != NULL) {
			rc = rte_dma_domain_destroy(v);
			if (rc == 0) {
				dr.destroyed++;
				__atomic_store_n(&dr.victim, NULL, __ATOMIC_RELEASE);
			} else if (rc == -EBUSY) {
				dr.busy++;
				if (rte_errno != EBUSY)
					dr.bad_errno++;
			} else {
				dr.bad++;
				dr.bad_rc = rc;
			}
		}
		/* the binding has online queues, and maybe a swap: never */
		rc = rte_dma_domain_unbind(dr.f->b);
		if (rc == -EBUSY) {
			dr.unbind_busy++;
		} else {
			dr.bad++;
			dr.bad_rc = rc;
		}
		/* a domain no swap uses: destroyed at once */
		spare = rte_dma_domain_create(ctx, "dr-spare", RTE_DMA_DOMAIN_PAGING, 0);
		if (spare != NULL && rte_dma_domain_destroy(spare) == 0) {
			dr.spare_ok++;
		} else {
			dr.bad++;
			dr.bad_rc = -rte_errno;
		}
		sched_yield();
	}
	return NULL;
}

static int
case_destroy_race(void)
{
	struct rte_dma_domain *cur, *nxt;
	struct fake_drv f;
	struct poller p;
	pthread_t t;
	uint64_t failed = 0, faults;
	unsigned int pinned_lines, attached_lines, unbind_lines;
	uint32_t i;
	char name[32];

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 0, false);
	memset(&dr, 0, sizeof(dr));
	cur = tdd_domain(ctx, "dr-0");
	TH_CHECK_RC(rte_dma_domain_map(cur, 0x100000, mem, M2, RTE_DMA_DOMAIN_ACCESS_RW), 0);
	TH_CHECK_RC(fake_bind(&f, "dr-dev", NQ, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, cur), 0);
	dr.f = &f;
	poller_start(&p, &f, true);
	log_start();
	TH_CHECK(pthread_create(&t, NULL, destroy_racer, NULL) == 0, "pthread_create");
	th_watchdog(120, "destroy_race");
	for (i = 1; i <= RACE_ROUNDS; i++) {
		snprintf(name, sizeof(name), "dr-%u", i);
		nxt = tdd_domain(ctx, name);
		TH_CHECK_RC(rte_dma_domain_map(nxt, 0x100000, mem, M2, RTE_DMA_DOMAIN_ACCESS_RW),
				0);
		/* the racer destroys cur from now on: attached, then pinned
		 * by the swap (-EBUSY), then free (0)
		 */
		__atomic_store_n(&dr.victim, cur, __ATOMIC_RELEASE);
		if (rte_dma_domain_replace(f.b, nxt, &quiesce) != 0) {
			failed++;
			break; /* cur stays attached: the racer can never finish it */
		}
		while (__atomic_load_n(&dr.victim, __ATOMIC_ACQUIRE) != NULL)
			sched_yield();
		cur = nxt;
	}
	__atomic_store_n(&dr.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	th_watchdog_off();
	pinned_lines = log_stop_count("in use by the replace running on 'dr-dev'");
	attached_lines = log_count("binding(s) attached (detach or replace first)");
	unbind_lines = log_count("unbind 'dr-dev': ");
	log_free();
	poller_stop(&p, "dr-dev");
	faults = rte_dma_domain_soft_fault_count(f.b);
	printf("  %u swaps (%" PRIu64 " failed); racing destroys: %" PRIu64
		" -EBUSY (%u while pinned by the swap, %u while attached), %" PRIu64
		" destroyed after the swap; unbind -EBUSY %" PRIu64
		"; spare domains destroyed %" PRIu64
		"; %" PRIu64 " faults, %" PRIu64 " DMA ok\n", i - 1, failed, dr.busy, pinned_lines,
		attached_lines, dr.destroyed, dr.unbind_busy, dr.spare_ok, faults, p.ok);
	TH_CHECK(failed == 0, "a swap failed with a destroy racing it");
	TH_CHECK(dr.bad == 0, "%" PRIu64 " racing calls returned neither 0 nor -EBUSY (last %d)",
		dr.bad, dr.bad_rc);
	TH_CHECK(dr.bad_errno == 0, "-EBUSY without rte_errno EBUSY");
	TH_CHECK(dr.destroyed == RACE_ROUNDS, "%" PRIu64 " of %d domains destroyed once their swap returned",
		dr.destroyed, RACE_ROUNDS);
	TH_CHECK(pinned_lines > 0, "no destroy ever met a running swap (the race was not staged)");
	TH_CHECK(pinned_lines + attached_lines == dr.busy,
		"%" PRIu64 " -EBUSY, %u log lines naming the swap or the attachment", dr.busy,
		pinned_lines + attached_lines);
	TH_CHECK(unbind_lines == dr.unbind_busy, "unbind: %" PRIu64 " -EBUSY, %u log lines",
		dr.unbind_busy, unbind_lines);
	TH_CHECK(faults == 0 && p.fault == 0, "%" PRIu64 " faults", faults);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(cur), 0);
	return 0;
}

/* ---- detach_race ------------------------------------------------------- */

static struct {
	struct fake_drv *f;
	struct rte_dma_domain *d[2];
	uint32_t stop;
	uint64_t busy, detached, bad;
	int bad_rc;
} dt;

static void *
detach_racer(void *arg)
{
	RTE_SET_USED(arg);
	while (!__atomic_load_n(&dt.stop, __ATOMIC_ACQUIRE)) {
		int rc = rte_dma_domain_detach(dt.f->b);

		if (rc == -EBUSY) {
			dt.busy++;
		} else if (rc == 0) {
			/* between swaps: nobody else attaches it */
			dt.detached++;
			rc = rte_dma_domain_attach(dt.f->b, dt.d[dt.detached & 1]);
			if (rc != 0) {
				dt.bad++;
				dt.bad_rc = rc;
			}
		} else {
			dt.bad++;
			dt.bad_rc = rc;
		}
		sched_yield();
	}
	return NULL;
}

static int
case_detach_race(void)
{
	struct fake_drv f;
	struct poller p;
	pthread_t t;
	uint64_t ok = 0, unattached = 0, failed = 0;
	unsigned int lines, unattached_lines;
	uint32_t i;
	int rc;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 0, false);
	memset(&dt, 0, sizeof(dt));
	tdd_two_domains(ctx, mem, &dt.d[0], &dt.d[1], "dt-a", "dt-b");
	TH_CHECK_RC(fake_bind(&f, "dt-dev", NQ, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, dt.d[0]), 0);
	dt.f = &f;
	/* no DMA: between a detach and the attach the device has no domain */
	poller_start(&p, &f, false);
	log_start();
	TH_CHECK(pthread_create(&t, NULL, detach_racer, NULL) == 0, "pthread_create");
	th_watchdog(120, "detach_race");
	for (i = 0; i < SWAPS; i++) {
		struct rte_dma_domain *cur = rte_dma_domain_binding_domain(f.b);
		struct rte_dma_domain *to = cur == dt.d[0] ? dt.d[1] : dt.d[0];

		rc = rte_dma_domain_replace(f.b, to, &quiesce);
		if (rc == 0)
			ok++;
		else if (rc == -EINVAL)
			unattached++; /* detached meanwhile: refused before any step */
		else
			failed++;
		sched_yield();
	}
	__atomic_store_n(&dt.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	th_watchdog_off();
	lines = log_stop_count("detach 'dt-dev': a replace (");
	unattached_lines = log_count("replace 'dt-dev': not attached");
	log_free();
	poller_stop(&p, "dt-dev");
	printf("  %d replaces: %" PRIu64 " done, %" PRIu64 " refused (detached meanwhile), %" PRIu64
		" failed; racing detaches: %" PRIu64
		" -EBUSY (%u log lines naming the swap), %" PRIu64
		" done between swaps\n", SWAPS, ok, unattached, failed, dt.busy, lines,
		dt.detached);
	TH_CHECK(failed == 0, "%" PRIu64 " replaces failed other than 'not attached'", failed);
	TH_CHECK(dt.bad == 0, "%" PRIu64 " racing detach/attach calls failed (last %d)", dt.bad,
		dt.bad_rc);
	TH_CHECK(dt.busy > 0 && lines == dt.busy, "%" PRIu64 " -EBUSY detaches, %u log lines naming the swap",
		dt.busy, lines);
	TH_CHECK(unattached_lines == unattached, "%" PRIu64 " -EINVAL replaces, %u 'not attached' lines",
		unattached, unattached_lines);
	TH_CHECK(ok > 0, "no replace succeeded");
	TH_CHECK(rte_dma_domain_binding_domain(f.b) != NULL, "left detached");
	TH_CHECK(rte_dma_domain_soft_fault_count(f.b) == 0, "faults");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(dt.d[0]), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(dt.d[1]), 0);
	return 0;
}

/* ---- mirror_hotplug ---------------------------------------------------- */

/* big allocations: a page in 16 is enough to see a mirror gap */
#define MIRROR_STEP(len) ((len) > (1 << 20) ? 64 << 10 : 4096)

static struct {
	struct rte_dma_domain *d[2];
	uint32_t stop;                  /* __atomic */
	uint64_t rounds, errors;        /* __atomic */
	uint64_t unmirrored, sock_calls;
	char err[128];
} mh;

#define MH_HEAP "dd_ctl"

/* Memory comes and goes: add an area (a memory event), allocate from it
 * (sizes change every round), check the allocation is in both mirrors,
 * free, remove the area (another event).
 */
static void *
hotplug_main(void *arg)
{
	const size_t area_len = 4 << 20;
	void *area;

	RTE_SET_USED(arg);
	area = mmap(NULL, area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		snprintf(mh.err, sizeof(mh.err), "mmap");
		__atomic_fetch_add(&mh.errors, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	while (!__atomic_load_n(&mh.stop, __ATOMIC_ACQUIRE)) {
		size_t sz = 4096 * (1 + mh.rounds % 200);
		const struct rte_memzone *mz;
		char mzname[RTE_MEMZONE_NAMESIZE];
		void *buf;
		int sock, i;

		if (rte_malloc_heap_memory_add(MH_HEAP, area, area_len, NULL, 0, 4096) != 0) {
			snprintf(mh.err, sizeof(mh.err), "memory add: %s", rte_strerror(rte_errno));
			__atomic_fetch_add(&mh.errors, 1, __ATOMIC_RELEASE);
			break;
		}
		sock = rte_malloc_heap_get_socket(MH_HEAP);
		buf = rte_malloc_socket("dd_ctl", sz, 64, sock);
		snprintf(mzname, sizeof(mzname), "dd_ctl_%" PRIu64, mh.rounds);
		mz = rte_memzone_reserve(mzname, sz + 4096, sock, 0);
		if (buf == NULL || mz == NULL) {
			snprintf(mh.err, sizeof(mh.err), "allocation of %zu bytes: %s", sz,
				rte_strerror(rte_errno));
			__atomic_fetch_add(&mh.errors, 1, __ATOMIC_RELEASE);
		}
		for (i = 0; i < 2; i++) {
			if (buf != NULL && !tdd_mirrored(mh.d[i], buf, sz, MIRROR_STEP(sz)))
				mh.unmirrored++;
			if (mz != NULL && !tdd_mirrored(mh.d[i], mz->addr, mz->len,
					MIRROR_STEP(mz->len)))
				mh.unmirrored++;
		}
		rte_free(buf);
		if (mz != NULL)
			rte_memzone_free(mz);
		/* dynamic hugepage memory: more than the heap holds, so the
		 * EAL allocates pages (ALLOC event) and frees them (FREE)
		 */
		sz = (size_t)(4 + mh.rounds % 5) << 20;
		buf = rte_malloc(NULL, sz, 0);
		if (buf == NULL) {
			snprintf(mh.err, sizeof(mh.err), "rte_malloc of %zu MiB hugepage memory: %s",
				sz >> 20, rte_strerror(rte_errno));
			__atomic_fetch_add(&mh.errors, 1, __ATOMIC_RELEASE);
		}
		for (i = 0; i < 2 && buf != NULL; i++)
			if (!tdd_mirrored(mh.d[i], buf, sz, MIRROR_STEP(sz)))
				mh.unmirrored++;
		rte_free(buf);
		if (rte_malloc_heap_memory_remove(MH_HEAP, area, area_len) != 0) {
			snprintf(mh.err, sizeof(mh.err), "memory remove: %s",
				rte_strerror(rte_errno));
			__atomic_fetch_add(&mh.errors, 1, __ATOMIC_RELEASE);
			break;
		}
		__atomic_fetch_add(&mh.rounds, 1, __ATOMIC_RELEASE);
		sched_yield();
	}
	munmap(area, area_len);
	return NULL;
}

/* A driver callback that needs the EAL's memory hotplug lock (read), as
 * a PMD's may: its order against the memory events' (write, then
 * dd_lock in the mirror callback) must hold.
 */
static void
mh_quiesce(struct fake_drv *f, uint16_t qid)
{
	RTE_SET_USED(f);
	if (qid == 0 && rte_malloc_heap_get_socket(MH_HEAP) >= 0)
		__atomic_fetch_add(&mh.sock_calls, 1, __ATOMIC_RELAXED);
}

static int
case_mirror_hotplug(void)
{
	struct fake_drv f;
	struct poller p;
	pthread_t t;
	void *bufs;
	uint64_t swaps = 0, failed = 0, faults, seg;
	uint32_t i;
	int k;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 0, false);
	memset(&mh, 0, sizeof(mh));
	mh.d[0] = rte_dma_domain_create(ctx, "mh-a", RTE_DMA_DOMAIN_PAGING,
		RTE_DMA_DOMAIN_F_MIRROR);
	mh.d[1] = rte_dma_domain_create(ctx, "mh-b", RTE_DMA_DOMAIN_PAGING,
		RTE_DMA_DOMAIN_F_MIRROR);
	bufs = rte_malloc(NULL, 4 * FAKE_BUFS * FAKE_BUF_SIZE, 64 << 10);
	TH_CHECK(mh.d[0] != NULL && mh.d[1] != NULL && bufs != NULL, "setup: %s",
		rte_strerror(rte_errno));
	if (mh.d[0] == NULL || mh.d[1] == NULL || bufs == NULL)
		return 1;
	TH_CHECK_RC(rte_malloc_heap_create(MH_HEAP), 0);
	TH_CHECK_RC(fake_bind(&f, "mh-dev", NQ, rte_malloc_virt2iova(bufs)), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, mh.d[0]), 0);
	f.on_quiesce = mh_quiesce;
	poller_start(&p, &f, true);
	TH_CHECK(pthread_create(&t, NULL, hotplug_main, NULL) == 0, "pthread_create");
	th_watchdog(120, "mirror_hotplug: swaps while memory events run (deadlock?)");
	/* until both sides did their share: swaps and hotplug rounds */
	for (i = 0; i < SWAPS || __atomic_load_n(&mh.rounds, __ATOMIC_RELAXED) < 100; i++) {
		if (__atomic_load_n(&mh.errors, __ATOMIC_ACQUIRE) != 0)
			break;
		if (rte_dma_domain_replace(f.b, mh.d[(i + 1) & 1], &quiesce) == 0)
			swaps++;
		else
			failed++;
		sched_yield();
	}
	__atomic_store_n(&mh.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	th_watchdog_off();
	poller_stop(&p, "mh-dev");
	f.on_quiesce = NULL;
	faults = rte_dma_domain_soft_fault_count(f.b);
	seg = tdd_memseg_bytes();
	printf("  %" PRIu64 " swaps (%" PRIu64 " failed) while %" PRIu64
		" rounds of memory add/allocate/free/remove ran; %" PRIu64
		" allocations not mirrored; %" PRIu64 " faults, %" PRIu64
		" DMA ok; mirrors %" PRIu64 "/%"
		PRIu64 " bytes, memsegs %" PRIu64 "\n", swaps, failed, mh.rounds, mh.unmirrored,
		faults, p.ok, rte_dma_domain_mapped_bytes(mh.d[0]),
		rte_dma_domain_mapped_bytes(mh.d[1]), seg);
	TH_CHECK(mh.errors == 0, "hotplug thread: %s", mh.err);
	TH_CHECK(failed == 0, "%" PRIu64 " swaps failed", failed);
	TH_CHECK(mh.unmirrored == 0, "%" PRIu64 " allocations not in both mirrors", mh.unmirrored);
	TH_CHECK(mh.sock_calls > 0, "the driver callback never took the hotplug lock");
	TH_CHECK(faults == 0 && p.fault == 0, "%" PRIu64 " faults", faults);
	for (k = 0; k < 2; k++)
		TH_CHECK(rte_dma_domain_mapped_bytes(mh.d[k]) == seg, "mirror %d: %" PRIu64
			" bytes mapped, memsegs %" PRIu64, k, rte_dma_domain_mapped_bytes(mh.d[k]),
			seg);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_free(bufs);
	rte_malloc_heap_destroy(MH_HEAP);
	TH_CHECK_RC(rte_dma_domain_destroy(mh.d[0]), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(mh.d[1]), 0);
	return 0;
}

#define MH_HUGEPAGES 24

/* Every case: the soft context and 2 MiB of memory the domains map. */
static int
setup_soft(const struct th_case *c)
{
	RTE_SET_USED(c);
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	mem = aligned_alloc(M2, M2);
	if (ctx == NULL || mem == NULL)
		return 1;
	memset(mem, 0, M2);
	return 0;
}

static void
teardown_soft(const struct th_case *c)
{
	RTE_SET_USED(c);
	free(mem);
	mem = NULL;
}

/* mirror_hotplug: hugepages, dynamic memory (--no-huge, legacy memory,
 * sends no memory events), then setup_soft().
 */
static int
setup_eal(const struct th_case *c)
{
	static char prefix[64];
	static const char *const args[] = { "test-dma-domain-ctl", "--in-memory",
		"--no-pci", "--no-telemetry", "-l", "0", "--file-prefix", prefix, NULL };
	/* writable: the EAL reorders its argv */
	char *eal[RTE_DIM(args)];

	snprintf(prefix, sizeof(prefix), "ddctl%d", (int)getpid());
	if (tdd_hugepages_get("free_hugepages") < MH_HUGEPAGES) {
		printf("SKIP: mirror_hotplug needs %d free 2 MiB hugepages (%ld free)\n",
			MH_HUGEPAGES, tdd_hugepages_get("free_hugepages"));
		return TH_SKIP;
	}
	memcpy(eal, args, sizeof(args));
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		/* the machine's free hugepages, taken meanwhile */
		printf("SKIP: EAL init failed: %s\n", rte_strerror(rte_errno));
		return TH_SKIP;
	}
	if (setup_soft(c) != 0) {
		rte_eal_cleanup();
		return 1;
	}
	return 0;
}

static void
teardown_eal(const struct th_case *c)
{
	teardown_soft(c);
	rte_eal_cleanup();
}

static const struct th_case cases[] = {
	{ "two_bindings", "unit,concurrency", case_two_bindings, setup_soft, teardown_soft },
	{ "overlap", "unit,concurrency", case_overlap, setup_soft, teardown_soft },
	{ "destroy_race", "unit,concurrency", case_destroy_race, setup_soft, teardown_soft },
	{ "detach_race", "unit,concurrency", case_detach_race, setup_soft, teardown_soft },
	{ "mirror_hotplug", "unit,concurrency", case_mirror_hotplug, setup_eal, teardown_eal },
};

int
main(int argc, char **argv)
{
	/* the refusals the races provoke are logged at ERR: captured */
	rte_log_set_level_pattern("lib.dma_domain", RTE_LOG_ERR);
	return th_main(argc, argv, cases, RTE_DIM(cases), TH_ONE_PER_PROCESS);
}
