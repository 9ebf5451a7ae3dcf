/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* Commands on ports and traffic, and the metrics of 'expect'. */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dma_domain_soft.h>

#include "tr_app.h"
#include "tr_cmds_int.h"
#include "tr_domain.h"
#include "tr_reset.h"
#include "tr_swap.h"
#include "tr_verify.h"

#define DRAIN_MS 2000 /* hang guard of the exact drain (tr_fwd_stop) */

/* "<port>" or "all" -> mask of ports. */
static int
parse_port_or_all(int argc, char **argv, bool *mask, char *err)
{
	uint16_t port;

	memset(mask, 0, sizeof(bool) * RTE_MAX_ETHPORTS);
	if (argc > 0 && strcmp(argv[0], "all") == 0) {
		RTE_ETH_FOREACH_DEV(port)
			mask[port] = true;
	} else {
		if (tr_parse_port(argc > 0 ? argv[0] : NULL, &port, err) < 0)
			return -EINVAL;
		mask[port] = true;
	}
	return tr_args_done(argc, argv, 1, err);
}

/* Port start and stop run the PMD's queue and device setup, which a
 * periodic swap's driver callbacks use too: under the domain lock, as
 * the swaps and the reset recovery are (the stop waits for a running
 * swap; the next swaps see the port stopped).
 */
static int
port_start_one(uint16_t port, char *err)
{
	int rc;

	tr_dom_lock();
	rc = rte_eth_dev_start(port);
	if (rc < 0) {
		tr_dom_unlock();
		return tr_err(err, "cannot start port %u: %s", port, strerror(-rc));
	}
	/* The PMD marks started queues polled; nobody polls them until
	 * traffic starts, and a swap must not wait for them.
	 */
	if (!tr_fwd_polls(port))
		tr_port_queues_park(port);
	tr_app.started[port] = true;
	tr_dom_unlock();
	return 0;
}

static void
port_stop_one(uint16_t port)
{
	tr_dom_lock();
	rte_eth_dev_stop(port);
	tr_port_queues_forget(port);
	tr_app.started[port] = false;
	tr_dom_unlock();
}

TR_HANDLER(cmd_port_start)
{
	bool mask[RTE_MAX_ETHPORTS], done[RTE_MAX_ETHPORTS] = { false };
	uint16_t port;

	if (parse_port_or_all(argc, argv, mask, err) < 0)
		return -EINVAL;
	RTE_ETH_FOREACH_DEV(port) {
		if (!mask[port] || tr_app.started[port])
			continue;
		if (port_start_one(port, err) < 0) {
			/* all or nothing */
			RTE_ETH_FOREACH_DEV(port)
				if (done[port])
					port_stop_one(port);
			return -EIO;
		}
		done[port] = true;
	}
	return 0;
}

TR_HANDLER(cmd_port_stop)
{
	bool mask[RTE_MAX_ETHPORTS];
	uint16_t port;

	if (parse_port_or_all(argc, argv, mask, err) < 0)
		return -EINVAL;
	RTE_ETH_FOREACH_DEV(port)
		if (mask[port] && tr_fwd_polls(port))
			return tr_err(err,
				"cannot stop port %u: traffic is polling it ('stop' first)", port);
	RTE_ETH_FOREACH_DEV(port) {
		if (!mask[port] || !tr_app.started[port])
			continue;
		port_stop_one(port);
	}
	return 0;
}

TR_HANDLER(cmd_show_ports)
{
	uint16_t port;

	if (tr_args_done(argc, argv, 0, err) < 0)
		return -EINVAL;
	printf("  %-4s %-12s %-22s %-8s %-16s %s\n", "port", "device", "driver", "state", "domain", "polled");
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_dev_info info;
		struct rte_dma_domain_binding *b;
		const char *dom = "(no binding)";

		if (rte_eth_dev_info_get(port, &info) != 0)
			continue;
		b = rte_dma_domain_binding_lookup(tr_port_devname(port));
		if (b != NULL)
			dom = rte_dma_domain_binding_domain(b) ?
				rte_dma_domain_name(rte_dma_domain_binding_domain(b)) :
				"(detached)";
		printf("  %-4u %-12s %-22s %-8s %-16s %s\n", port, tr_port_devname(port),
			info.driver_name, tr_app.started[port] ? "started" : "stopped", dom,
			tr_fwd_polls(port) ? "yes" : "no");
	}
	return 0;
}

