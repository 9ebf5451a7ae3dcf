/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * "dma_domain ..." commands for the stock dpdk-testpmd, loaded with -d.
 *
 * testpmd adds driver commands through testpmd_add_driver_commands(), a
 * function of the testpmd binary that a plugin only sees when testpmd is
 * linked with -Wl,--export-dynamic. The plugin looks it up at load time
 * (dlsym, not a weak reference: DPDK deprecates weak symbols): in any
 * other application it is not found and the plugin does nothing but log
 * one line. The structure testpmd takes is internal to
 * app/test-pmd/testpmd.h; its layout is mirrored below for the DPDK
 * versions it was checked against.
 */

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_version.h>

#include "tr_domain.h"
#include "tr_swap.h"
#include "tr_util.h"

RTE_LOG_REGISTER_DEFAULT(tp_logtype, INFO);
#define RTE_LOGTYPE_TESTPMD_DMA_DOMAIN tp_logtype
#define TP_LOG(l, ...) RTE_LOG_LINE(l, TESTPMD_DMA_DOMAIN, __VA_ARGS__)

/* Same layout as struct testpmd_driver_commands in app/test-pmd/testpmd.h
 * of DPDK 22.11 and 25.11 (checked: a TAILQ link, then a NULL-terminated
 * flexible array of {instance, help}).
 */
#if RTE_VERSION < RTE_VERSION_NUM(22, 11, 0, 0) || RTE_VERSION >= RTE_VERSION_NUM(26, 0, 0, 0)
#error "testpmd_driver_commands unchecked for this DPDK: compare with app/test-pmd/testpmd.h"
#endif
struct tp_driver_commands {
	TAILQ_ENTRY(tp_driver_commands) next;
	struct {
		cmdline_parse_inst_t *ctx;
		const char *help;
	} commands[];
};

/* The testpmd binary's symbols, NULL outside a testpmd linked with
 * --export-dynamic. Set once by tp_init (a constructor, before any command
 * runs), read-only after.
 */
static void (*tp_add_driver_commands)(struct tp_driver_commands *c);
/* testpmd's test_done: 1 while packet forwarding is stopped. */
static volatile int *tp_test_done;

#define MAX_ARGS 16

static int
split(char *s, char **argv)
{
	int n = 0;
	char *p, *save;

	for (p = strtok_r(s, " \t", &save); p != NULL && n < MAX_ARGS;
			p = strtok_r(NULL, " \t", &save))
		argv[n++] = p;
	return n;
}

static void
report(int rc, const char *err)
{
	if (rc < 0)
		printf("dma_domain: error: %s\n", err);
	fflush(stdout);
}

/* When testpmd does not forward, nobody polls the port's queues: mark them
 * offline for the swap (an offline queue counts as acknowledged), then give
 * them back to testpmd's forwarding.
 */
static bool offlined[RTE_MAX_ETHPORTS];

static int
around_swap(uint16_t port, const struct rte_dma_domain_replace_opts *o, bool before,
		char *err)
{
	bool forwarding = tp_test_done != NULL && *tp_test_done == 0;

	if (port >= RTE_MAX_ETHPORTS)
		return 0;
	if (before && forwarding && o->strategy == RTE_DMA_DOMAIN_STRATEGY_RESTART)
		return tr_err(err, "strategy restart stops port %u, and testpmd forwards on it: 'stop' forwarding first",
			port);
	if (before && tp_test_done != NULL && !forwarding) {
		tr_port_queues_park(port);
		offlined[port] = true;
	} else if (!before && offlined[port]) {
		tr_port_queues_unpark(port);
		offlined[port] = false;
	}
	return 0;
}

/* ---- dma_domain create|destroy|show ---- */

struct res_dom {
	cmdline_fixed_string_t dma_domain;
	cmdline_fixed_string_t verb;
	cmdline_multi_string_t rest;
};

