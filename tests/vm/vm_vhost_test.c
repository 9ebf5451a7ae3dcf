/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The virtio PMD on vhost-user NICs (the NFV deployment): the VM tier's
 * boot 'vhost' (scripts/vm-run.sh) serves both guest NICs with DPDK's
 * net_vhost in the host's dpdk-testpmd (io forwarding 0 <-> 1,
 * iommu-support=1), behind the emulated VT-d with device-iotlb and ATS.
 * What each replace strategy does there, asserted:
 *
 *   vm-vhost-test features   the features the device offers (the PMD's
 *                            own debug line): RING_RESET absent under
 *                            vhost-user, present under QEMU's userspace
 *                            virtio-net (boot iommu); verified traffic
 *   vm-vhost-test quiesce    QUIESCE (and DEFAULT, which is quiesce on
 *                            VT-d) refused with -ENOTSUP, the PMD's log
 *                            naming the missing VIRTIO_F_RING_RESET, the
 *                            port still on its domain, traffic unharmed
 *   vm-vhost-test restart    RESTART under traffic at a fixed offered
 *                            rate: every swap succeeds, traffic moves
 *                            after each; pause and frames dropped per
 *                            swap reported; no mbuf leaked
 *   vm-vhost-test hitless    forced HITLESS: what the backend and the
 *                            framework see (vm-swap lines for the
 *                            harness, vm-faults-seen)
 *   vm-vhost-test isolation  a range revoked from the domain the NIC is
 *                            on (after a swap / by a live unmap) is out
 *                            of the backend's reach: frames whose tx
 *                            buffers lie there never arrive, rx buffers
 *                            there keep their canary; the vIOMMU's
 *                            refusals are QEMU VT-d faults (the harness
 *                            counts them: VM_MIN_DMA_FAULTS)
 *
 * Usage: vm-vhost-test CASE PMD.so. Env (VM tier): IOMMUFD_TEST_DEVICES,
 * VM_BOOT (vhost or iommu: what 'features' expects).
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
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <rte_dma_domain.h>

#include "th.h"
#include "vm_test_util.h"
#include "vm_traffic.h"

#define WORKER 1
#define GAP_US 5000
#define PROGRESS_MS 2000
#define RESTART_ROUNDS 8
#define RESTART_PPS 2000      /* offered per direction (TCG guest) */
#define ISO_LEN (1u << 20)    /* the range that is revoked */
#define ISO_PAGE 4096u        /* one mbuf per page of it (iso_pool()) */
/* Its IOVA: below the emulated VT-d's 39-bit width, far above DPDK's. */
#define ISO_IOVA 0x6000000000ull
#define ISO_MBUFS (ISO_LEN / ISO_PAGE)
#define ISO_FRAMES 64
#define CANARY 0x5a

#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_RESET 40

static struct vm_traffic tr;
static struct rte_dma_domain_binding *bnd[2];
static const char *nic[2];
static uint16_t port_of[2];
static uint64_t reset_events;
/* The EAL log, kept to find the PMD's own lines (features, refusals). */
static char *logbuf;
static size_t loglen;
static FILE *logf;

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

static size_t echoed; /* of the log, on stdout */

/* The log so far (NUL-terminated); also echoed on stdout once. */
static const char *
log_text(void)
{
	fflush(logf);
	if (loglen > echoed) {
		fwrite(logbuf + echoed, 1, loglen - echoed, stdout);
		echoed = loglen;
	}
	return logbuf != NULL ? logbuf : "";
}

static void iso_report_damage(void);

/* After a crash: the isolation range's overwritten mbufs, and what the
 * log had not shown. A memory stream's text is complete at a flush;
 * unlocked: the crashed thread may hold its lock (a diagnostic, the
 * process dies next).
 */
static void
log_on_crash(void)
{
	iso_report_damage();
	fflush_unlocked(logf);
	if (logbuf != NULL && loglen > echoed &&
			write(STDOUT_FILENO, logbuf + echoed, loglen - echoed) < 0)
		return;
}

static bool
progress(uint64_t since)
{
	return vm_traffic_progress(&tr, since, 16, PROGRESS_MS);
}