TR_HANDLER(cmd_show_port_stats)
{
	bool mask[RTE_MAX_ETHPORTS];
	uint16_t port;

	if (argc == 0) {
		RTE_ETH_FOREACH_DEV(port)
			mask[port] = true;
	} else if (parse_port_or_all(argc, argv, mask, err) < 0) {
		return -EINVAL;
	}
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_stats st;
		struct tr_port_cnt c;
		uint64_t rs_ok, rs_failed;

		if (!mask[port])
			continue;
		memset(&st, 0, sizeof(st));
		rte_eth_stats_get(port, &st);
		tr_fwd_port_cnt(port, &c);
		printf("port %u (%s)\n", port, tr_port_devname(port));
		printf("  ethdev: rx %" PRIu64 " pkts %" PRIu64 " bytes, missed %" PRIu64
			" errors %" PRIu64 " nombuf %" PRIu64 "\n", st.ipackets, st.ibytes,
			st.imissed, st.ierrors, st.rx_nombuf);
		printf("          tx %" PRIu64 " pkts %" PRIu64 " bytes, errors %" PRIu64 "\n",
			st.opackets, st.obytes, st.oerrors);
		printf("  app:    rx %" PRIu64 " tx %" PRIu64 " unsent %" PRIu64 " polls %" PRIu64
			" idle %" PRIu64 "\n", c.rx_pkts, c.tx_pkts, c.tx_unsent, c.polls,
			c.idle_polls);
		tr_reset_counts(port, &rs_ok, &rs_failed);
		printf("  resets: %" PRIu64 " (failed %" PRIu64 ")\n", rs_ok, rs_failed);
	}
	return 0;
}

TR_HANDLER(cmd_show_verify)
{
	struct tr_verify_totals t;

	if (tr_args_done(argc, argv, 0, err) < 0)
		return -EINVAL;
	tr_fwd_verify(&t);
	printf("verify (%s, %s): sent %" PRIu64 " received %" PRIu64 " unique %" PRIu64 "\n",
		tr_fwd_mode_name(tr_app.fwd.mode),
		tr_fwd_running() ? "running: lost includes packets in flight" : "stopped",
		t.sent, t.received, t.unique);
	printf("  lost %" PRIu64 " duplicated %" PRIu64 " reordered %" PRIu64
		" corrupted %" PRIu64 " (gaps %" PRIu64 ", foreign frames %" PRIu64 ")\n",
		t.lost, t.duplicated, t.reordered, t.corrupted, t.gaps, t.foreign);
	return 0;
}

static int
not_running(const char *what, char *err)
{
	if (tr_fwd_running())
		return tr_err(err, "cannot change %s while traffic runs ('stop' first)", what);
	return 0;
}

TR_HANDLER(cmd_set_fwd)
{
	enum tr_fwd_mode m;

	if (argc == 0)
		return tr_err(err, "missing mode: expected txonly, io or rxonly");
	if (strcmp(argv[0], "txonly") == 0)
		m = TR_FWD_TXONLY;
	else if (strcmp(argv[0], "io") == 0)
		m = TR_FWD_IO;
	else if (strcmp(argv[0], "rxonly") == 0)
		m = TR_FWD_RXONLY;
	else
		return tr_err(err, "bad mode '%s': expected txonly, io or rxonly", argv[0]);
	if (tr_args_done(argc, argv, 1, err) < 0 || not_running("the mode", err) < 0)
		return -EINVAL;
	tr_app.fwd.mode = m;
	return 0;
}

