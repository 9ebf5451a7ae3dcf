/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Object lifecycle of the DMA domain library's kernel backend on the VM
 * tier's real NICs (issue 12, items 7 and 6), public APIs only:
 *
 *   vm-lifecycle-test busy      a refused IOMMU_DESTROY: the test attaches a
 *                               NIC's cdev to the library's HWPT behind its
 *                               back (the library detached it), so the
 *                               kernel answers EBUSY: the destroy returns
 *                               -EBUSY, is counted, the domain stays listed
 *                               and mapped, the kernel still holds its IOAS
 *                               and HWPT, the context refuses to close;
 *                               after the detach the destroy succeeds and
 *                               the kernel objects are gone; the context
 *                               closes and its fds with it.
 *   vm-lifecycle-test churn     1000 rounds of create 2 domains, bind a NIC
 *                               (cdevs alternate), attach, detach, attach
 *                               the other, unbind, destroy both: the
 *                               process's fd count and the live iommufd
 *                               objects (kernel probe, below) are flat;
 *                               then 100 context open/close rounds: fds
 *                               flat.
 *   vm-lifecycle-test hotplug PMD.so
 *                               the virtio PMD swaps both NICs (quiesce)
 *                               under verified traffic while another
 *                               thread allocates and frees 32 MiB of
 *                               hugepage memory (EAL memory hotplug: the
 *                               library's memory-event callback maps and
 *                               unmaps it in both mirror domains): every
 *                               swap succeeds or fails with a reason and
 *                               the port on its old domain, 0 lost, each
 *                               allocation mapped in both domains, and
 *                               memory hotplugged after the swaps mapped in
 *                               the domain each NIC is on.
 *
 * Counting live iommufd objects: object ids come from the kernel's
 * xa_alloc() (lowest free id, drivers/iommu/iommufd/main.c), so ids are
 * reused and their size says nothing; instead the test scans ids 1 to
 * VM_PROBE_MAX_ID of the library's /dev/iommu fd (found in /proc/self/fd)
 * with one non-destructive ioctl per object type, each of which answers
 * ENOENT unless the id is a live object of that type
 * (iommufd_get_object()): IOMMU_IOAS_IOVA_RANGES (IOAS),
 * IOMMU_HWPT_SET_DIRTY_TRACKING with flags 0 (HWPT paging: 0 or
 * EOPNOTSUPP), IOMMU_GET_HW_INFO (device). The library creates no other
 * object type. The scan also reports the highest live id.
 *
 * VM_LIFECYCLE_BREAK (a test of the test, not set by the tier): "destroy"
 * skips one domain destroy in churn, "close" keeps one cdev open: the
 * object and fd checks must fail.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <rte_dma_domain.h>
#include <rte_dma_domain_driver.h>

#include "iommufd_vm_common.h"
#include "th.h"
#include "vm_test_util.h"
#include "vm_traffic.h"

#define CHURN_ROUNDS 1000
#define CTX_ROUNDS 100
#define CHURN_CHECK_EVERY 250
#define MAP_IOVA 0x100000ull
#define MAP_LEN (64 * 1024ull)
#define VM_PROBE_MAX_ID 2048

/* ---- kernel-side probe of live iommufd objects ---------------------- */

/* Local copies of v6.12 uapi structs the host's headers may lack. */
struct vm_probe_iova_ranges {
	uint32_t size;
	uint32_t ioas_id;
	uint32_t num_iovas;
	uint32_t reserved;
	uint64_t allowed_iovas;
	uint64_t out_iova_alignment;
};
#define VM_PROBE_IOAS_IOVA_RANGES _IO(';', 0x84)

struct vm_probe_dirty {
	uint32_t size;
	uint32_t flags;
	uint32_t hwpt_id;
	uint32_t reserved;
};
#define VM_PROBE_HWPT_SET_DIRTY_TRACKING _IO(';', 0x8b)

struct vm_objs {
	unsigned int ioas, hwpt, dev, other_err;
	uint32_t max_id;
	uint32_t first_hwpt, first_ioas;
};

static bool
probe_live(int fd, unsigned long req, void *arg, unsigned int *other)
{
	if (ioctl(fd, req, arg) == 0)
		return true;
	if (errno == ENOENT)
		return false;
	if (errno != EMSGSIZE && errno != EOPNOTSUPP)
		(*other)++; /* unexpected: counted, checked by the caller */
	return true;
}

