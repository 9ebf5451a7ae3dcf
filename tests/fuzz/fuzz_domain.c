/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Differential fuzzer of the domain API on the soft backend: random
 * map/unmap/copy/attach/replace sequences on three paging domains and one
 * fake binding, checked step by step against a plain reference model of
 * the mapping tables (arrays below). Compared: every return code, the
 * unmapped byte count, rte_dma_domain_walk(), query(), covers() and the
 * soft IOMMU's rte_dma_domain_soft_translate() through the binding.
 *
 * Input: a sequence of 8-byte operations (see run_op()).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "tdd.h"
#include "fuzz_entry.h"

#define PG        4096ULL
#define NB_DOM    3
#define NB_PAGES  64              /* IOVA space the ops use: 64 pages */
#define MAX_MAPS  (NB_PAGES * 2)
#define MAX_OPS   64
#define BUF_BASE  (8 * PG)        /* the fake queue's buffers: 4 pages */
/* IOVA space of the soft model (SOFT_IOVA_BITS): maps beyond, -ERANGE */
#define SOFT_IOVA_END (1ULL << 48)

struct ref_map {
	uint64_t iova, len;
	char *va;
	uint32_t access;
};

struct ref_dom {
	struct ref_map m[MAX_MAPS];
	unsigned int n;
};

static struct rte_dma_domain_ctx *ctx;
static char *mem;                 /* NB_PAGES pages the VAs point into */
static struct rte_dma_domain *dom[NB_DOM];
static struct ref_dom ref[NB_DOM];
static struct fake_drv drv;
static int ref_att;               /* domain index the binding is on, -1 none */

/* ---- reference model ------------------------------------------------ */

static uint64_t
last_of(uint64_t iova, uint64_t len)
{
	return iova + (len - 1);
}

static bool
wraps(uint64_t iova, uint64_t len)
{
	return last_of(iova, len) < iova;
}

/* Index of the mapping holding x, or -1. */
static int
ref_find(const struct ref_dom *d, uint64_t x)
{
	unsigned int i;

	for (i = 0; i < d->n; i++)
		if (d->m[i].iova <= x && x <= last_of(d->m[i].iova, d->m[i].len))
			return (int)i;
	return -1;
}

static bool
ref_overlaps(const struct ref_dom *d, uint64_t iova, uint64_t last)
{
	unsigned int i;

	for (i = 0; i < d->n; i++)
		if (d->m[i].iova <= last && iova <= last_of(d->m[i].iova, d->m[i].len))
			return true;
	return false;
}

static void
ref_insert(struct ref_dom *d, const struct ref_map *m)
{
	unsigned int i = d->n;

	TH_ASSERT(d->n < MAX_MAPS, "reference table full");
	while (i > 0 && d->m[i - 1].iova > m->iova) {
		d->m[i] = d->m[i - 1];
		i--;
	}
	d->m[i] = *m;
	d->n++;
}

static bool
bad_access(uint32_t a)
{
	return a == 0 || (a & ~RTE_DMA_DOMAIN_ACCESS_RW) != 0;
}

static int
ref_map(struct ref_dom *d, uint64_t iova, char *va, uint64_t len, uint32_t access)
{
	struct ref_map m = { iova, len, va, access };

	if (len == 0 || bad_access(access))
		return -EINVAL;
	if (iova % PG || len % PG || (uintptr_t)va % PG)
		return -EINVAL;
	if (wraps(iova, len))
		return -EOVERFLOW;
	if (ref_overlaps(d, iova, last_of(iova, len)))
		return -EEXIST;
	if (last_of(iova, len) >= SOFT_IOVA_END)
		return -ERANGE;
	ref_insert(d, &m);
	return 0;
}

static int
ref_unmap(struct ref_dom *d, uint64_t iova, uint64_t len, uint64_t *bytes)
{
	unsigned int i, j, hit = 0;
	uint64_t last;

	*bytes = 0;
	if (iova == 0 && len == UINT64_MAX) {
		for (i = 0; i < d->n; i++)
			*bytes += d->m[i].len;
		d->n = 0;
		return 0;
	}
	if (len == 0)
		return -EINVAL;
	if (wraps(iova, len))
		return -EOVERFLOW;
	last = last_of(iova, len);
	for (i = 0; i < d->n; i++) {
		const struct ref_map *m = &d->m[i];

		if (m->iova > last || last_of(m->iova, m->len) < iova)
			continue;
		if (m->iova < iova || last_of(m->iova, m->len) > last)
			return -ENOENT;
		hit++;
	}
	if (hit == 0)
		return -ENOENT;
	for (i = 0, j = 0; i < d->n; i++) {
		const struct ref_map *m = &d->m[i];

		if (m->iova >= iova && last_of(m->iova, m->len) <= last)
			*bytes += m->len;
		else
			d->m[j++] = *m;
	}
	d->n = j;
	return 0;
}