static int
traffic_start(void)
{
	return vm_traffic_launch(&tr, WORKER, 16, PROGRESS_MS);
}

static void
traffic_stop(const char *what)
{
	vm_traffic_finish(&tr, WORKER, what);
}

static int swap(int i, struct rte_dma_domain *to,
	const struct rte_dma_domain_replace_opts *o, struct rte_dma_domain_swap_record *rec);

/* Forget what was counted so far (frames that will never come). */
static void
traffic_reset(void)
{
	int p;

	for (p = 0; p < 2; p++) {
		tr.f[p].sent = tr.f[p].received = tr.f[p].next_tx;
		tr.f[p].next_rx = tr.f[p].next_tx;
		tr.f[p].gaps = tr.f[p].late = tr.f[p].corrupt = 0;
		tr.f[p].bad_seen = false;
		tr.f[p].pace_t0 = 0;
	}
}

/*
 * Before counting: a round of 64 frames each way must get through (half
 * of them at least: a vhost-user backend drops what it cannot place at
 * once, see case_features()). A vhost-user rx queue of DPDK 22.11's vhost
 * can stay stuck after a start whose ring mapping waited for an IOTLB
 * update ("failed to map desc ring" in the backend's log;
 * tests/vm/README.md): then both ports are stopped and started again (a
 * device reset), at most 4 times. The count starts afresh.
 */
static bool
traffic_warmup(void)
{
	uint16_t p;
	int i;

	for (i = 0; i < 4; i++) {
		traffic_reset();
		vm_traffic_run(&tr, 64);
		if (tr.f[0].received >= 32 && tr.f[1].received >= 32)
			break;
		for (p = 0; p < 2; p++)
			if (rte_eth_dev_stop(p) != 0 || rte_eth_dev_start(p) != 0)
				printf("warm-up: port %u restart failed\n", p);
	}
	printf("warm-up: %d round(s) of 64 frames each way (%d port restart(s)), last: %" PRIu64
		" and %" PRIu64 " arrived\n", i + 1, i, tr.f[0].received, tr.f[1].received);
	traffic_reset();
	return i < 4;
}

/* A replace with the traffic loop polling the queues (a swap waits for
 * every online queue), whether or not frames get through.
 */
static int
swap_polled(int i, struct rte_dma_domain *to, const struct rte_dma_domain_replace_opts *o,
		struct rte_dma_domain_swap_record *rec)
{
	int ret;

	rte_atomic_store_explicit(&tr.stop, 0, rte_memory_order_relaxed);
	if (rte_eal_remote_launch(vm_traffic_loop, &tr, WORKER) != 0)
		return -EBUSY;
	ret = swap(i, to, o, rec);
	rte_atomic_store_explicit(&tr.stop, 1, rte_memory_order_release);
	rte_eal_wait_lcore(WORKER);
	return ret;
}

static uint64_t
bad_frames(void)
{
	return tr.f[0].late + tr.f[1].late + tr.f[0].corrupt + tr.f[1].corrupt;
}

static uint64_t
framework_faults(void)
{
	return vm_bindings_faults(bnd, 2);
}


/* restart: the loop held around it (vm_traffic_replace()) */
static int
swap(int i, struct rte_dma_domain *to, const struct rte_dma_domain_replace_opts *o,
		struct rte_dma_domain_swap_record *rec)
{
	return vm_traffic_replace(&tr, bnd[i], to, o, rec);
}

static struct rte_dma_domain *
mirror(const char *name)
{
	return vm_mirror_domain(bnd[0], name);
}

/* ---- features ------------------------------------------------------------ */

/* Offered features of NIC i from the PMD's debug line; false if absent. */
static bool
offered_features(unsigned int i, uint64_t *f)
{
	const char *t = log_text(), *p;
	char key[96];

	snprintf(key, sizeof(key), "%s: features offered 0x", nic[i]);
	p = strstr(t, key);
	if (p == NULL)
		return false;
	*f = strtoull(p + strlen(key), NULL, 16);
	return true;
}

