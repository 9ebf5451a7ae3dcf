/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Unit cases of librte_dma_domain on the soft backend (no EAL needed).
 * Run one case: test-dma-domain-unit <case>.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>

#include <rte_errno.h>
#include <rte_version.h>
#include <rte_log.h>
#include <rte_trace.h>
#include <rte_trace_point.h>

#include "tdd.h"
#include "dma_domain_test.h"

/* Whether this DPDK compiles rte_trace points in (25.11: RTE_TRACE). */
static bool
tdd_trace_enabled(void)
{
#if RTE_VERSION_NUM(23, 0, 0, 0) <= RTE_VERSION
	return rte_trace_feature_is_enabled();
#else
	return true;
#endif
}

#define K4 0x1000ull
#define M2 0x200000ull
#define RW RTE_DMA_DOMAIN_ACCESS_RW
#define RD RTE_DMA_DOMAIN_ACCESS_READ
#define WR RTE_DMA_DOMAIN_ACCESS_WRITE

static struct rte_dma_domain_ctx *ctx;
static char *mem; /* 8 MiB, 2 MiB aligned */

static struct rte_dma_domain *
mkdom(const char *name)
{
	return tdd_domain(ctx, name);
}

/*
 * The errno table, and where each entry comes from in Linux iommufd
 * (drivers/iommu/iommufd, v6.12):
 *
 * op     input                              errno      kernel source
 * map    length 0                           EINVAL     iopt_map_pages/ioas.c
 * map    no access bit                      EINVAL     iommufd_ioas_map flags
 * map    IOVA not 4 KiB aligned             EINVAL     iopt_check_iova
 * map    iova + length wraps                EOVERFLOW  iopt_check_iova
 * map    overlaps a mapping (any part)      EEXIST     iopt_check_iova
 * map    adjacent to a mapping              0          (areas do not merge)
 * map    non-paging domain                  ENOTSUP    (no IOAS: ours)
 * map    beyond the soft model's 48 bits    ERANGE     (the model's space)
 * unmap  (0, UINT64_MAX) on empty domain    0          iopt_unmap_all
 * unmap  length 0                           EINVAL     iopt_unmap_iova
 * unmap  iova + length wraps                EOVERFLOW  iopt_unmap_iova
 * unmap  nothing mapped in range            ENOENT     iommufd_ioas_unmap
 * unmap  range cuts a mapping               ENOENT     iopt_unmap_iova_range
 * unmap  range covers 2 whole mappings      0          (both unmapped)
 * copy   hole in the source range           ENOENT     iopt_get_pages
 * copy   part of a source mapping           0          iopt_get_pages
 * copy   write from a read-only mapping     EPERM      iopt_insert_area
 * copy   destination overlaps               EEXIST     iopt_check_iova
 * copy   write from read-only onto overlap  EEXIST     iopt_alloc_area_pages
 *        (the destination is checked before the access)
 */
static int
case_map_errno(void)
{
	struct rte_dma_domain *d = mkdom("map");
	struct rte_dma_domain *idn = rte_dma_domain_create(ctx, "map-id",
			RTE_DMA_DOMAIN_IDENTITY, 0);
	uint64_t u;

	TH_CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, 0, RW), -EINVAL);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, K4, 0), -EINVAL);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x100800, mem, K4, RW), -EINVAL);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x100000, mem + 8, K4, RW), -EINVAL);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, 100, RW), -EINVAL);
	TH_CHECK_RC(rte_dma_domain_map(d, UINT64_MAX & ~(K4 - 1), mem, 2 * K4, RW), -EOVERFLOW);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, 4 * K4, RW), 0);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, K4, RW), -EEXIST);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x0ff000, mem, 2 * K4, RW), -EEXIST);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x103000, mem, 2 * K4, RW), -EEXIST);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x0fe000, mem, 8 * K4, RW), -EEXIST);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x104000, mem, K4, RW), 0); /* adjacent */
	TH_CHECK_RC(rte_dma_domain_map(d, 0x0ff000, mem, K4, RD), 0); /* adjacent */
	TH_CHECK(rte_dma_domain_mapped_bytes(d) == 6 * K4, "bytes %" PRIu64,
		rte_dma_domain_mapped_bytes(d));
	TH_CHECK_RC(rte_dma_domain_map(idn, 0, mem, K4, RW), -ENOTSUP);
	/* beyond the soft model's 48-bit IOVA space (rte_dma_domain_map doc) */
	TH_CHECK_RC(rte_dma_domain_map(d, 1ULL << 48, mem, K4, RW), -ERANGE);
	TH_CHECK_RC(rte_dma_domain_map(d, (1ULL << 48) - K4, mem, 2 * K4, RW), -ERANGE);
	TH_CHECK(rte_dma_domain_mapped_bytes(d) == 6 * K4, "refused map changed state");

	/* unmap */
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0x100000, 0, NULL), -EINVAL);
	TH_CHECK_RC(rte_dma_domain_unmap(d, UINT64_MAX - K4, 2 * K4, NULL), -EOVERFLOW);
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0x200000, K4, NULL), -ENOENT);
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0x101000, K4, NULL), -ENOENT); /* cuts */
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0x100000, 2 * K4, NULL), -ENOENT);
	/* a refused unmap changes nothing (the kernel may unmap earlier areas) */
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0x0ff000, 3 * K4, NULL), -ENOENT);
	TH_CHECK(rte_dma_domain_mapped_bytes(d) == 6 * K4, "refused unmap changed state");
	u = 0;
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0x0ff000, 5 * K4, &u), 0); /* 2 whole */
	TH_CHECK(u == 5 * K4, "unmapped %" PRIu64, u);
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0, UINT64_MAX, &u), 0);
	TH_CHECK(u == K4 && rte_dma_domain_mapped_bytes(d) == 0, "unmap all %" PRIu64, u);
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0, UINT64_MAX, &u), 0); /* empty: ok */
	TH_CHECK_RC(rte_dma_domain_destroy(d), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(idn), 0);
	return 0;
}

static int
case_copy(void)
{
	struct rte_dma_domain *a = mkdom("copy-a"), *b = mkdom("copy-b");
	struct rte_dma_domain_mapping m;
	uint64_t gap = 0;

	/* fuzz_domain: from an empty source (its table NULL) the hole check
	 * formed &NULL[0] (UBSan under clang); -ENOENT, nothing changed
	 */
	TH_CHECK_RC(rte_dma_domain_copy(a, 0x80000, b, 0x10000, 2 * K4, RW), -ENOENT);
	TH_CHECK(rte_dma_domain_mapped_bytes(a) == 0, "refused copy changed a");
	TH_CHECK_RC(rte_dma_domain_map(a, 0x10000, mem, 4 * K4, RW), 0);
	TH_CHECK_RC(rte_dma_domain_map(a, 0x14000, mem + 0x10000, 4 * K4, RD), 0);
	/* fuzz_domain: beyond the soft model's 48-bit IOVA space, -ERANGE
	 * (now documented), nothing changed
	 */
	TH_CHECK_RC(rte_dma_domain_copy(b, 1ULL << 48, a, 0x10000, K4, RW), -ERANGE);
	TH_CHECK_RC(rte_dma_domain_copy(b, (1ULL << 48) - K4, a, 0x10000, 2 * K4, RW), -ERANGE);
	TH_CHECK(rte_dma_domain_mapped_bytes(b) == 0, "refused copy changed b");
	TH_CHECK_RC(rte_dma_domain_copy(b, 0x80000, a, 0x10000, 0, RW), -EINVAL);
	TH_CHECK_RC(rte_dma_domain_copy(b, 0x80000, a, 0x0f000, 2 * K4, RD), -ENOENT);
	TH_CHECK_RC(rte_dma_domain_copy(b, 0x80000, a, 0x10000, 8 * K4, RW), -EPERM);
	TH_CHECK(rte_dma_domain_mapped_bytes(b) == 0, "refused copy changed b");
	/* a part of one mapping plus a part of the next */
	TH_CHECK_RC(rte_dma_domain_copy(b, 0x80000, a, 0x12000, 4 * K4, RD), 0);
	TH_CHECK(rte_dma_domain_mapped_bytes(b) == 4 * K4, "b bytes");
	TH_CHECK_RC(rte_dma_domain_query(b, 0x81000, &m), 0);
	TH_CHECK(m.va == mem + 0x2000 && m.len == 2 * K4, "piece 1 va %p len %" PRIx64, m.va,
		m.len);
	TH_CHECK_RC(rte_dma_domain_query(b, 0x82000, &m), 0);
	TH_CHECK(m.va == mem + 0x10000, "piece 2 va %p", m.va);
	TH_CHECK(rte_dma_domain_covers(b, 0x80000, 4 * K4, RD, &gap) == 1, "covers");
	TH_CHECK(rte_dma_domain_covers(b, 0x80000, 5 * K4, RD, &gap) == 0 &&
		gap == 0x84000, "gap 0x%" PRIx64, gap);
	/* copied read-only: no write access anywhere */
	TH_CHECK(rte_dma_domain_covers(b, 0x80000, 4 * K4, RW, &gap) == 0 &&
		gap == 0x80000, "write gap 0x%" PRIx64, gap);
	TH_CHECK_RC(rte_dma_domain_copy(b, 0x81000, a, 0x10000, K4, RD), -EEXIST);
	/* both wrong: write from the read-only source onto b's mapping; the
	 * kernel checks the destination first
	 */
	TH_CHECK_RC(rte_dma_domain_copy(b, 0x81000, a, 0x14000, K4, RW), -EEXIST);
	/* a hole in the source wins over both */
	TH_CHECK_RC(rte_dma_domain_copy(b, 0x81000, a, 0x17000, 2 * K4, RW), -ENOENT);
	TH_CHECK(rte_dma_domain_mapped_bytes(b) == 4 * K4, "refused copies changed b");
	/* fuzz_domain: a copy within one domain, below two source mappings,
	 * looped for ever (the first piece shifted the source's table)
	 */
	th_watchdog(10, "copy within one domain");
	TH_CHECK_RC(rte_dma_domain_copy(a, 0x2000, a, 0x13000, 2 * K4, RD), 0);
	th_watchdog_off();
	TH_CHECK_RC(rte_dma_domain_query(a, 0x2000, &m), 0);
	TH_CHECK(m.va == mem + 0x3000 && m.len == K4, "same-domain piece 1 va %p len %" PRIx64,
		m.va, m.len);
	TH_CHECK_RC(rte_dma_domain_query(a, 0x3000, &m), 0);
	TH_CHECK(m.va == mem + 0x10000 && m.len == K4, "same-domain piece 2 va %p len %" PRIx64,
		m.va, m.len);
	TH_CHECK(rte_dma_domain_mapped_bytes(a) == 10 * K4, "a bytes %" PRIu64,
		rte_dma_domain_mapped_bytes(a));
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

/* 2 MiB leaves, permissions, kinds and the exact fault log. */
static int
case_soft_translate(void)
{
	struct rte_dma_domain *d = mkdom("xl");
	struct rte_dma_domain *blk = rte_dma_domain_create(ctx, "xl-block",
			RTE_DMA_DOMAIN_BLOCKING, 0);
	struct rte_dma_domain *idn = rte_dma_domain_create(ctx, "xl-id",
			RTE_DMA_DOMAIN_IDENTITY, 0);
	struct rte_dma_domain_binding_params p = { .name = "xl-dev", .dev_fd = -1 };
	struct rte_dma_domain_binding *b = rte_dma_domain_bind(ctx, &p);
	struct rte_dma_domain_soft_fault fl[4];
	char buf[64];
	int err = 0;
	void *h;

	TH_CHECK(b != NULL && blk != NULL && idn != NULL, "setup");
	/* 2 MiB aligned: one 2 MiB leaf, translations across it */
	TH_CHECK_RC(rte_dma_domain_map(d, 0x40000000, mem, 2 * M2, RW), 0);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x50000000, mem, K4, RD), 0);
	TH_CHECK_RC(rte_dma_domain_attach(b, d), 0);
	h = rte_dma_domain_soft_translate(b, 0x40000000 + M2 + 0x1234, 16, RW, &err);
	TH_CHECK(h == mem + M2 + 0x1234, "2M translate %p", h);
	/* crossing the 2 MiB boundary inside one mapping */
	h = rte_dma_domain_soft_translate(b, 0x40000000 + M2 - 8, 16, RD, &err);
	TH_CHECK(h == mem + M2 - 8, "cross %p err %d", h, err);
	memcpy(mem + 0x100, "hello", 6);
	TH_CHECK_RC(rte_dma_domain_soft_read(b, 0x40000100, buf, 6), 0);
	TH_CHECK(strcmp(buf, "hello") == 0, "read '%s'", buf);
	TH_CHECK_RC(rte_dma_domain_soft_write(b, 0x40000000 + M2 + 4090, "0123456789", 10), 0);
	TH_CHECK(memcmp(mem + M2 + 4090, "0123456789", 10) == 0, "write across pages");
	/* permission and unmapped faults, recorded exactly */
	TH_CHECK(rte_dma_domain_soft_fault_count(b) == 0, "no faults yet");
	TH_CHECK_RC(rte_dma_domain_soft_write(b, 0x50000010, "x", 1), -EFAULT);
	TH_CHECK_RC(rte_dma_domain_soft_read(b, 0x60000000, buf, 4), -EFAULT);
	TH_CHECK(rte_dma_domain_soft_fault_count(b) == 2, "2 faults");
	TH_CHECK(rte_dma_domain_soft_fault_log(b, fl, 4) == 2, "log");
	TH_CHECK(fl[0].iova == 0x50000010 && fl[0].reason == -EACCES &&
		fl[0].access == WR && strcmp(fl[0].domain, "xl") == 0 &&
		strcmp(fl[0].device, "xl-dev") == 0, "fault 0: %" PRIx64 " %d", fl[0].iova,
		fl[0].reason);
	TH_CHECK(fl[1].iova == 0x60000000 && fl[1].reason == -ENOENT &&
		fl[1].access == RD && fl[1].tsc >= fl[0].tsc, "fault 1");
	/* blocking and identity domains (attach through replace) */
	TH_CHECK_RC(rte_dma_domain_replace(b, blk, NULL), 0);
	TH_CHECK_RC(rte_dma_domain_soft_read(b, 0x40000000, buf, 4), -EFAULT);
	TH_CHECK(rte_dma_domain_soft_fault_log(b, fl, 1) == 1 && fl[0].reason == -EPERM &&
		strcmp(fl[0].domain, "xl-block") == 0, "blocked fault");
	TH_CHECK_RC(rte_dma_domain_replace(b, idn, NULL), 0);
	h = rte_dma_domain_soft_translate(b, (uintptr_t)(mem + 64), 8, RW, &err);
	TH_CHECK(h == mem + 64, "identity");
	TH_CHECK_RC(rte_dma_domain_destroy(blk), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(idn), -EBUSY);
	TH_CHECK_RC(rte_dma_domain_unbind(b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(idn), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(d), 0);
	return 0;
}

