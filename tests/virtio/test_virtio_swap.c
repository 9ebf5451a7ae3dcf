/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Cases of test_virtio about the PMD's part of a quiesce swap when
 * things go wrong in it, driven by the PMD's own failure injection
 * (rte_pmd_virtio_iommufd_inject(); the library's injection points fail
 * before the driver runs):
 *   replace_vtd [swaps]  quiesce swaps of port 0 between two distinct
 *                    domains that map the same memory at the same IOVAs,
 *                    under the soft model's VT-d semantics (translation
 *                    blocked for a window during the switch) with port
 *                    0's device engine on a thread of its own (DMA
 *                    independent of the poller), traffic both ways: every
 *                    swap succeeds, 0 faults, nothing lost
 *   replace_vtd_broken [swaps]  the same with the PMD's queue_quiesce
 *                    broken (returns 0 without resetting the queue): the
 *                    device's DMA in the window MUST fault, or the test
 *                    above could not fail
 *   resume_retry [swaps]  queue_resume fails once (re-enabling the queue),
 *                    the library retries it: nothing posted twice, nothing
 *                    lost or leaked; first with packets in flight and no
 *                    poller, then under traffic
 *   parked_reset     a swap leaves port 0's tx queue reset (its resume
 *                    keeps failing): tx bursts keep their packets and post
 *                    none into the reset ring; the next swap resumes it
 *                    and they go out, in order
 *   reset_timeout    the tx queue's reset does not complete in time
 *                    (quiesce fails): the queue is never used while the
 *                    reset may be pending; once resumed, nothing is lost
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_memzone.h>

#include <rte_dma_domain.h>
#include <rte_dma_domain_soft.h>
#include <rte_pmd_virtio_iommufd.h>
#include <virtio_spec.h>

#include "vt_cases.h"
#include "vt_common.h"

#define RING 256u
/* Replace-protocol handles of queue pair 0: rx 0, tx 1. */
#define H_RX0 0
#define H_TX0 1

/* ---- a control thread that swaps port 0 ----------------------------------- */

struct swapper {
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *d[2];
	unsigned int target;
	bool stop_on_fail;
	/* Called before swap i on the swapper's thread: arms an injection,
	 * returns true when swap i must fail. NULL: every swap succeeds.
	 */
	bool (*arm)(unsigned int i);
	unsigned int done, ok, failed, unexpected;
	uint64_t faults;  /* of the swap records */
	char reason[200];
	bool stop;        /* __atomic: the swapper's end */
};

static void *
swapper_main(void *arg)
{
	struct swapper *s = arg;
	static const struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE,
		.timeout_us = 2000000, /* scheduler hiccups: generous */
	};
	struct rte_dma_domain_swap_record rec;
	unsigned int i;

	for (i = 0; i < s->target; i++) {
		/* a failed swap stays on the old domain: go to the other one */
		struct rte_dma_domain *to = rte_dma_domain_binding_domain(s->b) == s->d[0] ?
			s->d[1] : s->d[0];
		bool must_fail = s->arm != NULL && s->arm(i);
		int ret = rte_dma_domain_replace(s->b, to, &o);

		rte_dma_domain_last_swap(s->b, &rec);
		s->faults += rec.faults;
		if (ret == 0) {
			s->ok++;
		} else {
			s->failed++;
			snprintf(s->reason, sizeof(s->reason), "swap %u: %s", i, rec.reason);
		}
		if ((ret != 0) != must_fail) {
			s->unexpected++;
			printf("swap %u: %s, expected %s (%s)\n", i, ret == 0 ? "succeeded" : "failed",
				must_fail ? "a failure" : "success", rec.reason);
		}
		s->done = i + 1;
		if (ret != 0 && s->stop_on_fail)
			break;
		sched_yield(); /* let the poller run between pauses */
	}
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	return NULL;
}

