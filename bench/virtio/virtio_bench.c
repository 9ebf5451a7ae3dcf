/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * virtio-bench: packet rate between two emulated virtio-net ports wired
 * back to back (net_virtio_iommufd + the inline emulated device), without
 * domain swaps and with a swap (strategy quiesce, between two mirror
 * domains, ports alternating) every 1 ms and every 10 ms, in one run so
 * the ratios compare like with like.
 *
 *   virtio-bench [seconds per point (default 1)]
 *
 * One polling lcore sends on both ports and receives on both; the swap
 * thread sleeps between swaps (doc/guides/design.rst, "Why the Waits Yield": 2 cores). Frames
 * carry a sequence number; lost/reordered frames are counted.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <rte_dma_domain.h>
#include <rte_dma_domain_soft.h>

#include "vt_common.h"

struct flow {
	uint64_t tx_seq[2], rx_seq[2], rx, lost, bad;
};

static void
send_burst(struct flow *f, uint16_t port, uint16_t len)
{
	struct rte_mbuf *m[32];
	uint16_t i, n;

	if (rte_pktmbuf_alloc_bulk(vt_pool(), m, RTE_DIM(m)) != 0)
		return;
	for (i = 0; i < RTE_DIM(m); i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], len);
		uint64_t seq = f->tx_seq[port] + i;

		memset(p, 0xff, 12);
		p[12] = 0x88;
		p[13] = 0xb7;
		memcpy(p + 14, &seq, sizeof(seq));
	}
	n = rte_eth_tx_burst(port, 0, m, RTE_DIM(m));
	if (n < RTE_DIM(m))
		rte_pktmbuf_free_bulk(m + n, RTE_DIM(m) - n);
	f->tx_seq[port] += n;
}

static void
recv_burst(struct flow *f, uint16_t port)
{
	struct rte_mbuf *m[32];
	uint16_t n = rte_eth_rx_burst(port, 0, m, RTE_DIM(m)), i;
	uint16_t src = 1 - port;

	for (i = 0; i < n; i++) {
		uint64_t seq;

		memcpy(&seq, rte_pktmbuf_mtod_offset(m[i], uint8_t *, 14), sizeof(seq));
		if (seq != f->rx_seq[src])
			f->lost += seq > f->rx_seq[src] ? seq - f->rx_seq[src] : 0, f->bad++;
		f->rx_seq[src] = seq + 1;
	}
	f->rx += n;
	if (n > 0)
		rte_pktmbuf_free_bulk(m, n);
}

struct swapper {
	struct rte_dma_domain_binding *b[2];
	struct rte_dma_domain *d[2];
	uint64_t period_us;
	volatile bool stop;
	volatile bool exited;
	unsigned int swaps, failed;
};

static void *
swap_thread(void *arg)
{
	struct swapper *s = arg;
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	struct timespec ts = { 0, (long)s->period_us * 1000 };
	unsigned int i = 0;

	while (!s->stop) {
		nanosleep(&ts, NULL);
		if (s->stop)
			break;
		if (rte_dma_domain_replace(s->b[i & 1], s->d[((i >> 1) + 1) & 1], &o) != 0)
			s->failed++;
		else
			s->swaps++;
		i++;
	}
	s->exited = true;
	return NULL;
}

/* Mpps received (both directions together) over `secs`. */
static double
run_point(struct swapper *s, uint16_t len, double secs, struct flow *f, unsigned int *swaps)
{
	pthread_t th;
	uint64_t hz = rte_get_timer_hz(), t0, t1, rx0;
	uint16_t p;

	s->stop = false;
	s->exited = false;
	s->swaps = 0;
	if (s->period_us != 0 && pthread_create(&th, NULL, swap_thread, s) != 0)
		return -1;
	rx0 = f->rx;
	t0 = rte_get_timer_cycles();
	t1 = t0 + (uint64_t)(secs * hz);
	while (rte_get_timer_cycles() < t1) {
		for (p = 0; p < 2; p++) {
			send_burst(f, p, len);
			recv_burst(f, 1 - p);
		}
	}
	t1 = rte_get_timer_cycles();
	s->stop = true;
	/* Keep polling until the swap thread is out: a swap in progress
	 * waits for these queues to acknowledge its pause. */
	while (s->period_us != 0 && !s->exited) {
		recv_burst(f, 0);
		recv_burst(f, 1);
	}
	if (s->period_us != 0)
		pthread_join(th, NULL);
	*swaps = s->swaps;
	return (double)(f->rx - rx0) / ((double)(t1 - t0) / hz) / 1e6;
}

int
main(int argc, char **argv)
{
	static const char *const devs[] = {
		"iommufd:emu0,peer=emu1", "iommufd:emu1,peer=emu0", NULL,
	};
	static const uint16_t lens[] = { 64, 1500 };
	static const uint64_t periods[] = { 0, 1000, 10000 };
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	struct swapper s;
	struct flow f;
	unsigned int l, k, swaps;
	int ret, i;

	ret = vt_eal_init(argv[0], devs, NULL);
	if (ret != 0)
		return 1;
	memset(&s, 0, sizeof(s));
	memset(&f, 0, sizeof(f));
	for (i = 0; i < 2; i++) {
		s.b[i] = vt_binding(i == 0 ? "emu0" : "emu1");
		if (vt_port_setup((uint16_t)i, 1, 256, true) != 0)
			return 1;
	}
	s.d[0] = rte_dma_domain_create(rte_dma_domain_binding_ctx(s.b[0]), "bench_a",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	s.d[1] = rte_dma_domain_create(rte_dma_domain_binding_ctx(s.b[0]), "bench_b",
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
	if (s.d[0] == NULL || s.d[1] == NULL)
		return 1;
	printf("%-6s %-10s %10s %8s %8s\n", "frame", "swap", "Mpps", "ratio", "swaps");
	for (l = 0; l < RTE_DIM(lens); l++) {
		double base = 0;

		for (k = 0; k < RTE_DIM(periods); k++) {
			double mpps;

			s.period_us = periods[k];
			mpps = run_point(&s, lens[l], secs, &f, &swaps);
			if (k == 0)
				base = mpps;
			printf("%-6u %-10s %10.3f %8.3f %8u\n", lens[l],
				periods[k] == 0 ? "none" : periods[k] == 1000 ? "1ms" : "10ms",
				mpps, base > 0 ? mpps / base : 0, swaps);
		}
	}
	/* let in-flight frames arrive before counting (the rx bursts pull
	 * what waits in the peer's tx ring) */
	for (i = 0; i < 1000; i++) {
		recv_burst(&f, 0);
		recv_burst(&f, 1);
	}
	printf("frames: sent %" PRIu64 " received %" PRIu64 " lost %" PRIu64
		" out-of-sequence %" PRIu64 ", swap failures %u, DMA faults %" PRIu64 "\n",
		f.tx_seq[0] + f.tx_seq[1], f.rx, f.lost, f.bad, s.failed,
		rte_dma_soft_fault_count(NULL));
	vt_eal_fini();
	return 0;
}