static void
probe_objs(int fd, struct vm_objs *o)
{
	uint32_t id;

	memset(o, 0, sizeof(*o));
	for (id = 1; id <= VM_PROBE_MAX_ID; id++) {
		struct vm_probe_iova_ranges r = { .size = sizeof(r), .ioas_id = id };
		struct vm_probe_dirty d = { .size = sizeof(d), .hwpt_id = id };
		struct iommu_hw_info h = { .size = sizeof(h), .dev_id = id };
		bool live = false;

		if (probe_live(fd, VM_PROBE_IOAS_IOVA_RANGES, &r, &o->other_err)) {
			if (o->ioas++ == 0)
				o->first_ioas = id;
			live = true;
		} else if (probe_live(fd, VM_PROBE_HWPT_SET_DIRTY_TRACKING, &d, &o->other_err)) {
			if (o->hwpt++ == 0)
				o->first_hwpt = id;
			live = true;
		} else if (probe_live(fd, IOMMU_GET_HW_INFO, &h, &o->other_err)) {
			o->dev++;
			live = true;
		}
		if (live)
			o->max_id = id;
	}
}

static void
objs_print(const char *what, const struct vm_objs *o)
{
	printf("iommufd objects %s: %u ioas, %u hwpt, %u device, highest id %u\n",
		what, o->ioas, o->hwpt, o->dev, o->max_id);
}

/* The library's /dev/iommu fd (the test opens none itself), or -1. */
static int
lib_iommufd(void)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	int fd = -1, n = 0;
	ssize_t len;
	DIR *d = opendir("/proc/self/fd");

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, "/dev/iommu") == 0) {
			fd = atoi(de->d_name);
			n++;
		}
	}
	closedir(d);
	return n == 1 ? fd : -1;
}

/* Open fds of the process (the directory's own fd included, each time). */
static int
fd_count(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc/self/fd");

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* ---- library helpers --------------------------------------------------- */

static const char *nic[2];
static void *buf;

static struct rte_dma_domain *
domain(struct rte_dma_domain_ctx *ctx, const char *name)
{
	struct rte_dma_domain *d = rte_dma_domain_create(ctx, name, RTE_DMA_DOMAIN_PAGING, 0);

	if (d == NULL) {
		TH_EXPECT(false, "create %s: %s", name, rte_strerror(rte_errno));
		return NULL;
	}
	if (rte_dma_domain_map(d, MAP_IOVA, buf, MAP_LEN, RTE_DMA_DOMAIN_ACCESS_RW) != 0)
		TH_EXPECT(false, "map 64 KiB in %s: %s", name, rte_strerror(rte_errno));
	return d;
}

/* Bind NIC k on its own cdev fd (*cdev), as the bus does. */
static struct rte_dma_domain_binding *
bind_nic(struct rte_dma_domain_ctx *ctx, int k, int *cdev)
{
	struct rte_dma_domain_binding_params p = {
		.name = nic[k],
		.nb_queues = 0,
	};
	struct rte_dma_domain_binding *b;

	*cdev = vm_vdev_open(nic[k]);
	p.dev_fd = *cdev;
	b = rte_dma_domain_bind(ctx, &p);
	if (b == NULL) {
		TH_EXPECT(false, "bind %s: %s", nic[k], rte_strerror(rte_errno));
		close(*cdev);
		*cdev = -1;
	}
	return b;
}

static int
lib_setup(void)
{
	char list[256];
	static char keep[256];
	int rc = vm_guest_nics(list, sizeof(list), nic);

	if (rc != 0)
		return rc;
	/* nic[] points into list: keep a copy for the whole test */
	memcpy(keep, list, sizeof(keep));
	nic[0] = keep + (nic[0] - list);
	nic[1] = keep + (nic[1] - list);
	buf = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		printf("FAIL: mmap: %s\n", strerror(errno));
		return 1;
	}
	memset(buf, 0x5a, MAP_LEN);
	return 0;
}

/* ---- busy: a refused IOMMU_DESTROY keeps the domain ------------------- */