/* Unmap invalidates the IOTLB; without the invalidation the stale entry
 * would still translate, and the verify mode catches it.
 */
static int
case_iotlb(void)
{
	struct rte_dma_domain *d = mkdom("tlb");
	struct rte_dma_domain_binding_params p = { .name = "tlb-dev", .dev_fd = -1 };
	struct rte_dma_domain_binding *b = rte_dma_domain_bind(ctx, &p);
	uint64_t hits, misses, inv0, inv1;
	char buf[8];

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, true);
	TH_CHECK_RC(rte_dma_domain_attach(b, d), 0);
	TH_CHECK_RC(rte_dma_domain_map(d, 0x7000, mem, K4, RW), 0);
	TH_CHECK_RC(rte_dma_domain_soft_read(b, 0x7000, buf, 8), 0);
	TH_CHECK_RC(rte_dma_domain_soft_read(b, 0x7008, buf, 8), 0);
	rte_dma_domain_soft_iotlb_stats(b, &hits, &misses, &inv0);
	TH_CHECK(hits >= 1 && misses >= 1, "hits %" PRIu64 " misses %" PRIu64, hits, misses);
	/* with invalidation: the next access faults */
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0x7000, K4, NULL), 0);
	rte_dma_domain_soft_iotlb_stats(b, NULL, NULL, &inv1);
	TH_CHECK(inv1 > inv0, "unmap did not invalidate");
	TH_CHECK_RC(rte_dma_domain_soft_read(b, 0x7000, buf, 8), -EFAULT);
	TH_CHECK(rte_dma_domain_soft_iotlb_stale(b) == 0, "stale with invalidation");
	/* without invalidation: the stale entry hits, and is caught */
	TH_CHECK_RC(rte_dma_domain_map(d, 0x7000, mem, K4, RW), 0);
	TH_CHECK_RC(rte_dma_domain_soft_read(b, 0x7000, buf, 8), 0);
	rte_dma_domain_soft_test_skip_invalidation(true);
	TH_CHECK_RC(rte_dma_domain_unmap(d, 0x7000, K4, NULL), 0);
	TH_CHECK_RC(rte_dma_domain_soft_read(b, 0x7000, buf, 8), 0); /* the bug */
	rte_dma_domain_soft_test_skip_invalidation(false);
	TH_CHECK(rte_dma_domain_soft_iotlb_stale(b) == 1, "stale %" PRIu64,
		rte_dma_domain_soft_iotlb_stale(b));
	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, false);
	TH_CHECK_RC(rte_dma_domain_unbind(b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(d), 0);
	return 0;
}

/* Two domains mapping the fake driver's buffers at the same IOVAs. */
/* End of a case on the fake device f and domains a, b: every buffer
 * accounted for, nothing quiesced while DMA was allowed; unbind, destroy.
 */
static int
pair_done(struct fake_drv *f, struct rte_dma_domain *a, struct rte_dma_domain *b)
{
	TH_CHECK(fake_buffers(f) == 2 * FAKE_BUFS && f->bad_quiesce == 0, "buffers");
	TH_CHECK_RC(rte_dma_domain_unbind(f->b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

/* Two domains, b with one more mapping than a (so a REMAP is visible), and
 * a fake device of nq queues (buffers at 0x100000) attached to a.
 */
static void
remap_pair(struct rte_dma_domain **a, struct rte_dma_domain **b, struct fake_drv *f,
		const char *pa, const char *pb, const char *dev, uint16_t nq)
{
	tdd_two_domains(ctx, mem, a, b, pa, pb);
	TH_CHECK_RC(rte_dma_domain_map(*b, 0x900000, mem, K4, RD), 0);
	TH_CHECK_RC(fake_bind(f, dev, nq, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f->b, *a), 0);
}

static int
case_coverage(void)
{
	struct rte_dma_domain *a, *b, *c;
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_stats st;
	struct fake_drv f;

	tdd_two_domains(ctx, mem, &a, &b, "cov-a", "cov-b");
	c = mkdom("cov-c");
	/* c maps the buffers' IOVAs to other memory, and misses the extra */
	TH_CHECK_RC(rte_dma_domain_map(c, 0x100000, mem + M2, M2, RW), 0);
	TH_CHECK_RC(fake_bind(&f, "cov-dev", 2, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	f.extra_iova = 0x300000;
	f.extra_len = K4;
	TH_CHECK_RC(rte_dma_domain_map(a, 0x300000, mem + 3 * M2, K4, RD), 0);
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), -ERANGE);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.result == -ERANGE &&
		!r.rolled_back && strstr(r.reason, "0x300000") != NULL &&
		strstr(r.reason, "not mapped") != NULL, "reason '%s'", r.reason);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == a, "moved");
	TH_CHECK(f.q[0].quiesce_calls == 0 && rte_dma_domain_mapped_bytes(b) == M2,
		"state changed");
	TH_CHECK_RC(rte_dma_domain_replace(f.b, c, NULL), -ERANGE);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		strstr(r.reason, "0x100000") != NULL &&
		strstr(r.reason, "other memory") != NULL, "reason '%s'", r.reason);
	/* once b maps the extra range too, the swap goes through */
	TH_CHECK_RC(rte_dma_domain_map(b, 0x300000, mem + 3 * M2, K4, RD), 0);
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), 0);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == b, "not moved");
	TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	TH_CHECK(st.swaps == 1 && st.failures == 2 && st.rollbacks == 0, "stats");
	TH_CHECK(fake_buffers(&f) == 2 * FAKE_BUFS && f.bad_quiesce == 0, "buffers");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	rte_dma_domain_destroy(c);
	return 0;
}

/* The coverage walk skips the table for a range inside the last extent it
 * found covered (one mapping of the new domain): a range that starts in
 * that extent but runs past its end, or that asks for more access than
 * the extent was found covered for, is still refused; and where the old
 * domain maps nothing, the next page is looked at again. b maps the buffers
 * (RW, 2 MiB from 0x100000) and 0x300000 READ-only; the extra ranges come
 * after the buffers in every walk.
 */
static int
case_coverage_extent(void)
{
	struct rte_dma_domain *a, *b;
	struct rte_dma_domain_swap_record r;
	struct fake_drv f;

	tdd_two_domains(ctx, mem, &a, &b, "cove-a", "cove-b");
	TH_CHECK_RC(rte_dma_domain_map(a, 0x300000, mem + M2, 2 * K4, RW), 0);
	TH_CHECK_RC(rte_dma_domain_map(b, 0x300000, mem + M2, K4, RD), 0);
	TH_CHECK_RC(fake_bind(&f, "cove-dev", 2, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	/* from the buffers' extent across its end (0x300000 on: READ only) */
	f.extra_iova = 0x300000 - K4;
	f.extra_len = 3 * K4;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), -ERANGE);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		strstr(r.reason, "0x301000") != NULL && strstr(r.reason, "not mapped") != NULL,
		"reason '%s'", r.reason);
	/* READ inside 0x300000's extent, then RW inside it: refused */
	f.extra_iova = 0x300000;
	f.extra_len = K4;
	f.extra2_iova = 0x300800;
	f.extra2_len = 0x100;
	f.extra2_access = RW;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), -ERANGE);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		strstr(r.reason, "0x300800") != NULL, "reason '%s'", r.reason);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == a && f.q[0].quiesce_calls == 0,
		"state changed");
	/* One range over two pages that b maps linearly; a maps nothing at
	 * the first and the second to other memory: refused at the second
	 * (a page a does not map says nothing about the next one).
	 */
	f.extra2_len = 0;
	f.extra_iova = 0x500000;
	f.extra_len = 2 * K4;
	TH_CHECK_RC(rte_dma_domain_map(b, 0x500000, mem + 2 * M2, 2 * K4, RW), 0);
	TH_CHECK_RC(rte_dma_domain_map(a, 0x501000, mem + 3 * M2, K4, RW), 0);
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), -ERANGE);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		strstr(r.reason, "0x501000") != NULL && strstr(r.reason, "other memory") != NULL,
		"reason '%s'", r.reason);
	TH_CHECK_RC(rte_dma_domain_unmap(a, 0x501000, K4, NULL), 0);
	/* READ there is what b allows: through */
	f.extra_iova = 0x300000;
	f.extra_len = K4;
	f.extra2_len = 0x100;
	f.extra2_access = RD;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), 0);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == b, "not moved");
	return pair_done(&f, a, b);
}

