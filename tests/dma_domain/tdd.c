/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include <rte_memory.h>

#include "tdd.h"

long
tdd_hugepages_get(const char *counter)
{
	char p[256];
	long v = -1;
	FILE *fp;

	snprintf(p, sizeof(p), TDD_HP_SYS "%s", counter);
	fp = fopen(p, "r");
	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

static int
seg_bytes_cb(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	RTE_SET_USED(msl);
	*(uint64_t *)arg += ms->len;
	return 0;
}

uint64_t
tdd_memseg_bytes(void)
{
	uint64_t n = 0;

	rte_memseg_walk(seg_bytes_cb, &n);
	return n;
}

bool
tdd_mirrored(struct rte_dma_domain *d, const void *p0, size_t len, size_t step)
{
	struct rte_dma_domain_mapping m;
	const char *p = (const char *)((uintptr_t)p0 & ~(uintptr_t)4095);
	const char *end = (const char *)p0 + len;

	for (; p < end; p += step) {
		const struct rte_memseg *ms = rte_mem_virt2memseg(p, NULL);
		uint64_t iova;

		if (ms == NULL)
			return false;
		/* the memseg's IOVA; external memory without one: VA */
		iova = ms->iova == RTE_BAD_IOVA ? (uintptr_t)p :
			ms->iova + (uint64_t)(p - (const char *)ms->addr);
		if (rte_dma_domain_covers(d, iova, 4096, RTE_DMA_DOMAIN_ACCESS_RW, NULL) != 1 ||
				rte_dma_domain_query(d, iova, &m) != 0 ||
				(const char *)m.va + (iova - m.iova) != p) {
			printf("  page %p (IOVA 0x%" PRIx64 ") not mirrored\n", (const void *)p,
				iova);
			return false;
		}
	}
	return true;
}

/* ---- fake driver ----------------------------------------------------- */

static int
fake_quiesce(void *arg, uint16_t qid)
{
	struct fake_drv *f = arg;
	struct fake_queue *q = &f->q[qid];
	struct rte_dma_domain_queue *h = rte_dma_domain_queue_get(f->b, qid);

	q->quiesce_calls++;
	/* the protocol calls us only once the poller stopped posting */
	if (!rte_dma_domain_queue_pause_pending(h))
		f->bad_quiesce++;
	if (f->on_quiesce != NULL)
		f->on_quiesce(f, qid);
	if (f->quiesce_fail_mask & (1u << qid))
		return -EIO;
	/* reclaim what is posted: the device may not DMA into it now */
	__atomic_store_n(&q->reclaimed, q->reclaimed + q->posted, __ATOMIC_RELAXED);
	__atomic_store_n(&q->posted, 0, __ATOMIC_RELEASE);
	return 0;
}

static int
fake_resume(void *arg, uint16_t qid)
{
	struct fake_drv *f = arg;
	struct fake_queue *q = &f->q[qid];

	q->resume_calls++;
	if (f->on_resume != NULL)
		f->on_resume(f, qid);
	__atomic_store_n(&f->parked_phase, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&q->posted, q->posted + q->reclaimed, __ATOMIC_RELEASE);
	__atomic_store_n(&q->reclaimed, 0, __ATOMIC_RELAXED);
	return 0;
}

static uint16_t
fake_queues_in_use(void *arg)
{
	struct fake_drv *f = arg;

	return f->in_use != 0 ? f->in_use : f->nb_queues;
}

static int
fake_walk(void *arg, bool parked, int (*cb)(uint64_t, uint64_t, uint32_t, void *),
		void *cb_arg)
{
	struct fake_drv *f = arg;
	uint16_t q;
	uint32_t i;
	int rc;

	f->walks[parked]++;
	if (f->on_walk != NULL)
		f->on_walk(f, parked);
	if (parked) {
		__atomic_store_n(&f->parked_phase, 1, __ATOMIC_RELEASE);
		/* the contract: every queue in use is parked (pause pending
		 * and acknowledged), and nothing was quiesced yet
		 */
		for (q = 0; q < fake_queues_in_use(f); q++) {
			struct rte_dma_domain_queue *h = rte_dma_domain_queue_get(f->b, q);

			if (!rte_dma_domain_queue_pause_pending(h) ||
					__atomic_load_n(&f->q[q].posted, __ATOMIC_ACQUIRE) == 0)
				f->bad_walk++;
		}
		/* atomic: a test's poller may retire it (in a burst) */
		uint64_t len = __atomic_load_n(&f->inflight_len, __ATOMIC_RELAXED);

		if (len != 0) {
			rc = cb(f->inflight_iova, len, RTE_DMA_DOMAIN_ACCESS_READ, cb_arg);
			if (rc != 0)
				return rc;
		}
	}

	for (q = 0; q < f->nb_queues; q++)
		for (i = 0; i < FAKE_BUFS; i++) {
			rc = cb(f->q[q].iova[i], FAKE_BUF_SIZE, RTE_DMA_DOMAIN_ACCESS_RW, cb_arg);
			if (rc != 0)
				return rc;
		}
	if (f->extra_len != 0) {
		rc = cb(f->extra_iova, f->extra_len, RTE_DMA_DOMAIN_ACCESS_READ, cb_arg);
		if (rc != 0)
			return rc;
	}
	if (f->extra2_len != 0)
		return cb(f->extra2_iova, f->extra2_len, f->extra2_access, cb_arg);
	return 0;
}

static int
fake_restart(void *arg, bool start)
{
	struct fake_drv *f = arg;
	uint16_t q;

	if (f->on_restart != NULL)
		f->on_restart(f, start);
	f->port_started = start;
	f->restarts++;
	for (q = 0; q < f->nb_queues; q++)
		(start ? fake_resume : fake_quiesce)(f, q);
	return 0;
}

/* A fault reported once; -EIO as long as the device needs a reset. */
static int
fake_fault_check(void *arg, uint64_t *nb_faults)
{
	struct fake_drv *f = arg;

	f->fault_checks++;
	*nb_faults = f->dev_faults;
	f->dev_faults = 0;
	return __atomic_load_n(&f->needs_reset, __ATOMIC_ACQUIRE) ? -EIO : 0;
}

static void
fake_unpark(void *arg, uint16_t qid)
{
	struct fake_drv *f = arg;

	f->q[qid].unpark_calls++;
	if (f->on_unpark != NULL)
		f->on_unpark(f, qid);
}

static void
fake_recovery_event(void *arg, enum rte_dma_domain_recovery ev)
{
	struct fake_drv *f = arg;

	if (f->nb_events < RTE_DIM(f->events))
		f->events[f->nb_events] = ev;
	f->nb_events++;
}

const struct rte_dma_domain_dev_ops fake_ops = {
	.queue_quiesce = fake_quiesce,
	.queue_resume = fake_resume,
	.fault_check = fake_fault_check,
	.iova_walk = fake_walk,
	.port_restart = fake_restart,
	.queue_unpark = fake_unpark,
	.recovery_event = fake_recovery_event,
	.queues_in_use = fake_queues_in_use,
};

int
fake_bind(struct fake_drv *f, const char *name, uint16_t nb_queues, uint64_t base_iova)
{
	struct rte_dma_domain_binding_params p = {
		.name = name,
		.dev_fd = -1,
		.nb_queues = nb_queues,
		.ops = &fake_ops,
		.drv_arg = f,
	};
	uint16_t q;
	uint32_t i;

	memset(f, 0, sizeof(*f));
	if (nb_queues > RTE_DIM(f->q))
		return -EINVAL;
	f->nb_queues = nb_queues;
	for (q = 0; q < nb_queues; q++) {
		for (i = 0; i < FAKE_BUFS; i++)
			f->q[q].iova[i] = base_iova + (q * FAKE_BUFS + i) * FAKE_BUF_SIZE;
		f->q[q].posted = FAKE_BUFS;
	}
	f->port_started = true;
	f->b = rte_dma_domain_bind(rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT), &p);
	return f->b != NULL ? 0 : -1;
}