static int
case_busy(void)
{
	struct rte_dma_domain_ctx_info i0, i1;
	struct rte_dma_domain_ctx *ctx;
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *a;
	struct vm_objs o;
	struct vm_vdev v;
	int fd0, lfd, rc, cdev;

	rc = lib_setup();
	if (rc != 0)
		return rc;
	fd0 = fd_count();
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_IOMMUFD);
	if (ctx == NULL)
		return vm_cannot_run("kernel backend context: %s", rte_strerror(rte_errno));
	lfd = lib_iommufd();
	TH_EXPECT(lfd >= 0, "busy: the library's /dev/iommu fd found (%d)", lfd);
	if (lfd < 0)
		return 0;
	a = domain(ctx, "lc_busy");
	b = bind_nic(ctx, 0, &cdev);
	if (a == NULL || b == NULL)
		return 0;
	TH_EXPECT(rte_dma_domain_attach(b, a) == 0 && rte_dma_domain_detach(b) == 0,
		"busy: %s attached to and detached from lc_busy", nic[0]);
	probe_objs(lfd, &o);
	objs_print("after detach", &o);
	TH_EXPECT(o.ioas == 1 && o.hwpt == 1 && o.dev == 1 && o.other_err == 0,
		"busy: the kernel holds 1 ioas, 1 hwpt (kept for the next attach), 1 device");
	/* Behind the library's back: the cdev on the library's HWPT. */
	memset(&v, 0, sizeof(v));
	snprintf(v.bdf, sizeof(v.bdf), "%s", nic[0]);
	v.fd = cdev;
	rc = vm_attach_try(&v, o.first_hwpt, NULL);
	TH_EXPECT(rc == 0, "busy: %s attached directly to hwpt %u (%d)", nic[0], o.first_hwpt, rc);

	TH_EXPECT(rte_dma_domain_ctx_info_get(ctx, &i0) == 0, "busy: ctx info");
	rc = rte_dma_domain_destroy(a);
	TH_EXPECT(rc == -EBUSY && rte_errno == EBUSY,
		"busy: destroy refused by the kernel: %d (expected -EBUSY)", rc);
	TH_EXPECT(rte_dma_domain_ctx_info_get(ctx, &i1) == 0 &&
		i1.destroy_failures == i0.destroy_failures + 1 && i1.nb_domains == 1,
		"busy: counted (destroy_failures %" PRIu64 " -> %" PRIu64 "), domain kept (%u)",
		i0.destroy_failures, i1.destroy_failures, i1.nb_domains);
	TH_EXPECT(rte_dma_domain_lookup("lc_busy") == a &&
		rte_dma_domain_covers(a, MAP_IOVA, MAP_LEN, RTE_DMA_DOMAIN_ACCESS_RW, NULL) == 1,
		"busy: lc_busy still listed with its mapping");
	probe_objs(lfd, &o);
	objs_print("after the refused destroy", &o);
	TH_EXPECT(o.ioas == 1 && o.hwpt == 1,
		"busy: the kernel still holds the domain's ioas and hwpt");
	TH_EXPECT(rte_dma_domain_ctx_close(ctx) == -EBUSY && lib_iommufd() == lfd,
		"busy: the context refuses to close while lc_busy and the binding exist");

	vm_detach(&v);
	rc = rte_dma_domain_destroy(a);
	TH_EXPECT(rc == 0, "busy: destroyed after the detach (%d)", rc);
	probe_objs(lfd, &o);
	objs_print("after the destroy", &o);
	TH_EXPECT(o.ioas == 0 && o.hwpt == 0 && o.dev == 1,
		"busy: the kernel's ioas and hwpt are gone");
	TH_EXPECT(rte_dma_domain_unbind(b) == 0, "busy: unbind");
	close(cdev);
	probe_objs(lfd, &o);
	TH_EXPECT(o.ioas == 0 && o.hwpt == 0 && o.dev == 0, "busy: no object left in the kernel");
	TH_EXPECT(rte_dma_domain_ctx_close(ctx) == 0, "busy: context closed");
	TH_EXPECT(lib_iommufd() < 0 && fd_count() == fd0,
		"busy: /dev/iommu and the fault source closed (fds %d, before the context %d)",
		fd_count(), fd0);
	TH_EXPECT(rte_dma_domain_ctx_close(ctx) == 0 && rte_dma_domain_ctx_close(NULL) == 0,
		"busy: closing again, or NULL, is a no-op");
	return 0;
}

