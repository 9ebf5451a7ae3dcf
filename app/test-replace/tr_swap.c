/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "tr_domain.h"
#include "tr_swap.h"
#include "tr_util.h"

#define MAX_RECORDS (1u << 20)
#define MAX_SCHEDS 64
#define IDLE_WAKE_NS (100ULL * 1000 * 1000)
/* Packets lost by the last swap of a schedule show up as sequence gaps
 * only when later packets arrive: wait this long before counting. */
#define SETTLE_NS (30ULL * 1000 * 1000)

static struct tr_swap_hooks hooks;
static uint64_t t0_ns;

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond; /* CLOCK_MONOTONIC; schedule changes */
static pthread_t ctl_tid;
static bool ctl_running, ctl_quit;
static bool ctl_kicked; /* __atomic: the service hook has work */

static struct tr_swap_entry *recs;
static size_t nb_recs, cap_recs;
static uint64_t dropped_recs;

struct sched {
	struct tr_sched_info i;
	uint64_t next_ns;     /* absolute */
	bool settling;        /* stopped, lost not counted yet */
	uint64_t settle_ns;   /* absolute */
	bool gaps_valid;
	uint64_t gaps_start;
};
static struct sched scheds[MAX_SCHEDS];
static int nb_scheds;

/* Loss per strategy: schedules of one strategy that overlap in time (one
 * per port) share one window of the verifier's gap counter, so that the
 * packets lost meanwhile are counted once. */
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

static void
record(const struct tr_swap_entry *e)
{
	pthread_mutex_lock(&mtx);
	recs = tr_array_grow(recs, nb_recs, &cap_recs, sizeof(*recs), MAX_RECORDS);
	if (nb_recs < cap_recs)
		recs[nb_recs++] = *e;
	else
		dropped_recs++;
	pthread_mutex_unlock(&mtx);
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

static int
swap_do(uint16_t port, struct rte_dma_domain *dom,
		const struct rte_dma_domain_replace_opts *o, int32_t sched, char *err)
{
	struct rte_dma_domain_binding *b;
	struct tr_swap_entry e;
	struct rte_dma_domain *cur;
	uint64_t t1;
	int rc;

	if (tr_port_binding(port, &b, err) < 0)
		return -EINVAL;
	memset(&e, 0, sizeof(e));
	e.port = port;
	e.sched = sched;
	e.requested = o->strategy;

	tr_dom_lock();
	cur = rte_dma_domain_binding_domain(b);
	if (o->strategy == RTE_DMA_DOMAIN_STRATEGY_REMAP && !o->force &&
			(rc = shared_with(port, cur)) >= 0) {
		tr_dom_unlock();
		return tr_err(err, "remap of port %u rewrites domain '%s' in place, and port %d is on it too (its DMA would fault): move one port to another domain first, or add 'force'",
			port, rte_dma_domain_name(cur), rc);
	}
	if (hooks.around != NULL && hooks.around(port, o, true, err) < 0) {
		tr_dom_unlock();
		return -EBUSY;
	}
	e.t_ns = tr_now_ns();
	e.rc = rte_dma_domain_replace(b, dom, o);
	t1 = tr_now_ns();
	if (hooks.around != NULL)
		hooks.around(port, o, false, err);
	if (rte_dma_domain_last_swap(b, &e.rec) != 0) {
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
		tr_err(err, "replace of port %u to domain '%s' failed: %s%s%s%s%s", port,
			rte_dma_domain_name(dom), strerror(-e.rc),
			e.rec.reason[0] ? " (" : "", e.rec.reason,
			e.rec.reason[0] ? ")" : "",
			e.rec.rolled_back ? ", rolled back to the old domain" : "");
		return e.rc;
	}
	return 0;
}

int
tr_swap_now(uint16_t port, struct rte_dma_domain *dom,
		const struct rte_dma_domain_replace_opts *o, char *err)
{
	return swap_do(port, dom, o, -1, err);
}

/* Called with mtx held. */
static void
sched_finish(struct sched *s, uint64_t now, const char *why)
{
	if (!s->i.active)
		return;
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
	char err[TR_ERRLEN];
	uint16_t port = s->i.port;
	int rc;

	a = rte_dma_domain_lookup(s->i.a);
	bb = rte_dma_domain_lookup(s->i.b);
	if (a == NULL || bb == NULL ||
			(b = rte_dma_domain_binding_lookup(tr_port_devname(port))) == NULL) {
		sched_finish(s, now, "a domain or the port's binding went away");
		return;
	}
	cur = rte_dma_domain_binding_domain(b);
	to = cur == a ? bb : a;
	pthread_mutex_unlock(&mtx);
	rc = swap_do(port, to, &o, s->i.id, err);
	pthread_mutex_lock(&mtx);
	if (rc == 0 && nb_recs > 0 && recs[nb_recs - 1].sched == s->i.id &&
			o.strategy < TR_NB_STRATEGIES) {
		unsigned int used = recs[nb_recs - 1].rec.strategy;

		/* DEFAULT resolves to what the backend allows */
		if (used < TR_NB_STRATEGIES && used != RTE_DMA_DOMAIN_STRATEGY_DEFAULT)
			win[o.strategy].used = used;
	}
	s->i.done++;
	if (rc < 0)
		s->i.failed++;
	s->next_ns += s->i.every_ns;
	now = tr_now_ns();
	/* Behind schedule (a slow swap): carry on from now, no catch-up burst. */
	if (s->next_ns < now)
		s->next_ns = now;
	if (s->i.count != 0 && s->i.done >= s->i.count)
		sched_finish(s, now, NULL);
}

static void *
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
			__atomic_store_n(&ctl_kicked, false, __ATOMIC_RELAXED);
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
		if (__atomic_load_n(&ctl_kicked, __ATOMIC_RELAXED))
			continue;
		ts.tv_sec = (time_t)(next / 1000000000ULL);
		ts.tv_nsec = (long)(next % 1000000000ULL);
		pthread_cond_timedwait(&cond, &mtx, &ts);
	}
	pthread_mutex_unlock(&mtx);
	return NULL;
}

