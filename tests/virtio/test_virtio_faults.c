/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Fault-injection matrix of a swap at the driver level, soft backend:
 * the PMD on two paired emulated virtio-net devices (port 0 = emu0,
 * port 1 = emu1), port 0 swapped between domains while a poller thread
 * moves verified traffic both ways. One process per strategy:
 *
 *   test_virtio_faults quiesce|hitless|remap|restart
 *
 * For each step of a swap (fi_cases[], one row per step, one column per
 * strategy; a step a strategy does not have is "n/a" with the reason), a
 * failure there, then:
 *  (a) the device translates through the old domain, by the soft
 *      model's own translation (rte_dma_domain_soft_translate() of a marker IOVA
 *      that the domains map to different pages), not the library's record;
 *  (b) traffic flows again, sequence-checked (nothing lost, duplicated,
 *      reordered or damaged; restart: lost == what the counters dropped),
 *      and a clean swap right after succeeds;
 *  (c) once the ports stopped, the mempool's in-use count is the one
 *      before the cell: 0 mbufs leaked;
 *  (d) the result and the swap record's reason name the step.
 * The ack timeout is a real stalled poller: the poller thread blocks on a
 * semaphore the controller holds, so it stops calling its bursts.
 * doc/guides/design.rst, "Fault-Injection Matrix", has the table.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <rte_dma_domain.h>
#include <dma_domain_test.h>
#include <rte_dma_domain_soft.h>

#include "vt_common.h"
#include "vt_fault_cases.h"

#define RING 256u
#define WINDOW 96u          /* most packets in flight per direction */
#define MOVED 64u           /* packets that prove traffic flows */
#define STALL_TIMEOUT_US 20000u
#define MARKER_IOVA 0x10000ull /* below DPDK's memory: free in every mirror */
#define MARKER_LEN 4096u

/* ---- domains and the model's view ------------------------------------------ */

static struct rte_dma_domain_binding *b0;
/* d[0], d[2]: the marker IOVA on page 0; d[1]: on page 1. */
static struct rte_dma_domain *d[3];
static alignas(MARKER_LEN) uint8_t marker[2][MARKER_LEN];
/* Which page the device sees at the marker now (0 or 1). */
static unsigned int cur;

/* The page the soft model translates the marker IOVA to for emu0: the
 * domain the device really is on. -1: no translation (no domain).
 */
static int
model_page(void)
{
	int err = 0;
	void *va = rte_dma_domain_soft_translate(b0, MARKER_IOVA, 8, RTE_DMA_DOMAIN_ACCESS_READ,
			&err);

	if (va == marker[0])
		return 0;
	if (va == marker[1])
		return 1;
	return -1;
}

static int
domains_init(void)
{
	static const char *const names[3] = { "fi_d0", "fi_d1", "fi_d2" };
	unsigned int i;

	b0 = vt_binding("emu0");
	TH_REQUIRE(b0 != NULL, "emu0 not bound");
	memset(marker[0], 0xa0, MARKER_LEN);
	memset(marker[1], 0xb1, MARKER_LEN);
	for (i = 0; i < 3; i++) {
		d[i] = vt_mirror(b0, names[i]);
		TH_REQUIRE(d[i] != NULL, "mirror domain %s: %s", names[i], rte_strerror(rte_errno));
		TH_REQUIRE(rte_dma_domain_map(d[i], MARKER_IOVA, marker[i == 1],
			MARKER_LEN, RTE_DMA_DOMAIN_ACCESS_READ) == 0, "marker in %s: %s",
			names[i], rte_strerror(rte_errno));
	}
	/* ports stopped: a trivial swap */
	TH_REQUIRE(rte_dma_domain_replace(b0, d[0], NULL) == 0, "initial move");
	cur = 0;
	TH_REQUIRE(model_page() == 0, "the model does not translate the marker through %s",
		names[0]);
	return 0;
}

/* ---- the poller ------------------------------------------------------------- */

struct fi_poller {
	struct vt_verify v;  /* the poller's; read by the controller after join */
	uint64_t refused;
	uint64_t rx[2];      /* __atomic: received from port 0, from port 1 */
	bool stop;           /* __atomic: set by the controller */
	bool stall;          /* __atomic: block on go, announced by stalled */
	sem_t stalled, go;
	bool hold;           /* __atomic: leave port 0 alone (restart) */
	bool held;           /* __atomic: the poller's answer */
};

