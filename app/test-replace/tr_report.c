/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* Report output: the JSON report, the plot and the end-of-run summary.
 * The throughput samples are taken apart (tr_report_sample.c).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_dma_domain_soft.h>
#include <rte_version.h>

#include "tr_app.h"
#include "tr_domain.h"
#include "tr_reset.h"
#include "tr_swap.h"
#include "tr_util.h"

/* ---- JSON ---- */

static void
json_u64(FILE *f, const char *k, uint64_t v, bool comma)
{
	fprintf(f, "\"%s\": %" PRIu64 "%s", k, v, comma ? ", " : "");
}

struct json_ctx {
	FILE *f;
	bool first;
};

static void
json_swap(const struct tr_swap_entry *e, void *arg)
{
	struct json_ctx *j = arg;
	FILE *f = j->f;

	fprintf(f, "%s\n    {\"t_ms\": %.3f, ", j->first ? "" : ",", e->t_ns / 1e6);
	j->first = false;
	json_u64(f, "port", e->port, true);
	fprintf(f, "\"schedule\": %d, \"strategy\": ", e->sched);
	tr_json_str(f, rte_dma_domain_strategy_name(e->rec.strategy));
	fprintf(f, ", \"requested\": ");
	tr_json_str(f, rte_dma_domain_strategy_name(e->requested));
	fprintf(f, ", \"from\": ");
	tr_json_str(f, e->rec.from);
	fprintf(f, ", \"to\": ");
	tr_json_str(f, e->rec.to);
	fprintf(f, ", \"result\": %d, \"ok\": %s, \"rolled_back\": %s, ", e->rc,
		e->rc == 0 ? "true" : "false", e->rec.rolled_back ? "true" : "false");
	json_u64(f, "seq", e->rec.seq, true);
	json_u64(f, "pause_ns", e->rec.pause_ns, true);
	json_u64(f, "max_parked_ns", e->rec.max_parked_ns, true);
	json_u64(f, "switch_ns", e->rec.switch_ns, true);
	json_u64(f, "call_ns", e->call_ns, true);
	/* where the swap's time went (rte_dma_domain_swap_record) */
	json_u64(f, "park_ns", e->rec.park_ns, true);
	json_u64(f, "coverage_ns", e->rec.coverage_ns, true);
	json_u64(f, "quiesce_ns", e->rec.quiesce_ns, true);
	json_u64(f, "quiesce_max_ns", e->rec.quiesce_max_ns, true);
	json_u64(f, "resume_ns", e->rec.resume_ns, true);
	json_u64(f, "confirm_ns", e->rec.confirm_ns, true);
	json_u64(f, "faults", e->rec.faults, true);
	fprintf(f, "\"reason\": ");
	tr_json_str(f, e->rec.reason);
	fprintf(f, "}");
}

static void
json_reset(const struct tr_reset_entry *e, void *arg)
{
	struct json_ctx *j = arg;

	fprintf(j->f, "%s\n    {\"t_ms\": %.3f, \"port\": %u, \"ok\": %s, ", j->first ? "" : ",",
		e->t_ns / 1e6, e->port, e->rc == 0 ? "true" : "false");
	json_u64(j->f, "duration_us", e->dur_ns / 1000, true);
	fprintf(j->f, "\"failed_step\": ");
	tr_json_str(j->f, e->step);
	fprintf(j->f, "}");
	j->first = false;
}

static void
json_sched(const struct tr_sched_info *s, void *arg)
{
	struct json_ctx *j = arg;
	FILE *f = j->f;

	fprintf(f, "%s\n    {", j->first ? "" : ",");
	j->first = false;
	json_u64(f, "id", s->id, true);
	json_u64(f, "port", s->port, true);
	fprintf(f, "\"a\": ");
	tr_json_str(f, s->a);
	fprintf(f, ", \"b\": ");
	tr_json_str(f, s->b);
	fprintf(f, ", \"strategy\": ");
	tr_json_str(f, rte_dma_domain_strategy_name(s->opts.strategy));
	fprintf(f, ", \"every_ms\": %.3f, ", s->every_ns / 1e6);
	json_u64(f, "count", s->count, true);
	json_u64(f, "done", s->done, true);
	json_u64(f, "failed", s->failed, true);
	json_u64(f, "transient", s->transient, true);
	fprintf(f, "\"start_ms\": %.3f, \"end_ms\": %.3f, \"lost\": ", s->t_start_ns / 1e6,
		s->t_end_ns / 1e6);
	if (s->lost_valid)
		fprintf(f, "%" PRIu64, s->lost);
	else
		fprintf(f, "null");
	fprintf(f, ", \"stop_reason\": ");
	tr_json_str(f, s->stop_reason);
	fprintf(f, "}");
}