static int
ref_copy(struct ref_dom *dst, uint64_t diova, const struct ref_dom *src,
		uint64_t siova, uint64_t len, uint32_t access)
{
	struct ref_map piece[MAX_MAPS];
	unsigned int np = 0, i;
	bool denied = false;
	uint64_t off, last;

	if (bad_access(access) || diova % PG || siova % PG || len % PG)
		return -EINVAL;
	if (len == 0)
		return -EINVAL;
	if (wraps(siova, len) || wraps(diova, len))
		return -EOVERFLOW;
	last = last_of(siova, len);
	for (off = siova;;) {
		int k = ref_find(src, off);
		const struct ref_map *m;
		uint64_t end;

		if (k < 0)
			return -ENOENT;
		m = &src->m[k];
		if ((m->access & access) != access)
			denied = true;
		end = last_of(m->iova, m->len) < last ? last_of(m->iova, m->len) : last;
		piece[np].iova = diova + (off - siova);
		piece[np].len = end - off + 1;
		piece[np].va = m->va + (off - m->iova);
		piece[np].access = access;
		np++;
		if (end == last)
			break;
		off = end + 1;
	}
	if (ref_overlaps(dst, diova, last_of(diova, len)))
		return -EEXIST;
	if (denied)
		return -EPERM;
	if (last_of(diova, len) >= SOFT_IOVA_END)
		return -ERANGE;
	for (i = 0; i < np; i++)
		ref_insert(dst, &piece[i]);
	return 0;
}

static int
ref_covers(const struct ref_dom *d, uint64_t iova, uint64_t len, uint32_t access,
		uint64_t *gap)
{
	uint64_t off = iova, last;

	if (len == 0 || wraps(iova, len) || (access & ~RTE_DMA_DOMAIN_ACCESS_RW))
		return -EINVAL;
	last = last_of(iova, len);
	for (;;) {
		int k = ref_find(d, off);

		if (k < 0 || (d->m[k].access & access) != access) {
			*gap = off;
			return 0;
		}
		if (last_of(d->m[k].iova, d->m[k].len) >= last)
			return 1;
		off = last_of(d->m[k].iova, d->m[k].len) + 1;
	}
}

/* VA of x in d with RW access, NULL if none. */
static char *
ref_va_rw(const struct ref_dom *d, uint64_t x)
{
	int k = ref_find(d, x);

	if (k < 0 || d->m[k].access != RTE_DMA_DOMAIN_ACCESS_RW)
		return NULL;
	return d->m[k].va + (x - d->m[k].iova);
}

/* Replace's coverage check of the fake queue's buffers (read-write): the
 * target maps every page, to the same memory as the current domain
 * where that maps it.
 */
static bool
ref_replace_ok(int from, int to)
{
	uint64_t x;

	for (x = BUF_BASE; x < BUF_BASE + FAKE_BUFS * FAKE_BUF_SIZE; x += PG) {
		char *vn = ref_va_rw(&ref[to], x), *vo = ref_va_rw(&ref[from], x);

		if (vn == NULL || (vo != NULL && vo != vn))
			return false;
	}
	return true;
}

/* ---- comparisons ----------------------------------------------------- */

struct walk_state {
	const struct ref_dom *r;
	unsigned int i;
	int di;
};

static int
walk_cb(const struct rte_dma_domain_mapping *m, void *arg)
{
	struct walk_state *w = arg;
	const struct ref_map *r = &w->r->m[w->i];

	TH_ASSERT(w->i < w->r->n, "domain %d: walk reports a mapping at 0x%" PRIx64
		" beyond the model's %u", w->di, m->iova, w->r->n);
	TH_ASSERT(m->iova == r->iova && m->len == r->len && m->va == r->va &&
		m->access == r->access,
		"domain %d mapping %u: walk {0x%" PRIx64 ", 0x%" PRIx64 ", %p, %u} model {0x%"
		PRIx64 ", 0x%" PRIx64 ", %p, %u}", w->di, w->i, m->iova, m->len, m->va,
		m->access, r->iova, r->len, (void *)r->va, r->access);
	w->i++;
	return 0;
}