static void *
poller_main(void *arg)
{
	struct fi_poller *p = arg;
	bool held = false;
	uint16_t port;

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		uint16_t got = 0;
		bool h;

		if (__atomic_load_n(&p->stall, __ATOMIC_ACQUIRE)) {
			/* A poller that stops calling its bursts, until
			 * the controller lets it go.
			 */
			sem_post(&p->stalled);
			sem_wait(&p->go);
		}
		h = __atomic_load_n(&p->hold, __ATOMIC_ACQUIRE);
		if (h != held) {
			/* port 0's queues offline while the swap owns it */
			held = h;
			vt_queues_online(0, 1, !held);
			__atomic_store_n(&p->held, h, __ATOMIC_RELEASE);
		}
		for (port = 0; port < 2; port++) {
			uint16_t n;

			if (port == 0 && held)
				continue;
			n = p->v.next_tx[port][0] - p->v.next_rx[port][0] < WINDOW ? 32 : 0;
			p->refused += (uint16_t)(n - vt_send(&p->v, port, 0, n,
				(p->v.sent & 1) ? 1000 : 64));
		}
		got += vt_recv(&p->v, 1, 0);
		if (!held)
			got += vt_recv(&p->v, 0, 0);
		for (port = 0; port < 2; port++)
			__atomic_store_n(&p->rx[port], p->v.next_rx[port][0], __ATOMIC_RELEASE);
		if (got == 0)
			sched_yield(); /* the controller may share our core */
	}
	vt_drain_all(&p->v);
	return NULL;
}

static void
hold_port0(struct fi_poller *p, bool on)
{
	__atomic_store_n(&p->hold, on, __ATOMIC_RELEASE);
	while (__atomic_load_n(&p->held, __ATOMIC_ACQUIRE) != on)
		sched_yield();
}

/* Packets received so far, each direction. */
struct fi_rx {
	uint64_t n[2];
};

static struct fi_rx
rx_now(struct fi_poller *p)
{
	struct fi_rx r = {
		.n = { __atomic_load_n(&p->rx[0], __ATOMIC_ACQUIRE),
			__atomic_load_n(&p->rx[1], __ATOMIC_ACQUIRE) },
	};

	return r;
}

/* Wait (hang guard 10 s, not a time limit) until MOVED more packets
 * arrived in each direction than at since.
 */
static bool
moved_since(struct fi_poller *p, struct fi_rx since)
{
	uint64_t deadline = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	unsigned int dir;

	for (dir = 0; dir < 2; dir++)
		while (__atomic_load_n(&p->rx[dir], __ATOMIC_ACQUIRE) < since.n[dir] + MOVED) {
			if (rte_get_timer_cycles() > deadline)
				return false;
			sched_yield();
		}
	return true;
}

/* ---- one cell --------------------------------------------------------------- */

static int
ports_start(void)
{
	uint16_t p;

	for (p = 0; p < 2; p++) {
		TH_REQUIRE(rte_eth_dev_start(p) == 0, "start port %u", p);
		rte_eth_stats_reset(p);
	}
	return 0;
}

/* One replace of port 0 from the controller; the poller lets go of port 0
 * around a restart (an application must not burst on a port being
 * stopped and started).
 */
static int
swap(struct fi_poller *p, unsigned int s, struct rte_dma_domain *to, uint32_t timeout_us,
		struct rte_dma_domain_swap_record *rec)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = strategies[s], .timeout_us = timeout_us,
	};
	bool hold = s == S_RESTART && !__atomic_load_n(&p->stall, __ATOMIC_RELAXED);
	int ret;

	if (hold)
		hold_port0(p, true);
	ret = rte_dma_domain_replace(b0, to, &o);
	if (hold)
		hold_port0(p, false);
	memset(rec, 0, sizeof(*rec));
	rte_dma_domain_last_swap(b0, rec);
	return ret;
}