static int
swapper_init(struct swapper *s, const char *tag, unsigned int target)
{
	char na[32], nb[32];

	memset(s, 0, sizeof(*s));
	s->b = vt_binding("emu0");
	snprintf(na, sizeof(na), "vt_%s_a", tag);
	snprintf(nb, sizeof(nb), "vt_%s_b", tag);
	s->d[0] = vt_mirror(s->b, na);
	s->d[1] = vt_mirror(s->b, nb);
	TH_REQUIRE(s->b != NULL && s->d[0] != NULL && s->d[1] != NULL, "mirror domains: %s",
		rte_strerror(rte_errno));
	TH_REQUIRE(s->d[0] != s->d[1], "the two domains must be distinct");
	s->target = target;
	/* ports stopped: a trivial swap */
	TH_REQUIRE(rte_dma_domain_replace(s->b, s->d[0], NULL) == 0, "initial move");
	return 0;
}

/* One poller for both ports while the swapper runs: traffic both ways
 * with a bounded number in flight (well within a ring and the tx
 * backlog, so that a burst the PMD refuses is one it dropped), every
 * queue polled so that each acknowledges pauses. Returns the packets tx
 * burst refused.
 */
static uint64_t
poll_until_stopped(struct swapper *s, struct vt_verify *v)
{
	uint64_t refused = 0;
	uint16_t p;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		uint16_t got = 0;

		for (p = 0; p < 2; p++) {
			uint16_t n = v->next_tx[p][0] - v->next_rx[p][0] < 96 ? 32 : 0;

			refused += (uint16_t)(n - vt_send(v, p, 0, n, (v->sent & 1) ? 1000 : 64));
			got += vt_recv(v, (uint16_t)(1 - p), 0);
		}
		if (got == 0)
			sched_yield(); /* the swapper and an engine thread share 2 cores */
	}
	return refused;
}

static int
run_swapper(struct swapper *s, struct vt_verify *v, uint64_t *refused)
{
	pthread_t th;

	TH_REQUIRE(pthread_create(&th, NULL, swapper_main, s) == 0, "thread");
	*refused += poll_until_stopped(s, v);
	pthread_join(th, NULL);
	return 0;
}

/* Every mbuf back in the pool once the ports stopped. */
static int
check_no_leak(void)
{
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	TH_REQUIRE(vt_pool_in_use() == 0, "%u mbufs leaked", vt_pool_in_use());
	return 0;
}

/* ---- quiesce under the VT-d model, device engine on its own thread -------- */

/* The first faults of the soft model, and which ring or buffer they hit. */
static void
print_faults(void)
{
	static const char *const rings[] = { "vio_p0_rx0", "vio_p0_tx0", "vio_p1_rx0",
		"vio_p1_tx0", "vio_p0_ctrl", "vio_p1_ctrl" };
	struct rte_dma_domain_soft_fault f[4];
	unsigned int n = rte_dma_domain_soft_fault_log(NULL, f, RTE_DIM(f)), i, k;

	for (i = 0; i < n; i++) {
		const char *where = "a packet buffer";

		for (k = 0; k < RTE_DIM(rings); k++) {
			const struct rte_memzone *mz = rte_memzone_lookup(rings[k]);

			if (mz != NULL && f[i].iova >= mz->iova && f[i].iova < mz->iova + mz->len)
				where = rings[k];
		}
		printf("fault: %s %s iova 0x%" PRIx64 " (%s), reason %d, domain '%s'\n",
			f[i].device, f[i].access == RTE_DMA_DOMAIN_ACCESS_WRITE ? "write" : "read",
			f[i].iova, where, f[i].reason, f[i].domain);
	}
}

static int
set_vtd(uint64_t window_ns)
{
	struct rte_dma_domain_soft_config c;

	rte_dma_domain_soft_config_get(&c);
	c.model = RTE_DMA_DOMAIN_SOFT_REPLACE_VTD;
	c.vtd_window_ns = window_ns;
	TH_REQUIRE(rte_dma_domain_soft_configure(&c) == 0, "soft model VTD");
	return 0;
}

