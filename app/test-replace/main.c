/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * dpdk-test-replace: live IOMMU-domain replace under traffic.
 * EAL arguments, then "--" and the application's options (see --help).
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "tr_app.h"
#include "tr_domain.h"
#include "tr_reset.h"
#include "tr_swap.h"
#include "tr_util.h"
#include "tr_verify.h"

RTE_LOG_REGISTER_DEFAULT(tr_logtype, INFO);
#define RTE_LOGTYPE_TEST_REPLACE tr_logtype
#define TR_LOG(l, ...) RTE_LOG_LINE(l, TEST_REPLACE, __VA_ARGS__)

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	tr_interrupted = 1;
}

int
tr_port_configure(uint16_t port)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t rxd = tr_app.opts.nb_rxd, txd = tr_app.opts.nb_txd;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, rxd, rte_eth_dev_socket_id(port), NULL,
			tr_app.mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, txd, rte_eth_dev_socket_id(port), NULL);
	return rc;
}

static int
port_setup(uint16_t port)
{
	int rc = tr_port_configure(port);

	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0) {
		TR_LOG(ERR, "cannot set up port %u (%s): %s", port, tr_port_devname(port),
			strerror(-rc));
		return rc;
	}
	rte_eth_promiscuous_enable(port);
	/* Nobody polls the queues until traffic starts. */
	tr_port_queues_park(port);
	tr_app.started[port] = true;
	return 0;
}

/* main.c wires the modules (none calls back into another's file): swaps
 * go around the forwarding lcore, the control thread's tick samples the
 * report's throughput and recovers ports that asked for a reset.
 */
static void
swap_hooks_init(void)
{
	struct tr_swap_hooks h = {
		.around = tr_fwd_around,
		.gaps = tr_fwd_gaps,
		.tick = tr_report_tick,
		.tick_ns = (uint64_t)tr_app.opts.sample_ms * 1000000ULL,
		.service = tr_reset_service,
	};

	tr_swap_init(&h);
}

static int
reset_init(void)
{
	struct tr_reset_hooks h = {
		.configure = tr_port_configure,
		.before_print = tr_report_progress_break,
	};

	return tr_reset_init(&h);
}

static int
app_init(void)
{
	uint16_t port, n = 0;

	tr_app.fwd_lcore = rte_get_next_lcore(-1, 1, 0);
	tr_app.mp = rte_pktmbuf_pool_create("tr_pool", tr_app.opts.nb_mbufs, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (tr_app.mp == NULL) {
		TR_LOG(ERR, "cannot create a pool of %u mbufs: %s (try --nb-mbufs or more -m)",
			tr_app.opts.nb_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	RTE_ETH_FOREACH_DEV(port) {
		if (port_setup(port) != 0)
			return -EIO;
		tr_app.fwd.ports[n++] = port;
	}
	if (n == 0)
		printf("warning: no ethdev port (check the device arguments)\n");
	tr_app.fwd.nb_ports = n;
	tr_app.fwd.mode = TR_FWD_TXONLY;
	tr_app.fwd.burst = 32;
	tr_app.fwd.pktlen = 64;
	tr_app.fwd.pattern = TR_PATTERN_INC;
	tr_app.fwd.tx_first = 1;
	return 0;
}

static int
app_fini(void)
{
	uint16_t port;

	if (tr_fwd_running())
		tr_fwd_stop(500);
	tr_sched_stop(-1);
	tr_sched_wait(100000000ULL);
	if (tr_app.opts.progress)
		tr_report_progress(false);
	tr_swap_fini();
	tr_reset_fini();
	RTE_ETH_FOREACH_DEV(port) {
		if (tr_app.started[port])
			rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	/* Nothing bound any more: domains destroyed, contexts closed. */
	return tr_domain_fini();
}

int
main(int argc, char **argv)
{
	char err[TR_ERRLEN];
	int rc, n, status = 0;

	signal(SIGPIPE, SIG_IGN);
	for (n = 1; n < argc; n++)
		if (strcmp(argv[n], "--help") == 0 || strcmp(argv[n], "-h") == 0) {
			/* help without starting EAL (no devices needed) */
			bool after = false;
			int k;

			for (k = 1; k < n; k++)
				after |= strcmp(argv[k], "--") == 0;
			if (after || n == 1) {
				tr_opts_eal(argc, argv, err);
				tr_opts_usage(argv[0]);
				return 0;
			}
		}
	if (tr_opts_eal(argc, argv, err) < 0) {
		fprintf(stderr, "dpdk-test-replace: %s\n", err);
		return 1;
	}
	argc = tr_app.full_argc;
	argv = tr_app.full_argv;
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "dpdk-test-replace: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	/* argv[0] is now "--" or nothing: app options follow */
	rc = tr_opts_parse(argc, argv, err);
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "dpdk-test-replace: %s\n", err);
		else
			tr_opts_usage("dpdk-test-replace");
		rte_eal_cleanup();
		return rc < 0 ? 1 : 0;
	}
	if (tr_app.opts.progress < 0)
		tr_app.opts.progress = tr_app.opts.script != NULL && isatty(STDERR_FILENO);
	swap_hooks_init();
	if (app_init() < 0 || reset_init() < 0 || tr_ctl_start() < 0) {
		app_fini();
		rte_eal_cleanup();
		return 1;
	}
	if (tr_app.opts.script != NULL) {
		struct sigaction sa;

		/* a long scripted run stopped with ^C still writes its report */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		if (tr_app.opts.progress)
			tr_report_progress(true);
		n = tr_cmd_script(tr_app.opts.script);
		if (tr_app.opts.progress)
			tr_report_progress(false);
		if (n != 0)
			status = 1;
	}
	if (tr_interrupted)
		printf("interrupted: stopping and writing the report\n");
	if (tr_app.opts.interactive && !tr_app.quit && !tr_interrupted)
		tr_cli_run();
	if (tr_fwd_running())
		tr_fwd_stop(500);
	tr_sched_stop(-1);
	tr_sched_wait(200000000ULL);
	if (tr_app.opts.script != NULL)
		tr_report_summary(stdout);
	if (tr_app.opts.json != NULL) {
		char err[TR_ERRLEN];

		rc = tr_report_write_json(tr_app.opts.json, err);
		if (rc < 0) {
			printf("error: report: %s\n", err);
			status = 1;
		} else {
			printf("report: %s\n", tr_app.opts.json);
			if (tr_app.opts.png != NULL && tr_report_plot(tr_app.opts.json,
					tr_app.opts.png) == 0)
				printf("plot: %s\n", tr_app.opts.png);
		}
	}
	if (tr_app.errors != 0 && tr_app.opts.script != NULL)
		status = 1;
	if (tr_interrupted)
		status = 130; /* the run is incomplete: say so, like a shell */
	fflush(stdout);
	if (app_fini() < 0 && status == 0)
		status = 1;
	rte_eal_cleanup();
	return status;
}