static void
check_domain(int di)
{
	struct walk_state w = { &ref[di], 0, di };
	uint64_t bytes = 0;
	unsigned int i;

	TH_ASSERT(rte_dma_domain_walk(dom[di], walk_cb, &w) == 0, "walk of domain %d", di);
	TH_ASSERT(w.i == ref[di].n, "domain %d: walk saw %u mappings, model has %u",
		di, w.i, ref[di].n);
	for (i = 0; i < ref[di].n; i++)
		bytes += ref[di].m[i].len;
	TH_ASSERT(rte_dma_domain_mapped_bytes(dom[di]) == bytes, "domain %d: mapped bytes %"
		PRIu64 ", model %" PRIu64, di, rte_dma_domain_mapped_bytes(dom[di]), bytes);
}

static void
check_query(int di, uint64_t x)
{
	struct rte_dma_domain_mapping m;
	int k = ref_find(&ref[di], x);
	int rc = rte_dma_domain_query(dom[di], x, &m);

	TH_ASSERT(rc == (k < 0 ? -ENOENT : 0), "domain %d query 0x%" PRIx64 ": rc %d, model %s",
		di, x, rc, k < 0 ? "unmapped" : "mapped");
	if (k >= 0)
		TH_ASSERT(m.iova == ref[di].m[k].iova && m.len == ref[di].m[k].len,
			"domain %d query 0x%" PRIx64 ": mapping 0x%" PRIx64 "+0x%" PRIx64,
			di, x, m.iova, m.len);
}

/* The device's view: translate through the binding's current domain. The
 * soft model takes a range over adjacent mappings when their VAs are
 * contiguous (what the device sees is one buffer).
 */
static void
check_translate(uint64_t x, uint32_t len, uint32_t access)
{
	int err = 0;
	void *p = rte_dma_domain_soft_translate(drv.b, x, len, access, &err);
	char *want = NULL;
	uint64_t off, last = x + (len - 1);

	if (ref_att >= 0 && access != 0 && len > 0 && last >= x) {
		for (off = x;;) {
			int k = ref_find(&ref[ref_att], off);
			const struct ref_map *m = k < 0 ? NULL : &ref[ref_att].m[k];

			if (m == NULL || (m->access & access) != access ||
					(off != x && m->va + (off - m->iova) != want + (off - x))) {
				want = NULL;
				break;
			}
			if (off == x)
				want = m->va + (x - m->iova);
			if (last_of(m->iova, m->len) >= last)
				break;
			off = last_of(m->iova, m->len) + 1;
		}
	}
	TH_ASSERT(p == want, "translate 0x%" PRIx64 "+%u access %u on domain %d: %p, model %p (err %d)",
		x, len, access, ref_att, p, (void *)want, err);
}

/* ---- operations ------------------------------------------------------ */

/* Lengths: mostly whole pages, some odd or huge ones. */
static uint64_t
pick_len(uint8_t v)
{
	switch (v >> 5) {
	case 0: return 0;
	case 1: return (uint64_t)(v & 31) + 1;           /* unaligned bytes */
	case 2: return UINT64_MAX - (v & 31) * PG;        /* wraps */
	default: return ((uint64_t)(v & 15) + 1) * PG;
	}
}

static uint64_t
pick_iova(uint8_t v)
{
	if (v >= 0xf8)
		return UINT64_MAX - (uint64_t)(v & 7) * PG + 1 - PG; /* top pages */
	if (v >= 0xf0)
		return (uint64_t)(v & 7) * PG + 8;                  /* unaligned */
	return (uint64_t)(v % NB_PAGES) * PG;
}

static uint32_t
pick_access(uint8_t v)
{
	static const uint32_t a[] = { 1, 2, 3, 3, 1, 3, 0, 4 };

	return a[v & 7];
}

