/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The virtio PMD of the iommufd bus on the VM tier's two real virtio-net
 * NICs (QEMU, emulated VT-d, iommu_platform=on), with verified traffic
 * between them (vm_traffic.c), and live domain replaces under it. Uses
 * public APIs only: EAL devargs, ethdev, rte_dma_domain.h.
 *
 *   vm-pmd-test traffic    bring-up, 2 x 2000 frames, nothing lost
 *   vm-pmd-test quiesce    replace default <-> mirror under traffic
 *                          (VM_QUIESCE_REPLACES, default 20): every
 *                          replace succeeds, traffic moves after each,
 *                          nothing lost (QEMU faults: 0, harness)
 *   vm-pmd-test hitless    forced hitless under traffic
 *                          (VM_HITLESS_REPLACES, default 64; stops when a
 *                          NIC needs a reset or traffic stalls): reports
 *                          what happens; prints "vm-faults-seen N", and
 *                          the harness fails the test when QEMU traced
 *                          faults that the framework did not see
 *   vm-pmd-test rollback   replaces that fail (the kernel refuses the
 *                          target's HWPT; an injected switch failure)
 *                          roll back, and traffic goes on, nothing lost
 *   vm-pmd-test latency    port 0 swapped with quiesce against remap
 *                          (unmap + map of 1 GiB and more) and against
 *                          restart (in turn, same paced traffic): latency
 *                          lines (the quiesce pause split into QEMU's
 *                          queue reset and the switch), the ratios; every
 *                          swap succeeds, traffic moves, nothing lost but
 *                          by restart
 *
 * Usage: vm-pmd-test CASE PMD.so (librte_net_virtio_iommufd, loaded with -d).
 * Env (set by the VM tier): IOMMUFD_TEST_DEVICES (two NIC BDFs);
 * VM_QUIESCE_REPLACES, VM_HITLESS_REPLACES (the atomicity matrix: 1000).
 * Skips (77) outside the VM tier, fails in its guest when something is
 * missing (vm_cannot_run()).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memzone.h>

#include <rte_dma_domain.h>
#include <dma_domain_test.h>

#include "th.h"
#include "vm_test_util.h"
#include "vm_traffic.h"

#define WORKER 1
#define GAP_US 5000          /* between two replaces */
#define PROGRESS_MS 2000     /* traffic must move again within this */
#define BAD_IOVA 0x10000ull  /* below DPDK's memory: free in every mirror */

static struct vm_traffic tr;
static struct rte_dma_domain_binding *bnd[2];
static const char *nic[2];
static uint64_t reset_events;

static int
on_reset(uint16_t port, enum rte_eth_event_type ev, void *cb_arg, void *ret_param)
{
	RTE_SET_USED(port);
	RTE_SET_USED(ev);
	RTE_SET_USED(cb_arg);
	RTE_SET_USED(ret_param);
	reset_events++;
	return 0;
}

/* Wait until the worker received more than 'since' frames. */
static bool
progress(uint64_t since)
{
	return vm_traffic_progress(&tr, since, 32, PROGRESS_MS);
}

static int
traffic_start(void)
{
	return vm_traffic_launch(&tr, WORKER, 32, PROGRESS_MS);
}

static void
traffic_stop(const char *what)
{
	vm_traffic_finish(&tr, WORKER, what);
}

/* Non-zero extended stats of both ports: what the PMD saw, for a
 * failure's log.
 */
static void
dump_xstats(void)
{
	struct rte_eth_xstat_name names[128];
	struct rte_eth_xstat xs[128];
	uint16_t p;
	int n, i;

	for (p = 0; p < 2; p++) {
		n = rte_eth_xstats_get_names(p, names, RTE_DIM(names));
		if (n <= 0 || n > (int)RTE_DIM(names) ||
				rte_eth_xstats_get(p, xs, RTE_DIM(xs)) != n)
			continue;
		for (i = 0; i < n; i++)
			if (xs[i].value != 0)
				printf("xstat port %u %s = %" PRIu64 "\n", p,
					names[xs[i].id].name, xs[i].value);
	}
}

static void
check_traffic_clean(const char *what)
{
	uint64_t bad = tr.f[0].gaps + tr.f[1].gaps + tr.f[0].late + tr.f[1].late +
		tr.f[0].corrupt + tr.f[1].corrupt;

	TH_EXPECT(tr.f[0].sent > 0 && tr.f[1].sent > 0, "%s: frames sent both ways (%" PRIu64
		", %" PRIu64 ")",
		what, tr.f[0].sent, tr.f[1].sent);
	TH_EXPECT(vm_traffic_lost(&tr) == 0, "%s: no frame lost (%" PRIu64 ")", what,
		vm_traffic_lost(&tr));
	TH_EXPECT(bad == 0, "%s: no gap, late or corrupt frame (%" PRIu64 ")", what, bad);
	if (vm_traffic_lost(&tr) != 0 || bad != 0)
		dump_xstats();
}

static uint64_t
framework_faults(void)
{
	return vm_bindings_faults(bnd, 2);
}

/* The PMD's own view: DEVICE_NEEDS_RESET in the device status of NIC
 * i (ports are numbered in probe order, not in nic[] order).
 */
static uint64_t
needs_reset(uint16_t i)
{
	uint16_t port;

	if (rte_eth_dev_get_port_by_name(nic[i], &port) != 0)
		return 0;
	return vm_xstat(port, "device_needs_reset");
}

/* Replace one binding; the record goes to *rec (restart: the traffic
 * loop is held around it, vm_traffic_replace()).
 */
static int
swap(int p, struct rte_dma_domain *to, const struct rte_dma_domain_replace_opts *o,
		struct rte_dma_domain_swap_record *rec)
{
	return vm_traffic_replace(&tr, bnd[p], to, o, rec);
}

static struct rte_dma_domain *
mirror(const char *name)
{
	return vm_mirror_domain(bnd[0], name);
}

/* ---- cases ------------------------------------------------------------- */

static void
case_traffic(void)
{
	vm_traffic_run(&tr, 2000);
	vm_traffic_print(&tr, "traffic");
	check_traffic_clean("traffic");
}

/*
 * The number of replaces a case runs: the env variable 'name' (the atomicity
 * matrix sets 1000, tests/vm/meson.build), else def. 0 after a FAIL line
 * naming the variable when it is not a count.
 */
static unsigned int
replaces(const char *name, unsigned int def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 2 || v > 100000) {
		TH_EXPECT(false, "%s='%s': expected a count from 2 to 100000", name, s);
		return 0;
	}
	return (unsigned int)v;
}