static void
case_features(void)
{
	const char *boot = getenv("VM_BOOT");
	bool vhost = boot != NULL && strcmp(boot, "vhost") == 0;
	uint64_t f;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		bool ok = offered_features(i, &f);

		TH_EXPECT(ok, "%s: the PMD logged the features the device offers", nic[i]);
		if (!ok)
			continue;
		printf("vhost-features %s %s: offered 0x%" PRIx64 " ACCESS_PLATFORM=%d RING_RESET=%d\n",
			vhost ? "vhost-user" : "qemu-userspace", nic[i], f,
			(int)((f >> VIRTIO_F_ACCESS_PLATFORM) & 1),
			(int)((f >> VIRTIO_F_RING_RESET) & 1));
		TH_EXPECT(f & (1ull << VIRTIO_F_ACCESS_PLATFORM),
			"%s: ACCESS_PLATFORM offered (the device is behind the vIOMMU)", nic[i]);
		if (vhost)
			TH_EXPECT(!(f & (1ull << VIRTIO_F_RING_RESET)),
				"%s: vhost-user (DPDK vhost) does not offer RING_RESET", nic[i]);
		else
			TH_EXPECT(f & (1ull << VIRTIO_F_RING_RESET),
				"%s: QEMU's userspace virtio-net offers RING_RESET", nic[i]);
	}
	vm_traffic_run(&tr, 1000);
	vm_traffic_print(&tr, "features");
	TH_EXPECT(tr.f[0].received > 0 && tr.f[1].received > 0 && bad_frames() == 0,
		"verified traffic both ways after the warm-up: no late or corrupt frame"
		" (lost %" PRIu64 ")",
		vm_traffic_lost(&tr));
}

/* ---- quiesce ------------------------------------------------------------- */

static void
case_quiesce(struct rte_dma_domain *def, struct rte_dma_domain *m2)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	unsigned int i, refused = 0, moved = 0, n = 0;
	uint64_t pause[6];
	int p, ret;

	tr.pace_pps = RESTART_PPS;
	if (traffic_start() != 0) {
		TH_EXPECT(false, "quiesce: traffic flows before the first replace");
		traffic_stop("quiesce");
		return;
	}
	for (i = 0; i < 3; i++) {
		/* The last round asks for DEFAULT: the backend's choice on a
		 * non-atomic IOMMU is quiesce, refused the same way.
		 */
		o.strategy = i == 2 ? RTE_DMA_DOMAIN_STRATEGY_DEFAULT :
			RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
		for (p = 0; p < 2; p++, n++) {
			uint64_t rx = rte_atomic_load_explicit(&tr.rx_total,
					rte_memory_order_relaxed);

			ret = swap(p, m2, &o, &rec);
			printf("quiesce %s -> %s (%s): %d (%s), pause %" PRIu64 " ns\n",
				nic[p], rte_dma_domain_name(m2),
				rte_dma_domain_strategy_name(rec.strategy), ret, rec.reason,
				rec.pause_ns);
			pause[n] = rec.pause_ns;
			if (ret == -ENOTSUP && rec.reason[0] != '\0' &&
					rte_dma_domain_binding_domain(bnd[p]) == def)
				refused++;
			if (progress(rx))
				moved++;
			rte_delay_us_sleep(GAP_US);
		}
	}
	traffic_stop("quiesce");
	TH_EXPECT(refused == n, "quiesce: %u of %u replaces refused with -ENOTSUP and a reason, port left on %s",
		refused, n, rte_dma_domain_name(def));
	TH_EXPECT(strstr(log_text(), "VIRTIO_F_RING_RESET not negotiated") != NULL,
		"quiesce: the PMD's refusal names the missing VIRTIO_F_RING_RESET");
	TH_EXPECT(moved == n, "quiesce: traffic moved after %u of %u refusals", moved, n);
	/* The refusal comes from queue_quiesce, after the queues parked:
	 * what the backend could not place meanwhile is dropped there.
	 */
	printf("latency quiesce refused: offered %u pps per direction, %u refusals, lost %" PRIu64
		" (%.1f per refusal)\n", RESTART_PPS, n, vm_traffic_lost(&tr),
		n ? (double)vm_traffic_lost(&tr) / n : 0.0);
	vm_print_latency("vhost refused quiesce pause (under traffic)", pause, n);
	TH_EXPECT(bad_frames() == 0, "quiesce: no late or corrupt frame");
	tr.pace_pps = 0;
	TH_EXPECT(framework_faults() == 0 && reset_events == 0,
		"quiesce: no fault, no reset event");
}