/* dev_ops.queues_in_use: a replace pauses, quiesces and resumes the
 * queues the driver uses only (here 2 of the 4 bound); the others get no
 * pause request and no callback. The hook looks during the swap.
 */
static void
in_use_quiesce(struct fake_drv *f, uint16_t qid)
{
	uint16_t q;

	RTE_SET_USED(qid);
	for (q = 2; q < 4; q++)
		if (rte_dma_domain_queue_pause_pending(rte_dma_domain_queue_get(f->b, q)))
			f->bad_in_use++;
}

static int
case_queues_in_use(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE,
	};
	struct rte_dma_domain *a, *b;
	struct fake_drv f;
	uint16_t q;

	tdd_two_domains(ctx, mem, &a, &b, "inuse-a", "inuse-b");
	TH_CHECK_RC(fake_bind(&f, "inuse-dev", 4, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	f.in_use = 2;
	f.q[2].posted = f.q[3].posted = 0; /* not set up: no buffers */
	f.on_quiesce = in_use_quiesce;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == b, "not moved");
	for (q = 0; q < 2; q++)
		TH_CHECK(f.q[q].quiesce_calls == 1 && f.q[q].resume_calls == 1,
			"queue %u in use: quiesce %" PRIu64 ", resume %" PRIu64, q,
			f.q[q].quiesce_calls, f.q[q].resume_calls);
	for (q = 2; q < 4; q++)
		TH_CHECK(f.q[q].quiesce_calls == 0 && f.q[q].resume_calls == 0,
			"queue %u not in use: quiesce %" PRIu64 ", resume %" PRIu64, q,
			f.q[q].quiesce_calls, f.q[q].resume_calls);
	TH_CHECK(f.bad_in_use == 0, "a queue not in use had a pause request during the swap");
	TH_CHECK(f.bad_walk == 0, "parked walk with a queue in use not parked");
	TH_CHECK(f.bad_quiesce == 0, "quiesce of a queue that was not paused");
	/* all of them again: every queue */
	f.in_use = 0;
	f.on_quiesce = NULL;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
	TH_CHECK(f.q[3].quiesce_calls == 1 && f.q[3].resume_calls == 1, "queue 3: %" PRIu64,
		f.q[3].quiesce_calls);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

/* Two-phase coverage: a range only the parked walk reports (a buffer in
 * flight) refuses the swap after the pause, before any quiesce; the
 * queues are released and nothing else changed. HITLESS and RESTART run
 * the running walk only; drain gives up at the deadline when nothing
 * retires (no poller here).
 */
static int
case_coverage_parked(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 20000,
	};
	struct rte_dma_domain *a, *b;
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_stats st;
	struct fake_drv f;
	uint64_t qc;
	uint16_t q;

	tdd_two_domains(ctx, mem, &a, &b, "covp-a", "covp-b");
	TH_CHECK_RC(rte_dma_domain_map(a, 0x500000, mem + 3 * M2, K4, RD), 0);
	TH_CHECK_RC(fake_bind(&f, "covp-dev", 2, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	f.inflight_iova = 0x500000;
	f.inflight_len = K4;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -ERANGE);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.result == -ERANGE &&
		!r.rolled_back && strstr(r.reason, "0x500000") != NULL &&
		strstr(r.reason, "in flight") != NULL &&
		strstr(r.reason, "nothing changed") != NULL, "reason '%s'", r.reason);
	TH_CHECK(f.walks[0] == 1 && f.walks[1] == 1, "walks running %" PRIu64 " parked %" PRIu64,
		f.walks[0], f.walks[1]);
	TH_CHECK(f.bad_walk == 0, "parked walk while a queue was not parked");
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == a, "moved");
	for (q = 0; q < 2; q++) {
		TH_CHECK(f.q[q].quiesce_calls == 0 && f.q[q].resume_calls == 0,
			"queue %u touched", q);
		TH_CHECK(!rte_dma_domain_queue_pause_pending(rte_dma_domain_queue_get(f.b, q)),
			"queue %u still paused", q);
	}
	/* drain: nothing retires without a poller, so it gives up */
	o.drain = true;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -ERANGE);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		strstr(r.reason, "after draining") != NULL, "reason '%s'", r.reason);
	TH_CHECK(f.walks[1] > 2, "drain walked %" PRIu64 " times", f.walks[1] - 1);
	o.drain = false;
	/* RESTART: port stop releases what is in flight, no parked walk */
	f.walks[1] = 0;
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(f.walks[1] == 0 && rte_dma_domain_binding_domain(f.b) == b, "restart");
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
	/* once b maps it, QUIESCE goes through, both walks done */
	TH_CHECK_RC(rte_dma_domain_map(b, 0x500000, mem + 3 * M2, K4, RD), 0);
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	f.walks[0] = f.walks[1] = 0;
	qc = f.q[0].quiesce_calls;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(f.walks[0] == 1 && f.walks[1] == 1 && f.bad_walk == 0 &&
		f.q[0].quiesce_calls == qc + 1, "quiesce: walks %" PRIu64 "/%" PRIu64,
		f.walks[0], f.walks[1]);
	TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	TH_CHECK(st.failures == 2 && st.rollbacks == 0 && st.swaps == 3,
		"stats: failures %" PRIu64 " rollbacks %" PRIu64 " swaps %" PRIu64,
		st.failures, st.rollbacks, st.swaps);
	return pair_done(&f, a, b);
}

/* Every injection point, single-threaded: error, reason, old domain,
 * queues resumed, no buffer lost; then a clean swap works.
 */
static int
case_inject(void)
{
	static const struct {
		enum rte_dma_domain_inject at;
		enum rte_dma_domain_strategy s;
		int rc;
		bool rolled_back;
	} t[] = {
		{ RTE_DMA_DOMAIN_INJECT_COVERAGE, RTE_DMA_DOMAIN_STRATEGY_QUIESCE, -ERANGE, false },
		{ RTE_DMA_DOMAIN_INJECT_ACK, RTE_DMA_DOMAIN_STRATEGY_QUIESCE, -ETIMEDOUT, false },
		{ RTE_DMA_DOMAIN_INJECT_QUIESCE, RTE_DMA_DOMAIN_STRATEGY_QUIESCE, -EIO, true },
		{ RTE_DMA_DOMAIN_INJECT_SWITCH, RTE_DMA_DOMAIN_STRATEGY_QUIESCE, -EIO, true },
		{ RTE_DMA_DOMAIN_INJECT_FAULT, RTE_DMA_DOMAIN_STRATEGY_QUIESCE, -EIO, true },
		{ RTE_DMA_DOMAIN_INJECT_RESUME, RTE_DMA_DOMAIN_STRATEGY_QUIESCE, -EIO, true },
		{ RTE_DMA_DOMAIN_INJECT_SWITCH, RTE_DMA_DOMAIN_STRATEGY_REMAP, -EIO, true },
		{ RTE_DMA_DOMAIN_INJECT_FAULT, RTE_DMA_DOMAIN_STRATEGY_REMAP, -EIO, true },
		{ RTE_DMA_DOMAIN_INJECT_RESUME, RTE_DMA_DOMAIN_STRATEGY_REMAP, -EIO, true },
		{ RTE_DMA_DOMAIN_INJECT_SWITCH, RTE_DMA_DOMAIN_STRATEGY_RESTART, -EIO, true },
		{ RTE_DMA_DOMAIN_INJECT_RESUME, RTE_DMA_DOMAIN_STRATEGY_RESTART, -EIO, true },
		{ RTE_DMA_DOMAIN_INJECT_FAULT, RTE_DMA_DOMAIN_STRATEGY_HITLESS, -EIO, true },
	};
	struct rte_dma_domain *a, *b;
	struct rte_dma_domain_swap_record r;
	struct fake_drv f;
	unsigned int i;

	remap_pair(&a, &b, &f, "inj-a", "inj-b", "inj-dev", 2);
	/* queue 0 polled by "someone" that acks (we play the poller here by
	 * leaving it offline: offline queues count as acknowledged)
	 */
	for (i = 0; i < RTE_DIM(t); i++) {
		struct rte_dma_domain_replace_opts o = {
			.strategy = t[i].s, .timeout_us = 20000, .force = true,
		};

		TH_CHECK_RC(rte_dma_domain_inject(f.b, t[i].at), 0);
		TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), t[i].rc);
		TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0, "record");
		printf("  %-8s inject %d: %d rolled_back %d: %s\n",
			rte_dma_domain_strategy_name(t[i].s), t[i].at, r.result,
			r.rolled_back, r.reason);
		TH_CHECK(r.result == t[i].rc && r.rolled_back == t[i].rolled_back &&
			strstr(r.reason, "injected") != NULL,
			"case %u: result %d rolled_back %d '%s'", i, r.result, r.rolled_back,
			r.reason);
		TH_CHECK(rte_dma_domain_binding_domain(f.b) == a, "case %u: not on a", i);
		TH_CHECK(rte_dma_domain_mapped_bytes(a) == M2, "case %u: a changed", i);
		TH_CHECK(fake_buffers(&f) == 2 * FAKE_BUFS && f.q[0].reclaimed == 0 &&
			f.q[1].reclaimed == 0, "case %u: buffers %u", i, fake_buffers(&f));
		TH_CHECK(!rte_dma_domain_queue_pause_pending(rte_dma_domain_queue_get(f.b, 0)),
			"case %u: queue still paused", i);
		TH_CHECK(f.port_started, "case %u: port stopped", i);
	}
	/* the ACK injection needs an online queue that never answers */
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), 0);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == b, "clean swap");
	{
		struct rte_dma_domain_stats st;

		TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
		TH_CHECK(st.failures == RTE_DIM(t) && st.timeouts == 1 && st.swaps == 1,
			"stats: failures %" PRIu64 " timeouts %" PRIu64, st.failures, st.timeouts);
	}
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

