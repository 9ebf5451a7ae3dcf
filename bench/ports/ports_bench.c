/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * dma-domain-ports-bench: swaps of 1, 2, 4 and 8 ports at once.
 *
 * Each port is a binding of the soft backend (VT-d model: the switch
 * blocks translation for --window-us, slept through as a device's or
 * the kernel's latency is) whose driver resets each queue in
 * --reset-us (slept: the device's queue reset round trip). One poller
 * thread polls every queue of every port (one lcore); one controller
 * thread per port replaces its port's domain. Every round releases the
 * N controllers together (a barrier) and measures:
 *   - total: first replace call to last return (the round's wall time);
 *   - pause: each port's pause (swap record pause_ns);
 *   - call: each port's replace call, request to return (a replace
 *     that waits for another's lock waits here, not in its pause).
 * Two modes, in interleaved rounds of the same run: "serial" (one
 * replace at a time per process, as under the former global lock:
 * rte_dma_domain_test_serialize(true)) and "concurrent" (this library).
 * Medians over the rounds. Waits sleep or yield: on a 2-core machine the
 * busy threads are the poller and one controller at a time.
 *
 * Usage: dma-domain-ports-bench [--rounds N] [--window-us U] [--reset-us U]
 *                               [--queues Q] [--json FILE]
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_log.h>

#include <rte_dma_domain.h>
#include <rte_dma_domain_soft.h>

#include "dma_domain_test.h"

#define MAXP 8
#define MAXQ 4
#define M2 0x200000ull

struct port {
	unsigned int idx;
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *d[2];
	unsigned int cur;
	pthread_t t;
	uint64_t start_ns, end_ns, pause_ns;
	int rc;
	char reason[128];
};

static struct port ports[MAXP];
static unsigned int nb_ports, nb_queues = 1, reset_us = 10, window_us = 50;
static unsigned int rounds = 200;
static pthread_barrier_t go, done;
static uint32_t quit;        /* controllers: leave (__atomic) */
static uint32_t stop_poll;   /* poller: leave (__atomic) */
static uint32_t poller_ready;
static char *mem;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	if (us > 0)
		nanosleep(&ts, NULL);
}

/* ---- the driver: queue resets take reset_us -------------------------- */

static int
drv_quiesce(void *arg, uint16_t qid)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(qid);
	sleep_us(reset_us);
	return 0;
}

static int
drv_resume(void *arg, uint16_t qid)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(qid);
	return 0;
}

/* The port's ring: one 4 KiB page at its own IOVA, mapped in both domains. */
static int
drv_walk(void *arg, bool parked, int (*cb)(uint64_t, uint64_t, uint32_t, void *),
		void *cb_arg)
{
	const struct port *p = arg;

	RTE_SET_USED(parked);
	return cb(0x100000 + (uint64_t)p->idx * 0x1000, 0x1000, RTE_DMA_DOMAIN_ACCESS_RW, cb_arg);
}

static const struct rte_dma_domain_dev_ops drv_ops = {
	.queue_quiesce = drv_quiesce,
	.queue_resume = drv_resume,
	.iova_walk = drv_walk,
};

/* ---- poller: every queue of every port --------------------------------- */

static void *
poller(void *arg)
{
	struct rte_dma_domain_queue *q[MAXP * MAXQ];
	unsigned int n = 0, k, i;

	RTE_SET_USED(arg);
	for (i = 0; i < nb_ports; i++)
		for (k = 0; k < nb_queues; k++) {
			q[n] = rte_dma_domain_queue_get(ports[i].b, k);
			rte_dma_domain_queue_online(q[n++]);
		}
	rte_atomic_store_explicit(&poller_ready, 1, rte_memory_order_release);
	while (!rte_atomic_load_explicit(&stop_poll, rte_memory_order_acquire)) {
		for (k = 0; k < n; k++)
			if (rte_dma_domain_queue_pause_pending(q[k]))
				rte_dma_domain_queue_ack(q[k]);
		sched_yield();
	}
	for (k = 0; k < n; k++)
		rte_dma_domain_queue_offline(q[k]);
	return NULL;
}

/* ---- controllers --------------------------------------------------------- */

static void *
controller(void *arg)
{
	static const struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 5000000,
	};
	struct port *p = arg;
	struct rte_dma_domain_swap_record rec;

	for (;;) {
		pthread_barrier_wait(&go);
		if (rte_atomic_load_explicit(&quit, rte_memory_order_acquire))
			return NULL;
		p->start_ns = now_ns();
		p->rc = rte_dma_domain_replace(p->b, p->d[!p->cur], &o);
		p->end_ns = now_ns();
		rte_dma_domain_last_swap(p->b, &rec);
		p->pause_ns = rec.pause_ns;
		if (p->rc == 0)
			p->cur = !p->cur;
		else
			snprintf(p->reason, sizeof(p->reason), "%s", rec.reason);
		pthread_barrier_wait(&done);
	}
}