/* ---- churn: 1000 create/bind/attach/unbind/destroy rounds ----------- */

static bool
churn_round(struct rte_dma_domain_ctx *ctx, unsigned int i, const char *brk)
{
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *a, *c;
	char na[32], nc[32];
	bool ok = true;
	int cdev;

	snprintf(na, sizeof(na), "lc_a%u", i);
	snprintf(nc, sizeof(nc), "lc_b%u", i);
	a = domain(ctx, na);
	c = domain(ctx, nc);
	b = bind_nic(ctx, i % 2, &cdev);
	if (a == NULL || c == NULL || b == NULL)
		return false;
	ok &= rte_dma_domain_attach(b, a) == 0;
	ok &= rte_dma_domain_detach(b) == 0;
	ok &= rte_dma_domain_attach(b, c) == 0;
	if (i == 0) {
		/* The probe sees what is live: 2 IOAS, a HWPT in each, the
		 * device.
		 */
		struct vm_objs o;

		probe_objs(lib_iommufd(), &o);
		objs_print("in round 0", &o);
		TH_EXPECT(o.ioas == 2 && o.hwpt == 2 && o.dev == 1 && o.other_err == 0,
			"churn: the probe sees round 0's 2 ioas, 2 hwpt, 1 device");
	}
	ok &= rte_dma_domain_unbind(b) == 0;
	/* (broken on the last round: a later bind of the NIC would fail) */
	if (!(brk != NULL && strcmp(brk, "close") == 0 && i == CHURN_ROUNDS - 1))
		close(cdev);
	ok &= rte_dma_domain_destroy(a) == 0;
	if (!(brk != NULL && strcmp(brk, "destroy") == 0 && i == CHURN_ROUNDS / 2))
		ok &= rte_dma_domain_destroy(c) == 0;
	return ok;
}

static int
destroy_cb(struct rte_dma_domain *d, void *arg)
{
	RTE_SET_USED(arg);
	rte_dma_domain_destroy(d);
	return 0;
}

static int
case_churn(void)
{
	const char *brk = getenv("VM_LIFECYCLE_BREAK");
	struct rte_dma_domain_ctx_info info;
	struct rte_dma_domain_ctx *ctx;
	struct vm_objs base, o;
	unsigned int i, bad = 0;
	int fd0, fdb, lfd, rc;
	uint64_t t0;

	rc = lib_setup();
	if (rc != 0)
		return rc;
	fd0 = fd_count();
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_IOMMUFD);
	if (ctx == NULL)
		return vm_cannot_run("kernel backend context: %s", rte_strerror(rte_errno));
	lfd = lib_iommufd();
	TH_EXPECT(lfd >= 0, "churn: the library's /dev/iommu fd found (%d)", lfd);
	if (lfd < 0)
		return 0;
	probe_objs(lfd, &base);
	fdb = fd_count();
	objs_print("at start", &base);
	printf("fds at start: %d (%d before the context)\n", fdb, fd0);
	t0 = th_now_ns();
	for (i = 0; i < CHURN_ROUNDS; i++) {
		if (!churn_round(ctx, i, brk))
			bad++;
		if ((i + 1) % CHURN_CHECK_EVERY == 0) {
			probe_objs(lfd, &o);
			printf("round %u: fds %d; ", i + 1, fd_count());
			objs_print("", &o);
		}
	}
	printf("churn: %u rounds in %.1f s\n", CHURN_ROUNDS, (th_now_ns() - t0) / 1e9);
	probe_objs(lfd, &o);
	objs_print("at end", &o);
	TH_EXPECT(bad == 0, "churn: %u of %u rounds had a failed call", bad, CHURN_ROUNDS);
	TH_EXPECT(o.ioas == base.ioas && o.hwpt == base.hwpt && o.dev == base.dev &&
		o.other_err == 0,
		"churn: live iommufd objects flat: %u/%u/%u ioas/hwpt/device at end, %u/%u/%u at start",
		o.ioas, o.hwpt, o.dev, base.ioas, base.hwpt, base.dev);
	TH_EXPECT(fd_count() == fdb, "churn: fd count flat: %d at end, %d at start",
		fd_count(), fdb);
	TH_EXPECT(rte_dma_domain_ctx_info_get(ctx, &info) == 0 && info.nb_domains == 0 &&
		info.nb_bindings == 0 && info.destroy_failures == 0,
		"churn: the library holds %u domains, %u bindings, %" PRIu64 " refused destroys",
		info.nb_domains, info.nb_bindings, info.destroy_failures);
	/* Leftovers (a broken run) go before the close. */
	rte_dma_domain_foreach(destroy_cb, NULL);
	TH_EXPECT(rte_dma_domain_ctx_close(ctx) == 0, "churn: context closed");
	t0 = th_now_ns();
	rte_log_set_level_pattern("lib.dma_domain*", RTE_LOG_NOTICE); /* 2 lines a round */
	for (i = 0; i < CTX_ROUNDS; i++) {
		ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_IOMMUFD);
		if (ctx == NULL || rte_dma_domain_ctx_close(ctx) != 0)
			bad++;
	}
	printf("context open/close: %u rounds in %.1f s\n", CTX_ROUNDS, (th_now_ns() - t0) / 1e9);
	TH_EXPECT(bad == 0 && fd_count() == fd0,
		"churn: %u context open/close rounds: fds %d, %d before the first open",
		CTX_ROUNDS, fd_count(), fd0);
	return 0;
}

