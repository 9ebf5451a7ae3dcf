/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_thread.h>
#include <rte_dma_domain_compat.h>

#include <dma_domain_percentile.h>

#include "tr_domain.h"
#include "tr_swap.h"
#include "tr_util.h"

/* Reservoir of samples per strategy and metric for the percentiles. */
#define RESV_SIZE 4096
#define MAX_SCHEDS 64
#define IDLE_WAKE_NS (100ULL * 1000 * 1000)
/* Packets lost by the last swap of a schedule show up as sequence gaps
 * only when later packets arrive: wait this long before counting.
 */
#define SETTLE_NS (30ULL * 1000 * 1000)

static struct tr_swap_hooks hooks;
static uint64_t t0_ns;

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond; /* CLOCK_MONOTONIC; schedule changes */
static rte_thread_t ctl_tid;
static bool ctl_running, ctl_quit;
static bool ctl_kicked; /* __atomic: the service hook has work */

/*
 * Swap records: a ring of the last rec_window records ('show swap log',
 * the JSON report) and streaming aggregates of all of them (counts,
 * max, percentiles from a bounded reservoir), so that memory stays flat
 * however long a schedule runs. All under mtx.
 */
static struct tr_swap_entry *recs;  /* ring, rec_window entries */
static size_t rec_window = TR_SWAP_WINDOW_DEFAULT;
static size_t rec_head;             /* next slot written */
static size_t nb_recs;              /* valid entries in the ring */
static uint64_t total_recs;         /* records ever made (since a clear) */
static uint64_t recs_lost;          /* not kept: ring allocation failed */

/* Bounded uniform sample of a metric (Vitter's algorithm R) + exact max. */
struct resv {
	uint64_t n;                 /* values offered */
	uint64_t max;
	uint64_t v[RESV_SIZE];
};
static struct agg {
	uint64_t swaps, failures, rollbacks, faults;
	struct resv pause, sw, call;
} aggs[TR_NB_STRATEGIES];
static uint64_t agg_ok, agg_rollbacks, agg_faults; /* all strategies */
static uint64_t resv_rng = 0x9e3779b97f4a7c15ULL;

/* A schedule prints its first transient failure, then at most one
 * summary line per period (and one at its end).
 */
#define TRANSIENT_LOG_NS (1000ULL * 1000 * 1000)

struct sched {
	struct tr_sched_info i;
	uint64_t next_ns;     /* absolute */
	bool settling;        /* stopped, lost not counted yet */
	uint64_t settle_ns;   /* absolute */
	bool gaps_valid;
	uint64_t gaps_start;
	uint64_t tr_pending;      /* not yet in a log line */
	uint64_t tr_logged_ns;    /* absolute, last transient line */
	char tr_last[TR_ERRLEN];  /* last transient failure */
};
static struct sched scheds[MAX_SCHEDS];
static int nb_scheds;

/* Loss per strategy: schedules of one strategy that overlap in time (one
 * per port) share one window of the verifier's gap counter, so that the
 * packets lost meanwhile are counted once.
 */
static struct {
	unsigned int open;    /* schedules of it running or settling */
	uint64_t gaps_start;
	enum rte_dma_domain_strategy used; /* strategy their swaps used */
} win[TR_NB_STRATEGIES];
static uint64_t strat_lost[TR_NB_STRATEGIES];
static bool strat_lost_known[TR_NB_STRATEGIES];

uint64_t
tr_t0_ns(void)
{
	return t0_ns;
}

void
tr_swap_init(const struct tr_swap_hooks *h)
{
	pthread_condattr_t ca;

	if (h != NULL)
		hooks = *h;
	t0_ns = tr_now_ns();
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cond, &ca);
	pthread_condattr_destroy(&ca);
}

