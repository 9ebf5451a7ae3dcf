/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Backend cases.
 *
 * Soft IOTLB snapshot (suite concurrency; also under TSan): a DMA thread
 * translates one IOVA that domains A and B map to DIFFERENT memory, while
 * the main thread replaces the binding's domain A <-> B (hitless, atomic
 * model, iotlb_verify on). An oracle says which domain the device may be
 * on: the main thread bumps an epoch to odd before each replace (either
 * domain) and to even once the new domain is the device's (then only that
 * one). A translation that saw the same even epoch before and after it
 * must return the memory of that epoch's domain; every translation must
 * return memory of A or B; and no IOTLB hit may disagree with the page
 * table of the domain the translation used (iotlb_verify's stale count:
 * no invalidation is skipped here, so a stale hit is a translation that
 * paired a generation with the wrong domain).
 *
 *   iotlb_race    free race, the epoch goes even when replace returned
 *   iotlb_reader  the translate hook (between the generation load and the
 *                 domain load) asks the main thread for a whole replace
 *                 and waits for it: the old ordering pairs the old
 *                 generation with the new domain and hits the old
 *                 domain's entry (stale count)
 *   iotlb_writer  the publish hook (domain pointer stored, publication
 *                 not complete) makes the epoch even for the new domain
 *                 and waits for a whole translation: the old ordering
 *                 returns the old domain's memory from its IOTLB entry
 *
 * Kernel backend, pure parts (suite unit, no /dev/iommu needed):
 *   iommufd_atomic  the atomic decision is false for every IOMMU type
 *   kmsg_parse      recorded fault lines: classified, devices named
 *   kmsg_charge     a fault of an unrelated device is not ours; a line
 *                   naming none counts for all; "Default domain" is not a
 *                   fault; a rate-limit line counts and makes the count a
 *                   lower bound (one message)
 *   kmsg_stream     records cut across reads (pipe), dictionary lines
 *   kmsg_late       a line written after the confirm began is seen by the
 *                   post-resume window (poll), not left to the next swap
 *   kmsg_unreadable a missing log: one message, lower bound
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "tdd.h"
#include "iommufd_util.h"
#include <linux/iommufd.h>
#include <linux/vfio.h>

/* ---- soft IOTLB snapshot ------------------------------------------------- */

#define IOVA 0x100000ull
#define LEN 0x10000ull
#define RACE_SWAPS 3000
#define HOOK_SWAPS 200
#define WAIT_NS 20000000000ull /* hang guard of every wait, not a timing */

enum race_mode { RACE_FREE, RACE_READER, RACE_WRITER };

static struct race {
	enum race_mode mode;
	struct fake_drv f;
	struct rte_dma_domain *dom[2];
	char *mem[2];
	/* oracle: odd = a replace is running; even e = dom[(e / 2) & 1] */
	uint64_t epoch;
	uint64_t done;        /* translations finished (seq_cst) */
	int stop;
	/* reader mode: replace requests from the translate hook */
	uint64_t req, ack;
	bool in_window;       /* reader thread: its next hook call asks */
	int target;           /* domain index the running replace goes to */
	/* results (reader thread) */
	uint64_t checked, unchecked, wrong, outside, faults;
	uint64_t hook_timeouts;
} R;

