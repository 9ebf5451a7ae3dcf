/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#include <errno.h>
#include <string.h>

#include "tr_app.h"
#include "tr_cmds_int.h"
#include "tr_swap.h"

#define MAX_ARGS 32
#define MAX_WORDS 4

static TR_HANDLER(cmd_help);
static TR_HANDLER(cmd_quit);
static TR_HANDLER(cmd_wait);
static TR_HANDLER(cmd_echo);
static TR_HANDLER(cmd_report);

const struct tr_cmd tr_cmds[] = {
	{ "domain create", "<name> [mirror|empty|copy <src>|identity|blocking]",
		"create a domain (default: mirror of all DPDK memory)", cmd_domain_create },
	{ "domain destroy", "<name>", "destroy a domain no port is attached to",
		cmd_domain_destroy },
	{ "domain map", "<name> <iova> <len> [r|w|rw] [alloc]",
		"map a range: the DPDK memory at that IOVA, or new memory with 'alloc'",
		cmd_domain_map },
	{ "domain unmap", "<name> <iova> <len> | <name> all", "unmap whole mappings",
		cmd_domain_unmap },
	{ "show domains", "", "list domains with mapped bytes and attached ports",
		cmd_show_domains },
	{ "show domain", "<name>", "the mappings of a domain", cmd_show_domain },
	{ "show coverage", "<port> [<domain>]",
		"is the port's packet memory mapped in a domain (default: every domain)",
		cmd_show_coverage },
	{ "show ports", "", "ports, devices, bindings and domains", cmd_show_ports },
	{ "show port stats", "[<port>|all]", "ethdev and traffic counters", cmd_show_port_stats },
	{ "show swap stats", "[<port>|all]",
		"swaps, failures, rollbacks, faults, pause and switch-call percentiles",
		cmd_show_swap_stats },
	{ "show swap log", "[<n>]", "the last n swap records (default 10)", cmd_show_swap_log },
	{ "show verify", "", "sent, received, lost, duplicated, reordered, corrupted",
		cmd_show_verify },
	{ "show faults", "[<n>]", "the soft IOMMU's last n DMA faults (default 10)",
		cmd_show_faults },
	{ "port start", "<port>|all", "start a port", cmd_port_start },
	{ "port stop", "<port>|all", "stop a port (not while traffic polls it)", cmd_port_stop },
	{ "port attach", "<port> <domain>", "attach a detached port to a domain", cmd_port_attach },
	{ "port detach", "<port>", "detach a stopped port from its domain", cmd_port_detach },
	{ "port replace", "<port> <domain> [<strategy>] [force] [drain] [timeout <us>]",
		"move a live port to another domain (strategy quiesce|hitless|remap|restart)",
		cmd_port_replace },
	{ "port inject", "<port> coverage|ack|quiesce|switch|fault|resume|switch_back|rollback",
		"make the next replace of the port fail at that step (tests)", cmd_port_inject },
	{ "swap stop", "[<port>|all]", "stop periodic swaps", cmd_swap_stop },
	{ "swap", "<port> <domA> <domB> every <ms> [count <n>] [strategy <s>] [force] [drain] [timeout <us>]",
		"swap the port between two domains periodically (control thread)", cmd_swap },
	{ "set fwd", "txonly|io|rxonly", "forwarding mode", cmd_set_fwd },
	{ "set ports", "<p>[,<p>...]|all", "ports the forwarding lcore polls", cmd_set_ports },
	{ "set burst", "<1-256>", "packets per burst", cmd_set_burst },
	{ "set pktlen", "<60-9000>", "frame length (bytes, no CRC)", cmd_set_pktlen },
	{ "set pattern", "<0-255>|inc", "payload byte, or incrementing bytes", cmd_set_pattern },
	{ "set rate", "<packets/s>|max", "txonly: send rate per port (default max)", cmd_set_rate },
	{ "set txfirst", "<n>", "io mode: bursts sent per port at start", cmd_set_txfirst },
	{ "set iommu", "atomic|vtd [window <us>]", "replace model of the soft IOMMU",
		cmd_set_iommu },
	{ "start", "", "start traffic", cmd_start },
	{ "stop", "", "stop traffic (drains what is in flight)", cmd_stop },
	{ "wait swaps", "[timeout <ms>]", "wait until periodic swaps are done", cmd_wait_swaps },
	{ "wait", "<ms>", "sleep (traffic and swaps go on)", cmd_wait },
	{ "clear stats", "", "reset traffic counters and verification (traffic stopped)",
		cmd_clear_stats },
	{ "clear swaps", "", "forget swap records (no periodic swap running)", cmd_clear_swaps },
	{ "expect", "<metric> ==|!=|<|<=|>|>= <value>",
		"fail the script unless the metric compares true (see 'help expect')", cmd_expect },
	{ "report", "[<file.json>]", "write the JSON report now (default: --json)", cmd_report },
	{ "echo", "<text>", "print text", cmd_echo },
	{ "help", "[<command>]", "this list, or the commands starting with the words", cmd_help },
	{ "quit", "", "exit (writes the report)", cmd_quit },
	{ NULL, NULL, NULL, NULL },
};

