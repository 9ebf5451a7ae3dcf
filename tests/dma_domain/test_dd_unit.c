/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Unit cases of librte_dma_domain on the soft backend (no EAL needed).
 * Run one case: test-dma-domain-unit <case>.
 */

#include <errno.h>
#include <inttypes.h>

#include <rte_log.h>

#include "tdd.h"

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
	struct rte_dma_domain *d = rte_dma_domain_create(ctx, name, RTE_DMA_DOMAIN_PAGING, 0);

	CHECK(d != NULL, "create %s", name);
	return d;
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
 * unmap  (0, UINT64_MAX) on empty domain    0          iopt_unmap_all
 * unmap  length 0                           EINVAL     iopt_unmap_iova
 * unmap  iova + length wraps                EOVERFLOW  iopt_unmap_iova
 * unmap  nothing mapped in range            ENOENT     iommufd_ioas_unmap
 * unmap  range cuts a mapping               ENOENT     iopt_unmap_iova_range
 * unmap  range covers 2 whole mappings      0          (both unmapped)
 * copy   hole in the source range           ENOENT     iopt_get_pages
 * copy   part of a source mapping           0          iopt_get_pages
 * copy   write from a read-only mapping     EPERM      iopt_alloc_area_pages
 * copy   destination overlaps               EEXIST     iopt_check_iova
 */
static int
case_map_errno(void)
{
	struct rte_dma_domain *d = mkdom("map");
	struct rte_dma_domain *idn = rte_dma_domain_create(ctx, "map-id",
			RTE_DMA_DOMAIN_IDENTITY, 0);
	uint64_t u;

	CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, 0, RW), -EINVAL);
	CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, K4, 0), -EINVAL);
	CHECK_RC(rte_dma_domain_map(d, 0x100800, mem, K4, RW), -EINVAL);
	CHECK_RC(rte_dma_domain_map(d, 0x100000, mem + 8, K4, RW), -EINVAL);
	CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, 100, RW), -EINVAL);
	CHECK_RC(rte_dma_domain_map(d, UINT64_MAX & ~(K4 - 1), mem, 2 * K4, RW), -EOVERFLOW);
	CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, 4 * K4, RW), 0);
	CHECK_RC(rte_dma_domain_map(d, 0x100000, mem, K4, RW), -EEXIST);
	CHECK_RC(rte_dma_domain_map(d, 0x0ff000, mem, 2 * K4, RW), -EEXIST);
	CHECK_RC(rte_dma_domain_map(d, 0x103000, mem, 2 * K4, RW), -EEXIST);
	CHECK_RC(rte_dma_domain_map(d, 0x0fe000, mem, 8 * K4, RW), -EEXIST);
	CHECK_RC(rte_dma_domain_map(d, 0x104000, mem, K4, RW), 0); /* adjacent */
	CHECK_RC(rte_dma_domain_map(d, 0x0ff000, mem, K4, RD), 0); /* adjacent */
	CHECK(rte_dma_domain_mapped_bytes(d) == 6 * K4, "bytes %" PRIu64,
		rte_dma_domain_mapped_bytes(d));
	CHECK_RC(rte_dma_domain_map(idn, 0, mem, K4, RW), -ENOTSUP);

	/* unmap */
	CHECK_RC(rte_dma_domain_unmap(d, 0x100000, 0, NULL), -EINVAL);
	CHECK_RC(rte_dma_domain_unmap(d, UINT64_MAX - K4, 2 * K4, NULL), -EOVERFLOW);
	CHECK_RC(rte_dma_domain_unmap(d, 0x200000, K4, NULL), -ENOENT);
	CHECK_RC(rte_dma_domain_unmap(d, 0x101000, K4, NULL), -ENOENT); /* cuts */
	CHECK_RC(rte_dma_domain_unmap(d, 0x100000, 2 * K4, NULL), -ENOENT);
	/* a refused unmap changes nothing (the kernel may unmap earlier areas) */
	CHECK_RC(rte_dma_domain_unmap(d, 0x0ff000, 3 * K4, NULL), -ENOENT);
	CHECK(rte_dma_domain_mapped_bytes(d) == 6 * K4, "refused unmap changed state");
	u = 0;
	CHECK_RC(rte_dma_domain_unmap(d, 0x0ff000, 5 * K4, &u), 0); /* 2 whole */
	CHECK(u == 5 * K4, "unmapped %" PRIu64, u);
	CHECK_RC(rte_dma_domain_unmap(d, 0, UINT64_MAX, &u), 0);
	CHECK(u == K4 && rte_dma_domain_mapped_bytes(d) == 0, "unmap all %" PRIu64, u);
	CHECK_RC(rte_dma_domain_unmap(d, 0, UINT64_MAX, &u), 0); /* empty: ok */
	CHECK_RC(rte_dma_domain_destroy(d), 0);
	CHECK_RC(rte_dma_domain_destroy(idn), 0);
	return 0;
}