/* ---- restart ------------------------------------------------------------- */

static void
case_restart(struct rte_dma_domain *def, struct rte_dma_domain *m2)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	uint64_t pause[2 * RESTART_ROUNDS], lost0, t0, t1, sent0;
	unsigned int i, ok = 0, moved = 0, n = 0;
	int p;

	/* Before the start: once running, frames in flight count as lost
	 * until they arrive (the difference went negative).
	 */
	lost0 = vm_traffic_lost(&tr);
	tr.pace_pps = RESTART_PPS;
	if (traffic_start() != 0) {
		TH_EXPECT(false, "restart: traffic flows before the first replace");
		traffic_stop("restart");
		return;
	}
	sent0 = tr.f[0].sent + tr.f[1].sent;
	t0 = th_now_ns();
	for (i = 0; i < RESTART_ROUNDS; i++) {
		struct rte_dma_domain *to = i % 2 == 0 ? m2 : def;

		for (p = 0; p < 2; p++) {
			uint64_t rx = rte_atomic_load_explicit(&tr.rx_total,
					rte_memory_order_relaxed);
			int ret = swap(p, to, &o, &rec);

			if (ret == 0 && rte_dma_domain_binding_domain(bnd[p]) == to)
				ok++;
			else
				printf("restart %s -> %s: %d (%s)\n", nic[p],
					rte_dma_domain_name(to), ret, rec.reason);
			pause[n++] = rec.pause_ns;
			if (progress(rx))
				moved++;
			rte_delay_us_sleep(GAP_US);
		}
	}
	t1 = th_now_ns();
	traffic_stop("restart");
	TH_EXPECT(ok == n, "restart: %u of %u replaces succeeded", ok, n);
	TH_EXPECT(moved == n, "restart: traffic moved after %u of %u replaces", moved, n);
	TH_EXPECT(tr.f[0].corrupt + tr.f[1].corrupt == 0, "restart: no corrupt frame");
	printf("latency restart offered %u pps per direction (sent %" PRIu64 " in %" PRIu64
		" ms): %u swaps, lost %" PRIu64 " (%.1f per swap), late %" PRIu64 "\n",
		RESTART_PPS, tr.f[0].sent + tr.f[1].sent - sent0, (t1 - t0) / 1000000, n,
		vm_traffic_lost(&tr) - lost0, n ? (double)(vm_traffic_lost(&tr) - lost0) / n : 0.0,
		tr.f[0].late + tr.f[1].late);
	vm_print_latency("vhost restart replace pause (under traffic)", pause, n);
	tr.pace_pps = 0;
}

/* ---- hitless (forced) ---------------------------------------------------- */

static void
case_hitless(struct rte_dma_domain *def, struct rte_dma_domain *m2)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_HITLESS, .force = true,
		.timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	unsigned int i, ok = 0, failed = 0, eio = 0, stalled = 0, n = 0;
	uint64_t seen, swap_faults = 0, sw[32];
	int p;

	tr.pace_pps = RESTART_PPS;
	if (traffic_start() != 0) {
		TH_EXPECT(false, "hitless: traffic flows before the first replace");
		traffic_stop("hitless");
		return;
	}
	for (i = 0; i < 4; i++) {
		struct rte_dma_domain *to = i % 2 == 0 ? m2 : def;

		for (p = 0; p < 2; p++) {
			uint64_t rx = rte_atomic_load_explicit(&tr.rx_total,
					rte_memory_order_relaxed);
			int ret = swap(p, to, &o, &rec);

			printf("vm-swap %u rc=%d faults=%" PRIu64 "\n", n, ret, rec.faults);
			fflush(stdout);
			sw[n++] = rec.switch_ns;
			swap_faults += rec.faults;
			if (ret == 0) {
				ok++;
			} else {
				failed++;
				eio += ret == -EIO;
				printf("hitless %s -> %s: %d (%s), rolled back %d\n", nic[p],
					rte_dma_domain_name(to), ret, rec.reason, rec.rolled_back);
			}
			if (!progress(rx))
				stalled++;
		}
	}
	traffic_stop("hitless");
	seen = framework_faults() + eio + reset_events +
		vm_xstat(port_of[0], "device_needs_reset") +
		vm_xstat(port_of[1], "device_needs_reset");
	printf("vhost-hitless: %u replaces ok, %u failed (%u EIO), faults in swap records %" PRIu64
		", in stats %" PRIu64 ", reset events %" PRIu64 ", traffic stalled after %u, lost %"
		PRIu64 ", late %" PRIu64 ", corrupt %" PRIu64 "\n",
		ok, failed, eio, swap_faults, framework_faults(), reset_events, stalled,
		vm_traffic_lost(&tr), tr.f[0].late + tr.f[1].late,
		tr.f[0].corrupt + tr.f[1].corrupt);
	printf("vm-faults-seen %" PRIu64 "\n", seen);
	TH_EXPECT(ok + failed == n, "hitless: every forced replace returned (%u)", ok + failed);
	TH_EXPECT(framework_faults() == 0 || failed > 0,
		"hitless: faults seen (%" PRIu64 ") were reported as failed replaces (%u)",
		framework_faults(), failed);
	vm_print_latency("vhost hitless replace switch call (under traffic)", sw, n);
	tr.pace_pps = 0;
}