int
vt_case_replace_vtd(unsigned int swaps, bool broken)
{
	struct swapper s;
	struct vt_verify v;
	struct rte_dma_domain_stats st;
	uint64_t refused = 0, t0, faults;
	struct rte_dma_domain_binding *b1 = vt_binding("emu1");
	const char *what = broken ? "replace_vtd_broken" : "replace_vtd";

	memset(&v, 0, sizeof(v));
	/* 50 us: the controller sleeps through the window (backend_soft.c),
	 * the device's engine thread gets the CPU inside it
	 */
	if (set_vtd(50000) != 0 || swapper_init(&s, "vtd", swaps) != 0)
		return -1;
	s.stop_on_fail = true;
	if (vt_port_setup(0, 1, RING, true) != 0 || vt_port_setup(1, 1, RING, true) != 0)
		return -1;
	rte_dma_domain_stats_reset(s.b);
	if (broken)
		TH_REQUIRE(vt_pmd_inject(0, RTE_PMD_VIRTIO_IOMMUFD_INJECT_QUIESCE_NOOP,
			RTE_PMD_VIRTIO_IOMMUFD_INJECT_ANY_QUEUE,
			RTE_PMD_VIRTIO_IOMMUFD_INJECT_ALWAYS) == 0, "inject");
	t0 = rte_get_timer_cycles();
	if (run_swapper(&s, &v, &refused) != 0)
		return -1;
	vt_drain_all(&v);
	rte_dma_domain_stats_get(s.b, &st);
	faults = rte_dma_domain_soft_fault_count(s.b) + rte_dma_domain_soft_fault_count(b1);
	printf("%s: %u swaps in %.2f s (%u ok, %u failed%s%s), faults: soft %" PRIu64
		" library %" PRIu64 ", pause p50 %" PRIu64 " ns p99 %" PRIu64 " ns, tx/rx quiesced %"
		PRIu64 "/%" PRIu64 "\n", what, s.done,
		(double)(rte_get_timer_cycles() - t0) / rte_get_timer_hz(), s.ok, s.failed,
		s.failed ? ": " : "", s.reason, faults, st.faults, st.pause_p50_ns,
		st.pause_p99_ns, vt_xstat(0, "tx_vq0_quiesced"), vt_xstat(0, "rx_vq0_quiesced"));
	vt_print(&v, what);
	print_faults();
	if (broken) {
		/* The device kept reading its rings through the blocked
		 * window: faults, seen by the model and by the library.
		 */
		TH_REQUIRE(faults > 0 && st.faults > 0 && s.failed > 0,
			"quiesce broken by injection, %u swaps under the VT-d model with the device's"
			" engine running: no fault seen (soft %" PRIu64 ", library %" PRIu64 "):"
			" this test cannot see a missed quiesce",
			s.done, faults, st.faults);
		return 0;
	}
	TH_REQUIRE(s.ok == swaps && s.failed == 0, "swaps failed: %s", s.reason);
	TH_REQUIRE(st.swaps == swaps, "library counted %" PRIu64 " swaps", st.swaps);
	TH_REQUIRE(faults == 0 && st.faults == 0 && s.faults == 0, "DMA faults across swaps");
	TH_REQUIRE(refused == 0, "%" PRIu64 " packets refused by tx burst", refused);
	TH_REQUIRE(vt_xstat(0, "tx_vq0_quiesced") == swaps &&
		vt_xstat(0, "rx_vq0_quiesced") == swaps, "not every swap reset both queues");
	/* the library's swap counters, as the PMD's xstats */
	TH_REQUIRE(vt_xstat(0, "swap_count") == swaps && vt_xstat(0, "swap_failures") == 0 &&
		vt_xstat(0, "swap_pause_p50_ns") == st.pause_p50_ns &&
		vt_xstat(0, "swap_last_switch_ns") >= 50000 &&
		vt_xstat(0, "swap_last_quiesce_ns") > 0 &&
		vt_xstat(0, "swap_last_pause_ns") >= vt_xstat(0, "swap_last_switch_ns"),
		"swap xstats: count %" PRIu64 " failures %" PRIu64 " pause p50 %" PRIu64
		" (library %" PRIu64 ") last switch %" PRIu64 " quiesce %" PRIu64 " pause %" PRIu64,
		vt_xstat(0, "swap_count"), vt_xstat(0, "swap_failures"),
		vt_xstat(0, "swap_pause_p50_ns"), st.pause_p50_ns,
		vt_xstat(0, "swap_last_switch_ns"), vt_xstat(0, "swap_last_quiesce_ns"),
		vt_xstat(0, "swap_last_pause_ns"));
	if (vt_check_intact(&v, what) != 0)
		return -1;
	return check_no_leak();
}

