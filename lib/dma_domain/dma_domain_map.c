/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The per-domain IOVA-ordered mapping table and the map/unmap/copy/query
 * rules. Errno choices follow Linux iommufd (drivers/iommu/iommufd/
 * io_pagetable.c and ioas.c, v6.12):
 *
 *   map    length 0, no access bit, IOVA/VA/length not 4 KiB aligned: EINVAL
 *          iova + length wraps: EOVERFLOW;  overlaps a mapping: EEXIST
 *   unmap  (0, UINT64_MAX) unmaps all, also when nothing is mapped
 *          length 0: EINVAL;  wraps: EOVERFLOW
 *          range cuts a mapping (iopt_unmap_iova_range's area_first < start
 *          || area_last > last): ENOENT;  nothing mapped in range: ENOENT
 *   copy   length 0: EINVAL;  wraps: EOVERFLOW;  hole in the source: ENOENT
 *          (sub-ranges of source mappings are fine, as iopt_get_pages);
 *          then the destination as map (EEXIST: iopt_alloc_area_pages
 *          checks the IOVA range before iopt_insert_area checks access);
 *          then write access to a read-only source: EPERM.
 *
 * One deliberate difference: the kernel unmaps the mappings it meets
 * before finding one that is cut; here a refused unmap changes nothing.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "dma_domain_private.h"

#define DD_ALIGNED(x) (((x) & (DD_PAGE - 1)) == 0)

