/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TR_APP_H
#define TR_APP_H

/**
 * @file
 * State of dpdk-test-replace shared by its modules (main thread only
 * unless a field says otherwise).
 */

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "tr_fwd.h"

/** Application options (after "--"). */
struct tr_opts {
	const char *script;    /**< --script FILE */
	const char *json;      /**< --json FILE */
	const char *png;       /**< --png FILE (default: json with .png) */
	const char *plot_script; /**< --plot-script FILE */
	bool interactive;      /**< -i: prompt after the script */
	bool keep_going;       /**< --keep-going: script goes on after errors */
	int progress;          /**< --progress / --no-progress; -1 = if tty */
	bool echo;             /**< echo script commands (default on) */
	uint32_t sample_ms;    /**< throughput sample period */
	uint32_t nb_mbufs;     /**< --nb-mbufs */
	uint16_t nb_rxd, nb_txd; /**< descriptors per queue */
};

/** Application state. */
struct tr_app {
	struct tr_opts opts;
	struct rte_mempool *mp;      /**< packet pool */
	struct tr_fwd_cfg fwd;       /**< traffic settings */
	unsigned int fwd_lcore;      /**< worker lcore that forwards */
	bool started[RTE_MAX_ETHPORTS]; /**< ports started by the app */
	int eal_argc;                /**< EAL arguments actually used */
	char **eal_argv;
	int full_argc;               /**< EAL + "--" + app arguments */
	char **full_argv;
	bool defaults_used;          /**< embedded default devices added */
	unsigned int errors;         /**< failed commands and expectations */
	bool quit;                   /**< 'quit' was given */
	const char *exe_dir;         /**< directory of the executable */
};

extern struct tr_app tr_app;

/** Set by SIGINT/SIGTERM: scripts stop, waits end, the report is written. */
extern volatile sig_atomic_t tr_interrupted;

/* ---- ports (main.c; the state above: tr_app.c) ---- */

/**
 * Configure port the app's way (one queue pair, --rxd/--txd descriptors,
 * the app's pool), without starting it: at start-up and after
 * rte_eth_dev_reset(). @return 0 or negative errno.
 */
int tr_port_configure(uint16_t port);

/* ---- commands (tr_cmds.c) ---- */

/** Run one command line. @return 0, or negative on error (printed). */
int tr_cmd_exec(const char *line);

/** Run a script file. @return number of failed commands, or -errno. */
int tr_cmd_script(const char *path);

/** A command of the table. */
struct tr_cmd {
	const char *words;  /**< keywords, e.g. "show port stats" */
	const char *args;   /**< argument synopsis */
	const char *help;   /**< one line */
	int (*fn)(int argc, char **argv, char *err); /**< argv after the words */
};

/** The command table (NULL-terminated by words == NULL). */
extern const struct tr_cmd tr_cmds[];

/* ---- interactive prompt (tr_cli.c) ---- */

/** Prompt on stdin until 'quit' or end of input. */
int tr_cli_run(void);

/* ---- report sampling (tr_report_sample.c) ---- */

/** Ports a throughput sample covers (the first ones). */
#define TR_SAMPLE_PORTS 8

/** One throughput sample. */
struct tr_sample {
	uint64_t t_ns;      /**< since tr_swap_init() */
	uint16_t nb;        /**< ports sampled */
	float tx_pps[TR_SAMPLE_PORTS], rx_pps[TR_SAMPLE_PORTS]; /**< per port */
};

/** Control thread tick (tr_swap_hooks.tick): take a throughput sample
 * while traffic runs, refresh the progress line. @param now tr_now_ns()
 */
void tr_report_tick(uint64_t now);

/** Visit every sample in order, under the samples' lock (cb must not
 * call back into sampling). @param cb called with each sample and its
 * index @param arg passed to cb
 */
void tr_report_samples_foreach(void (*cb)(const struct tr_sample *s, size_t i, void *arg),
		void *arg);

/** Progress line on/off (scripts turn it on). */
void tr_report_progress(bool on);

/** End the progress line before other output. */
void tr_report_progress_break(void);

/* ---- report output (tr_report.c) ---- */

/**
 * Write the JSON report to path: a new file next to it, renamed over it
 * (a symbolic link at path is refused, never written through), mode 0644.
 * @return 0, or a negative errno with err saying why.
 */
int tr_report_write_json(const char *path, char *err);

/** Run the plot script: PNG from the JSON report. @return 0 or -errno. */
int tr_report_plot(const char *json, const char *png);

/** Print the end-of-run summary table. */
void tr_report_summary(FILE *f);

/* ---- options (tr_opts.c) ---- */

/**
 * Build the EAL argument vector: argv's EAL part plus the default plugins
 * and devices when none were given. Sets tr_app.eal_argc/eal_argv.
 */
int tr_opts_eal(int argc, char **argv, char *err);

/** Parse app options (after EAL). @return 0, 1 for --help, <0 on error. */
int tr_opts_parse(int argc, char **argv, char *err);

/** Print usage. */
void tr_opts_usage(const char *prog);

#endif /* TR_APP_H */