int
tr_swap_set_window(size_t n)
{
	int rc = 0;

	if (n == 0 || n > TR_SWAP_WINDOW_MAX)
		return -EINVAL;
	pthread_mutex_lock(&mtx);
	if (total_recs != 0)
		rc = -EBUSY;
	else if (n != rec_window) {
		free(recs);
		recs = NULL;
		rec_window = n;
	}
	pthread_mutex_unlock(&mtx);
	return rc;
}

static void
resv_add(struct resv *r, uint64_t x)
{
	uint64_t j;

	r->max = RTE_MAX(r->max, x);
	if (r->n < RESV_SIZE) {
		r->v[r->n++] = x;
		return;
	}
	r->n++;
	/* xorshift64: uniform enough for a sample */
	resv_rng ^= resv_rng << 13;
	resv_rng ^= resv_rng >> 7;
	resv_rng ^= resv_rng << 17;
	j = resv_rng % r->n;
	if (j < RESV_SIZE)
		r->v[j] = x;
}

static enum rte_dma_domain_strategy entry_strategy(const struct tr_swap_entry *e);

/* Called with mtx held. */
static void
aggregate(const struct tr_swap_entry *e)
{
	struct agg *a = &aggs[entry_strategy(e)];

	a->faults += e->rec.faults;
	agg_faults += e->rec.faults;
	agg_rollbacks += e->rec.rolled_back;
	if (e->rc != 0) {
		a->failures++;
		a->rollbacks += e->rec.rolled_back;
		return;
	}
	agg_ok++;
	a->swaps++;
	resv_add(&a->pause, e->rec.pause_ns);
	resv_add(&a->sw, e->rec.switch_ns);
	resv_add(&a->call, e->call_ns);
}

static void
record(const struct tr_swap_entry *e)
{
	pthread_mutex_lock(&mtx);
	total_recs++;
	aggregate(e);
	if (recs == NULL)
		recs = calloc(rec_window, sizeof(*recs));
	if (recs == NULL) {
		recs_lost++;
	} else {
		recs[rec_head] = *e;
		rec_head = (rec_head + 1) % rec_window;
		if (nb_recs < rec_window)
			nb_recs++;
	}
	pthread_mutex_unlock(&mtx);
}

uint64_t
tr_swap_dropped(void)
{
	uint64_t d;

	pthread_mutex_lock(&mtx);
	d = total_recs - nb_recs;
	pthread_mutex_unlock(&mtx);
	return d;
}

/* The cause of a failed replace in words: the library's reason where it
 * gave one, else what the errno means for a replace.
 */
static const char *
fail_cause(int rc, const struct rte_dma_domain_swap_record *rec)
{
	if (rec->reason[0] != '\0')
		return rec->reason;
	switch (-rc) {
	case EBUSY:
		return "another replace of this port is running";
	case EINVAL:
		return "the port is not attached to a DMA domain (see the log)";
	case ENOTSUP:
		return "not supported by this backend or driver";
	case ETIMEDOUT:
		return "the queues did not acknowledge the pause in time";
	case ERANGE:
		return "the target domain does not map all of the port's memory";
	case EDEADLK:
		return "called with the DMA domain library's lock held";
	case ENOMEM:
		return "out of memory";
	case EIO:
		return "the IOMMU backend reported an I/O error";
	default:
		return strerror(-rc);
	}
}

/*
 * Whether a failed swap of a schedule would fail the same way at every
 * later period (so the schedule stops): a refusal that depends on the
 * options, the backend or the domains, not on timing.
 */
static bool
fail_permanent(int rc, const struct rte_dma_domain_swap_record *rec,
		const struct rte_dma_domain_replace_opts *o)
{
	switch (-rc) {
	case ENOTSUP:  /* hitless on a non-atomic model, remap of a non-paging domain */
	case EINVAL:   /* not attached, bad domain */
	case EDEADLK:
		return true;
	case ERANGE:   /* coverage; with drain it may clear later */
		return !o->drain;
	case EBUSY:
		/* the library's shared-domain remap refusal has a reason; a
		 * concurrent replace has none and is transient
		 */
		return rec->reason[0] != '\0' && !rec->rolled_back;
	default:
		return false;
	}
}

