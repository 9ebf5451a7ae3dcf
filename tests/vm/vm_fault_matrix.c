/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Fault-injection matrix of a swap at the driver level, kernel backend:
 * the virtio PMD on the VM tier's two real NICs (QEMU, emulated VT-d),
 * one NIC's binding swapped between mirror domains while a poller on
 * lcore 1 moves verified traffic both ways (vm_traffic.c). The soft
 * backend's half is tests/virtio/test_virtio_faults.c; the table is in
 * doc/guides/design.rst, "Fault-Injection Matrix".
 *
 * For each step x strategy (quiesce, remap, restart; hitless is refused
 * on VT-d, whose replace is not atomic): a failure there, then
 *  (a) the device is on the old domain, proven by DMA: the domains map
 *      one IOVA (MARKER_IOVA) to different pages, the swapped NIC
 *      transmits a frame whose data sits at that IOVA (an external
 *      buffer), the peer receives the bytes of the page the device's
 *      domain maps there;
 *  (b) traffic flows both ways again, and a clean swap right after
 *      succeeds (and its probe shows the new domain);
 *  (c) with the ports stopped, the mempool's in-use count is the one
 *      before the cell: 0 mbufs leaked; at the end nothing was lost,
 *      reordered or damaged;
 *  (d) the result and the swap record's reason name the step.
 * The ack timeout is a real stalled poller (blocked on a semaphore).
 *
 * Usage: vm-fault-matrix matrix PMD.so. Env (VM tier): IOMMUFD_TEST_DEVICES.
 */

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>

#include <rte_dma_domain.h>
#include <dma_domain_test.h>

#include "th.h"
#include "vm_test_util.h"
#include "vm_traffic.h"
#include "vt_fault_cases.h"

#define WORKER 1
#define MOVED 32u                /* frames that prove traffic flows */
#define STALL_TIMEOUT_US 50000u
#define SWAP_TIMEOUT_US 2000000u
#define MARKER_IOVA 0x10000ull   /* below DPDK's memory: free in every mirror */
#define MARKER_LEN 4096u
#define PROBE_ETHERTYPE 0x88b6
#define PROBE_FRAME 96u

/* ---- setup -------------------------------------------------------------------- */

static struct vm_traffic tr;
static const char *nic[2];
static struct rte_dma_domain_binding *bnd;   /* nic[0]'s */
static uint16_t port_sw, port_peer;          /* nic[0]'s port, the other */
static struct rte_dma_domain *d[3];          /* marker on page 0, 1, 0 */
static uint8_t *page[2];
static unsigned int cur;                     /* the page the device sees */
static int (*pmd_inject)(uint16_t, int, uint16_t, uint32_t);

/* Both pages hold the same probe frame to the peer, with the page's
 * number in every payload byte.
 */
static void
page_fill(unsigned int i)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)page[i];

	memset(page[i], 0, MARKER_LEN);
	rte_eth_macaddr_get(port_peer, &eh->dst_addr);
	rte_eth_macaddr_get(port_sw, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(PROBE_ETHERTYPE);
	memset(eh + 1, 0xa0 + i, PROBE_FRAME - sizeof(*eh));
}