static uint64_t
ld(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void
st(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* Wait (yielding) until *p >= v; false after the hang guard. */
static bool
wait_ge(uint64_t *p, uint64_t v)
{
	uint64_t end = th_now_ns() + WAIT_NS;

	while (ld(p) < v) {
		if (__atomic_load_n(&R.stop, __ATOMIC_ACQUIRE) || th_now_ns() > end)
			return ld(p) >= v;
		sched_yield();
	}
	return true;
}

/* Reader thread, inside a translation between the generation and the
 * domain loads: on its window iterations, have the main thread run one
 * whole replace now.
 */
static void
reader_hook(const char *domain, void *arg)
{
	uint64_t r;

	RTE_SET_USED(domain);
	RTE_SET_USED(arg);
	if (!R.in_window)
		return;
	R.in_window = false;
	r = ld(&R.req) + 1;
	st(&R.req, r);
	/* (a request left at the end, when the main thread stopped, is not
	 * a timeout)
	 */
	if (!wait_ge(&R.ack, r) && !__atomic_load_n(&R.stop, __ATOMIC_ACQUIRE))
		R.hook_timeouts++;
}

/* Main thread, inside the switch: the device's domain pointer is the new
 * one; say so, and let the DMA thread run one whole translation now.
 */
static void
writer_hook(const char *domain, void *arg)
{
	uint64_t e = ld(&R.epoch), n;

	RTE_SET_USED(arg);
	if ((e & 1) == 0 || strcmp(domain, rte_dma_domain_name(R.dom[R.target])) != 0)
		return;
	st(&R.epoch, e + 1);
	n = ld(&R.done);
	/* translation n + 1 may have started before the epoch: n + 2 did not */
	if (!wait_ge(&R.done, n + 2) && !__atomic_load_n(&R.stop, __ATOMIC_ACQUIRE))
		R.hook_timeouts++;
}

static void *
race_reader(void *arg)
{
	uint64_t i = 0;

	RTE_SET_USED(arg);
	while (!__atomic_load_n(&R.stop, __ATOMIC_ACQUIRE)) {
		uint64_t e0, e1;
		char *p;
		int err, which = -1;

		if (R.mode == RACE_READER)
			R.in_window = (i & 1) != 0; /* even i fills the IOTLB */
		e0 = ld(&R.epoch);
		p = rte_dma_domain_soft_translate(R.f.b, IOVA, 8, RTE_DMA_DOMAIN_ACCESS_READ, &err);
		e1 = ld(&R.epoch);
		R.in_window = false;
		if (p == NULL)
			R.faults++;
		else if (p == R.mem[0])
			which = 0;
		else if (p == R.mem[1])
			which = 1;
		else
			R.outside++;
		if (which >= 0 && e0 == e1 && (e0 & 1) == 0) {
			R.checked++;
			if (which != (int)((e0 / 2) & 1)) {
				if (R.wrong++ == 0)
					fprintf(stderr, "translation at epoch %" PRIu64 " (device on %s for all of it) returned %s's memory\n",
						e0, rte_dma_domain_name(R.dom[(e0 / 2) & 1]),
						rte_dma_domain_name(R.dom[which]));
			}
		} else {
			R.unchecked++;
		}
		st(&R.done, ld(&R.done) + 1);
		i++;
	}
	return NULL;
}

static int
race_run(enum race_mode mode, unsigned int swaps)
{
	struct rte_dma_domain_ctx *ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_HITLESS,
	};
	unsigned int i, ok = 0;
	pthread_t th;
	int cur = 0, k;

	memset(&R, 0, sizeof(R));
	R.mode = mode;
	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, true);
	for (k = 0; k < 2; k++) {
		R.mem[k] = aligned_alloc(4096, LEN);
		TH_CHECK(R.mem[k] != NULL, "memory");
		if (R.mem[k] == NULL)
			return 1;
		memset(R.mem[k], 0xa0 + k, LEN);
		R.dom[k] = tdd_domain(ctx, k == 0 ? "snap-a" : "snap-b");
		TH_CHECK_RC(rte_dma_domain_map(R.dom[k], IOVA, R.mem[k], LEN,
			RTE_DMA_DOMAIN_ACCESS_RW), 0);
	}
	TH_CHECK_RC(fake_bind(&R.f, "snap0", 0, IOVA), 0);
	TH_CHECK_RC(rte_dma_domain_attach(R.f.b, R.dom[0]), 0);
	if (th_failures > 0)
		return 1;
	if (mode == RACE_READER)
		rte_dma_domain_soft_test_translate_hook(reader_hook, NULL);
	if (mode == RACE_WRITER)
		rte_dma_domain_soft_test_publish_hook(writer_hook, NULL);
	TH_CHECK(pthread_create(&th, NULL, race_reader, NULL) == 0, "thread");

	for (i = 0; i < swaps && th_failures == 0; i++) {
		uint64_t e, d;
		int rc;

		if (mode == RACE_READER && !wait_ge(&R.req, R.ack + 1)) {
			TH_CHECK(false, "the DMA thread asked for no replace (%" PRIu64 " done)",
				ld(&R.done));
			break;
		}
		R.target = 1 - cur;
		e = ld(&R.epoch);
		st(&R.epoch, e + 1);
		rc = rte_dma_domain_replace(R.f.b, R.dom[R.target], &o);
		TH_CHECK(rc == 0, "replace %u to %s: %d", i,
			rte_dma_domain_name(R.dom[R.target]), rc);
		if (rc != 0)
			break;
		ok++;
		cur = R.target;
		if (ld(&R.epoch) == e + 1)
			st(&R.epoch, e + 2); /* not done by the writer hook */
		TH_CHECK(ld(&R.epoch) == e + 2, "epoch");
		if (mode == RACE_READER)
			st(&R.ack, ld(&R.req));
		/* a whole translation on the new domain fills its entry */
		d = ld(&R.done);
		if (mode != RACE_READER && !wait_ge(&R.done, d + 2)) {
			TH_CHECK(false, "the DMA thread is stuck");
			break;
		}
	}
	__atomic_store_n(&R.stop, 1, __ATOMIC_RELEASE);
	st(&R.ack, UINT64_MAX / 2);
	pthread_join(th, NULL);
	rte_dma_domain_soft_test_translate_hook(NULL, NULL);
	rte_dma_domain_soft_test_publish_hook(NULL, NULL);

	printf("%u replaces, %" PRIu64 " translations: %" PRIu64
		" checked against the oracle, %" PRIu64
		" spanning a replace; wrong domain %" PRIu64 ", outside both %" PRIu64
		", faults %" PRIu64 ", stale IOTLB hits %" PRIu64 "\n",
		ok, ld(&R.done), R.checked, R.unchecked, R.wrong, R.outside, R.faults,
		rte_dma_domain_soft_iotlb_stale(R.f.b));
	TH_CHECK(ok == swaps, "every replace succeeded (%u of %u)", ok, swaps);
	TH_CHECK(R.hook_timeouts == 0, "a hook waited in vain %" PRIu64 " times", R.hook_timeouts);
	TH_CHECK(R.wrong == 0, "%" PRIu64 " translations returned the memory of a domain the device was not on during them",
		R.wrong);
	TH_CHECK(R.outside == 0 && R.faults == 0,
		"translations outside both domains' memory: %" PRIu64
		", faults: %" PRIu64, R.outside, R.faults);
	TH_CHECK(rte_dma_domain_soft_iotlb_stale(R.f.b) == 0,
		"%" PRIu64 " IOTLB hits disagree with the domain the translation used (a generation paired with another domain)",
		rte_dma_domain_soft_iotlb_stale(R.f.b));
	if (mode == RACE_WRITER)
		TH_CHECK(R.checked >= swaps,
			"each replace had a translation inside its publish window (%" PRIu64 ")",
			R.checked);
	TH_CHECK_RC(rte_dma_domain_unbind(R.f.b), 0);
	for (k = 0; k < 2; k++) {
		TH_CHECK_RC(rte_dma_domain_destroy(R.dom[k]), 0);
		free(R.mem[k]);
	}
	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, false);
	return 0;
}

