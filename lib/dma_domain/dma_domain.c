/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Contexts, domain objects, the process-wide lists and the control-path
 * lock of librte_dma_domain.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_string_fns.h>

#include "dma_domain_private.h"

RTE_LOG_REGISTER_DEFAULT(dma_domain_logtype, INFO);

static pthread_mutex_t dd_mutex;
/* dd_lock() depth of this thread (dd_lock_held()). */
static __thread unsigned int dd_depth;
static struct rte_dma_domain_ctx *dd_ctx[2];
static TAILQ_HEAD(, rte_dma_domain) dd_domains = TAILQ_HEAD_INITIALIZER(dd_domains);
static TAILQ_HEAD(, rte_dma_domain_binding) dd_bindings =
	TAILQ_HEAD_INITIALIZER(dd_bindings);

RTE_INIT(dd_lock_init)
{
	pthread_mutexattr_t a;

	/* Recursive for the library's own nesting; no callback runs
	 * under it (dma_domain_private.h). */
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&dd_mutex, &a);
	pthread_mutexattr_destroy(&a);
}

void
dd_lock(void)
{
	pthread_mutex_lock(&dd_mutex);
	dd_depth++;
}

void
dd_unlock(void)
{
	dd_depth--;
	pthread_mutex_unlock(&dd_mutex);
}

bool
dd_lock_held(void)
{
	return dd_depth != 0;
}

void
dd_domain_pin(struct rte_dma_domain *d)
{
	d->pins++;
}

void
dd_domain_unpin(struct rte_dma_domain *d)
{
	d->pins--;
}

/* The binding whose running swap pins d (dd_lock held). */
static const struct rte_dma_domain_binding *
domain_pinner(const struct rte_dma_domain *d)
{
	const struct rte_dma_domain_binding *b;

	for (b = TAILQ_FIRST(&dd_bindings); b != NULL; b = TAILQ_NEXT(b, next))
		if (b->swapping && (b->swap_from == d || b->swap_to == d))
			return b;
	return NULL;
}

int
dd_unlock_ret(int rc)
{
	dd_unlock();
	if (rc < 0)
		rte_errno = -rc;
	return rc;
}

int
dd_ctx_check(const struct rte_dma_domain_ctx *ctx,
		const struct rte_dma_domain *dom, const char *op, const char *who)
{
	if (dom->ctx == ctx)
		return 0;
	DD_LOG(ERR, "%s '%s': domain '%s' belongs to another context",
		op, who, dom->name);
	rte_errno = EXDEV;
	return -EXDEV;
}

uint64_t
dd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct rte_dma_domain *
dd_domain_first(void)
{
	return TAILQ_FIRST(&dd_domains);
}

struct rte_dma_domain *
dd_domain_next(struct rte_dma_domain *d)
{
	return TAILQ_NEXT(d, next);
}

struct rte_dma_domain_binding *
dd_binding_first(void)
{
	return TAILQ_FIRST(&dd_bindings);
}

struct rte_dma_domain_binding *
dd_binding_next(struct rte_dma_domain_binding *b)
{
	return TAILQ_NEXT(b, next);
}

void
dd_binding_list_add(struct rte_dma_domain_binding *b)
{
	TAILQ_INSERT_TAIL(&dd_bindings, b, next);
}

void
dd_binding_list_del(struct rte_dma_domain_binding *b)
{
	TAILQ_REMOVE(&dd_bindings, b, next);
}

const char *
dd_kind_name(enum rte_dma_domain_kind k)
{
	switch (k) {
	case RTE_DMA_DOMAIN_PAGING: return "paging";
	case RTE_DMA_DOMAIN_IDENTITY: return "identity";
	case RTE_DMA_DOMAIN_BLOCKING: return "blocking";
	}
	return "?";
}

/* ---- contexts ---------------------------------------------------------- */

