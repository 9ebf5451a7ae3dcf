/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Report sampling: throughput samples of every port, taken on the control
 * thread's tick (tr_swap_hooks.tick), and the live progress line. The
 * report's output (JSON, plot, summary) is tr_report.c's, which reads the
 * samples through tr_report_samples_foreach().
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tr_app.h"
#include "tr_domain.h"
#include "tr_swap.h"
#include "tr_util.h"

#define SAMPLE_PORTS TR_SAMPLE_PORTS
#define PROGRESS_NS 1000000000ULL

/* samples: appended by the control thread (tick), read by the report
 * writer (main thread, 'report' command): under smtx.
 */
static pthread_mutex_t smtx = PTHREAD_MUTEX_INITIALIZER;
static struct tr_sample *samples;
static size_t nb_samples, cap_samples;
static uint64_t last_ns, last_tx[SAMPLE_PORTS], last_rx[SAMPLE_PORTS];
static uint64_t last_progress_ns;
static int progress_on;
static float cur_rx_pps;

void
tr_report_progress(bool on)
{
	rte_atomic_store_explicit(&progress_on, on, rte_memory_order_relaxed);
	if (!on)
		tr_report_progress_break();
}

static int progress_dirty; /* a progress line is on screen */

void
tr_report_progress_break(void)
{
	if (rte_atomic_exchange_explicit(&progress_dirty, 0, rte_memory_order_relaxed))
		fprintf(stderr, "\n");
}

static void
progress(uint64_t now)
{
	struct tr_verify_totals t;
	uint64_t done, total, tot, ok, failed, rb, faults;
	unsigned int active;

	if (!rte_atomic_load_explicit(&progress_on, rte_memory_order_relaxed)
			|| now - last_progress_ns < PROGRESS_NS)
		return;
	last_progress_ns = now;
	tr_fwd_verify(&t);
	active = tr_sched_progress(&done, &total);
	tr_swap_counts(&tot, &ok, &failed, &rb, &faults);
	rte_atomic_store_explicit(&progress_dirty, 1, rte_memory_order_relaxed);
	fprintf(stderr, "\r[%6.1fs] rx %7.3f Mpps | swaps: %" PRIu64 " ok, %" PRIu64 " failed",
		(now - tr_t0_ns()) / 1e9, cur_rx_pps / 1e6, ok, failed);
	if (active && total)
		fprintf(stderr, " (schedule %" PRIu64 "/%" PRIu64 ")", done, total);
	fprintf(stderr, " | faults %" PRIu64 " | gaps %" PRIu64 " corrupted %" PRIu64 "   ",
		faults, t.gaps, t.corrupted);
	fflush(stderr);
}

void
tr_report_tick(uint64_t now)
{
	struct tr_sample s;
	double dt;
	uint16_t port;
	float rx = 0;

	memset(&s, 0, sizeof(s));
	s.t_ns = now - tr_t0_ns();
	dt = last_ns ? (now - last_ns) / 1e9 : 0;
	RTE_ETH_FOREACH_DEV(port) {
		struct tr_port_cnt c;

		if (port >= SAMPLE_PORTS)
			break;
		tr_fwd_port_cnt(port, &c);
		/* counters restart at 'start': a drop means a new run */
		if (dt > 0 && c.tx_pkts >= last_tx[port] && c.rx_pkts >= last_rx[port]) {
			s.tx_pps[port] = (float)((c.tx_pkts - last_tx[port]) / dt);
			s.rx_pps[port] = (float)((c.rx_pkts - last_rx[port]) / dt);
		}
		rx += s.rx_pps[port];
		last_tx[port] = c.tx_pkts;
		last_rx[port] = c.rx_pkts;
		s.nb = port + 1;
	}
	last_ns = now;
	cur_rx_pps = rx;
	if (dt > 0 && tr_fwd_running()) {
		pthread_mutex_lock(&smtx);
		samples = tr_array_grow(samples, nb_samples, &cap_samples, sizeof(*samples),
			SIZE_MAX);
		if (nb_samples < cap_samples)
			samples[nb_samples++] = s;
		pthread_mutex_unlock(&smtx);
	}
	progress(now);
}

void
tr_report_samples_foreach(void (*cb)(const struct tr_sample *s, size_t i, void *arg),
		void *arg)
{
	size_t i;

	pthread_mutex_lock(&smtx);
	for (i = 0; i < nb_samples; i++)
		cb(&samples[i], i, arg);
	pthread_mutex_unlock(&smtx);
}