/* Strategy rules and the baselines. */
static int
case_strategies(void)
{
	struct rte_dma_domain *a, *b;
	struct rte_dma_domain_replace_opts o = { 0 };
	struct rte_dma_domain_swap_record r;
	struct fake_drv f;
	enum rte_dma_domain_strategy s;

	remap_pair(&a, &b, &f, "st-a", "st-b", "st-dev", 1);
	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 1000, false);
	TH_CHECK(!rte_dma_domain_ctx_atomic_replace(ctx), "vtd is not atomic");
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_HITLESS;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -ENOTSUP);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == a, "moved");
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_DEFAULT;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		r.strategy == RTE_DMA_DOMAIN_STRATEGY_QUIESCE && r.pause_ns > 0 &&
		r.switch_ns >= 1000, "default on vtd: %d pause %" PRIu64 " switch %" PRIu64,
		r.strategy, r.pause_ns, r.switch_ns);
	/* REMAP: the binding stays on b, whose table becomes a's */
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_REMAP;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == b &&
		rte_dma_domain_mapped_bytes(b) == M2, "remap");
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == a && f.restarts == 2 &&
		f.port_started, "restart");
	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, false);
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_DEFAULT;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		r.strategy == RTE_DMA_DOMAIN_STRATEGY_HITLESS, "default on atomic");
	TH_CHECK(fake_buffers(&f) == FAKE_BUFS && f.bad_quiesce == 0, "buffers");
	/* names */
	TH_CHECK(rte_dma_domain_strategy_parse("remap", &s) == 0 &&
		s == RTE_DMA_DOMAIN_STRATEGY_REMAP, "parse");
	TH_CHECK(rte_dma_domain_strategy_parse("bogus", &s) == -EINVAL, "parse bogus");
	TH_CHECK(strcmp(rte_dma_domain_strategy_name(RTE_DMA_DOMAIN_STRATEGY_HITLESS),
		"hitless") == 0, "name");
	/* bad input changes nothing */
	TH_CHECK(rte_dma_domain_create(ctx, "st-a", RTE_DMA_DOMAIN_PAGING, 0) == NULL, "dup");
	TH_CHECK(rte_dma_domain_create(ctx, "x", 7, 0) == NULL, "kind");
	TH_CHECK(rte_dma_domain_create(ctx, "", RTE_DMA_DOMAIN_PAGING, 0) == NULL, "name");
	TH_CHECK(rte_dma_domain_lookup("st-b") == b, "lookup");
	TH_CHECK_RC(rte_dma_domain_destroy(b), -EBUSY);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

/* Log lines of lib.dma_domain written while f is the log stream. */
static FILE *
log_capture(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (f != NULL) {
		rte_openlog_stream(f);
		rte_log_set_level_pattern("lib.dma_domain", RTE_LOG_WARNING);
	}
	return f;
}

static void
log_release(FILE *f)
{
	rte_log_set_level_pattern("lib.dma_domain", RTE_LOG_ERR);
	rte_openlog_stream(NULL);
	fclose(f);
}

/* REMAP rewrites the current domain in place: refused while other
 * bindings use it (they are not quiesced), allowed with force, which
 * says so in the log.
 */
/* A binding's default strategy (bus devargs strategy=) is what a replace
 * asking for RTE_DMA_DOMAIN_STRATEGY_DEFAULT gets.
 */
static int
case_default_strategy(void)
{
	struct rte_dma_domain_binding_params p = {
		.name = "ds-dev", .dev_fd = -1,
		.default_strategy = RTE_DMA_DOMAIN_STRATEGY_REMAP,
	};
	struct rte_dma_domain_replace_opts o = { 0 };
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *a, *c;

	tdd_two_domains(ctx, mem, &a, &c, "ds-a", "ds-b");
	p.default_strategy = (enum rte_dma_domain_strategy)99;
	TH_CHECK(rte_dma_domain_bind(ctx, &p) == NULL && rte_errno == EINVAL,
		"a bad default strategy is refused");
	p.default_strategy = RTE_DMA_DOMAIN_STRATEGY_REMAP;
	b = rte_dma_domain_bind(ctx, &p);
	TH_CHECK(b != NULL, "bind");
	TH_CHECK_RC(rte_dma_domain_attach(b, a), 0);
	TH_CHECK_RC(rte_dma_domain_replace(b, c, &o), 0);
	TH_CHECK(rte_dma_domain_last_swap(b, &r) == 0 &&
		r.strategy == RTE_DMA_DOMAIN_STRATEGY_REMAP &&
		rte_dma_domain_binding_domain(b) == a,
		"default strategy of the binding used: %d", r.strategy);
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE; /* explicit wins */
	TH_CHECK_RC(rte_dma_domain_replace(b, c, &o), 0);
	TH_CHECK(rte_dma_domain_last_swap(b, &r) == 0 &&
		r.strategy == RTE_DMA_DOMAIN_STRATEGY_QUIESCE &&
		rte_dma_domain_binding_domain(b) == c, "explicit strategy");
	TH_CHECK_RC(rte_dma_domain_unbind(b), 0);
	return 0;
}

static int
case_remap_shared(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_REMAP, .timeout_us = 20000,
	};
	struct rte_dma_domain_binding_params p2 = { .name = "rsh-other", .dev_fd = -1 };
	struct rte_dma_domain_binding_params p3 = { .name = "rsh-third", .dev_fd = -1 };
	struct rte_dma_domain_binding *other, *third;
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain *a, *b;
	struct fake_drv f;
	char *logbuf = NULL;
	size_t loglen = 0;
	FILE *lf;

	tdd_two_domains(ctx, mem, &a, &b, "rsh-a", "rsh-b");
	TH_CHECK_RC(rte_dma_domain_map(b, 0x900000, mem, K4, RD), 0);
	TH_CHECK_RC(fake_bind(&f, "rsh-dev", 2, 0x100000), 0);
	other = rte_dma_domain_bind(ctx, &p2);
	third = rte_dma_domain_bind(ctx, &p3);
	TH_CHECK(other != NULL && third != NULL, "bind");
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	TH_CHECK_RC(rte_dma_domain_attach(other, a), 0);
	TH_CHECK_RC(rte_dma_domain_attach(third, b), 0); /* on the target: fine */

	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -EBUSY);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.result == -EBUSY &&
		!r.rolled_back && strstr(r.reason, "'rsh-other'") != NULL &&
		strstr(r.reason, "rsh-third") == NULL &&
		strstr(r.reason, "not be quiesced") != NULL, "reason '%s'", r.reason);
	TH_CHECK(rte_dma_domain_mapped_bytes(a) == M2 && f.walks[0] == 0 &&
		f.q[0].quiesce_calls == 0 && rte_dma_domain_binding_domain(f.b) == a,
		"a refused remap changed something");
	/* other strategies move only this binding: allowed */
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);

	/* forced: done, and the log names the binding left running */
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_REMAP;
	o.force = true;
	lf = log_capture(&logbuf, &loglen);
	TH_CHECK(lf != NULL, "open_memstream");
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	if (lf != NULL) {
		log_release(lf);
		TH_CHECK(logbuf != NULL && strstr(logbuf, "NOT quiesced") != NULL &&
			strstr(logbuf, "'rsh-other'") != NULL, "log '%s'",
			logbuf != NULL ? logbuf : "");
		free(logbuf);
	}
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == a &&
		rte_dma_domain_mapped_bytes(a) == M2 + K4, "forced remap not done");

	/* alone on the domain: no force needed */
	o.force = false;
	TH_CHECK_RC(rte_dma_domain_detach(other), 0);
	TH_CHECK_RC(rte_dma_domain_map(b, 0xa00000, mem, K4, RD), 0);
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(rte_dma_domain_mapped_bytes(a) == M2 + 2 * K4, "remap alone");
	TH_CHECK(fake_buffers(&f) == 2 * FAKE_BUFS && f.bad_quiesce == 0, "buffers");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_unbind(other), 0);
	TH_CHECK_RC(rte_dma_domain_unbind(third), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

/* One burst call's protocol part, as a PMD does it: true if parked. */
static bool
burst_parks(struct rte_dma_domain_queue *q)
{
	return rte_dma_domain_queue_pause_pending(q) && rte_dma_domain_queue_ack(q);
}

static struct rte_dma_domain_queue *arm_late_q;
static int arm_late_parked = -1;
static bool arm_late_state; /* use ack_state(), twice */

/* The first burst of an armed queue, during a swap with the queues parked
 * (the library saw this queue offline).
 */
static void
arm_late_burst(struct fake_drv *f, uint16_t qid)
{
	RTE_SET_USED(f);
	if (qid != 0 || arm_late_q == NULL)
		return;
	if (!arm_late_state) {
		arm_late_parked = burst_parks(arm_late_q);
		return;
	}
	/* parked bursts stay parked, RESUMED set by the first or not; what
	 * they keep is the controller's to post (kept() == true)
	 */
	arm_late_parked = rte_dma_domain_queue_pause_pending(arm_late_q) &&
		rte_dma_domain_queue_ack_state(arm_late_q) == RTE_DMA_DOMAIN_QUEUE_PARKED &&
		rte_dma_domain_queue_ack_state(arm_late_q) == RTE_DMA_DOMAIN_QUEUE_PARKED &&
		rte_dma_domain_queue_kept(arm_late_q);
}

/* The parked poller keeps more while the controller posts what it kept:
 * the library must call queue_unpark again before it releases.
 */
static void
arm_late_unpark(struct fake_drv *f, uint16_t qid)
{
	if (qid == 1 && f->q[1].unpark_calls == 1 && arm_late_q != NULL &&
			!rte_dma_domain_queue_kept(arm_late_q))
		arm_late_parked = 0; /* PARK must still be set here */
}

/* Armed queues: offline (no stall) until the first burst, online after;
 * a first burst during a swap parks.
 */
static int
case_arm(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 20000,
	};
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_queue *q0, *q1;
	struct rte_dma_domain *a, *b;
	struct fake_drv f;

	tdd_two_domains(ctx, mem, &a, &b, "arm-a", "arm-b");
	TH_CHECK_RC(fake_bind(&f, "arm-dev", 2, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	q0 = rte_dma_domain_queue_get(f.b, 0);
	q1 = rte_dma_domain_queue_get(f.b, 1);
	rte_dma_domain_queue_arm(q0);
	rte_dma_domain_queue_arm(q1);
	TH_CHECK(rte_dma_domain_queue_is_armed(q0) && !rte_dma_domain_queue_is_online(q0),
		"armed queue");
	/* never polled: the swap does not wait for them */
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(rte_dma_domain_queue_is_armed(q0) && rte_dma_domain_queue_is_armed(q1),
		"a swap disarmed the queues");
	/* first burst: goes online, runs; later bursts take the fast path */
	TH_CHECK(rte_dma_domain_queue_pause_pending(q0), "first burst not sent to the slow path");
	TH_CHECK(!burst_parks(q0), "first burst parked with no swap running");
	TH_CHECK(rte_dma_domain_queue_is_online(q0) && !rte_dma_domain_queue_is_armed(q0) &&
		!rte_dma_domain_queue_pause_pending(q0), "first burst: online, fast path");
	/* online and not polled: the swap times out (what arm avoids) */
	TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), -ETIMEDOUT);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && strstr(r.reason, "queue 0") != NULL,
		"reason '%s'", r.reason);
	TH_CHECK(!rte_dma_domain_queue_pause_pending(q0) && rte_dma_domain_queue_is_armed(q1),
		"released: q0 %d q1 armed %d", rte_dma_domain_queue_pause_pending(q0),
		rte_dma_domain_queue_is_armed(q1));
	rte_dma_domain_queue_offline(q0);

	/* q1's first burst comes while the swap has the queues parked */
	arm_late_q = q1;
	f.on_quiesce = arm_late_burst;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
	f.on_quiesce = NULL;
	arm_late_q = NULL;
	TH_CHECK(arm_late_parked == 1, "first burst during a swap did not park (%d)",
		arm_late_parked);
	/* it parked: its next burst takes the slow path once more, to learn
	 * that the pause ended (a driver posts what it kept while parked)
	 */
	TH_CHECK(rte_dma_domain_queue_is_online(q1) && rte_dma_domain_queue_pause_pending(q1),
		"after the swap: online %d pending %d", rte_dma_domain_queue_is_online(q1),
		rte_dma_domain_queue_pause_pending(q1));
	TH_CHECK(!burst_parks(q1) && !rte_dma_domain_queue_pause_pending(q1),
		"resumed burst: runs, and ack() ends the resumed state");
	/* the same with ack_state(): RESUMED until the driver clears it */
	rte_dma_domain_queue_offline(q1);
	rte_dma_domain_queue_arm(q1);
	arm_late_q = q1;
	arm_late_state = true;
	arm_late_parked = -1;
	f.on_quiesce = arm_late_burst;
	f.on_unpark = arm_late_unpark;
	f.q[0].unpark_calls = f.q[1].unpark_calls = 0;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	f.on_quiesce = NULL;
	f.on_unpark = NULL;
	TH_CHECK(arm_late_parked == 1, "ack_state()/kept() during a swap did not park (%d)",
		arm_late_parked);
	TH_CHECK(f.q[1].unpark_calls == 2 && f.q[0].unpark_calls == 0,
		"queue_unpark calls %" PRIu64 "/%" PRIu64 " (expected 0/2: kept twice)",
		f.q[0].unpark_calls, f.q[1].unpark_calls);
	TH_CHECK(!rte_dma_domain_queue_kept(arm_late_q), "kept() after the pause: not parked");
	arm_late_q = NULL;
	TH_CHECK(rte_dma_domain_queue_pause_pending(q1) &&
		rte_dma_domain_queue_ack_state(q1) == RTE_DMA_DOMAIN_QUEUE_RESUMED &&
		rte_dma_domain_queue_ack_state(q1) == RTE_DMA_DOMAIN_QUEUE_RESUMED,
		"after the swap: not RESUMED until cleared");
	rte_dma_domain_queue_resumed_clear(q1);
	TH_CHECK(!rte_dma_domain_queue_pause_pending(q1) &&
		rte_dma_domain_queue_ack_state(q1) == RTE_DMA_DOMAIN_QUEUE_RUN,
		"cleared: fast path");
	/* offline() forgets a pending RESUMED: nobody polls the queue */
	rte_dma_domain_queue_offline(q1);
	rte_dma_domain_queue_arm(q1);
	arm_late_q = q1;
	f.on_quiesce = arm_late_burst;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
	f.on_quiesce = NULL;
	arm_late_q = NULL;
	arm_late_state = false;
	rte_dma_domain_queue_offline(q1);
	TH_CHECK(!rte_dma_domain_queue_pause_pending(q1), "offline() left RESUMED set");
	rte_dma_domain_queue_online(q1);
	/* online() clears ARMED; offline() disarms */
	rte_dma_domain_queue_arm(q0);
	rte_dma_domain_queue_online(q0);
	TH_CHECK(!rte_dma_domain_queue_is_armed(q0) && !rte_dma_domain_queue_pause_pending(q0),
		"online() left the queue armed");
	rte_dma_domain_queue_arm(q0);
	TH_CHECK(!rte_dma_domain_queue_is_online(q0), "arm() left the queue online");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), -EBUSY); /* armed / online queues */
	rte_dma_domain_queue_offline(q0);
	rte_dma_domain_queue_offline(q1);
	TH_CHECK(!rte_dma_domain_queue_is_armed(q0) && !rte_dma_domain_queue_pause_pending(q0),
		"offline() left the queue armed");
	TH_CHECK(fake_buffers(&f) == 2 * FAKE_BUFS && f.bad_quiesce == 0 && f.bad_walk == 0,
		"buffers %u", fake_buffers(&f));
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

