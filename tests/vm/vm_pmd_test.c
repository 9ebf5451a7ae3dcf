/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The virtio PMD of the iommufd bus on the VM tier's two real virtio-net
 * NICs (QEMU, emulated VT-d, iommu_platform=on), with verified traffic
 * between them (vm_traffic.c), and live domain replaces under it. Uses
 * public APIs only: EAL devargs, ethdev, rte_dma_domain.h.
 *
 *   vm-pmd-test traffic    bring-up, 2 x 2000 frames, nothing lost
 *   vm-pmd-test quiesce    replace default <-> mirror under traffic:
 *                          every replace succeeds, traffic moves after
 *                          each, nothing lost (QEMU faults: 0, harness)
 *   vm-pmd-test hitless    forced hitless on VT-d under traffic: reports
 *                          what happens; prints "vm-faults-seen N", and
 *                          the harness fails the test when QEMU traced
 *                          faults that the framework did not see
 *   vm-pmd-test rollback   replaces that fail (the kernel refuses the
 *                          target's HWPT; an injected switch failure)
 *                          roll back, and traffic goes on, nothing lost
 *   vm-pmd-test latency    replace (quiesce) vs remap (unmap + map of
 *                          the same memory) under traffic: latency lines
 *
 * Usage: vm-pmd-test CASE PMD.so (librte_net_virtio_iommufd, loaded with -d).
 * Env (set by the VM tier): IOMMUFD_TEST_DEVICES (two NIC BDFs).
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

#include <rte_dma_domain.h>
#include <dma_domain_test.h>

#include "vm_check.h"
#include "vm_test_util.h"
#include "vm_traffic.h"

#define WORKER 1
#define GAP_US 5000          /* between two replaces */
#define PROGRESS_MS 2000     /* traffic must move again within this */
#define BAD_IOVA 0x10000ull  /* below DPDK's memory: free in every mirror */

VM_CHECKS_DEFINE;

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
 * failure's log. */
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

	VM_EXPECT(tr.f[0].sent > 0 && tr.f[1].sent > 0, "%s: frames sent both ways (%" PRIu64 ", %" PRIu64 ")",
		what, tr.f[0].sent, tr.f[1].sent);
	VM_EXPECT(vm_traffic_lost(&tr) == 0, "%s: no frame lost (%" PRIu64 ")", what,
		vm_traffic_lost(&tr));
	VM_EXPECT(bad == 0, "%s: no gap, late or corrupt frame (%" PRIu64 ")", what, bad);
	if (vm_traffic_lost(&tr) != 0 || bad != 0)
		dump_xstats();
}

static uint64_t
framework_faults(void)
{
	struct rte_dma_domain_stats st;
	uint64_t n = 0;
	int p;

	for (p = 0; p < 2; p++)
		if (rte_dma_domain_stats_get(bnd[p], &st) == 0)
			n += st.faults;
	return n;
}

/* The PMD's own view: DEVICE_NEEDS_RESET in the device status of NIC
 * i (ports are numbered in probe order, not in nic[] order). */
static uint64_t
needs_reset(uint16_t i)
{
	uint64_t id, v = 0;
	uint16_t port;

	if (rte_eth_dev_get_port_by_name(nic[i], &port) != 0)
		return 0;

	if (rte_eth_xstats_get_id_by_name(port, "device_needs_reset", &id) != 0 ||
			rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1)
		return 0;
	return v;
}

/* Replace one binding; the record goes to *rec. */
static int
swap(int p, struct rte_dma_domain *to, const struct rte_dma_domain_replace_opts *o,
		struct rte_dma_domain_swap_record *rec)
{
	int ret = rte_dma_domain_replace(bnd[p], to, o);

	memset(rec, 0, sizeof(*rec));
	rte_dma_domain_last_swap(bnd[p], rec);
	return ret;
}

static struct rte_dma_domain *
mirror(const char *name)
{
	struct rte_dma_domain *d = rte_dma_domain_create(rte_dma_domain_binding_ctx(bnd[0]),
		name, RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);

	VM_EXPECT(d != NULL, "mirror domain %s (%s)", name,
		d == NULL ? rte_strerror(rte_errno) : "ok");
	return d;
}