/* ---- one configuration ----------------------------------------------------- */

struct series {
	uint64_t *total, *pause, *call;
	unsigned int n_total, n_port;
};

struct figures {
	double total_us, pause_us, call_us;
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
median_us(uint64_t *v, unsigned int n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(n - 1) / 2] / 1e3;
}

static int
setup(struct rte_dma_domain_ctx *ctx, unsigned int n)
{
	unsigned int i, j;

	nb_ports = n;
	for (i = 0; i < n; i++) {
		struct rte_dma_domain_binding_params bp = {
			.dev_fd = -1, .nb_queues = nb_queues,
			.ops = &drv_ops, .drv_arg = &ports[i],
		};
		char name[RTE_DMA_DOMAIN_NAMESIZE];

		memset(&ports[i], 0, sizeof(ports[i]));
		ports[i].idx = i;
		for (j = 0; j < 2; j++) {
			snprintf(name, sizeof(name), "pb%u-%c", i, 'a' + j);
			ports[i].d[j] = rte_dma_domain_create(ctx, name, RTE_DMA_DOMAIN_PAGING, 0);
			if (ports[i].d[j] == NULL ||
					rte_dma_domain_map(ports[i].d[j], 0x100000, mem, M2,
						RTE_DMA_DOMAIN_ACCESS_RW) != 0)
				return -1;
		}
		snprintf(name, sizeof(name), "pb-port%u", i);
		bp.name = name;
		ports[i].b = rte_dma_domain_bind(ctx, &bp);
		if (ports[i].b == NULL || rte_dma_domain_attach(ports[i].b, ports[i].d[0]) != 0)
			return -1;
	}
	return 0;
}

static void
teardown(void)
{
	unsigned int i;

	for (i = 0; i < nb_ports; i++) {
		rte_dma_domain_unbind(ports[i].b);
		rte_dma_domain_destroy(ports[i].d[0]);
		rte_dma_domain_destroy(ports[i].d[1]);
	}
}

/* n ports, rounds interleaved serial / concurrent. */
static int
run(struct rte_dma_domain_ctx *ctx, unsigned int n, struct figures fig[2])
{
	struct series s[2];
	pthread_t pt;
	unsigned int r, i, m;
	int rc = 0;

	if (setup(ctx, n) != 0) {
		fprintf(stderr, "setup of %u ports failed\n", n);
		return -1;
	}
	for (m = 0; m < 2; m++) {
		s[m].total = calloc(rounds, sizeof(uint64_t));
		s[m].pause = calloc((size_t)rounds * n, sizeof(uint64_t));
		s[m].call = calloc((size_t)rounds * n, sizeof(uint64_t));
		s[m].n_total = s[m].n_port = 0;
		if (s[m].total == NULL || s[m].pause == NULL || s[m].call == NULL)
			return -1;
	}
	pthread_barrier_init(&go, NULL, n + 1);
	pthread_barrier_init(&done, NULL, n + 1);
	rte_atomic_store_explicit(&quit, 0, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&stop_poll, 0, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&poller_ready, 0, rte_memory_order_relaxed);
	pthread_create(&pt, NULL, poller, NULL);
	while (!rte_atomic_load_explicit(&poller_ready, rte_memory_order_acquire))
		sched_yield();
	for (i = 0; i < n; i++)
		pthread_create(&ports[i].t, NULL, controller, &ports[i]);
	for (r = 0; r < 2 * rounds; r++) {
		uint64_t first = UINT64_MAX, last = 0;

		m = r & 1; /* 0: serial, 1: concurrent */
		rte_dma_domain_test_serialize(m == 0);
		pthread_barrier_wait(&go);
		pthread_barrier_wait(&done);
		for (i = 0; i < n; i++) {
			struct port *p = &ports[i];

			if (p->rc != 0) {
				fprintf(stderr, "port %u: replace failed: %s\n", i, p->reason);
				rc = -1;
			}
			first = RTE_MIN(first, p->start_ns);
			last = RTE_MAX(last, p->end_ns);
			s[m].pause[s[m].n_port] = p->pause_ns;
			s[m].call[s[m].n_port++] = p->end_ns - p->start_ns;
		}
		s[m].total[s[m].n_total++] = last - first;
	}
	rte_atomic_store_explicit(&quit, 1, rte_memory_order_release);
	pthread_barrier_wait(&go);
	for (i = 0; i < n; i++)
		pthread_join(ports[i].t, NULL);
	rte_atomic_store_explicit(&stop_poll, 1, rte_memory_order_release);
	pthread_join(pt, NULL);
	rte_dma_domain_test_serialize(false);
	pthread_barrier_destroy(&go);
	pthread_barrier_destroy(&done);
	for (m = 0; m < 2; m++) {
		fig[m].total_us = median_us(s[m].total, s[m].n_total);
		fig[m].pause_us = median_us(s[m].pause, s[m].n_port);
		fig[m].call_us = median_us(s[m].call, s[m].n_port);
		free(s[m].total);
		free(s[m].pause);
		free(s[m].call);
	}
	teardown();
	return rc;
}