static void
reset_on_quiesce(struct fake_drv *f, uint16_t qid)
{
	if (qid == 0)
		__atomic_store_n(&f->needs_reset, true, __ATOMIC_RELEASE);
}

static void
reset_on_walk(struct fake_drv *f, bool parked)
{
	if (!parked)
		__atomic_store_n(&f->needs_reset, true, __ATOMIC_RELEASE);
}

/* fault_check -EIO: a device that needs a reset is refused up front
 * (nothing changed), and going dead across a switch rolls back, even
 * with no fault counted.
 */
static int
case_needs_reset(void)
{
	static const enum rte_dma_domain_strategy strat[] = {
		RTE_DMA_DOMAIN_STRATEGY_QUIESCE, RTE_DMA_DOMAIN_STRATEGY_REMAP,
		RTE_DMA_DOMAIN_STRATEGY_HITLESS, RTE_DMA_DOMAIN_STRATEGY_RESTART,
	};
	struct rte_dma_domain_replace_opts o = { .timeout_us = 20000, .force = true };
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_stats st;
	struct rte_dma_domain *a, *b;
	struct fake_drv f;
	unsigned int i;

	remap_pair(&a, &b, &f, "nr-a", "nr-b", "nr-dev", 2);
	for (i = 0; i < RTE_DIM(strat); i++) {
		o.strategy = strat[i];
		/* dead before: refused, nothing touched */
		f.needs_reset = true;
		f.dev_faults = 1;
		f.walks[0] = f.restarts = f.q[0].quiesce_calls = 0;
		TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -EIO);
		TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.result == -EIO &&
			!r.rolled_back && strstr(r.reason, "needs a reset") != NULL &&
			strstr(r.reason, "nothing changed") != NULL, "%s: reason '%s'",
			rte_dma_domain_strategy_name(strat[i]), r.reason);
		TH_CHECK(rte_dma_domain_binding_domain(f.b) == a && f.walks[0] == 0 &&
			f.q[0].quiesce_calls == 0 && f.restarts == 0 &&
			rte_dma_domain_mapped_bytes(a) == M2, "%s: refused swap changed state",
			rte_dma_domain_strategy_name(strat[i]));
		/* dead during: -EIO at confirm is a fault, rolled back */
		f.needs_reset = false;
		f.dev_faults = 0;
		if (strat[i] == RTE_DMA_DOMAIN_STRATEGY_QUIESCE ||
				strat[i] == RTE_DMA_DOMAIN_STRATEGY_REMAP)
			f.on_quiesce = reset_on_quiesce;
		else
			f.on_walk = reset_on_walk;
		TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -EIO);
		f.on_quiesce = NULL;
		f.on_walk = NULL;
		TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.result == -EIO &&
			r.rolled_back && r.faults >= 1 &&
			strstr(r.reason, "needs a reset") != NULL, "%s: faults %" PRIu64 " reason '%s'",
			rte_dma_domain_strategy_name(strat[i]), r.faults, r.reason);
		TH_CHECK(rte_dma_domain_binding_domain(f.b) == a &&
			rte_dma_domain_mapped_bytes(a) == M2 && f.port_started,
			"%s: not rolled back", rte_dma_domain_strategy_name(strat[i]));
		TH_CHECK(fake_buffers(&f) == 2 * FAKE_BUFS && f.q[0].reclaimed == 0,
			"%s: buffers %u", rte_dma_domain_strategy_name(strat[i]),
			fake_buffers(&f));
	}
	/* reset: swaps work again */
	f.needs_reset = false;
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(f.fault_checks > 0, "fault_check never called");
	TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	TH_CHECK(st.failures == 2 * RTE_DIM(strat) && st.rollbacks == RTE_DIM(strat) &&
		st.swaps == 1, "stats: failures %" PRIu64 " rollbacks %" PRIu64,
		st.failures, st.rollbacks);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}


/* ---- rollback, pins, no-op, locking, stats (issue 11) ---------------------- */

static struct rte_dma_domain_queue *
qh(struct fake_drv *f, uint16_t q)
{
	return rte_dma_domain_queue_get(f->b, q);
}

/* The soft device's read of the fake's first buffer: 0 or -EFAULT. */
static int
dev_read(struct fake_drv *f)
{
	uint64_t v;

	return rte_dma_domain_soft_read(f->b, 0x100000, &v, sizeof(v));
}

static bool
events_are(const struct fake_drv *f, enum rte_dma_domain_recovery e0,
		enum rte_dma_domain_recovery e1)
{
	return f->nb_events == 2 && f->events[0] == e0 && f->events[1] == e1;
}

/*
 * Finding 2: a rollback checks itself. The first attempt failing (switch
 * back; remap: table restore; restart: re-attach) and the fallback
 * working: -EIO, rolled back, events RECOVERING then SUCCESS. Both
 * failing: -ENOTRECOVERABLE, its own record and counter, the binding on
 * no domain, the queues left parked and not resumed, events RECOVERING
 * then FAILED; then the application's recovery (port stop, attach, port
 * start) works and clears what the swap left set.
 */
