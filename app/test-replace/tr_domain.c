/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "tr_domain.h"
#include "tr_util.h"

#define PAGE_4K 4096ULL

static pthread_mutex_t dom_mutex = PTHREAD_MUTEX_INITIALIZER;

void
tr_dom_lock(void)
{
	pthread_mutex_lock(&dom_mutex);
}

void
tr_dom_unlock(void)
{
	pthread_mutex_unlock(&dom_mutex);
}

/* Memory the app allocated for 'domain map ... alloc', owned until the
 * exact range is unmapped or the domain is destroyed.
 */
struct tr_alloc {
	struct tr_alloc *next;
	const struct rte_dma_domain *dom;
	uint64_t iova, len;
	void *va;
};
static struct tr_alloc *allocs;

static void
allocs_release(const struct rte_dma_domain *dom, uint64_t iova, uint64_t len, bool all)
{
	struct tr_alloc **pp = &allocs, *a;

	while ((a = *pp) != NULL) {
		if (a->dom == dom && (all || (a->iova >= iova && a->iova + a->len <= iova + len))) {
			*pp = a->next;
			rte_free(a->va);
			free(a);
		} else {
			pp = &a->next;
		}
	}
}

/* The contexts the app used (one per backend), closed by tr_domain_fini(). */
static struct rte_dma_domain_ctx *used_ctx[2];

static struct rte_dma_domain_ctx *
ctx_used(struct rte_dma_domain_ctx *ctx)
{
	if (ctx != NULL)
		used_ctx[rte_dma_domain_ctx_backend(ctx) == RTE_DMA_DOMAIN_BACKEND_SOFT ? 0 : 1] =
				ctx;
	return ctx;
}

static struct rte_dma_domain_ctx *
default_ctx(void)
{
	uint16_t port;

	/* Domains must live in the context of the devices that will use them. */
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_dma_domain_binding *b;

		b = rte_dma_domain_binding_lookup(tr_port_devname(port));
		if (b != NULL)
			return ctx_used(rte_dma_domain_binding_ctx(b));
	}
	return ctx_used(rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT));
}

struct copy_arg {
	struct rte_dma_domain *dst, *src;
	int rc;
	uint64_t iova;
};

static int
copy_one(const struct rte_dma_domain_mapping *m, void *arg)
{
	struct copy_arg *c = arg;

	c->rc = rte_dma_domain_copy(c->dst, m->iova, c->src, m->iova, m->len, m->access);
	c->iova = m->iova;
	return c->rc;
}

