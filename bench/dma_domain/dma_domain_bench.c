/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * dma-domain-bench: cost of a domain swap and of taking part in it.
 *
 *  1. pause time (first pause request to last queue resumed) of QUIESCE
 *     replaces with 1, 2 and 4 queues, next to REMAP of the same memory
 *     (1 GiB of IOVA space in 2 MiB pages: one 2 MiB buffer mapped at 512
 *     IOVAs), all in the same run, soft backend;
 *  2. hot-path cost: a burst loop with the pause check against the same
 *     loop without it (ratio).
 *
 * One poller thread polls every queue (as one lcore would) and the main
 * thread is the controller: two busy threads at most; waits yield.
 *
 * Usage: dma-domain-bench [--swaps N] [--json FILE]
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include <rte_dma_domain.h>
#include <rte_dma_domain_driver.h>
#include <rte_dma_domain_soft.h>

#define M2 0x200000ull
#define NB_MAP 512 /* 1 GiB of IOVA space */
#define MAXQ 4
#define BURST 32

struct result {
	const char *name;
	unsigned int queues;
	uint64_t swaps;
	struct rte_dma_domain_stats st;
};

static struct rte_dma_domain_binding *bind_b;
static unsigned int nb_q;
static volatile int stop_flag;
static int poller_ready;

static void *
poller(void *arg)
{
	struct rte_dma_domain_queue *q[MAXQ];
	unsigned int k;

	RTE_SET_USED(arg);
	for (k = 0; k < nb_q; k++) {
		q[k] = rte_dma_domain_queue_get(bind_b, k);
		rte_dma_domain_queue_online(q[k]);
	}
	rte_atomic_store_explicit(&poller_ready, 1, rte_memory_order_release);
	while (!rte_atomic_load_explicit(&stop_flag, rte_memory_order_acquire)) {
		bool parked = false;

		for (k = 0; k < nb_q; k++)
			if (rte_dma_domain_queue_pause_pending(q[k]) &&
					rte_dma_domain_queue_ack(q[k]))
				parked = true;
		if (parked)
			sched_yield();
	}
	for (k = 0; k < nb_q; k++)
		rte_dma_domain_queue_offline(q[k]);
	return NULL;
}

static struct rte_dma_domain *
gig_domain(struct rte_dma_domain_ctx *ctx, const char *name, void *buf)
{
	struct rte_dma_domain *d = rte_dma_domain_create(ctx, name, RTE_DMA_DOMAIN_PAGING, 0);
	unsigned int i;

	if (d == NULL)
		return NULL;
	for (i = 0; i < NB_MAP; i++)
		if (rte_dma_domain_map(d, 0x40000000ull + i * M2, buf, M2,
				RTE_DMA_DOMAIN_ACCESS_RW) != 0)
			return NULL;
	return d;
}

static int
measure(struct rte_dma_domain_ctx *ctx, struct rte_dma_domain *a, struct rte_dma_domain *b,
		unsigned int queues, enum rte_dma_domain_strategy s, uint64_t swaps,
		struct result *r)
{
	struct rte_dma_domain_binding_params p = {
		.name = "bench0", .dev_fd = -1, .nb_queues = queues,
	};
	struct rte_dma_domain_replace_opts o = { .strategy = s };
	pthread_t t;
	uint64_t i;

	nb_q = queues;
	bind_b = rte_dma_domain_bind(ctx, &p);
	if (bind_b == NULL || rte_dma_domain_attach(bind_b, a) != 0)
		return -1;
	stop_flag = 0;
	poller_ready = 0;
	pthread_create(&t, NULL, poller, NULL);
	/* measure with every queue online: offline ones need no ack */
	while (!rte_atomic_load_explicit(&poller_ready, rte_memory_order_acquire))
		sched_yield();
	for (i = 0; i < swaps; i++) {
		struct rte_dma_domain *to = (i & 1) ? a : b;

		/* REMAP keeps the binding on a: alternate only the target */
		if (rte_dma_domain_replace(bind_b, to, &o) != 0) {
			struct rte_dma_domain_swap_record rec;

			rte_dma_domain_last_swap(bind_b, &rec);
			fprintf(stderr, "swap %" PRIu64 " failed: %s\n", i, rec.reason);
		}
	}
	rte_atomic_store_explicit(&stop_flag, 1, rte_memory_order_release);
	pthread_join(t, NULL);
	r->queues = queues;
	r->swaps = swaps;
	rte_dma_domain_stats_get(bind_b, &r->st);
	rte_dma_domain_unbind(bind_b);
	return 0;
}

/* ---- hot path ------------------------------------------------------------- */

static uint64_t ring[BURST * 64];

static __rte_noinline uint16_t
burst_plain(struct rte_dma_domain_queue *q, uint64_t *out)
{
	unsigned int i;
	uint64_t s = 0;

	RTE_SET_USED(q);
	for (i = 0; i < BURST; i++)
		s += ring[(out[0] + i * 7) & (RTE_DIM(ring) - 1)];
	out[0] += s | 1;
	return BURST;
}

static __rte_noinline uint16_t
burst_checked(struct rte_dma_domain_queue *q, uint64_t *out)
{
	unsigned int i;
	uint64_t s = 0;

	if (rte_dma_domain_queue_pause_pending(q) && rte_dma_domain_queue_ack(q))
		return 0;
	for (i = 0; i < BURST; i++)
		s += ring[(out[0] + i * 7) & (RTE_DIM(ring) - 1)];
	out[0] += s | 1;
	return BURST;
}