static int
case_rollback_failed(void)
{
	static const enum rte_dma_domain_strategy strat[] = {
		RTE_DMA_DOMAIN_STRATEGY_QUIESCE, RTE_DMA_DOMAIN_STRATEGY_REMAP,
		RTE_DMA_DOMAIN_STRATEGY_RESTART, RTE_DMA_DOMAIN_STRATEGY_HITLESS,
	};
	struct rte_dma_domain_replace_opts o = { .timeout_us = 20000, .force = true };
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_stats st;
	struct rte_dma_domain *a, *b;
	struct fake_drv f;
	unsigned int i;

	remap_pair(&a, &b, &f, "rbf-a", "rbf-b", "rbf-dev", 2);
	for (i = 0; i < RTE_DIM(strat); i++) {
		const char *sn = rte_dma_domain_strategy_name(strat[i]);
		uint64_t resumes;

		o.strategy = strat[i];
		/* the fallback works */
		f.nb_events = 0;
		TH_CHECK_RC(rte_dma_domain_inject(f.b, RTE_DMA_DOMAIN_INJECT_SWITCH_BACK), 0);
		TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -EIO);
		TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.result == -EIO &&
			r.rolled_back && !r.rollback_failed, "%s: switch back: %d rb %d rbf %d '%s'",
			sn, r.result, r.rolled_back, r.rollback_failed, r.reason);
		TH_CHECK(events_are(&f, RTE_DMA_DOMAIN_RECOVERING, RTE_DMA_DOMAIN_RECOVERY_SUCCESS),
			"%s: events %u: %d %d", sn, f.nb_events, f.events[0], f.events[1]);
		TH_CHECK(rte_dma_domain_binding_domain(f.b) == a
				&& rte_dma_domain_mapped_bytes(a) == M2 &&
			dev_read(&f) == 0 && f.port_started, "%s: not back on a", sn);
		TH_CHECK(!rte_dma_domain_queue_pause_pending(qh(&f, 0)) &&
			!rte_dma_domain_queue_pause_pending(qh(&f, 1)) &&
			fake_buffers(&f) == 2 * FAKE_BUFS && f.q[0].reclaimed == 0 &&
			f.q[1].reclaimed == 0, "%s: queues not running again", sn);

		/* both attempts fail: the device is on no domain */
		f.nb_events = 0;
		resumes = f.q[0].resume_calls + f.q[1].resume_calls;
		TH_CHECK_RC(rte_dma_domain_inject(f.b, RTE_DMA_DOMAIN_INJECT_ROLLBACK), 0);
		TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -ENOTRECOVERABLE);
		TH_CHECK(rte_errno == ENOTRECOVERABLE, "%s: rte_errno %d", sn, rte_errno);
		TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.result == -ENOTRECOVERABLE &&
			r.rollback_failed && !r.rolled_back &&
			strstr(r.reason, "ROLLBACK FAILED") != NULL,
			"%s: record: %d rb %d rbf %d '%s'", sn, r.result, r.rolled_back,
			r.rollback_failed, r.reason);
		TH_CHECK(rte_dma_domain_binding_domain(f.b) == NULL, "%s: binding on '%s'", sn,
			rte_dma_domain_name(rte_dma_domain_binding_domain(f.b)));
		TH_CHECK(dev_read(&f) == -EFAULT, "%s: the device still translates", sn);
		TH_CHECK(events_are(&f, RTE_DMA_DOMAIN_RECOVERING, RTE_DMA_DOMAIN_RECOVERY_FAILED),
			"%s: events %u: %d %d", sn, f.nb_events, f.events[0], f.events[1]);
		/* not resumed onto no domain: parked, quiesced or port stopped */
		TH_CHECK(rte_dma_domain_queue_pause_pending(qh(&f, 0)) &&
			rte_dma_domain_queue_pause_pending(qh(&f, 1)), "%s: queues released", sn);
		if (strat[i] == RTE_DMA_DOMAIN_STRATEGY_RESTART)
			TH_CHECK(!f.port_started, "%s: port started on no domain", sn);
		if (strat[i] == RTE_DMA_DOMAIN_STRATEGY_QUIESCE ||
				strat[i] == RTE_DMA_DOMAIN_STRATEGY_REMAP)
			TH_CHECK(f.q[0].resume_calls + f.q[1].resume_calls == resumes &&
				f.q[0].posted == 0 && f.q[1].posted == 0,
				"%s: queues resumed onto no domain", sn);
		TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -EINVAL); /* not attached */

		/* recovery: stop the port, attach, start */
		rte_dma_domain_queue_online(qh(&f, 0));
		TH_CHECK_RC(rte_dma_domain_attach(f.b, a), -EBUSY); /* a queue is polled */
		rte_dma_domain_queue_offline(qh(&f, 0));
		if (f.port_started)
			fake_ops.port_restart(&f, false);
		if (strat[i] == RTE_DMA_DOMAIN_STRATEGY_REMAP) /* a's table was lost */
			TH_CHECK_RC(rte_dma_domain_map(a, 0x100000, mem, M2, RW), 0);
		TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
		TH_CHECK(!rte_dma_domain_queue_pause_pending(qh(&f, 0)) &&
			!rte_dma_domain_queue_pause_pending(qh(&f, 1)),
			"%s: attach left the pause requests set", sn);
		fake_ops.port_restart(&f, true);
		TH_CHECK(dev_read(&f) == 0 && fake_buffers(&f) == 2 * FAKE_BUFS &&
			f.q[0].reclaimed == 0 && f.q[1].reclaimed == 0, "%s: not recovered", sn);
	}
	TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	TH_CHECK(st.rollback_failures == RTE_DIM(strat) && st.rollbacks == RTE_DIM(strat) &&
		st.failures == 2 * RTE_DIM(strat), "stats: rollback_failures %" PRIu64
		" rollbacks %" PRIu64 " failures %" PRIu64, st.rollback_failures,
		st.rollbacks, st.failures);
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(f.bad_quiesce == 0 && f.bad_walk == 0, "protocol order");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

/* Finding 4 (library part): queue_quiesce of queue 1 fails; queues 0 and
 * 1 are resumed (1 may be stopped half way), queue 2 was not touched.
 */
static int
case_quiesce_fail(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 20000,
	};
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain *a, *b;
	struct fake_drv f;

	remap_pair(&a, &b, &f, "qf-a", "qf-b", "qf-dev", 3);
	f.quiesce_fail_mask = 1u << 1;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -EIO);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.rolled_back &&
		strstr(r.reason, "queue 1") != NULL, "reason '%s'", r.reason);
	TH_CHECK(f.q[0].quiesce_calls == 1 && f.q[1].quiesce_calls == 1 &&
		f.q[2].quiesce_calls == 0, "quiesce calls %" PRIu64 "/%" PRIu64 "/%" PRIu64,
		f.q[0].quiesce_calls, f.q[1].quiesce_calls, f.q[2].quiesce_calls);
	TH_CHECK(f.q[0].resume_calls == 1 && f.q[1].resume_calls == 1 &&
		f.q[2].resume_calls == 0, "resume calls %" PRIu64 "/%" PRIu64 "/%" PRIu64
		" (expected 1/1/0: the queue whose quiesce failed is resumed too)",
		f.q[0].resume_calls, f.q[1].resume_calls, f.q[2].resume_calls);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == a && fake_buffers(&f) == 3 * FAKE_BUFS,
		"not on a, or buffers lost");
	f.quiesce_fail_mask = 0;
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

/* A parked tx poller keeps again after every queue_unpark (max rate). */
static void
keep_again(struct fake_drv *f, uint16_t qid)
{
	if (qid == 0)
		rte_dma_domain_queue_kept(qh(f, 0));
}

/* Finding 7: the release loop is bounded by the swap's timeout. */
static int
case_release_bound(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 20000,
	};
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_stats st;
	struct rte_dma_domain *a, *b;
	struct fake_drv f;

	remap_pair(&a, &b, &f, "rl-a", "rl-b", "rl-dev", 2);
	f.on_quiesce = keep_again; /* the parked poller kept packets */
	f.on_unpark = keep_again;  /* and keeps again after every post */
	th_watchdog(30, "release_bound: the release loop never ends");
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	th_watchdog_off();
	f.on_quiesce = f.on_unpark = NULL;
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.release_overruns == 1,
		"release_overruns %u", r.release_overruns);
	TH_CHECK(f.q[0].unpark_calls > 1 && f.q[1].unpark_calls == 0, "unpark calls %" PRIu64
		"/%" PRIu64, f.q[0].unpark_calls, f.q[1].unpark_calls);
	/* released: what the poller keeps now, it posts itself */
	TH_CHECK(!rte_dma_domain_queue_pause_pending(qh(&f, 0)) &&
		!rte_dma_domain_queue_kept(qh(&f, 0)), "queue 0 still parked");
	TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	TH_CHECK(st.release_overruns == 1 && st.swaps == 1, "stats: overruns %" PRIu64,
		st.release_overruns);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

static struct {
	struct rte_dma_domain *old, *target, *spare;
	bool done;
} pin;

/* From inside the swap: what it uses is refused, the rest is not. */
static void
pin_quiesce(struct fake_drv *f, uint16_t qid)
{
	if (qid != 0 || pin.done)
		return;
	pin.done = true;
	TH_CHECK_RC(rte_dma_domain_replace(f->b, pin.spare, NULL), -EBUSY);
	TH_CHECK_RC(rte_dma_domain_attach(f->b, pin.spare), -EBUSY);
	TH_CHECK_RC(rte_dma_domain_destroy(pin.old), -EBUSY);
	TH_CHECK_RC(rte_dma_domain_destroy(pin.target), -EBUSY);
	TH_CHECK_RC(rte_dma_domain_detach(f->b), -EBUSY);
	TH_CHECK_RC(rte_dma_domain_unbind(f->b), -EBUSY);
	/* not used by the swap */
	TH_CHECK_RC(rte_dma_domain_destroy(pin.spare), 0);
}

/* Finding 8: a driver callback cannot pull what a swap uses from under it. */
static int
case_pins(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 20000,
	};
	struct rte_dma_domain *a, *b;
	struct fake_drv f;
	char *logbuf = NULL;
	size_t loglen = 0;
	FILE *lf;

	remap_pair(&a, &b, &f, "pin-a", "pin-b", "pin-dev", 2);
	pin.old = a;
	pin.target = b;
	pin.spare = mkdom("pin-spare");
	pin.done = false;
	f.on_quiesce = pin_quiesce;
	lf = log_capture(&logbuf, &loglen);
	TH_CHECK(lf != NULL, "open_memstream");
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	if (lf != NULL) {
		log_release(lf);
		TH_CHECK(logbuf != NULL &&
			strstr(logbuf, "destroy 'pin-b': in use by the replace running on 'pin-dev'"
				" ('pin-a' -> 'pin-b')") != NULL &&
			strstr(logbuf, "detach 'pin-dev': a replace ('pin-a' -> 'pin-b')"
				" is running") != NULL &&
			strstr(logbuf, "unbind 'pin-dev': a replace") != NULL,
			"log '%s'", logbuf != NULL ? logbuf : "");
		free(logbuf);
	}
	f.on_quiesce = NULL;
	TH_CHECK(pin.done, "quiesce hook not called");
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == b && fake_buffers(&f) == 2 * FAKE_BUFS,
		"swap did not complete");
	/* after the swap: the usual rules */
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), -EBUSY); /* attached */
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

/* Finding 10: replace onto the current domain does nothing. */
static int
case_noop(void)
{
	static const enum rte_dma_domain_strategy strat[] = {
		RTE_DMA_DOMAIN_STRATEGY_QUIESCE, RTE_DMA_DOMAIN_STRATEGY_REMAP,
		RTE_DMA_DOMAIN_STRATEGY_RESTART, RTE_DMA_DOMAIN_STRATEGY_HITLESS,
		RTE_DMA_DOMAIN_STRATEGY_DEFAULT,
	};
	struct rte_dma_domain_replace_opts o = { .timeout_us = 20000, .force = true };
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_stats st;
	struct rte_dma_domain *a, *b;
	struct fake_drv f;
	unsigned int i;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, 100000, false);
	remap_pair(&a, &b, &f, "noop-a", "noop-b", "noop-dev", 2);
	for (i = 0; i < RTE_DIM(strat); i++) {
		o.strategy = strat[i];
		TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
		TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.noop && r.result == 0 &&
			r.pause_ns == 0 && r.switch_ns == 0 && r.reason[0] == '\0',
			"%s: noop %d pause %" PRIu64 " switch %" PRIu64,
			rte_dma_domain_strategy_name(strat[i]), r.noop, r.pause_ns, r.switch_ns);
	}
	TH_CHECK(f.walks[0] == 0 && f.walks[1] == 0 && f.fault_checks == 0 && f.restarts == 0 &&
		f.q[0].quiesce_calls == 0 && f.q[0].resume_calls == 0 &&
		f.q[0].unpark_calls == 0 && f.nb_events == 0,
		"driver called: walks %" PRIu64 "/%" PRIu64 " fault checks %" PRIu64
		" restarts %" PRIu64 " quiesce %" PRIu64, f.walks[0], f.walks[1],
		f.fault_checks, f.restarts, f.q[0].quiesce_calls);
	TH_CHECK(rte_dma_domain_binding_domain(f.b) == a && rte_dma_domain_mapped_bytes(a) == M2 &&
		rte_dma_domain_soft_fault_count(f.b) == 0 && dev_read(&f) == 0, "state changed");
	TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	TH_CHECK(st.swaps == RTE_DIM(strat) && st.noops == RTE_DIM(strat) && st.failures == 0 &&
		st.pause_max_ns == 0 && st.switch_max_ns == 0, "stats: swaps %" PRIu64
		" noops %" PRIu64 " pause max %" PRIu64, st.swaps, st.noops, st.pause_max_ns);
	/* a real swap still is one */
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && !r.noop && r.pause_ns > 0 &&
		f.q[0].quiesce_calls == 1, "real swap");
	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, false);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