static void
json_config(FILE *f)
{
	struct rte_dma_domain_soft_config sc;
	uint16_t port, i;
	int a;

	fprintf(f, "  \"config\": {\n    \"eal_args\": [");
	for (a = 0; a < tr_app.eal_argc; a++) {
		fprintf(f, "%s", a ? ", " : "");
		tr_json_str(f, tr_app.eal_argv[a]);
	}
	fprintf(f, "],\n    \"default_devices\": %s,\n    \"script\": ",
		tr_app.defaults_used ? "true" : "false");
	tr_json_str(f, tr_app.opts.script);
	fprintf(f, ",\n    \"fwd\": {\"mode\": ");
	tr_json_str(f, tr_fwd_mode_name(tr_app.fwd.mode));
	fprintf(f, ", \"burst\": %u, \"pktlen\": %u, \"pattern\": %d, \"rate_pps\": %" PRIu64 ", \"ports\": [",
		tr_app.fwd.burst, tr_app.fwd.pktlen, tr_app.fwd.pattern, tr_app.fwd.rate_pps);
	for (i = 0; i < tr_app.fwd.nb_ports; i++)
		fprintf(f, "%s%u", i ? ", " : "", tr_app.fwd.ports[i]);
	rte_dma_domain_soft_config_get(&sc);
	fprintf(f, "], \"lcore\": %u},\n"
		"    \"soft_iommu\": {\"model\": \"%s\", \"vtd_window_ns\": %" PRIu64 "},\n",
		tr_app.fwd_lcore, sc.model == RTE_DMA_DOMAIN_SOFT_REPLACE_VTD ? "vtd" : "atomic",
		sc.vtd_window_ns);
	fprintf(f, "    \"sample_ms\": %u,\n    \"ports\": [", tr_app.opts.sample_ms);
	i = 0;
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_dev_info info;
		struct rte_dma_domain_binding *b;
		struct rte_dma_domain *d = NULL;

		if (rte_eth_dev_info_get(port, &info) != 0)
			continue;
		b = rte_dma_domain_binding_lookup(tr_port_devname(port));
		if (b != NULL)
			d = rte_dma_domain_binding_domain(b);
		fprintf(f, "%s\n      {\"id\": %u, \"device\": ", i++ ? "," : "", port);
		tr_json_str(f, tr_port_devname(port));
		fprintf(f, ", \"driver\": ");
		tr_json_str(f, info.driver_name);
		fprintf(f, ", \"domain\": ");
		if (d != NULL)
			tr_json_str(f, rte_dma_domain_name(d));
		else
			fprintf(f, "null");
		fprintf(f, "}");
	}
	fprintf(f, "\n    ]\n  },\n");
}

static void
json_summary(FILE *f)
{
	struct tr_strat_summary s[TR_NB_STRATEGIES];
	unsigned int k;
	bool first = true;

	tr_swap_summary(s);
	fprintf(f, "  \"summary\": {");
	for (k = RTE_DMA_DOMAIN_STRATEGY_QUIESCE; k < TR_NB_STRATEGIES; k++) {
		if (s[k].swaps + s[k].failures == 0)
			continue;
		fprintf(f, "%s\n    \"%s\": {", first ? "" : ",", rte_dma_domain_strategy_name(k));
		first = false;
		json_u64(f, "swaps", s[k].swaps, true);
		json_u64(f, "failures", s[k].failures, true);
		json_u64(f, "rollbacks", s[k].rollbacks, true);
		json_u64(f, "faults", s[k].faults, true);
		fprintf(f, "\"lost\": ");
		if (s[k].lost_known)
			fprintf(f, "%" PRIu64 ", ", s[k].lost);
		else
			fprintf(f, "null, ");
		json_u64(f, "pause_p50_ns", s[k].pause_p50, true);
		json_u64(f, "pause_p99_ns", s[k].pause_p99, true);
		json_u64(f, "pause_max_ns", s[k].pause_max, true);
		json_u64(f, "switch_p50_ns", s[k].switch_p50, true);
		json_u64(f, "switch_p99_ns", s[k].switch_p99, true);
		json_u64(f, "switch_max_ns", s[k].switch_max, true);
		json_u64(f, "call_p50_ns", s[k].call_p50, true);
		json_u64(f, "call_p99_ns", s[k].call_p99, false);
		fprintf(f, "}");
	}
	fprintf(f, "\n  },\n");
}