/* ---- isolation ----------------------------------------------------------- */

static uint8_t *iso_va;
static struct rte_mempool *iso_mp; /* for the crash report */

/* An mbuf of the range whose header is not what rte_pktmbuf_init() wrote:
 * something was written over it.
 */
static void
iso_header_check(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	const struct rte_mbuf *m = obj;
	char line[160];
	int n;

	RTE_SET_USED(arg);
	if (m->buf_addr == RTE_PTR_ADD(m, sizeof(*m)) && m->pool == mp)
		return;
	n = snprintf(line, sizeof(line), "isolation: mbuf %u of the range (at +0x%lx) was"
		" overwritten: buf_addr %p, buf_iova 0x%" PRIx64 "\n", idx,
		(unsigned long)((const uint8_t *)m - iso_va), m->buf_addr, m->buf_iova);
	if (n > 0 && write(STDOUT_FILENO, line, (size_t)n) < 0)
		return;
}

/* After a crash: which mbufs of the range's pool were overwritten. */
static void
iso_report_damage(void)
{
	if (iso_mp != NULL)
		rte_mempool_obj_iter(iso_mp, iso_header_check, NULL);
}

static void
canary_fill(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct rte_mbuf *m = obj;

	RTE_SET_USED(mp);
	RTE_SET_USED(arg);
	RTE_SET_USED(idx);
	memset(m->buf_addr, CANARY, m->buf_len);
}

static void
canary_check(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct rte_mbuf *m = obj;
	const uint8_t *b = m->buf_addr;
	uint64_t *bad = arg;
	uint16_t i;

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	for (i = 0; i < m->buf_len; i++)
		if (b[i] != CANARY) {
			(*bad)++;
			return;
		}
}

/* One mbuf at the start of each page of the range. */
static int
iso_populate(struct rte_mempool *mp)
{
	uint32_t off;
	int ret;

	for (off = 0; off < ISO_LEN; off += ISO_PAGE) {
		ret = rte_mempool_populate_iova(mp, (char *)iso_va + off, ISO_IOVA + off,
			ISO_PAGE, NULL, NULL);
		if (ret != 1)
			return ret < 0 ? ret : -ENOSPC;
	}
	return 0;
}

static void
buf_crosses_page(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	const struct rte_mbuf *m = obj;
	uintptr_t b = (uintptr_t)m->buf_addr;
	unsigned int *crossing = arg;

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	if (b / ISO_PAGE != (b + m->buf_len - 1) / ISO_PAGE)
		(*crossing)++;
}

/* A packet mempool on ISO_LEN bytes of anonymous memory outside DPDK's
 * (no domain maps it unless told to), at ISO_IOVA, one mbuf per page: no
 * buffer crosses a page boundary. DPDK 25.11's vhost at times translates
 * a buffer that crosses one wrongly (__vhost_iova_to_vva(): when its first
 * page is cached and the second one arrives during the IOTLB miss, the
 * retry answers with the second page's address for the whole buffer),
 * writing a received frame over the next mbuf's header
 * (tests/vm/README.md).
 */