/*
 * Finding 13: no driver or application callback runs under the library's
 * lock. A callback of the swap on one binding takes an application lock
 * that another thread holds while that thread replaces the domain of
 * another binding (a lock of the PMD, of the application, or the EAL's
 * memory hotplug lock: the same shape). Holding the library's lock
 * across the callback deadlocks; the watchdog makes that a failure.
 */
static pthread_mutex_t app_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct fake_drv *other;
	struct rte_dma_domain *to;
	uint32_t go, holding, in_cb;
	int rc;
} lo;

static void *
lo_thread(void *arg)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};

	RTE_SET_USED(arg);
	while (!__atomic_load_n(&lo.go, __ATOMIC_ACQUIRE))
		sched_yield();
	pthread_mutex_lock(&app_lock);
	__atomic_store_n(&lo.holding, 1, __ATOMIC_RELEASE);
	lo.rc = rte_dma_domain_replace(lo.other->b, lo.to, &o);
	pthread_mutex_unlock(&app_lock);
	return NULL;
}

static void
lo_take_app_lock(void)
{
	if (lo.in_cb++ != 0)
		return;
	__atomic_store_n(&lo.go, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&lo.holding, __ATOMIC_ACQUIRE))
		sched_yield();
	pthread_mutex_lock(&app_lock);
	pthread_mutex_unlock(&app_lock);
}

static void
lo_quiesce(struct fake_drv *f, uint16_t qid)
{
	RTE_SET_USED(f);
	if (qid == 0)
		lo_take_app_lock();
}

static void
lo_restart(struct fake_drv *f, bool start)
{
	RTE_SET_USED(f);
	if (start)
		lo_take_app_lock();
}

static int
replace_in_foreach(struct rte_dma_domain_binding *b, void *arg)
{
	RTE_SET_USED(arg);
	if (b == lo.other->b)
		lo.rc = rte_dma_domain_replace(b, lo.to, NULL);
	return 0;
}

static int
case_lock_order(void)
{
	static const enum rte_dma_domain_strategy strat[] = {
		RTE_DMA_DOMAIN_STRATEGY_QUIESCE, RTE_DMA_DOMAIN_STRATEGY_RESTART,
	};
	struct rte_dma_domain_replace_opts o = { .timeout_us = 2000000 };
	struct rte_dma_domain *a, *b;
	struct fake_drv f, g;
	unsigned int i;
	pthread_t t;

	remap_pair(&a, &b, &f, "lo-a", "lo-b", "lo-dev", 2);
	TH_CHECK_RC(fake_bind(&g, "lo-other", 2, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(g.b, a), 0);
	f.on_quiesce = lo_quiesce;
	f.on_restart = lo_restart;
	th_watchdog(30, "lock_order: a driver callback ran under the library's lock (deadlock)");
	for (i = 0; i < RTE_DIM(strat); i++) {
		struct rte_dma_domain *to = rte_dma_domain_binding_domain(f.b) == a ? b : a;

		memset(&lo, 0, sizeof(lo));
		lo.other = &g;
		lo.to = rte_dma_domain_binding_domain(g.b) == a ? b : a;
		lo.rc = 1;
		o.strategy = strat[i];
		TH_CHECK(pthread_create(&t, NULL, lo_thread, NULL) == 0, "pthread_create");
		TH_CHECK_RC(rte_dma_domain_replace(f.b, to, &o), 0);
		pthread_join(t, NULL);
		TH_CHECK(lo.in_cb > 0 && lo.rc == 0, "%s: callback %u, other swap %d",
			rte_dma_domain_strategy_name(strat[i]), lo.in_cb, lo.rc);
		TH_CHECK(rte_dma_domain_binding_domain(f.b) == to &&
			rte_dma_domain_binding_domain(g.b) == lo.to, "%s: not moved",
			rte_dma_domain_strategy_name(strat[i]));
	}
	th_watchdog_off();
	f.on_quiesce = NULL;
	f.on_restart = NULL;
	/* a replace would run its callbacks under the lock a foreach holds */
	lo.other = &f;
	lo.to = rte_dma_domain_binding_domain(f.b) == a ? b : a;
	lo.rc = 1;
	TH_CHECK_RC(rte_dma_domain_binding_foreach(replace_in_foreach, NULL), 0);
	TH_CHECK(lo.rc == -EDEADLK && rte_dma_domain_binding_domain(f.b) != lo.to,
		"replace from a foreach callback: %d", lo.rc);
	TH_CHECK(fake_buffers(&f) == 2 * FAKE_BUFS && fake_buffers(&g) == 2 * FAKE_BUFS &&
		f.bad_quiesce == 0 && g.bad_quiesce == 0, "buffers or protocol order");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_unbind(g.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

static int rbf_reads;

/* After the rollback: the device reads what only the target mapped. */
static void
read_target_only(struct fake_drv *f, uint16_t qid)
{
	uint64_t v;

	if (qid == 0 && rbf_reads-- > 0)
		rte_dma_domain_soft_read(f->b, 0x900000, &v, sizeof(v));
}

/* Finding 11: faults after a rollback switch are counted, and failed
 * and timed-out pauses are in the pause statistics.
 */
static int
case_rollback_stats(void)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 20000,
	};
	struct rte_dma_domain_swap_record r, rt;
	struct rte_dma_domain_stats st;
	struct rte_dma_domain *a, *b;
	struct fake_drv f;

	remap_pair(&a, &b, &f, "rs-a", "rs-b", "rs-dev", 2);
	/* a fault at confirm (injected), one after the switch back */
	rbf_reads = 1;
	f.on_resume = read_target_only;
	TH_CHECK_RC(rte_dma_domain_inject(f.b, RTE_DMA_DOMAIN_INJECT_FAULT), 0);
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -EIO);
	f.on_resume = NULL;
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.rolled_back &&
		r.rollback_faults == 1 && r.faults == 2, "rollback faults %" PRIu64
		" faults %" PRIu64, r.rollback_faults, r.faults);
	TH_CHECK(rte_dma_domain_soft_fault_count(f.b) == 1, "soft faults %" PRIu64,
		rte_dma_domain_soft_fault_count(f.b));
	/* a timed-out pause: an online queue nobody polls */
	rte_dma_domain_queue_online(qh(&f, 0));
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -ETIMEDOUT);
	rte_dma_domain_queue_offline(qh(&f, 0));
	TH_CHECK(rte_dma_domain_last_swap(f.b, &rt) == 0 && rt.pause_ns > 0, "timeout pause");
	TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	TH_CHECK(st.rollback_faults == 1 && st.faults == 2, "stats: rollback faults %" PRIu64
		" faults %" PRIu64, st.rollback_faults, st.faults);
	TH_CHECK(st.failed_pauses == 2 && st.timeouts == 1 && st.swaps == 0 &&
		st.failed_pause_max_ns == RTE_MAX(r.pause_ns, rt.pause_ns) &&
		st.pause_max_ns == st.failed_pause_max_ns, "failed pauses %" PRIu64
		" max %" PRIu64 " (records %" PRIu64 ", %" PRIu64 "), pause max %" PRIu64,
		st.failed_pauses, st.failed_pause_max_ns, r.pause_ns, rt.pause_ns,
		st.pause_max_ns);
	/* a success: in pause_*, not in failed_pause_* */
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	TH_CHECK(st.swaps == 1 && st.failed_pauses == 2 &&
		st.pause_max_ns >= st.failed_pause_max_ns, "after a success");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

/* A fault the device causes once it runs on the new domain (a range it
 * uses again is missing there: here, the driver reports it at its first
 * check after resume) belongs to the swap: late_faults, -EIO, the device
 * stays on the new domain. A fault between swaps is counted apart
 * (faults_between) and charged to no swap.
 */
static void
fault_at_resume(struct fake_drv *fd, uint16_t qid)
{
	if (qid == 0)
		fd->dev_faults = 1;
}

static int
case_late_faults(void)
{
	/* (restart resumes inside its pause: a fault there is confirmed
	 * and rolled back, see case_strategies)
	 */
	static const enum rte_dma_domain_strategy strat[] = {
		RTE_DMA_DOMAIN_STRATEGY_QUIESCE, RTE_DMA_DOMAIN_STRATEGY_REMAP,
	};
	struct rte_dma_domain_replace_opts o = { .timeout_us = 100000 };
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_stats st;
	struct rte_dma_domain *a, *b, *to;
	struct fake_drv f;
	unsigned int i;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, false);
	remap_pair(&a, &b, &f, "late-a", "late-b", "late-dev", 2);
	for (i = 0; i < RTE_DIM(strat); i++) {
		o.strategy = strat[i];
		to = rte_dma_domain_binding_domain(f.b) == a ? b : a;
		f.on_resume = fault_at_resume;
		TH_CHECK_RC(rte_dma_domain_replace(f.b, to, &o), -EIO);
		f.on_resume = NULL;
		TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.late_faults == 1 &&
			r.faults == 1 && !r.rolled_back &&
			strstr(r.reason, "after the queues resumed") != NULL,
			"%s: late %" PRIu64 " faults %" PRIu64 " rolled back %d reason '%s'",
			rte_dma_domain_strategy_name(strat[i]), r.late_faults, r.faults,
			r.rolled_back, r.reason);
		if (strat[i] != RTE_DMA_DOMAIN_STRATEGY_REMAP)
			TH_CHECK(rte_dma_domain_binding_domain(f.b) == to, "%s: not on the new domain",
				rte_dma_domain_strategy_name(strat[i]));
	}
	/* between swaps: counted apart, the next swap succeeds */
	f.dev_faults = 2;
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	to = rte_dma_domain_binding_domain(f.b) == a ? b : a;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, to, &o), 0);
	TH_CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.faults == 0 && r.late_faults == 0 &&
		r.faults_between == 2, "between: faults %" PRIu64 " between %" PRIu64,
		r.faults, r.faults_between);
	TH_CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	TH_CHECK(st.late_faults == 2 && st.faults_between == 2 && !st.faults_inexact,
		"stats: late %" PRIu64 " between %" PRIu64, st.late_faults, st.faults_between);
	TH_CHECK(fake_buffers(&f) == 2 * FAKE_BUFS, "buffers lost");
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

/* ---- phases: where a swap's time went (swap record, trace points) ---- */

#define PH_NS 20000ull

/* The fake driver's callbacks take at least PH_NS each (a busy wait on
 * the clock: a known lower bound for each phase, as the VT-d window is
 * for the switch).
 */
static void
ph_spin(void)
{
	uint64_t end = th_now_ns() + PH_NS;

	while (th_now_ns() < end)
		;
}

static void
ph_walk(struct fake_drv *f, bool parked)
{
	RTE_SET_USED(f);
	RTE_SET_USED(parked);
	ph_spin();
}

static void
ph_queue(struct fake_drv *f, uint16_t qid)
{
	RTE_SET_USED(f);
	RTE_SET_USED(qid);
	ph_spin();
}