/* ---- cases ------------------------------------------------------------- */

static void
case_traffic(void)
{
	vm_traffic_run(&tr, 2000);
	vm_traffic_print(&tr, "traffic");
	check_traffic_clean("traffic");
}

static void
case_quiesce(struct rte_dma_domain *def, struct rte_dma_domain *m2, unsigned int rounds)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	unsigned int i, ok = 0, moved = 0;
	uint64_t pause[64];
	int p;

	if (traffic_start() != 0) {
		VM_EXPECT(false, "quiesce: traffic flows before the first replace");
		traffic_stop("quiesce");
		return;
	}
	for (i = 0; i < rounds && i < RTE_DIM(pause) / 2; i++) {
		struct rte_dma_domain *to = i % 2 == 0 ? m2 : def;

		for (p = 0; p < 2; p++) {
			uint64_t rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
			int ret = swap(p, to, &o, &rec);

			if (ret == 0 && rec.faults == 0 &&
					rte_dma_domain_binding_domain(bnd[p]) == to)
				ok++;
			else
				printf("replace %s -> %s: %d (%s), faults %" PRIu64 "\n",
					nic[p], rte_dma_domain_name(to), ret, rec.reason, rec.faults);
			pause[2 * i + p] = rec.pause_ns;
			if (progress(rx))
				moved++;
			rte_delay_us_sleep(GAP_US);
		}
	}
	traffic_stop("quiesce");
	VM_EXPECT(ok == 2 * i, "quiesce: %u of %u replaces succeeded, no fault seen", ok, 2 * i);
	VM_EXPECT(moved == 2 * i, "quiesce: traffic moved after %u of %u replaces", moved, 2 * i);
	VM_EXPECT(framework_faults() == 0 && reset_events == 0 &&
		needs_reset(0) == 0 && needs_reset(1) == 0,
		"quiesce: no fault in the stats, no reset event, no DEVICE_NEEDS_RESET");
	check_traffic_clean("quiesce");
	vm_print_latency("pmd quiesce replace pause (under traffic)", pause, 2 * i);
}