int
tr_ctl_start(void)
{
	int rc = 0;

	pthread_mutex_lock(&mtx);
	if (!ctl_running) {
		ctl_quit = false;
		rc = -pthread_create(&ctl_tid, NULL, ctl_main, NULL);
		if (rc == 0) {
			ctl_running = true;
			pthread_setname_np(ctl_tid, "tr-ctl");
		}
	}
	pthread_mutex_unlock(&mtx);
	return rc;
}

void
tr_ctl_kick(void)
{
	__atomic_store_n(&ctl_kicked, true, __ATOMIC_RELAXED);
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
	pthread_join(ctl_tid, NULL);
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
	size_t i;

	pthread_mutex_lock(&mtx);
	for (i = 0; i < nb_recs; i++)
		cb(&recs[i], arg);
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

static void
fill_pcts(uint64_t *v, size_t n, uint64_t *p50, uint64_t *p99, uint64_t *max)
{
	tr_sort_u64(v, n);
	*p50 = tr_percentile(v, n, 50);
	*p99 = tr_percentile(v, n, 99);
	*max = n ? v[n - 1] : 0;
}

void
tr_swap_summary(struct tr_strat_summary s[TR_NB_STRATEGIES])
{
	uint64_t *pause, *sw, *call;
	unsigned int k;
	size_t i, n;

	memset(s, 0, sizeof(*s) * TR_NB_STRATEGIES);
	pthread_mutex_lock(&mtx);
	pause = malloc(sizeof(uint64_t) * (nb_recs + 1));
	sw = malloc(sizeof(uint64_t) * (nb_recs + 1));
	call = malloc(sizeof(uint64_t) * (nb_recs + 1));
	for (k = 0; k < TR_NB_STRATEGIES && pause && sw && call; k++) {
		struct tr_strat_summary *t = &s[k];

		for (i = 0, n = 0; i < nb_recs; i++) {
			const struct tr_swap_entry *e = &recs[i];

			if (entry_strategy(e) != k)
				continue;
			t->faults += e->rec.faults;
			if (e->rc != 0) {
				t->failures++;
				t->rollbacks += e->rec.rolled_back;
				continue;
			}
			t->swaps++;
			pause[n] = e->rec.pause_ns;
			sw[n] = e->rec.switch_ns;
			call[n] = e->call_ns;
			n++;
		}
		fill_pcts(pause, n, &t->pause_p50, &t->pause_p99, &t->pause_max);
		fill_pcts(sw, n, &t->switch_p50, &t->switch_p99, &t->switch_max);
		fill_pcts(call, n, &t->call_p50, &t->call_p99, &t->call_max);
	}
	for (k = 0; k < TR_NB_STRATEGIES; k++) {
		s[k].lost = strat_lost[k];
		s[k].lost_known = strat_lost_known[k];
	}
	pthread_mutex_unlock(&mtx);
	free(pause);
	free(sw);
	free(call);
}

void
tr_swap_counts(uint64_t *total, uint64_t *ok, uint64_t *failed,
		uint64_t *rollbacks, uint64_t *faults)
{
	size_t i;

	*ok = *rollbacks = *faults = 0;
	pthread_mutex_lock(&mtx);
	for (i = 0; i < nb_recs; i++) {
		*ok += recs[i].rc == 0;
		*rollbacks += recs[i].rec.rolled_back;
		*faults += recs[i].rec.faults;
	}
	*total = nb_recs;
	*failed = nb_recs - *ok;
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
		fprintf(f, "  %-8s %7" PRIu64 " %6" PRIu64 " %9s %9s %9s %10s %7" PRIu64 " %9" PRIu64 " %8s\n",
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
	dropped_recs = 0;
	nb_scheds = 0;
	memset(win, 0, sizeof(win));
	memset(strat_lost, 0, sizeof(strat_lost));
	memset(strat_lost_known, 0, sizeof(strat_lost_known));
	pthread_mutex_unlock(&mtx);
	return 0;
}