static uint64_t
time_loop(uint16_t (*fn)(struct rte_dma_domain_queue *, uint64_t *),
		struct rte_dma_domain_queue *q, uint64_t iters)
{
	uint64_t acc = 1, t0, i;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < iters; i++)
		fn(q, &acc);
	return rte_rdtsc_precise() - t0 + (acc == 0);
}

static double
hot_path_ratio(struct rte_dma_domain_ctx *ctx, uint64_t *plain, uint64_t *checked)
{
	struct rte_dma_domain_binding_params p = {
		.name = "bench-hot", .dev_fd = -1, .nb_queues = 1,
	};
	struct rte_dma_domain_binding *b = rte_dma_domain_bind(ctx, &p);
	struct rte_dma_domain_queue *q = rte_dma_domain_queue_get(b, 0);
	const uint64_t iters = 2000000;
	uint64_t bp = UINT64_MAX, bc = UINT64_MAX;
	int round;

	/* interleaved rounds, best of each: noise only ever adds time */
	for (round = 0; round < 15; round++) {
		uint64_t x = time_loop(burst_plain, q, iters);
		uint64_t y = time_loop(burst_checked, q, iters);

		bp = RTE_MIN(bp, x);
		bc = RTE_MIN(bc, y);
	}
	rte_dma_domain_unbind(b);
	*plain = bp;
	*checked = bc;
	return (double)bc / (double)bp;
}

static void
print_row(FILE *f, const struct result *r)
{
	fprintf(f, "%-8s %6u %6" PRIu64 " %10.1f %10.1f %10.1f %10.1f %10.1f\n",
		r->name, r->queues, r->st.swaps,
		r->st.pause_p50_ns / 1e3, r->st.pause_p99_ns / 1e3, r->st.pause_max_ns / 1e3,
		r->st.switch_p50_ns / 1e3, r->st.switch_p99_ns / 1e3);
}

int
main(int argc, char **argv)
{
	struct rte_dma_domain_ctx *ctx;
	struct rte_dma_domain *a, *b;
	struct result res[4];
	const char *json = NULL;
	uint64_t swaps = 2000, plain, checked;
	unsigned int qs[] = { 1, 2, 4 }, i, n = 0;
	double ratio;
	void *buf;
	int k;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--swaps") == 0 && k + 1 < argc)
			swaps = strtoull(argv[++k], NULL, 0);
		else if (strcmp(argv[k], "--json") == 0 && k + 1 < argc)
			json = argv[++k];
		else {
			fprintf(stderr, "usage: %s [--swaps N] [--json FILE]\n", argv[0]);
			return 2;
		}
	}
	rte_log_set_level_pattern("lib.dma_domain", RTE_LOG_WARNING);
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	buf = aligned_alloc(M2, M2);
	if (ctx == NULL || buf == NULL)
		return 1;
	memset(buf, 0, M2);
	a = gig_domain(ctx, "bench-a", buf);
	b = gig_domain(ctx, "bench-b", buf);
	if (a == NULL || b == NULL) {
		fprintf(stderr, "cannot build the 1 GiB domains\n");
		return 1;
	}
	for (i = 0; i < RTE_DIM(qs); i++, n++) {
		res[n].name = "quiesce";
		if (measure(ctx, a, b, qs[i], RTE_DMA_DOMAIN_STRATEGY_QUIESCE, swaps, &res[n]) < 0)
			return 1;
	}
	res[n].name = "remap";
	if (measure(ctx, a, b, 1, RTE_DMA_DOMAIN_STRATEGY_REMAP,
			swaps / 10 ? swaps / 10 : 1, &res[n]) < 0)
		return 1;
	n++;
	ratio = hot_path_ratio(ctx, &plain, &checked);

	printf("soft backend, 1 GiB of IOVA space in %u x 2 MiB mappings, one poller thread\n",
		NB_MAP);
	printf("%-8s %6s %6s %10s %10s %10s %10s %10s\n", "strategy", "queues", "swaps",
		"pause p50", "p99 (us)", "max", "switch p50", "p99 (us)");
	for (i = 0; i < n; i++)
		print_row(stdout, &res[i]);
	printf("hot path: burst with pause check / without = %.4f (%+.2f%%), %" PRIu64
		" vs %" PRIu64 " cycles per 2M bursts\n", ratio, (ratio - 1) * 100,
		checked, plain);
	if (json != NULL) {
		FILE *f = fopen(json, "w");

		if (f == NULL) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\n  \"backend\": \"soft\",\n  \"mappings\": %u,\n  \"results\": [\n",
			NB_MAP);
		for (i = 0; i < n; i++)
			fprintf(f, "    {\"strategy\": \"%s\", \"queues\": %u, \"swaps\": %" PRIu64
				", \"pause_p50_ns\": %" PRIu64 ", \"pause_p99_ns\": %" PRIu64
				", \"pause_max_ns\": %" PRIu64 ", \"switch_p50_ns\": %" PRIu64
				", \"switch_p99_ns\": %" PRIu64 "}%s\n", res[i].name,
				res[i].queues, res[i].st.swaps, res[i].st.pause_p50_ns,
				res[i].st.pause_p99_ns, res[i].st.pause_max_ns,
				res[i].st.switch_p50_ns, res[i].st.switch_p99_ns,
				i + 1 < n ? "," : "");
		fprintf(f, "  ],\n  \"hot_path\": {\"plain_cycles\": %" PRIu64
			", \"checked_cycles\": %" PRIu64 ", \"ratio\": %.5f}\n}\n",
			plain, checked, ratio);
		fclose(f);
	}
	rte_dma_domain_destroy(a);
	rte_dma_domain_destroy(b);
	free(buf);
	return 0;
}