static int
case_iotlb_race(void)
{
	return race_run(RACE_FREE, RACE_SWAPS);
}

static int
case_iotlb_reader(void)
{
	return race_run(RACE_READER, HOOK_SWAPS);
}

static int
case_iotlb_writer(void)
{
	return race_run(RACE_WRITER, HOOK_SWAPS);
}

/* ---- kernel backend: atomic decision --------------------------------------- */

static int
case_iommufd_atomic(void)
{
	static const struct {
		uint32_t type;
		const char *name;
	} types[] = {
		{ IOMMU_HW_INFO_TYPE_NONE, "none (unreported)" },
		{ IOMMU_HW_INFO_TYPE_INTEL_VTD, "Intel VT-d" },
		{ IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3, "ARM SMMUv3" },
		{ 3, "type 3 (NVIDIA Tegra241 CMDQV)" },
		{ 4, "type 4 (AMD)" },
		{ 0x7fffffff, "unknown" },
		{ UINT32_MAX, "UINT32_MAX" },
	};
	size_t i;

	for (i = 0; i < RTE_DIM(types); i++)
		TH_CHECK(!iommufd_hw_replace_atomic(types[i].type),
			"kernel backend says replace is atomic on %s: it must never default to hitless without a measured result",
			types[i].name);
	return 0;
}