static int
case_phases(void)
{
	static const char *const tp[] = {
		"lib.dma_domain.swap.request", "lib.dma_domain.swap.coverage",
		"lib.dma_domain.swap.parked", "lib.dma_domain.swap.quiesce",
		"lib.dma_domain.swap.switch", "lib.dma_domain.swap.resume",
		"lib.dma_domain.swap.done", "lib.dma_domain.queue.resumed",
	};
	struct rte_dma_domain_replace_opts o = { .strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE };
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain *a, *b;
	struct fake_drv f;
	uint64_t sum;
	unsigned int i;

	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_VTD, PH_NS, false);
	remap_pair(&a, &b, &f, "ph-a", "ph-b", "ph-dev", 2);
	f.on_walk = ph_walk;
	f.on_quiesce = ph_queue;
	f.on_resume = ph_queue;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	TH_CHECK_RC(rte_dma_domain_last_swap(f.b, &r), 0);
	printf("  pause %" PRIu64 " = park %" PRIu64 " + coverage %" PRIu64 " + quiesce %" PRIu64
		" (max %" PRIu64 ") + switch %" PRIu64 " + resume %" PRIu64
		" (+ rest); confirm %" PRIu64 "\n",
		r.pause_ns, r.park_ns, r.coverage_ns, r.quiesce_ns, r.quiesce_max_ns,
		r.switch_ns, r.resume_ns, r.confirm_ns);
	/* two walks (running, parked), two queues quiesced and resumed */
	TH_CHECK(r.coverage_ns >= 2 * PH_NS, "coverage_ns %" PRIu64, r.coverage_ns);
	TH_CHECK(r.quiesce_ns >= 2 * PH_NS && r.quiesce_max_ns >= PH_NS &&
		r.quiesce_max_ns <= r.quiesce_ns, "quiesce_ns %" PRIu64 " max %" PRIu64,
		r.quiesce_ns, r.quiesce_max_ns);
	TH_CHECK(r.switch_ns >= PH_NS, "switch_ns %" PRIu64, r.switch_ns);
	TH_CHECK(r.resume_ns >= 2 * PH_NS, "resume_ns %" PRIu64, r.resume_ns);
	/* the phases of the pause do not overlap: their sum is within it
	 * (the running coverage check is before the pause)
	 */
	sum = r.park_ns + r.quiesce_ns + r.switch_ns + r.resume_ns;
	TH_CHECK(sum <= r.pause_ns, "phases %" PRIu64 " > pause %" PRIu64, sum, r.pause_ns);
	/* a refused swap records what ran: coverage only */
	f.extra_iova = 0x700000;
	f.extra_len = K4;
	TH_CHECK_RC(rte_dma_domain_replace(f.b, a, &o), -ERANGE);
	TH_CHECK_RC(rte_dma_domain_last_swap(f.b, &r), -0);
	TH_CHECK(r.coverage_ns >= PH_NS && r.park_ns == 0 && r.quiesce_ns == 0 &&
		r.switch_ns == 0 && r.resume_ns == 0 && r.pause_ns == 0,
		"refused: coverage %" PRIu64 " park %" PRIu64 " quiesce %" PRIu64 " switch %" PRIu64
		" resume %" PRIu64, r.coverage_ns, r.park_ns, r.quiesce_ns, r.switch_ns,
		r.resume_ns);
	f.extra_len = 0;
	/* the trace points are registered (where this DPDK has tracing) */
	for (i = 0; i < RTE_DIM(tp); i++) {
		if (!tdd_trace_enabled()) {
			printf("  this DPDK is built without rte_trace (RTE_TRACE): %s is compiled out\n",
				tp[i]);
			continue;
		}
		TH_CHECK(rte_trace_point_lookup(tp[i]) != NULL, "trace point %s not registered",
			tp[i]);
	}
	f.on_walk = NULL;
	f.on_quiesce = f.on_resume = NULL;
	tdd_soft_model(RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC, 0, false);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(b), 0);
	return 0;
}

/*
 * A domain destroy the backend refuses (injected as a refused
 * IOMMU_DESTROY) is returned, counted, and leaves the domain whole:
 * listed, its mappings there, a device can attach to it and DMA through
 * it; the next destroy frees it.
 */
static int
case_destroy_fail(void)
{
	struct rte_dma_domain_ctx_info i0, i1;
	struct rte_dma_domain *a;
	struct rte_dma_domain_mapping m;
	struct fake_drv f;
	uint32_t v = 0x5a5a5a5a, r = 0;

	TH_CHECK_RC(rte_dma_domain_ctx_info_get(ctx, &i0), 0);
	a = mkdom("df-a");
	if (a == NULL)
		return 1;
	TH_CHECK_RC(rte_dma_domain_map(a, 0x100000, mem, M2, RW), 0);
	TH_CHECK_RC(rte_dma_domain_test_destroy_fail(0, 1), -EINVAL);
	TH_CHECK_RC(rte_dma_domain_test_destroy_fail(-EBUSY, 1), 0);
	TH_CHECK_RC(rte_dma_domain_destroy(a), -EBUSY);
	TH_CHECK(rte_errno == EBUSY, "rte_errno %d", rte_errno);
	TH_CHECK_RC(rte_dma_domain_ctx_info_get(ctx, &i1), 0);
	TH_CHECK(i1.destroy_failures == i0.destroy_failures + 1,
		"destroy_failures %" PRIu64 " -> %" PRIu64, i0.destroy_failures,
		i1.destroy_failures);
	TH_CHECK(i1.nb_domains == i0.nb_domains + 1, "domains %u -> %u (kept?)",
		i0.nb_domains, i1.nb_domains);
	/* kept: listed, mapped, usable */
	TH_CHECK(rte_dma_domain_lookup("df-a") == a, "not listed after a refused destroy");
	TH_CHECK(rte_dma_domain_query(a, 0x100000, &m) == 0 && m.len == M2,
		"mapping gone after a refused destroy");
	TH_CHECK_RC(fake_bind(&f, "df-dev", 1, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	TH_CHECK_RC(rte_dma_domain_soft_write(f.b, 0x100000, &v, sizeof(v)), 0);
	TH_CHECK_RC(rte_dma_domain_soft_read(f.b, 0x100000, &r, sizeof(r)), 0);
	TH_CHECK(r == v && memcmp(mem, &v, sizeof(v)) == 0, "DMA through the kept domain");
	TH_CHECK_RC(rte_dma_domain_destroy(a), -EBUSY); /* attached: the core's refusal */
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	/* the cause gone: the next destroy frees it */
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK(rte_dma_domain_lookup("df-a") == NULL, "still listed after destroy");
	TH_CHECK_RC(rte_dma_domain_ctx_info_get(ctx, &i1), 0);
	TH_CHECK(i1.nb_domains == i0.nb_domains && i1.destroy_failures == i0.destroy_failures + 1,
		"domains %u, destroy_failures %" PRIu64, i1.nb_domains, i1.destroy_failures);
	return 0;
}

/*
 * rte_dma_domain_ctx_close(): NULL and a closed context are no-ops;
 * refused (-EBUSY, nothing closed) while a binding or a domain is left;
 * closed once they are gone; ctx_get opens a fresh one.
 */
static int
case_ctx_close(void)
{
	struct rte_dma_domain_ctx_info info;
	struct rte_dma_domain_ctx *old;
	struct rte_dma_domain *a;
	struct fake_drv f;

	TH_CHECK_RC(rte_dma_domain_ctx_close(NULL), 0);
	a = mkdom("cc-a");
	TH_CHECK_RC(fake_bind(&f, "cc-dev", 1, 0x100000), 0);
	TH_CHECK_RC(rte_dma_domain_ctx_close(ctx), -EBUSY);
	TH_CHECK(rte_errno == EBUSY, "rte_errno %d", rte_errno);
	TH_CHECK_RC(rte_dma_domain_ctx_info_get(ctx, &info), 0);
	TH_CHECK(info.nb_domains == 1 && info.nb_bindings == 1, "info %u domains %u bindings",
		info.nb_domains, info.nb_bindings);
	TH_CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	TH_CHECK_RC(rte_dma_domain_ctx_close(ctx), -EBUSY); /* the domain is left */
	TH_CHECK(rte_dma_domain_lookup("cc-a") == a, "domain gone after a refused close");
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	TH_CHECK_RC(rte_dma_domain_ctx_close(ctx), 0);
	/* closed: not open any more; closing again changes nothing */
	TH_CHECK_RC(rte_dma_domain_ctx_info_get(ctx, &info), -ENOENT);
	TH_CHECK_RC(rte_dma_domain_ctx_close(ctx), 0);
	old = ctx;
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	TH_CHECK(ctx != NULL, "no soft context after close");
	if (ctx == NULL)
		return 1;
	TH_CHECK_RC(rte_dma_domain_ctx_info_get(ctx, &info), 0);
	TH_CHECK(info.nb_domains == 0 && info.nb_bindings == 0 && info.destroy_failures == 0,
		"fresh context: %u domains %u bindings %" PRIu64 " failures",
		info.nb_domains, info.nb_bindings, info.destroy_failures);
	RTE_SET_USED(old);
	a = mkdom("cc-b");
	TH_CHECK_RC(rte_dma_domain_destroy(a), 0);
	return 0;
}

static const struct th_case cases[] = {
	{ "map_errno", "unit", case_map_errno, NULL, NULL },
	{ "copy", "unit", case_copy, NULL, NULL },
	{ "soft_translate", "unit", case_soft_translate, NULL, NULL },
	{ "iotlb", "unit", case_iotlb, NULL, NULL },
	{ "coverage", "unit", case_coverage, NULL, NULL },
	{ "coverage_extent", "unit", case_coverage_extent, NULL, NULL },
	{ "queues_in_use", "unit", case_queues_in_use, NULL, NULL },
	{ "coverage_parked", "unit", case_coverage_parked, NULL, NULL },
	{ "inject", "unit", case_inject, NULL, NULL },
	{ "strategies", "unit", case_strategies, NULL, NULL },
	{ "remap_shared", "unit", case_remap_shared, NULL, NULL },
	{ "default_strategy", "unit", case_default_strategy, NULL, NULL },
	{ "arm", "unit", case_arm, NULL, NULL },
	{ "needs_reset", "unit", case_needs_reset, NULL, NULL },
	{ "rollback_failed", "unit", case_rollback_failed, NULL, NULL },
	{ "quiesce_fail", "unit", case_quiesce_fail, NULL, NULL },
	{ "release_bound", "unit", case_release_bound, NULL, NULL },
	{ "pins", "unit", case_pins, NULL, NULL },
	{ "noop", "unit", case_noop, NULL, NULL },
	{ "lock_order", "unit,concurrency", case_lock_order, NULL, NULL },
	{ "rollback_stats", "unit", case_rollback_stats, NULL, NULL },
	{ "late_faults", "unit", case_late_faults, NULL, NULL },
	{ "phases", "unit", case_phases, NULL, NULL },
	{ "destroy_fail", "unit", case_destroy_fail, NULL, NULL },
	{ "ctx_close", "unit", case_ctx_close, NULL, NULL },
};

int
main(int argc, char **argv)
{
	rte_log_set_level_pattern("lib.dma_domain", RTE_LOG_ERR);
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	mem = aligned_alloc(M2, 8 * M2);
	if (ctx == NULL || mem == NULL) {
		fprintf(stderr, "no soft context or memory\n");
		return 1;
	}
	memset(mem, 0, 8 * M2);
	return th_main(argc, argv, cases, RTE_DIM(cases), 0);
}