static void
json_ports(FILE *f)
{
	uint16_t port;
	int i = 0;

	fprintf(f, "  \"port_stats\": [");
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_dma_domain_binding *b;
		struct rte_dma_domain_stats bs;
		struct rte_eth_stats st;
		struct tr_port_cnt c;
		struct tr_port_drops pd;
		uint64_t rs_ok, rs_failed;

		memset(&st, 0, sizeof(st));
		rte_eth_stats_get(port, &st);
		tr_fwd_port_cnt(port, &c);
		fprintf(f, "%s\n    {\"port\": %u, ", i++ ? "," : "", port);
		json_u64(f, "ipackets", st.ipackets, true);
		json_u64(f, "opackets", st.opackets, true);
		json_u64(f, "imissed", st.imissed, true);
		json_u64(f, "ierrors", st.ierrors, true);
		json_u64(f, "oerrors", st.oerrors, true);
		json_u64(f, "rx_nombuf", st.rx_nombuf, true);
		tr_port_drops_get(port, &pd);
		/* imissed again as wire_drops: the device's, never the driver's */
		json_u64(f, "wire_drops", pd.wire, true);
		json_u64(f, "rx_driver_discards", pd.rx_driver, true);
		json_u64(f, "sink_drops", pd.sink, true);
		/* the emulated device's own count of its receive drops: equals
		 * imissed when the PMD keeps its discards out of it
		 */
		json_u64(f, "device_rx_dropped", tr_port_xstat(port, "emu_rx_dropped"), true);
		json_u64(f, "app_rx", c.rx_pkts, true);
		json_u64(f, "app_tx", c.tx_pkts, true);
		json_u64(f, "app_tx_unsent", c.tx_unsent, true);
		tr_reset_counts(port, &rs_ok, &rs_failed);
		json_u64(f, "resets", rs_ok, true);
		json_u64(f, "reset_failures", rs_failed, true);
		fprintf(f, "\"binding\": ");
		b = rte_dma_domain_binding_lookup(tr_port_devname(port));
		if (b != NULL && rte_dma_domain_stats_get(b, &bs) == 0) {
			fprintf(f, "{");
			json_u64(f, "swaps", bs.swaps, true);
			json_u64(f, "failures", bs.failures, true);
			json_u64(f, "rollbacks", bs.rollbacks, true);
			json_u64(f, "faults", bs.faults, true);
			json_u64(f, "timeouts", bs.timeouts, true);
			json_u64(f, "pause_p50_ns", bs.pause_p50_ns, true);
			json_u64(f, "pause_p99_ns", bs.pause_p99_ns, true);
			json_u64(f, "pause_max_ns", bs.pause_max_ns, true);
			json_u64(f, "switch_p50_ns", bs.switch_p50_ns, true);
			json_u64(f, "switch_p99_ns", bs.switch_p99_ns, true);
			json_u64(f, "switch_max_ns", bs.switch_max_ns, false);
			fprintf(f, "}}");
		} else {
			fprintf(f, "null}");
		}
	}
	fprintf(f, "\n  ],\n");
}

static void
json_sample(const struct tr_sample *s, size_t i, void *arg)
{
	FILE *f = arg;
	double tx = 0, rx = 0;
	uint16_t p;

	for (p = 0; p < s->nb; p++) {
		tx += s->tx_pps[p];
		rx += s->rx_pps[p];
	}
	fprintf(f, "%s\n    {\"t_ms\": %.1f, \"tx_pps\": %.0f, \"rx_pps\": %.0f, \"rx_pps_port\": [",
		i ? "," : "", s->t_ns / 1e6, tx, rx);
	for (p = 0; p < s->nb; p++)
		fprintf(f, "%s%.0f", p ? ", " : "", s->rx_pps[p]);
	fprintf(f, "]}");
}

static void
json_samples(FILE *f)
{
	fprintf(f, "  \"throughput\": [");
	tr_report_samples_foreach(json_sample, f);
	fprintf(f, "\n  ],\n");
}

/*
 * Loss in two parts (verify section), over the ports of the last run
 * since its start: wire_drops, what the devices dropped (imissed: no
 * buffer; wire=sink), and driver_lost, every other packet the verifier
 * lost, counted (driver_discards: rx_driver_discards + oerrors) or not.
 * driver_lost must be 0 under every strategy but restart; unaccounted
 * (lost that no counter explains) must be 0 always.
 */
static void
json_loss(FILE *f, const struct tr_verify_totals *t)
{
	uint64_t wire = 0, drv = 0;
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		struct tr_port_drops d;

		if (!tr_fwd_was_polled(port))
			continue;
		tr_fwd_port_drops(port, &d);
		wire += d.wire + d.sink;
		drv += d.rx_driver + d.tx;
	}
	json_u64(f, "wire_drops", wire, true);
	json_u64(f, "driver_discards", drv, true);
	json_u64(f, "driver_lost", t->lost > wire ? t->lost - wire : 0, true);
	json_u64(f, "unaccounted", t->lost > wire + drv ? t->lost - wire - drv : 0, false);
}