static int
case_copy(void)
{
	struct rte_dma_domain *a = mkdom("copy-a"), *b = mkdom("copy-b");
	struct rte_dma_domain_mapping m;
	uint64_t gap = 0;

	CHECK_RC(rte_dma_domain_map(a, 0x10000, mem, 4 * K4, RW), 0);
	CHECK_RC(rte_dma_domain_map(a, 0x14000, mem + 0x10000, 4 * K4, RD), 0);
	CHECK_RC(rte_dma_domain_copy(b, 0x80000, a, 0x10000, 0, RW), -EINVAL);
	CHECK_RC(rte_dma_domain_copy(b, 0x80000, a, 0x0f000, 2 * K4, RD), -ENOENT);
	CHECK_RC(rte_dma_domain_copy(b, 0x80000, a, 0x10000, 8 * K4, RW), -EPERM);
	CHECK(rte_dma_domain_mapped_bytes(b) == 0, "refused copy changed b");
	/* a part of one mapping plus a part of the next */
	CHECK_RC(rte_dma_domain_copy(b, 0x80000, a, 0x12000, 4 * K4, RD), 0);
	CHECK(rte_dma_domain_mapped_bytes(b) == 4 * K4, "b bytes");
	CHECK_RC(rte_dma_domain_query(b, 0x81000, &m), 0);
	CHECK(m.va == mem + 0x2000 && m.len == 2 * K4, "piece 1 va %p len %" PRIx64, m.va, m.len);
	CHECK_RC(rte_dma_domain_query(b, 0x82000, &m), 0);
	CHECK(m.va == mem + 0x10000, "piece 2 va %p", m.va);
	CHECK(rte_dma_domain_covers(b, 0x80000, 4 * K4, RD, &gap) == 1, "covers");
	CHECK(rte_dma_domain_covers(b, 0x80000, 5 * K4, RD, &gap) == 0 &&
		gap == 0x84000, "gap 0x%" PRIx64, gap);
	/* copied read-only: no write access anywhere */
	CHECK(rte_dma_domain_covers(b, 0x80000, 4 * K4, RW, &gap) == 0 &&
		gap == 0x80000, "write gap 0x%" PRIx64, gap);
	CHECK_RC(rte_dma_domain_copy(b, 0x81000, a, 0x10000, K4, RD), -EEXIST);
	CHECK_RC(rte_dma_domain_destroy(a), 0);
	CHECK_RC(rte_dma_domain_destroy(b), 0);
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
	struct rte_dma_soft_fault fl[4];
	char buf[64];
	int err = 0;
	void *h;

	CHECK(b != NULL && blk != NULL && idn != NULL, "setup");
	/* 2 MiB aligned: one 2 MiB leaf, translations across it */
	CHECK_RC(rte_dma_domain_map(d, 0x40000000, mem, 2 * M2, RW), 0);
	CHECK_RC(rte_dma_domain_map(d, 0x50000000, mem, K4, RD), 0);
	CHECK_RC(rte_dma_domain_attach(b, d), 0);
	h = rte_dma_soft_translate(b, 0x40000000 + M2 + 0x1234, 16, RW, &err);
	CHECK(h == mem + M2 + 0x1234, "2M translate %p", h);
	/* crossing the 2 MiB boundary inside one mapping */
	h = rte_dma_soft_translate(b, 0x40000000 + M2 - 8, 16, RD, &err);
	CHECK(h == mem + M2 - 8, "cross %p err %d", h, err);
	memcpy(mem + 0x100, "hello", 6);
	CHECK_RC(rte_dma_soft_read(b, 0x40000100, buf, 6), 0);
	CHECK(strcmp(buf, "hello") == 0, "read '%s'", buf);
	CHECK_RC(rte_dma_soft_write(b, 0x40000000 + M2 + 4090, "0123456789", 10), 0);
	CHECK(memcmp(mem + M2 + 4090, "0123456789", 10) == 0, "write across pages");
	/* permission and unmapped faults, recorded exactly */
	CHECK(rte_dma_soft_fault_count(b) == 0, "no faults yet");
	CHECK_RC(rte_dma_soft_write(b, 0x50000010, "x", 1), -EFAULT);
	CHECK_RC(rte_dma_soft_read(b, 0x60000000, buf, 4), -EFAULT);
	CHECK(rte_dma_soft_fault_count(b) == 2, "2 faults");
	CHECK(rte_dma_soft_fault_log(b, fl, 4) == 2, "log");
	CHECK(fl[0].iova == 0x50000010 && fl[0].reason == -EACCES &&
		fl[0].access == WR && strcmp(fl[0].domain, "xl") == 0 &&
		strcmp(fl[0].device, "xl-dev") == 0, "fault 0: %" PRIx64 " %d", fl[0].iova,
		fl[0].reason);
	CHECK(fl[1].iova == 0x60000000 && fl[1].reason == -ENOENT &&
		fl[1].access == RD && fl[1].tsc >= fl[0].tsc, "fault 1");
	/* blocking and identity domains (attach through replace) */
	CHECK_RC(rte_dma_domain_replace(b, blk, NULL), 0);
	CHECK_RC(rte_dma_soft_read(b, 0x40000000, buf, 4), -EFAULT);
	CHECK(rte_dma_soft_fault_log(b, fl, 1) == 1 && fl[0].reason == -EPERM &&
		strcmp(fl[0].domain, "xl-block") == 0, "blocked fault");
	CHECK_RC(rte_dma_domain_replace(b, idn, NULL), 0);
	h = rte_dma_soft_translate(b, (uintptr_t)(mem + 64), 8, RW, &err);
	CHECK(h == mem + 64, "identity");
	CHECK_RC(rte_dma_domain_destroy(blk), 0);
	CHECK_RC(rte_dma_domain_destroy(idn), -EBUSY);
	CHECK_RC(rte_dma_domain_unbind(b), 0);
	CHECK_RC(rte_dma_domain_destroy(idn), 0);
	CHECK_RC(rte_dma_domain_destroy(d), 0);
	return 0;
}