/* Another port whose device is attached to dom, or -1. */
static int
shared_with(uint16_t port, const struct rte_dma_domain *dom)
{
	uint16_t p;

	if (dom == NULL)
		return -1;
	RTE_ETH_FOREACH_DEV(p) {
		struct rte_dma_domain_binding *b;

		if (p == port)
			continue;
		b = rte_dma_domain_binding_lookup(tr_port_devname(p));
		if (b != NULL && rte_dma_domain_binding_domain(b) == dom)
			return p;
	}
	return -1;
}

/*
 * One recorded replace. On failure err says why in words and *permanent
 * (if not NULL) whether the same call would be refused again; *used gets
 * the strategy the library ran (DEFAULT resolved) on success.
 */
static int
swap_do(uint16_t port, struct rte_dma_domain *dom,
		const struct rte_dma_domain_replace_opts *o, int32_t sched, char *err,
		bool *permanent, enum rte_dma_domain_strategy *used)
{
	struct rte_dma_domain_swap_record prev;
	struct rte_dma_domain_binding *b;
	struct tr_swap_entry e;
	struct rte_dma_domain *cur;
	bool had_prev;
	uint64_t t1;
	int other = -1;

	if (permanent != NULL)
		*permanent = true;

	if (tr_port_binding(port, &b, err) < 0)
		return -EINVAL;
	memset(&e, 0, sizeof(e));
	e.port = port;
	e.sched = sched;
	e.requested = o->strategy;

	tr_dom_lock();
	cur = rte_dma_domain_binding_domain(b);
	if (o->strategy == RTE_DMA_DOMAIN_STRATEGY_REMAP && !o->force)
		other = shared_with(port, cur);
	if (other >= 0) {
		tr_dom_unlock();
		return tr_err(err, "refused: remap of port %u rewrites domain '%s' in place, and port %d is on it too (its DMA would fault): move one port to another domain first, or add 'force'",
			port, rte_dma_domain_name(cur), other);
	}
	if (hooks.around != NULL && hooks.around(port, o, true, err) < 0) {
		tr_dom_unlock();
		if (permanent != NULL)
			*permanent = false;
		return -EBUSY;
	}
	had_prev = rte_dma_domain_last_swap(b, &prev) == 0;
	e.t_ns = tr_now_ns();
	e.rc = rte_dma_domain_replace(b, dom, o);
	t1 = tr_now_ns();
	if (hooks.around != NULL)
		hooks.around(port, o, false, err);
	/* A replace refused before it numbered a swap (busy, not attached)
	 * leaves the previous record: not this call's.
	 */
	if (rte_dma_domain_last_swap(b, &e.rec) != 0 ||
			(had_prev && e.rec.seq == prev.seq)) {
		memset(&e.rec, 0, sizeof(e.rec));
		e.rec.strategy = o->strategy;
		e.rec.result = e.rc;
	}
	tr_dom_unlock();

	e.call_ns = t1 - e.t_ns;
	e.t_ns -= t0_ns;
	if (e.rec.from[0] == '\0' && cur != NULL)
		strlcpy(e.rec.from, rte_dma_domain_name(cur), sizeof(e.rec.from));
	if (e.rec.to[0] == '\0')
		strlcpy(e.rec.to, rte_dma_domain_name(dom), sizeof(e.rec.to));
	record(&e);
	if (e.rc < 0) {
		tr_err(err, "replace of port %u to domain '%s' failed: %s%s", port,
			rte_dma_domain_name(dom), fail_cause(e.rc, &e.rec),
			e.rec.rolled_back && strstr(e.rec.reason, "rolled back") == NULL ?
			" (rolled back to the old domain)" : "");
		if (permanent != NULL)
			*permanent = fail_permanent(e.rc, &e.rec, o);
		return e.rc;
	}
	if (used != NULL)
		*used = e.rec.strategy;
	return 0;
}

