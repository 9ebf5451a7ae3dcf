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
 * One polling lcore (the first worker) sends on both ports and receives
 * on both; the main lcore runs the swaps and sleeps between them (as an
 * application's control thread runs on another core than its data plane;
 * doc/guides/design.rst, "Why the Waits Yield"). Frames carry a sequence
 * number; lost/reordered frames are counted. Numbers are printed, never
 * asserted.
 */

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <rte_dma_domain.h>
#include <rte_dma_domain_soft.h>
#include <bus_iommufd_driver.h>

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

/* io forwarding: what a port receives goes back out of the same port
 * (testpmd's io mode); a burst with nothing to send still calls tx burst
 * (completions, the inline device's work).
 */
static void
io_burst(struct flow *f, uint16_t port)
{
	struct rte_mbuf *m[32];
	uint16_t n = rte_eth_rx_burst(port, 0, m, RTE_DIM(m)), sent;

	f->rx += n;
	sent = rte_eth_tx_burst(port, 0, m, n);
	if (sent < n)
		rte_pktmbuf_free_bulk(m + sent, n - sent);
}

/* Where a swap's time went (rte_dma_domain_swap_record), us; "device":
 * the emulated device's work that the controller ran or waited for inside
 * the call (rte_iommufd_emu_thread_ns()), which hardware does on its own;
 * "libdrv": the pause without the device's time and without the park
 * (the wait for the poller's next burst, which the application's loop
 * sets): the library's and the driver's time.
 */
enum phase {
	PH_PAUSE, PH_PARK, PH_COVERAGE, PH_QUIESCE, PH_SWITCH, PH_RESUME, PH_DEVICE, PH_LIBDRV,
	PH_NB
};
static const char *const phase_name[PH_NB] = {
	"pause", "park", "coverage", "quiesce", "switch", "resume", "device", "libdrv",
};
#define MAX_SAMPLES 65536

struct swapper {
	struct rte_dma_domain_binding *b[2];
	struct rte_dma_domain *d[2];
	uint64_t period_us;
	bool io;           /* io forwarding (--io) */
	unsigned int swaps, failed;
	/* the swap records of the current point (reset by run_pairs()) */
	double phase_us[PH_NB][MAX_SAMPLES];
	unsigned int nb_samples;
};

/* The soft IOTLB's misses of both ports so far (page-table walks). */
static uint64_t
iotlb_misses(const struct swapper *s)
{
	uint64_t m, sum = 0;
	int i;

	for (i = 0; i < 2; i++) {
		rte_dma_domain_soft_iotlb_stats(s->b[i], NULL, &m, NULL);
		sum += m;
	}
	return sum;
}

static void
record_phases(struct swapper *s, const struct rte_dma_domain_binding *b, uint64_t device_ns)
{
	struct rte_dma_domain_swap_record r;
	unsigned int k = s->nb_samples;

	if (k == MAX_SAMPLES || rte_dma_domain_last_swap(b, &r) != 0)
		return;
	s->phase_us[PH_PAUSE][k] = r.pause_ns / 1e3;
	s->phase_us[PH_PARK][k] = r.park_ns / 1e3;
	s->phase_us[PH_COVERAGE][k] = r.coverage_ns / 1e3;
	s->phase_us[PH_QUIESCE][k] = r.quiesce_ns / 1e3;
	s->phase_us[PH_SWITCH][k] = r.switch_ns / 1e3;
	s->phase_us[PH_RESUME][k] = r.resume_ns / 1e3;
	s->phase_us[PH_DEVICE][k] = device_ns / 1e3;
	s->phase_us[PH_LIBDRV][k] = (r.pause_ns > device_ns + r.park_ns ?
		r.pause_ns - device_ns - r.park_ns : 0) / 1e3;
	s->nb_samples = k + 1;
}

/* One round of the polling lcore (run_point()). The controller (the main
 * lcore) writes stop, the poller writes window_done; the rest is the
 * poller's until the controller's rte_eal_wait_lcore().
 */
struct round {
	struct flow *f;
	uint16_t len;
	bool io;           /* io forwarding instead of send and receive */
	double secs;
	RTE_ATOMIC(bool) window_done;
	RTE_ATOMIC(bool) stop;
	uint64_t rx;       /* received in the measured window */
	double wall_s, cpu_s;
};

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
poll_once(struct round *r)
{
	uint16_t p;

	for (p = 0; p < 2; p++) {
		if (r->io) {
			io_burst(r->f, p);
		} else {
			send_burst(r->f, p, r->len);
			recv_burst(r->f, 1 - p);
		}
	}
}