int
tr_report_write_json(const char *path, char *err)
{
	uint64_t total, ok, failed, rb, faults;
	struct tr_verify_totals t;
	struct json_ctx j;
	char tmp[4096];
	FILE *f;

	f = tr_file_create(path, tmp, sizeof(tmp), err);
	if (f == NULL)
		return -EINVAL;
	fprintf(f, "{\n  \"tool\": \"dpdk-test-replace\",\n  \"dpdk\": ");
	tr_json_str(f, rte_version());
	fprintf(f, ",\n  \"duration_s\": %.3f,\n", (tr_now_ns() - tr_t0_ns()) / 1e9);
	json_config(f);
	json_summary(f);
	tr_fwd_verify(&t);
	fprintf(f, "  \"verify\": {");
	json_u64(f, "sent", t.sent, true);
	json_u64(f, "received", t.received, true);
	json_u64(f, "unique", t.unique, true);
	json_u64(f, "lost", t.lost, true);
	json_u64(f, "duplicated", t.duplicated, true);
	json_u64(f, "reordered", t.reordered, true);
	json_u64(f, "corrupted", t.corrupted, true);
	json_u64(f, "gaps", t.gaps, true);
	json_u64(f, "foreign", t.foreign, true);
	json_loss(f, &t);
	fprintf(f, "},\n  \"dma_faults\": %" PRIu64 ",\n  \"command_errors\": %u,\n",
		rte_dma_domain_soft_fault_count(NULL), tr_app.errors);
	/* mbufs out of the pool (caches count as free): flat over a soak */
	if (tr_app.mp != NULL)
		fprintf(f, "  \"mempool\": {\"size\": %u, \"in_use\": %u},\n",
			tr_app.mp->size, rte_mempool_in_use_count(tr_app.mp));
	json_ports(f);
	json_samples(f);
	j.f = f;
	j.first = true;
	fprintf(f, "  \"schedules\": [");
	tr_sched_foreach(json_sched, &j);
	fprintf(f, "\n  ],\n  \"port_resets\": [");
	j.first = true;
	tr_reset_foreach(json_reset, &j);
	tr_swap_counts(&total, &ok, &failed, &rb, &faults);
	/* the records kept are the last ones; the summary counts all */
	fprintf(f, "\n  ],\n  \"swaps_total\": %" PRIu64 ",\n  \"swaps_dropped\": %" PRIu64
		",\n  \"swaps\": [", total, tr_swap_dropped());
	j.first = true;
	tr_swap_foreach(json_swap, &j);
	fprintf(f, "\n  ]\n}\n");
	return tr_file_commit(f, tmp, path, err);
}

static const char *
plot_script(char *buf, size_t len)
{
	static const char *const rel[] = {
		"plot.py",                                 /* build tree */
		"../share/dpdk-test-replace/plot.py",      /* installed */
	};
	unsigned int i;

	if (tr_app.opts.plot_script != NULL)
		return tr_app.opts.plot_script;
	for (i = 0; i < RTE_DIM(rel); i++) {
		snprintf(buf, len, "%s/%s", tr_app.exe_dir, rel[i]);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	return NULL;
}

int
tr_report_plot(const char *json, const char *png)
{
	char buf[4096];
	const char *script = plot_script(buf, sizeof(buf));
	int status;
	pid_t pid;

	if (script == NULL) {
		printf("no plot: plot.py not found next to the executable or in ../share/dpdk-test-replace (use --plot-script)\n");
		return -ENOENT;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* argv[0] must be the full path: python derives its prefix from it */
		execl("/usr/bin/python3", "/usr/bin/python3", script, json, png, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("plot failed: /usr/bin/python3 %s %s %s (status %d)\n", script, json, png,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	return 0;
}

void
tr_report_summary(FILE *f)
{
	struct tr_verify_totals t;

	tr_fwd_verify(&t);
	fprintf(f, "\n=== summary ===\n");
	tr_swap_show_summary(f);
	fprintf(f, "traffic: sent %" PRIu64 " received %" PRIu64 " lost %" PRIu64
		" duplicated %" PRIu64 " reordered %" PRIu64 " corrupted %" PRIu64 "\n",
		t.sent, t.received, t.lost, t.duplicated, t.reordered, t.corrupted);
	fprintf(f, "DMA faults (soft IOMMU log): %" PRIu64 "; command errors: %u\n",
		rte_dma_domain_soft_fault_count(NULL), tr_app.errors);
}