/* ---- kernel backend: fault lines ------------------------------------------- */

/* Recorded lines (Linux 6.12 guest under QEMU's VT-d; AMD and SMMUv3 from
 * the drivers' format strings), in /dev/kmsg's record format.
 */
#define L_DRHD "3,812,40817311,-;DMAR: DRHD: handling fault status reg 2\n"
#define L_VTD_03 "3,813,40817329,-;DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr 0xfee00000 [fault reason 0x06] PTE Read access is not set\n"
#define L_VTD_04 "3,814,40817340,-;DMAR: [DMA Write NO_PASID] Request device [00:04.0] fault addr 0x7f000 [fault reason 0x05] PTE Write access is not set\n"
#define L_VTD_06 "3,815,40817350,-;DMAR: [DMA Read NO_PASID] Request device [00:06.0] fault addr 0x1000 [fault reason 0x02] Present bit in context entry is clear\n"
#define L_SUPP "4,830,45901023,-;dmar_fault: 17 callbacks suppressed\n"
#define L_DEFAULT "6,12,301234,-;iommu: Default domain type: Translated\n"
#define L_INTR "3,901,50000000,-;DMAR: [INTR-REMAP] Request device [00:03.0] fault index 0x12 [fault reason 0x25] Blocked a compatibility format interrupt request\n"
#define L_AMD "3,77,9000000,-;vfio-pci 0000:01:00.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x000c address=0xfffd0000 flags=0x0020]\n SUBSYSTEM=pci\n DEVICE=+pci:0000:01:00.0\n"
#define L_SMMU_OLD "3,78,9000001,-;arm-smmu-v3 arm-smmu-v3.0.auto: event 0x10 received:\n"
#define L_SMMU_NEW "3,79,9000002,-;arm-smmu-v3 arm-smmu-v3.0.auto: event: F_TRANSLATION client: 0000:00:03.0 sid: 0x18 ssid: 0x0 iova: 0x1000 ipa: 0x0\n"
#define L_OTHER "6,900,50000001,-;virtio_net virtio0: link up\n"

