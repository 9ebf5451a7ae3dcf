/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The one percentile of the library's stats and dpdk-test-replace's
 * summaries (lib/dma_domain/dma_domain_percentile.h, nearest rank): a
 * table of (n, p, expected index) and the value it selects. The two used
 * to disagree (with 50 samples the library's p99 was v[48], the app's
 * v[49]); both now call this function, so this table is what both give.
 * No EAL: the header is pure.
 */

#include <inttypes.h>

#include <dma_domain_percentile.h>

#include "th.h"

static const struct {
	size_t n;
	unsigned int p;
	size_t idx; /* ceil(p * n / 100) - 1, rank at least 1 */
} cases[] = {
	{ 1, 0, 0 }, { 1, 50, 0 }, { 1, 99, 0 }, { 1, 100, 0 },
	{ 2, 50, 0 }, { 2, 99, 1 },
	{ 3, 50, 1 }, { 3, 99, 2 },
	{ 4, 50, 1 }, { 4, 99, 3 },
	{ 10, 50, 4 }, { 10, 90, 8 }, { 10, 99, 9 },
	{ 50, 0, 0 }, { 50, 50, 24 }, { 50, 98, 48 }, { 50, 99, 49 }, { 50, 100, 49 },
	{ 99, 99, 98 }, { 100, 50, 49 }, { 100, 99, 98 }, { 101, 99, 99 },
	{ 200, 99, 197 }, { 4096, 50, 2047 }, { 4096, 99, 4055 },
	{ 10, 150, 9 }, /* above 100: the largest */
};

static int
t_nearest_rank(void)
{
	static uint64_t v[4096];
	unsigned int i;

	for (i = 0; i < 4096; i++)
		v[i] = 1000 + i; /* sorted, v[k] names its index */
	for (i = 0; i < TH_DIM(cases); i++) {
		size_t got = dma_domain_percentile_index(cases[i].n, cases[i].p);
		uint64_t val = dma_domain_percentile(v, cases[i].n, cases[i].p);

		TH_CHECK(got == cases[i].idx && val == v[cases[i].idx],
			"n=%zu p=%u: index %zu (value %" PRIu64 "), expected index %zu (nearest rank)",
			cases[i].n, cases[i].p, got, val, cases[i].idx);
	}
	TH_CHECK(dma_domain_percentile(v, 0, 99) == 0, "no samples: expected 0");
	return 0;
}

static const struct th_case th_cases[] = {
	{ "nearest_rank", "unit", t_nearest_rank, NULL, NULL },
};

TH_MAIN(th_cases, 0)
