/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Swap records and per-binding statistics: counters, and pause/switch
 * percentiles over a ring of the last DD_STATS_RING successful swaps.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "dma_domain_private.h"

struct dd_stats *
dd_stats_alloc(void)
{
	return calloc(1, sizeof(struct dd_stats));
}

void
dd_stats_commit(struct rte_dma_domain_binding *b,
		const struct rte_dma_domain_swap_record *rec)
{
	struct dd_stats *s = b->stats;

	s->last = *rec;
	s->cum.faults += rec->faults;
	if (rec->result != 0) {
		s->cum.failures++;
		if (rec->rolled_back)
			s->cum.rollbacks++;
		if (rec->result == -ETIMEDOUT)
			s->cum.timeouts++;
		return;
	}
	s->cum.swaps++;
	s->pause_ns[s->head] = rec->pause_ns;
	s->switch_ns[s->head] = rec->switch_ns;
	s->head = (s->head + 1) % DD_STATS_RING;
	if (s->nb_samples < DD_STATS_RING)
		s->nb_samples++;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p50, p99 and max of n samples (sorted in place). */
static void
percentiles(uint64_t *v, uint32_t n, uint64_t *p50, uint64_t *p99, uint64_t *max)
{
	if (n == 0) {
		*p50 = *p99 = *max = 0;
		return;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	*p50 = v[(n - 1) / 2];
	*p99 = v[(uint64_t)(n - 1) * 99 / 100];
	*max = v[n - 1];
}

void
dd_stats_compute(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_stats *st)
{
	const struct dd_stats *s = b->stats;
	uint64_t *tmp = malloc(sizeof(uint64_t) * DD_STATS_RING);

	*st = s->cum;
	if (tmp == NULL)
		return;
	memcpy(tmp, s->pause_ns, s->nb_samples * sizeof(*tmp));
	percentiles(tmp, s->nb_samples, &st->pause_p50_ns, &st->pause_p99_ns,
			&st->pause_max_ns);
	memcpy(tmp, s->switch_ns, s->nb_samples * sizeof(*tmp));
	percentiles(tmp, s->nb_samples, &st->switch_p50_ns, &st->switch_p99_ns,
			&st->switch_max_ns);
	free(tmp);
}

int
rte_dma_domain_last_swap(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_swap_record *rec)
{
	if (b == NULL || rec == NULL)
		return -EINVAL;
	dd_lock();
	*rec = b->stats->last;
	dd_unlock();
	return rec->seq != 0 ? 0 : -ENOENT;
}

int
rte_dma_domain_stats_get(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_stats *st)
{
	if (b == NULL || st == NULL)
		return -EINVAL;
	dd_lock();
	dd_stats_compute(b, st);
	dd_unlock();
	return 0;
}

int
rte_dma_domain_stats_reset(struct rte_dma_domain_binding *b)
{
	uint64_t seq;

	if (b == NULL)
		return -EINVAL;
	dd_lock();
	seq = b->stats->seq; /* swap numbers keep counting */
	memset(b->stats, 0, sizeof(*b->stats));
	b->stats->seq = seq;
	dd_unlock();
	return 0;
}
