/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The soft IOMMU's exact fault log: every refused DMA access, with device,
 * IOVA, access, reason, domain and time, in a process-wide ring of the
 * last SOFT_FAULT_RING records. Faults are the slow path; a spinlock keeps
 * records whole.
 */

#include <string.h>

#include <rte_cycles.h>
#include <rte_spinlock.h>
#include <rte_string_fns.h>

#include "dma_domain_private.h"
#include "soft_private.h"

#define SOFT_FAULT_RING 4096

static rte_spinlock_t fault_lock = RTE_SPINLOCK_INITIALIZER;
static struct rte_dma_domain_soft_fault fault_ring[SOFT_FAULT_RING];
static uint64_t fault_total; /* records ever written (under fault_lock) */
static uint64_t fault_count_all; /* atomic, read without the lock */

void
soft_fault_record(struct soft_dev *dev, uint64_t iova, uint32_t access,
		int reason, const char *domain)
{
	struct rte_dma_domain_soft_fault *f;

	rte_spinlock_lock(&fault_lock);
	f = &fault_ring[fault_total % SOFT_FAULT_RING];
	f->tsc = rte_rdtsc();
	f->iova = iova;
	f->access = access;
	f->reason = reason;
	rte_strlcpy(f->device, dev->name, sizeof(f->device));
	rte_strlcpy(f->domain, domain, sizeof(f->domain));
	fault_total++;
	rte_spinlock_unlock(&fault_lock);
	rte_atomic_fetch_add_explicit(&dev->faults, 1, rte_memory_order_release);
	rte_atomic_fetch_add_explicit(&fault_count_all, 1, rte_memory_order_release);
	DD_LOG(DEBUG, "soft fault: device %s IOVA 0x%" PRIx64 " %s: %s (domain '%s')",
		dev->name, iova,
		access & RTE_DMA_DOMAIN_ACCESS_WRITE ? "write" : "read",
		reason == -ENOENT ? "not mapped" :
		reason == -EACCES ? "permission" : "blocked", domain);
}

uint64_t
rte_dma_domain_soft_fault_count(const struct rte_dma_domain_binding *b)
{
	struct soft_dev *dev;

	if (b == NULL)
		return rte_atomic_load_explicit(&fault_count_all, rte_memory_order_acquire);
	dev = soft_dev_of(b);
	return dev != NULL ? rte_atomic_load_explicit(&dev->faults, rte_memory_order_acquire) : 0;
}

unsigned int
rte_dma_domain_soft_fault_log(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_soft_fault *out, unsigned int n)
{
	const char *name = b != NULL ? b->name : NULL;
	uint64_t first, i;
	unsigned int cnt = 0, k;

	if (out == NULL || n == 0)
		return 0;
	rte_spinlock_lock(&fault_lock);
	first = fault_total > SOFT_FAULT_RING ? fault_total - SOFT_FAULT_RING : 0;
	/* newest first into out[], then reverse to oldest first */
	for (i = fault_total; i > first && cnt < n; i--) {
		const struct rte_dma_domain_soft_fault *f = &fault_ring[(i - 1) % SOFT_FAULT_RING];

		if (name != NULL && strcmp(f->device, name) != 0)
			continue;
		out[cnt++] = *f;
	}
	rte_spinlock_unlock(&fault_lock);
	for (k = 0; k < cnt / 2; k++) {
		struct rte_dma_domain_soft_fault t = out[k];

		out[k] = out[cnt - 1 - k];
		out[cnt - 1 - k] = t;
	}
	return cnt;
}
