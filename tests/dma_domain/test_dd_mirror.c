/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * F_MIRROR cases (each needs its own EAL, so one case per process):
 *   mirror_static   --no-huge: a mirror domain maps rte_malloc memory at
 *                   its IOVA; mapped bytes == all memseg bytes
 *   mirror_extmem   (hugepages: the EAL sends no memory events in legacy
 *                   memory mode, which --no-huge implies) memory added to
 *                   an external heap arrives as a memory event and is
 *                   mapped into the existing mirror domain before
 *                   rte_malloc can hand it out; removing it unmaps it
 *   mirror_huge     dynamic hugepage memory: rte_malloc beyond the first
 *                   pages triggers hotplug; reserves 2 MiB hugepages if
 *                   the system has too few (skip 77 if it cannot)
 *   mirror_swap     a replace between two mirror domains whose driver
 *                   callback needs the EAL memory hotplug lock while a
 *                   memory event of another thread holds it and waits in
 *                   the mirror callback for the library's lock: must not
 *                   deadlock (no callback runs under that lock)
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "tdd.h"

#define HP_SYS TDD_HP_SYS
#define HP_WANT 48

static struct rte_dma_domain_ctx *ctx;

static int
case_static(void)
{
	struct rte_dma_domain *d = rte_dma_domain_create(ctx, "mir", RTE_DMA_DOMAIN_PAGING,
			RTE_DMA_DOMAIN_F_MIRROR);
	void *buf = rte_malloc(NULL, 1 << 20, 4096);

	TH_CHECK(d != NULL && buf != NULL, "setup: %s", rte_strerror(rte_errno));
	if (d == NULL || buf == NULL)
		return 1;
	TH_CHECK(tdd_mirrored(d, buf, 1 << 20, 4096), "rte_malloc buffer not mirrored");
	TH_CHECK(rte_dma_domain_mapped_bytes(d) == tdd_memseg_bytes(),
		"mapped %" PRIu64 " != memsegs %" PRIu64,
		rte_dma_domain_mapped_bytes(d), tdd_memseg_bytes());
	TH_CHECK(rte_dma_domain_create(ctx, "mir-id", RTE_DMA_DOMAIN_IDENTITY,
		RTE_DMA_DOMAIN_F_MIRROR) == NULL && rte_errno == EINVAL, "mirror identity");
	rte_free(buf);
	TH_CHECK_RC(rte_dma_domain_destroy(d), 0);
	return 0;
}

static int
case_extmem(void)
{
	const size_t len = 4 << 20;
	struct rte_dma_domain *d = rte_dma_domain_create(ctx, "mir", RTE_DMA_DOMAIN_PAGING,
			RTE_DMA_DOMAIN_F_MIRROR);
	uint64_t before;
	void *area, *buf;
	int sock;

	TH_CHECK(d != NULL, "create: %s", rte_strerror(rte_errno));
	if (d == NULL)
		return 1;
	before = rte_dma_domain_mapped_bytes(d);
	area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TH_CHECK(area != MAP_FAILED, "mmap");
	TH_CHECK_RC(rte_malloc_heap_create("dd_ext"), 0);
	/* the ALLOC event fires inside this call */
	TH_CHECK_RC(rte_malloc_heap_memory_add("dd_ext", area, len, NULL, 0, 4096), 0);
	TH_CHECK(rte_dma_domain_mapped_bytes(d) == before + len,
		"external memory not mirrored: %" PRIu64 " -> %" PRIu64, before,
		rte_dma_domain_mapped_bytes(d));
	sock = rte_malloc_heap_get_socket("dd_ext");
	buf = rte_malloc_socket(NULL, 64 << 10, 4096, sock);
	TH_CHECK(buf != NULL && tdd_mirrored(d, buf, 64 << 10, 4096), "buffer from the new heap");
	rte_free(buf);
	TH_CHECK_RC(rte_malloc_heap_memory_remove("dd_ext", area, len), 0);
	TH_CHECK(rte_dma_domain_mapped_bytes(d) == before, "not unmapped on removal: %" PRIu64,
		rte_dma_domain_mapped_bytes(d));
	rte_malloc_heap_destroy("dd_ext");
	munmap(area, len);
	TH_CHECK_RC(rte_dma_domain_destroy(d), 0);
	return 0;
}

