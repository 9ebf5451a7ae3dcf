/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* Commands on domains, bindings and swaps. */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_dma_domain_soft.h>

#include "tr_app.h"
#include "tr_cmds_int.h"
#include "tr_domain.h"
#include "tr_swap.h"

TR_HANDLER(cmd_domain_create)
{
	int max = argc > 1 && strcmp(argv[1], "copy") == 0 ? 3 : 2, rc;

	if (tr_args_done(argc, argv, max, err) < 0)
		return -EINVAL;
	tr_dom_lock();
	rc = tr_domain_create(argc > 0 ? argv[0] : NULL, argc > 1 ? argv[1] : NULL,
		argc > 2 ? argv[2] : NULL, err);
	tr_dom_unlock();
	if (rc == 0)
		printf("domain %s created\n", argv[0]);
	return rc;
}

TR_HANDLER(cmd_domain_destroy)
{
	int rc;

	if (argc == 0)
		return tr_err(err, "missing domain name: expected an existing domain");
	if (tr_args_done(argc, argv, 1, err) < 0)
		return -EINVAL;
	tr_dom_lock();
	rc = tr_domain_destroy(argv[0], err);
	tr_dom_unlock();
	return rc;
}

static int
parse_access(const char *s, uint32_t *a)
{
	if (strcmp(s, "r") == 0)
		*a = RTE_DMA_DOMAIN_ACCESS_READ;
	else if (strcmp(s, "w") == 0)
		*a = RTE_DMA_DOMAIN_ACCESS_WRITE;
	else if (strcmp(s, "rw") == 0)
		*a = RTE_DMA_DOMAIN_ACCESS_RW;
	else
		return -1;
	return 0;
}

TR_HANDLER(cmd_domain_map)
{
	uint32_t access = RTE_DMA_DOMAIN_ACCESS_RW;
	struct rte_dma_domain *d;
	uint64_t iova, len;
	bool alloc = false;
	int i, rc;

	if (tr_parse_domain(argc > 0 ? argv[0] : NULL, &d, err) < 0 ||
			tr_parse_u64("IOVA", argc > 1 ? argv[1] : NULL, 0, UINT64_MAX,
				&iova, err) < 0 ||
			tr_parse_size("length", argc > 2 ? argv[2] : NULL, 4096, UINT64_MAX,
				&len, err) < 0)
		return -EINVAL;
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "alloc") == 0)
			alloc = true;
		else if (parse_access(argv[i], &access) < 0)
			return tr_err(err, "bad argument '%s': expected r, w, rw or alloc",
				argv[i]);
	}
	tr_dom_lock();
	rc = tr_domain_map(d, iova, len, access, alloc, err);
	tr_dom_unlock();
	return rc;
}

TR_HANDLER(cmd_domain_unmap)
{
	struct rte_dma_domain *d;
	uint64_t iova = 0, len = 0;
	bool all;
	int rc;

	if (tr_parse_domain(argc > 0 ? argv[0] : NULL, &d, err) < 0)
		return -EINVAL;
	all = argc > 1 && strcmp(argv[1], "all") == 0;
	if (!all && (tr_parse_u64("IOVA", argc > 1 ? argv[1] : NULL, 0, UINT64_MAX,
				&iova, err) < 0 ||
			tr_parse_size("length", argc > 2 ? argv[2] : NULL, 1, UINT64_MAX,
				&len, err) < 0))
		return -EINVAL;
	if (tr_args_done(argc, argv, all ? 2 : 3, err) < 0)
		return -EINVAL;
	tr_dom_lock();
	rc = tr_domain_unmap(d, iova, len, all, err);
	tr_dom_unlock();
	return rc;
}

TR_HANDLER(cmd_show_domains)
{
	if (tr_args_done(argc, argv, 0, err) < 0)
		return -EINVAL;
	tr_domain_show_all(stdout);
	return 0;
}

TR_HANDLER(cmd_show_domain)
{
	struct rte_dma_domain *d;

	if (tr_parse_domain(argc > 0 ? argv[0] : NULL, &d, err) < 0 ||
			tr_args_done(argc, argv, 1, err) < 0)
		return -EINVAL;
	tr_domain_show(stdout, d);
	return 0;
}

static int
cov_each(struct rte_dma_domain *d, void *arg)
{
	RTE_SET_USED(arg);
	tr_domain_coverage(stdout, d, tr_app.mp);
	return 0;
}

TR_HANDLER(cmd_show_coverage)
{
	struct rte_dma_domain *d = NULL, *cur;
	const char *devname;
	uint16_t port;

	if (tr_parse_port(argc > 0 ? argv[0] : NULL, &port, err) < 0 ||
			(argc > 1 && tr_parse_domain(argv[1], &d, err) < 0) ||
			tr_args_done(argc, argv, 2, err) < 0)
		return -EINVAL;
	devname = tr_port_devname(port);
	/* binding_domain() takes a NULL binding: no domain */
	cur = rte_dma_domain_binding_domain(rte_dma_domain_binding_lookup(devname));
	printf("port %u (%s) is on domain %s; its packet memory:\n", port, devname,
		cur != NULL ? rte_dma_domain_name(cur) : "-");
	if (d != NULL)
		tr_domain_coverage(stdout, d, tr_app.mp);
	else
		rte_dma_domain_foreach(cov_each, NULL);
	return 0;
}

