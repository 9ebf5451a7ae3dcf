/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Fuzzer of dpdk-test-replace's command and script parser: the real
 * tr_cmd_script() / tr_cmd_exec() (tr_cmds.c: comments, words, command
 * lookup, the errors for unknown and incomplete commands, help, echo,
 * quit, wait) and the argument parsers of tr_util.c. The handlers that
 * need EAL and ports are replaced here by stubs that parse their
 * arguments the way the real ones do (tr_cmd_domain.c, tr_cmd_traffic.c)
 * and stop before acting; tr_parse_port() is skipped (no ports without
 * EAL). Numbers accepted must match a reference parser: decimal, or hex
 * with 0x; K/M/G sizes without overflow; the value in range.
 *
 * Input: a script (lines of commands), run with --keep-going.
 */

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_log.h>

#include "tr_app.h"
#include "tr_cmds_int.h"
#include "th.h"
#include "fuzz_entry.h"

struct tr_app tr_app;
volatile sig_atomic_t tr_interrupted;

/* ---- reference number grammar ---------------------------------------- */

/* Decimal, or hex after 0x/0X; no sign, no spaces; false on overflow. */
static bool
ref_num(const char *s, uint64_t *v, const char **end)
{
	unsigned int base = 10, d;
	const char *p = s;

	*v = 0;
	if ((p[0] == '0') && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		base = 16;
		p += 2;
	}
	if (!isxdigit((unsigned char)*p) || (base == 10 && !isdigit((unsigned char)*p)))
		return false;
	for (; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p))
			d = (unsigned int)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned int)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (*v > (UINT64_MAX - d) / base)
			return false;
		*v = *v * base + d;
	}
	*end = p;
	return true;
}

static void
check_u64(const char *what, const char *s, uint64_t min, uint64_t max, int rc, uint64_t v)
{
	const char *end;
	uint64_t r = 0;
	bool ok = s != NULL && ref_num(s, &r, &end) && *end == '\0' && r >= min && r <= max;

	if ((rc == 0) != ok || (ok && v != r))
		TH_ABORT("%s '%s' in [%" PRIu64 ", %" PRIu64 "]: parser rc %d value %" PRIu64
			", reference %s %" PRIu64, what, s ? s : "(none)", min, max, rc, v,
			ok ? "accepts" : "refuses", r);
}

static void
check_size(const char *what, const char *s, uint64_t min, uint64_t max, int rc, uint64_t v)
{
	uint64_t r = 0, mul = 1;
	const char *end;
	bool ok = s != NULL && ref_num(s, &r, &end);

	if (ok) {
		switch (*end) {
		case 'k':
		case 'K':
			mul = 1ULL << 10;
			end++;
			break;
		case 'm':
		case 'M':
			mul = 1ULL << 20;
			end++;
			break;
		case 'g':
		case 'G':
			mul = 1ULL << 30;
			end++;
			break;
		}
		ok = *end == '\0' && (r == 0 || mul <= UINT64_MAX / r);
		if (ok) {
			r *= mul;
			ok = r >= min && r <= max;
		}
	}
	if ((rc == 0) != ok || (ok && v != r))
		TH_ABORT("%s '%s': parser rc %d value %" PRIu64 ", reference %s %" PRIu64,
			what, s ? s : "(none)", rc, v, ok ? "accepts" : "refuses", r);
}

static int
u64(const char *what, const char *s, uint64_t min, uint64_t max, char *err)
{
	uint64_t v = 0;
	int rc = tr_parse_u64(what, s, min, max, &v, err);

	check_u64(what, s, min, max, rc, v);
	if (rc < 0 && err[0] == '\0')
		TH_ABORT("%s '%s' refused without an error message", what, s ? s : "(none)");
	return rc;
}

static int
size(const char *what, const char *s, uint64_t min, uint64_t max, char *err)
{
	uint64_t v = 0;
	int rc = tr_parse_size(what, s, min, max, &v, err);

	check_size(what, s, min, max, rc, v);
	return rc;
}

#define ARG(i) (argc > (i) ? argv[(i)] : NULL)

/* ---- handler stubs: their argument parsing, nothing else ------------- */

/* The handlers whose arguments the fuzzer does not parse. */
static int
stub(int argc, char **argv, char *err)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	RTE_SET_USED(err);
	return 0;
}

TR_HANDLER(cmd_domain_create)
{
	RTE_SET_USED(argv);
	return argc < 1 ? tr_err(err, "missing name") : 0;
}

TR_HANDLER(cmd_domain_destroy)
{
	struct rte_dma_domain *d;

	return tr_parse_domain(ARG(0), &d, err);
}

TR_HANDLER(cmd_domain_map)
{
	struct rte_dma_domain *d;

	if (tr_parse_domain(ARG(0), &d, err) < 0 ||
			u64("IOVA", ARG(1), 0, UINT64_MAX, err) < 0 ||
			size("length", ARG(2), 4096, UINT64_MAX, err) < 0)
		return -EINVAL;
	return 0;
}

TR_HANDLER(cmd_domain_unmap)
{
	struct rte_dma_domain *d;

	if (tr_parse_domain(ARG(0), &d, err) < 0)
		return -EINVAL;
	if (argc > 1 && strcmp(argv[1], "all") == 0)
		return tr_args_done(argc, argv, 2, err);
	if (u64("IOVA", ARG(1), 0, UINT64_MAX, err) < 0 ||
			size("length", ARG(2), 1, UINT64_MAX, err) < 0)
		return -EINVAL;
	return tr_args_done(argc, argv, 3, err);
}