static int
sysfs_set(const char *f, long v)
{
	char p[256];
	FILE *fp;
	int rc;

	snprintf(p, sizeof(p), HP_SYS "%s", f);
	fp = fopen(p, "w");
	if (fp == NULL)
		return -1;
	rc = fprintf(fp, "%ld\n", v) > 0 ? 0 : -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

static long hp_restore = -1;

/* Make sure HP_WANT free 2 MiB hugepages exist; returns false (and says
 * why) if not possible.
 */
static bool
hugepages_ready(void)
{
	long nr = tdd_hugepages_get("nr_hugepages"), fr = tdd_hugepages_get("free_hugepages");

	if (nr < 0) {
		printf("SKIP: no 2 MiB hugepage support (%s missing)\n", HP_SYS);
		return false;
	}
	if (fr >= HP_WANT)
		return true;
	if (sysfs_set("nr_hugepages", nr + HP_WANT - fr) < 0 ||
			tdd_hugepages_get("free_hugepages") < HP_WANT) {
		printf("SKIP: cannot reserve %d free 2 MiB hugepages (have %ld)\n",
			HP_WANT, tdd_hugepages_get("free_hugepages"));
		if (tdd_hugepages_get("nr_hugepages") != nr)
			sysfs_set("nr_hugepages", nr);
		return false;
	}
	hp_restore = nr;
	return true;
}

static int
case_huge(void)
{
	struct rte_dma_domain *d = rte_dma_domain_create(ctx, "mir", RTE_DMA_DOMAIN_PAGING,
			RTE_DMA_DOMAIN_F_MIRROR);
	uint64_t before, grown;
	void *buf;

	TH_CHECK(d != NULL, "create: %s", rte_strerror(rte_errno));
	if (d == NULL)
		return 1;
	before = rte_dma_domain_mapped_bytes(d);
	TH_CHECK(before == tdd_memseg_bytes(), "initial %" PRIu64 " vs %" PRIu64, before,
		tdd_memseg_bytes());
	/* more than what the EAL holds now: new hugepages are allocated */
	buf = rte_malloc(NULL, 32 << 20, 4096);
	TH_CHECK(buf != NULL, "rte_malloc 32 MiB");
	if (buf == NULL)
		return 1;
	grown = rte_dma_domain_mapped_bytes(d);
	printf("  mirror: %" PRIu64 " MiB before, %" PRIu64 " MiB after rte_malloc\n",
		before >> 20, grown >> 20);
	TH_CHECK(grown > before, "hotplugged memory not mirrored");
	TH_CHECK(grown == tdd_memseg_bytes(), "mapped %" PRIu64 " != memsegs %" PRIu64, grown,
		tdd_memseg_bytes());
	TH_CHECK(tdd_mirrored(d, buf, 32 << 20, 4096), "buffer not mirrored at its IOVA");
	rte_free(buf);
	TH_CHECK(rte_dma_domain_mapped_bytes(d) == tdd_memseg_bytes(),
		"after free: mapped %" PRIu64 " != memsegs %" PRIu64,
		rte_dma_domain_mapped_bytes(d), tdd_memseg_bytes());
	TH_CHECK_RC(rte_dma_domain_destroy(d), 0);
	return 0;
}

static struct {
	void *area;
	size_t len;
	uint32_t armed, in_event, go, done;
	int add_rc, sock;
} ms;

/* Registered before the mirror's callback: runs first, under the EAL's
 * memory hotplug lock, right before the mirror callback takes dd_lock.
 */
static void
ms_event_cb(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	RTE_SET_USED(type);
	RTE_SET_USED(addr);
	RTE_SET_USED(len);
	RTE_SET_USED(arg);
	if (__atomic_load_n(&ms.armed, __ATOMIC_ACQUIRE))
		__atomic_store_n(&ms.in_event, 1, __ATOMIC_RELEASE);
}

/* Another thread adds memory: the EAL takes the hotplug lock (write)
 * and calls the memory event callbacks.
 */
static void *
ms_add_thread(void *arg)
{
	RTE_SET_USED(arg);
	while (!__atomic_load_n(&ms.go, __ATOMIC_ACQUIRE))
		sched_yield();
	ms.add_rc = rte_malloc_heap_memory_add("dd_swap", ms.area, ms.len, NULL, 0, 4096);
	return NULL;
}

/* The swap's driver callback, once the other thread is inside the
 * memory event: a call that takes the hotplug lock (read).
 */
static void
ms_quiesce(struct fake_drv *f, uint16_t qid)
{
	RTE_SET_USED(f);
	if (qid != 0 || ms.done++ != 0)
		return;
	__atomic_store_n(&ms.go, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&ms.in_event, __ATOMIC_ACQUIRE))
		sched_yield();
	ms.sock = rte_malloc_heap_get_socket("dd_swap");
}

