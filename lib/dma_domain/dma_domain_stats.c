/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Swap records and per-binding statistics: counters, and pause/switch
 * percentiles over rings of the last DD_STATS_RING samples.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "dma_domain_percentile.h"
#include "dma_domain_private.h"

struct dd_stats *
dd_stats_alloc(void)
{
	return calloc(1, sizeof(struct dd_stats));
}

static void
ring_add(struct dd_ring *r, uint64_t v)
{
	r->v[r->head] = v;
	r->head = (r->head + 1) % DD_STATS_RING;
	if (r->n < DD_STATS_RING)
		r->n++;
}

/*
 * Every swap's record. Pause samples: every swap that paused the queues,
 * failed and timed-out ones included (a failure's pause is as long as the
 * traffic saw it), and the failed ones again in their own ring; switch
 * samples: successful swaps. No-ops and refusals before the pause are
 * counted, not sampled.
 */
void
dd_stats_commit(struct rte_dma_domain_binding *b,
		const struct rte_dma_domain_swap_record *rec)
{
	struct dd_stats *s = b->stats;

	s->last = *rec;
	s->cum.faults += rec->faults;
	s->cum.rollback_faults += rec->rollback_faults;
	s->cum.faults_between += rec->faults_between;
	s->cum.late_faults += rec->late_faults;
	s->cum.faults_inexact |= rec->faults_inexact;
	s->cum.release_overruns += rec->release_overruns;
	if (rec->result != 0) {
		s->cum.failures++;
		if (rec->rolled_back)
			s->cum.rollbacks++;
		if (rec->rollback_failed)
			s->cum.rollback_failures++;
		if (rec->result == -ETIMEDOUT)
			s->cum.timeouts++;
		if (rec->pause_ns != 0) {
			s->cum.failed_pauses++;
			ring_add(&s->pause, rec->pause_ns);
			ring_add(&s->failed_pause, rec->pause_ns);
		}
		return;
	}
	s->cum.swaps++;
	if (rec->noop) {
		s->cum.noops++;
		return;
	}
	ring_add(&s->pause, rec->pause_ns);
	ring_add(&s->sw, rec->switch_ns);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p50, p99 (nearest rank, dma_domain_percentile.h) and max of a ring's
 * samples (sorted in tmp).
 */
static void
percentiles(const struct dd_ring *r, uint64_t *tmp, uint64_t *p50, uint64_t *p99,
		uint64_t *max)
{
	uint32_t n = r->n;

	if (n == 0) {
		*p50 = *p99 = *max = 0;
		return;
	}
	memcpy(tmp, r->v, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), cmp_u64);
	*p50 = dma_domain_percentile(tmp, n, 50);
	*p99 = dma_domain_percentile(tmp, n, 99);
	*max = tmp[n - 1];
}

static void
stats_compute(const struct dd_stats *s, struct rte_dma_domain_stats *st)
{
	uint64_t *tmp = malloc(sizeof(uint64_t) * DD_STATS_RING);

	*st = s->cum;
	if (tmp == NULL)
		return;
	percentiles(&s->pause, tmp, &st->pause_p50_ns, &st->pause_p99_ns,
			&st->pause_max_ns);
	percentiles(&s->sw, tmp, &st->switch_p50_ns, &st->switch_p99_ns,
			&st->switch_max_ns);
	percentiles(&s->failed_pause, tmp, &st->failed_pause_p50_ns,
			&st->failed_pause_p99_ns, &st->failed_pause_max_ns);
	free(tmp);
}

void
dd_stats_compute(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_stats *st)
{
	stats_compute(b->stats, st);
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
	struct dd_stats *snap;

	if (b == NULL || st == NULL)
		return -EINVAL;
	/* dd_lock only for the copy: the sorts (three rings of up to
	 * DD_STATS_RING samples) run outside it, so that a stats reader
	 * (xstats, a monitoring loop) does not hold up swaps and maps
	 */
	snap = malloc(sizeof(*snap));
	dd_lock();
	if (snap == NULL) {
		dd_stats_compute(b, st);
		dd_unlock();
		return 0;
	}
	*snap = *b->stats;
	dd_unlock();
	stats_compute(snap, st);
	free(snap);
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