/* Replace n of a run: the NICs in turn, each onto the other domain. */
static struct rte_dma_domain *
target(unsigned int n, struct rte_dma_domain *def, struct rte_dma_domain *m2)
{
	return (n / 2) % 2 == 0 ? m2 : def;
}

static void
case_quiesce(struct rte_dma_domain *def, struct rte_dma_domain *m2, unsigned int n)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	unsigned int i, ok = 0, moved = 0;
	uint64_t *pause = calloc(n, sizeof(*pause));

	if (pause == NULL || traffic_start() != 0) {
		TH_EXPECT(false, "quiesce: traffic flows before the first replace");
		traffic_stop("quiesce");
		free(pause);
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_dma_domain *to = target(i, def, m2);
		uint64_t rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
		int p = i % 2, ret = swap(p, to, &o, &rec);

		if (ret == 0 && rec.faults == 0 && rte_dma_domain_binding_domain(bnd[p]) == to)
			ok++;
		else
			printf("replace %s -> %s: %d (%s), faults %" PRIu64 "\n",
				nic[p], rte_dma_domain_name(to), ret, rec.reason, rec.faults);
		pause[i] = rec.pause_ns;
		if (progress(rx))
			moved++;
		rte_delay_us_sleep(GAP_US);
	}
	traffic_stop("quiesce");
	/* The matrix table reads this line (scripts/vm-matrix-table.py). */
	printf("vm-matrix quiesce: %u replaces, %u succeeded with no fault seen, "
		"framework faults %" PRIu64 "\n", n, ok, framework_faults());
	TH_EXPECT(ok == n, "quiesce: %u of %u replaces succeeded, no fault seen", ok, n);
	TH_EXPECT(moved == n, "quiesce: traffic moved after %u of %u replaces", moved, n);
	TH_EXPECT(framework_faults() == 0 && reset_events == 0 &&
		needs_reset(0) == 0 && needs_reset(1) == 0,
		"quiesce: no fault in the stats, no reset event, no DEVICE_NEEDS_RESET");
	check_traffic_clean("quiesce");
	vm_print_latency("pmd quiesce replace pause (under traffic)", pause, n);
	free(pause);
}