/* Unmap invalidates the IOTLB; without the invalidation the stale entry
 * would still translate, and the verify mode catches it. */
static int
case_iotlb(void)
{
	struct rte_dma_domain *d = mkdom("tlb");
	struct rte_dma_domain_binding_params p = { .name = "tlb-dev", .dev_fd = -1 };
	struct rte_dma_domain_binding *b = rte_dma_domain_bind(ctx, &p);
	uint64_t hits, misses, inv0, inv1;
	char buf[8];

	tdd_soft_model(RTE_DMA_SOFT_REPLACE_ATOMIC, 0, true);
	CHECK_RC(rte_dma_domain_attach(b, d), 0);
	CHECK_RC(rte_dma_domain_map(d, 0x7000, mem, K4, RW), 0);
	CHECK_RC(rte_dma_soft_read(b, 0x7000, buf, 8), 0);
	CHECK_RC(rte_dma_soft_read(b, 0x7008, buf, 8), 0);
	rte_dma_soft_iotlb_stats(b, &hits, &misses, &inv0);
	CHECK(hits >= 1 && misses >= 1, "hits %" PRIu64 " misses %" PRIu64, hits, misses);
	/* with invalidation: the next access faults */
	CHECK_RC(rte_dma_domain_unmap(d, 0x7000, K4, NULL), 0);
	rte_dma_soft_iotlb_stats(b, NULL, NULL, &inv1);
	CHECK(inv1 > inv0, "unmap did not invalidate");
	CHECK_RC(rte_dma_soft_read(b, 0x7000, buf, 8), -EFAULT);
	CHECK(rte_dma_soft_iotlb_stale(b) == 0, "stale with invalidation");
	/* without invalidation: the stale entry hits, and is caught */
	CHECK_RC(rte_dma_domain_map(d, 0x7000, mem, K4, RW), 0);
	CHECK_RC(rte_dma_soft_read(b, 0x7000, buf, 8), 0);
	rte_dma_soft_test_skip_invalidation(true);
	CHECK_RC(rte_dma_domain_unmap(d, 0x7000, K4, NULL), 0);
	CHECK_RC(rte_dma_soft_read(b, 0x7000, buf, 8), 0); /* the bug */
	rte_dma_soft_test_skip_invalidation(false);
	CHECK(rte_dma_soft_iotlb_stale(b) == 1, "stale %" PRIu64, rte_dma_soft_iotlb_stale(b));
	tdd_soft_model(RTE_DMA_SOFT_REPLACE_ATOMIC, 0, false);
	CHECK_RC(rte_dma_domain_unbind(b), 0);
	CHECK_RC(rte_dma_domain_destroy(d), 0);
	return 0;
}

