/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef DMA_DOMAIN_PERCENTILE_H
#define DMA_DOMAIN_PERCENTILE_H

/**
 * @file
 * The one percentile of this project's statistics: the library's
 * (rte_dma_domain_stats pause/switch p50 and p99, dma_domain_stats.c) and
 * dpdk-test-replace's (swap summaries, report) use it, so that both give
 * the same figure for the same samples. Not installed (a header of this
 * source tree, reached through the library's dependency).
 *
 * Nearest rank: the p-th percentile of n sorted samples is the smallest
 * sample with at least p percent of the samples at or below it, the one of
 * rank ceil(p * n / 100) (1-based; rank 1 for p = 0), index rank - 1.
 * With 50 samples p50 is v[24] and p99 is v[49] (the largest: 99% of 50
 * is 49.5 samples); with one sample every percentile is v[0].
 */

#include <stddef.h>
#include <stdint.h>

/**
 * Index of percentile p among n sorted samples (nearest rank).
 * @param n number of samples, > 0
 * @param p percentile, 0..100 (above 100: 100)
 * @return an index in [0, n - 1]
 */
static inline size_t
dma_domain_percentile_index(size_t n, unsigned int p)
{
	size_t rank;

	if (p > 100)
		p = 100;
	rank = ((size_t)p * n + 99) / 100;
	return rank == 0 ? 0 : rank - 1;
}

/**
 * Percentile p of n samples sorted in ascending order (nearest rank).
 * @param sorted the samples, ascending
 * @param n number of samples
 * @param p percentile, 0..100
 * @return the sample, or 0 when n == 0
 */
static inline uint64_t
dma_domain_percentile(const uint64_t *sorted, size_t n, unsigned int p)
{
	return n == 0 ? 0 : sorted[dma_domain_percentile_index(n, p)];
}

#endif /* DMA_DOMAIN_PERCENTILE_H */
