/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Soft IOMMU backend: domains are soft page tables (or identity/blocking),
 * devices are emulated DMA engines translating every access through their
 * current domain (IOTLB first). Replace follows the configured model:
 * ATOMIC publishes the new domain pointer once (release); VTD publishes a
 * blocking domain, holds the window, then publishes the new one, so DMA
 * inside the window faults as on Intel VT-d.
 *
 * Lifetime: DMA engines read a device's domain pointer (acquire) inside a
 * read-side section counted per device (two counters flipped by an epoch,
 * as in sleepable RCU). A domain is freed only after every device has
 * drained the readers that might hold it, and its tables are never freed
 * earlier (see soft_pgtable.c).
 */

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_pause.h>
#include <rte_string_fns.h>

#include "dma_domain_private.h"
#include "soft_private.h"

/* Windows longer than this sleep instead of spinning. */
#define SOFT_SPIN_WINDOW_NS 50000

struct rte_dma_domain_soft_config soft_cfg = {
	.model = RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC,
	.vtd_window_ns = 2000,
	.iotlb_entries = 64,
};
/* What a DMA engine checks once per translation, without the lock
 * (relaxed: settings change while no DMA runs): soft_cfg.iotlb_verify,
 * and whether the translate test hook is set.
 */
#define SOFT_F_VERIFY 1u
#define SOFT_F_HOOK 2u
static uint32_t soft_flags;

/* Test hooks (rte_dma_domain_soft_test_*_hook()): set by a test before its DMA
 * threads start, cleared after they stopped (under dd_lock; a reader that
 * sees fn sees its arg).
 */
struct soft_hook {
	void (*fn)(const char *domain, void *arg);
	void *arg;
};
static struct soft_hook soft_translate_hook;
static struct soft_hook soft_publish_hook;

static TAILQ_HEAD(, soft_dev) soft_devs = TAILQ_HEAD_INITIALIZER(soft_devs);
/* What a device sees inside a VT-d replace window, or when detached. */
static struct soft_dom soft_blocked = { .kind = RTE_DMA_DOMAIN_BLOCKING };

/* ---- read-side sections of DMA engines ------------------------------------ */

static inline unsigned int
dev_read_lock(struct soft_dev *d)
{
	unsigned int idx = rte_atomic_load_explicit(&d->epoch, rte_memory_order_seq_cst) & 1;

	rte_atomic_fetch_add_explicit(&d->readers[idx], 1, rte_memory_order_seq_cst);
	return idx;
}

static inline void
dev_read_unlock(struct soft_dev *d, unsigned int idx)
{
	rte_atomic_fetch_sub_explicit(&d->readers[idx], 1, rte_memory_order_release);
}

/* Wait until no DMA engine of d can still hold a domain pointer loaded
 * before this call.
 */
static void
dev_synchronize(struct soft_dev *d)
{
	int flip;

	for (flip = 0; flip < 2; flip++) {
		unsigned int old = rte_atomic_fetch_add_explicit(&d->epoch, 1,
				rte_memory_order_seq_cst) & 1;

		while (rte_atomic_load_explicit(&d->readers[old], rte_memory_order_acquire) != 0)
			sched_yield();
	}
}

/* ---- context ------------------------------------------------------------ */

static int
soft_ctx_open(void **priv)
{
	*priv = &soft_devs;
	return 0;
}

static void
soft_ctx_close(void *priv)
{
	RTE_SET_USED(priv);
}

static bool
soft_atomic_replace(void *priv)
{
	RTE_SET_USED(priv);
	return soft_cfg.model == RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC;
}

/* ---- domains ------------------------------------------------------------ */

static int
soft_domain_alloc(void *ctx, enum rte_dma_domain_kind kind, const char *name,
		void **dom_priv)
{
	struct soft_dom *d = calloc(1, sizeof(*d));
	int rc;

	RTE_SET_USED(ctx);
	if (d == NULL)
		return -ENOMEM;
	d->kind = kind;
	rte_strlcpy(d->name, name, sizeof(d->name));
	if (kind == RTE_DMA_DOMAIN_PAGING) {
		rc = soft_pt_init(&d->pt);
		if (rc < 0) {
			free(d);
			return rc;
		}
	}
	*dom_priv = d;
	return 0;
}