int
tr_swap_now(uint16_t port, struct rte_dma_domain *dom,
		const struct rte_dma_domain_replace_opts *o, char *err)
{
	return swap_do(port, dom, o, -1, err, NULL, NULL);
}

/* Log the transient failures not yet logged (mtx held). */
static void
sched_transient_flush(struct sched *s, uint64_t now)
{
	if (s->tr_pending == 0)
		return;
	printf("schedule %d (port %u): %" PRIu64 " more transient failure(s) (%" PRIu64
		" in all), last: %s\n", s->i.id, s->i.port, s->tr_pending, s->i.transient,
		s->tr_last);
	fflush(stdout);
	s->tr_pending = 0;
	s->tr_logged_ns = now;
}

/* Called with mtx held. */
static void
sched_finish(struct sched *s, uint64_t now, const char *why)
{
	if (!s->i.active)
		return;
	sched_transient_flush(s, now);
	s->i.active = false;
	s->i.t_end_ns = now - t0_ns;
	s->settling = true;
	s->settle_ns = now + SETTLE_NS;
	if (why != NULL)
		strlcpy(s->i.stop_reason, why, sizeof(s->i.stop_reason));
	pthread_cond_broadcast(&cond);
}

/* Called with mtx held. */
static void
sched_settle(struct sched *s, uint64_t now)
{
	uint64_t g;

	if (!s->settling || now < s->settle_ns)
		return;
	s->settling = false;
	if (s->gaps_valid && hooks.gaps != NULL && hooks.gaps(&g)) {
		unsigned int k = s->i.opts.strategy;

		s->i.lost = g >= s->gaps_start ? g - s->gaps_start : 0;
		s->i.lost_valid = true;
		if (k < TR_NB_STRATEGIES && win[k].open > 0 && --win[k].open == 0) {
			unsigned int u = win[k].used;

			strat_lost[u] += g >= win[k].gaps_start ? g - win[k].gaps_start : 0;
			strat_lost_known[u] = true;
		}
	}
	pthread_cond_broadcast(&cond);
}

/* Run one due swap of s (mtx held on entry and exit, dropped meanwhile). */
static void
sched_run(struct sched *s, uint64_t now)
{
	struct rte_dma_domain_replace_opts o = s->i.opts;
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *cur, *a, *bb, *to;
	enum rte_dma_domain_strategy used = RTE_DMA_DOMAIN_STRATEGY_DEFAULT;
	char err[TR_ERRLEN];
	uint16_t port = s->i.port;
	bool permanent;
	int rc;

	a = rte_dma_domain_lookup(s->i.a);
	bb = rte_dma_domain_lookup(s->i.b);
	b = rte_dma_domain_binding_lookup(tr_port_devname(port));
	if (a == NULL || bb == NULL || b == NULL) {
		printf("schedule %d (port %u) stopped: domain '%s' or '%s' or the port's binding went away\n",
			s->i.id, port, s->i.a, s->i.b);
		fflush(stdout);
		sched_finish(s, now, "a domain or the port's binding went away");
		return;
	}
	cur = rte_dma_domain_binding_domain(b);
	to = cur == a ? bb : a;
	pthread_mutex_unlock(&mtx);
	rc = swap_do(port, to, &o, s->i.id, err, &permanent, &used);
	pthread_mutex_lock(&mtx);
	/* DEFAULT resolves to what the backend allows */
	if (rc == 0 && o.strategy < TR_NB_STRATEGIES && (unsigned int)used < TR_NB_STRATEGIES &&
			used != RTE_DMA_DOMAIN_STRATEGY_DEFAULT)
		win[o.strategy].used = used;
	s->i.done++;
	now = tr_now_ns();
	if (rc < 0) {
		s->i.failed++;
		if (permanent) {
			/* one line: the same swap would be refused every period */
			printf("schedule %d (port %u) stopped after %" PRIu64 " swap(s): %s; this refusal will not change, so the schedule stopped\n",
				s->i.id, port, s->i.done, err);
			fflush(stdout);
			sched_finish(s, now, err);
			return;
		}
		s->i.transient++;
		strlcpy(s->tr_last, err, sizeof(s->tr_last));
		if (s->i.transient == 1) {
			printf("schedule %d (port %u): transient failure, the schedule goes on (further ones are counted, summed up at most once a second): %s\n",
				s->i.id, port, err);
			fflush(stdout);
			s->tr_logged_ns = now;
		} else {
			s->tr_pending++;
			if (now - s->tr_logged_ns >= TRANSIENT_LOG_NS)
				sched_transient_flush(s, now);
		}
	}
	s->next_ns += s->i.every_ns;
	/* Behind schedule (a slow swap): carry on from now, no catch-up burst. */
	if (s->next_ns < now)
		s->next_ns = now;
	if (s->i.count != 0 && s->i.done >= s->i.count)
		sched_finish(s, now, NULL);
}