static struct rte_mempool *
iso_pool(void)
{
	struct rte_mempool *mp;
	unsigned int crossing = 0;
	int ret;

	iso_va = mmap(NULL, ISO_LEN, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (iso_va == MAP_FAILED) {
		TH_EXPECT(false, "isolation: mmap of %u bytes: %s", ISO_LEN, strerror(errno));
		return NULL;
	}
	mp = rte_mempool_create_empty("vm_iso", ISO_MBUFS,
		sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, 0,
		sizeof(struct rte_pktmbuf_pool_private), SOCKET_ID_ANY, 0);
	if (mp == NULL) {
		TH_EXPECT(false, "isolation: mempool: %s", rte_strerror(rte_errno));
		return NULL;
	}
	ret = rte_mempool_set_ops_byname(mp, "ring_mp_mc", NULL);
	if (ret == 0) {
		rte_pktmbuf_pool_init(mp, NULL);
		ret = iso_populate(mp);
	}
	if (ret != 0) {
		TH_EXPECT(false, "isolation: mempool on the revocable range: %d", ret);
		rte_mempool_free(mp);
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	rte_mempool_obj_iter(mp, buf_crosses_page, &crossing);
	TH_EXPECT(crossing == 0, "isolation: no buffer of the range's pool crosses a %u-byte page"
		" (%u do)", ISO_PAGE, crossing);
	iso_mp = mp;
	return mp;
}

/* One traffic round of the isolation case: no frame may come out
 * corrupt (a buffer of the range read or written at the wrong place).
 */
static void
iso_traffic(const char *what, uint64_t frames)
{
	uint64_t c = tr.f[0].corrupt + tr.f[1].corrupt;

	vm_traffic_run(&tr, frames);
	vm_traffic_print(&tr, what);
	c = tr.f[0].corrupt + tr.f[1].corrupt - c;
	TH_EXPECT(c == 0, "%s: no frame corrupt (%" PRIu64 ")", what, c);
}

static int
port_rx_pool(uint16_t port, struct rte_mempool *mp)
{
	int ret = rte_eth_dev_stop(port);

	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, 256, SOCKET_ID_ANY, NULL, mp);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	return ret;
}

static void
case_isolation(struct rte_dma_domain *def, struct rte_dma_domain *m2)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain *dr = mirror("vm_iso");
	struct rte_mempool *pool = iso_pool(), *main_mp = tr.mp;
	uint64_t iova, rx, bad = 0, got;
	int ret, p;

	if (dr == NULL || pool == NULL)
		return;
	iova = ISO_IOVA;
	ret = rte_dma_domain_map(dr, iova, iso_va, ISO_LEN, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == 0, "isolation: range 0x%" PRIx64 "+%u mapped in %s (%d)",
		iova, ISO_LEN, rte_dma_domain_name(dr), ret);
	TH_EXPECT(rte_dma_domain_covers(m2, iova, ISO_LEN, RTE_DMA_DOMAIN_ACCESS_READ, NULL) == 0,
		"isolation: %s does not map it", rte_dma_domain_name(m2));

	/* 1. Read: both NICs transmit from the range on dr, then NIC 0 is
	 * swapped to m2 (no such range): the backend must not read it for
	 * NIC 0 any more; NIC 1, still on dr, goes on.
	 */
	for (p = 0; p < 2; p++) {
		ret = swap_polled(p, dr, &o, &rec);
		TH_EXPECT(ret == 0, "isolation: %s restarted onto %s (%d %s)", nic[p],
			rte_dma_domain_name(dr), ret, rec.reason);
	}
	traffic_warmup();
	tr.mp = pool;
	got = tr.f[port_of[0]].received;
	rx = tr.f[port_of[1]].received;
	iso_traffic("isolation tx from the range, mapped", ISO_FRAMES);
	got = tr.f[port_of[0]].received - got;
	rx = tr.f[port_of[1]].received - rx;
	/* (a vhost-user backend drops a frame now and then: most arrive) */
	TH_EXPECT(got >= ISO_FRAMES / 2 && rx >= ISO_FRAMES / 2,
		"isolation: frames sent from the range arrive while it is mapped (%" PRIu64
		" and %" PRIu64 " of %u; corrupt %" PRIu64 ")", got, rx, ISO_FRAMES,
		tr.f[0].corrupt + tr.f[1].corrupt);
	tr.mp = main_mp;
	ret = swap_polled(0, m2, &o, &rec);
	TH_EXPECT(ret == 0, "isolation: %s restarted onto %s, which does not map the range (%d %s)",
		nic[0], rte_dma_domain_name(m2), ret, rec.reason);
	traffic_warmup();
	tr.mp = pool;
	got = tr.f[port_of[0]].received;
	rx = tr.f[port_of[1]].received;
	iso_traffic("isolation tx from the range, revoked by the swap", ISO_FRAMES);
	got = tr.f[port_of[0]].received - got;
	rx = tr.f[port_of[1]].received - rx;
	tr.mp = main_mp;
	printf("vhost-isolation: tx after the swap: %s sent %u frames from the revoked range,"
		" %" PRIu64 " arrived; %s (range still mapped on its domain) %" PRIu64 " of %u\n",
		nic[0], ISO_FRAMES, got, nic[1], rx, ISO_FRAMES);
	TH_EXPECT(got == 0,
		"isolation: none of the %u frames %s sent from the revoked range arrived"
		" (%" PRIu64 ")",
		ISO_FRAMES, nic[0], got);
	TH_EXPECT(rx >= ISO_FRAMES / 2,
		"isolation: the other way (range still mapped) they arrive (%" PRIu64 " of %u)",
		rx, ISO_FRAMES);
	/* Back: the stop releases what the backend could not read. */
	ret = swap_polled(0, dr, &o, &rec);
	TH_EXPECT(ret == 0, "isolation: %s restarted onto %s (%d %s)", nic[0],
		rte_dma_domain_name(dr), ret, rec.reason);

	/* 2. Write: NIC 1 receives into buffers of the range on dr, then
	 * the range is unmapped from dr under it: the backend must not
	 * write there any more (canary intact, nothing received).
	 */
	ret = port_rx_pool(port_of[1], pool);
	TH_EXPECT(ret == 0, "isolation: %s receives into the range (%d)", nic[1], ret);
	traffic_warmup();
	got = tr.f[port_of[0]].received;
	/* Paced, 10 x ISO_FRAMES: the backend drops a frame for a page of
	 * the range it has no IOTLB entry for yet (the miss is answered
	 * later), and the range has 256 pages.
	 */
	tr.pace_pps = RESTART_PPS;
	iso_traffic("isolation rx into the range, mapped", 10 * ISO_FRAMES);
	tr.pace_pps = 0;
	got = tr.f[port_of[0]].received - got;
	/* The backend drops what lands on a page it has no IOTLB entry
	 * for yet (its miss is answered later): some arrive.
	 */
	TH_EXPECT(got > 0,
		"isolation: frames arrive in the range while it is mapped (%" PRIu64 " of %u)",
		got, 10 * ISO_FRAMES);
	ret = rte_dma_domain_unmap(dr, iova, ISO_LEN, NULL);
	TH_EXPECT(ret == 0, "isolation: range unmapped from %s under the running port (%d)",
		rte_dma_domain_name(dr), ret);
	rte_mempool_obj_iter(pool, canary_fill, NULL);
	got = tr.f[port_of[0]].received;
	iso_traffic("isolation rx into the range, revoked", ISO_FRAMES);
	got = tr.f[port_of[0]].received - got;
	rte_mempool_obj_iter(pool, canary_check, &bad);
	printf("vhost-isolation: rx after the unmap: %u frames sent to %s, %" PRIu64
		" received, %" PRIu64 " of %u range buffers written\n",
		ISO_FRAMES, nic[1], got, bad, ISO_MBUFS);
	TH_EXPECT(bad == 0, "isolation: no buffer of the revoked range written (%" PRIu64 ")", bad);
	TH_EXPECT(got == 0, "isolation: no frame received into the revoked range (%" PRIu64 ")",
		got);
	/* Back to normal buffers, range mapped again before the stop
	 * releases it (nothing leaks).
	 */
	ret = rte_dma_domain_map(dr, iova, iso_va, ISO_LEN, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == 0, "isolation: range mapped again (%d)", ret);
	ret = port_rx_pool(port_of[1], main_mp);
	TH_EXPECT(ret == 0, "isolation: %s back on its own pool (%d)", nic[1], ret);
	for (p = 0; p < 2; p++) {
		ret = swap_polled(p, def, &o, &rec);
		TH_EXPECT(ret == 0, "isolation: %s back on %s (%d)", nic[p],
			rte_dma_domain_name(def), ret);
	}
	TH_EXPECT(rte_mempool_in_use_count(pool) == 0,
		"isolation: every mbuf of the range's pool returned (%u in use)",
		rte_mempool_in_use_count(pool));
	iso_mp = NULL;
	rte_mempool_free(pool);
	munmap(iso_va, ISO_LEN);
}