/* ---- queue_resume fails once, the library retries ----------------------- */

static bool
arm_resume(unsigned int i)
{
	/* swap 3k: clean; 3k+1: tx queue's resume fails once; 3k+2: rx's */
	if (i % 3 == 0)
		return false;
	vt_pmd_inject(0, RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESUME_SETUP,
		i % 3 == 1 ? H_TX0 : H_RX0, 1);
	return true;
}

/* One swap from this thread with nobody polling port 0. */
static int
swap_offline(struct swapper *s, int *ret)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain *to = rte_dma_domain_binding_domain(s->b) == s->d[0] ?
		s->d[1] : s->d[0];

	vt_queues_online(0, 1, false);
	*ret = rte_dma_domain_replace(s->b, to, &o);
	vt_queues_online(0, 1, true);
	return 0;
}

int
vt_case_resume_retry(unsigned int swaps)
{
	struct swapper s;
	struct vt_verify v;
	struct rte_dma_domain *before;
	uint64_t refused = 0, deadline;
	int ret;

	memset(&v, 0, sizeof(v));
	if (swapper_init(&s, "rr", swaps) != 0)
		return -1;
	if (vt_port_setup(0, 1, RING, true) != 0 || vt_port_setup(1, 1, RING, false) != 0)
		return -1;

	/* 1. Port 1 is down: 200 packets wait in port 0's tx ring. The swap
	 * resets the ring (they go to the requeue list); re-enabling the tx
	 * queue fails once; the library rolls back and resumes it again.
	 */
	while (v.next_tx[0][0] < 200)
		if (vt_send(&v, 0, 0, 50, 128) == 0)
			break;
	TH_REQUIRE(v.sent == 200, "only %" PRIu64 " of 200 queued", v.sent);
	before = rte_dma_domain_binding_domain(s.b);
	TH_REQUIRE(vt_pmd_inject(0, RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESUME_SETUP, H_TX0, 1) == 0,
		"inject");
	swap_offline(&s, &ret);
	TH_REQUIRE(ret != 0, "swap with a failing tx resume succeeded");
	TH_REQUIRE(rte_dma_domain_binding_domain(s.b) == before, "binding moved");
	printf("resume_retry: tx resume failed once, swap -> %d, tx_vq0_requeued %" PRIu64 "\n",
		ret, vt_xstat(0, "tx_vq0_requeued"));
	TH_REQUIRE(rte_eth_dev_start(1) == 0, "start port 1");
	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (v.received < v.sent && rte_get_timer_cycles() < deadline)
		vt_recv(&v, 1, 0); /* pulls from port 0's tx ring */
	if (vt_check_intact(&v, "resume_retry tx in flight") != 0)
		return -1;

	/* 2. 100 packets the device wrote into port 0's rx ring, unread:
	 * the rx queue's resume fails once, then works; they come out.
	 */
	while (v.next_tx[1][0] < 100)
		if (vt_send(&v, 1, 0, 50, 1000) == 0)
			break;
	TH_REQUIRE(v.next_tx[1][0] == 100, "only %" PRIu64 " of 100 sent", v.next_tx[1][0]);
	TH_REQUIRE(vt_pmd_inject(0, RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESUME_SETUP, H_RX0, 1) == 0,
		"inject");
	swap_offline(&s, &ret);
	TH_REQUIRE(ret != 0, "swap with a failing rx resume succeeded");
	vt_drain_all(&v);
	if (vt_check_intact(&v, "resume_retry rx completed") != 0)
		return -1;

	/* 3. Under traffic: every other swap has a resume that fails once. */
	s.arm = arm_resume;
	if (run_swapper(&s, &v, &refused) != 0)
		return -1;
	vt_drain_all(&v);
	printf("resume_retry: %u swaps under traffic, %u ok, %u failed (injected),"
		" %u unexpected, refused %" PRIu64
		", port drops %" PRIu64 "/%" PRIu64 "\n", s.done, s.ok, s.failed, s.unexpected,
		refused, vt_xstat(0, "tx_driver_discards"), vt_xstat(0, "rx_driver_discards"));
	TH_REQUIRE(s.unexpected == 0, "swaps did not fail exactly where injected");
	TH_REQUIRE(refused == 0, "%" PRIu64 " packets refused by tx burst", refused);
	if (vt_check_intact(&v, "resume_retry under traffic") != 0)
		return -1;
	return check_no_leak();
}

