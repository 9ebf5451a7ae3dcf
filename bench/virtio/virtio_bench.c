/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * virtio-bench: packet rate between two emulated virtio-net ports wired
 * back to back (net_virtio_iommufd + the inline emulated device), without
 * domain swaps and with a swap (strategy quiesce, between two mirror
 * domains, ports alternating) every 10 ms and every 1 ms.
 *
 * Rounds are interleaved in one process: for each frame size and swap
 * period, N pairs of (no-swap round, swap round), the order alternating
 * from pair to pair (A/B, B/A, ...) so that a drift of the machine weighs
 * on both sides alike. Each pair gives one ratio (swap rate / no-swap
 * rate); the benchmark reports their median and spread (quartiles, min,
 * max): the spread says what the median can resolve. The same ratio per
 * second of the polling thread's CPU time ("cpu" columns) leaves out the
 * time other processes of a shared machine took its core.
 *
 *   virtio-bench [--rounds N] [--round-ms MS] [--sizes 64,1500]
 *                [--periods-us 10000,1000] [--hotpath] [--json FILE]
 *
 * --hotpath: no swaps; N pairs of rounds per frame size, one with the
 * PMD's real bursts, one with its bursts without the pause check
 * (vio_*_pkts_nocheck, only in a PMD built with
 * -Dbench_no_pause_check=true: scripts/build.sh nocheck), installed in
 * the ports' fast-path ops between rounds, the order alternating: the
 * hot-path cost of the check, as a ratio per pair (check / no check).
 *
 * One polling lcore sends on both ports and receives on both; the swap
 * thread sleeps between swaps (doc/guides/design.rst, "Why the Waits
 * Yield": 2 cores). Frames carry a sequence number; lost/reordered frames
 * are counted. Numbers are printed, never asserted.
 */

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
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

/* The poller's rate per second of its own CPU time in the last
 * run_point() (Mpps): insensitive to the time other processes take the
 * core from it, which a shared machine's wall-clock rate is not.
 */
static double last_cpu_mpps;

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Mpps received (both directions together) over `secs` of wall-clock
 * time; last_cpu_mpps the same per CPU second of the polling thread.
 */
static double
run_point(struct swapper *s, uint16_t len, double secs, struct flow *f, unsigned int *swaps)
{
	pthread_t th;
	uint64_t hz = rte_get_timer_hz(), t0, t1, rx0, rx1;
	double c0, c1;
	uint16_t p;

	s->stop = false;
	s->exited = false;
	s->swaps = 0;
	if (s->period_us != 0 && pthread_create(&th, NULL, swap_thread, s) != 0)
		return -1;
	rx0 = f->rx;
	c0 = thread_cpu_s();
	t0 = rte_get_timer_cycles();
	t1 = t0 + (uint64_t)(secs * hz);
	while (rte_get_timer_cycles() < t1) {
		for (p = 0; p < 2; p++) {
			send_burst(f, p, len);
			recv_burst(f, 1 - p);
		}
	}
	t1 = rte_get_timer_cycles();
	c1 = thread_cpu_s();
	rx1 = f->rx;
	s->stop = true;
	/* Keep polling, tx queues too, until the swap thread is out: a swap
	 * in progress waits for every online queue to acknowledge its pause
	 * (polling rx only left a swap caught here to time out).
	 */
	while (s->period_us != 0 && !s->exited) {
		for (p = 0; p < 2; p++) {
			send_burst(f, p, len);
			recv_burst(f, 1 - p);
		}
	}
	if (s->period_us != 0)
		pthread_join(th, NULL);
	*swaps = s->swaps;
	last_cpu_mpps = c1 > c0 ? (double)(rx1 - rx0) / (c1 - c0) / 1e6 : 0;
	return (double)(rx1 - rx0) / ((double)(t1 - t0) / hz) / 1e6;
}

#define MAX_ROUNDS 1001
#define MAX_LIST 8

struct opts {
	unsigned int rounds;
	double round_s;
	uint16_t lens[MAX_LIST];
	unsigned int nb_lens;
	uint64_t periods[MAX_LIST]; /* us */
	unsigned int nb_periods;
	bool hotpath;
	const char *json;
};

/* Summary of a sample: quartiles by linear interpolation. */
struct summary {
	double median, p25, p75, min, max;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
quantile(const double *sorted, unsigned int n, double q)
{
	double pos = q * (n - 1);
	unsigned int i = (unsigned int)pos;

	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
}

static struct summary
summarize(const double *v, unsigned int n)
{
	double s[MAX_ROUNDS * 2];
	struct summary r = { 0, 0, 0, 0, 0 };

	if (n == 0)
		return r;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	r.median = quantile(s, n, 0.5);
	r.p25 = quantile(s, n, 0.25);
	r.p75 = quantile(s, n, 0.75);
	r.min = s[0];
	r.max = s[n - 1];
	return r;
}

static void
json_array(FILE *f, const char *key, const double *v, unsigned int n, const char *fmt)
{
	unsigned int i;

	fprintf(f, "\"%s\": [", key);
	for (i = 0; i < n; i++) {
		fprintf(f, fmt, v[i]);
		if (i + 1 < n)
			fputs(", ", f);
	}
	fputs("]", f);
}

static void
json_summary(FILE *f, const char *key, const struct summary *s)
{
	fprintf(f, "\"%s\": {\"median\": %.5f, \"p25\": %.5f, \"p75\": %.5f, "
		"\"min\": %.5f, \"max\": %.5f}", key, s->median, s->p25, s->p75, s->min, s->max);
}

/* "64,1500" into out[]; false if a number is bad (decimal only). */
static bool
parse_list(const char *arg, uint64_t *out, unsigned int *n, uint64_t lo, uint64_t hi)
{
	const char *p = arg;

	*n = 0;
	while (*p != '\0') {
		char *end;
		unsigned long long v;

		if (*p < '0' || *p > '9' || *n == MAX_LIST)
			return false;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno != 0 || v < lo || v > hi || (*end != ',' && *end != '\0'))
			return false;
		out[(*n)++] = v;
		p = *end == ',' ? end + 1 : end;
	}
	return *n > 0;
}

static int
usage(const char *prog, const char *why)
{
	fprintf(stderr, "%s: %s\nusage: %s [--rounds N (1-%u)] [--round-ms MS] "
		"[--sizes 64,1500] [--periods-us 10000,1000] [--hotpath] [--json FILE]\n",
		prog, why, prog, MAX_ROUNDS - 1);
	return 2;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	uint64_t v[MAX_LIST];
	unsigned int i, n;
	int k;

	o->rounds = 20;
	o->round_s = 0.25;
	o->lens[0] = 64;
	o->lens[1] = 1500;
	o->nb_lens = 2;
	o->periods[0] = 10000;
	o->periods[1] = 1000;
	o->nb_periods = 2;
	for (k = 1; k < argc; k++) {
		const char *a = argv[k], *val = k + 1 < argc ? argv[k + 1] : NULL;

		if (strcmp(a, "--hotpath") == 0) {
			o->hotpath = true;
			continue;
		}
		if (val == NULL)
			return usage(argv[0], "missing option or value");
		k++;
		if (strcmp(a, "--rounds") == 0) {
			if (!parse_list(val, v, &n, 1, MAX_ROUNDS - 1) || n != 1)
				return usage(argv[0], "--rounds: a number of pairs, 1 or more");
			o->rounds = (unsigned int)v[0];
		} else if (strcmp(a, "--round-ms") == 0) {
			if (!parse_list(val, v, &n, 10, 60000) || n != 1)
				return usage(argv[0], "--round-ms: 10 to 60000");
			o->round_s = v[0] / 1000.0;
		} else if (strcmp(a, "--sizes") == 0) {
			if (!parse_list(val, v, &n, 60, 1514))
				return usage(argv[0], "--sizes: frame lengths 60 to 1514, comma separated");
			for (i = 0; i < n; i++)
				o->lens[i] = (uint16_t)v[i];
			o->nb_lens = n;
		} else if (strcmp(a, "--periods-us") == 0) {
			if (!parse_list(val, o->periods, &o->nb_periods, 100, 10000000))
				return usage(argv[0], "--periods-us: swap periods 100 us to 10 s, comma separated");
		} else if (strcmp(a, "--json") == 0) {
			o->json = val;
		} else {
			return usage(argv[0], "unknown option");
		}
	}
	return 0;
}

/* One interleaved point: o->rounds pairs of (no swap, swap every period_us). */
struct point {
	uint16_t len;
	uint64_t period_us;
	double base[MAX_ROUNDS], swap[MAX_ROUNDS], ratio[MAX_ROUNDS];
	double base_cpu[MAX_ROUNDS], swap_cpu[MAX_ROUNDS], ratio_cpu[MAX_ROUNDS];
	unsigned int swaps[MAX_ROUNDS];
};

static int
run_pairs(struct swapper *s, struct flow *f, const struct opts *o, struct point *pt)
{
	unsigned int r, sw;

	for (r = 0; r < o->rounds; r++) {
		int side;

		/* A/B then B/A: a trend of the machine weighs on both sides */
		for (side = 0; side < 2; side++) {
			bool swapping = (side == 0) == (r & 1);

			s->period_us = swapping ? pt->period_us : 0;
			if (swapping) {
				pt->swap[r] = run_point(s, pt->len, o->round_s, f, &pt->swaps[r]);
				pt->swap_cpu[r] = last_cpu_mpps;
			} else {
				pt->base[r] = run_point(s, pt->len, o->round_s, f, &sw);
				pt->base_cpu[r] = last_cpu_mpps;
			}
			if ((swapping ? pt->swap[r] : pt->base[r]) < 0)
				return -1;
		}
		pt->ratio[r] = pt->base[r] > 0 ? pt->swap[r] / pt->base[r] : 0;
		pt->ratio_cpu[r] = pt->base_cpu[r] > 0 ? pt->swap_cpu[r] / pt->base_cpu[r] : 0;
	}
	return 0;
}

static void
print_point(const struct opts *o, const struct point *pt, FILE *json, bool last)
{
	struct summary b = summarize(pt->base, o->rounds);
	struct summary q = summarize(pt->ratio, o->rounds);
	struct summary qc = summarize(pt->ratio_cpu, o->rounds);
	double sw[MAX_ROUNDS];
	struct summary ss;
	unsigned int r;

	for (r = 0; r < o->rounds; r++)
		sw[r] = pt->swaps[r];
	ss = summarize(sw, o->rounds);
	printf("%-6u %8.1f ms %10.3f %8.4f %8.4f %8.4f %8.4f %8.4f %8.0f %8.4f\n", pt->len,
		pt->period_us / 1000.0, b.median, q.median, q.p25, q.p75, q.min, q.max, ss.median,
		qc.median);
	if (json == NULL)
		return;
	fprintf(json, "    {\"frame\": %u, \"period_us\": %" PRIu64 ", \"pairs\": %u, ",
		pt->len, pt->period_us, o->rounds);
	json_summary(json, "noswap_mpps", &b);
	fputs(", ", json);
	json_summary(json, "ratio", &q);
	fputs(", ", json);
	json_summary(json, "ratio_cpu", &qc);
	fputs(", ", json);
	json_summary(json, "swaps_per_round", &ss);
	fputs(",\n      ", json);
	json_array(json, "noswap_mpps_rounds", pt->base, o->rounds, "%.4f");
	fputs(",\n      ", json);
	json_array(json, "swap_mpps_rounds", pt->swap, o->rounds, "%.4f");
	fputs(",\n      ", json);
	json_array(json, "ratio_rounds", pt->ratio, o->rounds, "%.5f");
	fputs(",\n      ", json);
	json_array(json, "ratio_cpu_rounds", pt->ratio_cpu, o->rounds, "%.5f");
	fprintf(json, "}%s\n", last ? "" : ",");
}

/* The PMD's bursts, real (with the pause check) and without the check. */
struct bursts {
	eth_rx_burst_t rx[2];
	eth_tx_burst_t tx[2];
};

static int
find_bursts(struct bursts *b)
{
	const char *dir = getenv("PLUGIN_DIR");
	char pmd[PATH_MAX];
	void *h;

	snprintf(pmd, sizeof(pmd), "%s/librte_net_virtio_iommufd.so", dir != NULL ? dir : ".");
	h = dlopen(pmd, RTLD_NOW | RTLD_NOLOAD);
	if (h == NULL) {
		fprintf(stderr, "--hotpath: the PMD %s is not loaded: %s\n", pmd, dlerror());
		return -1;
	}
	*(void **)&b->rx[0] = dlsym(h, "vio_recv_pkts");
	*(void **)&b->tx[0] = dlsym(h, "vio_xmit_pkts");
	*(void **)&b->rx[1] = dlsym(h, "vio_recv_pkts_nocheck");
	*(void **)&b->tx[1] = dlsym(h, "vio_xmit_pkts_nocheck");
	dlclose(h);
	if (b->rx[1] == NULL || b->tx[1] == NULL) {
		fprintf(stderr, "--hotpath: %s has no bursts without the pause check: "
			"use a build configured with -Dbench_no_pause_check=true "
			"(scripts/build.sh nocheck)\n", pmd);
		return -1;
	}
	/* the ports run this PMD's real bursts: those we switch from */
	if (b->rx[0] == NULL || rte_eth_fp_ops[0].rx_pkt_burst != b->rx[0] ||
			rte_eth_fp_ops[0].tx_pkt_burst != b->tx[0]) {
		fprintf(stderr, "--hotpath: port 0 does not run %s's bursts\n", pmd);
		return -1;
	}
	return 0;
}

/* Install the real (nocheck false) or unchecked bursts on both ports.
 * Only this thread polls, and no swap runs: nothing to synchronise.
 */
static void
set_bursts(const struct bursts *b, bool nocheck)
{
	uint16_t p;

	for (p = 0; p < 2; p++) {
		rte_eth_fp_ops[p].rx_pkt_burst = b->rx[nocheck];
		rte_eth_fp_ops[p].tx_pkt_burst = b->tx[nocheck];
	}
}

static int
run_hotpath(struct swapper *s, struct flow *f, const struct opts *o, FILE *json)
{
	static double chk[MAX_ROUNDS], nochk[MAX_ROUNDS], ratio[MAX_ROUNDS];
	static double chk_cpu[MAX_ROUNDS], nochk_cpu[MAX_ROUNDS], ratio_cpu[MAX_ROUNDS];
	struct bursts b;
	unsigned int l, r, sw;

	if (find_bursts(&b) != 0)
		return -1;
	s->period_us = 0;
	printf("%u pairs of %.0f ms rounds (pause check, none) per frame size, order alternating\n",
		o->rounds, o->round_s * 1e3);
	printf("%-6s %10s %10s %8s %8s %8s %8s %8s %8s\n", "frame", "check Mpps", "none Mpps",
		"ratio", "p25", "p75", "min", "max", "cpu rat.");
	for (l = 0; l < o->nb_lens; l++) {
		struct summary c, n, q, qc;

		for (r = 0; r < o->rounds; r++) {
			int side;

			for (side = 0; side < 2; side++) {
				bool nocheck = (side == 0) == (r & 1);
				double v;

				set_bursts(&b, nocheck);
				v = run_point(s, o->lens[l], o->round_s, f, &sw);
				if (v < 0)
					return -1;
				if (nocheck) {
					nochk[r] = v;
					nochk_cpu[r] = last_cpu_mpps;
				} else {
					chk[r] = v;
					chk_cpu[r] = last_cpu_mpps;
				}
			}
			ratio[r] = nochk[r] > 0 ? chk[r] / nochk[r] : 0;
			ratio_cpu[r] = nochk_cpu[r] > 0 ? chk_cpu[r] / nochk_cpu[r] : 0;
		}
		set_bursts(&b, false);
		c = summarize(chk, o->rounds);
		n = summarize(nochk, o->rounds);
		q = summarize(ratio, o->rounds);
		qc = summarize(ratio_cpu, o->rounds);
		printf("%-6u %10.3f %10.3f %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f\n", o->lens[l],
			c.median, n.median, q.median, q.p25, q.p75, q.min, q.max, qc.median);
		if (json == NULL)
			continue;
		fprintf(json, "    {\"frame\": %u, \"pairs\": %u, ", o->lens[l], o->rounds);
		json_summary(json, "check_mpps", &c);
		fputs(", ", json);
		json_summary(json, "nocheck_mpps", &n);
		fputs(", ", json);
		json_summary(json, "ratio", &q);
		fputs(", ", json);
		json_summary(json, "ratio_cpu", &qc);
		fputs(",\n      ", json);
		json_array(json, "check_mpps_rounds", chk, o->rounds, "%.4f");
		fputs(",\n      ", json);
		json_array(json, "nocheck_mpps_rounds", nochk, o->rounds, "%.4f");
		fputs(",\n      ", json);
		json_array(json, "ratio_rounds", ratio, o->rounds, "%.5f");
		fputs(",\n      ", json);
		json_array(json, "ratio_cpu_rounds", ratio_cpu, o->rounds, "%.5f");
		fprintf(json, "}%s\n", l + 1 < o->nb_lens ? "," : "");
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const devs[] = {
		"iommufd:emu0,peer=emu1", "iommufd:emu1,peer=emu0", NULL,
	};
	static struct point pt;
	struct swapper s;
	struct flow f;
	struct opts o;
	unsigned int l, k, sw;
	FILE *json = NULL;
	int ret, i;

	memset(&o, 0, sizeof(o));
	ret = parse_opts(argc, argv, &o);
	if (ret != 0)
		return ret;
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
	if (o.json != NULL) {
		json = fopen(o.json, "w");
		if (json == NULL) {
			fprintf(stderr, "%s: cannot write: %s\n", o.json, strerror(errno));
			return 1;
		}
		fprintf(json, "{\n  \"bench\": \"virtio-bench\",\n  \"mode\": \"%s\",\n"
			"  \"round_s\": %.3f,\n  \"rounds\": %u,\n  \"%s\": [\n",
			o.hotpath ? "hotpath" : "interleaved", o.round_s, o.rounds,
			o.hotpath ? "hotpath" : "points");
	}
	/* warm-up: caches, rings and mempool in their steady state */
	for (l = 0; l < o.nb_lens; l++) {
		s.period_us = 0;
		if (run_point(&s, o.lens[l], 0.1, &f, &sw) < 0)
			return 1;
	}
	if (o.hotpath) {
		if (run_hotpath(&s, &f, &o, json) != 0)
			return 1;
	} else {
		printf("%u pairs of %.0f ms rounds (no swap, swap) per point, order alternating\n",
			o.rounds, o.round_s * 1e3);
		printf("%-6s %11s %10s %8s %8s %8s %8s %8s %8s %8s\n", "frame", "swap every",
			"base Mpps", "ratio", "p25", "p75", "min", "max", "swaps", "cpu rat.");
		for (l = 0; l < o.nb_lens; l++) {
			for (k = 0; k < o.nb_periods; k++) {
				pt.len = o.lens[l];
				pt.period_us = o.periods[k];
				if (run_pairs(&s, &f, &o, &pt) != 0)
					return 1;
				print_point(&o, &pt, json,
					l + 1 == o.nb_lens && k + 1 == o.nb_periods);
			}
		}
	}
	/* let in-flight frames arrive before counting (the rx bursts pull
	 * what waits in the peer's tx ring)
	 */
	for (i = 0; i < 1000; i++) {
		recv_burst(&f, 0);
		recv_burst(&f, 1);
	}
	printf("frames: sent %" PRIu64 " received %" PRIu64 " lost %" PRIu64
		" out-of-sequence %" PRIu64 ", swap failures %u, DMA faults %" PRIu64 "\n",
		f.tx_seq[0] + f.tx_seq[1], f.rx, f.lost, f.bad, s.failed,
		rte_dma_domain_soft_fault_count(NULL));
	if (json != NULL) {
		fprintf(json, "  ],\n  \"frames\": {\"sent\": %" PRIu64 ", \"received\": %" PRIu64
			", \"lost\": %" PRIu64 ", \"out_of_sequence\": %" PRIu64 "},\n"
			"  \"swap_failures\": %u,\n  \"dma_faults\": %" PRIu64 "\n}\n",
			f.tx_seq[0] + f.tx_seq[1], f.rx, f.lost, f.bad, s.failed,
			rte_dma_domain_soft_fault_count(NULL));
		if (fclose(json) != 0) {
			fprintf(stderr, "%s: write failed\n", o.json);
			return 1;
		}
	}
	vt_eal_fini();
	return 0;
}