TR_HANDLER(cmd_port_attach)
{
	struct rte_dma_domain *d;
	uint16_t port;
	int rc;

	if (tr_parse_port(argc > 0 ? argv[0] : NULL, &port, err) < 0 ||
			tr_parse_domain(argc > 1 ? argv[1] : NULL, &d, err) < 0 ||
			tr_args_done(argc, argv, 2, err) < 0)
		return -EINVAL;
	tr_dom_lock();
	rc = tr_port_attach(port, d, err);
	tr_dom_unlock();
	return rc;
}

TR_HANDLER(cmd_port_detach)
{
	uint16_t port;
	int rc;

	if (tr_parse_port(argc > 0 ? argv[0] : NULL, &port, err) < 0 ||
			tr_args_done(argc, argv, 1, err) < 0)
		return -EINVAL;
	if (tr_app.started[port])
		return tr_err(err, "cannot detach port %u: it is started, its device may be doing DMA ('port stop %u' first)",
			port, port);
	tr_dom_lock();
	rc = tr_port_detach(port, err);
	tr_dom_unlock();
	return rc;
}

TR_HANDLER(cmd_port_replace)
{
	struct rte_dma_domain_replace_opts o;
	struct rte_dma_domain_swap_record r;
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain *d;
	uint16_t port;

	memset(&o, 0, sizeof(o));
	if (tr_parse_port(argc > 0 ? argv[0] : NULL, &port, err) < 0 ||
			tr_port_binding(port, &b, err) < 0 ||
			tr_parse_domain(argc > 1 ? argv[1] : NULL, &d, err) < 0 ||
			tr_parse_replace_opts(argc, argv, 2, true, &o, err) < 0)
		return -EINVAL;
	if (tr_swap_now(port, d, &o, err) < 0)
		return -EIO;
	if (rte_dma_domain_last_swap(b, &r) == 0)
		printf("port %u: %s -> %s (%s) pause %.1f us, switch %.1f us, faults %" PRIu64 "\n",
			port, r.from, r.to, rte_dma_domain_strategy_name(r.strategy),
			r.pause_ns / 1e3, r.switch_ns / 1e3, r.faults);
	return 0;
}

TR_HANDLER(cmd_swap)
{
	struct rte_dma_domain_replace_opts o;
	struct rte_dma_domain *a, *b;
	uint64_t every, count = 0;
	uint16_t port;

	memset(&o, 0, sizeof(o));
	if (tr_parse_port(argc > 0 ? argv[0] : NULL, &port, err) < 0 ||
			tr_parse_domain(argc > 1 ? argv[1] : NULL, &a, err) < 0 ||
			tr_parse_domain(argc > 2 ? argv[2] : NULL, &b, err) < 0)
		return -EINVAL;
	if (argc < 4)
		return tr_err(err, "missing period: expected 'every <ms>' after the two domains");
	if (strcmp(argv[3], "every") != 0)
		return tr_err(err, "bad keyword '%s': expected 'every <ms>' after the two domains",
			argv[3]);
	if (tr_parse_u64("period (ms)", argc > 4 ? argv[4] : NULL, 0, 3600000, &every, err) < 0)
		return -EINVAL;
	if (tr_parse_swap_opts(argc, argv, 5, false, &count, &o, err) < 0)
		return -EINVAL;
	if (tr_sched_start(port, argv[1], argv[2], every * 1000000ULL, count, &o, err) < 0)
		return -EINVAL;
	printf("swapping port %u between %s and %s every %" PRIu64 " ms (%s, %s)\n", port,
		argv[1], argv[2], every, rte_dma_domain_strategy_name(o.strategy),
		count ? "counted" : "until 'swap stop'");
	return 0;
}

/* [<port>|all] as the only argument: the port, or -1 for all. */
static int
parse_port_filter(int argc, char **argv, int *port_arg, char *err)
{
	uint16_t port;

	*port_arg = -1;
	if (argc > 0 && strcmp(argv[0], "all") != 0) {
		if (tr_parse_port(argv[0], &port, err) < 0)
			return -EINVAL;
		*port_arg = port;
	}
	return tr_args_done(argc, argv, 1, err);
}

TR_HANDLER(cmd_swap_stop)
{
	int port_arg;

	if (parse_port_filter(argc, argv, &port_arg, err) < 0)
		return -EINVAL;
	printf("%d schedule(s) stopped\n", tr_sched_stop(port_arg));
	return 0;
}

TR_HANDLER(cmd_show_swap_stats)
{
	int port_arg;

	if (parse_port_filter(argc, argv, &port_arg, err) < 0)
		return -EINVAL;
	tr_swap_show_stats(stdout, port_arg);
	return 0;
}

struct log_arg {
	uint64_t skip, i;
};