static void
cmd_create_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct res_dom *r = parsed;
	char err[TR_ERRLEN], *argv[MAX_ARGS];
	int argc = split(r->rest, argv), rc;

	RTE_SET_USED(cl);
	RTE_SET_USED(data);
	if (argc > 3 || (argc == 3 && strcmp(argv[1], "copy") != 0)) {
		rc = tr_err(err, "unexpected argument '%s'", argv[argc - 1]);
	} else {
		tr_dom_lock();
		rc = tr_domain_create(argc > 0 ? argv[0] : NULL, argc > 1 ? argv[1] : NULL,
			argc > 2 ? argv[2] : NULL, err);
		tr_dom_unlock();
		if (rc == 0)
			printf("dma_domain: domain %s created\n", argv[0]);
	}
	report(rc, err);
}

static cmdline_parse_token_string_t tok_dd =
	TOKEN_STRING_INITIALIZER(struct res_dom, dma_domain, "dma_domain");
static cmdline_parse_token_string_t tok_create =
	TOKEN_STRING_INITIALIZER(struct res_dom, verb, "create");
static cmdline_parse_token_string_t tok_rest =
	TOKEN_STRING_INITIALIZER(struct res_dom, rest, TOKEN_STRING_MULTI);

static cmdline_parse_inst_t cmd_create = {
	.f = cmd_create_parsed,
	.help_str = "dma_domain create <name> [mirror|empty|copy <src>|identity|blocking]",
	.tokens = { (void *)&tok_dd, (void *)&tok_create, (void *)&tok_rest, NULL },
};

static void
cmd_destroy_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct res_dom *r = parsed;
	char err[TR_ERRLEN], *argv[MAX_ARGS];
	int argc = split(r->rest, argv), rc;

	RTE_SET_USED(cl);
	RTE_SET_USED(data);
	if (argc > 1) {
		rc = tr_err(err, "unexpected argument '%s'", argv[1]);
	} else {
		tr_dom_lock();
		rc = tr_domain_destroy(argc ? argv[0] : NULL, err);
		tr_dom_unlock();
	}
	report(rc, err);
}

static cmdline_parse_token_string_t tok_destroy =
	TOKEN_STRING_INITIALIZER(struct res_dom, verb, "destroy");

static cmdline_parse_inst_t cmd_destroy = {
	.f = cmd_destroy_parsed,
	.help_str = "dma_domain destroy <name>",
	.tokens = { (void *)&tok_dd, (void *)&tok_destroy, (void *)&tok_rest, NULL },
};

static void
cmd_show_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct res_dom *r = parsed;
	char err[TR_ERRLEN], *argv[MAX_ARGS];
	struct rte_dma_domain *d = NULL;
	int argc = data ? split(r->rest, argv) : 0;

	RTE_SET_USED(cl);
	if (argc > 1) {
		report(tr_err(err, "unexpected argument '%s'", argv[1]), err);
		return;
	}
	if (argc == 1 && tr_parse_domain(argv[0], &d, err) < 0) {
		report(-EINVAL, err);
		return;
	}
	if (argc == 0)
		tr_domain_show_all(stdout);
	else
		tr_domain_show(stdout, d);
	fflush(stdout);
}

static cmdline_parse_token_string_t tok_show =
	TOKEN_STRING_INITIALIZER(struct res_dom, verb, "show");

static cmdline_parse_inst_t cmd_show_all = {
	.f = cmd_show_parsed,
	.data = NULL,
	.help_str = "dma_domain show",
	.tokens = { (void *)&tok_dd, (void *)&tok_show, NULL },
};

static cmdline_parse_inst_t cmd_show_one = {
	.f = cmd_show_parsed,
	.data = (void *)1,
	.help_str = "dma_domain show <name>",
	.tokens = { (void *)&tok_dd, (void *)&tok_show, (void *)&tok_rest, NULL },
};

/* ---- port <id> dma_domain replace|swap|stats ---- */

struct res_port {
	cmdline_fixed_string_t port;
	uint16_t port_id;
	cmdline_fixed_string_t dma_domain;
	cmdline_fixed_string_t verb;
	cmdline_multi_string_t rest;
};

static cmdline_parse_token_string_t tok_p_port =
	TOKEN_STRING_INITIALIZER(struct res_port, port, "port");