/*
 * Forced hitless, n replaces back to back (the NICs in turn) under traffic.
 * A DMA fault breaks QEMU's virtio-net (DEVICE_NEEDS_RESET; the framework
 * then refuses to replace that NIC until it is reset): the run stops at the
 * first replace after which a NIC needs a reset or the traffic stalls,
 * which also bounds its time (no PROGRESS_MS wait per replace on a dead
 * NIC). The verdict is binary (a fault in the run or none); the harness
 * counts QEMU's faults per replace ('vm-swap' lines) and compares them with
 * what the framework saw ('vm-faults-seen').
 */
static void
case_hitless(struct rte_dma_domain *def, struct rte_dma_domain *m2, unsigned int n)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_HITLESS, .force = true,
		.timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	unsigned int i, ok = 0, failed = 0, eio = 0, stalled = 0;
	uint64_t seen, swap_faults = 0, *sw = calloc(n, sizeof(*sw));
	const char *stop = "completed";
	char why[128];

	if (sw == NULL || traffic_start() != 0) {
		TH_EXPECT(false, "hitless: traffic flows before the first replace");
		traffic_stop("hitless");
		free(sw);
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_dma_domain *to = target(i, def, m2);
		uint64_t rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
		int p = i % 2, ret = swap(p, to, &o, &rec);

		/* The harness attributes QEMU's faults traced since the
		 * previous line to this swap.
		 */
		printf("vm-swap %u rc=%d faults=%" PRIu64 "\n", i, ret, rec.faults);
		fflush(stdout);
		sw[i] = rec.switch_ns;
		swap_faults += rec.faults;
		if (ret == 0) {
			ok++;
		} else {
			failed++;
			eio += ret == -EIO;
			printf("hitless replace %s -> %s: %d (%s), faults %" PRIu64 ", rolled back %d\n",
				nic[p], rte_dma_domain_name(to), ret, rec.reason,
				rec.faults, rec.rolled_back);
		}
		/* Faults are rare: replace back to back, no gap. */
		if (needs_reset(0) != 0 || needs_reset(1) != 0) {
			snprintf(why, sizeof(why), "stopped: a NIC needs a reset (%s %" PRIu64
				", %s %" PRIu64 ")", nic[0], needs_reset(0), nic[1],
				needs_reset(1));
			stop = why;
		} else if (!progress(rx)) {
			stalled++;
			stop = "stopped: traffic stalled";
		}
		if (stop != why && stalled == 0)
			continue;
		i++;
		break;
	}
	traffic_stop("hitless");
	seen = framework_faults() + eio + reset_events + needs_reset(0) + needs_reset(1);
	printf("hitless: %u replaces ok, %u failed (%u with EIO), faults in swap records %" PRIu64
		", in stats %" PRIu64 ", reset events %" PRIu64 ", DEVICE_NEEDS_RESET %s %" PRIu64
		", %s %" PRIu64
		", traffic stalled after %u, lost %" PRIu64 "\n",
		ok, failed, eio, swap_faults, framework_faults(), reset_events,
		nic[0], needs_reset(0), nic[1], needs_reset(1), stalled, vm_traffic_lost(&tr));
	/* The matrix table reads this line (scripts/vm-matrix-table.py). */
	printf("vm-matrix hitless: %u of %u replaces done, %s\n", i, n, stop);
	/* The harness compares this with QEMU's trace count. */
	printf("vm-faults-seen %" PRIu64 "\n", seen);
	TH_EXPECT(ok + failed == i, "hitless: every forced replace returned (%u)", ok + failed);
	/* A fault the framework saw must not pass as a success. */
	TH_EXPECT(framework_faults() == 0 || failed > 0,
		"hitless: faults seen (%" PRIu64 ") were reported as failed replaces (%u)",
		framework_faults(), failed);
	vm_print_latency("pmd hitless replace switch call (under traffic)", sw, i);
	free(sw);
}