static int
setup(const char *pmd)
{
	static const char *const names[3] = { "fm_d0", "fm_d1", "fm_d2" };
	void *h = dlopen(pmd, RTLD_NOW | RTLD_NOLOAD);
	unsigned int i;

	*(void **)&pmd_inject = h != NULL ? dlsym(h, "rte_pmd_virtio_iommufd_inject") : NULL;
	TH_EXPECT(pmd_inject != NULL, "rte_pmd_virtio_iommufd_inject found in %s", pmd);
	bnd = rte_dma_domain_binding_lookup(nic[0]);
	TH_EXPECT(bnd != NULL && rte_eth_dev_get_port_by_name(nic[0], &port_sw) == 0,
		"%s bound by the PMD, its port", nic[0]);
	if (pmd_inject == NULL || bnd == NULL)
		return -1;
	port_peer = port_sw == 0 ? 1 : 0;
	for (i = 0; i < 2; i++) {
		page[i] = mmap(NULL, MARKER_LEN, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		TH_EXPECT(page[i] != MAP_FAILED, "marker page %u", i);
		if (page[i] == MAP_FAILED)
			return -1;
		page_fill(i);
	}
	for (i = 0; i < 3; i++) {
		d[i] = rte_dma_domain_create(rte_dma_domain_binding_ctx(bnd), names[i],
			RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
		TH_EXPECT(d[i] != NULL && rte_dma_domain_map(d[i], MARKER_IOVA, page[i == 1],
			MARKER_LEN, RTE_DMA_DOMAIN_ACCESS_READ) == 0,
			"mirror %s with the marker on page %u", names[i], i == 1);
		if (d[i] == NULL)
			return -1;
	}
	return 0;
}

/* ---- the poller (lcore 1) -------------------------------------------------------- */

enum { CMD_RUN, CMD_PROBE, CMD_HOLD };

static struct {
	RTE_ATOMIC(uint32_t) stop;
	RTE_ATOMIC(uint32_t) stall;
	RTE_ATOMIC(uint32_t) cmd;   /* CMD_*: set by the controller */
	RTE_ATOMIC(uint32_t) done;  /* the poller's answer: cmd */
	RTE_ATOMIC(uint64_t) rx[2]; /* received from port p */
	int probe_page;                        /* CMD_PROBE's result */
	sem_t stalled, go;
} pl;

/* Extbuf's free callback: the PMD reclaimed the probe. */
static void
probe_freed(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	*(volatile bool *)opaque = true;
}

/*
 * On the poller, traffic drained: send one frame from the swapped port
 * whose data the device reads at MARKER_IOVA, receive it on the peer.
 * Returns the page its bytes came from, -1 if none arrived (e.g. no
 * translation: a fault), -2 if other bytes arrived. Waits until the PMD
 * reclaimed it: a next swap's coverage check must not see it in flight.
 */
static int
probe(void)
{
	static struct rte_mbuf_ext_shared_info shinfo;
	volatile bool freed = false;
	struct rte_mbuf *m = rte_pktmbuf_alloc(tr.mp), *rx[32];
	uint64_t deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	int got = -1;
	uint16_t n, i;

	if (m == NULL)
		return -1;
	shinfo.free_cb = probe_freed;
	shinfo.fcb_opaque = (void *)(uintptr_t)&freed;
	rte_mbuf_ext_refcnt_set(&shinfo, 1);
	/* the CPU's view: page 0; the device's: whatever its domain maps */
	rte_pktmbuf_attach_extbuf(m, page[0], MARKER_IOVA, MARKER_LEN, &shinfo);
	m->data_off = 0;
	m->data_len = PROBE_FRAME;
	m->pkt_len = PROBE_FRAME;
	if (rte_eth_tx_burst(port_sw, 0, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return -1;
	}
	while (got == -1 && rte_get_timer_cycles() < deadline) {
		n = rte_eth_rx_burst(port_peer, 0, rx, RTE_DIM(rx));
		for (i = 0; i < n; i++) {
			const uint8_t *b = rte_pktmbuf_mtod(rx[i], const uint8_t *);
			const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)b;

			if (eh->ether_type == rte_cpu_to_be_16(PROBE_ETHERTYPE))
				got = b[sizeof(*eh)] == 0xa0 ? 0 : b[sizeof(*eh)] == 0xa1 ? 1 : -2;
			else
				tr.foreign++; /* drained before: breaks the count */
			rte_pktmbuf_free(rx[i]);
		}
		if (n == 0)
			sched_yield();
	}
	while (!freed && rte_get_timer_cycles() < deadline)
		rte_eth_tx_burst(port_sw, 0, NULL, 0); /* reclaims */
	if (!freed)
		printf("%s: the PMD did not reclaim the frame it sent\n", __func__);
	return got;
}

static void
queues_online(bool on)
{
	uint16_t i;

	for (i = 0; i < 2; i++) {
		if (on)
			rte_dma_domain_queue_online(rte_dma_domain_queue_get(bnd, i));
		else
			rte_dma_domain_queue_offline(rte_dma_domain_queue_get(bnd, i));
	}
}

static void
publish_rx(void)
{
	rte_atomic_store_explicit(&pl.rx[0], tr.f[0].received, rte_memory_order_release);
	rte_atomic_store_explicit(&pl.rx[1], tr.f[1].received, rte_memory_order_release);
}

static int
poller(void *arg)
{
	uint32_t held = CMD_RUN;

	RTE_SET_USED(arg);
	while (rte_atomic_load_explicit(&pl.stop, rte_memory_order_acquire) == 0) {
		uint32_t cmd = rte_atomic_load_explicit(&pl.cmd, rte_memory_order_acquire);

		if (rte_atomic_load_explicit(&pl.stall, rte_memory_order_acquire) != 0) {
			/* stops calling its bursts until let go */
			sem_post(&pl.stalled);
			sem_wait(&pl.go);
		}
		if (cmd != held) {
			if (held == CMD_HOLD)
				queues_online(true);
			if (cmd != CMD_RUN)
				vm_traffic_drain(&tr);
			if (cmd == CMD_PROBE)
				pl.probe_page = probe();
			else if (cmd == CMD_HOLD)
				/* the swapped port's queues out of the
				 * swap: its port is stopped and started
				 */
				queues_online(false);
			held = cmd;
			publish_rx();
			rte_atomic_store_explicit(&pl.done, cmd, rte_memory_order_release);
		}
		if (held != CMD_RUN) {
			sched_yield();
			continue;
		}
		if (vm_traffic_step(&tr) == 0)
			sched_yield();
		publish_rx();
	}
	if (held == CMD_HOLD)
		queues_online(true);
	vm_traffic_drain(&tr);
	return 0;
}

static void
command(uint32_t cmd)
{
	rte_atomic_store_explicit(&pl.cmd, cmd, rte_memory_order_release);
	while (rte_atomic_load_explicit(&pl.done, rte_memory_order_acquire) != cmd)
		sched_yield();
}

/* The page the device's DMA reads at MARKER_IOVA now. */
static int
probe_page(void)
{
	int p;

	command(CMD_PROBE);
	p = pl.probe_page;
	command(CMD_RUN);
	return p;
}

static const char *
page_name(int p, unsigned int old)
{
	if (p == -1)
		return "none (no frame)";
	if (p < 0)
		return "other bytes";
	return (unsigned int)p == old ? "old" : "new";
}

/* MOVED more frames each way than at since (hang guard, not a limit). */
static bool
moved_since(const uint64_t since[2])
{
	uint64_t deadline = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	unsigned int i;

	for (i = 0; i < 2; i++)
		while (rte_atomic_load_explicit(&pl.rx[i],
				rte_memory_order_acquire) < since[i] + MOVED) {
			if (rte_get_timer_cycles() > deadline)
				return false;
			sched_yield();
		}
	return true;
}

static void
rx_now(uint64_t r[2])
{
	r[0] = rte_atomic_load_explicit(&pl.rx[0], rte_memory_order_acquire);
	r[1] = rte_atomic_load_explicit(&pl.rx[1], rte_memory_order_acquire);
}

/* ---- one cell ------------------------------------------------------------------ */

static int
swap(unsigned int s, struct rte_dma_domain *to, uint32_t timeout_us, bool stalled,
		struct rte_dma_domain_swap_record *rec)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = strategies[s], .timeout_us = timeout_us,
	};
	bool hold = s == S_RESTART && !stalled;
	int ret;

	if (hold)
		command(CMD_HOLD);
	ret = rte_dma_domain_replace(bnd, to, &o);
	if (hold)
		command(CMD_RUN);
	memset(rec, 0, sizeof(*rec));
	rte_dma_domain_last_swap(bnd, rec);
	return ret;
}