/* Two domains mapping the fake driver's buffers at the same IOVAs. */
static void
two_domains(struct rte_dma_domain **a, struct rte_dma_domain **b, const char *pa,
		const char *pb)
{
	*a = mkdom(pa);
	*b = mkdom(pb);
	CHECK_RC(rte_dma_domain_map(*a, 0x100000, mem, M2, RW), 0);
	CHECK_RC(rte_dma_domain_map(*b, 0x100000, mem, M2, RW), 0);
}

static int
case_coverage(void)
{
	struct rte_dma_domain *a, *b, *c;
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_stats st;
	struct fake_drv f;

	two_domains(&a, &b, "cov-a", "cov-b");
	c = mkdom("cov-c");
	/* c maps the buffers' IOVAs to other memory, and misses the extra */
	CHECK_RC(rte_dma_domain_map(c, 0x100000, mem + M2, M2, RW), 0);
	CHECK_RC(fake_bind(&f, "cov-dev", 2, 0x100000), 0);
	CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	f.extra_iova = 0x300000;
	f.extra_len = K4;
	CHECK_RC(rte_dma_domain_map(a, 0x300000, mem + 3 * M2, K4, RD), 0);
	CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), -ERANGE);
	CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.result == -ERANGE &&
		!r.rolled_back && strstr(r.reason, "0x300000") != NULL &&
		strstr(r.reason, "not mapped") != NULL, "reason '%s'", r.reason);
	CHECK(rte_dma_domain_binding_domain(f.b) == a, "moved");
	CHECK(f.q[0].quiesce_calls == 0 && rte_dma_domain_mapped_bytes(b) == M2,
		"state changed");
	CHECK_RC(rte_dma_domain_replace(f.b, c, NULL), -ERANGE);
	CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		strstr(r.reason, "0x100000") != NULL &&
		strstr(r.reason, "other memory") != NULL, "reason '%s'", r.reason);
	/* once b maps the extra range too, the swap goes through */
	CHECK_RC(rte_dma_domain_map(b, 0x300000, mem + 3 * M2, K4, RD), 0);
	CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), 0);
	CHECK(rte_dma_domain_binding_domain(f.b) == b, "not moved");
	CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	CHECK(st.swaps == 1 && st.failures == 2 && st.rollbacks == 0, "stats");
	CHECK(fake_buffers(&f) == 2 * FAKE_BUFS && f.bad_quiesce == 0, "buffers");
	CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	rte_dma_domain_destroy(c);
	return 0;
}