static uint32_t
ctl_main(void *arg)
{
	uint64_t next_tick;
	int i;

	RTE_SET_USED(arg);
	pthread_mutex_lock(&mtx);
	next_tick = tr_now_ns() + hooks.tick_ns;
	while (!ctl_quit) {
		uint64_t now = tr_now_ns(), next = now + IDLE_WAKE_NS;
		struct sched *due = NULL;
		struct timespec ts;

		if (hooks.service != NULL) {
			rte_atomic_store_explicit(&ctl_kicked, false, rte_memory_order_relaxed);
			pthread_mutex_unlock(&mtx);
			hooks.service(now);
			pthread_mutex_lock(&mtx);
			if (ctl_quit)
				break;
			now = tr_now_ns();
		}
		if (hooks.tick != NULL && hooks.tick_ns != 0) {
			if (now >= next_tick) {
				pthread_mutex_unlock(&mtx);
				hooks.tick(now);
				pthread_mutex_lock(&mtx);
				next_tick += hooks.tick_ns;
				if (next_tick <= now)
					next_tick = now + hooks.tick_ns;
			}
			next = RTE_MIN(next, next_tick);
		}
		for (i = 0; i < nb_scheds; i++) {
			struct sched *s = &scheds[i];

			sched_settle(s, now);
			if (s->settling)
				next = RTE_MIN(next, s->settle_ns);
			if (!s->i.active)
				continue;
			if (s->next_ns <= now && (due == NULL || s->next_ns < due->next_ns))
				due = s;
			next = RTE_MIN(next, s->next_ns);
		}
		if (due != NULL) {
			sched_run(due, now);
			continue;
		}
		if (rte_atomic_load_explicit(&ctl_kicked, rte_memory_order_relaxed))
			continue;
		ts.tv_sec = (time_t)(next / 1000000000ULL);
		ts.tv_nsec = (long)(next % 1000000000ULL);
		pthread_cond_timedwait(&cond, &mtx, &ts);
	}
	pthread_mutex_unlock(&mtx);
	return 0;
}

int
tr_ctl_start(void)
{
	int rc = 0;

	pthread_mutex_lock(&mtx);
	if (!ctl_running) {
		ctl_quit = false;
		rc = rte_thread_create_control(&ctl_tid, "tr-ctl", ctl_main, NULL);
		rc = rc > 0 ? -rc : rc;
		if (rc == 0)
			ctl_running = true;
	}
	pthread_mutex_unlock(&mtx);
	return rc;
}

void
tr_ctl_kick(void)
{
	rte_atomic_store_explicit(&ctl_kicked, true, rte_memory_order_relaxed);
	/* no mutex: a callback may run where mtx is held */
	pthread_cond_broadcast(&cond);
}