static void
run_op(const uint8_t *o)
{
	int di = o[1] % NB_DOM, si = o[2] % NB_DOM, rc, want;
	uint64_t iova = pick_iova(o[3]), len = pick_len(o[4]), got, exp;
	uint32_t access = pick_access(o[5]);
	char *va = mem + (uint64_t)(o[6] % NB_PAGES) * PG + ((o[6] & 0xc0) == 0xc0 ? 16 : 0);
	struct rte_dma_domain_mapping m;

	switch (o[0] % 10) {
	case 0:
	case 1:
		/* VAs stay inside mem: clip the length to what is left */
		if (len % PG == 0 && len <= NB_PAGES * PG &&
				(uint64_t)(mem + NB_PAGES * PG - va) < len)
			len = PG;
		rc = rte_dma_domain_map(dom[di], iova, va, len, access);
		want = ref_map(&ref[di], iova, va, len, access);
		TH_ASSERT(rc == want, "map d%d 0x%" PRIx64 " len 0x%" PRIx64 " access %u: %d, model %d",
			di, iova, len, access, rc, want);
		break;
	case 2:
	case 3:
		rc = rte_dma_domain_unmap(dom[di], iova, len, &got);
		want = ref_unmap(&ref[di], iova, len, &exp);
		TH_ASSERT(rc == want, "unmap d%d 0x%" PRIx64 " len 0x%" PRIx64 ": %d, model %d",
			di, iova, len, rc, want);
		TH_ASSERT(rc != 0 || got == exp, "unmap d%d: %" PRIu64 " bytes, model %" PRIu64,
			di, got, exp);
		break;
	case 4:
		rc = rte_dma_domain_unmap(dom[di], 0, UINT64_MAX, &got);
		want = ref_unmap(&ref[di], 0, UINT64_MAX, &exp);
		TH_ASSERT(rc == want && got == exp, "unmap all d%d: %d %" PRIu64
			", model %d %" PRIu64,
			di, rc, got, want, exp);
		break;
	case 5:
		rc = rte_dma_domain_copy(dom[di], pick_iova(o[7]), dom[si], iova, len, access);
		want = ref_copy(&ref[di], pick_iova(o[7]), &ref[si], iova, len, access);
		TH_ASSERT(rc == want, "copy d%d 0x%" PRIx64 " <- d%d 0x%" PRIx64 " len 0x%" PRIx64
			" access %u: %d, model %d", di, pick_iova(o[7]), si, iova, len, access,
			rc, want);
		break;
	case 6: {
		uint64_t gap = 0, rgap = 0;

		rc = rte_dma_domain_covers(dom[di], iova, len, access & 3, &gap);
		want = ref_covers(&ref[di], iova, len, access & 3, &rgap);
		TH_ASSERT(rc == want && (rc != 0 || gap == rgap), "covers d%d 0x%" PRIx64 " len 0x%"
			PRIx64 ": %d gap 0x%" PRIx64 ", model %d gap 0x%" PRIx64,
			di, iova, len, rc, gap, want, rgap);
		check_query(di, iova + (o[7] & 0x1f) * 512);
		break;
	}
	case 7:
		/* attach when detached, else replace (the fake binding's
		 * queues are offline: no poller to wait for)
		 */
		if (ref_att < 0) {
			rc = rte_dma_domain_attach(drv.b, dom[di]);
			TH_ASSERT(rc == 0, "attach to d%d: %d", di, rc);
			ref_att = di;
			break;
		}
		rc = rte_dma_domain_replace(drv.b, dom[di], NULL);
		if (di == ref_att)
			want = 0;
		else
			want = ref_replace_ok(ref_att, di) ? 0 : -ERANGE;
		TH_ASSERT(rc == want, "replace d%d -> d%d: %d, model %d", ref_att, di, rc, want);
		if (rc == 0)
			ref_att = di;
		TH_ASSERT(rte_dma_domain_binding_domain(drv.b) == dom[ref_att],
			"binding on the wrong domain after replace");
		break;
	case 8:
		check_translate(iova, (uint32_t)(o[7] * 64u), access & 3);
		break;
	default:
		m.iova = 0;
		rc = rte_dma_domain_query(dom[di], iova, &m);
		check_query(di, iova);
		break;
	}
	check_domain(di);
	if (si != di)
		check_domain(si);
}

/* ---- libFuzzer entry points ------------------------------------------- */


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	if (getenv("FUZZ_VERBOSE") == NULL)
		rte_log_set_global_level(RTE_LOG_CRIT);
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	mem = aligned_alloc(PG, NB_PAGES * PG);
	if (ctx == NULL || mem == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[NB_DOM] = { "fz0", "fz1", "fz2" };
	size_t n;
	int i;

	for (i = 0; i < NB_DOM; i++) {
		dom[i] = rte_dma_domain_create(ctx, names[i], RTE_DMA_DOMAIN_PAGING, 0);
		TH_ASSERT(dom[i] != NULL, "create %s: %d", names[i], rte_errno);
		ref[i].n = 0;
	}
	TH_ASSERT(fake_bind(&drv, "fzdev", 1, BUF_BASE) == 0, "fake_bind");
	ref_att = -1;
	for (n = 0; n + 8 <= size && n / 8 < MAX_OPS; n += 8)
		run_op(data + n);
	if (ref_att >= 0)
		TH_ASSERT(rte_dma_domain_detach(drv.b) == 0, "detach");
	TH_ASSERT(rte_dma_domain_unbind(drv.b) == 0, "unbind");
	for (i = 0; i < NB_DOM; i++)
		TH_ASSERT(rte_dma_domain_destroy(dom[i]) == 0, "destroy %s", names[i]);
	return 0;
}