static int
soft_domain_free(void *ctx, void *dom_priv)
{
	struct soft_dom *d = dom_priv;
	struct soft_dev *dev;

	RTE_SET_USED(ctx);
	/* No device points at d (the core checked), but one may still be
	 * walking it with a pointer it loaded before its last replace.
	 */
	TAILQ_FOREACH(dev, &soft_devs, next)
		dev_synchronize(dev);
	soft_pt_fini(&d->pt);
	free(d);
	return 0;
}

/* Invalidate the IOTLB of every device currently on d (dd_lock held).
 * A swap publishes a device's domain without dd_lock (soft_publish(),
 * dma_domain_private.h), so a device may switch to d while we look: the
 * fence orders the page-table stores before our loads of dev->cur. Then
 * either we see the device on d and invalidate, or its publication's
 * generation bump (seq_cst) comes after our stores and every translation
 * under the new generation walks the updated table.
 */
static void
soft_flush_domain(struct soft_dom *d)
{
	struct soft_dev *dev;

	rte_atomic_thread_fence(rte_memory_order_seq_cst);
	TAILQ_FOREACH(dev, &soft_devs, next)
		if (rte_atomic_load_explicit(&dev->cur, rte_memory_order_relaxed) == d)
			soft_iotlb_invalidate(&dev->tlb);
}

static int
soft_map(void *ctx, void *dom_priv, uint64_t iova, void *va, uint64_t len,
		uint32_t access)
{
	struct soft_dom *d = dom_priv;
	int rc;

	RTE_SET_USED(ctx);
	rc = soft_pt_map(&d->pt, iova, va, len, access);
	if (rc == -ERANGE)
		DD_LOG(ERR, "soft domain '%s': IOVA range beyond the model's %d-bit space",
			d->name, SOFT_IOVA_BITS);
	return rc;
}

static int
soft_unmap(void *ctx, void *dom_priv, uint64_t iova, uint64_t len)
{
	struct soft_dom *d = dom_priv;

	RTE_SET_USED(ctx);
	soft_pt_unmap(&d->pt, iova, len);
	/* entries first, then the flush: see soft_iotlb.c */
	soft_flush_domain(d);
	return 0;
}

/* ---- devices ------------------------------------------------------------ */

static void soft_publish(struct soft_dev *dev, struct soft_dom *d);

static int
soft_bind(void *ctx, const struct rte_dma_domain_binding_params *p, void **dev_priv)
{
	struct soft_dev *dev = calloc(1, sizeof(*dev));
	int rc;

	RTE_SET_USED(ctx);
	if (dev == NULL)
		return -ENOMEM;
	rte_strlcpy(dev->name, p->name, sizeof(dev->name));
	rc = soft_iotlb_init(&dev->tlb, soft_cfg.iotlb_entries);
	if (rc < 0) {
		free(dev);
		return rc;
	}
	TAILQ_INSERT_TAIL(&soft_devs, dev, next);
	*dev_priv = dev;
	return 0;
}

static void
soft_unbind(void *ctx, void *dev_priv)
{
	struct soft_dev *dev = dev_priv;

	RTE_SET_USED(ctx);
	TAILQ_REMOVE(&soft_devs, dev, next);
	soft_publish(dev, NULL);
	dev_synchronize(dev);
	soft_iotlb_fini(&dev->tlb);
	free(dev);
}

static const char *
soft_dom_name(const struct soft_dom *d)
{
	return (d == NULL || d == &soft_blocked) ? "" : d->name;
}

static inline void
soft_hook_call(const struct soft_hook *h, const struct soft_dom *d)
{
	void (*fn)(const char *domain, void *arg);

	fn = rte_atomic_load_explicit(&h->fn, rte_memory_order_acquire);

	if (unlikely(fn != NULL))
		fn(soft_dom_name(d), rte_atomic_load_explicit(&h->arg, rte_memory_order_acquire));
}