struct rte_dma_domain_ctx *
rte_dma_domain_ctx_get(enum rte_dma_domain_backend b)
{
	const struct dma_domain_backend_ops *ops;
	struct rte_dma_domain_ctx *ctx;
	int rc;

	switch (b) {
	case RTE_DMA_DOMAIN_BACKEND_SOFT:
		ops = &dma_domain_backend_soft;
		break;
	case RTE_DMA_DOMAIN_BACKEND_IOMMUFD:
		ops = &dma_domain_backend_iommufd;
		break;
	default:
		DD_LOG(ERR, "unknown backend %d (expected SOFT=0 or IOMMUFD=1)", (int)b);
		rte_errno = EINVAL;
		return NULL;
	}
	dd_lock();
	ctx = dd_ctx[b];
	if (ctx != NULL)
		goto out;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		rte_errno = ENOMEM;
		goto out;
	}
	ctx->backend = b;
	ctx->ops = ops;
	rc = ops->ctx_open(&ctx->priv);
	if (rc < 0) {
		/* the backend logged why and how to fix it */
		free(ctx);
		ctx = NULL;
		rte_errno = -rc;
		goto out;
	}
	dd_ctx[b] = ctx;
	DD_LOG(INFO, "%s context opened (replace %s)", ops->name,
		ops->atomic_replace(ctx->priv) ? "atomic" : "not atomic");
out:
	dd_unlock();
	return ctx;
}

/* The backend slot of an open context, or -1 (dd_lock held). Compares
 * pointers only: ctx may be a closed (freed) context. */
static int
ctx_slot(const struct rte_dma_domain_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(dd_ctx); i++)
		if (ctx != NULL && dd_ctx[i] == ctx)
			return (int)i;
	return -1;
}

/* Domains and bindings of ctx; the first of each in *d, *b (dd_lock held). */
static void
ctx_objects(const struct rte_dma_domain_ctx *ctx, uint32_t *nd, uint32_t *nb,
		const struct rte_dma_domain **d, const struct rte_dma_domain_binding **b)
{
	const struct rte_dma_domain *dom;
	const struct rte_dma_domain_binding *bd;

	*nd = 0;
	*nb = 0;
	*d = NULL;
	*b = NULL;
	TAILQ_FOREACH(dom, &dd_domains, next) {
		if (dom->ctx != ctx)
			continue;
		if ((*nd)++ == 0)
			*d = dom;
	}
	TAILQ_FOREACH(bd, &dd_bindings, next) {
		if (bd->ctx != ctx)
			continue;
		if ((*nb)++ == 0)
			*b = bd;
	}
}

int
rte_dma_domain_ctx_close(struct rte_dma_domain_ctx *ctx)
{
	const struct rte_dma_domain_binding *b;
	const struct rte_dma_domain *d;
	uint32_t nd, nb;
	int slot;

	if (ctx == NULL)
		return 0;
	dd_lock();
	slot = ctx_slot(ctx);
	if (slot < 0) {
		dd_unlock();
		DD_LOG(DEBUG, "ctx close: %p is not an open context (closed already): nothing to do",
			(void *)ctx);
		return 0;
	}
	ctx_objects(ctx, &nd, &nb, &d, &b);
	if (nd != 0 || nb != 0) {
		DD_LOG(ERR, "ctx close: the %s context still has %u binding(s)%s%s%s and %u domain(s)%s%s%s: unbind the devices (bus hot-unplug or rte_eal_cleanup()) and destroy the domains first; the context stays open",
			ctx->ops->name, nb, b != NULL ? " ('" : "",
			b != NULL ? b->name : "", b != NULL ? "'...)" : "",
			nd, d != NULL ? " ('" : "", d != NULL ? d->name : "",
			d != NULL ? "'...)" : "");
		return dd_unlock_ret(-EBUSY);
	}
	ctx->ops->ctx_close(ctx->priv);
	dd_ctx[slot] = NULL;
	DD_LOG(INFO, "%s context closed (%" PRIu64 " refused domain destroy(s) in its life)",
		ctx->ops->name, ctx->destroy_failures);
	dd_unlock();
	free(ctx);
	return 0;
}

int
rte_dma_domain_ctx_info_get(const struct rte_dma_domain_ctx *ctx,
		struct rte_dma_domain_ctx_info *info)
{
	const struct rte_dma_domain_binding *b;
	const struct rte_dma_domain *d;