static void
case_rollback(struct rte_dma_domain *def, struct rte_dma_domain *m2)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain *bad = mirror("vm_bad");
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t rx;
	int ret, p;

	if (bad == NULL || hole == MAP_FAILED)
		return;
	/* bad covers all DPDK memory (coverage check passes) plus a page
	 * the kernel cannot pin: accepted while the IOAS has no HWPT,
	 * refused when the replace allocates one.
	 */
	ret = rte_dma_domain_map(bad, BAD_IOVA, hole, 4096, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == 0, "rollback: PROT_NONE page mapped lazily in %s (%d)",
		rte_dma_domain_name(bad), ret);
	if (traffic_start() != 0) {
		TH_EXPECT(false, "rollback: traffic flows before the first replace");
		traffic_stop("rollback");
		return;
	}
	for (p = 0; p < 2; p++) {
		rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
		ret = swap(p, bad, &o, &rec);
		printf("replace %s -> %s: %d (%s), rolled back %d, pause %" PRIu64 " ns\n",
			nic[p], rte_dma_domain_name(bad), ret, rec.reason, rec.rolled_back,
			rec.pause_ns);
		TH_EXPECT(ret == -EFAULT && rte_dma_domain_binding_domain(bnd[p]) == def,
			"rollback: %s: kernel refused the target's HWPT (%d), still on %s",
			nic[p], ret, rte_dma_domain_name(rte_dma_domain_binding_domain(bnd[p])));
		TH_EXPECT(progress(rx), "rollback: %s: traffic goes on after the refusal", nic[p]);

		rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
		TH_EXPECT(rte_dma_domain_inject(bnd[p], RTE_DMA_DOMAIN_INJECT_SWITCH) == 0,
			"rollback: %s: switch failure armed", nic[p]);
		ret = swap(p, m2, &o, &rec);
		printf("replace %s -> %s (injected switch failure): %d (%s), rolled back %d\n",
			nic[p], rte_dma_domain_name(m2), ret, rec.reason, rec.rolled_back);
		TH_EXPECT(ret != 0 && rte_dma_domain_binding_domain(bnd[p]) == def,
			"rollback: %s: injected switch failure (%d), still on %s", nic[p], ret,
			rte_dma_domain_name(rte_dma_domain_binding_domain(bnd[p])));
		TH_EXPECT(progress(rx), "rollback: %s: traffic goes on after the rollback", nic[p]);

		rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
		ret = swap(p, m2, &o, &rec);
		TH_EXPECT(ret == 0 && rte_dma_domain_binding_domain(bnd[p]) == m2,
			"rollback: %s: then a good replace to %s (%d)", nic[p],
			rte_dma_domain_name(m2), ret);
		TH_EXPECT(progress(rx), "rollback: %s: traffic on %s", nic[p],
			rte_dma_domain_name(m2));
		ret = swap(p, def, &o, &rec);
		TH_EXPECT(ret == 0, "rollback: %s: and back (%d)", nic[p], ret);
	}
	traffic_stop("rollback");
	check_traffic_clean("rollback");
	TH_EXPECT(rte_dma_domain_destroy(bad) == 0, "rollback: %s destroyed",
		rte_dma_domain_name(bad));
	munmap(hole, 4096);
}

/* ---- latency: quiesce against restart and remap ------------------------- */

/*
 * 1 GiB more in a domain: the same 64 MiB of hugepage memory (one
 * memzone) mapped LAT_ALIAS_N times, at IOVAs of their own far above
 * DPDK's (below the emulated VT-d's 39-bit width). The guest has 512 MiB
 * of hugepages: aliases give a large mapping without more of them.
 */
#define LAT_ALIAS_LEN (64ull << 20)
#define LAT_ALIAS_N 16
#define LAT_ALIAS_IOVA 0x7000000000ull
#define LAT_PPS 2000        /* offered per direction, every series */
#define LAT_QUIESCE 20
#define LAT_REMAP 10
#define LAT_RESTART 10

struct lat_series {
	unsigned int n, ok, moved;
	uint64_t pause[LAT_QUIESCE], sw[LAT_QUIESCE], call[LAT_QUIESCE];
	uint64_t park[LAT_QUIESCE], reset[LAT_QUIESCE], reset_max[LAT_QUIESCE];
	uint64_t resume[LAT_QUIESCE], cover[LAT_QUIESCE];
	/* replace call less the fault confirmation after the resume: how
	 * long the traffic stood still (restart: the loop's hold included)
	 */
	uint64_t outage[LAT_QUIESCE];
	/* sums over the series */
	uint64_t sum_pause, sum_park, sum_cover, sum_reset, sum_switch, sum_resume;
};