static void
case_hitless(struct rte_dma_domain *def, struct rte_dma_domain *m2, unsigned int rounds)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_HITLESS, .force = true,
		.timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	unsigned int i, ok = 0, failed = 0, eio = 0, stalled = 0;
	uint64_t seen, swap_faults = 0, sw[64];
	int p;

	if (traffic_start() != 0) {
		VM_EXPECT(false, "hitless: traffic flows before the first replace");
		traffic_stop("hitless");
		return;
	}
	for (i = 0; i < rounds && i < RTE_DIM(sw) / 2; i++) {
		struct rte_dma_domain *to = i % 2 == 0 ? m2 : def;

		for (p = 0; p < 2; p++) {
			uint64_t rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
			int ret = swap(p, to, &o, &rec);

			/* The harness attributes QEMU's faults traced since
			 * the previous line to this swap. */
			printf("vm-swap %u rc=%d faults=%" PRIu64 "\n", 2 * i + p, ret, rec.faults);
			fflush(stdout);
			sw[2 * i + p] = rec.switch_ns;
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
			if (!progress(rx))
				stalled++;
			/* Faults are rare: replace back to back, no gap. */
		}
	}
	traffic_stop("hitless");
	seen = framework_faults() + eio + reset_events + needs_reset(0) + needs_reset(1);
	printf("hitless: %u replaces ok, %u failed (%u with EIO), faults in swap records %" PRIu64
		", in stats %" PRIu64 ", reset events %" PRIu64 ", DEVICE_NEEDS_RESET %s %" PRIu64 ", %s %" PRIu64
		", traffic stalled after %u, lost %" PRIu64 "\n",
		ok, failed, eio, swap_faults, framework_faults(), reset_events,
		nic[0], needs_reset(0), nic[1], needs_reset(1), stalled, vm_traffic_lost(&tr));
	/* The harness compares this with QEMU's trace count. */
	printf("vm-faults-seen %" PRIu64 "\n", seen);
	VM_EXPECT(ok + failed == 2 * i, "hitless: every forced replace returned (%u)", ok + failed);
	/* A fault the framework saw must not pass as a success. */
	VM_EXPECT(framework_faults() == 0 || failed > 0,
		"hitless: faults seen (%" PRIu64 ") were reported as failed replaces (%u)",
		framework_faults(), failed);
	vm_print_latency("pmd hitless replace switch call (under traffic)", sw, 2 * i);
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
	 * refused when the replace allocates one. */
	ret = rte_dma_domain_map(bad, BAD_IOVA, hole, 4096, RTE_DMA_DOMAIN_ACCESS_RW);
	VM_EXPECT(ret == 0, "rollback: PROT_NONE page mapped lazily in %s (%d)",
		rte_dma_domain_name(bad), ret);
	if (traffic_start() != 0) {
		VM_EXPECT(false, "rollback: traffic flows before the first replace");
		traffic_stop("rollback");
		return;
	}
	for (p = 0; p < 2; p++) {
		rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
		ret = swap(p, bad, &o, &rec);
		printf("replace %s -> %s: %d (%s), rolled back %d, pause %" PRIu64 " ns\n",
			nic[p], rte_dma_domain_name(bad), ret, rec.reason, rec.rolled_back,
			rec.pause_ns);
		VM_EXPECT(ret == -EFAULT && rte_dma_domain_binding_domain(bnd[p]) == def,
			"rollback: %s: kernel refused the target's HWPT (%d), still on %s",
			nic[p], ret, rte_dma_domain_name(rte_dma_domain_binding_domain(bnd[p])));
		VM_EXPECT(progress(rx), "rollback: %s: traffic goes on after the refusal", nic[p]);

		rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
		VM_EXPECT(rte_dma_domain_inject(bnd[p], RTE_DMA_DOMAIN_INJECT_SWITCH) == 0,
			"rollback: %s: switch failure armed", nic[p]);
		ret = swap(p, m2, &o, &rec);
		printf("replace %s -> %s (injected switch failure): %d (%s), rolled back %d\n",
			nic[p], rte_dma_domain_name(m2), ret, rec.reason, rec.rolled_back);
		VM_EXPECT(ret != 0 && rte_dma_domain_binding_domain(bnd[p]) == def,
			"rollback: %s: injected switch failure (%d), still on %s", nic[p], ret,
			rte_dma_domain_name(rte_dma_domain_binding_domain(bnd[p])));
		VM_EXPECT(progress(rx), "rollback: %s: traffic goes on after the rollback", nic[p]);

		rx = rte_atomic_load_explicit(&tr.rx_total, rte_memory_order_relaxed);
		ret = swap(p, m2, &o, &rec);
		VM_EXPECT(ret == 0 && rte_dma_domain_binding_domain(bnd[p]) == m2,
			"rollback: %s: then a good replace to %s (%d)", nic[p],
			rte_dma_domain_name(m2), ret);
		VM_EXPECT(progress(rx), "rollback: %s: traffic on %s", nic[p],
			rte_dma_domain_name(m2));
		ret = swap(p, def, &o, &rec);
		VM_EXPECT(ret == 0, "rollback: %s: and back (%d)", nic[p], ret);
	}
	traffic_stop("rollback");
	check_traffic_clean("rollback");
	VM_EXPECT(rte_dma_domain_destroy(bad) == 0, "rollback: %s destroyed",
		rte_dma_domain_name(bad));
	munmap(hole, 4096);
}