int
tr_domain_create(const char *name, const char *how, const char *src, char *err)
{
	static const char *const hows = "empty, mirror, copy <src>, identity or blocking";
	enum rte_dma_domain_kind kind = RTE_DMA_DOMAIN_PAGING;
	struct rte_dma_domain_ctx *ctx;
	struct rte_dma_domain *d, *s = NULL;
	uint32_t flags = 0;
	struct copy_arg c;

	if (name == NULL || name[0] == '\0')
		return tr_err(err, "missing domain name: expected a new name of at most %d characters",
			RTE_DMA_DOMAIN_NAMESIZE - 1);
	if (strlen(name) >= RTE_DMA_DOMAIN_NAMESIZE)
		return tr_err(err, "bad domain name '%s': longer than %d characters",
			name, RTE_DMA_DOMAIN_NAMESIZE - 1);
	if (rte_dma_domain_lookup(name) != NULL)
		return tr_err(err, "bad domain name '%s': a domain with this name exists", name);
	if (how == NULL || strcmp(how, "mirror") == 0)
		flags = RTE_DMA_DOMAIN_F_MIRROR;
	else if (strcmp(how, "empty") == 0)
		;
	else if (strcmp(how, "identity") == 0)
		kind = RTE_DMA_DOMAIN_IDENTITY;
	else if (strcmp(how, "blocking") == 0)
		kind = RTE_DMA_DOMAIN_BLOCKING;
	else if (strcmp(how, "copy") == 0) {
		if (src == NULL)
			return tr_err(err, "missing source domain after 'copy': expected an existing domain");
		if (tr_parse_domain(src, &s, err) < 0)
			return -EINVAL;
	} else
		return tr_err(err, "bad domain type '%s': expected %s", how, hows);
	if (s == NULL && src != NULL)
		return tr_err(err, "unexpected argument '%s' after '%s'", src, how);

	ctx = s != NULL ? NULL : default_ctx();
	if (s != NULL) {
		/* A copy lives where its source lives (no cross-context copy). */
		uint16_t port;

		RTE_ETH_FOREACH_DEV(port) {
			struct rte_dma_domain_binding *b =
				rte_dma_domain_binding_lookup(tr_port_devname(port));

			if (b != NULL && rte_dma_domain_binding_domain(b) == s)
				ctx = ctx_used(rte_dma_domain_binding_ctx(b));
		}
		if (ctx == NULL)
			ctx = default_ctx();
	}
	if (ctx == NULL)
		return tr_err(err, "cannot create domain '%s': no DMA domain backend (%s)",
			name, strerror(rte_errno));
	d = rte_dma_domain_create(ctx, name, kind, flags);
	if (d == NULL)
		return tr_err(err, "cannot create domain '%s' (%s): %s", name,
			how ? how : "mirror", strerror(rte_errno));
	if (s == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	c.dst = d;
	c.src = s;
	rte_dma_domain_walk(s, copy_one, &c);
	if (c.rc != 0) {
		/* nothing half-applied: the new domain goes away again */
		rte_dma_domain_destroy(d);
		return tr_err(err, "cannot copy domain '%s' into '%s': mapping at IOVA 0x%" PRIx64 ": %s",
			src, name, c.iova, strerror(-c.rc));
	}
	return 0;
}

int
tr_domain_destroy(const char *name, char *err)
{
	struct rte_dma_domain *d;
	int rc;

	if (tr_parse_domain(name, &d, err) < 0)
		return -EINVAL;
	rc = rte_dma_domain_destroy(d);
	if (rc == -EBUSY)
		return tr_err(err, "cannot destroy domain '%s': a port is attached to it (detach or replace it first)",
			name);
	if (rc < 0)
		return tr_err(err, "cannot destroy domain '%s': %s", name, strerror(-rc));
	allocs_release(d, 0, 0, true);
	return 0;
}

static int
fini_one(struct rte_dma_domain *d, void *arg)
{
	unsigned int *failed = arg;
	int rc;

	rc = rte_dma_domain_destroy(d);
	if (rc < 0) {
		printf("error: exit: cannot destroy domain '%s': %s\n",
			rte_dma_domain_name(d), strerror(-rc));
		(*failed)++;
		return 0;
	}
	allocs_release(d, 0, 0, true);
	return 0;
}

int
tr_domain_fini(void)
{
	unsigned int failed = 0, i;

	/* The ports are closed (their bindings gone): every domain left is
	 * unused. Destroying them here, then closing the contexts, leaves
	 * no /dev/iommu or fault source open, and a refused IOMMU_DESTROY
	 * is reported instead of lost in the process's exit.
	 */
	rte_dma_domain_foreach(fini_one, &failed);
	for (i = 0; i < RTE_DIM(used_ctx); i++) {
		struct rte_dma_domain_ctx_info info;

		if (used_ctx[i] == NULL ||
				rte_dma_domain_ctx_info_get(used_ctx[i], &info) != 0)
			continue;
		/* Bindings left: devices the app has no port for; the bus
		 * closes the context at rte_eal_cleanup().
		 */
		if (info.nb_bindings == 0 && info.nb_domains == 0)
			rte_dma_domain_ctx_close(used_ctx[i]);
		used_ctx[i] = NULL;
	}
	return failed != 0 ? -EBUSY : 0;
}

int
tr_domain_map(struct rte_dma_domain *dom, uint64_t iova, uint64_t len,
		uint32_t access, bool alloc, char *err)
{
	const char *name = rte_dma_domain_name(dom);
	struct tr_alloc *a = NULL;
	void *va;
	int rc;

	if ((iova | len) & (PAGE_4K - 1))
		return tr_err(err, "bad range 0x%" PRIx64 "+0x%" PRIx64 ": IOVA and length must be 4 KiB aligned",
			iova, len);
	if (len == 0)
		return tr_err(err, "bad length 0: expected a non-zero size");
	if (iova + len < iova)
		return tr_err(err, "bad range 0x%" PRIx64 "+0x%" PRIx64 ": wraps around the IOVA space",
			iova, len);
	if (alloc) {
		va = rte_zmalloc("tr_map", len, PAGE_4K);
		a = calloc(1, sizeof(*a));
		if (va == NULL || a == NULL) {
			rte_free(va);
			free(a);
			return tr_err(err, "cannot allocate %" PRIu64 " bytes for the mapping",
				len);
		}
	} else {
		uint8_t *last;

		va = rte_mem_iova2virt(iova);
		last = rte_mem_iova2virt(iova + len - 1);
		if (va == NULL || last != (uint8_t *)va + len - 1)
			return tr_err(err, "bad range 0x%" PRIx64 "+0x%" PRIx64 ": not contiguous DPDK memory at that IOVA (use 'alloc' for new memory)",
				iova, len);
	}
	rc = rte_dma_domain_map(dom, iova, va, len, access);
	if (rc < 0) {
		if (a != NULL) {
			rte_free(va);
			free(a);
		}
		if (rc == -EEXIST)
			return tr_err(err, "cannot map 0x%" PRIx64 "+0x%" PRIx64 " in '%s': overlaps an existing mapping",
				iova, len, name);
		return tr_err(err, "cannot map 0x%" PRIx64 "+0x%" PRIx64 " in '%s': %s",
			iova, len, name, strerror(-rc));
	}
	if (a != NULL) {
		a->dom = dom;
		a->iova = iova;
		a->len = len;
		a->va = va;
		a->next = allocs;
		allocs = a;
	}
	return 0;
}

int
tr_domain_unmap(struct rte_dma_domain *dom, uint64_t iova, uint64_t len,
		bool all, char *err)
{
	uint64_t done = 0;
	int rc;

	if (all) {
		iova = 0;
		len = UINT64_MAX;
	}
	rc = rte_dma_domain_unmap(dom, iova, len, &done);
	if (rc == -ENOENT)
		/* iommufd answers ENOENT both for nothing mapped and for a
		 * range that would split a mapping.
		 */
		return tr_err(err, "cannot unmap 0x%" PRIx64 "+0x%" PRIx64 " in '%s': nothing is mapped there, or the range cuts a mapping (unmap takes whole mappings; see 'show domain %s')",
			iova, len, rte_dma_domain_name(dom), rte_dma_domain_name(dom));
	if (rc == -EINVAL)
		return tr_err(err, "cannot unmap 0x%" PRIx64 "+0x%" PRIx64 " in '%s': the range must cover whole mappings (see 'show domain %s')",
			iova, len, rte_dma_domain_name(dom), rte_dma_domain_name(dom));
	if (rc < 0)
		return tr_err(err, "cannot unmap in '%s': %s", rte_dma_domain_name(dom),
			strerror(-rc));
	allocs_release(dom, iova, len, all);
	return 0;
}

struct count_arg {
	unsigned int n;
};

static int
count_one(const struct rte_dma_domain_mapping *m, void *arg)
{
	RTE_SET_USED(m);
	((struct count_arg *)arg)->n++;
	return 0;
}

static int
show_one(struct rte_dma_domain *d, void *arg)
{
	FILE *f = arg;
	struct count_arg c = { 0 };
	char ports[64] = "";
	size_t off = 0;
	uint16_t port;

	rte_dma_domain_walk(d, count_one, &c);
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_dma_domain_binding *b =
			rte_dma_domain_binding_lookup(tr_port_devname(port));

		if (b != NULL && rte_dma_domain_binding_domain(b) == d && off < sizeof(ports))
			off += snprintf(ports + off, sizeof(ports) - off, "%s%u",
				off ? "," : "", port);
	}
	fprintf(f, "  %-20s %12" PRIu64 " %8u  %s\n", rte_dma_domain_name(d),
		rte_dma_domain_mapped_bytes(d), c.n, off ? ports : "-");
	return 0;
}