static int
case_kmsg_parse(void)
{
	struct iommufd_kmsg_rec r;
	struct iommufd_bdf b;

	iommufd_kmsg_parse(L_VTD_03, &r);
	TH_CHECK(r.kind == IOMMUFD_KMSG_FAULT && r.nb_bdf == 1 && r.bdf[0].seg == -1 &&
		r.bdf[0].bus == 0 && r.bdf[0].dev == 3 && r.bdf[0].fn == 0,
		"VT-d fault line: kind %d, %u devices", r.kind, r.nb_bdf);
	iommufd_kmsg_parse(L_DRHD, &r);
	TH_CHECK(r.kind == IOMMUFD_KMSG_OTHER, "VT-d summary line is not a fault of its own");
	iommufd_kmsg_parse(L_SUPP, &r);
	TH_CHECK(r.kind == IOMMUFD_KMSG_SUPPRESSED && r.suppressed == 17,
		"rate-limit line: kind %d, N %u", r.kind, r.suppressed);
	iommufd_kmsg_parse(L_DEFAULT, &r);
	TH_CHECK(r.kind == IOMMUFD_KMSG_OTHER, "'Default domain' is not a fault");
	iommufd_kmsg_parse(L_INTR, &r);
	TH_CHECK(r.kind == IOMMUFD_KMSG_OTHER, "an interrupt-remapping fault is not a DMA fault");
	iommufd_kmsg_parse(L_AMD, &r);
	TH_CHECK(r.kind == IOMMUFD_KMSG_FAULT && r.nb_bdf == 1 && r.bdf[0].seg == 0 &&
		r.bdf[0].bus == 1 && r.bdf[0].dev == 0, "AMD-Vi fault line");
	iommufd_kmsg_parse(L_SMMU_OLD, &r);
	TH_CHECK(r.kind == IOMMUFD_KMSG_FAULT && r.nb_bdf == 0, "SMMUv3 event line (no device)");
	iommufd_kmsg_parse(L_SMMU_NEW, &r);
	TH_CHECK(r.kind == IOMMUFD_KMSG_FAULT && r.nb_bdf == 1 && r.bdf[0].dev == 3,
		"SMMUv3 event line naming its client");
	iommufd_kmsg_parse(L_OTHER, &r);
	TH_CHECK(r.kind == IOMMUFD_KMSG_OTHER, "unrelated line");
	TH_CHECK_RC(iommufd_bdf_parse("0000:00:03.0", &b), 0);
	TH_CHECK(b.seg == 0 && b.bus == 0 && b.dev == 3 && b.fn == 0, "BDF parse");
	TH_CHECK_RC(iommufd_bdf_parse("emu0", &b), -EINVAL);
	TH_CHECK_RC(iommufd_bdf_parse("0000:00:03.0x", &b), -EINVAL);
	return 0;
}

/* Two bound devices, as in the VM tier: 00:03.0 and 00:04.0. */
struct kdevs {
	struct iommufd_bdf bdf[2];
	uint64_t faults[2];
};

static void
kdevs_init(struct kdevs *d)
{
	memset(d, 0, sizeof(*d));
	iommufd_bdf_parse("0000:00:03.0", &d->bdf[0]);
	iommufd_bdf_parse("0000:00:04.0", &d->bdf[1]);
}

static void
kdevs_record(const struct iommufd_kmsg_rec *r, void *arg)
{
	struct kdevs *d = arg;
	int i;

	for (i = 0; i < 2; i++)
		if (iommufd_kmsg_charges(r, &d->bdf[i]))
			d->faults[i]++;
}

static bool
kdevs_dev0_faulted(void *arg)
{
	return ((struct kdevs *)arg)->faults[0] > 0;
}

/* Write text to a pipe and read it all through the reader (no wait). */
static void
feed(struct iommufd_kmsg *k, int wfd, const char *text, struct kdevs *d)
{
	size_t n = strlen(text);

	TH_CHECK(write(wfd, text, n) == (ssize_t)n, "pipe write");
	TH_CHECK_RC(iommufd_kmsg_read(k, 0, kdevs_record, NULL, d), 0);
}

static int
kmsg_pipe(int p[2])
{
	if (pipe(p) != 0)
		return -errno;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	return 0;
}