static void
cell_run(unsigned int s, const struct fi_case *c, struct fi_result *r, const char *what)
{
	const struct fi_how *h = fi_how_get(c, s, true);
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain *from, *to;
	uint64_t rx[2] = { 0, 0 };
	unsigned int old;
	int ret, pg;

	TH_EXPECT(moved_since(rx), "%s: traffic before the swap", what);
	pg = probe_page();
	TH_EXPECT(pg == 0 || pg == 1, "%s: the probe's DMA reads a marker page (%d)", what, pg);
	if (pg != 0 && pg != 1)
		return;
	cur = (unsigned int)pg;
	old = cur;
	from = fi_home_of(d, cur, s);
	to = fi_target_of(d, cur, s);
	if (c->stall) {
		rte_atomic_store_explicit(&pl.stall, 1, rte_memory_order_release);
		sem_wait(&pl.stalled);
	}
	if (h->lib != RTE_DMA_DOMAIN_INJECT_NONE)
		rte_dma_domain_inject(bnd, h->lib);
	if (h->pmd != NO_PMD)
		pmd_inject(port_sw, h->pmd, FI_PMD_QID, 1);
	ret = swap(s, to, c->stall ? STALL_TIMEOUT_US : SWAP_TIMEOUT_US, c->stall, &rec);
	rx_now(rx);
	if (c->stall) {
		rte_atomic_store_explicit(&pl.stall, 0, rte_memory_order_release);
		sem_post(&pl.go);
	}
	if (h->pmd != NO_PMD)
		pmd_inject(port_sw, h->pmd, FI_PMD_QID, 0);
	r->rc = ret;
	snprintf(r->reason, sizeof(r->reason), "%s", rec.reason);
	r->outcome = rec.rolled_back ? "rolled back" : "failed, nothing changed";
	printf("%s: rc %d, rolled back %d, reason: %s\n", what, ret, rec.rolled_back, rec.reason);
	/* (d) */
	TH_EXPECT(ret == h->rc && rec.result == ret && strstr(rec.reason, h->cause) != NULL,
		"%s: rc %d (expected %d), the reason names the step (\"%s\"): %s", what, ret,
		h->rc, h->cause, rec.reason);
	/* (b) */
	TH_EXPECT(moved_since(rx), "%s: traffic flows both ways after the failed swap", what);
	/* (a), by DMA */
	pg = probe_page();
	r->dom_after = page_name(pg, old);
	TH_EXPECT(pg == (int)old, "%s: the device's DMA reads the old domain's page (%s; library: '%s')",
		what, page_name(pg, old), rte_dma_domain_name(rte_dma_domain_binding_domain(bnd)));
	TH_EXPECT(rte_dma_domain_binding_domain(bnd) == from, "%s: the library's record: '%s'",
		what, rte_dma_domain_name(rte_dma_domain_binding_domain(bnd)));
	/* the port swaps again */
	ret = swap(s, to, SWAP_TIMEOUT_US, false, &rec);
	TH_EXPECT(ret == 0, "%s: a clean swap after it (%d: %s)", what, ret, rec.reason);
	pg = probe_page();
	TH_EXPECT(pg == (int)(1 - old),
		"%s: after the clean swap the DMA reads the new domain's page (%s)", what,
		page_name(pg, old));
	rx_now(rx);
	TH_EXPECT(moved_since(rx), "%s: traffic after the clean swap", what);
}