void
tr_swap_fini(void)
{
	tr_sched_stop(-1);
	pthread_mutex_lock(&mtx);
	if (!ctl_running) {
		pthread_mutex_unlock(&mtx);
		return;
	}
	ctl_quit = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&mtx);
	rte_thread_join(ctl_tid, NULL);
	ctl_running = false;
}

int
tr_sched_start(uint16_t port, const char *a, const char *b, uint64_t every_ns,
		uint64_t count, const struct rte_dma_domain_replace_opts *o, char *err)
{
	struct rte_dma_domain_binding *bind;
	struct rte_dma_domain *da, *db;
	struct sched *s;
	int i, rc;

	if (tr_port_binding(port, &bind, err) < 0 || tr_parse_domain(a, &da, err) < 0 ||
			tr_parse_domain(b, &db, err) < 0)
		return -EINVAL;
	if (da == db)
		return tr_err(err, "bad domains '%s' '%s': expected two different domains", a, b);
	RTE_SET_USED(bind);
	rc = tr_ctl_start();
	if (rc < 0)
		return tr_err(err, "cannot start the control thread: %s", strerror(-rc));
	pthread_mutex_lock(&mtx);
	for (i = 0; i < nb_scheds; i++) {
		if (scheds[i].i.active && scheds[i].i.port == port) {
			pthread_mutex_unlock(&mtx);
			return tr_err(err, "bad port '%u': schedule %d already swaps it (use 'swap stop %u' first)",
				port, i, port);
		}
	}
	if (nb_scheds == MAX_SCHEDS) {
		pthread_mutex_unlock(&mtx);
		return tr_err(err, "too many schedules (%d): use 'clear swaps' first", MAX_SCHEDS);
	}
	s = &scheds[nb_scheds];
	memset(s, 0, sizeof(*s));
	s->i.id = nb_scheds;
	s->i.active = true;
	s->i.port = port;
	strlcpy(s->i.a, a, sizeof(s->i.a));
	strlcpy(s->i.b, b, sizeof(s->i.b));
	s->i.every_ns = every_ns;
	s->i.count = count;
	s->i.opts = *o;
	s->next_ns = tr_now_ns();
	s->i.t_start_ns = s->next_ns - t0_ns;
	s->gaps_valid = hooks.gaps != NULL && hooks.gaps(&s->gaps_start);
	if (s->gaps_valid && win[o->strategy].open++ == 0) {
		win[o->strategy].gaps_start = s->gaps_start;
		win[o->strategy].used = o->strategy;
	}
	nb_scheds++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&mtx);
	return 0;
}

int
tr_sched_stop(int port)
{
	uint64_t now = tr_now_ns();
	int i, n = 0;

	pthread_mutex_lock(&mtx);
	for (i = 0; i < nb_scheds; i++) {
		if (scheds[i].i.active && (port < 0 || scheds[i].i.port == port)) {
			sched_finish(&scheds[i], now, "stopped by command");
			n++;
		}
	}
	/* Without a control thread nobody settles: do it now. */
	if (!ctl_running)
		for (i = 0; i < nb_scheds; i++) {
			scheds[i].settle_ns = 0;
			sched_settle(&scheds[i], now);
		}
	pthread_mutex_unlock(&mtx);
	return n;
}

int
tr_sched_wait(uint64_t timeout_ns)
{
	uint64_t deadline = tr_now_ns() + timeout_ns;
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000ULL),
		.tv_nsec = (long)(deadline % 1000000000ULL),
	};
	int i, rc = 0;

	pthread_mutex_lock(&mtx);
	for (;;) {
		bool busy = false;

		for (i = 0; i < nb_scheds; i++)
			busy |= scheds[i].i.active || scheds[i].settling;
		if (!busy)
			break;
		if (pthread_cond_timedwait(&cond, &mtx, &ts) == ETIMEDOUT) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&mtx);
	return rc;
}