static int
split_words(const char *s, char *buf, size_t len, char **w, int max)
{
	int n = 0;
	char *p;

	strlcpy(buf, s, len);
	for (p = strtok(buf, " \t\r\n"); p != NULL && n < max; p = strtok(NULL, " \t\r\n"))
		w[n++] = p;
	return n;
}

/* Number of leading words of command c that argv matches (all or some). */
static int
match_words(const struct tr_cmd *c, int argc, char **argv, int *nb_words)
{
	char buf[64], *w[MAX_WORDS];
	int n = split_words(c->words, buf, sizeof(buf), w, MAX_WORDS), k;

	for (k = 0; k < n && k < argc; k++)
		if (strcmp(w[k], argv[k]) != 0)
			break;
	*nb_words = n;
	return k;
}

/* Is word in the ", "-separated list? */
static bool
listed(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = strstr(list, word); p != NULL; p = strstr(p + 1, word))
		if ((p == list || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* Error for a line no command matches: say which word is wrong and list
 * what could come there.
 */
static int
no_such_command(int argc, char **argv, char *err)
{
	const struct tr_cmd *c;
	char expected[512] = "";
	size_t off = 0;
	int best = 0, k, nw;

	for (c = tr_cmds; c->words != NULL; c++) {
		k = match_words(c, argc, argv, &nw);
		best = RTE_MAX(best, k);
	}
	for (c = tr_cmds; c->words != NULL; c++) {
		char buf[64], *w[MAX_WORDS];
		int n;

		if (match_words(c, argc, argv, &nw) != best || nw <= best)
			continue;
		n = split_words(c->words, buf, sizeof(buf), w, MAX_WORDS);
		if (n > best && !listed(expected, w[best]) && off < sizeof(expected))
			off += snprintf(expected + off, sizeof(expected) - off, "%s%s",
				off ? ", " : "", w[best]);
	}
	if (best == 0)
		return tr_err(err, "unknown command '%s': expected one of %s (try 'help')",
			argv[0], expected);
	if (best >= argc)
		return tr_err(err, "incomplete command '%s': expected one of %s after it",
			argv[argc - 1], expected);
	return tr_err(err, "unknown '%s' subcommand '%s': expected one of %s",
		argv[best - 1], argv[best], expected);
}

static int
exec_argv(int argc, char **argv, char *err)
{
	const struct tr_cmd *c, *best = NULL;
	int best_n = 0, nw;

	for (c = tr_cmds; c->words != NULL; c++) {
		int k = match_words(c, argc, argv, &nw);

		if (k == nw && nw > best_n) {
			best = c;
			best_n = nw;
		}
	}
	if (best == NULL)
		return no_such_command(argc, argv, err);
	return best->fn(argc - best_n, argv + best_n, err);
}

int
tr_cmd_exec(const char *line)
{
	char buf[4096], tok[4096], *argv[MAX_ARGS + 1], err[TR_ERRLEN] = "";
	char *hash;
	int argc, rc;

	strlcpy(buf, line, sizeof(buf));
	hash = strchr(buf, '#');
	if (hash != NULL)
		*hash = '\0';
	argc = split_words(buf, tok, sizeof(tok), argv, MAX_ARGS + 1);
	if (argc == 0)
		return 0;
	if (argc > MAX_ARGS)
		rc = tr_err(err, "too many arguments: at most %d", MAX_ARGS);
	else
		rc = exec_argv(argc, argv, err);
	if (rc < 0) {
		printf("error: %s\n", err[0] ? err : strerror(-rc));
		tr_app.errors++;
	}
	fflush(stdout);
	return rc;
}

int
tr_cmd_script(const char *path)
{
	char line[4096];
	unsigned int lineno = 0, failed = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		int e = errno;

		printf("error: cannot open script '%s': %s\n", path, strerror(e));
		return -e;
	}
	while (!tr_app.quit && !tr_interrupted && fgets(line, sizeof(line), f) != NULL) {
		char *p = line;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '\n' || *p == '#')
			continue;
		tr_report_progress_break();
		if (tr_app.opts.echo)
			printf("test-replace> %s%s", p, strchr(p, '\n') ? "" : "\n");
		if (tr_cmd_exec(p) < 0) {
			failed++;
			printf("%s:%u: command failed\n", path, lineno);
			if (!tr_app.opts.keep_going)
				break;
		}
	}
	fclose(f);
	return (int)failed;
}