/* The polling lcore: the measured window, then, until the controller says
 * stop, more polling, tx queues too: a swap in progress waits for every
 * online queue to acknowledge its pause.
 */
static int
poll_round(void *arg)
{
	struct round *r = arg;
	uint64_t hz = rte_get_timer_hz(), t0, t1, rx0 = r->f->rx;
	double c0 = thread_cpu_s();

	t0 = rte_get_timer_cycles();
	t1 = t0 + (uint64_t)(r->secs * hz);
	while (rte_get_timer_cycles() < t1)
		poll_once(r);
	t1 = rte_get_timer_cycles();
	r->cpu_s = thread_cpu_s() - c0;
	r->rx = r->f->rx - rx0;
	r->wall_s = (double)(t1 - t0) / hz;
	rte_atomic_store_explicit(&r->window_done, true, rte_memory_order_release);
	while (!rte_atomic_load_explicit(&r->stop, rte_memory_order_acquire))
		poll_once(r);
	return 0;
}

/* The controller's side of a round, on the main lcore (as an application's
 * control thread is on another core than its data plane): a quiesce swap
 * every period (the ports in turn, between the two domains), none with
 * period 0, until the poller's window is over.
 */
static void
control_round(struct swapper *s, struct round *r)
{
	struct rte_dma_domain_replace_opts o = {
		.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE, .timeout_us = 2000000,
	};
	uint64_t period_us = s->period_us != 0 ? s->period_us : 1000;
	struct timespec ts = {
		(time_t)(period_us / 1000000), (long)(period_us % 1000000) * 1000,
	};
	unsigned int i = 0;
	uint64_t dev;

	while (!rte_atomic_load_explicit(&r->window_done, rte_memory_order_acquire)) {
		nanosleep(&ts, NULL);
		if (s->period_us == 0 ||
				rte_atomic_load_explicit(&r->window_done, rte_memory_order_acquire))
			continue;
		dev = rte_iommufd_emu_thread_ns();
		if (rte_dma_domain_replace(s->b[i & 1], s->d[((i >> 1) + 1) & 1], &o) != 0) {
			s->failed++;
		} else {
			s->swaps++;
			record_phases(s, s->b[i & 1], rte_iommufd_emu_thread_ns() - dev);
		}
		i++;
	}
}

/* The poller's rate per second of its own CPU time in the last
 * run_point() (Mpps): insensitive to the time other processes take the
 * core from it, which a shared machine's wall-clock rate is not.
 */
static double last_cpu_mpps;

/* Mpps received (both directions together) over `secs` of wall-clock
 * time, polled on the first worker lcore; last_cpu_mpps the same per CPU
 * second of the polling thread.
 */
static double
run_point(struct swapper *s, uint16_t len, double secs, struct flow *f, unsigned int *swaps)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	struct round r;

	memset(&r, 0, sizeof(r));
	r.f = f;
	r.len = len;
	r.io = s->io;
	r.secs = secs;
	s->swaps = 0;
	if (rte_eal_remote_launch(poll_round, &r, worker) != 0)
		return -1;
	control_round(s, &r);
	rte_atomic_store_explicit(&r.stop, true, rte_memory_order_release);
	rte_eal_wait_lcore(worker);
	*swaps = s->swaps;
	last_cpu_mpps = r.cpu_s > 0 ? (double)r.rx / r.cpu_s / 1e6 : 0;
	return (double)r.rx / r.wall_s / 1e6;
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
	unsigned int io_txfirst;  /* --io N: io forwarding, N bursts per port */
	int emu_cpu;              /* --emu-cpu N: device engines on a thread on CPU N */
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
	static double s[MAX_SAMPLES]; /* the main lcore's only */
	struct summary r = { 0, 0, 0, 0, 0 };

	if (n == 0 || n > MAX_SAMPLES)
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
		"[--sizes 64,1500] [--periods-us 10000,1000] [--hotpath | --io TXFIRST] [--emu-cpu N] [--json FILE]\n",
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
	o->emu_cpu = -1;
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
		if (strcmp(a, "--io") == 0) {
			if (!parse_list(val, v, &n, 1, 64) || n != 1)
				return usage(argv[0], "--io: bursts sent per port at start, 1 to 64");
			o->io_txfirst = (unsigned int)v[0];
		} else if (strcmp(a, "--emu-cpu") == 0) {
			if (!parse_list(val, v, &n, 0, CPU_SETSIZE - 1) || n != 1)
				return usage(argv[0], "--emu-cpu: a CPU number");
			o->emu_cpu = (int)v[0];
		} else if (strcmp(a, "--rounds") == 0) {
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
	/* soft IOTLB misses per round: after a switch the IOTLB is empty
	 * (as a hardware one is): the extra misses of a swap round
	 */
	double miss_base[MAX_ROUNDS], miss_swap[MAX_ROUNDS];
};