/* Arm the cell's failure (the stall: wait until the poller is blocked). */
static int
arm(struct fi_poller *p, const struct fi_case *c, const struct fi_how *h)
{
	if (c->stall) {
		__atomic_store_n(&p->stall, true, __ATOMIC_RELEASE);
		sem_wait(&p->stalled);
	}
	if (h->lib != RTE_DMA_DOMAIN_INJECT_NONE)
		TH_REQUIRE(rte_dma_domain_inject(b0, h->lib) == 0, "library injection %d", h->lib);
	if (h->pmd != NO_PMD)
		TH_REQUIRE(vt_pmd_inject(0, h->pmd, FI_PMD_QID, 1) == 0, "PMD injection %d",
			h->pmd);
	return 0;
}

static void
disarm(struct fi_poller *p, const struct fi_case *c, const struct fi_how *h)
{
	if (c->stall) {
		__atomic_store_n(&p->stall, false, __ATOMIC_RELEASE);
		sem_post(&p->go);
	}
	if (h->pmd != NO_PMD)
		vt_pmd_inject(0, h->pmd, FI_PMD_QID, 0); /* if it did not fire */
}

/* The traffic of a cell: intact, or (restart) lost exactly what the
 * ports counted as dropped; never duplicated, reordered or damaged.
 */
static int
check_traffic(const struct fi_poller *p, unsigned int s, const char *what)
{
	uint64_t lost = p->v.sent - p->v.received;
	uint64_t drops = vt_port_drops(0) + vt_port_drops(1);

	if (s != S_RESTART)
		return vt_check_intact(&p->v, what);
	vt_print(&p->v, what);
	TH_REQUIRE(p->v.sent > 0 && p->v.dup == 0 && p->v.reordered == 0 &&
		p->v.corrupted == 0 && p->v.foreign == 0,
		"%s: packets duplicated, reordered or damaged", what);
	TH_REQUIRE(lost == drops, "%s: the verifier lost %" PRIu64 " packets, the counters dropped %"
		PRIu64, what, lost, drops);
	return 0;
}

static const char *
page_name(int page, unsigned int old)
{
	if (page < 0)
		return "none";
	return (unsigned int)page == old ? "old" : "new";
}

static int
cell_run(unsigned int s, const struct fi_case *c, struct fi_poller *p, struct fi_result *r,
		const char *what)
{
	const struct fi_how *h = fi_how_get(c, s, false);
	struct rte_dma_domain_swap_record rec;
	int page_now = model_page();
	struct rte_dma_domain *from, *to;
	unsigned int old;
	struct fi_rx rx = { .n = { 0, 0 } };
	int ret, page;

	TH_REQUIRE(page_now >= 0, "%s: the model translates the marker through no domain", what);
	/* after a failed cell: go on from where the device is */
	cur = (unsigned int)page_now;
	from = fi_home_of(d, cur, s);
	to = fi_target_of(d, cur, s);
	old = cur;
	TH_REQUIRE(moved_since(p, rx), "%s: no traffic before the swap", what);
	if (arm(p, c, h) != 0)
		return -1;
	ret = swap(p, s, to, c->stall ? STALL_TIMEOUT_US : 2000000, &rec);
	rx = rx_now(p);
	disarm(p, c, h);
	page = model_page();
	r->rc = ret;
	r->dom_after = page_name(page, old);
	snprintf(r->reason, sizeof(r->reason), "%s", rec.reason);
	printf("%s: rc %d (%s), rolled back %d, reason: %s\n", what, ret,
		ret < 0 ? strerror(-ret) : "ok", rec.rolled_back, rec.reason);
	/* (d) the error names its cause */
	TH_REQUIRE(ret == h->rc && rec.result == ret,
		"%s: rc %d, record %d, expected %d", what, ret, rec.result, h->rc);
	TH_REQUIRE(strstr(rec.reason, h->cause) != NULL,
		"%s: the reason does not name the step (expected \"%s\"): %s", what, h->cause,
		rec.reason);
	/* (a) on the old domain, by the model's translation */
	TH_REQUIRE(page >= 0 && (unsigned int)page == old,
		"%s: the soft model translates the marker through the %s domain (library says '%s')",
		what, page_name(page, old),
		rte_dma_domain_name(rte_dma_domain_binding_domain(b0)));
	TH_REQUIRE(rte_dma_domain_binding_domain(b0) == from, "%s: the library's record moved to '%s'",
		what, rte_dma_domain_name(rte_dma_domain_binding_domain(b0)));
	r->outcome = rec.rolled_back ? "rolled back" : "failed, nothing changed";
	/* (b) traffic flows, and the port swaps again */
	TH_REQUIRE(moved_since(p, rx), "%s: traffic does not flow both ways after the failed swap",
		what);
	ret = swap(p, s, to, 2000000, &rec);
	TH_REQUIRE(ret == 0, "%s: the clean swap after it failed: %s", what, rec.reason);
	cur = 1 - cur;
	TH_REQUIRE(model_page() == (int)cur,
		"%s: after the clean swap the model translates through the %s domain", what,
		page_name(model_page(), old));
	TH_REQUIRE(moved_since(p, rx_now(p)), "%s: no traffic both ways after the clean swap",
		what);
	return 0;
}