/* Make d the device's domain and invalidate its IOTLB as one snapshot
 * (the writer side of the protocol in soft_private.h).
 */
static void
soft_publish(struct soft_dev *dev, struct soft_dom *d)
{
	uint32_t s = rte_atomic_load_explicit(&dev->pub_seq, rte_memory_order_relaxed);

	rte_atomic_store_explicit(&dev->pub_seq, s + 1, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&dev->cur, d, rte_memory_order_release);
	/* test hook: the domain changed, the publication is not complete */
	soft_hook_call(&soft_publish_hook, d);
	soft_iotlb_invalidate(&dev->tlb);
	rte_atomic_store_explicit(&dev->pub_seq, s + 2, rte_memory_order_release);
}

static int
soft_attach(void *ctx, void *dev_priv, void *dom_priv)
{
	RTE_SET_USED(ctx);
	soft_publish(dev_priv, dom_priv);
	return 0;
}

static void
soft_hold_window(uint64_t ns)
{
	if (ns >= SOFT_SPIN_WINDOW_NS) {
		struct timespec ts = {
			.tv_sec = ns / 1000000000ull,
			.tv_nsec = ns % 1000000000ull,
		};

		nanosleep(&ts, NULL);
	} else {
		/* clock_gettime, not the TSC: works before rte_eal_init() */
		uint64_t end = dd_now_ns() + ns;

		while (dd_now_ns() < end)
			rte_pause();
	}
}

static int
soft_replace(void *ctx, void *dev_priv, void *dom_priv)
{
	struct soft_dev *dev = dev_priv;

	RTE_SET_USED(ctx);
	if (soft_cfg.model == RTE_DMA_DOMAIN_SOFT_REPLACE_VTD) {
		/* VT-d: block translation, then attach the new domain */
		soft_publish(dev, &soft_blocked);
		soft_hold_window(soft_cfg.vtd_window_ns);
	}
	soft_publish(dev, dom_priv);
	return 0;
}

static int
soft_detach(void *ctx, void *dev_priv)
{
	RTE_SET_USED(ctx);
	soft_publish(dev_priv, NULL);
	return 0;
}

static uint64_t
soft_faults(void *ctx, void *dev_priv)
{
	struct soft_dev *dev = dev_priv;
	uint64_t now = rte_atomic_load_explicit(&dev->faults, rte_memory_order_acquire);
	uint64_t n = now - dev->faults_reported;

	RTE_SET_USED(ctx);
	dev->faults_reported = now;
	return n;
}

/* Exact and synchronous: a fault is in the log when the access fails. */
static void
soft_fault_info(void *ctx, void *dev_priv, struct dd_fault_info *fi)
{
	struct soft_dev *dev = dev_priv;

	RTE_SET_USED(ctx);
	fi->total = rte_atomic_load_explicit(&dev->faults, rte_memory_order_acquire);
	fi->exact = true;
	fi->confirm_window_us = 0;
	fi->source = "soft fault log";
}

const struct dma_domain_backend_ops dma_domain_backend_soft = {
	.name = "soft",
	.ctx_open = soft_ctx_open,
	.ctx_close = soft_ctx_close,
	.atomic_replace = soft_atomic_replace,
	.domain_alloc = soft_domain_alloc,
	.domain_free = soft_domain_free,
	.map = soft_map,
	.unmap = soft_unmap,
	.copy = NULL,
	.bind = soft_bind,
	.unbind = soft_unbind,
	.attach = soft_attach,
	.replace = soft_replace,
	.detach = soft_detach,
	.faults = soft_faults,
	.fault_info = soft_fault_info,
	.faults_wait = NULL, /* nothing to wait for: faults() */
};

/* ---- model settings ------------------------------------------------------- */