TR_HANDLER(cmd_set_ports)
{
	uint16_t ports[RTE_MAX_ETHPORTS], n = 0, port;
	char buf[256], *tok, *save;

	if (argc == 0)
		return tr_err(err, "missing port list: expected e.g. 0,1 or all");
	if (tr_args_done(argc, argv, 1, err) < 0 || not_running("the ports", err) < 0)
		return -EINVAL;
	if (strcmp(argv[0], "all") == 0) {
		RTE_ETH_FOREACH_DEV(port)
			ports[n++] = port;
	} else {
		strlcpy(buf, argv[0], sizeof(buf));
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			uint16_t i;

			if (tr_parse_port(tok, &port, err) < 0)
				return -EINVAL;
			for (i = 0; i < n; i++)
				if (ports[i] == port)
					return tr_err(err, "bad port list '%s': port %u given twice",
						argv[0], port);
			ports[n++] = port;
		}
	}
	if (n == 0)
		return tr_err(err, "bad port list '%s': expected at least one port", argv[0]);
	memcpy(tr_app.fwd.ports, ports, sizeof(ports[0]) * n);
	tr_app.fwd.nb_ports = n;
	return 0;
}

static int
set_u64(int argc, char **argv, const char *what, uint64_t min, uint64_t max,
		uint64_t *v, char *err)
{
	if (tr_parse_u64(what, argc > 0 ? argv[0] : NULL, min, max, v, err) < 0 ||
			tr_args_done(argc, argv, 1, err) < 0 || not_running(what, err) < 0)
		return -EINVAL;
	return 0;
}

TR_HANDLER(cmd_set_burst)
{
	uint64_t v;

	if (set_u64(argc, argv, "burst", 1, 256, &v, err) < 0)
		return -EINVAL;
	tr_app.fwd.burst = (uint16_t)v;
	return 0;
}

TR_HANDLER(cmd_set_pktlen)
{
	uint64_t room = (uint64_t)rte_pktmbuf_data_room_size(tr_app.mp) - RTE_PKTMBUF_HEADROOM;
	uint64_t max = RTE_MIN((uint64_t)9000, room);
	uint64_t v;

	if (set_u64(argc, argv, "packet length", 60, max, &v, err) < 0)
		return -EINVAL;
	tr_app.fwd.pktlen = (uint16_t)v;
	return 0;
}

TR_HANDLER(cmd_set_pattern)
{
	uint64_t v;

	if (argc > 0 && strcmp(argv[0], "inc") == 0) {
		if (tr_args_done(argc, argv, 1, err) < 0 || not_running("the pattern", err) < 0)
			return -EINVAL;
		tr_app.fwd.pattern = TR_PATTERN_INC;
		return 0;
	}
	if (argc > 0 && tr_parse_u64("pattern", argv[0], 0, 255, &v, err) < 0)
		return tr_err(err, "bad pattern '%s': expected a byte 0-255 (or 0x00-0xff) or inc",
			argv[0]);
	if (set_u64(argc, argv, "pattern", 0, 255, &v, err) < 0)
		return -EINVAL;
	tr_app.fwd.pattern = (int32_t)v;
	return 0;
}

TR_HANDLER(cmd_set_rate)
{
	uint64_t v = 0;

	if (argc > 0 && strcmp(argv[0], "max") == 0) {
		if (tr_args_done(argc, argv, 1, err) < 0 || not_running("the rate", err) < 0)
			return -EINVAL;
	} else if (set_u64(argc, argv, "rate (packets/s)", 1000, 100000000, &v, err) < 0) {
		return -EINVAL;
	}
	tr_app.fwd.rate_pps = v;
	return 0;
}

TR_HANDLER(cmd_set_txfirst)
{
	uint64_t v;

	if (set_u64(argc, argv, "tx_first bursts", 0, 64, &v, err) < 0)
		return -EINVAL;
	tr_app.fwd.tx_first = (uint32_t)v;
	return 0;
}

