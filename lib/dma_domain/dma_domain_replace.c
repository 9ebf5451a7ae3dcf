/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The replace protocol (doc/guides/design.rst, "The Replace Protocol"): coverage check of what is
 * stable (queues running), pause with acknowledgment, coverage check of
 * what is in flight (queues parked), quiesce, one switch call, confirm,
 * resume - and roll back at every
 * failure point so that the device stays on, or returns to, its old domain
 * with its queues running. A rollback checks itself: if switching back
 * fails, the old domain is re-attached (detach + attach); if that fails
 * too, the device is on no domain, the queues stay parked and quiesced,
 * the swap returns -ENOTRECOVERABLE and the driver is told
 * (recovery_event), so that the application recovers with its port.
 * Strategies: QUIESCE, HITLESS (switch under live DMA, then a QSBR grace
 * period), and the baselines REMAP and RESTART.
 *
 * Locking (dma_domain_private.h): the binding is marked swapping and the
 * two domains pinned under dd_lock; the protocol runs without it, so
 * that driver callbacks (which may stop or start the port, allocate
 * memory, take their own locks, call the library) never run under it;
 * it is retaken for each domain table read (one coverage range),
 * attachment change and the stats commit. The device's backend calls
 * (prepare, switch, rollback attach/detach, fault reads) run without it:
 * the device is the swap's alone, and another binding's swap proceeds
 * meanwhile.
 * Wait loops yield the CPU: the pollers may share our core.
 */

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_string_fns.h>

#include "dma_domain_private.h"
#include "dma_domain_trace.h"

#define DD_DEFAULT_TIMEOUT_US 100000
#define DD_RESUME_TRIES 3

struct swap {
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *old, *new;  /* pinned */
	const struct dma_domain_backend_ops *bops;
	void *cpriv;
	struct rte_dma_domain_replace_opts o;
	enum rte_dma_domain_inject inj;
	struct rte_dma_domain_swap_record *rec;
	uint16_t nq;     /* queues 0 to nq - 1: those the driver uses */
	uint64_t t0;
	bool resume_injected;
	bool needs_reset; /* the driver's last fault_check returned -EIO */
	struct dd_map_table saved; /* REMAP: the current domain's table */
	/* rollback */
	unsigned int rb_attempts;  /* attempts to return to the old domain */
	bool switched_back;        /* a rollback switched: check its faults */
	bool recovering;           /* RECOVERING announced */
	bool stranded;             /* rollback failed: device on no domain */
	bool final_ev;             /* announce ev_end once the swap is over */
	enum rte_dma_domain_recovery ev_end;
	char landing[64];
};

/* ---- test hooks and the serialise switch (dma_domain_test.h) --------------- */

/* rte_dma_domain_test_serialize(): set while no replace runs; each
 * replace reads it once and, when set, holds dd_serial for its whole run
 * (never together with dd_lock across a callback: dd_serial is taken
 * before dd_lock, and only by rte_dma_domain_replace()).
 */
static bool dd_serialize; /* __atomic */
static pthread_mutex_t dd_serial = PTHREAD_MUTEX_INITIALIZER;

void
rte_dma_domain_test_serialize(bool on)
{
	rte_atomic_store_explicit(&dd_serialize, on, rte_memory_order_release);
}