static void
help_expect(void)
{
	printf("metrics of 'expect':\n"
		"  verify.sent verify.received verify.lost verify.duplicated\n"
		"  verify.reordered verify.corrupted verify.gaps\n"
		"  swaps.total swaps.ok swaps.failed swaps.rollbacks swaps.faults\n"
		"  <strategy>.swaps|failures|rollbacks|faults|lost|pause_p50_us|pause_p99_us|pause_max_us\n"
		"  port.<id>.rx port.<id>.tx   faults (soft IOMMU fault log, all devices)\n"
		"  port.<id>.dropped (imissed + oerrors)  port.<id>.resets (recoveries)\n"
		"  ports.dropped ports.resets (all ports)\n");
}

static TR_HANDLER(cmd_help)
{
	const struct tr_cmd *c;
	int nw, shown = 0;

	RTE_SET_USED(err);
	if (argc == 1 && strcmp(argv[0], "expect") == 0)
		help_expect();
	for (c = tr_cmds; c->words != NULL; c++) {
		if (argc > 0 && match_words(c, argc, argv, &nw) < RTE_MIN(argc, nw))
			continue;
		printf("  %s %s\n      %s\n", c->words, c->args, c->help);
		shown++;
	}
	if (shown == 0)
		return tr_err(err, "bad help topic '%s': no command starts with it", argv[0]);
	if (argc == 0)
		printf("Arguments: <port> is an ethdev port id; sizes take K/M/G; '#' starts a comment.\n");
	return 0;
}

static TR_HANDLER(cmd_quit)
{
	if (tr_args_done(argc, argv, 0, err) < 0)
		return -EINVAL;
	tr_app.quit = true;
	return 0;
}

static TR_HANDLER(cmd_wait)
{
	uint64_t ms;

	if (tr_parse_u64("time", argc > 0 ? argv[0] : NULL, 0, 3600000, &ms, err) < 0 ||
			tr_args_done(argc, argv, 1, err) < 0)
		return -EINVAL;
	/* in slices, so that ^C ends a long wait */
	for (; ms > 0 && !tr_interrupted; ms -= RTE_MIN(ms, (uint64_t)10))
		tr_sleep_ns(RTE_MIN(ms, (uint64_t)10) * 1000000ULL);
	return 0;
}

static TR_HANDLER(cmd_echo)
{
	int i;

	RTE_SET_USED(err);
	for (i = 0; i < argc; i++)
		printf("%s%s", i ? " " : "", argv[i]);
	printf("\n");
	return 0;
}

static TR_HANDLER(cmd_report)
{
	const char *path = argc > 0 ? argv[0] : tr_app.opts.json;
	int rc;

	if (tr_args_done(argc, argv, 1, err) < 0)
		return -EINVAL;
	if (path == NULL)
		return tr_err(err, "missing report file: expected a path (or run with --json FILE)");
	rc = tr_report_write_json(path, err);
	if (rc < 0)
		return rc;
	printf("report written to %s\n", path);
	return 0;
}