uint32_t
fake_buffers(const struct fake_drv *f)
{
	uint32_t n = 0;
	uint16_t q;

	for (q = 0; q < f->nb_queues; q++)
		n += __atomic_load_n(&f->q[q].posted, __ATOMIC_ACQUIRE) +
			__atomic_load_n(&f->q[q].reclaimed, __ATOMIC_ACQUIRE);
	return n;
}

void
tdd_soft_model(enum rte_dma_domain_soft_replace_model m, uint64_t window_ns, bool verify)
{
	struct rte_dma_domain_soft_config c;

	rte_dma_domain_soft_config_get(&c);
	c.model = m;
	c.vtd_window_ns = window_ns;
	c.iotlb_verify = verify;
	if (rte_dma_domain_soft_configure(&c) != 0)
		fprintf(stderr, "rte_dma_domain_soft_configure failed\n");
}

struct rte_dma_domain *
tdd_domain(struct rte_dma_domain_ctx *ctx, const char *name)
{
	struct rte_dma_domain *d = rte_dma_domain_create(ctx, name, RTE_DMA_DOMAIN_PAGING, 0);

	TH_CHECK(d != NULL, "create %s", name);
	return d;
}

void
tdd_two_domains(struct rte_dma_domain_ctx *ctx, void *mem,
		struct rte_dma_domain **a, struct rte_dma_domain **b,
		const char *name_a, const char *name_b)
{
	*a = tdd_domain(ctx, name_a);
	*b = tdd_domain(ctx, name_b);
	TH_CHECK_RC(rte_dma_domain_map(*a, 0x100000, mem, 0x200000, RTE_DMA_DOMAIN_ACCESS_RW), 0);
	TH_CHECK_RC(rte_dma_domain_map(*b, 0x100000, mem, 0x200000, RTE_DMA_DOMAIN_ACCESS_RW), 0);
}