int
rte_dma_domain_test_swap_hook(struct rte_dma_domain_binding *b,
		void (*fn)(void *arg, enum rte_dma_domain_test_point pt), void *arg)
{
	if (b == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	rte_atomic_store_explicit(&b->test_swap_hook, NULL, rte_memory_order_release);
	b->test_swap_arg = arg;
	rte_atomic_store_explicit(&b->test_swap_hook, fn, rte_memory_order_release);
	return 0;
}

static void
swap_point(struct swap *s, enum rte_dma_domain_test_point pt)
{
	void (*fn)(void *arg, enum rte_dma_domain_test_point pt);

	fn = rte_atomic_load_explicit(&s->b->test_swap_hook, rte_memory_order_acquire);

	if (unlikely(fn != NULL))
		fn(s->b->test_swap_arg, pt);
}

/* ---- the device's backend calls (no lock: the device is the swap's) ------- */

static int
be_replace(struct swap *s, struct rte_dma_domain *d)
{
	return s->bops->replace(s->cpriv, s->b->dev_priv, d->priv);
}

static int
be_attach(struct swap *s, struct rte_dma_domain *d)
{
	return s->bops->attach(s->cpriv, s->b->dev_priv, d->priv);
}

static void
be_detach(struct swap *s)
{
	s->bops->detach(s->cpriv, s->b->dev_priv);
}

static uint64_t
be_faults(struct swap *s, bool windowed)
{
	struct dd_fault_info fi = { .exact = true };
	uint64_t f;

	/* windowed: the backend's confirmation window (kernel: up to
	 * confirm_window_us of /dev/kmsg polling, ended by the first fault
	 * line), after the queues resumed: not in the pause; without
	 * dd_lock, so other bindings' swaps do not wait for it
	 */
	f = windowed ? dd_backend_faults_after_resume(s->bops, s->cpriv, s->b->dev_priv) :
		s->bops->faults(s->cpriv, s->b->dev_priv);
	if (s->bops->fault_info != NULL)
		s->bops->fault_info(s->cpriv, s->b->dev_priv, &fi);
	if (!fi.exact)
		s->rec->faults_inexact = true;
	return f;
}

/* The binding's domain is d (NULL: none). */
static void
set_domain(struct swap *s, struct rte_dma_domain *d)
{
	struct rte_dma_domain *cur;

	dd_lock();
	cur = s->b->dom;
	if (cur != d) {
		if (cur != NULL)
			cur->nb_attached--;
		if (d != NULL)
			d->nb_attached++;
		rte_atomic_store_explicit(&s->b->dom, d, rte_memory_order_release);
	}
	dd_unlock();
}

/* Where a failed swap left the device, for the reason. */
static const char *
landing(struct swap *s)
{
	if (s->stranded)
		return "ROLLBACK FAILED: device on NO domain";
	snprintf(s->landing, sizeof(s->landing), "rolled back to '%s'", s->old->name);
	return s->landing;
}

/* A driver's queue_quiesce failure in words (rte_dma_domain_dev_ops). */
static const char *
quiesce_cause(int rc)
{
	switch (rc) {
	case -ETIMEDOUT: return "the device did not confirm the queue stop in time (ETIMEDOUT)";
	case -ENOTSUP: return "the device cannot stop a single queue (ENOTSUP)";
	default: return strerror(-rc);
	}
}

/* Release the queues (bounded by the swap's timeout), counting overruns. */
static void
queues_release(struct swap *s)
{
	s->rec->release_overruns += dd_queues_release(s->b, s->nq,
			dd_now_ns() + (uint64_t)s->o.timeout_us * 1000);
}

static void
swap_vfail(struct swap *s, uint32_t level, int rc, const char *fmt, va_list ap)
{
	vsnprintf(s->rec->reason, sizeof(s->rec->reason), fmt, ap);
	s->rec->result = rc;
	if (level == RTE_LOG_WARNING)
		DD_LOG(WARNING, "replace '%s' %s -> %s (%s): %s",
			s->b->name, s->old->name, s->new->name,
			rte_dma_domain_strategy_name(s->rec->strategy), s->rec->reason);
	else
		DD_LOG(DEBUG, "replace '%s' %s -> %s (%s): %s",
			s->b->name, s->old->name, s->new->name,
			rte_dma_domain_strategy_name(s->rec->strategy), s->rec->reason);
}

/* A failure after the device or its queues were touched: WARNING. */
static int __rte_format_printf(3, 4)
swap_fail(struct swap *s, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	swap_vfail(s, RTE_LOG_WARNING, rc, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * A refusal before anything changed (the caller's choice, not a failure
 * of the device): DEBUG (the library logs at INFO by default), so that a
 * periodic caller repeating a refused swap does not flood the log. The
 * reason is in the record (rte_dma_domain_last_swap()) for the caller.
 */
static int __rte_format_printf(3, 4)
swap_refuse(struct swap *s, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	swap_vfail(s, RTE_LOG_DEBUG, rc, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- queues ------------------------------------------------------------------ */

/* Request req from every queue and wait for the acknowledgments. */
static int
queues_wait(struct swap *s, uint32_t req)
{
	struct rte_dma_domain_binding *b = s->b;
	uint32_t missing = UINT32_MAX;
	uint16_t i = 0;
	int rc;

	if (s->inj == RTE_DMA_DOMAIN_INJECT_ACK) {
		/* mute the first online queue: it "never acknowledges" */
		for (i = 0; i < s->nq; i++)
			if (rte_atomic_load_explicit(&b->qstate[i].online,
					rte_memory_order_acquire))
				break;
		rte_atomic_store_explicit(&b->mute_qid, i, rte_memory_order_relaxed);
		if (i == s->nq) {
			/* nobody polls: model the silence of queue 0 */
			dd_queues_request(b, s->nq, req, s->o.timeout_us, &missing);
			missing = 0;
			rc = -ETIMEDOUT;
			goto timeout;
		}
	}
	rc = dd_queues_request(b, s->nq, req, s->o.timeout_us, &missing);
	rte_atomic_store_explicit(&b->mute_qid, UINT32_MAX, rte_memory_order_relaxed);
	if (rc == 0 && s->inj == RTE_DMA_DOMAIN_INJECT_ACK) {
		/* The mute is read by the poller before its report, which
		 * carries the token current then: a poller that entered its
		 * slow path on an older request and reports after this
		 * request's token can still answer it (a test artifact, as
		 * the mute is). The injection is a silent queue: time out.
		 */
		missing = i;
		rc = -ETIMEDOUT;
	}
	if (rc == 0)
		return 0;
timeout:
	if (missing == UINT32_MAX)
		/* every online queue answered some request: see the state
		 * dd_queues_request() logged
		 */
		return swap_fail(s, -ETIMEDOUT,
			"the %s did not end within %u us although every online queue acknowledged (queue states logged)",
			req == DD_PAUSE_PARK ? "pause" : "grace period", s->o.timeout_us);
	DD_LOG(ERR, "replace '%s': quiesce timeout: queue %u did not acknowledge within %u us%s",
		b->name, missing, s->o.timeout_us,
		s->inj == RTE_DMA_DOMAIN_INJECT_ACK ? " (injected)" : "");
	return swap_fail(s, -ETIMEDOUT,
		"queue %u did not acknowledge the %s within %u us%s",
		missing, req == DD_PAUSE_PARK ? "pause" : "grace period",
		s->o.timeout_us,
		s->inj == RTE_DMA_DOMAIN_INJECT_ACK ? " (injected)" : "");
}

static int
queue_quiesce(struct swap *s, uint16_t q)
{
	if (s->inj == RTE_DMA_DOMAIN_INJECT_QUIESCE && q == 0)
		return -EIO;
	if (s->b->ops.queue_quiesce == NULL)
		return 0;
	return s->b->ops.queue_quiesce(s->b->drv_arg, q);
}

static int
queue_resume(struct swap *s, uint16_t q)
{
	if (s->inj == RTE_DMA_DOMAIN_INJECT_RESUME && q == 0 && !s->resume_injected) {
		s->resume_injected = true;
		return -EIO;
	}
	if (s->b->ops.queue_resume == NULL)
		return 0;
	return s->b->ops.queue_resume(s->b->drv_arg, q);
}

/* Resume queues [from, n) during a rollback: retried, never given up
 * silently (queue_resume is idempotent: rte_dma_domain_dev_ops).
 */
static void
queues_resume_hard(struct swap *s, uint16_t from, uint16_t n)
{
	uint16_t q;
	int t, rc;

	for (q = from; q < n; q++) {
		for (t = 0, rc = -1; t < DD_RESUME_TRIES && rc != 0; t++)
			rc = queue_resume(s, q);
		if (rc != 0)
			DD_LOG(CRIT, "replace '%s': queue %u does not resume: %s",
				s->b->name, q, strerror(-rc));
	}
}

/* Stop device DMA on every queue (after the pollers parked). */
static int
queues_quiesce(struct swap *s)
{
	uint16_t q;
	int rc;

	for (q = 0; q < s->nq; q++) {
		uint64_t t = dd_now_ns(), dt;

		rc = queue_quiesce(s, q);
		dt = dd_now_ns() - t;
		s->rec->quiesce_ns += dt;
		s->rec->quiesce_max_ns = RTE_MAX(s->rec->quiesce_max_ns, dt);
		rte_dma_domain_trace_swap_quiesce(s->b->name, s->rec->seq, q, dt, rc);
		if (rc < 0) {
			/* q too: its quiesce may have stopped it half way */
			queues_resume_hard(s, 0, q + 1);
			s->rec->rolled_back = true;
			return swap_fail(s, rc, "driver could not quiesce queue %u: %s%s; queues resumed on '%s'",
				q, quiesce_cause(rc),
				s->inj == RTE_DMA_DOMAIN_INJECT_QUIESCE ? " (injected)" : "",
				s->old->name);
		}
	}
	return 0;
}

/* ---- coverage ------------------------------------------------------------- */

struct cov {
	struct swap *s;
	bool uncovered;
	bool differs;     /* mapped, but to other memory */
	uint64_t gap;     /* first uncovered IOVA */
	uint64_t first;   /* first IOVA the driver reported */
	bool any;
	/* The last extent found covered ([ok_lo, ok_hi], for ok_access):
	 * one linear stretch of the new domain's table, the same memory as
	 * the old one's where that maps it. Buffers of one mempool lie in
	 * few such extents: a range inside it needs no table walk (and no
	 * lock); the walk costs the number of extents, not of buffers.
	 * What it checks does not change: the tables as they were during the
	 * walk (the lock is per range anyway; pinned domains are not frozen,
	 * dma_domain_private.h).
	 */
	bool ok_valid;
	uint32_t ok_access;
	uint64_t ok_lo, ok_hi;
};

/* One range of the driver's walk against the two (pinned) domains'
 * tables, under dd_lock: the walk itself, a driver callback, is not.
 */
static int
cov_range(struct cov *c, uint64_t iova, uint64_t len, uint32_t access)
{
	uint64_t off, last = iova + (len - 1);

	for (off = iova;;) {
		void *vn, *vo;
		uint64_t cn, co, step;

		if (dd_domain_translate(c->s->new, off, access, &vn, &cn) < 0) {
			c->uncovered = true;
			c->gap = off;
			return 1;
		}
		step = cn;
		/* the same memory as now, where the old domain maps it; where
		 * it maps nothing (for this access), that holds to the end of
		 * the page only (mappings are whole pages): look again at the
		 * next one, which it may map to other memory
		 */
		if (dd_domain_translate(c->s->old, off, access, &vo, &co) == 0) {
			if (vo != vn) {
				c->uncovered = c->differs = true;
				c->gap = off;
				return 1;
			}
			step = RTE_MIN(step, co);
		} else {
			step = RTE_MIN(step, DD_PAGE - (off & (DD_PAGE - 1)));
		}
		if (step == 0 || last - off < step) {
			if (step != 0) {
				c->ok_valid = true;
				c->ok_access = access;
				c->ok_lo = off;
				c->ok_hi = off + (step - 1);
			}
			return 0;
		}
		off += step;
	}
}

/* Inside the last extent found covered, with no more access asked? */
static bool
cov_known(const struct cov *c, uint64_t iova, uint64_t len, uint32_t access)
{
	return c->ok_valid && (access & ~c->ok_access) == 0 &&
		iova >= c->ok_lo && iova <= c->ok_hi && len - 1 <= c->ok_hi - iova;
}

static int
cov_cb(uint64_t iova, uint64_t len, uint32_t access, void *arg)
{
	struct cov *c = arg;
	int rc;

	if (!c->any) {
		c->first = iova;
		c->any = true;
	}
	if (len == 0 || cov_known(c, iova, len, access))
		return 0;
	dd_lock();
	rc = cov_range(c, iova, len, access);
	dd_unlock();
	return rc;
}

/* One walk of the driver's IOVAs in the given phase. 0 with c filled in,
 * or the walk's own negative error.
 */
static int
coverage_walk(struct swap *s, bool parked, struct cov *c)
{
	struct rte_dma_domain_binding *b = s->b;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->s = s;
	if (b->ops.iova_walk != NULL)
		rc = b->ops.iova_walk(b->drv_arg, parked, cov_cb, c);
	if (rc < 0 && !c->uncovered)
		return rc;
	/* injected at the first check: "nothing changed" must hold there */
	if (s->inj == RTE_DMA_DOMAIN_INJECT_COVERAGE && !parked) {
		c->uncovered = true;
		c->gap = c->first;
	}
	return 0;
}

/*
 * Drain step of the second (parked) check: the pollers must run for
 * in-flight buffers to retire (a tx completion is reclaimed in a burst),
 * so un-park them, wait for two burst boundaries of every poller (the
 * grace period's acknowledgment is at the top of a burst, the pause's at
 * the top of a later one: one whole burst ran in between), park again.
 */
static int
queues_repark(struct swap *s)
{
	int rc;

	queues_release(s);
	rc = queues_wait(s, DD_PAUSE_REPORT);
	if (rc == 0)
		rc = queues_wait(s, DD_PAUSE_PARK);
	return rc;
}

/*
 * Coverage check (doc/guides/design.rst, "The Replace Protocol", step 1), in two phases that the
 * driver's iova_walk tells apart (see rte_dma_domain_dev_ops.iova_walk):
 *  - parked == false, queues running: what is stable (rings, mempools);
 *    an obvious refusal costs no pause and changes nothing;
 *  - parked == true, after every poller acknowledged the pause and before
 *    any queue_quiesce: what is in flight, now that nobody changes it.
 *    A refusal returns with the queues still parked; the caller's
 *    finish_pause() releases them, and nothing else was touched.
 *
 * Drain (opts.drain): an uncovered range is waited for instead of
 * refused, until the quiesce timeout. Running phase: walk again after
 * yielding (what the driver reports there can only change if the
 * application changes the port). Parked phase: queues_repark() lets the
 * pollers retire completed buffers between two walks; the application
 * must have stopped handing the port buffers from uncovered memory, or
 * the check refuses at the deadline ("after draining").
 */
static int
coverage_check_run(struct swap *s, bool parked)
{
	struct rte_dma_domain_binding *b = s->b;
	uint64_t deadline = dd_now_ns() + (uint64_t)s->o.timeout_us * 1000;
	struct cov c;
	int rc;

	if (b->ops.iova_walk == NULL && s->inj != RTE_DMA_DOMAIN_INJECT_COVERAGE) {
		if (!parked)
			DD_LOG(INFO, "replace '%s': driver reports no IOVAs (no iova_walk): coverage check skipped",
				b->name);
		return 0;
	}
	for (;;) {
		rc = coverage_walk(s, parked, &c);
		if (rc < 0)
			return swap_fail(s, rc, "driver iova_walk (%s) failed: %s",
				parked ? "queues parked" : "queues running", strerror(-rc));
		if (!c.uncovered)
			return 0;
		if (!s->o.drain || s->inj == RTE_DMA_DOMAIN_INJECT_COVERAGE ||
				dd_now_ns() > deadline)
			break;
		if (!parked) {
			sched_yield();
			continue;
		}
		rc = queues_repark(s);
		if (rc < 0)
			return rc;
	}
	return swap_refuse(s, -ERANGE,
		"IOVA 0x%" PRIx64 " %s is %s in '%s'%s%s; nothing changed",
		c.gap, parked ? "in flight (queues parked)" : "in use by the device",
		c.differs ? "mapped to other memory" : "not mapped",
		s->new->name,
		s->inj == RTE_DMA_DOMAIN_INJECT_COVERAGE ? " (injected)" : "",
		s->o.drain ? " after draining" : "");
}

/* ---- switch and rollback ------------------------------------------------ */

static void
recovery_event(struct swap *s, enum rte_dma_domain_recovery ev)
{
	if (s->b->ops.recovery_event != NULL)
		s->b->ops.recovery_event(s->b->drv_arg, ev);
}

/* Whether this attempt to return to the old domain is to fail (tests):
 * SWITCH_BACK fails the first, ROLLBACK every one.
 */
static bool
rb_injected(struct swap *s)
{
	unsigned int a = s->rb_attempts++;

	return s->inj == RTE_DMA_DOMAIN_INJECT_ROLLBACK ||
		(s->inj == RTE_DMA_DOMAIN_INJECT_SWITCH_BACK && a == 0);
}

static uint64_t faults_seen(struct swap *s, bool windowed);

/* Before a rollback: faults since the last check belong to the swap. */
static void
rollback_begin(struct swap *s)
{
	s->rec->faults += faults_seen(s, false);
	s->switched_back = true;
}

/* The first attempt to return failed: announce it (no lock held). */
static void
rollback_retry(struct swap *s, const char *what, int rc)
{
	DD_LOG(ERR, "replace '%s': rollback: %s '%s' failed (%s)%s; trying again",
		s->b->name, what, s->old->name, strerror(-rc),
		s->inj == RTE_DMA_DOMAIN_INJECT_SWITCH_BACK ||
		s->inj == RTE_DMA_DOMAIN_INJECT_ROLLBACK ? " (injected)" : "");
	s->recovering = true;
	recovery_event(s, RTE_DMA_DOMAIN_RECOVERING);
}

/*
 * The rollback is over: the device is back on the old domain (rc == 0),
 * or on none. Then the binding's domain is NULL, its queues are left
 * parked (their pause requests set) and quiesced, and the driver is told
 * RECOVERY_FAILED once the swap is over; rte_dma_domain_attach() after a
 * port stop clears the requests.
 */
static int
rollback_end(struct swap *s, int rc)
{
	if (rc == 0) {
		set_domain(s, s->old);
		s->rec->rolled_back = true;
		if (s->recovering) {
			s->final_ev = true;
			s->ev_end = RTE_DMA_DOMAIN_RECOVERY_SUCCESS;
		}
		return 0;
	}
	DD_LOG(CRIT, "replace '%s': ROLLBACK FAILED: the device is on NO domain (return to '%s': %s%s); its queues stay parked; recover: stop the port, rte_dma_domain_attach() it to a domain, start the port",
		s->b->name, s->old->name, strerror(-rc),
		s->inj == RTE_DMA_DOMAIN_INJECT_ROLLBACK ? ", injected" : "");
	s->stranded = true;
	s->rec->rolled_back = false;
	s->rec->rollback_failed = true;
	set_domain(s, NULL);
	s->final_ev = true;
	s->ev_end = RTE_DMA_DOMAIN_RECOVERY_FAILED;
	return rc;
}

/* The coverage check, timed and traced. */
static int
coverage_check(struct swap *s, bool parked)
{
	uint64_t t = dd_now_ns(), dt;
	int rc = coverage_check_run(s, parked);

	dt = dd_now_ns() - t;
	s->rec->coverage_ns += dt;
	rte_dma_domain_trace_swap_coverage(s->b->name, s->rec->seq, parked, dt, rc);
	return rc;
}

/* Put the device back on the old domain: switch back, else (VT-d may
 * leave the device blocked) detach + attach the old domain; checked.
 */
static int
restore_old(struct swap *s)
{
	int rc;

	rollback_begin(s);
	rc = rb_injected(s) ? -EIO : be_replace(s, s->old);
	if (rc == 0)
		return rollback_end(s, 0);
	rollback_retry(s, "switching back to", rc);
	be_detach(s);
	rc = rb_injected(s) ? -EIO : be_attach(s, s->old);
	return rollback_end(s, rc);
}

static int
do_switch(struct swap *s)
{
	uint64_t t = dd_now_ns();
	int rc;

	swap_point(s, RTE_DMA_DOMAIN_TEST_SWITCH);
	if (s->inj == RTE_DMA_DOMAIN_INJECT_SWITCH)
		rc = -EIO;
	else
		rc = be_replace(s, s->new);
	s->rec->switch_ns = dd_now_ns() - t;
	rte_dma_domain_trace_swap_switch(s->b->name, s->rec->seq, s->rec->switch_ns, rc);
	if (rc == 0) {
		set_domain(s, s->new);
		return 0;
	}
	restore_old(s);
	return swap_fail(s, rc, "%s backend switch call failed: %s%s; %s",
		s->bops->name, strerror(-rc),
		s->inj == RTE_DMA_DOMAIN_INJECT_SWITCH ? " (injected)" : "",
		landing(s));
}

/* Faults seen by the backend and the driver since the last call (with
 * windowed, up to the backend's confirmation window from now); notes
 * whether the driver says the device needs a reset (-EIO).
 */
static uint64_t
faults_seen(struct swap *s, bool windowed)
{
	uint64_t f = be_faults(s, windowed);
	uint64_t df = 0;
	int rc = 0;

	if (s->b->ops.fault_check != NULL)
		rc = s->b->ops.fault_check(s->b->drv_arg, &df);
	if (rc == 0 || rc == -EIO)
		f += df;
	s->needs_reset = rc == -EIO;
	return f;
}

/* A device that needs a reset is dead to DMA (virtio: DEVICE_NEEDS_RESET
 * after a fault): swapping it would "succeed" and leave it dead, so refuse
 * before anything changes.
 */
static int
device_check(struct swap *s)
{
	uint64_t df = 0;
	int rc;

	if (s->b->ops.fault_check == NULL)
		return 0;
	rc = s->b->ops.fault_check(s->b->drv_arg, &df);
	if (rc == 0 || rc == -EIO)
		s->rec->faults_between += df; /* before this swap */
	if (rc != -EIO)
		return 0;
	return swap_fail(s, -EIO,
		"device needs a reset (driver's fault check: -EIO, %" PRIu64 " new fault(s)); reset the port first; nothing changed",
		df);
}

/* Faults across the switch; windowed where the queues already run on the
 * new domain (hitless, restart): late reports count too.
 */
static int
confirm(struct swap *s, int (*undo)(struct swap *s), bool windowed)
{
	uint64_t f = faults_seen(s, windowed);
	bool inj = s->inj == RTE_DMA_DOMAIN_INJECT_FAULT ||
		s->inj == RTE_DMA_DOMAIN_INJECT_SWITCH_BACK ||
		s->inj == RTE_DMA_DOMAIN_INJECT_ROLLBACK;

	if (inj)
		f++;
	/* a device that needs a reset after the switch faulted, counted
	 * or not
	 */
	if (s->needs_reset && f == 0)
		f = 1;
	s->rec->faults += f;
	if (f == 0)
		return 0;
	undo(s);
	return swap_fail(s, -EIO, "%" PRIu64 " fault(s) across the switch to '%s'%s%s; %s",
		f, s->new->name,
		s->needs_reset ? ", device needs a reset" : "",
		inj ? " (injected)" : "", landing(s));
}

/* The faults the device caused since the last swap, before this one
 * changes anything: counted apart (faults_between), not charged to it.
 */
static void
baseline(struct swap *s)
{
	s->rec->faults_between += faults_seen(s, false);
}

/*
 * After the pause of a swap that succeeded (quiesce, remap, restart: the
 * pollers run again, so the window is not in the pause; hitless waits in
 * its confirm instead): faults reported within the
 * backend's confirmation window (the kernel's DMAR lines reach /dev/kmsg
 * asynchronously; a range the coverage check missed faults only once the
 * device uses it again). They belong to this swap. Undoing it would take
 * another pause, under traffic that is faulting already: the swap fails
 * (-EIO) with the device on the new domain, and says so; a device that
 * needs a reset announces it through its driver.
 */
static int
confirm_after_resume(struct swap *s)
{
	uint64_t t = dd_now_ns();
	uint64_t f = faults_seen(s, true);

	s->rec->confirm_ns = dd_now_ns() - t;
	if (s->needs_reset && f == 0)
		f = 1;
	if (f == 0)
		return 0;
	s->rec->faults += f;
	s->rec->late_faults = f;
	return swap_fail(s, -EIO,
		"%" PRIu64 " fault(s) after the queues resumed on '%s'%s (a range the device uses is missing there?); the device stays on '%s'%s",
		f, s->new->name, s->rec->faults_inexact ? " (at least)" : "",
		s->new->name, s->needs_reset ? " and needs a reset" : "");
}

/* After a rollback that left the device on no domain, nothing resumes. */
static void
queues_resume_rollback(struct swap *s)
{
	if (!s->stranded)
		queues_resume_hard(s, 0, s->nq);
}

/* Resume every queue; if one fails, quiesce the resumed ones again, undo
 * the switch and resume all.
 */
static int
resume_or_undo(struct swap *s, int (*undo)(struct swap *s))
{
	uint16_t q, r;
	int rc;

	for (q = 0; q < s->nq; q++) {
		rc = queue_resume(s, q);
		if (rc == 0)
			continue;
		for (r = 0; r < q; r++)
			if (queue_quiesce(s, r) < 0)
				DD_LOG(ERR, "replace '%s': rollback: queue %u does not quiesce again",
					s->b->name, r);
		undo(s);
		queues_resume_rollback(s);
		return swap_fail(s, rc, "driver could not resume queue %u: %s%s; %s",
			q, strerror(-rc),
			s->inj == RTE_DMA_DOMAIN_INJECT_RESUME ? " (injected)" : "",
			landing(s));
	}
	return 0;
}

/* End of the pause; not after a failed rollback: the queues stay parked
 * (the device is on no domain) until the application recovers.
 */
static void
finish_pause(struct swap *s)
{
	uint64_t now = dd_now_ns();

	s->rec->max_parked_ns = dd_queues_max_parked(s->b, s->nq, now);
	if (!s->stranded)
		queues_release(s);
	s->rec->resume_ns += dd_now_ns() - now;
	s->rec->pause_ns = dd_now_ns() - s->t0;
	rte_dma_domain_trace_swap_resume(s->b->name, s->rec->seq, s->rec->resume_ns);
}

/* ---- strategies ----------------------------------------------------------- */

/* Park every queue, then check what is in flight (second coverage phase).
 * On failure the queues are still parked: finish_pause() releases them.
 */
static int
park_and_check(struct swap *s)
{
	uint64_t t = dd_now_ns();
	int rc = queues_wait(s, DD_PAUSE_PARK);

	s->rec->park_ns = dd_now_ns() - t;
	rte_dma_domain_trace_swap_parked(s->b->name, s->rec->seq, s->rec->park_ns, rc);
	if (rc == 0)
		swap_point(s, RTE_DMA_DOMAIN_TEST_PARKED);
	if (rc == 0)
		rc = coverage_check(s, true);
	return rc;
}

/* The paused sequence of quiesce and remap: park and check, quiesce,
 * switch, confirm, resume; undo brings the old translations back when a
 * step after the switch fails. The caller ends the pause.
 */
static int
paused_swap(struct swap *s, int (*switch_fn)(struct swap *s),
		int (*undo)(struct swap *s))
{
	int rc;

	s->t0 = dd_now_ns();
	rc = park_and_check(s);
	if (rc == 0)
		rc = queues_quiesce(s);
	if (rc == 0) {
		baseline(s);
		rc = switch_fn(s);
		if (rc == 0)
			rc = confirm(s, undo, false);
		if (rc < 0)
			queues_resume_rollback(s);
	}
	if (rc == 0) {
		uint64_t t = dd_now_ns();

		rc = resume_or_undo(s, undo);
		s->rec->resume_ns = dd_now_ns() - t;
	}
	return rc;
}

static int
run_quiesce(struct swap *s)
{
	int rc = paused_swap(s, do_switch, restore_old);

	finish_pause(s);
	return rc == 0 ? confirm_after_resume(s) : rc;
}

/* HITLESS never parked the queues: after a failed rollback, park them
 * (their device is on no domain) and leave them parked.
 */
static void
park_stranded(struct swap *s)
{
	uint32_t missing = UINT32_MAX;

	if (dd_queues_request(s->b, s->nq, DD_PAUSE_PARK, s->o.timeout_us, &missing) < 0)
		DD_LOG(CRIT, "replace '%s': queue %u did not park after the failed rollback within %u us",
			s->b->name, missing, s->o.timeout_us);
}

/* No pause, so no parked coverage check (see iova_walk in
 * rte_dma_domain.h): the confirm step is the safety net.
 */
static int
run_hitless(struct swap *s)
{
	int rc;

	baseline(s);
	rc = do_switch(s);
	if (rc == 0) {
		/* grace period: every poller passes a burst boundary */
		s->t0 = dd_now_ns();
		rc = queues_wait(s, DD_PAUSE_REPORT);
		s->rec->park_ns = dd_now_ns() - s->t0;
		rte_dma_domain_trace_swap_parked(s->b->name, s->rec->seq, s->rec->park_ns, rc);
		queues_release(s);
		if (rc < 0)
			restore_old(s);
		else
			rc = confirm(s, restore_old, true);
	}
	if (s->stranded)
		park_stranded(s);
	return rc;
}

/* REMAP: make the current domain's table equal to the target's. */

/*
 * REMAP rewrites the domain the device is on in place: every other
 * binding attached to it sees its mappings go away and come back while
 * its queues run (only this binding's queues are quiesced) and faults.
 * Refuse, naming them, unless forced; forced, say so in the log.
 */
static int
remap_shared_check(struct swap *s)
{
	struct rte_dma_domain_binding *o;
	char names[192];
	unsigned int n = 0;
	size_t len = 0;

	names[0] = '\0';
	for (o = dd_binding_first(); o != NULL; o = dd_binding_next(o)) {
		if (o == s->b || o->dom != s->old)
			continue;
		if (len < sizeof(names))
			len += snprintf(names + len, sizeof(names) - len, "%s'%s'",
				n > 0 ? ", " : "", o->name);
		n++;
	}
	if (n == 0)
		return 0;
	if (len >= sizeof(names))
		memcpy(names + sizeof(names) - 4, "...", 4);
	if (s->o.force) {
		DD_LOG(WARNING, "replace '%s': forced remap rewrites '%s' in place; %u other binding(s) attached to it were NOT quiesced (their DMA may fault): %s",
			s->b->name, s->old->name, n, names);
		return 0;
	}
	return swap_refuse(s, -EBUSY,
		"binding(s) %s also on '%s' would not be quiesced (remap rewrites it in place); nothing changed; move them or force",
		names, s->old->name);
}

static int
load_table(struct rte_dma_domain *d, const struct dd_map_table *t)
{
	uint32_t i;
	int rc;

	dd_unmap_locked(d, 0, UINT64_MAX, NULL);
	for (i = 0; i < t->n; i++) {
		rc = dd_map_locked(d, t->m[i].iova, t->m[i].va, t->m[i].len,
				t->m[i].access);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One attempt to give the old domain its table back. */
static int
remap_restore(struct swap *s)
{
	int rc;

	dd_lock();
	if (rb_injected(s)) {
		dd_unmap_locked(s->old, 0, UINT64_MAX, NULL);
		rc = -EIO; /* fail half way: everything unmapped */
	} else {
		rc = load_table(s->old, &s->saved);
	}
	dd_unlock();
	return rc;
}

/* A domain whose table could not be restored is no domain to leave the
 * device on: detached (and the binding on no domain).
 */
static int
remap_undo(struct swap *s)
{
	int rc;

	rollback_begin(s);
	rc = remap_restore(s);
	if (rc == 0)
		return rollback_end(s, 0);
	rollback_retry(s, "restoring the table of", rc);
	rc = remap_restore(s);
	if (rc < 0) {
		DD_LOG(CRIT, "replace '%s': remap rollback left '%s' with part of its mappings; the device is detached from it",
			s->b->name, s->old->name);
		be_detach(s);
	}
	return rollback_end(s, rc);
}

static int
remap_switch(struct swap *s)
{
	struct dd_map_table target;
	uint64_t t = dd_now_ns();
	int rc;

	memset(&target, 0, sizeof(target));
	dd_lock();
	rc = dd_map_table_dup(&s->old->tbl, &s->saved);
	if (rc == 0)
		rc = dd_map_table_dup(&s->new->tbl, &target);
	if (rc < 0) {
		dd_unlock();
		dd_map_table_free(&target);
		return swap_fail(s, rc, "remap: out of memory");
	}
	if (s->inj == RTE_DMA_DOMAIN_INJECT_SWITCH) {
		dd_unmap_locked(s->old, 0, UINT64_MAX, NULL);
		rc = -EIO; /* fail half way: everything unmapped */
	} else {
		rc = load_table(s->old, &target);
	}
	dd_unlock();
	s->rec->switch_ns = dd_now_ns() - t;
	dd_map_table_free(&target);
	if (rc == 0)
		return 0;
	remap_undo(s);
	return swap_fail(s, rc, "remap of '%s' failed: %s%s; %s",
		s->old->name, strerror(-rc),
		s->inj == RTE_DMA_DOMAIN_INJECT_SWITCH ? " (injected)" : "",
		s->stranded ? landing(s) : "mappings restored");
}

static int
run_remap(struct swap *s)
{
	int rc;

	if (s->old->kind != RTE_DMA_DOMAIN_PAGING || s->new->kind != RTE_DMA_DOMAIN_PAGING)
		return swap_refuse(s, -ENOTSUP, "remap needs paging domains ('%s' is %s, '%s' is %s)",
			s->old->name, dd_kind_name(s->old->kind), s->new->name,
			dd_kind_name(s->new->kind));
	rc = paused_swap(s, remap_switch, remap_undo);
	dd_map_table_free(&s->saved);
	finish_pause(s);
	return rc == 0 ? confirm_after_resume(s) : rc;
}

static int
restart_reattach(struct swap *s, struct rte_dma_domain *d)
{
	int rc;

	be_detach(s);
	rc = be_attach(s, d);
	if (rc == 0)
		set_domain(s, d);
	return rc;
}

/* RESTART's rollback, port stopped: re-attach the old domain, twice. */
static int
restart_undo(struct swap *s)
{
	int rc;

	rollback_begin(s);
	if (rb_injected(s)) {
		be_detach(s);
		rc = -EIO;
	} else {
		rc = restart_reattach(s, s->old);
	}
	if (rc == 0)
		return rollback_end(s, 0);
	rollback_retry(s, "re-attaching", rc);
	if (rb_injected(s)) {
		be_detach(s);
		rc = -EIO;
	} else {
		rc = restart_reattach(s, s->old);
	}
	return rollback_end(s, rc);
}

/* Port stopped, rollback, port started again - unless the device is on
 * no domain: then the port stays stopped (and its queues offline).
 */
static void
restart_undo_stopped(struct swap *s)
{
	if (restart_undo(s) == 0)
		s->b->ops.port_restart(s->b->drv_arg, true);
}

/* The confirm step's undo: the port runs on the new domain. */
static int
restart_undo_running(struct swap *s)
{
	s->b->ops.port_restart(s->b->drv_arg, false);
	restart_undo_stopped(s);
	return s->stranded ? -ENOTRECOVERABLE : 0;
}

static int
run_restart(struct swap *s)
{
	int (*port)(void *, bool) = s->b->ops.port_restart;
	void *arg = s->b->drv_arg;
	uint64_t t;
	int rc;

	if (port == NULL)
		return swap_refuse(s, -ENOTSUP, "driver has no port_restart callback");
	s->t0 = dd_now_ns();
	/* No parked coverage check: port stop releases what is in flight,
	 * port start posts from the mempools the first check covered.
	 */
	rc = queues_wait(s, DD_PAUSE_PARK);
	if (rc < 0)
		goto out;
	rc = s->inj == RTE_DMA_DOMAIN_INJECT_QUIESCE ? -EIO : port(arg, false);
	if (rc < 0) {
		port(arg, true);
		s->rec->rolled_back = true;
		swap_fail(s, rc, "port stop failed: %s%s; port restarted on '%s'",
			strerror(-rc), s->inj == RTE_DMA_DOMAIN_INJECT_QUIESCE ?
			" (injected)" : "", s->old->name);
		goto out;
	}
	baseline(s);
	t = dd_now_ns();
	rc = s->inj == RTE_DMA_DOMAIN_INJECT_SWITCH ? -EIO : restart_reattach(s, s->new);
	s->rec->switch_ns = dd_now_ns() - t;
	if (rc < 0) {
		restart_undo_stopped(s);
		swap_fail(s, rc, "attach of '%s' failed: %s%s; %s",
			s->new->name, strerror(-rc), s->inj == RTE_DMA_DOMAIN_INJECT_SWITCH ?
			" (injected)" : "", landing(s));
		goto out;
	}
	rc = s->inj == RTE_DMA_DOMAIN_INJECT_RESUME ? -EIO : port(arg, true);
	if (rc == 0) {
		rc = confirm(s, restart_undo_running, false);
		goto out;
	}
	port(arg, false);
	restart_undo_stopped(s);
	swap_fail(s, rc, "port start on '%s' failed: %s%s; %s",
		s->new->name, strerror(-rc), s->inj == RTE_DMA_DOMAIN_INJECT_RESUME ?
		" (injected)" : "", landing(s));
out:
	finish_pause(s);
	return rc == 0 ? confirm_after_resume(s) : rc;
}

/* The backend's one-time work for the target (iommufd: the HWPT of this
 * device in the new domain) happens here, before the pause, so it is not
 * in the switch time and a refusal changes nothing. REMAP does not switch.
 */
static int
prepare_target(struct swap *s)
{
	int rc;

	if (s->bops->prepare == NULL || s->o.strategy == RTE_DMA_DOMAIN_STRATEGY_REMAP)
		return 0;
	rc = s->bops->prepare(s->cpriv, s->b->dev_priv, s->new->priv);
	if (rc < 0)
		return swap_refuse(s, rc, "%s backend cannot prepare '%s' for the device: %s; nothing changed",
			s->bops->name, s->new->name, strerror(-rc));
	return 0;
}

/* After a rollback switched the device back: faults since then are the
 * rollback's (the device on its old domain, or on none), counted apart.
 */
static void
rollback_fault_check(struct swap *s)
{
	uint64_t f = faults_seen(s, false);

	s->rec->rollback_faults = f;
	s->rec->faults += f;
	if (f > 0)
		DD_LOG(ERR, "replace '%s': %" PRIu64 " fault(s) after the rollback %s '%s'",
			s->b->name, f, s->stranded ? "failed to return to" : "to",
			s->old->name);
}

/* A failed rollback is its own outcome: -ENOTRECOVERABLE, said in the
 * reason (kept to its length: the log has the whole story).
 */
static int
stranded_result(struct swap *s)
{
	struct rte_dma_domain_swap_record *r = s->rec;
	const char *tag = "ROLLBACK FAILED";

	if (strstr(r->reason, tag) == NULL) {
		size_t n = strlen(r->reason), room = sizeof(r->reason) - 1;
		const char *add = "; ROLLBACK FAILED: device on NO domain";

		if (n + strlen(add) > room)
			n = room - strlen(add);
		snprintf(r->reason + n, sizeof(r->reason) - n, "%s", add);
	}
	return -ENOTRECOVERABLE;
}

/* ---- entry ----------------------------------------------------------------- */

/* Replace onto the current domain: nothing to do, no pause, no driver
 * callback; recorded as a no-op success (dd_lock held).
 */
static int
replace_noop(struct rte_dma_domain_binding *b, struct rte_dma_domain_swap_record *rec)
{
	rec->noop = true;
	rec->result = 0;
	dd_stats_commit(b, rec);
	DD_LOG(DEBUG, "replace '%s': already on '%s': nothing to do", b->name, rec->to);
	return 0;
}

/* Begin: mark the binding swapping, pin what the swap uses (dd_lock). */
static void
swap_begin(struct swap *s)
{
	struct rte_dma_domain_binding *b = s->b;

	b->swapping = true;
	b->swap_from = s->old;
	b->swap_to = s->new;
	dd_domain_pin(s->old);
	dd_domain_pin(s->new);
}

/* End: commit the record, unpin, the binding is free again (dd_lock). */
static void
swap_end(struct swap *s)
{
	struct rte_dma_domain_binding *b = s->b;

	dd_stats_commit(b, s->rec);
	if (s->stranded)
		b->stranded = true;
	dd_domain_unpin(s->old);
	dd_domain_unpin(s->new);
	b->swap_from = b->swap_to = NULL;
	b->swapping = false;
}

/* The queues the driver uses now (dev_ops.queues_in_use), all without it. */
static uint16_t
queues_in_use(const struct rte_dma_domain_binding *b)
{
	if (b->ops.queues_in_use == NULL)
		return b->nb_queues;
	return RTE_MIN(b->ops.queues_in_use(b->drv_arg), b->nb_queues);
}

/* The steps that run without dd_lock. */
static int
swap_run(struct swap *s)
{
	int rc;

	s->nq = queues_in_use(s->b);
	rc = device_check(s);

	if (rc == 0)
		rc = coverage_check(s, false);
	if (rc == 0)
		rc = prepare_target(s);
	if (rc < 0)
		return rc;
	switch (s->o.strategy) {
	case RTE_DMA_DOMAIN_STRATEGY_HITLESS:
		return run_hitless(s);
	case RTE_DMA_DOMAIN_STRATEGY_REMAP:
		return run_remap(s);
	case RTE_DMA_DOMAIN_STRATEGY_RESTART:
		return run_restart(s);
	default:
		return run_quiesce(s);
	}
}

/* The replace once its arguments are checked (rte_dma_domain_replace()). */
static int
replace_run(struct rte_dma_domain_binding *b, struct rte_dma_domain *dom, struct swap *s)
{
	struct rte_dma_domain_swap_record rec;
	bool atomic;
	int rc;

	dd_lock();
	if (b->dom == NULL) {
		dd_unlock();
		if (b->stranded)
			DD_LOG(ERR, "replace '%s': on no domain after a failed rollback: stop the port, rte_dma_domain_attach(), start it",
				b->name);
		else
			DD_LOG(ERR, "replace '%s': not attached (use rte_dma_domain_attach())",
				b->name);
		rte_errno = EINVAL;
		return -EINVAL;
	}
	if (b->swapping) {
		dd_unlock();
		DD_LOG(ERR, "replace '%s': a replace is already running on it", b->name);
		rte_errno = EBUSY;
		return -EBUSY;
	}
	atomic = b->ctx->ops->atomic_replace(b->ctx->priv);
	if (s->o.strategy == RTE_DMA_DOMAIN_STRATEGY_DEFAULT)
		s->o.strategy = b->default_strategy;
	if (s->o.strategy == RTE_DMA_DOMAIN_STRATEGY_DEFAULT)
		s->o.strategy = atomic ? RTE_DMA_DOMAIN_STRATEGY_HITLESS :
			RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	memset(&rec, 0, sizeof(rec));
	rec.seq = ++b->stats->seq;
	rec.strategy = s->o.strategy;
	rte_strlcpy(rec.from, b->dom->name, sizeof(rec.from));
	rte_strlcpy(rec.to, dom->name, sizeof(rec.to));
	if (dom == b->dom)
		return dd_unlock_ret(replace_noop(b, &rec));
	s->b = b;
	s->old = b->dom;
	s->new = dom;
	s->bops = b->ctx->ops;
	s->cpriv = b->ctx->priv;
	s->rec = &rec;
	s->inj = b->inject;
	b->inject = RTE_DMA_DOMAIN_INJECT_NONE;
	swap_begin(s);
	rte_dma_domain_trace_swap_request(b->name, rec.seq, (int)rec.strategy, rec.from, rec.to);
	rc = 0;
	if (s->o.strategy == RTE_DMA_DOMAIN_STRATEGY_HITLESS && !atomic && !s->o.force)
		rc = swap_refuse(s, -ENOTSUP,
			"hitless needs an atomic replace (the %s backend's is not); use quiesce, or force",
			s->bops->name);
	else if (s->o.strategy == RTE_DMA_DOMAIN_STRATEGY_REMAP)
		rc = remap_shared_check(s);
	dd_unlock();

	if (rc == 0)
		rc = swap_run(s);
	if (s->switched_back)
		rollback_fault_check(s);
	if (s->stranded)
		rc = stranded_result(s);
	rec.result = rc;
	rte_dma_domain_trace_swap_done(b->name, rec.seq, rc, rec.pause_ns, rec.park_ns,
		rec.coverage_ns, rec.quiesce_ns, rec.switch_ns, rec.resume_ns);
	if (rc == 0)
		DD_LOG(DEBUG, "replace '%s' %s -> %s (%s): pause %" PRIu64 " ns, switch %" PRIu64 " ns",
			b->name, rec.from, rec.to,
			rte_dma_domain_strategy_name(rec.strategy),
			rec.pause_ns, rec.switch_ns);

	dd_lock();
	swap_end(s);
	dd_unlock();
	/* SUCCESS/FAILED once the swap is over: the application may act */
	if (s->final_ev)
		recovery_event(s, s->ev_end);
	if (rc < 0)
		rte_errno = -rc;
	return rc;
}

int
rte_dma_domain_replace(struct rte_dma_domain_binding *b, struct rte_dma_domain *dom,
		const struct rte_dma_domain_replace_opts *opts)
{
	struct swap s;
	bool serial;
	int rc;

	if (b == NULL || dom == NULL) {
		DD_LOG(ERR, "replace: binding and domain are required");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	rc = dd_ctx_check(b->ctx, dom, "replace", b->name);
	if (rc < 0)
		return rc;
	memset(&s, 0, sizeof(s));
	if (opts != NULL)
		s.o = *opts;
	if ((unsigned int)s.o.strategy > RTE_DMA_DOMAIN_STRATEGY_RESTART) {
		DD_LOG(ERR, "replace '%s': unknown strategy %d", b->name, (int)s.o.strategy);
		rte_errno = EINVAL;
		return -EINVAL;
	}
	if (s.o.timeout_us == 0)
		s.o.timeout_us = DD_DEFAULT_TIMEOUT_US;
	/* the protocol runs driver callbacks: never under our lock */
	if (dd_lock_held()) {
		DD_LOG(ERR, "replace '%s': called with the library's lock held (from a foreach callback?); call it from outside",
			b->name);
		rte_errno = EDEADLK;
		return -EDEADLK;
	}

	serial = rte_atomic_load_explicit(&dd_serialize, rte_memory_order_acquire);
	if (serial)
		pthread_mutex_lock(&dd_serial);
	rc = replace_run(b, dom, &s);
	if (serial)
		pthread_mutex_unlock(&dd_serial);
	return rc;
}