static int
case_kmsg_charge(void)
{
	struct iommufd_kmsg k;
	struct kdevs d;
	char msg[512];
	int p[2];

	TH_CHECK_RC(kmsg_pipe(p), 0);
	iommufd_kmsg_init_fd(&k, p[0]);
	kdevs_init(&d);

	/* a fault of a device that is not ours (edu at 00:06.0) */
	feed(&k, p[1], L_DRHD L_VTD_06, &d);
	TH_CHECK(d.faults[0] == 0 && d.faults[1] == 0,
		"another device's fault counted for ours: %" PRIu64 "/%" PRIu64,
		d.faults[0], d.faults[1]);
	/* ours: one each, the summary line not counted */
	feed(&k, p[1], L_DRHD L_VTD_03 L_DRHD L_VTD_04, &d);
	TH_CHECK(d.faults[0] == 1 && d.faults[1] == 1, "named faults: %" PRIu64 "/%" PRIu64,
		d.faults[0], d.faults[1]);
	/* lines that are no DMA fault */
	feed(&k, p[1], L_DEFAULT L_INTR L_OTHER, &d);
	TH_CHECK(d.faults[0] == 1 && d.faults[1] == 1,
		"non-fault lines counted: %" PRIu64 "/%" PRIu64, d.faults[0], d.faults[1]);
	TH_CHECK(!k.lower_bound, "exact so far");
	TH_CHECK(iommufd_kmsg_lower_bound_msg(&k, "/dev/kmsg", msg, sizeof(msg)) == NULL,
		"no lower-bound message yet");
	/* a line naming no device counts for both */
	feed(&k, p[1], L_SMMU_OLD, &d);
	TH_CHECK(d.faults[0] == 2 && d.faults[1] == 2, "unnamed fault: %" PRIu64 "/%" PRIu64,
		d.faults[0], d.faults[1]);
	/* the kernel's rate limit: counts, and the count is a lower bound */
	feed(&k, p[1], L_SUPP, &d);
	TH_CHECK(d.faults[0] == 3 && d.faults[1] == 3, "rate-limit line: %" PRIu64 "/%" PRIu64,
		d.faults[0], d.faults[1]);
	TH_CHECK(k.lower_bound && k.suppressed == 1, "rate limit seen: lower bound");
	TH_CHECK(iommufd_kmsg_lower_bound_msg(&k, "/dev/kmsg", msg, sizeof(msg)) != NULL &&
		strstr(msg, "lower bound") != NULL, "one message says the count is a lower bound");
	printf("message: %s\n", msg);
	TH_CHECK(iommufd_kmsg_lower_bound_msg(&k, "/dev/kmsg", msg, sizeof(msg)) == NULL,
		"and only one");
	feed(&k, p[1], L_SUPP, &d);
	TH_CHECK(iommufd_kmsg_lower_bound_msg(&k, "/dev/kmsg", msg, sizeof(msg)) == NULL,
		"not again at the next rate-limit line");
	close(p[1]);
	close(p[0]);
	return 0;
}

static int
case_kmsg_stream(void)
{
	/* a record cut across two writes, dictionary lines, an AMD line
	 * naming a device in its prefix
	 */
	static const char all[] = L_AMD L_VTD_03 L_VTD_04;
	struct iommufd_kmsg k;
	struct kdevs d;
	size_t cut = sizeof(L_AMD) - 1 + 40;
	int p[2];

	TH_CHECK_RC(kmsg_pipe(p), 0);
	iommufd_kmsg_init_fd(&k, p[0]);
	kdevs_init(&d);
	TH_CHECK(write(p[1], all, cut) == (ssize_t)cut, "write");
	TH_CHECK_RC(iommufd_kmsg_read(&k, 0, kdevs_record, NULL, &d), 0);
	TH_CHECK(d.faults[0] == 0 && d.faults[1] == 0 && k.records == 1,
		"half a line is not a record yet (%" PRIu64 " records)", k.records);
	TH_CHECK(write(p[1], all + cut, strlen(all) - cut) == (ssize_t)(strlen(all) - cut), "write");
	TH_CHECK_RC(iommufd_kmsg_read(&k, 0, kdevs_record, NULL, &d), 0);
	TH_CHECK(d.faults[0] == 1 && d.faults[1] == 1 && k.records == 3 && k.faults == 3,
		"whole records: %" PRIu64 "/%" PRIu64 ", %" PRIu64 " records, %" PRIu64 " faults",
		d.faults[0], d.faults[1], k.records, k.faults);
	close(p[1]);
	close(p[0]);
	return 0;
}

struct late {
	int wfd;
	uint64_t go;
};