/* Index of the first mapping that ends after iova (n if none). */
static uint32_t
tbl_lower(const struct dd_map_table *t, uint64_t iova)
{
	uint32_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const dd_mapping *m = &t->m[mid];

		if (m->iova + (m->len - 1) < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
tbl_insert(struct dd_map_table *t, uint32_t at, const dd_mapping *m)
{
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		dd_mapping *nm = realloc(t->m, cap * sizeof(*nm));

		if (nm == NULL)
			return -ENOMEM;
		t->m = nm;
		t->cap = cap;
	}
	memmove(&t->m[at + 1], &t->m[at], (t->n - at) * sizeof(*t->m));
	t->m[at] = *m;
	t->n++;
	t->bytes += m->len;
	return 0;
}

static void
tbl_remove(struct dd_map_table *t, uint32_t from, uint32_t to)
{
	uint32_t i;

	if (from == to)
		return; /* also an empty table: t->m may be NULL */
	for (i = from; i < to; i++)
		t->bytes -= t->m[i].len;
	memmove(&t->m[from], &t->m[to], (t->n - to) * sizeof(*t->m));
	t->n -= to - from;
}

void
dd_map_table_free(struct dd_map_table *t)
{
	free(t->m);
	memset(t, 0, sizeof(*t));
}

int
dd_map_table_dup(const struct dd_map_table *src, struct dd_map_table *dst)
{
	memset(dst, 0, sizeof(*dst));
	if (src->n == 0)
		return 0;
	dst->m = malloc(src->n * sizeof(*dst->m));
	if (dst->m == NULL)
		return -ENOMEM;
	memcpy(dst->m, src->m, src->n * sizeof(*dst->m));
	dst->n = dst->cap = src->n;
	dst->bytes = src->bytes;
	return 0;
}

static bool
overlaps(const struct dd_map_table *t, uint64_t iova, uint64_t last, uint32_t *at)
{
	uint32_t i = tbl_lower(t, iova);

	*at = i;
	return i < t->n && t->m[i].iova <= last;
}

static int
check_range(const char *op, const struct rte_dma_domain *dom, uint64_t iova,
		uint64_t len)
{
	if (len == 0) {
		DD_LOG(ERR, "%s '%s': zero length at IOVA 0x%" PRIx64,
			op, dom->name, iova);
		return -EINVAL;
	}
	if (iova + (len - 1) < iova) {
		DD_LOG(ERR, "%s '%s': IOVA 0x%" PRIx64 " + length 0x%" PRIx64 " wraps",
			op, dom->name, iova, len);
		return -EOVERFLOW;
	}
	return 0;
}

int
dd_map_locked(struct rte_dma_domain *dom, uint64_t iova, void *va,
		uint64_t len, uint32_t access)
{
	const struct dma_domain_backend_ops *ops = dom->ctx->ops;
	dd_mapping m;
	uint32_t at;
	int rc;

	if (dom->kind != RTE_DMA_DOMAIN_PAGING) {
		DD_LOG(ERR, "map '%s': a %s domain has no page table (expected paging)",
			dom->name, dd_kind_name(dom->kind));
		return -ENOTSUP;
	}
	if (len == 0 || access == 0 || (access & ~RTE_DMA_DOMAIN_ACCESS_RW)) {
		DD_LOG(ERR, "map '%s': length 0x%" PRIx64 " access 0x%x (expected length > 0, access READ and/or WRITE)",
			dom->name, len, access);
		return -EINVAL;
	}
	if (!DD_ALIGNED(iova) || !DD_ALIGNED(len) || !DD_ALIGNED((uintptr_t)va)) {
		DD_LOG(ERR, "map '%s': IOVA 0x%" PRIx64 " VA %p length 0x%" PRIx64 " (expected 4 KiB aligned)",
			dom->name, iova, va, len);
		return -EINVAL;
	}
	rc = check_range("map", dom, iova, len);
	if (rc < 0)
		return rc;
	if (overlaps(&dom->tbl, iova, iova + (len - 1), &at)) {
		DD_LOG(DEBUG, "map '%s': [0x%" PRIx64 ", +0x%" PRIx64 ")"
			" overlaps mapping at 0x%" PRIx64,
			dom->name, iova, len, dom->tbl.m[at].iova);
		return -EEXIST;
	}
	m.iova = iova;
	m.len = len;
	m.va = va;
	m.access = access;
	rc = tbl_insert(&dom->tbl, at, &m);
	if (rc < 0)
		return rc;
	rc = ops->map(dom->ctx->priv, dom->priv, iova, va, len, access);
	if (rc < 0) {
		DD_LOG(ERR, "map '%s': %s backend failed at IOVA 0x%" PRIx64 ": %s",
			dom->name, ops->name, iova, strerror(-rc));
		tbl_remove(&dom->tbl, at, at + 1);
	}
	return rc;
}

int
rte_dma_domain_map(struct rte_dma_domain *dom, uint64_t iova, void *va,
		uint64_t len, uint32_t access)
{
	int rc;

	if (dom == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	dd_lock();
	rc = dd_map_locked(dom, iova, va, len, access);
	return dd_unlock_ret(rc);
}

/* Remove table entries [from, to) and their translations. */
static int
unmap_entries(struct rte_dma_domain *dom, uint32_t from, uint32_t to,
		uint64_t *unmapped)
{
	const struct dma_domain_backend_ops *ops = dom->ctx->ops;
	uint64_t bytes = 0;
	uint32_t i;
	int rc = 0;

	for (i = from; i < to; i++) {
		int r = ops->unmap(dom->ctx->priv, dom->priv, dom->tbl.m[i].iova,
				dom->tbl.m[i].len);

		if (r < 0 && rc == 0) {
			DD_LOG(ERR, "unmap '%s': %s backend failed at IOVA 0x%" PRIx64 ": %s",
				dom->name, ops->name, dom->tbl.m[i].iova, strerror(-r));
			rc = r;
		}
		bytes += dom->tbl.m[i].len;
	}
	tbl_remove(&dom->tbl, from, to);
	if (unmapped != NULL)
		*unmapped = bytes;
	return rc;
}

int
dd_unmap_locked(struct rte_dma_domain *dom, uint64_t iova, uint64_t len,
		uint64_t *unmapped)
{
	uint64_t last;
	uint32_t from, to;
	int rc;

	if (unmapped != NULL)
		*unmapped = 0;
	if (iova == 0 && len == UINT64_MAX)
		return unmap_entries(dom, 0, dom->tbl.n, unmapped);
	if (dom->kind != RTE_DMA_DOMAIN_PAGING) {
		DD_LOG(ERR, "unmap '%s': a %s domain has no page table (expected paging)",
			dom->name, dd_kind_name(dom->kind));
		return -ENOTSUP;
	}
	rc = check_range("unmap", dom, iova, len);
	if (rc < 0)
		return rc;
	last = iova + (len - 1);
	from = tbl_lower(&dom->tbl, iova);
	for (to = from; to < dom->tbl.n && dom->tbl.m[to].iova <= last; to++) {
		const dd_mapping *m = &dom->tbl.m[to];

		if (m->iova < iova || m->iova + (m->len - 1) > last) {
			DD_LOG(DEBUG, "unmap '%s': [0x%" PRIx64 ", +0x%" PRIx64 ")"
				" would split mapping [0x%" PRIx64 ", +0x%" PRIx64 ")",
				dom->name, iova, len, m->iova, m->len);
			return -ENOENT;
		}
	}
	if (from == to)
		return -ENOENT;
	return unmap_entries(dom, from, to, unmapped);
}

int
rte_dma_domain_unmap(struct rte_dma_domain *dom, uint64_t iova, uint64_t len,
		uint64_t *unmapped)
{
	int rc;

	if (dom == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	dd_lock();
	rc = dd_unmap_locked(dom, iova, len, unmapped);
	return dd_unlock_ret(rc);
}

int
rte_dma_domain_copy(struct rte_dma_domain *dst, uint64_t dst_iova,
		struct rte_dma_domain *src, uint64_t src_iova, uint64_t len,
		uint32_t access)
{
	const struct dma_domain_backend_ops *ops;
	uint64_t off, last, dlast;
	uint32_t i, at, done = 0;
	const dd_mapping *denied = NULL;
	int rc;

	if (dst == NULL || src == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	rc = dd_ctx_check(src->ctx, dst, "copy", src->name);
	if (rc < 0)
		return rc;
	ops = dst->ctx->ops;
	dd_lock();
	if (src->kind != RTE_DMA_DOMAIN_PAGING || dst->kind != RTE_DMA_DOMAIN_PAGING) {
		DD_LOG(ERR, "copy '%s' -> '%s': both domains must be paging",
			src->name, dst->name);
		rc = -ENOTSUP;
		goto out;
	}
	if (access == 0 || (access & ~RTE_DMA_DOMAIN_ACCESS_RW) ||
			!DD_ALIGNED(dst_iova) || !DD_ALIGNED(src_iova) || !DD_ALIGNED(len)) {
		DD_LOG(ERR, "copy '%s' -> '%s': access 0x%x, IOVAs 0x%" PRIx64 "/0x%" PRIx64
			", length 0x%" PRIx64 " (expected READ/WRITE bits, 4 KiB aligned)",
			src->name, dst->name, access, src_iova, dst_iova, len);
		rc = -EINVAL;
		goto out;
	}
	rc = check_range("copy", src, src_iova, len);
	if (rc == 0)
		rc = check_range("copy", dst, dst_iova, len);
	if (rc < 0)
		goto out;
	last = src_iova + (len - 1);
	dlast = dst_iova + (len - 1);
	/* Validate everything first: a refused copy changes nothing. In the
	 * kernel's order: source holes, destination range, access.
	 */
	off = src_iova;
	for (i = tbl_lower(&src->tbl, src_iova); off <= last; i++) {
		/* no pointer past the table (tbl.m is NULL when empty) */
		const dd_mapping *m = i < src->tbl.n ? &src->tbl.m[i] : NULL;

		if (m == NULL || m->iova > off) {
			DD_LOG(ERR, "copy '%s' -> '%s': source IOVA 0x%" PRIx64 " is not mapped",
				src->name, dst->name, off);
			rc = -ENOENT;
			goto out;
		}
		if (denied == NULL && (access & m->access) != access)
			denied = m;
		if (m->iova + (m->len - 1) >= last)
			break;
		off = m->iova + m->len;
	}
	if (overlaps(&dst->tbl, dst_iova, dlast, &at)) {
		DD_LOG(ERR, "copy '%s' -> '%s': destination [0x%" PRIx64 ", +0x%" PRIx64 ")"
			" overlaps the mapping at 0x%" PRIx64,
			src->name, dst->name, dst_iova, len, dst->tbl.m[at].iova);
		rc = -EEXIST;
		goto out;
	}
	if (denied != NULL) {
		DD_LOG(ERR, "copy '%s' -> '%s': source mapping at 0x%" PRIx64 " (access 0x%x) lacks the requested access 0x%x",
			src->name, dst->name, denied->iova, denied->access, access);
		rc = -EPERM;
		goto out;
	}
	/* Then map the pieces: one destination mapping per source piece. The
	 * source mapping is looked up again for each piece: when src == dst,
	 * a piece inserted below the source range shifts the table (an index
	 * carried over then pointed back at the same mapping, for ever).
	 */
	off = src_iova;
	while (off <= last) {
		const dd_mapping *m = &src->tbl.m[tbl_lower(&src->tbl, off)];
		uint64_t end = RTE_MIN(last, m->iova + (m->len - 1));
		uint64_t plen = end - off + 1;
		dd_mapping d = {
			.iova = dst_iova + (off - src_iova),
			.len = plen,
			.va = (char *)m->va + (off - m->iova),
			.access = access,
		};

		rc = tbl_insert(&dst->tbl, tbl_lower(&dst->tbl, d.iova), &d);
		if (rc < 0)
			break;
		if (ops->copy == NULL)
			rc = ops->map(dst->ctx->priv, dst->priv, d.iova, d.va, d.len, access);
		else
			rc = ops->copy(dst->ctx->priv, dst->priv, d.iova, src->priv,
					off, plen, access);
		if (rc < 0) {
			tbl_remove(&dst->tbl, tbl_lower(&dst->tbl, d.iova),
					tbl_lower(&dst->tbl, d.iova) + 1);
			DD_LOG(ERR, "copy '%s' -> '%s': %s backend failed at 0x%" PRIx64 ": %s",
				src->name, dst->name, ops->name, d.iova, strerror(-rc));
			break;
		}
		done++;
		if (end == last)
			break;
		off = end + 1;
	}
	if (rc < 0 && done > 0) {
		/* undo the pieces already mapped */
		uint32_t from = tbl_lower(&dst->tbl, dst_iova);

		unmap_entries(dst, from, from + done, NULL);
	}
out:
	return dd_unlock_ret(rc);
}

int
dd_domain_translate(const struct rte_dma_domain *dom, uint64_t iova,
		uint32_t access, void **va, uint64_t *contig_len)
{
	const dd_mapping *m;
	uint32_t i;

	switch (dom->kind) {
	case RTE_DMA_DOMAIN_IDENTITY:
		*va = (void *)(uintptr_t)iova;
		*contig_len = UINT64_MAX - iova;
		return 0;
	case RTE_DMA_DOMAIN_BLOCKING:
		return -ENOENT;
	case RTE_DMA_DOMAIN_PAGING:
		break;
	}
	i = tbl_lower(&dom->tbl, iova);
	if (i >= dom->tbl.n || dom->tbl.m[i].iova > iova)
		return -ENOENT;
	m = &dom->tbl.m[i];
	if ((m->access & access) != access)
		return -EACCES;
	*va = (char *)m->va + (iova - m->iova);
	*contig_len = m->len - (iova - m->iova);
	return 0;
}

int
rte_dma_domain_covers(const struct rte_dma_domain *dom, uint64_t iova,
		uint64_t len, uint32_t access, uint64_t *gap)
{
	uint64_t off, last;
	int rc = 1;

	if (dom == NULL || len == 0 || iova + (len - 1) < iova ||
			(access & ~RTE_DMA_DOMAIN_ACCESS_RW))
		return -EINVAL;
	last = iova + (len - 1);
	dd_lock();
	for (off = iova;;) {
		void *va;
		uint64_t c;

		if (dd_domain_translate(dom, off, access, &va, &c) < 0) {
			if (gap != NULL)
				*gap = off;
			rc = 0;
			break;
		}
		if (c == 0 || last - off < c)
			break;
		off += c;
	}
	dd_unlock();
	return rc;
}

int
rte_dma_domain_query(const struct rte_dma_domain *dom, uint64_t iova,
		struct rte_dma_domain_mapping *m)
{
	uint32_t i;
	int rc = -ENOENT;

	if (dom == NULL || m == NULL)
		return -EINVAL;
	dd_lock();
	switch (dom->kind) {
	case RTE_DMA_DOMAIN_IDENTITY:
		m->iova = 0;
		m->len = UINT64_MAX;
		m->va = NULL;
		m->access = RTE_DMA_DOMAIN_ACCESS_RW;
		rc = 0;
		break;
	case RTE_DMA_DOMAIN_BLOCKING:
		break;
	case RTE_DMA_DOMAIN_PAGING:
		i = tbl_lower(&dom->tbl, iova);
		if (i < dom->tbl.n && dom->tbl.m[i].iova <= iova) {
			*m = dom->tbl.m[i];
			rc = 0;
		}
		break;
	}
	dd_unlock();
	return rc;
}

int
rte_dma_domain_walk(const struct rte_dma_domain *dom,
		int (*cb)(const struct rte_dma_domain_mapping *m, void *arg), void *arg)
{
	uint32_t i;
	int rc = 0;

	if (dom == NULL || cb == NULL)
		return -EINVAL;
	dd_lock();
	for (i = 0; i < dom->tbl.n && rc == 0; i++) {
		dd_mapping m = dom->tbl.m[i]; /* cb may change the table */

		rc = cb(&m, arg);
	}
	dd_unlock();
	return rc;
}

uint64_t
rte_dma_domain_mapped_bytes(const struct rte_dma_domain *dom)
{
	uint64_t b;

	if (dom == NULL)
		return 0;
	dd_lock();
	b = dom->tbl.bytes;
	dd_unlock();
	return b;
}