static cmdline_parse_token_num_t tok_p_id =
	TOKEN_NUM_INITIALIZER(struct res_port, port_id, RTE_UINT16);
static cmdline_parse_token_string_t tok_p_dd =
	TOKEN_STRING_INITIALIZER(struct res_port, dma_domain, "dma_domain");
static cmdline_parse_token_string_t tok_p_rest =
	TOKEN_STRING_INITIALIZER(struct res_port, rest, TOKEN_STRING_MULTI);

static int
check_port(uint16_t port, char *err)
{
	char s[8];

	snprintf(s, sizeof(s), "%u", port);
	return tr_parse_port(s, &port, err);
}

static void
cmd_replace_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct res_port *r = parsed;
	struct rte_dma_domain_replace_opts o;
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain_binding *b;
	char err[TR_ERRLEN], *argv[MAX_ARGS];
	struct rte_dma_domain *d;
	int argc = split(r->rest, argv), rc;

	RTE_SET_USED(cl);
	RTE_SET_USED(data);
	memset(&o, 0, sizeof(o));
	rc = check_port(r->port_id, err);
	if (rc == 0)
		rc = tr_port_binding(r->port_id, &b, err);
	if (rc == 0)
		rc = tr_parse_domain(argc > 0 ? argv[0] : NULL, &d, err);
	if (rc == 0)
		rc = tr_parse_replace_opts(argc, argv, 1, true, &o, err);
	if (rc == 0)
		rc = tr_swap_now(r->port_id, d, &o, err);
	if (rc == 0 && rte_dma_domain_last_swap(b, &rec) == 0)
		printf("dma_domain: port %u: %s -> %s (%s) pause %.1f us, switch %.1f us, faults %"
			PRIu64 "\n",
			r->port_id, rec.from, rec.to, rte_dma_domain_strategy_name(rec.strategy),
			rec.pause_ns / 1e3, rec.switch_ns / 1e3, rec.faults);
	report(rc, err);
}

static cmdline_parse_token_string_t tok_p_replace =
	TOKEN_STRING_INITIALIZER(struct res_port, verb, "replace");

static cmdline_parse_inst_t cmd_replace = {
	.f = cmd_replace_parsed,
	.help_str = "port <id> dma_domain replace <domain> [quiesce|hitless|remap|restart] [force] [drain] [timeout <us>]",
	.tokens = { (void *)&tok_p_port, (void *)&tok_p_id, (void *)&tok_p_dd,
		(void *)&tok_p_replace, (void *)&tok_p_rest, NULL },
};

static void
cmd_swap_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct res_port *r = parsed;
	struct rte_dma_domain_replace_opts o;
	char err[TR_ERRLEN], *argv[MAX_ARGS];
	uint64_t every, count = 0;
	int argc = split(r->rest, argv), rc;

	RTE_SET_USED(cl);
	RTE_SET_USED(data);
	memset(&o, 0, sizeof(o));
	rc = check_port(r->port_id, err);
	if (rc == 0 && argc == 1 && strcmp(argv[0], "stop") == 0) {
		printf("dma_domain: %d schedule(s) stopped\n", tr_sched_stop(r->port_id));
		report(0, err);
		return;
	}
	if (rc == 0 && (argc < 4 || strcmp(argv[2], "every") != 0))
		rc = tr_err(err, "bad arguments: expected '<domA> <domB> every <ms> [count <n>] [strategy <s>]' or 'stop'");
	if (rc == 0)
		rc = tr_parse_u64("period (ms)", argv[3], 0, 3600000, &every, err);
	if (rc == 0)
		rc = tr_parse_swap_opts(argc, argv, 4, true, &count, &o, err);
	if (rc == 0)
		rc = tr_sched_start(r->port_id, argv[0], argv[1], every * 1000000ULL, count, &o,
				err);
	if (rc == 0)
		printf("dma_domain: swapping port %u between %s and %s every %" PRIu64 " ms\n",
			r->port_id, argv[0], argv[1], every);
	report(rc, err);
}