static int
run_pairs(struct swapper *s, struct flow *f, const struct opts *o, struct point *pt)
{
	unsigned int r, sw;

	s->nb_samples = 0;
	for (r = 0; r < o->rounds; r++) {
		int side;

		/* A/B then B/A: a trend of the machine weighs on both sides */
		for (side = 0; side < 2; side++) {
			bool swapping = (side == 0) == (r & 1);

			uint64_t m0 = iotlb_misses(s);

			s->period_us = swapping ? pt->period_us : 0;
			if (swapping) {
				pt->swap[r] = run_point(s, pt->len, o->round_s, f, &pt->swaps[r]);
				pt->swap_cpu[r] = last_cpu_mpps;
				pt->miss_swap[r] = (double)(iotlb_misses(s) - m0);
			} else {
				pt->base[r] = run_point(s, pt->len, o->round_s, f, &sw);
				pt->base_cpu[r] = last_cpu_mpps;
				pt->miss_base[r] = (double)(iotlb_misses(s) - m0);
			}
			if ((swapping ? pt->swap[r] : pt->base[r]) < 0)
				return -1;
		}
		pt->ratio[r] = pt->base[r] > 0 ? pt->swap[r] / pt->base[r] : 0;
		pt->ratio_cpu[r] = pt->base_cpu[r] > 0 ? pt->swap_cpu[r] / pt->base_cpu[r] : 0;
	}
	return 0;
}

/* The swap phases' medians of the point (all its swap rounds together). */
static void
print_phases(const struct swapper *s, FILE *json)
{
	struct summary ph;
	int k;

	printf("       swap phases, median of %u swaps (us):", s->nb_samples);
	if (json != NULL)
		fprintf(json, ",\n      \"phases_us\": {\"swaps\": %u", s->nb_samples);
	for (k = 0; k < PH_NB; k++) {
		ph = summarize(s->phase_us[k], s->nb_samples);
		printf(" %s %.1f", phase_name[k], ph.median);
		if (json != NULL)
			fprintf(json, ", \"%s\": %.2f", phase_name[k], ph.median);
	}
	printf("\n");
	if (json != NULL)
		fputs("}", json);
}