static const struct rte_memzone *alias_mz;

static int
alias_map(struct rte_dma_domain *d)
{
	unsigned int k;
	int ret = 0;

	for (k = 0; k < LAT_ALIAS_N && ret == 0; k++)
		ret = rte_dma_domain_map(d, LAT_ALIAS_IOVA + k * LAT_ALIAS_LEN, alias_mz->addr,
			LAT_ALIAS_LEN, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == 0, "latency: %u x %llu MiB of one memzone mapped in %s (%d)",
		LAT_ALIAS_N, LAT_ALIAS_LEN >> 20, rte_dma_domain_name(d), ret);
	return ret;
}

static void
alias_unmap(struct rte_dma_domain *d)
{
	int ret = rte_dma_domain_unmap(d, LAT_ALIAS_IOVA, LAT_ALIAS_N * LAT_ALIAS_LEN, NULL);

	TH_EXPECT(ret == 0, "latency: aliases unmapped from %s (%d)", rte_dma_domain_name(d), ret);
}

/* One swap of port 0 with o onto to (the binding must then be on want),
 * under the running traffic, into s (its next sample).
 */
static void
lat_one(struct lat_series *s, const struct rte_dma_domain_replace_opts *o,
		struct rte_dma_domain *to, struct rte_dma_domain *want)
{
	struct rte_dma_domain_swap_record rec;
	uint64_t rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
	uint64_t t0 = th_now_ns();
	unsigned int i = s->n;
	int ret;

	if (i >= RTE_DIM(s->pause))
		return;
	ret = swap(0, to, o, &rec);
	s->call[i] = th_now_ns() - t0;
	s->outage[i] = s->call[i] - RTE_MIN(s->call[i], rec.confirm_ns);
	if (ret == 0 && rec.faults == 0 && rte_dma_domain_binding_domain(bnd[0]) == want)
		s->ok++;
	else
		printf("%s %s -> %s: %d (%s), faults %" PRIu64 "\n",
			rte_dma_domain_strategy_name(o->strategy), nic[0],
			rte_dma_domain_name(to), ret, rec.reason, rec.faults);
	s->pause[i] = rec.pause_ns;
	s->sw[i] = rec.switch_ns;
	s->park[i] = rec.park_ns;
	s->reset[i] = rec.quiesce_ns;
	s->reset_max[i] = rec.quiesce_max_ns;
	s->resume[i] = rec.resume_ns;
	s->cover[i] = rec.coverage_ns;
	s->sum_pause += rec.pause_ns;
	s->sum_park += rec.park_ns;
	s->sum_cover += rec.coverage_ns;
	s->sum_reset += rec.quiesce_ns;
	s->sum_switch += rec.switch_ns;
	s->sum_resume += rec.resume_ns;
	s->n++;
	if (progress(rx))
		s->moved++;
	rte_delay_us_sleep(GAP_US);
}

/* n swaps of port 0 with o, between def and m2 (remap: onto m2 each time,
 * the port stays on its domain), under the running traffic.
 */
static void
lat_series(struct lat_series *s, unsigned int n, const struct rte_dma_domain_replace_opts *o,
		struct rte_dma_domain *def, struct rte_dma_domain *m2)
{
	bool remap = o->strategy == RTE_DMA_DOMAIN_STRATEGY_REMAP;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		struct rte_dma_domain *to = remap || i % 2 == 0 ? m2 : def;

		lat_one(s, o, to, remap ? def : to);
	}
}

/* Median of the pairwise ratios a[i] / b[i] (interleaved rounds: the
 * drift of a loaded machine cancels in each pair).
 */