/* ---- a tx queue left reset: bursts keep, post nothing -------------------- */

/* swapper arm: the injection is armed already, every swap must fail */
static bool
expect_failure(unsigned int i)
{
	RTE_SET_USED(i);
	return true;
}

/* What port 0's tx queue 0 has posted so far: its avail index as the
 * device would read it, and the packets counter.
 */
struct tx_posted {
	uint16_t avail_idx;
	uint64_t packets;
};

static int
tx_posted(struct tx_posted *t)
{
	const struct rte_memzone *mz = rte_memzone_lookup("vio_p0_tx0");

	TH_REQUIRE(mz != NULL, "memzone vio_p0_tx0 not found");
	t->avail_idx = __atomic_load_n((const uint16_t *)((const uint8_t *)mz->addr +
		vring_desc_bytes(RING) + 2), __ATOMIC_ACQUIRE);
	t->packets = vt_xstat(0, "tx_vq0_packets");
	return 0;
}

/*
 * After a swap that failed with port 0's tx queue possibly not running:
 * send n more packets, poll for a while. Either the queue runs (the
 * library resumed it) and they arrive, or they are all kept: none was
 * posted into the ring while the device does not own it (there they
 * would wait unseen, and a resume that rebuilds the ring would lose them).
 */
static int
check_not_posted_while_reset(struct vt_verify *v, uint16_t n, const char *what)
{
	struct tx_posted a, b;
	uint64_t want, deadline;
	uint16_t sent = 0;
	int i;

	if (tx_posted(&a) != 0)
		return -1;
	want = v->sent + n;
	for (i = 0; i < 64 && sent < n; i++) {
		sent += vt_send(v, 0, 0, (uint16_t)RTE_MIN(16, n - sent), 200);
		vt_recv(v, 0, 0);
	}
	TH_REQUIRE(v->sent == want, "%s: only %u of %u packets accepted", what, sent, n);
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 4;
	while (v->received < v->sent && rte_get_timer_cycles() < deadline) {
		vt_send(v, 0, 0, 0, 64);
		vt_recv(v, 1, 0);
		vt_recv(v, 0, 0);
	}
	if (tx_posted(&b) != 0)
		return -1;
	printf("%s: after the failed swap: avail idx %u -> %u, tx packets %" PRIu64 " -> %" PRIu64
		", %" PRIu64 " of %" PRIu64 " received\n", what, a.avail_idx, b.avail_idx,
		a.packets, b.packets, v->received, v->sent);
	if (v->received == v->sent)
		return 0; /* the queue was brought back: sent and delivered */
	TH_REQUIRE(b.avail_idx == a.avail_idx && b.packets == a.packets,
		"%s: tx queue not running, and %u packets were posted into its ring (they would wait unseen, or be lost by the next resume)",
		what, (uint16_t)(b.avail_idx - a.avail_idx));
	return 0;
}