/* Two-phase coverage: a range only the parked walk reports (a buffer in
 * flight) refuses the swap after the pause, before any quiesce; the
 * queues are released and nothing else changed. HITLESS and RESTART run
 * the running walk only; drain gives up at the deadline when nothing
 * retires (no poller here). */
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

	two_domains(&a, &b, "covp-a", "covp-b");
	CHECK_RC(rte_dma_domain_map(a, 0x500000, mem + 3 * M2, K4, RD), 0);
	CHECK_RC(fake_bind(&f, "covp-dev", 2, 0x100000), 0);
	CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	f.inflight_iova = 0x500000;
	f.inflight_len = K4;
	CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -ERANGE);
	CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 && r.result == -ERANGE &&
		!r.rolled_back && strstr(r.reason, "0x500000") != NULL &&
		strstr(r.reason, "in flight") != NULL &&
		strstr(r.reason, "nothing changed") != NULL, "reason '%s'", r.reason);
	CHECK(f.walks[0] == 1 && f.walks[1] == 1, "walks running %" PRIu64 " parked %" PRIu64,
		f.walks[0], f.walks[1]);
	CHECK(f.bad_walk == 0, "parked walk while a queue was not parked");
	CHECK(rte_dma_domain_binding_domain(f.b) == a, "moved");
	for (q = 0; q < 2; q++) {
		CHECK(f.q[q].quiesce_calls == 0 && f.q[q].resume_calls == 0,
			"queue %u touched", q);
		CHECK(!rte_dma_domain_queue_pause_pending(rte_dma_domain_queue_get(f.b, q)),
			"queue %u still paused", q);
	}
	/* drain: nothing retires without a poller, so it gives up */
	o.drain = true;
	CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -ERANGE);
	CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		strstr(r.reason, "after draining") != NULL, "reason '%s'", r.reason);
	CHECK(f.walks[1] > 2, "drain walked %" PRIu64 " times", f.walks[1] - 1);
	o.drain = false;
	/* RESTART: port stop releases what is in flight, no parked walk */
	f.walks[1] = 0;
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART;
	CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	CHECK(f.walks[1] == 0 && rte_dma_domain_binding_domain(f.b) == b, "restart");
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART;
	CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
	/* once b maps it, QUIESCE goes through, both walks done */
	CHECK_RC(rte_dma_domain_map(b, 0x500000, mem + 3 * M2, K4, RD), 0);
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE;
	f.walks[0] = f.walks[1] = 0;
	qc = f.q[0].quiesce_calls;
	CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	CHECK(f.walks[0] == 1 && f.walks[1] == 1 && f.bad_walk == 0 &&
		f.q[0].quiesce_calls == qc + 1, "quiesce: walks %" PRIu64 "/%" PRIu64,
		f.walks[0], f.walks[1]);
	CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
	CHECK(st.failures == 2 && st.rollbacks == 0 && st.swaps == 3,
		"stats: failures %" PRIu64 " rollbacks %" PRIu64 " swaps %" PRIu64,
		st.failures, st.rollbacks, st.swaps);
	CHECK(fake_buffers(&f) == 2 * FAKE_BUFS && f.bad_quiesce == 0, "buffers");
	CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