/* Writes the fault line once the confirm has started reading. */
static void *
late_writer(void *arg)
{
	struct late *l = arg;

	if (wait_ge(&l->go, 1)) {
		ssize_t n = write(l->wfd, L_DRHD L_VTD_03, strlen(L_DRHD L_VTD_03));

		RTE_SET_USED(n);
	}
	return NULL;
}

static void
late_record(const struct iommufd_kmsg_rec *r, void *arg)
{
	kdevs_record(r, arg);
}

static int
case_kmsg_late(void)
{
	struct late l = { .go = 0 };
	struct iommufd_kmsg k;
	struct kdevs d;
	pthread_t th;
	int p[2];

	TH_CHECK_RC(kmsg_pipe(p), 0);
	iommufd_kmsg_init_fd(&k, p[0]);
	kdevs_init(&d);
	l.wfd = p[1];
	memset(&R, 0, sizeof(R)); /* wait_ge's stop flag */
	/* the pre-resume confirm: nothing yet */
	TH_CHECK_RC(iommufd_kmsg_read(&k, 0, late_record, NULL, &d), 0);
	TH_CHECK(d.faults[0] == 0, "no fault before the line");
	/* the post-resume window: the line arrives while it waits; the
	 * deadline is a hang guard, the wait ends at the line
	 */
	TH_CHECK(pthread_create(&th, NULL, late_writer, &l) == 0, "thread");
	st(&l.go, 1);
	TH_CHECK_RC(iommufd_kmsg_read(&k, th_now_ns() + WAIT_NS, late_record,
		kdevs_dev0_faulted, &d), 0);
	pthread_join(th, NULL);
	TH_CHECK(d.faults[0] == 1,
		"the late fault line is attributed by the post-resume window (%" PRIu64 ")",
		d.faults[0]);
	close(p[1]);
	close(p[0]);
	return 0;
}

static int
case_kmsg_unreadable(void)
{
	struct iommufd_kmsg k;
	struct kdevs d;
	char msg[512];

	kdevs_init(&d);
	TH_CHECK_RC(iommufd_kmsg_open(&k, "/nonexistent/kmsg"), -ENOENT);
	TH_CHECK(k.fd < 0 && k.lower_bound, "no source: lower bound");
	TH_CHECK_RC(iommufd_kmsg_read(&k, 0, kdevs_record, NULL, &d), 0);
	TH_CHECK(iommufd_kmsg_lower_bound_msg(&k, "/nonexistent/kmsg", msg, sizeof(msg)) != NULL &&
		strstr(msg, "lower bound") != NULL && strstr(msg, "not readable") != NULL,
		"one message: not readable, lower bound");
	printf("message: %s\n", msg);
	TH_CHECK(iommufd_kmsg_lower_bound_msg(&k, "/nonexistent/kmsg", msg, sizeof(msg)) == NULL,
		"only one");
	return 0;
}

static const struct th_case cases[] = {
	{ "iotlb_race", "concurrency", case_iotlb_race, NULL, NULL },
	{ "iotlb_reader", "concurrency", case_iotlb_reader, NULL, NULL },
	{ "iotlb_writer", "concurrency", case_iotlb_writer, NULL, NULL },
	{ "iommufd_atomic", "unit", case_iommufd_atomic, NULL, NULL },
	{ "kmsg_parse", "unit", case_kmsg_parse, NULL, NULL },
	{ "kmsg_charge", "unit", case_kmsg_charge, NULL, NULL },
	{ "kmsg_stream", "unit", case_kmsg_stream, NULL, NULL },
	{ "kmsg_late", "unit", case_kmsg_late, NULL, NULL },
	{ "kmsg_unreadable", "unit", case_kmsg_unreadable, NULL, NULL },
};

int
main(int argc, char **argv)
{
	/* the old ordering logs each stale hit: keep the log to errors */
	rte_log_set_level_pattern("lib.dma_domain", RTE_LOG_CRIT);
	if (rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT) == NULL)
		return 1;
	return th_main(argc, argv, cases, RTE_DIM(cases), 0);
}