void
tr_domain_show_all(FILE *f)
{
	fprintf(f, "  %-20s %12s %8s  %s\n", "domain", "mapped(B)", "mappings", "ports");
	rte_dma_domain_foreach(show_one, f);
}

void
tr_domain_show(FILE *f, const struct rte_dma_domain *dom)
{
	rte_dma_domain_dump(f, dom);
}

struct cov_arg {
	FILE *f;
	const struct rte_dma_domain *dom;
	int all;
};

static void
cov_chunk(struct rte_mempool *mp, void *opaque, struct rte_mempool_memhdr *h,
		unsigned int idx)
{
	struct cov_arg *c = opaque;
	uint64_t gap = 0;
	int r;

	RTE_SET_USED(mp);
	r = rte_dma_domain_covers(c->dom, h->iova, h->len, RTE_DMA_DOMAIN_ACCESS_RW, &gap);
	if (r == 1) {
		fprintf(c->f, "    chunk %u iova 0x%" PRIx64 " len %zu: covered\n",
			idx, h->iova, h->len);
	} else {
		c->all = 0;
		fprintf(c->f, "    chunk %u iova 0x%" PRIx64
			" len %zu: NOT covered (first gap 0x%" PRIx64 ")\n",
			idx, h->iova, h->len, gap);
	}
}