TR_HANDLER(cmd_start)
{
	uint16_t i;

	if (tr_args_done(argc, argv, 0, err) < 0)
		return -EINVAL;
	for (i = 0; i < tr_app.fwd.nb_ports; i++)
		if (!tr_app.started[tr_app.fwd.ports[i]])
			return tr_err(err, "cannot start traffic: port %u is stopped ('port start %u')",
				tr_app.fwd.ports[i], tr_app.fwd.ports[i]);
	if (tr_fwd_start(&tr_app.fwd, tr_app.mp, tr_app.fwd_lcore, err) < 0)
		return -EINVAL;
	printf("traffic started: %s on %u port(s), burst %u, %u-byte frames, %s\n",
		tr_fwd_mode_name(tr_app.fwd.mode), tr_app.fwd.nb_ports, tr_app.fwd.burst,
		tr_app.fwd.pktlen, tr_app.fwd.rate_pps ? "paced" : "full speed");
	return 0;
}

TR_HANDLER(cmd_stop)
{
	if (tr_args_done(argc, argv, 0, err) < 0)
		return -EINVAL;
	if (tr_fwd_stop(DRAIN_MS) < 0)
		return tr_err(err, "traffic is not running");
	printf("traffic stopped\n");
	return 0;
}

TR_HANDLER(cmd_clear_stats)
{
	uint16_t port;

	if (tr_args_done(argc, argv, 0, err) < 0)
		return -EINVAL;
	if (tr_fwd_clear() < 0)
		return tr_err(err, "cannot clear counters while traffic runs ('stop' first)");
	RTE_ETH_FOREACH_DEV(port)
		rte_eth_stats_reset(port);
	tr_reset_clear();
	return 0;
}

/* Packets a port dropped by its own counters (struct tr_port_drops):
 * the device's (imissed, wire=sink), the driver's receive discards
 * (rx_driver_discards), accepted and never sent (oerrors).
 */
static uint64_t
port_dropped(uint16_t port)
{
	struct tr_port_drops d;

	tr_port_drops_get(port, &d);
	return tr_port_drops_total(&d);
}

/* ---- expect ---- */

static int
strategy_metric(const char *name, double *v, char *err)
{
	struct tr_strat_summary s[TR_NB_STRATEGIES];
	enum rte_dma_domain_strategy st;
	char strat[32];
	const char *dot = strchr(name, '.'), *f;

	if (dot == NULL || (size_t)(dot - name) >= sizeof(strat))
		return -ENOENT;
	memcpy(strat, name, dot - name);
	strat[dot - name] = '\0';
	if (rte_dma_domain_strategy_parse(strat, &st) < 0 || st == RTE_DMA_DOMAIN_STRATEGY_DEFAULT)
		return -ENOENT;
	tr_swap_summary(s);
	f = dot + 1;
	if (strcmp(f, "swaps") == 0)
		*v = s[st].swaps;
	else if (strcmp(f, "failures") == 0)
		*v = s[st].failures;
	else if (strcmp(f, "faults") == 0)
		*v = s[st].faults;
	else if (strcmp(f, "rollbacks") == 0)
		*v = s[st].rollbacks;
	else if (strcmp(f, "lost") == 0)
		*v = s[st].lost;
	else if (strcmp(f, "pause_p50_us") == 0)
		*v = s[st].pause_p50 / 1e3;
	else if (strcmp(f, "pause_p99_us") == 0)
		*v = s[st].pause_p99 / 1e3;
	else if (strcmp(f, "pause_max_us") == 0)
		*v = s[st].pause_max / 1e3;
	else
		return tr_err(err, "bad metric '%s': after '%s.' expected swaps, failures, faults, rollbacks, lost, pause_p50_us, pause_p99_us or pause_max_us",
			name, strat);
	return 0;
}