static int
case_swap(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct rte_dma_domain *a, *b;
	uint64_t before_a, before_b;
	struct fake_drv f;
	pthread_t t;
	void *bufs;

	memset(&ms, 0, sizeof(ms));
	TH_CHECK_RC(rte_mem_event_callback_register("dd_test_probe", ms_event_cb, NULL), 0);
	a = rte_dma_domain_create(ctx, "ms-a", RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	b = rte_dma_domain_create(ctx, "ms-b", RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	/* the fake device's buffers in DPDK memory: both mirrors map them */
	bufs = rte_malloc(NULL, 4 * FAKE_BUFS * FAKE_BUF_SIZE, 64 << 10);
	TH_CHECK(a != NULL && b != NULL && bufs != NULL, "setup: %s", rte_strerror(rte_errno));
	if (a == NULL || b == NULL || bufs == NULL)
		return 1;
	TH_CHECK_RC(fake_bind(&f, "ms-dev", 2, rte_malloc_virt2iova(bufs)), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	ms.len = 4 << 20;
	ms.area = mmap(NULL, ms.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TH_CHECK(ms.area != MAP_FAILED, "mmap");
	TH_CHECK_RC(rte_malloc_heap_create("dd_swap"), 0);
	before_a = rte_dma_domain_mapped_bytes(a);
	before_b = rte_dma_domain_mapped_bytes(b);
	__atomic_store_n(&ms.armed, 1, __ATOMIC_RELEASE);
	f.on_quiesce = ms_quiesce;
	TH_CHECK(pthread_create(&t, NULL, ms_add_thread, NULL) == 0, "pthread_create");
	th_watchdog(30, "mirror_swap: a driver callback ran under the library's lock while a memory event waited for it (deadlock)");
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	pthread_join(t, NULL);
	th_watchdog_off();
	f.on_quiesce = NULL;
	__atomic_store_n(&ms.armed, 0, __ATOMIC_RELEASE);
	TH_CHECK(ms.done == 1 && ms.add_rc == 0 && ms.sock >= 0, "callback %u, memory add %d, socket %d",
		ms.done, ms.add_rc, ms.sock);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == b && fake_buffers(&f) == 2 * FAKE_BUFS,
		"swap did not complete");
	/* the event mapped the new memory into both mirrors, during the swap */
	TH_CHECK(rte_dma_domain_mapped_bytes(a) == before_a + ms.len &&
		rte_dma_domain_mapped_bytes(b) == before_b + ms.len, "memory added during the swap not mirrored");
	TH_CHECK_RC(rte_malloc_heap_memory_remove("dd_swap", ms.area, ms.len), 0);
	rte_malloc_heap_destroy("dd_swap");
	munmap(ms.area, ms.len);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_free(bufs);
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	rte_mem_event_callback_unregister("dd_test_probe", NULL);
	return 0;
}

/* Start EAL for one case: --no-huge (64 MiB of legacy memory) for
 * mirror_static, hugepages (dynamic memory) for the others.
 */
static int
setup_eal(const struct th_case *c)
{
	static char prefix[64];
	static const char *const nohuge[] = { "test-dma-domain-mirror", "--no-huge",
		"-m", "64", "--no-shconf", "--no-pci", "--no-telemetry", "-l", "0",
		"--file-prefix", prefix, NULL };
	static const char *const huge[] = { "test-dma-domain-mirror", "--in-memory",
		"--no-pci", "--no-telemetry", "-l", "0", "--file-prefix", prefix, NULL };
	const char *const *args = nohuge;
	int n = RTE_DIM(nohuge) - 1;
	/* writable: the EAL reorders its argv */
	char *eal[RTE_DIM(nohuge)];

	snprintf(prefix, sizeof(prefix), "ddmir%d", (int)getpid());
	if (strcmp(c->name, "mirror_huge") == 0 ||
			strcmp(c->name, "mirror_extmem") == 0 ||
			strcmp(c->name, "mirror_swap") == 0) {
		if (!hugepages_ready())
			return TH_SKIP;
		args = huge;
		n = RTE_DIM(huge) - 1;
	}
	memcpy(eal, args, (n + 1) * sizeof(eal[0]));
	if (rte_eal_init(n, eal) < 0) {
		/* Only the hugepage cases depend on the machine (free 2 MiB
		 * pages another process may take meanwhile).
		 */
		printf("%s: EAL init failed: %s\n", args == huge ? "SKIP" : "FAIL",
			rte_strerror(rte_errno));
		return args == huge ? TH_SKIP : 1;
	}
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	return 0;
}

static void
teardown_eal(const struct th_case *c)
{
	RTE_SET_USED(c);
	rte_eal_cleanup();
}

static const struct th_case cases[] = {
	{ "mirror_static", "unit", case_static, setup_eal, teardown_eal },
	{ "mirror_extmem", "unit", case_extmem, setup_eal, teardown_eal },
	{ "mirror_huge", "unit", case_huge, setup_eal, teardown_eal },
	{ "mirror_swap", "unit", case_swap, setup_eal, teardown_eal },
};

int
main(int argc, char **argv)
{
	int rc = th_main(argc, argv, cases, RTE_DIM(cases), TH_ONE_PER_PROCESS);

	if (hp_restore >= 0)
		sysfs_set("nr_hugepages", hp_restore);
	return rc;
}
