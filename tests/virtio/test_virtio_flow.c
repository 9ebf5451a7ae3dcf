/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Cases of test_virtio about where packets go when the sender does not
 * poll, and where they are counted when they are lost:
 *   restart [swaps]  restart swaps of port 0 (port stop -> detach/attach
 *                    -> port start) from a control thread while traffic
 *                    runs both ways: the peer keeps delivering into port
 *                    0's device while it is reset (run under TSan in the
 *                    concurrency suite); every packet the verifier lost is
 *                    in the ports' imissed + oerrors
 *   rx_pull          packets back-pressured in port 0's tx ring move when
 *                    port 1's rx burst finds buffers, with no tx burst on
 *                    port 0
 *   two_lcores       each port polled (tx and rx) by its own thread: every
 *                    tx ring is drained by its sender's notify and by the
 *                    receiver's pull; exactly once, in order
 *   rx_carry         queue resets of a port that reads one burst between
 *                    them: what the device completed is carried over
 *                    each reset (its used entries, never more than a
 *                    ring) and read first, in order: nothing lost,
 *                    nothing counted as dropped
 *   resume_deferred  quiesce swaps of both ports with rings full and
 *                    packets waiting: the resume's doorbells run no pass
 *                    of the inline device in the swap's thread
 *                    (rte_iommufd_emu_thread_ns() unchanged); the data
 *                    path moves it all afterwards, in order
 *   drops_device     drops inside the emulated device: frames too big for
 *                    the receiver's buffers (imissed, xstat emu_rx_dropped)
 *                    and frames into wire=sink (xstat emu_tx_dropped)
 *   tx_coverage      packets in port 0's tx ring whose data lies in memory
 *                    the target domain does not map (a mempool of its
 *                    own, an external buffer on an rx-pool mbuf, an
 *                    indirect mbuf of the rx pool attached to it): each
 *                    quiesce swap is refused (-ERANGE), the port stays on
 *                    its domain, and everything arrives afterwards; once
 *                    they are sent, the swap goes through. The same with
 *                    the frame given to a parked tx burst (kept in the
 *                    PMD's backlog, posted after the pause)
 *   parked_tx [swaps] quiesce swaps of port 0 from a control thread while
 *                    the test keeps calling tx burst: bursts of a parked
 *                    queue are accepted (kept in the PMD's backlog), not
 *                    refused, and go out after the pause, in order
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <rte_dma_domain.h>
#include <bus_iommufd_driver.h>

#include "dma_domain_test.h"
#include "vt_cases.h"
#include "vt_common.h"

/* The quiesce swap of the cases below. */
static const struct rte_dma_domain_replace_opts quiesce_opts = {
	.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE,
	.timeout_us = 2000000,
};

/* Packets the device dropped for lack of buffers (vt_port_drops():
 * every drop a port counts).
 */
static uint64_t
port_imissed(uint16_t port)
{
	struct rte_eth_stats st;

	memset(&st, 0, sizeof(st));
	if (rte_eth_stats_get(port, &st) != 0)
		return UINT64_MAX;
	return st.imissed;
}

/* ---- restart swaps under traffic ------------------------------------------ */

struct restarter {
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *d[2];
	unsigned int target, done, failed;
	int hold, held;   /* __atomic: "leave port 0 alone" and its answer */
	bool stop;        /* __atomic: the swapper's end */
	char reason[160];
};

static void
hold_wait(struct restarter *r, int on)
{
	__atomic_store_n(&r->hold, on, __ATOMIC_RELEASE);
	while (__atomic_load_n(&r->held, __ATOMIC_ACQUIRE) != on)
		sched_yield(); /* the poller may share our core */
}

static void *
restart_thread(void *arg)
{
	struct restarter *r = arg;
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART,
		.timeout_us = 2000000,
	};
	unsigned int i;

	for (i = 0; i < r->target; i++) {
		int ret;

		/* Like dpdk-test-replace: the poller lets go of port 0, the
		 * peer keeps transmitting into it.
		 */
		hold_wait(r, 1);
		ret = rte_dma_domain_replace(r->b, r->d[(i + 1) & 1], &o);
		hold_wait(r, 0);
		if (ret != 0) {
			struct rte_dma_domain_swap_record rec;

			rte_dma_domain_last_swap(r->b, &rec);
			snprintf(r->reason, sizeof(r->reason), "%s", rec.reason);
			r->failed++;
		}
		r->done = i + 1;
		/* let traffic build up again between restarts */
		rte_delay_us_sleep(2000);
	}
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	return NULL;
}

int
vt_case_restart(unsigned int swaps)
{
	struct restarter r;
	struct vt_verify v;
	pthread_t th;
	uint64_t lost, drops;
	bool held = false;
	uint16_t p;

	memset(&r, 0, sizeof(r));
	memset(&v, 0, sizeof(v));
	r.b = vt_binding("emu0");
	r.d[0] = rte_dma_domain_create(rte_dma_domain_binding_ctx(r.b), "vt_rs_a",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	r.d[1] = rte_dma_domain_create(rte_dma_domain_binding_ctx(r.b), "vt_rs_b",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	TH_REQUIRE(r.d[0] != NULL && r.d[1] != NULL, "mirror domains");
	TH_REQUIRE(rte_dma_domain_replace(r.b, r.d[0], NULL) == 0, "initial move");
	r.target = swaps;
	for (p = 0; p < 2; p++)
		if (vt_port_setup(p, 1, 256, true) != 0)
			return -1;
	TH_REQUIRE(pthread_create(&th, NULL, restart_thread, &r) == 0, "thread");
	while (!__atomic_load_n(&r.stop, __ATOMIC_ACQUIRE)) {
		int h = __atomic_load_n(&r.hold, __ATOMIC_ACQUIRE);

		if (h != held) {
			/* port 0's queues offline while the swapper owns it */
			held = h;
			vt_queues_online(0, 1, !held);
			__atomic_store_n(&r.held, h, __ATOMIC_RELEASE);
		}
		for (p = 0; p < 2; p++) {
			if (p == 0 && held)
				continue;
			/* bounded in flight: enough to lose some at each stop */
			if (v.next_tx[p][0] - v.next_rx[p][0] < 512)
				vt_send(&v, p, 0, 32, (v.sent & 1) ? 1000 : 64);
		}
		vt_recv(&v, 1, 0);
		if (!held)
			vt_recv(&v, 0, 0);
	}
	pthread_join(th, NULL);
	vt_drain(&v, 2, 1);
	vt_print(&v, "restart");
	lost = v.sent - v.received;
	drops = vt_port_drops(0) + vt_port_drops(1);
	printf("restart: %u restarts (%u failed%s%s), lost by the verifier %" PRIu64
		", dropped by the counters %" PRIu64 " (port 0 imissed+oerrors %" PRIu64
		", port 1 %" PRIu64 ")\n", r.done, r.failed, r.failed ? ": " : "", r.reason,
		lost, drops, vt_port_drops(0), vt_port_drops(1));
	TH_REQUIRE(r.done == swaps && r.failed == 0, "restarts failed: %s", r.reason);
	TH_REQUIRE(v.sent > 0 && v.dup == 0 && v.reordered == 0 && v.corrupted == 0 &&
		v.foreign == 0, "traffic duplicated, reordered or damaged");
	TH_REQUIRE(v.received <= v.sent, "received more than sent");
	TH_REQUIRE(lost == drops, "the verifier lost %" PRIu64 " packets, the port counters dropped %"
		PRIu64, lost, drops);
	TH_REQUIRE(drops > 0 || swaps < 20,
		"%u restarts under traffic and nothing was in flight at any of them: the test did not exercise the drop path",
		swaps);
	return 0;
}

/* ---- rx burst pulls what the sender left in its tx ring ------------------- */

int
vt_case_rx_pull(void)
{
	struct vt_verify v;
	uint64_t deadline;

	memset(&v, 0, sizeof(v));
	if (vt_port_setup(0, 1, 256, true) != 0 || vt_port_setup(1, 1, 256, false) != 0)
		return -1;
	/* Port 1 is down: everything stays in port 0's tx ring. */
	while (v.next_tx[0][0] < 200)
		if (vt_send(&v, 0, 0, 50, 200) == 0)
			break;
	TH_REQUIRE(v.sent == 200, "only %" PRIu64 " of 200 queued in the tx ring", v.sent);
	TH_REQUIRE(rte_eth_dev_start(1) == 0, "start port 1");
	/* From now on only port 1's rx burst runs: no tx burst on port 0. */
	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (v.received < v.sent && rte_get_timer_cycles() < deadline)
		if (vt_recv(&v, 1, 0) == 0)
			sched_yield();
	vt_print(&v, "rx_pull");
	TH_REQUIRE(v.received == 200 && v.lost == 0 && v.dup == 0 && v.corrupted == 0,
		"the receiver's rx burst did not pull the back-pressured packets (%" PRIu64
		" of 200 arrived)", v.received);
	TH_REQUIRE(v.next_rx[0][0] == 200, "out of order");
	return 0;
}

/* ---- one thread per port ------------------------------------------------ */

#define TL_PER_PORT 20000u

struct port_worker {
	uint16_t port;
	struct vt_verify v; /* the streams this thread sends and receives */
	uint64_t deadline;
};

static void *
port_worker_main(void *arg)
{
	struct port_worker *w = arg;
	uint16_t p = w->port;

	while (rte_get_timer_cycles() < w->deadline &&
			(w->v.next_tx[p][0] < TL_PER_PORT || w->v.received < TL_PER_PORT)) {
		uint16_t got = 0;

		if (w->v.next_tx[p][0] < TL_PER_PORT)
			vt_send(&w->v, p, 0, (uint16_t)RTE_MIN(32u,
				TL_PER_PORT - w->v.next_tx[p][0]), 128);
		got = vt_recv(&w->v, p, 0);
		if (got == 0)
			sched_yield(); /* two pollers on 2 shared cores */
	}
	return NULL;
}

int
vt_case_two_lcores(void)
{
	struct port_worker w[2];
	pthread_t th[2];
	uint16_t p;

	memset(w, 0, sizeof(w));
	for (p = 0; p < 2; p++)
		if (vt_port_setup(p, 1, 256, true) != 0)
			return -1;
	for (p = 0; p < 2; p++) {
		w[p].port = p;
		w[p].deadline = rte_get_timer_cycles() + 20 * rte_get_timer_hz();
		TH_REQUIRE(pthread_create(&th[p], NULL, port_worker_main, &w[p]) == 0, "thread");
	}
	for (p = 0; p < 2; p++)
		pthread_join(th[p], NULL);
	for (p = 0; p < 2; p++) {
		/* thread p received what port 1-p sent */
		struct vt_verify *v = &w[p].v;
		uint16_t src = (uint16_t)(1 - p);

		printf("two_lcores: port %u sent %" PRIu64 ", received %" PRIu64 " from port %u"
			" (next %" PRIu64 "), lost %" PRIu64 " dup/reordered %" PRIu64
			" corrupted %" PRIu64 "\n", p, v->sent, v->received, src,
			v->next_rx[src][0], v->lost, v->dup, v->corrupted);
		TH_REQUIRE(v->sent == TL_PER_PORT, "port %u sent only %" PRIu64, p, v->sent);
		TH_REQUIRE(v->received == TL_PER_PORT && v->next_rx[src][0] == TL_PER_PORT &&
			v->lost == 0 && v->dup == 0 && v->reordered == 0 && v->corrupted == 0 &&
			v->foreign == 0, "port %u: not exactly once and in order", p);
	}
	return 0;
}

/* ---- queue resets while nobody reads --------------------------------------- */

/* Send on port 0 until its tx ring is full and port 1 has no more
 * buffers. A burst that finds the ring full still kicks, and the inline
 * device moves at most EMU_BURST (64) packets a kick: what waits in the
 * ring after a swap (the resume's doorbells leave the device's work to
 * the data path) needs a few such bursts. Eight in a row that take
 * nothing: two rings' worth of kicks, nothing left to move.
 */
static void
fill(struct vt_verify *v)
{
	int idle = 0;

	while (idle < 8)
		idle = vt_send(v, 0, 0, 32, 100) != 0 ? 0 : idle + 1;
}

int
vt_case_rx_carry(void)
{
	struct rte_dma_domain_binding *b1 = vt_binding("emu1");
	struct rte_dma_domain *d[2];
	struct vt_verify v;
	uint64_t carried, want = 0;
	uint16_t got;
	int i;

	memset(&v, 0, sizeof(v));
	d[0] = rte_dma_domain_create(rte_dma_domain_binding_ctx(b1), "vt_so_a",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	d[1] = rte_dma_domain_create(rte_dma_domain_binding_ctx(b1), "vt_so_b",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	TH_REQUIRE(d[0] != NULL && d[1] != NULL, "mirror domains");
	if (vt_port_setup(0, 1, 256, true) != 0 || vt_port_setup(1, 1, 256, true) != 0)
		return -1;
	vt_queues_online(1, 1, false); /* port 1 is read only between swaps */
	/* Round 0: port 1's ring fills (256), the queue reset carries all of
	 * it. Each later round reads one burst, which comes out of the carry
	 * (its oldest packets) and frees that many descriptors, refilled by
	 * the same burst: the device completes exactly that many more, and
	 * the next reset carries them behind the rest. The carried buffers
	 * are never posted again (the device would write over unread
	 * packets), so the carry stays at a ring.
	 */
	for (i = 0; i < 6; i++) {
		got = 0;
		if (i > 0) {
			got = vt_recv(&v, 1, 0);
			TH_REQUIRE(got == 64, "round %d read %u packets, expected a burst of 64",
				i, got);
		}
		fill(&v);
		TH_REQUIRE(rte_dma_domain_replace(b1, d[i & 1], &quiesce_opts) == 0,
			"replace %d", i);
		want += i == 0 ? 256 : got;
		carried = vt_xstat(1, "rx_vq0_carried");
		TH_REQUIRE(carried == want, "after reset %d: %" PRIu64
			" used entries carried in all, expected %" PRIu64, i, carried, want);
	}
	fill(&v);
	vt_queues_online(1, 1, true);
	vt_drain(&v, 2, 1);
	vt_print(&v, "rx_carry");
	printf("rx_carry: carried %" PRIu64 ", port 1 drops %" PRIu64 " (imissed %" PRIu64
		"), lost %" PRIu64 "\n", carried, vt_port_drops(1), port_imissed(1),
		v.sent - v.received);
	TH_REQUIRE(v.dup == 0 && v.corrupted == 0, "duplicated or damaged");
	/* Exact: nothing the device completed may be lost by a swap, and
	 * the driver's discards are never in imissed.
	 */
	TH_REQUIRE(v.sent == v.received, "sent %" PRIu64 ", received %" PRIu64 ": %" PRIu64
		" lost by the driver across queue resets (counted %" PRIu64 ")", v.sent,
		v.received, v.sent - v.received, vt_port_drops(0) + vt_port_drops(1));
	TH_REQUIRE(vt_port_drops(0) + vt_port_drops(1) == 0, "drops counted with nothing lost");
	return 0;
}

/* ---- a swap leaves the inline device's work to the data path ------------- */

int
vt_case_resume_deferred(void)
{
	struct rte_dma_domain_binding *b[2] = { vt_binding("emu0"), vt_binding("emu1") };
	struct rte_dma_domain *d[2];
	struct vt_verify v;
	uint64_t ns;
	int i;

	memset(&v, 0, sizeof(v));
	d[0] = rte_dma_domain_create(rte_dma_domain_binding_ctx(b[0]), "vt_rd_a",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	d[1] = rte_dma_domain_create(rte_dma_domain_binding_ctx(b[0]), "vt_rd_b",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	TH_REQUIRE(d[0] != NULL && d[1] != NULL, "mirror domains");
	if (vt_port_setup(0, 1, 256, true) != 0 || vt_port_setup(1, 1, 256, true) != 0)
		return -1;
	/* nobody polls during the swaps: no engine pass of a poller either */
	vt_queues_online(0, 1, false);
	vt_queues_online(1, 1, false);
	/* port 1's ring full, port 0's holding a ring more: both in flight */
	fill(&v);
	for (i = 0; i < 4; i++) {
		ns = rte_iommufd_emu_thread_ns();
		TH_REQUIRE(rte_dma_domain_replace(b[i & 1], d[(i >> 1) & 1], &quiesce_opts) == 0,
			"replace %d", i);
		TH_CHECK(rte_iommufd_emu_thread_ns() == ns,
			"swap %d of port %d: the inline device ran %" PRIu64 " ns in the swap's thread (its resume doorbells were not deferred)",
			i, i & 1, rte_iommufd_emu_thread_ns() - ns);
	}
	vt_queues_online(0, 1, true);
	vt_queues_online(1, 1, true);
	vt_drain(&v, 2, 1);
	vt_print(&v, "resume_deferred");
	TH_REQUIRE(v.dup == 0 && v.corrupted == 0, "duplicated or damaged");
	TH_REQUIRE(v.sent == v.received, "sent %" PRIu64 ", received %" PRIu64, v.sent,
		v.received);
	TH_REQUIRE(v.sent > 256, "only %" PRIu64 " sent: the rings were not full", v.sent);
	return 0;
}

/* ---- tx buffers in flight that the target does not map --------------------- */

#define TC_LEN (1u << 20)           /* memory outside DPDK's */
#define TC_IOVA 0x6000000000ull     /* its IOVA, in the old domain only */
#define TC_MBUFS 64
#define TC_ETHERTYPE 0x88b6         /* not the verifier's: counted apart */

enum tc_kind { TC_POOL, TC_EXTBUF, TC_INDIRECT };

static const char *const tc_names[] = { "own mempool", "external buffer", "indirect mbuf" };

static struct rte_mempool *
tc_pool(void *va)
{
	struct rte_mempool *mp = rte_mempool_create_empty("vt_tc_pool", TC_MBUFS,
		sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, 0,
		sizeof(struct rte_pktmbuf_pool_private), SOCKET_ID_ANY, 0);
	int ret;

	if (mp == NULL)
		return NULL;
	ret = rte_mempool_set_ops_byname(mp, "ring_mp_mc", NULL);
	if (ret == 0) {
		rte_pktmbuf_pool_init(mp, NULL);
		ret = rte_mempool_populate_iova(mp, va, TC_IOVA, TC_LEN / 2, NULL, NULL);
	}
	if (ret != TC_MBUFS) {
		rte_mempool_free(mp);
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

static void
tc_ext_free(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	RTE_SET_USED(opaque);
}

/* One frame whose data lies in the memory at TC_IOVA, made as kind says. */
static struct rte_mbuf *
tc_frame(enum tc_kind kind, struct rte_mempool *fp, uint8_t *va, uint16_t port)
{
	static struct rte_mbuf_ext_shared_info shinfo = { .free_cb = tc_ext_free };
	struct rte_mbuf *m = rte_pktmbuf_alloc(kind == TC_POOL ? fp : vt_pool()), *d = NULL;
	struct rte_ether_hdr *eh;

	if (m == NULL)
		return NULL;
	if (kind == TC_EXTBUF) {
		/* the second half of the range: not the pool's */
		rte_mbuf_ext_refcnt_set(&shinfo, 1);
		rte_pktmbuf_attach_extbuf(m, va + TC_LEN / 2, TC_IOVA + TC_LEN / 2, 2048,
			&shinfo);
		m->data_off = 0;
	} else if (kind == TC_INDIRECT) {
		d = rte_pktmbuf_alloc(fp);
		if (d == NULL) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		rte_pktmbuf_attach(m, d);
		rte_pktmbuf_free(d); /* m holds the only reference now */
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, 64);
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(eh, 0, 64);
	memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_eth_macaddr_get(port, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(TC_ETHERTYPE);
	return m;
}

/* A replace (ret) with the frame of kind in port 0's care (how): refused,
 * the port still on d[0]; once the queues run, the frame arrives with
 * everything else, and port 0's next tx burst reclaims it (nothing of
 * it in flight any more).
 */
static void
tc_refused(struct vt_verify *v, enum tc_kind kind, struct rte_dma_domain *d[2], int ret,
		uint64_t foreign, const char *how)
{
	TH_CHECK(ret == -ERANGE,
		"%s: a tx frame %s, from memory '%s' does not map: replace refused with -ERANGE (got %d)",
		tc_names[kind], how, rte_dma_domain_name(d[1]), ret);
	TH_CHECK(rte_dma_domain_binding_domain(vt_binding("emu0")) == d[0],
		"%s: the port stays on '%s'", tc_names[kind], rte_dma_domain_name(d[0]));
	vt_queues_online(0, 1, true);
	vt_queues_online(1, 1, true);
	vt_drain(v, 2, 1);
	TH_CHECK(v->foreign == foreign + 1 && v->lost == 0 && v->dup == 0 &&
		v->reordered == 0 && v->corrupted == 0,
		"%s: everything arrived after the refusal (the frame: %" PRIu64 ")",
		tc_names[kind], v->foreign - foreign);
	vt_send(v, 0, 0, 1, 100);
	vt_drain(v, 2, 1);
}

/* Port 1's ring full and TC_BACKLOG packets more waiting in port 0's
 * ring (nobody polls port 1): a frame sent now stays in flight.
 */
#define TC_BACKLOG 64

static int
tc_round(struct vt_verify *v, enum tc_kind kind, struct rte_mempool *fp, uint8_t *va,
		struct rte_dma_domain *d[2])
{
	struct rte_dma_domain_binding *b = vt_binding("emu0");
	uint64_t foreign = v->foreign;
	struct rte_mbuf *m;
	unsigned int sent = 0;
	int ret;

	vt_queues_online(0, 1, false);
	vt_queues_online(1, 1, false);
	while (sent < 256 + TC_BACKLOG)
		sent += vt_send(v, 0, 0, 32, 100);
	m = tc_frame(kind, fp, va, 0);
	TH_REQUIRE(m != NULL && rte_eth_tx_burst(0, 0, &m, 1) == 1,
		"%s: a frame from it sent", tc_names[kind]);
	ret = rte_dma_domain_replace(b, d[1], &quiesce_opts);
	tc_refused(v, kind, d, ret, foreign, "in flight");
	vt_queues_online(0, 1, false);
	vt_queues_online(1, 1, false);
	ret = rte_dma_domain_replace(b, d[1], &quiesce_opts);
	TH_CHECK(ret == 0, "%s: once sent, the replace goes through (%d)", tc_names[kind], ret);
	ret = rte_dma_domain_replace(b, d[0], &quiesce_opts);
	TH_REQUIRE(ret == 0, "%s: back on '%s' (%d)", tc_names[kind],
		rte_dma_domain_name(d[0]), ret);
	return 0;
}

/* The frame given to a parked burst instead: the replace on a thread,
 * this one polling port 0; at the protocol's PARKED point (every poller
 * acknowledged, before the parked coverage walk) the hook lets the
 * poller send the frame, which the parked burst keeps, and waits for it.
 */
struct tc_parked {
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *to;
	int parked, kept, done, ret;
};

static void
tc_parked_hook(void *arg, enum rte_dma_domain_test_point pt)
{
	struct tc_parked *p = arg;

	if (pt != RTE_DMA_DOMAIN_TEST_PARKED)
		return;
	__atomic_store_n(&p->parked, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&p->kept, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void *
tc_parked_swap(void *arg)
{
	struct tc_parked *p = arg;

	p->ret = rte_dma_domain_replace(p->b, p->to, &quiesce_opts);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int
tc_parked_round(struct vt_verify *v, enum tc_kind kind, struct rte_mempool *fp, uint8_t *va,
		struct rte_dma_domain *d[2])
{
	struct tc_parked p = { .b = vt_binding("emu0"), .to = d[1] };
	uint64_t foreign = v->foreign;
	struct rte_mbuf *m = tc_frame(kind, fp, va, 0);
	pthread_t th;
	uint16_t taken;

	TH_REQUIRE(m != NULL, "%s: a frame", tc_names[kind]);
	vt_queues_online(0, 1, true);
	vt_queues_online(1, 1, true);
	rte_dma_domain_test_swap_hook(p.b, tc_parked_hook, &p);
	TH_REQUIRE(pthread_create(&th, NULL, tc_parked_swap, &p) == 0, "thread");
	/* empty bursts acknowledge the pause */
	while (!__atomic_load_n(&p.parked, __ATOMIC_ACQUIRE) &&
			!__atomic_load_n(&p.done, __ATOMIC_ACQUIRE)) {
		rte_eth_tx_burst(0, 0, NULL, 0);
		vt_recv(v, 0, 0);
	}
	taken = rte_eth_tx_burst(0, 0, &m, 1);
	__atomic_store_n(&p.kept, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&p.done, __ATOMIC_ACQUIRE)) {
		rte_eth_tx_burst(0, 0, NULL, 0);
		vt_recv(v, 0, 0);
	}
	pthread_join(th, NULL);
	rte_dma_domain_test_swap_hook(p.b, NULL, NULL);
	if (taken == 0)
		rte_pktmbuf_free(m);
	TH_CHECK(taken == 1, "%s: the parked burst kept the frame", tc_names[kind]);
	tc_refused(v, kind, d, p.ret, foreign, "a parked burst kept");
	return 0;
}

int
vt_case_tx_coverage(void)
{
	struct rte_dma_domain_binding *b = vt_binding("emu0");
	struct rte_dma_domain *d[2];
	struct rte_mempool *fp;
	struct vt_verify v;
	uint8_t *va;
	int kind;

	memset(&v, 0, sizeof(v));
	va = mmap(NULL, TC_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		MAP_POPULATE, -1, 0);
	TH_REQUIRE(va != MAP_FAILED, "mmap of %u bytes", TC_LEN);
	fp = tc_pool(va);
	TH_REQUIRE(fp != NULL, "a mempool on the range at 0x%llx", TC_IOVA);
	d[0] = vt_mirror(b, "vt_tc_a");
	d[1] = vt_mirror(b, "vt_tc_b");
	TH_REQUIRE(d[0] != NULL && d[1] != NULL, "mirror domains");
	TH_REQUIRE(rte_dma_domain_map(d[0], TC_IOVA, va, TC_LEN, RTE_DMA_DOMAIN_ACCESS_RW) == 0,
		"the range mapped in '%s' only", rte_dma_domain_name(d[0]));
	if (vt_port_setup(0, 1, 512, true) != 0 || vt_port_setup(1, 1, 256, true) != 0)
		return -1;
	TH_REQUIRE(rte_dma_domain_replace(b, d[0], &quiesce_opts) == 0, "port 0 onto '%s'",
		rte_dma_domain_name(d[0]));
	for (kind = TC_POOL; kind <= TC_INDIRECT; kind++)
		if (tc_round(&v, (enum tc_kind)kind, fp, va, d) != 0 ||
				tc_parked_round(&v, (enum tc_kind)kind, fp, va, d) != 0)
			return -1;
	vt_print(&v, "tx_coverage");
	TH_REQUIRE(rte_mempool_in_use_count(fp) == 0, "%u mbufs of the range's pool not returned",
		rte_mempool_in_use_count(fp));
	return 0;
}

/* ---- drops inside the device --------------------------------------------- */

int
vt_case_drops_device(void)
{
	struct rte_mempool *small;
	struct vt_verify v;
	uint64_t deadline;
	int ret;

	memset(&v, 0, sizeof(v));
	/* Port 1 posts 396-byte buffers and has no MRG_RXBUF (devargs): a
	 * 1000-byte frame does not fit and the device drops it.
	 */
	small = rte_pktmbuf_pool_create("vt_small", 1023, 0, 0, 512, SOCKET_ID_ANY);
	TH_REQUIRE(small != NULL, "small pool");
	if (vt_port_setup(0, 1, 256, true) != 0 || vt_port_setup(2, 1, 256, true) != 0)
		return -1;
	ret = rte_eth_dev_configure(1, 1, 1, &(struct rte_eth_conf){0});
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(1, 0, 256, SOCKET_ID_ANY, NULL, small);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(1, 0, 256, SOCKET_ID_ANY, NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(1);
	TH_REQUIRE(ret == 0, "port 1 with small buffers: %d", ret);
	while (v.next_tx[0][0] < 100)
		if (vt_send(&v, 0, 0, 25, 1000) == 0)
			break;
	while (v.next_tx[2][0] < 100)
		if (vt_send(&v, 2, 0, 25, 200) == 0)
			break;
	deadline = rte_get_timer_cycles() + rte_get_timer_hz();
	while (vt_xstat(1, "emu_rx_dropped") < 100 && rte_get_timer_cycles() < deadline)
		vt_recv(&v, 1, 0);
	vt_print(&v, "drops_device");
	printf("drops_device: port 1 imissed+oerrors %" PRIu64 " emu_rx_dropped %" PRIu64
		", port 2 emu_tx_dropped %" PRIu64 "\n", vt_port_drops(1),
		vt_xstat(1, "emu_rx_dropped"), vt_xstat(2, "emu_tx_dropped"));
	TH_REQUIRE(v.next_tx[0][0] == 100 && v.next_tx[2][0] == 100, "not all sent");
	TH_REQUIRE(v.received == 0, "a frame bigger than the buffers arrived");
	TH_REQUIRE(vt_xstat(1, "emu_rx_dropped") == 100 && vt_port_drops(1) == 100,
		"oversize frames not counted as dropped by port 1");
	TH_REQUIRE(vt_xstat(2, "emu_tx_dropped") == 100, "frames into the sink not counted");
	TH_REQUIRE(vt_port_drops(2) == 0, "the sink's frames were transmitted: no oerrors");
	/* stats reset starts the device counters from 0 for this port */
	TH_REQUIRE(rte_eth_stats_reset(1) == 0 && vt_xstat(1, "emu_rx_dropped") == 0 &&
		vt_port_drops(1) == 0, "stats reset does not clear the drops");
	return 0;
}

/* ---- tx bursts while the queue is parked ----------------------------------- */

struct parked_swapper {
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *d[2];
	unsigned int target, failed;
	bool stop; /* __atomic */
	char reason[160];
};

static void *
parked_swap_thread(void *arg)
{
	struct parked_swapper *s = arg;
	unsigned int i;

	for (i = 0; i < s->target; i++) {
		if (rte_dma_domain_replace(s->b, s->d[(i + 1) & 1], &quiesce_opts) != 0) {
			struct rte_dma_domain_swap_record rec;

			rte_dma_domain_last_swap(s->b, &rec);
			snprintf(s->reason, sizeof(s->reason), "%s", rec.reason);
			s->failed++;
		}
		sched_yield(); /* let the poller run between pauses */
	}
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	return NULL;
}

int
vt_case_parked_tx(unsigned int swaps)
{
	struct parked_swapper s;
	struct vt_verify v;
	uint64_t refused = 0, backlogged;
	pthread_t th;

	memset(&s, 0, sizeof(s));
	memset(&v, 0, sizeof(v));
	s.b = vt_binding("emu0");
	s.target = swaps;
	s.d[0] = rte_dma_domain_create(rte_dma_domain_binding_ctx(s.b), "vt_pt_a",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	s.d[1] = rte_dma_domain_create(rte_dma_domain_binding_ctx(s.b), "vt_pt_b",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	TH_REQUIRE(s.d[0] != NULL && s.d[1] != NULL, "mirror domains");
	TH_REQUIRE(rte_dma_domain_replace(s.b, s.d[0], NULL) == 0, "initial move");
	if (vt_port_setup(0, 1, 256, true) != 0 || vt_port_setup(1, 1, 256, true) != 0)
		return -1;
	TH_REQUIRE(pthread_create(&th, NULL, parked_swap_thread, &s) == 0, "thread");
	while (!__atomic_load_n(&s.stop, __ATOMIC_ACQUIRE)) {
		/* At most 96 + 32 in flight: well within the ring (256) and
		 * the backlog (one ring), so a burst the PMD refuses is one it
		 * dropped. An empty burst still acknowledges pauses.
		 */
		uint16_t n = v.next_tx[0][0] - v.next_rx[0][0] < 96 ? 32 : 0;

		refused += (uint16_t)(n - vt_send(&v, 0, 0, n, (v.sent & 1) ? 1000 : 64));
		vt_recv(&v, 1, 0); /* pulls from port 0's tx ring */
		vt_recv(&v, 0, 0); /* port 0's rx queue must acknowledge too */
	}
	pthread_join(th, NULL);
	vt_drain(&v, 2, 1);
	backlogged = vt_xstat(0, "tx_vq0_backlogged");
	vt_print(&v, "parked_tx");
	printf("parked_tx: %u swaps (%u failed%s%s), refused %" PRIu64 ", backlogged %" PRIu64
		", quiesced %" PRIu64 "\n", swaps, s.failed, s.failed ? ": " : "", s.reason,
		refused, backlogged, vt_xstat(0, "tx_vq0_quiesced"));
	TH_REQUIRE(s.failed == 0, "swaps failed: %s", s.reason);
	TH_REQUIRE(vt_xstat(0, "tx_vq0_quiesced") >= swaps, "not every swap reset the tx queue");
	TH_REQUIRE(refused == 0, "%" PRIu64 " packets refused by tx burst (dropped by the app)",
		refused);
	TH_REQUIRE(backlogged != UINT64_MAX && backlogged > 0,
		"no tx burst came while the queue was parked (backlogged %" PRIu64 ")",
		backlogged);
	TH_REQUIRE(v.sent > 0 && v.received == v.sent && v.lost == 0 && v.dup == 0 &&
		v.reordered == 0 && v.corrupted == 0 && v.foreign == 0,
		"backlogged packets lost, reordered or damaged");
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	TH_REQUIRE(rte_mempool_avail_count(vt_pool()) == vt_pool()->size,
		"%u mbufs leaked", vt_pool()->size - rte_mempool_avail_count(vt_pool()));
	return 0;
}