/* Frames lost (a gap is one too, once drained), out of order, damaged or
 * not ours, so far.
 */
static uint64_t
traffic_bad(void)
{
	return vm_traffic_lost(&tr) + tr.f[0].late + tr.f[1].late + tr.f[0].corrupt +
		tr.f[1].corrupt + tr.foreign;
}

static unsigned int
in_use(void)
{
	return rte_mempool_in_use_count(tr.mp);
}

static void
cell(unsigned int s, const struct fi_case *c, struct fi_result *r)
{
	const struct fi_how *h = fi_how_get(c, s, true);
	unsigned int base, failed = th_failures;
	uint64_t bad = traffic_bad();
	char what[96];
	uint16_t p;

	if (fi_cell_na(c, s, h, r, what, sizeof(what)))
		return;
	base = in_use();
	for (p = 0; p < 2; p++)
		if (rte_eth_dev_start(p) != 0) {
			TH_EXPECT(false, "%s: port %u starts", what, p);
			return;
		}
	rte_atomic_store_explicit(&pl.stop, 0, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&pl.cmd, CMD_RUN, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&pl.done, CMD_RUN, rte_memory_order_relaxed);
	if (rte_eal_remote_launch(poller, NULL, WORKER) != 0) {
		TH_EXPECT(false, "%s: poller launched on lcore %u", what, WORKER);
		return;
	}
	cell_run(s, c, r, what);
	rte_atomic_store_explicit(&pl.stop, 1, rte_memory_order_release);
	rte_eal_wait_lcore(WORKER);
	/* (b) the sequence check, drained */
	TH_EXPECT(traffic_bad() == bad, "%s: no frame lost, out of order or damaged (%" PRIu64 ")",
		what, traffic_bad() - bad);
	for (p = 0; p < 2; p++)
		rte_eth_dev_stop(p);
	r->leaked = (long)in_use() - (long)base;
	/* (c) */
	TH_EXPECT(r->leaked == 0, "%s: %ld mbufs leaked (in use %u before, %u after)", what,
		r->leaked, base, in_use());
	if (th_failures != failed)
		r->outcome = "FAIL";
}