int
vt_case_parked_reset(void)
{
	struct swapper s;
	struct vt_verify v;
	uint64_t refused = 0;

	memset(&v, 0, sizeof(v));
	if (swapper_init(&s, "pr", 1) != 0)
		return -1;
	if (vt_port_setup(0, 1, RING, true) != 0 || vt_port_setup(1, 1, RING, true) != 0)
		return -1;
	/* 1. The tx queue's resume keeps failing (also the library's
	 * retries): the swap fails and leaves it reset. Its parked bursts
	 * kept packets meanwhile.
	 */
	TH_REQUIRE(vt_pmd_inject(0, RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESUME_SETUP, H_TX0,
		RTE_PMD_VIRTIO_IOMMUFD_INJECT_ALWAYS) == 0, "inject");
	s.arm = expect_failure;
	s.stop_on_fail = true;
	if (run_swapper(&s, &v, &refused) != 0)
		return -1;
	TH_REQUIRE(s.failed == 1, "the swap with a tx queue that cannot resume succeeded");
	/* 2. Bursts on the reset queue: kept, nothing posted. */
	if (check_not_posted_while_reset(&v, 64, "parked_reset") != 0)
		return -1;
	/* 3. The next swap resumes it: everything goes out, in order. */
	TH_REQUIRE(vt_pmd_inject(0, RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESUME_SETUP, H_TX0, 0) == 0,
		"clear");
	s.arm = NULL;
	s.stop = false;
	if (run_swapper(&s, &v, &refused) != 0)
		return -1;
	TH_REQUIRE(s.ok == 1, "the swap after the injection was cleared failed: %s", s.reason);
	vt_drain_all(&v);
	printf("parked_reset: refused %" PRIu64 ", backlogged %" PRIu64 "\n", refused,
		vt_xstat(0, "tx_vq0_backlogged"));
	TH_REQUIRE(refused == 0, "%" PRIu64 " packets refused by tx burst", refused);
	if (vt_check_intact(&v, "parked_reset") != 0)
		return -1;
	return check_no_leak();
}

/* ---- a queue reset that does not complete in time ------------------------ */

int
vt_case_reset_timeout(void)
{
	struct swapper s;
	struct vt_verify v;
	uint64_t refused = 0;

	memset(&v, 0, sizeof(v));
	if (swapper_init(&s, "rt", 1) != 0)
		return -1;
	if (vt_port_setup(0, 1, RING, true) != 0 || vt_port_setup(1, 1, RING, true) != 0)
		return -1;
	/* 1. The tx queue's reset is requested, its completion not seen in
	 * time: quiesce fails, the swap rolls back.
	 */
	TH_REQUIRE(vt_pmd_inject(0, RTE_PMD_VIRTIO_IOMMUFD_INJECT_RESET_TIMEOUT, H_TX0, 1) == 0,
		"inject");
	s.arm = expect_failure;
	s.stop_on_fail = true;
	if (run_swapper(&s, &v, &refused) != 0)
		return -1;
	TH_REQUIRE(s.failed == 1, "the swap whose queue reset timed out succeeded");
	printf("reset_timeout: %s\n", s.reason);
	/* 2. The queue is back, or kept out of use. */
	if (check_not_posted_while_reset(&v, 64, "reset_timeout") != 0)
		return -1;
	/* 3. A clean swap: everything goes out, in order. */
	s.arm = NULL;
	s.stop = false;
	if (run_swapper(&s, &v, &refused) != 0)
		return -1;
	TH_REQUIRE(s.ok == 1, "the swap after the timeout failed: %s", s.reason);
	vt_drain_all(&v);
	TH_REQUIRE(refused == 0, "%" PRIu64 " packets refused by tx burst", refused);
	if (vt_check_intact(&v, "reset_timeout") != 0)
		return -1;
	return check_no_leak();
}