unsigned int
tr_sched_progress(uint64_t *done, uint64_t *total)
{
	unsigned int n = 0;
	int i;

	*done = 0;
	*total = 0;
	pthread_mutex_lock(&mtx);
	for (i = 0; i < nb_scheds; i++) {
		if (!scheds[i].i.active)
			continue;
		n++;
		*done += scheds[i].i.done;
		*total += scheds[i].i.count;
	}
	pthread_mutex_unlock(&mtx);
	return n;
}

void
tr_swap_foreach(void (*cb)(const struct tr_swap_entry *e, void *arg), void *arg)
{
	size_t i, first;

	pthread_mutex_lock(&mtx);
	first = (rec_head + rec_window - nb_recs) % rec_window;
	for (i = 0; i < nb_recs; i++)
		cb(&recs[(first + i) % rec_window], arg);
	pthread_mutex_unlock(&mtx);
}

void
tr_sched_foreach(void (*cb)(const struct tr_sched_info *s, void *arg), void *arg)
{
	int i;

	pthread_mutex_lock(&mtx);
	for (i = 0; i < nb_scheds; i++)
		cb(&scheds[i].i, arg);
	pthread_mutex_unlock(&mtx);
}

static enum rte_dma_domain_strategy
entry_strategy(const struct tr_swap_entry *e)
{
	enum rte_dma_domain_strategy s = e->rec.strategy;

	if (s == RTE_DMA_DOMAIN_STRATEGY_DEFAULT || (unsigned int)s >= TR_NB_STRATEGIES)
		s = e->requested;
	return (unsigned int)s < TR_NB_STRATEGIES ? s : RTE_DMA_DOMAIN_STRATEGY_DEFAULT;
}

/* Percentiles of a reservoir (mtx held; tmp has RESV_SIZE entries). */
static void
fill_pcts(const struct resv *r, uint64_t *tmp, uint64_t *p50, uint64_t *p99, uint64_t *max)
{
	size_t n = RTE_MIN(r->n, (uint64_t)RESV_SIZE);

	memcpy(tmp, r->v, n * sizeof(*tmp));
	tr_sort_u64(tmp, n);
	*p50 = dma_domain_percentile(tmp, n, 50);
	*p99 = dma_domain_percentile(tmp, n, 99);
	*max = r->max;
}

void
tr_swap_summary(struct tr_strat_summary s[TR_NB_STRATEGIES])
{
	static uint64_t tmp[RESV_SIZE]; /* under mtx */
	unsigned int k;

	memset(s, 0, sizeof(*s) * TR_NB_STRATEGIES);
	pthread_mutex_lock(&mtx);
	for (k = 0; k < TR_NB_STRATEGIES; k++) {
		struct tr_strat_summary *t = &s[k];
		const struct agg *a = &aggs[k];

		t->swaps = a->swaps;
		t->failures = a->failures;
		t->rollbacks = a->rollbacks;
		t->faults = a->faults;
		fill_pcts(&a->pause, tmp, &t->pause_p50, &t->pause_p99, &t->pause_max);
		fill_pcts(&a->sw, tmp, &t->switch_p50, &t->switch_p99, &t->switch_max);
		fill_pcts(&a->call, tmp, &t->call_p50, &t->call_p99, &t->call_max);
		t->lost = strat_lost[k];
		t->lost_known = strat_lost_known[k];
	}
	pthread_mutex_unlock(&mtx);
}

void
tr_swap_counts(uint64_t *total, uint64_t *ok, uint64_t *failed,
		uint64_t *rollbacks, uint64_t *faults)
{
	pthread_mutex_lock(&mtx);
	*total = total_recs;
	*ok = agg_ok;
	*failed = total_recs - agg_ok;
	*rollbacks = agg_rollbacks;
	*faults = agg_faults;
	pthread_mutex_unlock(&mtx);
}

static void
us(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%.1f", (double)ns / 1000.0);
}