/* Every injection point, single-threaded: error, reason, old domain,
 * queues resumed, no buffer lost; then a clean swap works. */
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

	two_domains(&a, &b, "inj-a", "inj-b");
	/* b differs from a by one more mapping, so REMAP is visible */
	CHECK_RC(rte_dma_domain_map(b, 0x900000, mem, K4, RD), 0);
	CHECK_RC(fake_bind(&f, "inj-dev", 2, 0x100000), 0);
	CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	/* queue 0 polled by "someone" that acks (we play the poller here by
	 * leaving it offline: offline queues count as acknowledged) */
	for (i = 0; i < RTE_DIM(t); i++) {
		struct rte_dma_domain_replace_opts o = {
			.strategy = t[i].s, .timeout_us = 20000, .force = true,
		};

		CHECK_RC(rte_dma_domain_inject(f.b, t[i].at), 0);
		CHECK_RC(rte_dma_domain_replace(f.b, b, &o), t[i].rc);
		CHECK(rte_dma_domain_last_swap(f.b, &r) == 0, "record");
		printf("  %-8s inject %d: %d rolled_back %d: %s\n",
			rte_dma_domain_strategy_name(t[i].s), t[i].at, r.result,
			r.rolled_back, r.reason);
		CHECK(r.result == t[i].rc && r.rolled_back == t[i].rolled_back &&
			strstr(r.reason, "injected") != NULL,
			"case %u: result %d rolled_back %d '%s'", i, r.result, r.rolled_back,
			r.reason);
		CHECK(rte_dma_domain_binding_domain(f.b) == a, "case %u: not on a", i);
		CHECK(rte_dma_domain_mapped_bytes(a) == M2, "case %u: a changed", i);
		CHECK(fake_buffers(&f) == 2 * FAKE_BUFS && f.q[0].reclaimed == 0 &&
			f.q[1].reclaimed == 0, "case %u: buffers %u", i, fake_buffers(&f));
		CHECK(!rte_dma_domain_queue_pause_pending(rte_dma_domain_queue_get(f.b, 0)),
			"case %u: queue still paused", i);
		CHECK(f.port_started, "case %u: port stopped", i);
	}
	/* the ACK injection needs an online queue that never answers */
	CHECK_RC(rte_dma_domain_replace(f.b, b, NULL), 0);
	CHECK(rte_dma_domain_binding_domain(f.b) == b, "clean swap");
	{
		struct rte_dma_domain_stats st;

		CHECK_RC(rte_dma_domain_stats_get(f.b, &st), 0);
		CHECK(st.failures == RTE_DIM(t) && st.timeouts == 1 && st.swaps == 1,
			"stats: failures %" PRIu64 " timeouts %" PRIu64, st.failures, st.timeouts);
	}
	CHECK_RC(rte_dma_domain_unbind(f.b), 0);
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

	two_domains(&a, &b, "st-a", "st-b");
	CHECK_RC(rte_dma_domain_map(b, 0x900000, mem, K4, RD), 0);
	CHECK_RC(fake_bind(&f, "st-dev", 1, 0x100000), 0);
	CHECK_RC(rte_dma_domain_attach(f.b, a), 0);
	tdd_soft_model(RTE_DMA_SOFT_REPLACE_VTD, 1000, false);
	CHECK(!rte_dma_domain_ctx_atomic_replace(ctx), "vtd is not atomic");
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_HITLESS;
	CHECK_RC(rte_dma_domain_replace(f.b, b, &o), -ENOTSUP);
	CHECK(rte_dma_domain_binding_domain(f.b) == a, "moved");
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_DEFAULT;
	CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		r.strategy == RTE_DMA_DOMAIN_STRATEGY_QUIESCE && r.pause_ns > 0 &&
		r.switch_ns >= 1000, "default on vtd: %d pause %" PRIu64 " switch %" PRIu64,
		r.strategy, r.pause_ns, r.switch_ns);
	/* REMAP: the binding stays on b, whose table becomes a's */
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_REMAP;
	CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
	CHECK(rte_dma_domain_binding_domain(f.b) == b &&
		rte_dma_domain_mapped_bytes(b) == M2, "remap");
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_RESTART;
	CHECK_RC(rte_dma_domain_replace(f.b, a, &o), 0);
	CHECK(rte_dma_domain_binding_domain(f.b) == a && f.restarts == 2 &&
		f.port_started, "restart");
	tdd_soft_model(RTE_DMA_SOFT_REPLACE_ATOMIC, 0, false);
	o.strategy = RTE_DMA_DOMAIN_STRATEGY_DEFAULT;
	CHECK_RC(rte_dma_domain_replace(f.b, b, &o), 0);
	CHECK(rte_dma_domain_last_swap(f.b, &r) == 0 &&
		r.strategy == RTE_DMA_DOMAIN_STRATEGY_HITLESS, "default on atomic");
	CHECK(fake_buffers(&f) == FAKE_BUFS && f.bad_quiesce == 0, "buffers");
	/* names */
	CHECK(rte_dma_domain_strategy_parse("remap", &s) == 0 &&
		s == RTE_DMA_DOMAIN_STRATEGY_REMAP, "parse");
	CHECK(rte_dma_domain_strategy_parse("bogus", &s) == -EINVAL, "parse bogus");
	CHECK(strcmp(rte_dma_domain_strategy_name(RTE_DMA_DOMAIN_STRATEGY_HITLESS),
		"hitless") == 0, "name");
	/* bad input changes nothing */
	CHECK(rte_dma_domain_create(ctx, "st-a", RTE_DMA_DOMAIN_PAGING, 0) == NULL, "dup");
	CHECK(rte_dma_domain_create(ctx, "x", 7, 0) == NULL, "kind");
	CHECK(rte_dma_domain_create(ctx, "", RTE_DMA_DOMAIN_PAGING, 0) == NULL, "name");
	CHECK(rte_dma_domain_lookup("st-b") == b, "lookup");
	CHECK_RC(rte_dma_domain_destroy(b), -EBUSY);
	CHECK_RC(rte_dma_domain_unbind(f.b), 0);
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	return 0;
}

static const struct tdd_case cases[] = {
	{ "map_errno", case_map_errno },
	{ "copy", case_copy },
	{ "soft_translate", case_soft_translate },
	{ "iotlb", case_iotlb },
	{ "coverage", case_coverage },
	{ "coverage_parked", case_coverage_parked },
	{ "inject", case_inject },
	{ "strategies", case_strategies },
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
	return tdd_main(argc, argv, cases, RTE_DIM(cases));
}