	if (info == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	dd_lock();
	if (ctx_slot(ctx) < 0) {
		/* A closed context is a normal answer (the bus asks at its
		 * cleanup whether the application closed it already). */
		DD_LOG(DEBUG, "ctx info: %p is not an open context (closed, or not from rte_dma_domain_ctx_get())",
			(const void *)ctx);
		return dd_unlock_ret(-ENOENT);
	}
	memset(info, 0, sizeof(*info));
	ctx_objects(ctx, &info->nb_domains, &info->nb_bindings, &d, &b);
	info->destroy_failures = ctx->destroy_failures;
	dd_unlock();
	return 0;
}

enum rte_dma_domain_backend
rte_dma_domain_ctx_backend(const struct rte_dma_domain_ctx *ctx)
{
	return ctx->backend;
}

bool
rte_dma_domain_ctx_atomic_replace(const struct rte_dma_domain_ctx *ctx)
{
	bool a;

	if (ctx == NULL)
		return false;
	dd_lock();
	a = ctx->ops->atomic_replace(ctx->priv);
	dd_unlock();
	return a;
}

/* ---- domains ------------------------------------------------------------ */

static struct rte_dma_domain *
domain_find(const char *name)
{
	struct rte_dma_domain *d;

	TAILQ_FOREACH(d, &dd_domains, next)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

int
dd_name_check(const char *what, const char *name)
{
	size_t n;

	if (name == NULL) {
		DD_LOG(ERR, "%s name is NULL (expected a string of 1..%d chars)",
			what, RTE_DMA_DOMAIN_NAMESIZE - 1);
		return -EINVAL;
	}
	n = strnlen(name, RTE_DMA_DOMAIN_NAMESIZE);
	if (n == 0 || n >= RTE_DMA_DOMAIN_NAMESIZE) {
		DD_LOG(ERR, "%s name '%.*s' has a bad length (expected 1..%d chars)",
			what, RTE_DMA_DOMAIN_NAMESIZE - 1, name,
			RTE_DMA_DOMAIN_NAMESIZE - 1);
		return -EINVAL;
	}
	return 0;
}

struct rte_dma_domain *
rte_dma_domain_create(struct rte_dma_domain_ctx *ctx, const char *name,
		enum rte_dma_domain_kind kind, uint32_t flags)
{
	struct rte_dma_domain *dom = NULL;
	bool mirror = (flags & RTE_DMA_DOMAIN_F_MIRROR) != 0;
	int rc;

	if (ctx == NULL) {
		DD_LOG(ERR, "create: ctx is NULL (use rte_dma_domain_ctx_get())");
		rte_errno = EINVAL;
		return NULL;
	}
	rc = dd_name_check("domain", name);
	if (rc < 0) {
		rte_errno = -rc;
		return NULL;
	}
	if ((unsigned int)kind > RTE_DMA_DOMAIN_BLOCKING) {
		DD_LOG(ERR, "create '%s': bad kind %d (expected paging, identity or blocking)",
			name, (int)kind);
		rte_errno = EINVAL;
		return NULL;
	}
	if (flags & ~RTE_DMA_DOMAIN_F_MIRROR) {
		DD_LOG(ERR, "create '%s': unknown flags 0x%x (expected RTE_DMA_DOMAIN_F_*)",
			name, flags & ~RTE_DMA_DOMAIN_F_MIRROR);
		rte_errno = EINVAL;
		return NULL;
	}
	if (mirror && kind != RTE_DMA_DOMAIN_PAGING) {
		DD_LOG(ERR, "create '%s': F_MIRROR needs a paging domain, not %s",
			name, dd_kind_name(kind));
		rte_errno = EINVAL;
		return NULL;
	}
	/* Mirror: hold the EAL memory lock across the memseg walk and the
	 * list insertion, so that no memory event is missed in between. */
	if (mirror)
		rte_mcfg_mem_read_lock();
	dd_lock();
	if (domain_find(name) != NULL) {
		DD_LOG(ERR, "create: domain name '%s' is taken", name);
		rc = -EEXIST;
		goto fail;
	}
	dom = calloc(1, sizeof(*dom));
	if (dom == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rte_strlcpy(dom->name, name, sizeof(dom->name));
	dom->ctx = ctx;
	dom->kind = kind;
	dom->flags = flags;
	rc = ctx->ops->domain_alloc(ctx->priv, kind, name, &dom->priv);
	if (rc < 0) {
		DD_LOG(ERR, "create '%s': %s backend cannot allocate a %s domain: %s",
			name, ctx->ops->name, dd_kind_name(kind), strerror(-rc));
		goto fail;
	}
	if (mirror) {
		rc = dd_mirror_populate(dom);
		if (rc < 0) {
			dd_unmap_locked(dom, 0, UINT64_MAX, NULL);
			if (ctx->ops->domain_free(ctx->priv, dom->priv) < 0)
				/* the backend logged the object it could
				 * not free; the handle is lost with dom */
				ctx->destroy_failures++;
			goto fail;
		}
	}
	TAILQ_INSERT_TAIL(&dd_domains, dom, next);
	dd_unlock();
	if (mirror)
		rte_mcfg_mem_read_unlock();
	DD_LOG(DEBUG, "domain '%s' (%s%s) created", name, dd_kind_name(kind),
		mirror ? ", mirror" : "");
	return dom;
fail:
	dd_unlock();
	if (mirror)
		rte_mcfg_mem_read_unlock();
	if (dom != NULL)
		dd_map_table_free(&dom->tbl);
	free(dom);
	rte_errno = -rc;
	return NULL;
}

/* rte_dma_domain_test_destroy_fail(): under dd_lock. */
static struct {
	int err;
	unsigned int count;
	bool armed;   /* the current failure is an injected one */
} dd_test_destroy_fail;

int
rte_dma_domain_test_destroy_fail(int err, unsigned int count)
{
	if (count > 0 && err >= 0)
		return -EINVAL;
	dd_lock();
	dd_test_destroy_fail.err = err;
	dd_test_destroy_fail.count = count;
	dd_unlock();
	return 0;
}

/* The injected failure of this destroy, or 0 (dd_lock held). */
static int
destroy_fail_take(void)
{
	if (dd_test_destroy_fail.count == 0)
		return 0;
	dd_test_destroy_fail.count--;
	dd_test_destroy_fail.armed = true;
	return dd_test_destroy_fail.err;
}

int
rte_dma_domain_destroy(struct rte_dma_domain *dom)
{
	int rc;

	if (dom == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	dd_lock();
	if (dom->pins > 0) {
		const struct rte_dma_domain_binding *b = domain_pinner(dom);

		DD_LOG(ERR, "destroy '%s': in use by the replace running on '%s' ('%s' -> '%s'); destroy it after that replace returned",
			dom->name, b != NULL ? b->name : "?",
			b != NULL ? b->swap_from->name : "?",
			b != NULL ? b->swap_to->name : "?");
		dd_unlock();
		rte_errno = EBUSY;
		return -EBUSY;
	}
	if (dom->nb_attached > 0) {
		DD_LOG(ERR, "destroy '%s': %u binding(s) attached (detach or replace first)",
			dom->name, dom->nb_attached);
		dd_unlock();
		rte_errno = EBUSY;
		return -EBUSY;
	}
	/* The backend first: when it cannot free its objects, the domain
	 * stays whole (listed, mapped, mirrored) and a later destroy tries
	 * again. Freeing the backend objects drops their mappings (iommufd:
	 * destroying an IOAS unmaps it; soft: the page table goes); the
	 * backend waits until no device can still walk the domain. */
	rc = destroy_fail_take();
	if (rc == 0)
		rc = dom->ctx->ops->domain_free(dom->ctx->priv, dom->priv);
	if (rc < 0) {
		dom->ctx->destroy_failures++;
		DD_LOG(ERR, "destroy '%s': the %s backend could not free it: %s%s; the domain is kept (listed, mappings intact): remove what still uses it (the line above names the object) and destroy it again",
			dom->name, dom->ctx->ops->name, strerror(-rc),
			dd_test_destroy_fail.armed ? " (injected)" : "");
		dd_test_destroy_fail.armed = false;
		return dd_unlock_ret(rc);
	}
	TAILQ_REMOVE(&dd_domains, dom, next);
	if (dom->flags & RTE_DMA_DOMAIN_F_MIRROR)
		dd_mirror_domain_gone(dom);
	dd_unlock();
	dd_map_table_free(&dom->tbl);
	free(dom);
	return 0;
}

struct rte_dma_domain *
rte_dma_domain_lookup(const char *name)
{
	struct rte_dma_domain *d;

	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	dd_lock();
	d = domain_find(name);
	dd_unlock();
	if (d == NULL)
		rte_errno = ENOENT;
	return d;
}

const char *
rte_dma_domain_name(const struct rte_dma_domain *dom)
{
	return dom != NULL ? dom->name : "";
}

int
rte_dma_domain_foreach(int (*cb)(struct rte_dma_domain *dom, void *arg), void *arg)
{
	struct rte_dma_domain *d, *n;
	int rc = 0;

	if (cb == NULL)
		return -EINVAL;
	dd_lock();
	for (d = TAILQ_FIRST(&dd_domains); d != NULL && rc == 0; d = n) {
		n = TAILQ_NEXT(d, next);
		rc = cb(d, arg);
	}
	dd_unlock();
	return rc;
}

static int
dump_one(const struct rte_dma_domain_mapping *m, void *arg)
{
	FILE *f = arg;

	fprintf(f, "  iova 0x%016" PRIx64 " len 0x%" PRIx64 " va %p %c%c\n",
		m->iova, m->len, m->va,
		(m->access & RTE_DMA_DOMAIN_ACCESS_READ) ? 'r' : '-',
		(m->access & RTE_DMA_DOMAIN_ACCESS_WRITE) ? 'w' : '-');
	return 0;
}

void
rte_dma_domain_dump(FILE *f, const struct rte_dma_domain *dom)
{
	if (f == NULL || dom == NULL)
		return;
	dd_lock();
	fprintf(f, "domain '%s': %s backend, %s%s, %u mapping(s), %" PRIu64
		" bytes, %u binding(s)\n", dom->name, dom->ctx->ops->name,
		dd_kind_name(dom->kind),
		(dom->flags & RTE_DMA_DOMAIN_F_MIRROR) ? ", mirror" : "",
		dom->tbl.n, dom->tbl.bytes, dom->nb_attached);
	rte_dma_domain_walk(dom, dump_one, f);
	dd_unlock();
}

/* ---- strategies ----------------------------------------------------------- */

static const char *const strategy_names[] = {
	[RTE_DMA_DOMAIN_STRATEGY_DEFAULT] = "default",
	[RTE_DMA_DOMAIN_STRATEGY_QUIESCE] = "quiesce",
	[RTE_DMA_DOMAIN_STRATEGY_HITLESS] = "hitless",
	[RTE_DMA_DOMAIN_STRATEGY_REMAP] = "remap",
	[RTE_DMA_DOMAIN_STRATEGY_RESTART] = "restart",
};

const char *
rte_dma_domain_strategy_name(enum rte_dma_domain_strategy s)
{
	if ((unsigned int)s >= RTE_DIM(strategy_names))
		return "unknown";
	return strategy_names[s];
}

int
rte_dma_domain_strategy_parse(const char *s, enum rte_dma_domain_strategy *out)
{
	unsigned int i;

	if (s == NULL || out == NULL)
		return -EINVAL;
	for (i = 0; i < RTE_DIM(strategy_names); i++) {
		if (strcmp(s, strategy_names[i]) == 0) {
			*out = (enum rte_dma_domain_strategy)i;
			return 0;
		}
	}
	DD_LOG(ERR, "unknown strategy '%s' (expected default, quiesce, hitless, remap or restart)",
		s);
	return -EINVAL;
}