static void
print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--rounds N] [--window-us U] [--reset-us U] [--queues Q (1-%d)] [--json FILE]\n",
		prog, MAXQ);
}

int
main(int argc, char **argv)
{
	static const unsigned int counts[] = { 1, 2, 4, 8 };
	struct figures fig[RTE_DIM(counts)][2];
	struct rte_dma_domain_soft_config cfg;
	struct rte_dma_domain_ctx *ctx;
	const char *json = NULL;
	unsigned int c;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--rounds") == 0)
			rounds = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && strcmp(argv[i], "--window-us") == 0)
			window_us = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && strcmp(argv[i], "--reset-us") == 0)
			reset_us = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && strcmp(argv[i], "--queues") == 0)
			nb_queues = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && strcmp(argv[i], "--json") == 0)
			json = argv[++i];
		else {
			print_usage(argv[0]);
			return 2;
		}
	}
	if (rounds == 0 || nb_queues == 0 || nb_queues > MAXQ) {
		print_usage(argv[0]);
		return 2;
	}
	rte_log_set_level_pattern("lib.dma_domain", RTE_LOG_WARNING);
	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	mem = aligned_alloc(M2, M2);
	if (ctx == NULL || mem == NULL)
		return 1;
	memset(mem, 0, M2);
	rte_dma_domain_soft_config_get(&cfg);
	cfg.model = RTE_DMA_DOMAIN_SOFT_REPLACE_VTD;
	cfg.vtd_window_ns = (uint64_t)window_us * 1000;
	if (rte_dma_domain_soft_configure(&cfg) != 0)
		return 1;
	printf("ports swapped at once: soft backend, VT-d window %u us, queue reset %u us, %u queue(s) per port, %u rounds per mode (interleaved), medians\n",
		window_us, reset_us, nb_queues, rounds);
	printf("%5s  %12s %12s %12s  %12s %12s %12s  %7s\n", "ports", "serial:total",
		"pause", "call", "concur:total", "pause", "call", "speedup");
	for (c = 0; c < RTE_DIM(counts); c++) {
		if (run(ctx, counts[c], fig[c]) != 0)
			rc = 1;
		printf("%5u  %10.1fus %10.1fus %10.1fus  %10.1fus %10.1fus %10.1fus  %6.2fx\n",
			counts[c], fig[c][0].total_us, fig[c][0].pause_us, fig[c][0].call_us,
			fig[c][1].total_us, fig[c][1].pause_us, fig[c][1].call_us,
			fig[c][1].total_us > 0 ? fig[c][0].total_us / fig[c][1].total_us : 0);
	}
	if (json != NULL) {
		FILE *f = fopen(json, "w");

		if (f == NULL) {
			fprintf(stderr, "--json %s: %s\n", json, strerror(errno));
			return 1;
		}
		fprintf(f, "{\"window_us\": %u, \"reset_us\": %u, \"queues\": %u, \"rounds\": %u, \"ports\": [",
			window_us, reset_us, nb_queues, rounds);
		for (c = 0; c < RTE_DIM(counts); c++)
			fprintf(f, "%s\n  {\"n\": %u, \"serial\": {\"total_us\": %.1f, \"pause_us\": %.1f, \"call_us\": %.1f}, \"concurrent\": {\"total_us\": %.1f, \"pause_us\": %.1f, \"call_us\": %.1f}}",
				c ? "," : "", counts[c], fig[c][0].total_us, fig[c][0].pause_us,
				fig[c][0].call_us, fig[c][1].total_us, fig[c][1].pause_us,
				fig[c][1].call_us);
		fprintf(f, "\n]}\n");
		fclose(f);
	}
	free(mem);
	return rc;
}