static void
print_point(const struct swapper *s, const struct opts *o, const struct point *pt, FILE *json,
		bool last)
{
	struct summary b = summarize(pt->base, o->rounds);
	struct summary q = summarize(pt->ratio, o->rounds);
	struct summary qc = summarize(pt->ratio_cpu, o->rounds);
	double sw[MAX_ROUNDS], extra[MAX_ROUNDS];
	struct summary ss, mx;
	unsigned int r;

	for (r = 0; r < o->rounds; r++)
		sw[r] = pt->swaps[r];
	ss = summarize(sw, o->rounds);
	/* per swap, beyond the no-swap round's misses per packet (the IOTLB
	 * misses at every rate: scaled to the swap round's packets)
	 */
	for (r = 0; r < o->rounds; r++)
		extra[r] = pt->swaps[r] != 0 && pt->base[r] > 0 ?
			(pt->miss_swap[r] - pt->miss_base[r] * pt->swap[r] / pt->base[r]) /
			pt->swaps[r] : 0;
	mx = summarize(extra, o->rounds);
	printf("%-6u %8.1f ms %10.3f %8.4f %8.4f %8.4f %8.4f %8.4f %8.0f %8.4f\n", pt->len,
		pt->period_us / 1000.0, b.median, q.median, q.p25, q.p75, q.min, q.max, ss.median,
		qc.median);
	printf("       soft IOTLB: %.0f more misses (page walks) per swap than at the same packets without swaps\n",
		mx.median);
	if (json == NULL) {
		print_phases(s, NULL);
		return;
	}
	fprintf(json, "    {\"frame\": %u, \"period_us\": %" PRIu64 ", \"pairs\": %u, ",
		pt->len, pt->period_us, o->rounds);
	fprintf(json, "\"iotlb_extra_misses_per_swap\": %.1f, ", mx.median);
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
	print_phases(s, json);
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

/*
 * --io: io forwarding at full speed (each port sends back what it
 * receives, txfirst bursts per port in circulation), a quiesce swap every
 * period (the first of --periods-us), the ports in turn: the pause and
 * where its time goes, the inline device's share apart.
 */
static int
run_io(struct swapper *s, struct flow *f, const struct opts *o, FILE *json)
{
	static double rate[MAX_ROUNDS], sorted[MAX_SAMPLES];
	double p50, p99;
	struct summary q;
	unsigned int r, b, sw;
	uint16_t p;

	s->io = true;
	s->period_us = o->periods[0];
	s->nb_samples = 0;
	for (p = 0; p < 2; p++)
		for (b = 0; b < o->io_txfirst; b++)
			send_burst(f, p, o->lens[0]);
	for (r = 0; r < o->rounds; r++) {
		rate[r] = run_point(s, o->lens[0], o->round_s, f, &sw);
		if (rate[r] < 0)
			return -1;
	}
	q = summarize(rate, o->rounds);
	memcpy(sorted, s->phase_us[PH_PAUSE], s->nb_samples * sizeof(sorted[0]));
	qsort(sorted, s->nb_samples, sizeof(sorted[0]), cmp_double);
	printf("io forwarding, %u bursts per port, %u-byte frames, device %s, a swap every %.1f ms: %.3f Mpps (median of %u rounds), %u swaps\n",
		o->io_txfirst, o->lens[0], o->emu_cpu < 0 ? "inline" : "on its own thread",
		o->periods[0] / 1000.0, q.median, o->rounds, s->nb_samples);
	p50 = quantile(sorted, s->nb_samples, 0.5);
	p99 = quantile(sorted, s->nb_samples, 0.99);
	printf("pause p50 %.1f us, p99 %.1f us\n", p50, p99);
	if (json != NULL) {
		fprintf(json, "    {\"frame\": %u, \"txfirst\": %u, \"device\": \"%s\", ",
			o->lens[0], o->io_txfirst, o->emu_cpu < 0 ? "inline" : "thread");
		fprintf(json, "\"period_us\": %" PRIu64 ", ", o->periods[0]);
		json_summary(json, "mpps", &q);
		fprintf(json, ", \"pause_p50_us\": %.2f, \"pause_p99_us\": %.2f", p50, p99);
	}
	/* the phases line, and in the JSON the phases of the entry */
	print_phases(s, json);
	if (json != NULL)
		fputs("}\n", json);
	return 0;
}

int
main(int argc, char **argv)
{
	static char dev0[64], dev1[64];
	const char *const devs[] = { dev0, dev1, NULL };
	/* the poller on lcore 1, the controller (swaps) on the main lcore 0 */
	static const char *const lcores[] = { "-l", "0-1", NULL };
	static struct point pt;
	static struct swapper s;
	struct flow f;
	struct opts o;
	unsigned int l, k, sw;
	FILE *json = NULL;
	int ret, i;

	memset(&o, 0, sizeof(o));
	ret = parse_opts(argc, argv, &o);
	if (ret != 0)
		return ret;
	/* inline devices (their work in the driver's calls), or --emu-cpu:
	 * each device's engine on a thread of its own, pinned to that CPU
	 */
	if (o.emu_cpu < 0) {
		snprintf(dev0, sizeof(dev0), "iommufd:emu0,peer=emu1");
		snprintf(dev1, sizeof(dev1), "iommufd:emu1,peer=emu0");
	} else {
		snprintf(dev0, sizeof(dev0), "iommufd:emu0,peer=emu1,mode=thread,cpu=%d",
			o.emu_cpu);
		snprintf(dev1, sizeof(dev1), "iommufd:emu1,peer=emu0,mode=thread,cpu=%d",
			o.emu_cpu);
	}
	ret = vt_eal_init(argv[0], devs, lcores);
	if (ret != 0)
		return 1;
	if (rte_lcore_count() < 2) {
		fprintf(stderr, "%s: needs 2 lcores (EAL -l 0-1): the poller on lcore 1, the swaps on lcore 0\n",
			argv[0]);
		return 1;
	}
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
			o.io_txfirst != 0 ? "io" : o.hotpath ? "hotpath" : "interleaved",
			o.round_s, o.rounds,
			o.io_txfirst != 0 ? "io" : o.hotpath ? "hotpath" : "points");
	}
	/* warm-up: caches, rings and mempool in their steady state */
	for (l = 0; l < o.nb_lens; l++) {
		s.period_us = 0;
		if (run_point(&s, o.lens[l], 0.1, &f, &sw) < 0)
			return 1;
	}
	if (o.io_txfirst != 0) {
		if (run_io(&s, &f, &o, json) != 0)
			return 1;
	} else if (o.hotpath) {
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
				print_point(&s, &o, &pt, json,
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