TR_HANDLER(cmd_port_replace)
{
	struct rte_dma_domain_replace_opts o = { 0 };
	struct rte_dma_domain *d;

	if (tr_parse_domain(ARG(1), &d, err) < 0 ||
			tr_parse_replace_opts(argc, argv, 2, true, &o, err) < 0)
		return -EINVAL;
	if (o.timeout_us > 60000000)
		TH_ABORT("timeout %u accepted", o.timeout_us);
	return 0;
}

TR_HANDLER(cmd_swap)
{
	struct rte_dma_domain_replace_opts o = { 0 };
	uint64_t count = 0;

	if (argc > 3 && strcmp(argv[3], "every") == 0 &&
			u64("period (ms)", ARG(4), 0, 3600000, err) < 0)
		return -EINVAL;
	if (tr_parse_swap_opts(argc, argv, 5, false, &count, &o, err) < 0)
		return -EINVAL;
	if (count > UINT32_MAX)
		TH_ABORT("count %" PRIu64 " accepted", count);
	return 0;
}

TR_HANDLER(cmd_show_swap_log)
{
	return argc > 0 ? u64("count", argv[0], 1, UINT32_MAX, err) : 0;
}

TR_HANDLER(cmd_show_faults)
{
	return argc > 0 ? u64("count", argv[0], 1, 64, err) : 0;
}

TR_HANDLER(cmd_set_iommu)
{
	return argc > 2 ? u64("window (us)", argv[2], 0, 1000000, err) : 0;
}

TR_HANDLER(cmd_wait_swaps)
{
	return argc > 1 ? u64("timeout (ms)", argv[1], 1, 3600000, err) : 0;
}

TR_HANDLER(cmd_set_burst) { return u64("burst", ARG(0), 1, 256, err); }
TR_HANDLER(cmd_set_pktlen) { return u64("pktlen", ARG(0), 60, 9000, err); }
TR_HANDLER(cmd_set_pattern)
{
	return argc > 0 && strcmp(argv[0], "inc") != 0 ? u64("pattern", argv[0], 0, 255, err) : 0;
}
TR_HANDLER(cmd_set_rate)
{
	return argc > 0 && strcmp(argv[0], "max") != 0 ?
		u64("rate", argv[0], 1, UINT32_MAX, err) : 0;
}
TR_HANDLER(cmd_set_txfirst) { return u64("txfirst", ARG(0), 0, 1024, err); }

TR_HANDLER(cmd_show_domains) { return stub(argc, argv, err); }
TR_HANDLER(cmd_show_domain) { return stub(argc, argv, err); }
TR_HANDLER(cmd_show_coverage) { return stub(argc, argv, err); }
TR_HANDLER(cmd_port_attach) { return stub(argc, argv, err); }
TR_HANDLER(cmd_port_detach) { return stub(argc, argv, err); }
TR_HANDLER(cmd_port_inject) { return stub(argc, argv, err); }
TR_HANDLER(cmd_swap_stop) { return stub(argc, argv, err); }
TR_HANDLER(cmd_show_swap_stats) { return stub(argc, argv, err); }
TR_HANDLER(cmd_clear_swaps) { return stub(argc, argv, err); }
TR_HANDLER(cmd_port_start) { return stub(argc, argv, err); }
TR_HANDLER(cmd_port_stop) { return stub(argc, argv, err); }
TR_HANDLER(cmd_show_ports) { return stub(argc, argv, err); }
TR_HANDLER(cmd_show_port_stats) { return stub(argc, argv, err); }
TR_HANDLER(cmd_show_verify) { return stub(argc, argv, err); }
TR_HANDLER(cmd_set_fwd) { return stub(argc, argv, err); }
TR_HANDLER(cmd_set_ports) { return stub(argc, argv, err); }
TR_HANDLER(cmd_start) { return stub(argc, argv, err); }
TR_HANDLER(cmd_stop) { return stub(argc, argv, err); }
TR_HANDLER(cmd_clear_stats) { return stub(argc, argv, err); }
TR_HANDLER(cmd_expect) { return stub(argc, argv, err); }

/* What tr_cmds.c calls besides the handlers. */
int
tr_report_write_json(const char *path, char *err)
{
	RTE_SET_USED(path);
	return tr_err(err, "no report in the fuzz harness");
}

void
tr_report_progress_break(void)
{
}

/* tr_cmds.c's 'wait' sleeps through tr_sleep_ns (linked with --wrap). */
void __wrap_tr_sleep_ns(uint64_t ns);
void
__wrap_tr_sleep_ns(uint64_t ns)
{
	RTE_SET_USED(ns);
}

/* ---- libFuzzer entry points ------------------------------------------- */


static int script_fd = -1;
static char script_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	rte_log_set_global_level(RTE_LOG_CRIT);
	/* a domain for the commands that name one */
	if (rte_dma_domain_create(rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT), "d1",
			RTE_DMA_DOMAIN_PAGING, 0) == NULL)
		abort();
	script_fd = memfd_create("fuzz-script", 0);
	if (script_fd < 0)
		abort();
	snprintf(script_path, sizeof(script_path), "/proc/self/fd/%d", script_fd);
	/* the commands print: keep the run fast */
	if (getenv("FUZZ_CLI_VERBOSE") == NULL && freopen("/dev/null", "w", stdout) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	if (ftruncate(script_fd, 0) != 0 || pwrite(script_fd, data, size, 0) != (ssize_t)size)
		abort();
	memset(&tr_app, 0, sizeof(tr_app));
	tr_app.opts.keep_going = true;
	tr_app.opts.echo = true;
	tr_cmd_script(script_path);
	return 0;
}