static void
case_latency(struct rte_dma_domain *def, struct rte_dma_domain *m2, unsigned int rounds)
{
	struct rte_dma_domain_replace_opts rep = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain_replace_opts rem = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_REMAP, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	uint64_t rp[64], rs[64], mp[64], ms[64];
	unsigned int i, n = 0, bad = 0;

	if (traffic_start() != 0) {
		VM_EXPECT(false, "latency: traffic flows");
		traffic_stop("latency");
		return;
	}
	for (i = 0; i < rounds && n < RTE_DIM(rp); i++, n++) {
		/* port 0 only: the other port keeps its domain, so the same
		 * traffic runs in both series. */
		bad += swap(0, i % 2 == 0 ? m2 : def, &rep, &rec) != 0;
		rp[n] = rec.pause_ns;
		rs[n] = rec.switch_ns;
		rte_delay_us_sleep(GAP_US);
	}
	if (rte_dma_domain_binding_domain(bnd[0]) != def)
		bad += swap(0, def, &rep, &rec) != 0;
	/* REMAP rewrites the domain the device is on: port 1 must not be
	 * on it (it is not quiesced and would fault). */
	bad += swap(1, m2, &rep, &rec) != 0;
	for (i = 0; i < n; i++) {
		/* Same memory, same domain: unmap + map of every range. */
		bad += swap(0, m2, &rem, &rec) != 0;
		mp[i] = rec.pause_ns;
		ms[i] = rec.switch_ns;
		rte_delay_us_sleep(GAP_US);
	}
	traffic_stop("latency");
	VM_EXPECT(bad == 0, "latency: %u replaces and %u remaps, %u failed", n, n, bad);
	VM_EXPECT(rte_dma_domain_binding_domain(bnd[0]) == def,
		"latency: remap kept the binding on its domain");
	check_traffic_clean("latency");
	vm_print_latency("pmd replace (quiesce) switch call", rs, n);
	vm_print_latency("pmd remap unmap+map (same memory)", ms, n);
	vm_print_latency("pmd replace (quiesce) pause", rp, n);
	vm_print_latency("pmd remap pause", mp, n);
	printf("latency ratio: remap/replace median switch %.1fx, median pause %.1fx (mapped %" PRIu64 " bytes)\n",
		rs[n / 2] ? (double)ms[n / 2] / rs[n / 2] : 0.0,
		rp[n / 2] ? (double)mp[n / 2] / rp[n / 2] : 0.0,
		rte_dma_domain_mapped_bytes(def));
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char list[256], a0[64], a1[64];
	const char *pmd = argc > 2 ? argv[2] : "";
	const char *eal[] = {
		"vm-pmd-test", "-l", "0,1", "--in-memory", "--iova-mode=va",
		"--no-telemetry", "-a", a0, "-a", a1, "-d", pmd,
	};
	struct rte_dma_domain *def, *m2 = NULL;
	int p, rc;

	if (strcmp(mode, "traffic") && strcmp(mode, "quiesce") && strcmp(mode, "hitless") &&
			strcmp(mode, "rollback") && strcmp(mode, "latency")) {
		printf("usage: %s traffic|quiesce|hitless|rollback|latency PMD.so\n", argv[0]);
		return 1;
	}
	rc = vm_guest_nics(list, sizeof(list), nic);
	if (rc != 0)
		return rc;
	snprintf(a0, sizeof(a0), "%s", nic[0]);
	snprintf(a1, sizeof(a1), "%s", nic[1]);
	if (rte_eal_init(RTE_DIM(eal), (char **)(uintptr_t)eal) < 0) {
		printf("FAIL: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (p = 0; p < 2; p++)
		bnd[p] = rte_dma_domain_binding_lookup(nic[p]);
	def = rte_dma_domain_lookup("default");
	VM_EXPECT(bnd[0] != NULL && bnd[1] != NULL && def != NULL,
		"both NICs bound by the PMD, default domain exists");
	if (bnd[0] == NULL || bnd[1] == NULL || def == NULL || vm_ports_start(&tr) != 0) {
		VM_EXPECT(false, "ports 0 and 1 up");
		rte_eal_cleanup();
		return vm_check_exit(mode);
	}
	rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RESET, on_reset, NULL);
	if (strcmp(mode, "traffic") != 0)
		m2 = mirror("vm_m2");
	if (strcmp(mode, "traffic") == 0)
		case_traffic();
	else if (m2 != NULL && strcmp(mode, "quiesce") == 0)
		case_quiesce(def, m2, 10);
	else if (m2 != NULL && strcmp(mode, "hitless") == 0)
		case_hitless(def, m2, 32);
	else if (m2 != NULL && strcmp(mode, "rollback") == 0)
		case_rollback(def, m2);
	else if (m2 != NULL)
		case_latency(def, m2, 20);
	rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RESET, on_reset, NULL);
	vm_ports_stop();
	rte_eal_cleanup();
	return vm_check_exit(mode);
}