/* ---- hotplug: hugepage memory hotplug during swaps under traffic ----- */

#define WORKER 1
#define HP_LEN (16u << 20)   /* 8 hugepages of 2 MiB */
#define HP_SWAPS 20          /* at least, 2 NICs each */
#define HP_SWAPS_MAX 200     /* until HP_MIN_ROUNDS allocations overlapped */
#define HP_MIN_ROUNDS 6
#define PROGRESS_MS 2000

static struct vm_traffic tr;
static struct rte_dma_domain_binding *bnd[2];
static struct rte_dma_domain *hp_dom[2];
static RTE_ATOMIC(uint32_t) hp_stop;
static RTE_ATOMIC(uint32_t) hp_rounds;
/* EAL memory events seen (the test's own callback, next to the
 * library's): pages really hotplugged and given back.
 */
static RTE_ATOMIC(uint64_t) hp_events[2];

static void
hp_event_cb(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	RTE_SET_USED(addr);
	RTE_SET_USED(len);
	RTE_SET_USED(arg);
	rte_atomic_fetch_add_explicit(&hp_events[type == RTE_MEM_EVENT_FREE], 1,
			rte_memory_order_relaxed);
}

struct hp_stats {
	unsigned int rounds, alloc_failed, unmirrored;
};

static bool
progress(uint64_t since)
{
	return vm_traffic_progress(&tr, since, 32, PROGRESS_MS);
}

/* Allocate (hotplugging hugepages), check both mirrors map it, free
 * (or keep it in *out). 0; -1: no memory; 1: not mapped in a mirror.
 */
static int
hp_once(void **out)
{
	void *p = rte_malloc("vm_lc_hotplug", HP_LEN, 0);
	rte_iova_t iova;
	uint64_t gap = 0;
	int d, rc = 0;

	if (p == NULL) {
		printf("hotplug: rte_malloc(%u MiB): %s\n", HP_LEN >> 20, rte_strerror(rte_errno));
		return -1;
	}
	memset(p, 0xa5, 4096);
	iova = rte_malloc_virt2iova(p);
	for (d = 0; d < 2; d++) {
		if (rte_dma_domain_covers(hp_dom[d], iova, HP_LEN, RTE_DMA_DOMAIN_ACCESS_RW,
				&gap) != 1) {
			printf("hotplug: %s misses iova 0x%" PRIx64 " of [0x%" PRIx64 ", +%u MiB)\n",
				rte_dma_domain_name(hp_dom[d]), gap, (uint64_t)iova, HP_LEN >> 20);
			rc = 1;
		}
	}
	if (out != NULL)
		*out = p;
	else
		rte_free(p);
	return rc;
}