/* Before a strategy's column, ports stopped: the swapped NIC on d[0],
 * whose marker is on page 0 again (a remap column rewrote its table).
 */
static void
column_start(unsigned int s)
{
	int ret = rte_dma_domain_replace(bnd, d[0], NULL);

	if (ret == 0)
		ret = rte_dma_domain_unmap(d[0], MARKER_IOVA, MARKER_LEN, NULL);
	if (ret == 0)
		ret = rte_dma_domain_map(d[0], MARKER_IOVA, page[0], MARKER_LEN,
			RTE_DMA_DOMAIN_ACCESS_READ);
	TH_EXPECT(ret == 0, "%s: %s on %s, its marker on page 0 (%d)", strategy_names[s],
		nic[0], rte_dma_domain_name(d[0]), ret);
	cur = 0;
}

/* vm-fault-matrix matrix PMD.so: every cell, one process. */
static int
case_matrix(void)
{
	const char *pmd = th_arg(0, "");
	struct fi_result res[S_NB][RTE_DIM(fi_cases)];
	unsigned int s, i;
	uint64_t bad;
	int rc;

	rc = vm_eal_start("vm-fault-matrix", pmd, NULL, nic);
	if (rc != 0)
		return rc;
	sem_init(&pl.stalled, 0, 0);
	sem_init(&pl.go, 0, 0);
	if (vm_ports_start(&tr) != 0 || setup(pmd) != 0) {
		TH_EXPECT(false, "ports up, domains set up");
		rte_eal_cleanup();
		return 0;
	}
	/* the cells start and stop the ports */
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	for (s = 0; s < S_NB; s++) {
		column_start(s);
		for (i = 0; i < RTE_DIM(fi_cases); i++)
			cell(s, &fi_cases[i], &res[s][i]);
	}
	vm_traffic_print(&tr, "fault matrix");
	bad = traffic_bad();
	TH_EXPECT(tr.f[0].sent > 0 && tr.f[1].sent > 0 && bad == 0,
		"fault matrix: every frame arrived once, in order, intact (lost %" PRIu64
		", lost/late/corrupt/foreign %" PRIu64 ")", vm_traffic_lost(&tr), bad);
	fi_print_header();
	for (s = 0; s < S_NB; s++)
		for (i = 0; i < RTE_DIM(fi_cases); i++)
			fi_print_row(&fi_cases[i], s, "kernel", &res[s][i]);
	vm_ports_stop();
	rte_eal_cleanup();
	return 0;
}

static const struct th_case cases[] = {
	{ "matrix", "vm", case_matrix, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