static double
pair_ratio(const uint64_t *a, const uint64_t *b, unsigned int n)
{
	double r[LAT_QUIESCE], t;
	unsigned int i, j;

	for (i = 0; i < n && i < RTE_DIM(r); i++) {
		r[i] = b[i] != 0 ? (double)a[i] / b[i] : 0.0;
		for (j = i; j > 0 && r[j - 1] > r[j]; j--) {
			t = r[j];
			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	}
	return i != 0 ? r[i / 2] : 0.0;
}

static bool
lat_traffic_start(const char *what)
{
	if (traffic_start() == 0)
		return true;
	TH_EXPECT(false, "latency: traffic flows before the %s series", what);
	traffic_stop(what);
	return false;
}

/* The PMD's xstats show the last swap's record (port of nic[0]). */
static void
lat_check_xstats(const struct rte_dma_domain_swap_record *rec)
{
	static const char *const names[] = {
		"swap_last_pause_ns", "swap_last_quiesce_ns", "swap_last_switch_ns",
	};
	uint64_t v[RTE_DIM(names)], id;
	uint16_t port;
	unsigned int k, got = 0;

	if (rte_eth_dev_get_port_by_name(nic[0], &port) != 0)
		port = 0;
	for (k = 0; k < RTE_DIM(names); k++) {
		v[k] = 0;
		if (rte_eth_xstats_get_id_by_name(port, names[k], &id) == 0 &&
				rte_eth_xstats_get_by_id(port, &id, &v[k], 1) == 1)
			got++;
	}
	printf("latency pmd xstats after the last quiesce: swap_last_pause_ns=%" PRIu64
		" swap_last_quiesce_ns=%" PRIu64 " swap_last_switch_ns=%" PRIu64 "\n",
		v[0], v[1], v[2]);
	TH_EXPECT(got == RTE_DIM(names) && v[0] == rec->pause_ns && v[1] == rec->quiesce_ns &&
		v[2] == rec->switch_ns,
		"latency: the PMD's xstats show the last swap's pause, queue reset and switch (%u found)",
		got);
}

static double
med_ratio(const uint64_t *a, unsigned int na, const uint64_t *b, unsigned int nb)
{
	return na != 0 && nb != 0 && b[nb / 2] != 0 ? (double)a[na / 2] / b[nb / 2] : 0.0;
}

/* Offer pps frames/s each way from now on (0: window only). The pace
 * starts afresh: an old pace_t0 would hold the sender back until the
 * frames sent meanwhile without a pace are due.
 */
static void
lat_pace(uint64_t pps)
{
	tr.pace_pps = pps;
	tr.f[0].pace_t0 = tr.f[1].pace_t0 = 0;
}

static double
pct(uint64_t part, uint64_t whole)
{
	return whole != 0 ? 100.0 * part / whole : 0.0;
}

/*
 * Port 0 swapped with quiesce (def <-> m2) against restart (port stop,
 * re-attach, start), in turn (pairs: the drift of the loaded host cancels
 * in each pair's ratio) under the same paced traffic (LAT_PPS each way: a
 * restart drops what is in flight, which would close the window for
 * good), and with quiesce against remap (def rewritten with m2's table:
 * unmap + map of all of it) under window traffic (at most half the rx
 * ring in flight: remap's long pause would otherwise overrun the ring and
 * QEMU reorder, tests/vm/README.md); each domain holds 1 GiB more
 * (aliases). A first series of quiesce alone (paced) gives the pause's
 * phases. Asserted: every swap succeeds, traffic moves after each,
 * nothing lost or reordered across quiesce alone and remap, the PMD's xstats
 * show the swap record; never a time. Printed: latency lines
 * (summary.txt), the quiesce pause split into its phases (QEMU's queue
 * reset: the PMD's queue_quiesce, a virtio RING_RESET; the switch), and
 * the ratios.
 */
static void
case_latency(struct rte_dma_domain *def, struct rte_dma_domain *m2)
{
	struct rte_dma_domain_replace_opts o = { .timeout_us = 2000000 };
	static struct lat_series q, qw, rm, qp, rs;
	struct rte_dma_domain_swap_record rec;
	uint64_t lost0, late0, mapped;
	double r_pause, r_outage;
	unsigned int i;
	int ret;

	alias_mz = rte_memzone_reserve_aligned("vm_lat_alias", LAT_ALIAS_LEN, SOCKET_ID_ANY, 0,
		2u << 20);
	TH_EXPECT(alias_mz != NULL, "latency: %llu MiB of hugepage memory (%s)",
		LAT_ALIAS_LEN >> 20, alias_mz == NULL ? rte_strerror(rte_errno) : "ok");
	if (alias_mz == NULL || alias_map(def) != 0 || alias_map(m2) != 0)
		return;
	mapped = rte_dma_domain_mapped_bytes(m2);

	/* 1. quiesce, paced: nothing lost */
	lat_pace(LAT_PPS);
	if (!lat_traffic_start("quiesce"))
		return;
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	lat_series(&q, LAT_QUIESCE, &o, def, m2);
	rte_dma_domain_last_swap(bnd[0], &rec);
	lat_check_xstats(&rec);
	traffic_stop("latency quiesce (paced)");
	check_traffic_clean("latency quiesce (paced)");

	/* 2. quiesce then remap, window traffic: nothing lost. Remap
	 * rewrites the domain port 0 is on: port 1 must not be on it (not
	 * quiesced, it would fault).
	 */
	lat_pace(0);
	if (!lat_traffic_start("quiesce and remap"))
		return;
	lat_series(&qw, LAT_REMAP, &o, def, m2);
	ret = swap(1, m2, &o, &rec);
	TH_EXPECT(ret == 0, "latency: %s onto %s before the remaps (%d %s)", nic[1],
		rte_dma_domain_name(m2), ret, rec.reason);
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_REMAP;
	lat_series(&rm, LAT_REMAP, &o, def, m2);
	traffic_stop("latency quiesce and remap (window)");
	check_traffic_clean("latency quiesce and remap (window)");

	/* 3. quiesce and restart in turn, paced as 1: what is in flight
	 * is dropped by restart (counted, not asserted)
	 */
	lost0 = vm_traffic_lost(&tr);
	late0 = tr.f[0].late + tr.f[1].late;
	lat_pace(LAT_PPS);
	if (!lat_traffic_start("restart"))
		return;
	memset(&qp, 0, sizeof(qp));
	memset(&rs, 0, sizeof(rs));
	for (i = 0; i < LAT_RESTART; i++) {
		o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
		lat_one(&qp, &o, m2, m2);
		o.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART;
		lat_one(&rs, &o, def, def);
	}
	traffic_stop("latency quiesce and restart in turn (paced)");
	r_pause = pair_ratio(rs.pause, qp.pause, rs.n);
	r_outage = pair_ratio(rs.outage, qp.outage, rs.n);
	TH_EXPECT(tr.f[0].corrupt + tr.f[1].corrupt == 0, "latency: restart: no corrupt frame");
	tr.pace_pps = 0;

	TH_EXPECT(q.ok == q.n && qw.ok == qw.n && rm.ok == rm.n && qp.ok == qp.n && rs.ok == rs.n,
		"latency: every swap succeeded with no fault: quiesce %u/%u, %u/%u and %u/%u, remap %u/%u, restart %u/%u",
		q.ok, q.n, qw.ok, qw.n, qp.ok, qp.n, rm.ok, rm.n, rs.ok, rs.n);
	TH_EXPECT(q.moved == q.n && qw.moved == qw.n && rm.moved == rm.n && qp.moved == qp.n &&
		rs.moved == rs.n,
		"latency: traffic moved after every swap: quiesce %u/%u, %u/%u and %u/%u, remap %u/%u, restart %u/%u",
		q.moved, q.n, qw.moved, qw.n, qp.moved, qp.n, rm.moved, rm.n, rs.moved, rs.n);
	printf("latency pmd series: quiesce x%u paced (%u frames/s each way), then quiesce x%u"
		" and remap x%u under window traffic, then quiesce and restart in turn x%u paced;"
		" mapped %" PRIu64
		" bytes per domain (%u x %llu MiB aliases); lost in the last (restart's) %" PRIu64
		" (%.1f per restart), late %" PRIu64 "\n",
		q.n, LAT_PPS, qw.n, rm.n, rs.n, mapped, LAT_ALIAS_N, LAT_ALIAS_LEN >> 20,
		vm_traffic_lost(&tr) - lost0,
		rs.n ? (double)(vm_traffic_lost(&tr) - lost0) / rs.n : 0.0,
		tr.f[0].late + tr.f[1].late - late0);
	printf("latency pmd quiesce pause split (paced, sums over %u swaps): park %.1f %%, coverage %.1f %%, queue reset (QEMU) %.1f %%, switch %.1f %%, resume %.1f %%\n",
		q.n, pct(q.sum_park, q.sum_pause), pct(q.sum_cover, q.sum_pause),
		pct(q.sum_reset, q.sum_pause), pct(q.sum_switch, q.sum_pause),
		pct(q.sum_resume, q.sum_pause));
	vm_print_latency("pmd quiesce (paced) pause", q.pause, q.n);
	vm_print_latency("pmd quiesce (paced) park", q.park, q.n);
	vm_print_latency("pmd quiesce (paced) coverage", q.cover, q.n);
	vm_print_latency("pmd quiesce (paced) queue reset, all queues (quiesce_ns)", q.reset, q.n);
	vm_print_latency("pmd quiesce (paced) queue reset, slowest queue (quiesce_max_ns)",
		q.reset_max, q.n);
	vm_print_latency("pmd quiesce (paced) switch call", q.sw, q.n);
	vm_print_latency("pmd quiesce (paced) resume", q.resume, q.n);
	vm_print_latency("pmd quiesce (paced) outage (call less fault confirmation)",
		q.outage, q.n);
	vm_print_latency("pmd quiesce (paced, in turn with restart) pause", qp.pause, qp.n);
	vm_print_latency("pmd quiesce (paced, in turn with restart) outage", qp.outage, qp.n);
	vm_print_latency("pmd restart (paced) pause", rs.pause, rs.n);
	vm_print_latency("pmd restart (paced) switch (re-attach)", rs.sw, rs.n);
	vm_print_latency("pmd restart (paced) outage (call less fault confirmation, loop held)",
		rs.outage, rs.n);
	vm_print_latency("pmd quiesce (window) switch call", qw.sw, qw.n);
	vm_print_latency("pmd quiesce (window) pause", qw.pause, qw.n);
	vm_print_latency("pmd remap (window) unmap+map of 1 GiB+ (switch)", rm.sw, rm.n);
	vm_print_latency("pmd remap (window) pause", rm.pause, rm.n);
	printf("latency ratio: restart/quiesce (paced, in turn) median of the pairs' ratios:"
		" pause %.2fx, outage %.2fx; remap/quiesce (window) median switch %.1fx,"
		" pause %.1fx (mapped %" PRIu64 " bytes)\n",
		r_pause, r_outage,
		med_ratio(rm.sw, rm.n, qw.sw, qw.n), med_ratio(rm.pause, rm.n, qw.pause, qw.n),
		mapped);
	alias_unmap(def);
	alias_unmap(m2);
}

/* One process per mode; pmd: the PMD's path (loaded with -d). */
static int
pmd_run(const char *mode, const char *pmd)
{
	struct rte_dma_domain *def, *m2 = NULL;
	unsigned int n;
	int p, rc;

	rc = vm_eal_start("vm-pmd-test", pmd, NULL, nic);
	if (rc != 0)
		return rc;
	for (p = 0; p < 2; p++)
		bnd[p] = rte_dma_domain_binding_lookup(nic[p]);
	def = rte_dma_domain_lookup("default");
	TH_EXPECT(bnd[0] != NULL && bnd[1] != NULL && def != NULL,
		"both NICs bound by the PMD, default domain exists");
	if (bnd[0] == NULL || bnd[1] == NULL || def == NULL || vm_ports_start(&tr) != 0) {
		TH_EXPECT(false, "ports 0 and 1 up");
		rte_eal_cleanup();
		return 0;
	}
	rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RESET, on_reset, NULL);
	if (strcmp(mode, "traffic") != 0)
		m2 = mirror("vm_m2");
	if (strcmp(mode, "traffic") == 0)
		case_traffic();
	else if (m2 != NULL && strcmp(mode, "quiesce") == 0) {
		n = replaces("VM_QUIESCE_REPLACES", 20);
		if (n != 0)
			case_quiesce(def, m2, n);
	} else if (m2 != NULL && strcmp(mode, "hitless") == 0) {
		n = replaces("VM_HITLESS_REPLACES", 64);
		if (n != 0)
			case_hitless(def, m2, n);
	} else if (m2 != NULL && strcmp(mode, "rollback") == 0) {
		case_rollback(def, m2);
	} else if (m2 != NULL) {
		case_latency(def, m2);
	}
	rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RESET, on_reset, NULL);
	vm_ports_stop();
	rte_eal_cleanup();
	return 0;
}

/* The case's mode is its name. */
static int
case_run(void)
{
	return pmd_run(th_current()->name, th_arg(0, ""));
}

/* Each case: vm-pmd-test CASE PMD.so */
static const struct th_case cases[] = {
	{ "traffic", "vm", case_run, NULL, NULL },
	{ "quiesce", "vm", case_run, NULL, NULL },
	{ "hitless", "vm", case_run, NULL, NULL },
	{ "rollback", "vm", case_run, NULL, NULL },
	{ "latency", "vm", case_run, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