static void *
hp_thread(void *arg)
{
	struct hp_stats *s = arg;

	while (!rte_atomic_load_explicit(&hp_stop, rte_memory_order_acquire)) {
		int rc = hp_once(NULL);

		s->alloc_failed += rc < 0;
		s->unmirrored += rc > 0;
		s->rounds++;
		rte_atomic_store_explicit(&hp_rounds, s->rounds, rte_memory_order_relaxed);
	}
	return NULL;
}

static int
case_hotplug(const char *pmd)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain_swap_record rec;
	struct hp_stats hs = { 0 };
	unsigned int i, ok = 0, failed = 0, unclear = 0, stayed = 0, moved = 0;
	uint64_t ev_alloc, ev_free;
	void *kept = NULL;
	pthread_t th;
	int p, rc;

	rc = vm_eal_start("vm-lifecycle-test", pmd, NULL, nic);
	if (rc != 0)
		return rc;
	for (p = 0; p < 2; p++)
		bnd[p] = rte_dma_domain_binding_lookup(nic[p]);
	hp_dom[0] = rte_dma_domain_lookup("default");
	TH_EXPECT(bnd[0] != NULL && bnd[1] != NULL && hp_dom[0] != NULL,
		"hotplug: both NICs bound by the PMD, default domain exists");
	if (bnd[0] == NULL || bnd[1] == NULL || hp_dom[0] == NULL || vm_ports_start(&tr) != 0) {
		TH_EXPECT(false, "hotplug: ports 0 and 1 up");
		rte_eal_cleanup();
		return 0;
	}
	hp_dom[1] = rte_dma_domain_create(rte_dma_domain_binding_ctx(bnd[0]), "vm_lc_hp",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	TH_EXPECT(hp_dom[1] != NULL, "hotplug: mirror domain vm_lc_hp");
	rte_atomic_store_explicit(&tr.stop, 0, rte_memory_order_relaxed);
	if (hp_dom[1] == NULL)
		goto out;
	if (rte_eal_remote_launch(vm_traffic_loop, &tr, WORKER) != 0) {
		TH_EXPECT(false, "hotplug: traffic lcore %u launched", WORKER);
		goto out;
	}
	if (!progress(0)) {
		TH_EXPECT(false, "hotplug: traffic flows before the first swap");
		goto stop_traffic;
	}
	TH_EXPECT(rte_mem_event_callback_register("vm_lc_count", hp_event_cb, NULL) == 0,
		"hotplug: memory event counter registered");
	rte_atomic_store_explicit(&hp_stop, 0, rte_memory_order_relaxed);
	if (pthread_create(&th, NULL, hp_thread, &hs) != 0) {
		TH_EXPECT(false, "hotplug: allocator thread started");
		goto stop_traffic;
	}
	/* NIC 1 starts on vm_lc_hp: the NICs are on different domains
	 * from here on, each swap moving both the other way.
	 */
	rc = rte_dma_domain_replace(bnd[1], hp_dom[1], &o);
	TH_EXPECT(rc == 0, "hotplug: %s on vm_lc_hp first (%d)", nic[1], rc);
	/* At least HP_SWAPS rounds, and until HP_MIN_ROUNDS allocations
	 * (with their events) ran during them.
	 */
	for (i = 0; i < HP_SWAPS_MAX && (i < HP_SWAPS ||
			rte_atomic_load_explicit(&hp_rounds,
					rte_memory_order_relaxed) < HP_MIN_ROUNDS); i++) {
		for (p = 0; p < 2; p++) {
			struct rte_dma_domain *from = rte_dma_domain_binding_domain(bnd[p]);
			struct rte_dma_domain *to = hp_dom[from == hp_dom[0]];
			uint64_t rx = rte_atomic_load_explicit(&tr.rx_total,
					rte_memory_order_relaxed);

			rc = rte_dma_domain_replace(bnd[p], to, &o);
			memset(&rec, 0, sizeof(rec));
			rte_dma_domain_last_swap(bnd[p], &rec);
			if (rc == 0 && rte_dma_domain_binding_domain(bnd[p]) == to) {
				ok++;
			} else {
				failed++;
				printf("hotplug: replace %s -> %s: %d (%s)\n", nic[p],
					rte_dma_domain_name(to), rc, rec.reason);
				if (rec.reason[0] == '\0' || rc == 0)
					unclear++;
				if (rte_dma_domain_binding_domain(bnd[p]) == from)
					stayed++;
			}
			if (progress(rx))
				moved++;
		}
	}
	rte_atomic_store_explicit(&hp_stop, 1, rte_memory_order_release);
	pthread_join(th, NULL);
	ev_alloc = rte_atomic_load_explicit(&hp_events[0], rte_memory_order_relaxed);
	ev_free = rte_atomic_load_explicit(&hp_events[1], rte_memory_order_relaxed);
	printf("hotplug: %u swaps ok, %u failed; %u allocations of %u MiB during them"
		" (%u failed, %u not mirrored); memory events: %" PRIu64 " alloc, %" PRIu64
		" free\n",
		ok, failed, hs.rounds, HP_LEN >> 20, hs.alloc_failed, hs.unmirrored,
		ev_alloc, ev_free);
	TH_EXPECT(ev_alloc > 0 && ev_free > 0,
		"hotplug: hugepages were hotplugged (%" PRIu64
		" alloc events) and given back (%" PRIu64 " free events) during the swaps",
		ev_alloc, ev_free);
	TH_EXPECT(ok + failed == 2 * i && unclear == 0 && stayed == failed,
		"hotplug: every swap succeeded (%u) or failed with a reason, on its old domain (%u of %u)",
		ok, stayed, failed);
	TH_EXPECT(moved == 2 * i, "hotplug: traffic moved after %u of %u swaps",
		moved, 2 * i);
	TH_EXPECT(hs.rounds >= HP_MIN_ROUNDS && hs.alloc_failed == 0 && hs.unmirrored == 0,
		"hotplug: %u hotplug allocations during the swaps, each mapped in both mirrors",
		hs.rounds);
	/* After the swaps: new memory is mapped where each NIC is now. */
	TH_EXPECT(hp_once(&kept) == 0, "hotplug: memory added after the swaps is mapped in both mirrors");
	for (p = 0; p < 2 && kept != NULL; p++) {
		const struct rte_dma_domain *on = rte_dma_domain_binding_domain(bnd[p]);

		TH_EXPECT(rte_dma_domain_covers(on, rte_malloc_virt2iova(kept), HP_LEN,
			RTE_DMA_DOMAIN_ACCESS_RW, NULL) == 1,
			"hotplug: %s: the hotplugged memory is mapped in %s, the domain it is on",
			nic[p], rte_dma_domain_name(on));
	}
	rte_free(kept);
	/* Back to default while the poller runs (a quiesce needs it). */
	for (p = 0; p < 2; p++)
		if (rte_dma_domain_binding_domain(bnd[p]) != hp_dom[0])
			TH_EXPECT(rte_dma_domain_replace(bnd[p], hp_dom[0], &o) == 0,
				"hotplug: %s back on default", nic[p]);
stop_traffic:
	rte_atomic_store_explicit(&tr.stop, 1, rte_memory_order_release);
	rte_eal_wait_lcore(WORKER);
	vm_traffic_print(&tr, "hotplug");
	TH_EXPECT(vm_traffic_lost(&tr) == 0 && tr.f[0].corrupt + tr.f[1].corrupt == 0 &&
		tr.f[0].gaps + tr.f[1].gaps + tr.f[0].late + tr.f[1].late == 0,
		"hotplug: no frame lost (%" PRIu64 "), gapped, late or corrupt",
		vm_traffic_lost(&tr));
out:
	if (hp_dom[1] != NULL)
		TH_EXPECT(rte_dma_domain_destroy(hp_dom[1]) == 0, "hotplug: vm_lc_hp destroyed");
	vm_ports_stop();
	rte_eal_cleanup();
	return 0;
}

/* vm-lifecycle-test hotplug PMD.so */
static int
run_hotplug(void)
{
	const char *pmd = th_arg(0, NULL);

	TH_REQUIRE(pmd != NULL, "hotplug needs the PMD's path: vm-lifecycle-test hotplug PMD.so");
	return case_hotplug(pmd);
}

static const struct th_case cases[] = {
	{ "busy", "vm", case_busy, NULL, NULL },
	{ "churn", "vm", case_churn, NULL, NULL },
	{ "hotplug", "vm", run_hotplug, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