int
tr_metric_get(const char *name, double *v, char *err)
{
	struct tr_verify_totals t;
	uint64_t total, ok, failed, rb, faults;
	unsigned int port;
	uint16_t p;
	char what[8];
	int rc;

	tr_fwd_verify(&t);
	tr_swap_counts(&total, &ok, &failed, &rb, &faults);
	if (strcmp(name, "verify.sent") == 0)
		*v = t.sent;
	else if (strcmp(name, "verify.received") == 0)
		*v = t.received;
	else if (strcmp(name, "verify.lost") == 0)
		*v = t.lost;
	else if (strcmp(name, "verify.duplicated") == 0)
		*v = t.duplicated;
	else if (strcmp(name, "verify.reordered") == 0)
		*v = t.reordered;
	else if (strcmp(name, "verify.corrupted") == 0)
		*v = t.corrupted;
	else if (strcmp(name, "verify.gaps") == 0)
		*v = t.gaps;
	else if (strcmp(name, "swaps.total") == 0)
		*v = total;
	else if (strcmp(name, "swaps.ok") == 0)
		*v = ok;
	else if (strcmp(name, "swaps.failed") == 0)
		*v = failed;
	else if (strcmp(name, "swaps.rollbacks") == 0)
		*v = rb;
	else if (strcmp(name, "swaps.faults") == 0)
		*v = faults;
	else if (strcmp(name, "faults") == 0)
		*v = rte_dma_domain_soft_fault_count(NULL);
	else if (strcmp(name, "ports.dropped") == 0 || strcmp(name, "ports.resets") == 0) {
		uint64_t sum = 0, ok, bad;

		RTE_ETH_FOREACH_DEV(p) {
			if (name[6] == 'd') {
				sum += port_dropped(p);
			} else {
				tr_reset_counts(p, &ok, &bad);
				sum += ok;
			}
		}
		*v = sum;
	} else if (sscanf(name, "port.%u.%7s", &port, what) == 2) {
		struct tr_port_cnt c;
		uint64_t ok, bad;

		if (port >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(port))
			return tr_err(err, "bad metric '%s': no port %u", name, port);
		tr_fwd_port_cnt(port, &c);
		tr_reset_counts(port, &ok, &bad);
		if (strcmp(what, "rx") == 0)
			*v = c.rx_pkts;
		else if (strcmp(what, "tx") == 0)
			*v = c.tx_pkts;
		else if (strcmp(what, "dropped") == 0)
			*v = port_dropped(port);
		else if (strcmp(what, "resets") == 0)
			*v = ok;
		else
			return tr_err(err,
				"bad metric '%s': expected port.<id>.rx, tx, dropped or resets",
				name);
	} else {
		rc = strategy_metric(name, v, err);
		if (rc == -ENOENT)
			return tr_err(err, "bad metric '%s': expected verify.*, swaps.*, <strategy>.*, port.<id>.rx|tx|dropped|resets, ports.dropped|resets or faults (see 'help expect')",
				name);
		return rc;
	}
	return 0;
}

TR_HANDLER(cmd_expect)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	double v, want;
	char *end;
	bool ok = false;
	unsigned int op;

	if (argc < 3)
		return tr_err(err, "missing arguments: expected <metric> <op> <value>, e.g. expect verify.lost == 0");
	if (tr_metric_get(argv[0], &v, err) < 0)
		return -EINVAL;
	for (op = 0; op < RTE_DIM(ops); op++)
		if (strcmp(argv[1], ops[op]) == 0)
			break;
	if (op == RTE_DIM(ops))
		return tr_err(err, "bad operator '%s': expected ==, !=, <, <=, > or >=", argv[1]);
	want = strtod(argv[2], &end);
	if (end == argv[2] || *end != '\0' || !isfinite(want))
		return tr_err(err, "bad value '%s': expected a number", argv[2]);
	if (tr_args_done(argc, argv, 3, err) < 0)
		return -EINVAL;
	switch (op) {
	case 0:
		ok = v == want;
		break;
	case 1:
		ok = v != want;
		break;
	case 2:
		ok = v < want;
		break;
	case 3:
		ok = v <= want;
		break;
	case 4:
		ok = v > want;
		break;
	case 5:
		ok = v >= want;
		break;
	}
	if (!ok)
		return tr_err(err, "expectation failed: %s is %g, expected %s %s", argv[0], v,
			argv[1], argv[2]);
	printf("ok: %s = %g (%s %s)\n", argv[0], v, argv[1], argv[2]);
	return 0;
}