int
rte_dma_domain_soft_configure(const struct rte_dma_domain_soft_config *cfg)
{
	struct rte_dma_domain_binding *b;
	int rc = 0;

	if (cfg == NULL || (unsigned int)cfg->model > RTE_DMA_DOMAIN_SOFT_REPLACE_VTD ||
			cfg->iotlb_entries > (1u << 20)) {
		DD_LOG(ERR, "soft configure: bad settings (model ATOMIC or VTD, iotlb_entries <= 2^20)");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	dd_lock();
	for (b = dd_binding_first(); b != NULL; b = dd_binding_next(b))
		if (b->swapping)
			rc = -EBUSY;
	if (rc == 0) {
		soft_cfg = *cfg;
		if (cfg->iotlb_verify)
			rte_atomic_fetch_or_explicit(&soft_flags, SOFT_F_VERIFY,
					rte_memory_order_relaxed);
		else
			rte_atomic_fetch_and_explicit(&soft_flags, ~SOFT_F_VERIFY,
					rte_memory_order_relaxed);
	}
	return dd_unlock_ret(rc);
}

void
rte_dma_domain_soft_config_get(struct rte_dma_domain_soft_config *cfg)
{
	if (cfg == NULL)
		return;
	dd_lock();
	*cfg = soft_cfg;
	dd_unlock();
}

int
rte_dma_domain_soft_test_skip_invalidation(bool skip)
{
	dd_lock();
	soft_skip_invalidation = skip;
	dd_unlock();
	if (skip)
		DD_LOG(WARNING, "soft IOTLB invalidation DISABLED (test hook): stale translations ahead");
	return 0;
}

static int
soft_hook_set(struct soft_hook *h, void (*fn)(const char *, void *), void *arg,
		const char *what)
{
	dd_lock();
	/* a reader that sees fn sees its arg: arg first when setting, fn
	 * first when removing
	 */
	if (fn == NULL)
		rte_atomic_store_explicit(&h->fn, NULL, rte_memory_order_release);
	rte_atomic_store_explicit(&h->arg, arg, rte_memory_order_release);
	if (fn != NULL)
		rte_atomic_store_explicit(&h->fn, fn, rte_memory_order_release);
	dd_unlock();
	if (fn != NULL)
		DD_LOG(WARNING, "soft model: %s test hook set", what);
	return 0;
}

int
rte_dma_domain_soft_test_translate_hook(void (*fn)(const char *domain, void *arg),
		void *arg)
{
	soft_hook_set(&soft_translate_hook, fn, arg, "translate");
	if (fn != NULL)
		rte_atomic_fetch_or_explicit(&soft_flags, SOFT_F_HOOK, rte_memory_order_release);
	else
		rte_atomic_fetch_and_explicit(&soft_flags, ~SOFT_F_HOOK, rte_memory_order_release);
	return 0;
}

int
rte_dma_domain_soft_test_publish_hook(void (*fn)(const char *domain, void *arg),
		void *arg)
{
	return soft_hook_set(&soft_publish_hook, fn, arg, "publish");
}

void
rte_dma_domain_soft_iotlb_stats(const struct rte_dma_domain_binding *b,
		uint64_t *hits, uint64_t *misses, uint64_t *invalidations)
{
	struct soft_dev *dev = soft_dev_of(b);

	if (hits != NULL)
		*hits = dev ? rte_atomic_load_explicit(&dev->tlb.hits,
				rte_memory_order_relaxed) : 0;
	if (misses != NULL)
		*misses = dev ? rte_atomic_load_explicit(&dev->tlb.misses,
				rte_memory_order_relaxed) : 0;
	if (invalidations != NULL)
		*invalidations = dev ? rte_atomic_load_explicit(&dev->tlb.invalidations,
				rte_memory_order_relaxed) : 0;
}

uint64_t
rte_dma_domain_soft_iotlb_stale(const struct rte_dma_domain_binding *b)
{
	struct soft_dev *dev = soft_dev_of(b);

	return dev ? rte_atomic_load_explicit(&dev->tlb.stale, rte_memory_order_relaxed) : 0;
}

/* ---- the DMA engine --------------------------------------------------------- */

/* The reader side of the protocol in soft_private.h: the device's domain
 * and, if no publish overlapped the loads, the IOTLB generation it pairs
 * with (*use_tlb).
 */
static inline struct soft_dom *
soft_snapshot(struct soft_dev *dev, uint32_t flags, uint64_t *gen, bool *use_tlb)
{
	uint32_t s1, s2;
	struct soft_dom *d;

	s1 = rte_atomic_load_explicit(&dev->pub_seq, rte_memory_order_acquire);
	*gen = rte_atomic_load_explicit(&dev->tlb.gen, rte_memory_order_acquire);
	/* test hook: between the generation and the domain */
	if (unlikely(flags & SOFT_F_HOOK))
		soft_hook_call(&soft_translate_hook, NULL);
	d = rte_atomic_load_explicit(&dev->cur, rte_memory_order_acquire);
	s2 = rte_atomic_load_explicit(&dev->pub_seq, rte_memory_order_relaxed);
	*use_tlb = s1 == s2 && (s1 & 1) == 0;
	return d;
}

/* Leaf of iova in d: IOTLB (if the snapshot allows it), else page-table
 * walk + fill. In verify mode a hit is checked against the page table; a
 * mismatch is a stale translation (a missing invalidation) and is
 * counted.
 */
static int
soft_leaf(struct soft_dev *dev, struct soft_dom *d, uint32_t flags, uint64_t gen,
		bool use_tlb, uint64_t iova, uint64_t *base, uint64_t *size,
		uintptr_t *va, uint32_t *acc)
{
	if (use_tlb && soft_iotlb_lookup(&dev->tlb, gen, iova, base, size, va, acc)) {
		if (flags & SOFT_F_VERIFY) {
			uint64_t b2, s2;
			uintptr_t v2;
			uint32_t a2;

			if (soft_pt_lookup(&d->pt, iova, &b2, &s2, &v2, &a2) < 0 ||
					v2 + (iova - b2) != *va + (iova - *base) ||
					a2 != *acc) {
				rte_atomic_fetch_add_explicit(&dev->tlb.stale, 1,
						rte_memory_order_relaxed);
				DD_LOG(ERR, "soft IOTLB of %s: stale translation of IOVA 0x%" PRIx64
					" in '%s' (missing invalidation)",
					dev->name, iova, d->name);
			}
		}
		return 0;
	}
	if (soft_pt_lookup(&d->pt, iova, base, size, va, acc) < 0)
		return -ENOENT;
	if (use_tlb)
		soft_iotlb_fill(&dev->tlb, gen, iova, *base, *size, *va, *acc);
	return 0;
}

static void *
soft_translate(struct soft_dev *dev, uint64_t iova, uint32_t len,
		uint32_t access, int *err)
{
	uint64_t gen, base, size, off, last;
	uintptr_t va, host = 0;
	uint32_t acc;
	uint32_t flags = rte_atomic_load_explicit(&soft_flags, rte_memory_order_relaxed);
	struct soft_dom *d;
	unsigned int idx;
	bool use_tlb;
	int reason = 0;

	if (len == 0 || iova + (len - 1) < iova) {
		*err = -EINVAL;
		return NULL;
	}
	last = iova + (len - 1);
	idx = dev_read_lock(dev);
	d = soft_snapshot(dev, flags, &gen, &use_tlb);
	if (d == NULL || d->kind == RTE_DMA_DOMAIN_BLOCKING) {
		reason = -EPERM;
		off = iova;
	} else if (d->kind == RTE_DMA_DOMAIN_IDENTITY) {
		host = (uintptr_t)iova;
	} else {
		/* every page of the range: mapped, allowed, VA-contiguous */
		for (off = iova;; off = base + size) {
			if (soft_leaf(dev, d, flags, gen, use_tlb, off, &base,
					&size, &va, &acc) < 0) {
				reason = -ENOENT;
				break;
			}
			if ((acc & access) != access) {
				reason = -EACCES;
				break;
			}
			if (off == iova)
				host = va + (iova - base);
			else if (va + (off - base) != host + (off - iova)) {
				/* VA not contiguous: the range spans mappings */
				reason = -ENOENT;
				break;
			}
			if (last - base < size)
				break;
		}
	}
	if (reason != 0)
		soft_fault_record(dev, off, access, reason, soft_dom_name(d));
	dev_read_unlock(dev, idx);
	if (reason != 0) {
		*err = reason;
		return NULL;
	}
	*err = 0;
	return (void *)host;
}

void *
rte_dma_domain_soft_translate(struct rte_dma_domain_binding *b, uint64_t iova,
		uint32_t len, uint32_t access, int *err)
{
	struct soft_dev *dev = soft_dev_of(b);
	int e;

	if (err == NULL)
		err = &e;
	if (dev == NULL || access == 0 || (access & ~RTE_DMA_DOMAIN_ACCESS_RW)) {
		*err = -EINVAL;
		return NULL;
	}
	return soft_translate(dev, iova, len, access, err);
}

/* Device access split at 4 KiB page boundaries, as a DMA engine does. */
static int
soft_rw(struct rte_dma_domain_binding *b, uint64_t iova, void *buf,
		uint32_t len, uint32_t access)
{
	struct soft_dev *dev = soft_dev_of(b);
	uint32_t done = 0;
	int err;

	if (dev == NULL || buf == NULL)
		return -EINVAL;
	while (done < len) {
		uint64_t cur = iova + done;
		uint32_t n = RTE_MIN(len - done,
				(uint32_t)(SOFT_PAGE - (cur & (SOFT_PAGE - 1))));
		void *p = soft_translate(dev, cur, n, access, &err);

		if (p == NULL)
			return err == -EINVAL ? -EINVAL : -EFAULT;
		if (access == RTE_DMA_DOMAIN_ACCESS_READ)
			memcpy((char *)buf + done, p, n);
		else
			memcpy(p, (char *)buf + done, n);
		done += n;
	}
	return 0;
}

int
rte_dma_domain_soft_read(struct rte_dma_domain_binding *b, uint64_t iova, void *buf,
		uint32_t len)
{
	return soft_rw(b, iova, buf, len, RTE_DMA_DOMAIN_ACCESS_READ);
}

int
rte_dma_domain_soft_write(struct rte_dma_domain_binding *b, uint64_t iova,
		const void *buf, uint32_t len)
{
	return soft_rw(b, iova, (void *)(uintptr_t)buf, len,
			RTE_DMA_DOMAIN_ACCESS_WRITE);
}

/* Ring indexes shared with a driver that uses C11 atomics on them: an
 * aligned 16-bit field never crosses a page, so it is one translation
 * and one atomic access (a plain mov on x86; seen by TSan).
 */
static uint16_t *
soft_field16(struct rte_dma_domain_binding *b, uint64_t iova, uint32_t access,
		int *rc)
{
	struct soft_dev *dev = soft_dev_of(b);
	uint16_t *p;
	int err;

	if (dev == NULL || (iova & 1) != 0) {
		*rc = -EINVAL;
		return NULL;
	}
	p = soft_translate(dev, iova, 2, access, &err);
	*rc = p == NULL ? (err == -EINVAL ? -EINVAL : -EFAULT) : 0;
	return p;
}

int
rte_dma_domain_soft_load16_acquire(struct rte_dma_domain_binding *b, uint64_t iova,
		uint16_t *v)
{
	uint16_t *p;
	int rc;

	if (v == NULL)
		return -EINVAL;
	p = soft_field16(b, iova, RTE_DMA_DOMAIN_ACCESS_READ, &rc);
	if (p != NULL)
		*v = rte_atomic_load_explicit(p, rte_memory_order_acquire);
	return rc;
}

int
rte_dma_domain_soft_store16_release(struct rte_dma_domain_binding *b, uint64_t iova,
		uint16_t v)
{
	uint16_t *p;
	int rc;

	p = soft_field16(b, iova, RTE_DMA_DOMAIN_ACCESS_WRITE, &rc);
	if (p != NULL)
		rte_atomic_store_explicit(p, v, rte_memory_order_release);
	return rc;
}