void
tr_swap_show_summary(FILE *f)
{
	struct tr_strat_summary s[TR_NB_STRATEGIES];
	char p50[32], p99[32], mx[32], sw[32];
	unsigned int k;

	tr_swap_summary(s);
	fprintf(f, "  %-8s %7s %6s %9s %9s %9s %10s %7s %9s %8s\n", "strategy", "swaps",
		"failed", "p50(us)", "p99(us)", "max(us)", "switch50", "faults",
		"rollbacks", "lost");
	for (k = RTE_DMA_DOMAIN_STRATEGY_QUIESCE; k < TR_NB_STRATEGIES; k++) {
		char lost[32];

		if (s[k].swaps + s[k].failures == 0)
			continue;
		us(p50, sizeof(p50), s[k].pause_p50);
		us(p99, sizeof(p99), s[k].pause_p99);
		us(mx, sizeof(mx), s[k].pause_max);
		us(sw, sizeof(sw), s[k].switch_p50);
		if (s[k].lost_known)
			snprintf(lost, sizeof(lost), "%" PRIu64, s[k].lost);
		else
			snprintf(lost, sizeof(lost), "-");
		fprintf(f, "  %-8s %7" PRIu64 " %6" PRIu64 " %9s %9s %9s %10s %7" PRIu64
			" %9" PRIu64 " %8s\n",
			rte_dma_domain_strategy_name(k), s[k].swaps, s[k].failures,
			p50, p99, mx, sw, s[k].faults, s[k].rollbacks, lost);
	}
}

void
tr_swap_show_stats(FILE *f, int port)
{
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p) {
		struct rte_dma_domain_binding *b;
		struct rte_dma_domain_stats st;
		struct rte_dma_domain *d;

		if (port >= 0 && p != port)
			continue;
		b = rte_dma_domain_binding_lookup(tr_port_devname(p));
		if (b == NULL) {
			fprintf(f, "port %u (%s): no DMA domain binding\n", p, tr_port_devname(p));
			continue;
		}
		d = rte_dma_domain_binding_domain(b);
		if (rte_dma_domain_stats_get(b, &st) != 0) {
			fprintf(f, "port %u (%s): stats unavailable\n", p, tr_port_devname(p));
			continue;
		}
		fprintf(f, "port %u (%s) on domain %s\n", p, tr_port_devname(p),
			d ? rte_dma_domain_name(d) : "-");
		fprintf(f, "  swaps %" PRIu64 " failures %" PRIu64 " rollbacks %" PRIu64
			" faults %" PRIu64 " timeouts %" PRIu64 "\n",
			st.swaps, st.failures, st.rollbacks, st.faults, st.timeouts);
		fprintf(f, "  pause  p50 %.1f us p99 %.1f us max %.1f us\n",
			st.pause_p50_ns / 1e3, st.pause_p99_ns / 1e3, st.pause_max_ns / 1e3);
		fprintf(f, "  switch p50 %.1f us p99 %.1f us max %.1f us\n",
			st.switch_p50_ns / 1e3, st.switch_p99_ns / 1e3, st.switch_max_ns / 1e3);
	}
	fprintf(f, "per strategy (this run):\n");
	tr_swap_show_summary(f);
}

int
tr_swap_clear(void)
{
	int i;

	pthread_mutex_lock(&mtx);
	/* the control thread holds pointers into scheds[] while they run */
	for (i = 0; i < nb_scheds; i++) {
		if (scheds[i].i.active || scheds[i].settling) {
			pthread_mutex_unlock(&mtx);
			return -EBUSY;
		}
	}
	nb_recs = 0;
	rec_head = 0;
	total_recs = 0;
	recs_lost = 0;
	memset(aggs, 0, sizeof(aggs));
	agg_ok = agg_rollbacks = agg_faults = 0;
	nb_scheds = 0;
	memset(win, 0, sizeof(win));
	memset(strat_lost, 0, sizeof(strat_lost));
	memset(strat_lost_known, 0, sizeof(strat_lost_known));
	pthread_mutex_unlock(&mtx);
	return 0;
}