int
tr_domain_coverage(FILE *f, const struct rte_dma_domain *dom,
		const struct rte_mempool *mp)
{
	struct cov_arg c = { .f = f, .dom = dom, .all = 1 };

	fprintf(f, "  domain %s, mempool %s:\n", rte_dma_domain_name(dom), mp->name);
	rte_mempool_mem_iter((struct rte_mempool *)(uintptr_t)mp, cov_chunk, &c);
	fprintf(f, "  -> %s\n", c.all ? "fully covered" : "NOT fully covered");
	return c.all;
}

const char *
tr_port_devname(uint16_t port)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port, &info) != 0 || info.device == NULL)
		return "";
	return rte_dev_name(info.device);
}

int
tr_port_binding(uint16_t port, struct rte_dma_domain_binding **b, char *err)
{
	const char *name = tr_port_devname(port);

	*b = rte_dma_domain_binding_lookup(name);
	if (*b == NULL)
		return tr_err(err, "bad port '%u': its device '%s' has no DMA domain binding (not an iommufd device)",
			port, name);
	return 0;
}

/* Queue handles of each port the app took offline (bit = handle id).
 * Only the thread that starts/stops polling a port touches its entry.
 */
static uint64_t parked[RTE_MAX_ETHPORTS];

/* Binding of a port the park table covers, or NULL. */
static struct rte_dma_domain_binding *
park_binding(uint16_t port)
{
	if (port >= RTE_MAX_ETHPORTS)
		return NULL;
	return rte_dma_domain_binding_lookup(tr_port_devname(port));
}

void
tr_port_queues_park(uint16_t port)
{
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain_queue *q;
	uint16_t qid;

	b = park_binding(port);
	if (b == NULL)
		return;
	/* Only the handles the driver has online are in use: unused ones
	 * (queues not set up) must stay offline when polling resumes.
	 */
	for (qid = 0; qid < 64 && (q = rte_dma_domain_queue_get(b, qid)) != NULL; qid++) {
		if (!rte_dma_domain_queue_is_online(q))
			continue;
		rte_dma_domain_queue_offline(q);
		parked[port] |= 1ULL << qid;
	}
}

void
tr_port_queues_unpark(uint16_t port)
{
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain_queue *q;
	uint16_t qid;

	b = park_binding(port);
	if (b == NULL)
		return;
	for (qid = 0; qid < 64 && (q = rte_dma_domain_queue_get(b, qid)) != NULL; qid++)
		if (parked[port] & (1ULL << qid))
			rte_dma_domain_queue_arm(q);
	parked[port] = 0;
}

void
tr_port_queues_forget(uint16_t port)
{
	if (port < RTE_MAX_ETHPORTS)
		parked[port] = 0;
}

int
tr_port_attach(uint16_t port, struct rte_dma_domain *dom, char *err)
{
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *cur;
	int rc;

	if (tr_port_binding(port, &b, err) < 0)
		return -EINVAL;
	cur = rte_dma_domain_binding_domain(b);
	if (cur != NULL)
		return tr_err(err, "cannot attach port %u: already attached to domain '%s' (use 'port replace' or 'port detach')",
			port, rte_dma_domain_name(cur));
	rc = rte_dma_domain_attach(b, dom);
	if (rc < 0)
		return tr_err(err, "cannot attach port %u to '%s': %s", port,
			rte_dma_domain_name(dom), strerror(-rc));
	return 0;
}

int
tr_port_detach(uint16_t port, char *err)
{
	struct rte_dma_domain_binding *b;
	int rc;

	if (tr_port_binding(port, &b, err) < 0)
		return -EINVAL;
	if (rte_dma_domain_binding_domain(b) == NULL)
		return tr_err(err, "cannot detach port %u: it is not attached to a domain", port);
	rc = rte_dma_domain_detach(b);
	if (rc < 0)
		return tr_err(err, "cannot detach port %u: %s%s", port, strerror(-rc),
			rc == -EBUSY ? " (stop the port first: 'port stop')" : "");
	return 0;
}