static int
cell(unsigned int s, const struct fi_case *c, struct fi_result *r)
{
	const struct fi_how *h = fi_how_get(c, s, false);
	struct fi_poller p;
	char what[96];
	unsigned int base;
	pthread_t th;
	int ret;

	if (fi_cell_na(c, s, h, r, what, sizeof(what)))
		return 0;
	r->outcome = "FAIL";
	r->dom_after = "?";
	/* (c) in use with the ports stopped, before and after */
	base = vt_pool_in_use();
	memset(&p, 0, sizeof(p));
	sem_init(&p.stalled, 0, 0);
	sem_init(&p.go, 0, 0);
	if (ports_start() != 0)
		return -1;
	TH_REQUIRE(pthread_create(&th, NULL, poller_main, &p) == 0, "poller thread");
	ret = cell_run(s, c, &p, r, what);
	__atomic_store_n(&p.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	sem_destroy(&p.stalled);
	sem_destroy(&p.go);
	if (ret == 0)
		ret = check_traffic(&p, s, what);
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	r->leaked = (long)vt_pool_in_use() - (long)base;
	TH_REQUIRE(r->leaked == 0, "%s: %ld mbufs leaked (in use %u before, %u after)", what,
		r->leaked, base, vt_pool_in_use());
	if (ret != 0)
		r->outcome = "FAIL";
	return ret;
}

/* EAL with the two paired devices, both ports set up, the domains. */
static int
setup_pair(const struct th_case *tc)
{
	static const char *const pair[] = {
		"iommufd:emu0,peer=emu1", "iommufd:emu1,peer=emu0", NULL,
	};

	RTE_SET_USED(tc);
	if (vt_eal_init("test_virtio_faults", pair, NULL) != 0)
		return 1;
	if (vt_port_setup(0, 1, RING, false) != 0 || vt_port_setup(1, 1, RING, false) != 0 ||
			domains_init() != 0) {
		vt_eal_fini();
		return 1;
	}
	return 0;
}

static void
teardown_pair(const struct th_case *tc)
{
	RTE_SET_USED(tc);
	vt_eal_fini();
}

/* Every cell of strategy s's column, then the column as a table. */
static int
column(unsigned int s)
{
	struct fi_result res[RTE_DIM(fi_cases)];
	unsigned int i, failed = 0;

	for (i = 0; i < RTE_DIM(fi_cases); i++)
		failed += cell(s, &fi_cases[i], &res[i]) != 0;
	/* The matrix column of this strategy (doc/guides/design.rst). */
	fi_print_header();
	for (i = 0; i < RTE_DIM(fi_cases); i++)
		fi_print_row(&fi_cases[i], s, "soft", &res[i]);
	printf("%s: %u of %zu cells failed\n", failed ? "FAIL" : "PASS", failed,
		RTE_DIM(fi_cases));
	return failed ? 1 : 0;
}

/* The column of the strategy the case is named after. */
static int
case_column(void)
{
	unsigned int s;

	for (s = 0; s < S_NB; s++)
		if (strcmp(th_current()->name, strategy_names[s]) == 0)
			return column(s);
	TH_FAIL("no strategy '%s'", th_current()->name);
}

/* One process per strategy (one column of the matrix). */
static const struct th_case cases[] = {
	{ "quiesce", "concurrency", case_column, setup_pair, teardown_pair },
	{ "hitless", "concurrency", case_column, setup_pair, teardown_pair },
	{ "remap", "concurrency", case_column, setup_pair, teardown_pair },
	{ "restart", "concurrency", case_column, setup_pair, teardown_pair },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