static void
check_no_leak(void)
{
	uint16_t p;

	for (p = 0; p < 2; p++)
		rte_eth_dev_stop(p);
	TH_EXPECT(rte_mempool_in_use_count(tr.mp) == 0,
		"no mbuf leaked: %u of the traffic pool's in use after both ports stopped",
		rte_mempool_in_use_count(tr.mp));
}

/* One process per mode; pmd: the PMD's path (loaded with -d). */
static int
vhost_run(const char *mode, const char *pmd)
{
	static const char *const log_debug[] = { "--log-level=*virtio_iommufd*:debug", NULL };
	struct rte_dma_domain *def, *m2 = NULL;
	int p, rc;

	logf = open_memstream(&logbuf, &loglen);
	if (logf == NULL || rte_openlog_stream(logf) != 0) {
		printf("FAIL: cannot capture the EAL log\n");
		return 1;
	}
	th_on_crash(log_on_crash);
	rc = vm_eal_start("vm-vhost-test", pmd, log_debug, nic);
	if (rc != 0) {
		log_text();
		return rc;
	}
	for (p = 0; p < 2; p++) {
		bnd[p] = rte_dma_domain_binding_lookup(nic[p]);
		if (rte_eth_dev_get_port_by_name(nic[p], &port_of[p]) != 0)
			port_of[p] = p;
	}
	def = rte_dma_domain_lookup("default");
	TH_EXPECT(bnd[0] != NULL && bnd[1] != NULL && def != NULL,
		"both NICs bound by the PMD, default domain exists");
	if (bnd[0] == NULL || bnd[1] == NULL || def == NULL || vm_ports_start(&tr) != 0) {
		TH_EXPECT(false, "ports 0 and 1 up");
		log_text();
		rte_eal_cleanup();
		return 0;
	}
	rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RESET, on_reset, NULL);
	TH_EXPECT(traffic_warmup(), "both backend ports forward (half a round of 64 frames each way at least)");
	if (strcmp(mode, "features") != 0)
		m2 = mirror("vm_m2");
	if (strcmp(mode, "features") == 0)
		case_features();
	else if (m2 != NULL && strcmp(mode, "quiesce") == 0)
		case_quiesce(def, m2);
	else if (m2 != NULL && strcmp(mode, "restart") == 0)
		case_restart(def, m2);
	else if (m2 != NULL && strcmp(mode, "hitless") == 0)
		case_hitless(def, m2);
	else if (m2 != NULL)
		case_isolation(def, m2);
	/* The host's watcher dumps the backend's per-queue xstats now,
	 * while the vhost devices still run (scripts/vm-run.sh).
	 */
	printf("vm-vhost-backend-stats %s\n", mode);
	check_no_leak();
	log_text();
	rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RESET, on_reset, NULL);
	vm_ports_stop();
	rte_eal_cleanup();
	return 0;
}

/* The case's mode is its name. */
static int
case_run(void)
{
	return vhost_run(th_current()->name, th_arg(0, ""));
}

/* Each case: vm-vhost-test CASE PMD.so */
static const struct th_case cases[] = {
	{ "features", "vm", case_run, NULL, NULL },
	{ "quiesce", "vm", case_run, NULL, NULL },
	{ "restart", "vm", case_run, NULL, NULL },
	{ "hitless", "vm", case_run, NULL, NULL },
	{ "isolation", "vm", case_run, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