static cmdline_parse_token_string_t tok_p_swap =
	TOKEN_STRING_INITIALIZER(struct res_port, verb, "swap");

static cmdline_parse_inst_t cmd_swap = {
	.f = cmd_swap_parsed,
	.help_str = "port <id> dma_domain swap <domA> <domB> every <ms> [count <n>] [strategy <s>] | stop",
	.tokens = { (void *)&tok_p_port, (void *)&tok_p_id, (void *)&tok_p_dd,
		(void *)&tok_p_swap, (void *)&tok_p_rest, NULL },
};

static void
cmd_stats_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct res_port *r = parsed;
	char err[TR_ERRLEN];

	RTE_SET_USED(cl);
	RTE_SET_USED(data);
	if (check_port(r->port_id, err) < 0) {
		report(-EINVAL, err);
		return;
	}
	tr_swap_show_stats(stdout, r->port_id);
	fflush(stdout);
}

static cmdline_parse_token_string_t tok_p_stats =
	TOKEN_STRING_INITIALIZER(struct res_port, verb, "stats");

static cmdline_parse_inst_t cmd_stats = {
	.f = cmd_stats_parsed,
	.help_str = "port <id> dma_domain stats",
	.tokens = { (void *)&tok_p_port, (void *)&tok_p_id, (void *)&tok_p_dd,
		(void *)&tok_p_stats, NULL },
};

static struct tp_driver_commands tp_cmds = {
	.commands = {
		{ &cmd_create,
		  "dma_domain create <name> [mirror|empty|copy <src>|identity|blocking]\n"
		  "    Create an IOMMU DMA domain (default: mirror of all DPDK memory).\n" },
		{ &cmd_destroy, "dma_domain destroy <name>\n    Destroy a domain no port uses.\n" },
		{ &cmd_show_all, "dma_domain show\n    List DMA domains and the ports on them.\n" },
		{ &cmd_show_one, "dma_domain show <name>\n    Mappings of a domain.\n" },
		{ &cmd_replace,
		  "port <id> dma_domain replace <domain> [quiesce|hitless|remap|restart] [force] [drain] [timeout <us>]\n"
		  "    Move a live port to another DMA domain.\n" },
		{ &cmd_swap,
		  "port <id> dma_domain swap <domA> <domB> every <ms> [count <n>] [strategy <s>]\n"
		  "port <id> dma_domain swap stop\n"
		  "    Swap the port between two domains periodically, or stop.\n" },
		{ &cmd_stats,
		  "port <id> dma_domain stats\n"
		  "    Swaps, failures, rollbacks, faults, pause and switch-call percentiles.\n" },
		{ NULL, NULL },
	},
};

/* The version testpmd's structure was checked against must be the one
 * running (a plugin built for another DPDK would not even link, but an
 * ABI-compatible minor update must not slip through unchecked either).
 */
static bool
version_matches(void)
{
	char want[32];

	snprintf(want, sizeof(want), "DPDK %d.%02d.", RTE_VER_YEAR, RTE_VER_MONTH);
	return strncmp(rte_version(), want, strlen(want)) == 0;
}

RTE_INIT(tp_init)
{
	struct tr_swap_hooks h = { .around = around_swap };

	*(void **)&tp_add_driver_commands = dlsym(RTLD_DEFAULT, "testpmd_add_driver_commands");
	tp_test_done = dlsym(RTLD_DEFAULT, "test_done");
	if (tp_add_driver_commands == NULL) {
		TP_LOG(INFO, "not loaded by dpdk-testpmd (no testpmd_add_driver_commands): no commands added");
		return;
	}
	if (!version_matches()) {
		TP_LOG(ERR, "built for DPDK %d.%02d but running %s: commands not added",
			RTE_VER_YEAR, RTE_VER_MONTH, rte_version());
		return;
	}
	tr_swap_init(&h);
	tp_add_driver_commands(&tp_cmds);
}

RTE_FINI(tp_fini)
{
	if (tp_add_driver_commands != NULL)
		tr_swap_fini();
}