static void
log_one(const struct tr_swap_entry *e, void *arg)
{
	struct log_arg *l = arg;

	if (l->i++ < l->skip)
		return;
	printf("  %9.3f ms port %u %-8s %s -> %s: %s pause %.1f us switch %.1f us faults %" PRIu64 "%s%s\n",
		e->t_ns / 1e6, e->port, rte_dma_domain_strategy_name(e->rec.strategy),
		e->rec.from, e->rec.to, e->rc == 0 ? "ok" : strerror(-e->rc),
		e->rec.pause_ns / 1e3, e->rec.switch_ns / 1e3, e->rec.faults,
		e->rec.rolled_back ? " rolled-back" : "", e->rec.reason[0] ? " " : "");
	if (e->rec.reason[0])
		printf("      reason: %s\n", e->rec.reason);
}

TR_HANDLER(cmd_show_swap_log)
{
	uint64_t n = 10, total, ok, failed, rb, faults;
	struct log_arg l = { 0, 0 };

	if ((argc > 0 && tr_parse_u64("count", argv[0], 1, UINT32_MAX, &n, err) < 0) ||
			tr_args_done(argc, argv, 1, err) < 0)
		return -EINVAL;
	tr_swap_counts(&total, &ok, &failed, &rb, &faults);
	total -= tr_swap_dropped(); /* records still in the window */
	l.skip = total > n ? total - n : 0;
	if (n > total && tr_swap_dropped() > 0)
		printf("  (%" PRIu64 " older record(s) not kept: only the last %" PRIu64
			" are, see --swap-log; the summaries count all)\n",
			tr_swap_dropped(), total);
	tr_swap_foreach(log_one, &l);
	return 0;
}

TR_HANDLER(cmd_set_iommu)
{
	struct rte_dma_domain_soft_config c;
	uint64_t win;
	int rc;

	rte_dma_domain_soft_config_get(&c);
	if (argc == 0 || (strcmp(argv[0], "atomic") != 0 && strcmp(argv[0], "vtd") != 0))
		return tr_err(err, "bad model '%s': expected atomic or vtd", argc ? argv[0] : "");
	c.model = strcmp(argv[0], "vtd") == 0 ? RTE_DMA_DOMAIN_SOFT_REPLACE_VTD :
		RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC;
	if (argc > 1) {
		if (strcmp(argv[1], "window") != 0)
			return tr_err(err, "bad keyword '%s': expected 'window <us>'", argv[1]);
		if (tr_parse_u64("window (us)", argc > 2 ? argv[2] : NULL, 0, 1000000,
				&win, err) < 0)
			return -EINVAL;
		c.vtd_window_ns = win * 1000;
	}
	if (tr_args_done(argc, argv, argc > 1 ? 3 : 1, err) < 0)
		return -EINVAL;
	tr_dom_lock();
	rc = rte_dma_domain_soft_configure(&c);
	tr_dom_unlock();
	if (rc < 0)
		return tr_err(err, "cannot set the soft IOMMU model: %s", strerror(-rc));
	return 0;
}

TR_HANDLER(cmd_show_faults)
{
	struct rte_dma_domain_soft_fault f[64];
	uint64_t n = 10;
	unsigned int i, got;

	if ((argc > 0 && tr_parse_u64("count", argv[0], 1, RTE_DIM(f), &n, err) < 0) ||
			tr_args_done(argc, argv, 1, err) < 0)
		return -EINVAL;
	got = rte_dma_domain_soft_fault_log(NULL, f, (unsigned int)n);
	printf("DMA faults: %" PRIu64 " in total, last %u:\n",
		rte_dma_domain_soft_fault_count(NULL), got);
	for (i = 0; i < got; i++)
		printf("  %-8s iova 0x%" PRIx64 " %s domain '%s': %s\n", f[i].device, f[i].iova,
			f[i].access & RTE_DMA_DOMAIN_ACCESS_WRITE ? "write" : "read",
			f[i].domain, strerror(-f[i].reason));
	return 0;
}

TR_HANDLER(cmd_wait_swaps)
{
	uint64_t ms = 600000;

	if (argc > 0) {
		if (strcmp(argv[0], "timeout") != 0)
			return tr_err(err, "bad keyword '%s': expected 'timeout <ms>'", argv[0]);
		if (tr_parse_u64("timeout (ms)", argc > 1 ? argv[1] : NULL, 1, 3600000,
				&ms, err) < 0)
			return -EINVAL;
	}
	if (tr_args_done(argc, argv, argc ? 2 : 0, err) < 0)
		return -EINVAL;
	for (; ms > 0 && !tr_interrupted; ms -= RTE_MIN(ms, (uint64_t)100))
		if (tr_sched_wait(RTE_MIN(ms, (uint64_t)100) * 1000000ULL) == 0)
			return 0;
	if (tr_interrupted)
		return tr_err(err, "interrupted while periodic swaps run");
	return tr_err(err, "periodic swaps still running after the timeout");
}

TR_HANDLER(cmd_clear_swaps)
{
	if (tr_args_done(argc, argv, 0, err) < 0)
		return -EINVAL;
	if (tr_swap_clear() < 0)
		return tr_err(err, "cannot clear swap records while periodic swaps run ('swap stop' first)");
	return 0;
}
