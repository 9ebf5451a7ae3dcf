/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef VT_FAULT_CASES_H
#define VT_FAULT_CASES_H

/*
 * The fault-injection matrix's one case table: a failure at each step of
 * a swap (rows) x strategy (columns), how it is caused and what the swap
 * must answer. Used by both backends' checkers: tests/virtio/
 * test_virtio_faults.c (soft) and tests/vm/vm_fault_matrix.c (kernel,
 * through fi_how_get(), which answers n/a for hitless there). The table
 * is in doc/guides/design.rst, "Fault-Injection Matrix".
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include <rte_dma_domain.h>
#include <dma_domain_test.h>
#include <rte_pmd_virtio_iommufd.h>

/* The PMD's injections fire on this queue handle: tx queue 0. */
#define FI_PMD_QID 1

enum { S_QUIESCE, S_HITLESS, S_REMAP, S_RESTART, S_NB };

static const char *const strategy_names[S_NB] = { "quiesce", "hitless", "remap", "restart" };
static const enum rte_dma_domain_strategy strategies[S_NB] = {
	RTE_DMA_DOMAIN_STRATEGY_QUIESCE, RTE_DMA_DOMAIN_STRATEGY_HITLESS,
	RTE_DMA_DOMAIN_STRATEGY_REMAP, RTE_DMA_DOMAIN_STRATEGY_RESTART,
};

#define NO_PMD (-1)

/* How a step fails under one strategy, and what the swap must say. */
struct fi_how {
	int rc;            /* expected result; 0: the strategy has no such step */
	const char *cause; /* in the swap record's reason; n/a: why not */
	enum rte_dma_domain_inject lib; /* library injection point */
	int pmd;           /* PMD injection point (on FI_PMD_QID), or NO_PMD */
};

struct fi_case {
	const char *step;
	bool stall;        /* a real stalled poller, no injection */
	struct fi_how how[S_NB];
};

#define LIB(rc, cause, at) { rc, cause, RTE_DMA_DOMAIN_INJECT_##at, NO_PMD }
#define PMD(rc, cause, at) { rc, cause, RTE_DMA_DOMAIN_INJECT_NONE, \
	RTE_PMD_VIRTIO_IOMMUFD_INJECT_##at }
#define STALL(rc, cause) { rc, cause, RTE_DMA_DOMAIN_INJECT_NONE, NO_PMD }
#define NA(why) { 0, why, RTE_DMA_DOMAIN_INJECT_NONE, NO_PMD }

static const struct fi_case fi_cases[] = {
	{ "coverage", false, {
		LIB(-ERANGE, "(injected); nothing changed", COVERAGE),
		LIB(-ERANGE, "(injected); nothing changed", COVERAGE),
		LIB(-ERANGE, "(injected); nothing changed", COVERAGE),
		LIB(-ERANGE, "(injected); nothing changed", COVERAGE) } },
	{ "ack timeout (poller stalled)", true, {
		STALL(-ETIMEDOUT, "did not acknowledge the pause"),
		STALL(-ETIMEDOUT, "did not acknowledge the grace period"),
		STALL(-ETIMEDOUT, "did not acknowledge the pause"),
		STALL(-ETIMEDOUT, "did not acknowledge the pause") } },
	{ "driver quiesce", false, {
		LIB(-EIO, "could not quiesce queue 0: Input/output error (injected)", QUIESCE),
		NA("hitless does not quiesce: it switches under live DMA"),
		LIB(-EIO, "could not quiesce queue 0: Input/output error (injected)", QUIESCE),
		LIB(-EIO, "port stop failed: Input/output error (injected)", QUIESCE) } },
	{ "queue reset timeout", false, {
		PMD(-ETIMEDOUT,
			"could not quiesce queue 1: the device did not confirm the queue stop in time",
			RESET_TIMEOUT),
		NA("hitless resets no queue"),
		PMD(-ETIMEDOUT,
			"could not quiesce queue 1: the device did not confirm the queue stop in time",
			RESET_TIMEOUT),
		NA("restart stops the port: no queue reset") } },
	{ "switch", false, {
		LIB(-EIO, "switch call failed: Input/output error (injected)", SWITCH),
		LIB(-EIO, "switch call failed: Input/output error (injected)", SWITCH),
		LIB(-EIO, "failed: Input/output error (injected); mappings restored", SWITCH),
		LIB(-EIO, "failed: Input/output error (injected); rolled back", SWITCH) } },
	{ "fault after switch", false, {
		LIB(-EIO, "fault(s) across the switch", FAULT),
		LIB(-EIO, "fault(s) across the switch", FAULT),
		LIB(-EIO, "fault(s) across the switch", FAULT),
		LIB(-EIO, "fault(s) across the switch", FAULT) } },
	{ "driver resume", false, {
		PMD(-EIO, "could not resume queue 1: Input/output error", RESUME_SETUP),
		NA("hitless does not pause: no resume step"),
		PMD(-EIO, "could not resume queue 1: Input/output error", RESUME_SETUP),
		PMD(-EIO, "port start on", START_SETUP) } },
};

/* The cell (c, strategy s) on the soft (kernel false) or kernel backend. */
static inline const struct fi_how *
fi_how_get(const struct fi_case *c, unsigned int s, bool kernel)
{
	static const struct fi_how kernel_hitless = NA("the kernel backend's replace is not "
		"atomic on VT-d: hitless is refused unless forced, and forced it faults "
		"(vm-pmd-hitless)");

	if (kernel && s == S_HITLESS)
		return &kernel_hitless;
	return &c->how[s];
}

/*
 * The domains of a matrix run: d[0], d[2] show the marker IOVA on page 0,
 * d[1] on page 1; cur is the page the device sees now. Non-remap
 * strategies move the binding between d[0] and d[1] (the binding is on
 * d[cur]). REMAP rewrites the domain the device is on (always d[0]) with
 * the target's table: d[1] (page 1), then d[2] (page 0), and so on.
 */
static inline struct rte_dma_domain *
fi_target_of(struct rte_dma_domain *const d[3], unsigned int cur, unsigned int s)
{
	if (s == S_REMAP)
		return cur == 0 ? d[1] : d[2];
	return d[1 - cur];
}

/* The domain the binding is on before a swap (see fi_target_of()). */
static inline struct rte_dma_domain *
fi_home_of(struct rte_dma_domain *const d[3], unsigned int cur, unsigned int s)
{
	return s == S_REMAP ? d[0] : d[cur];
}

/* What one cell did, for the table. */
struct fi_result {
	const char *outcome; /* "rolled back", "failed, nothing changed", "n/a", "FAIL" */
	int rc;
	const char *dom_after; /* by the model's translation: "old", "new", "none" */
	long leaked;
	char reason[128];
};

/*
 * The start of cell (c, strategy s) of either backend: r cleared, what
 * names the cell ("step/strategy"). True when the strategy has no such
 * step: r says n/a and why (printed), the cell is done.
 */
static inline bool
fi_cell_na(const struct fi_case *c, unsigned int s, const struct fi_how *h,
	struct fi_result *r, char *what, size_t size)
{
	memset(r, 0, sizeof(*r));
	snprintf(what, size, "%s/%s", c->step, strategy_names[s]);
	if (h->rc != 0)
		return false;
	r->outcome = "n/a";
	r->dom_after = "-";
	snprintf(r->reason, sizeof(r->reason), "%s", h->cause);
	printf("%s: n/a: %s\n", what, h->cause);
	return true;
}

/* The matrix as a table (doc/guides/design.rst): the header, then one row
 * a cell (backend: "soft" or "kernel").
 */
static inline void
fi_print_header(void)
{
	printf("\n| step | strategy | backend | outcome | rc | domain after | mbufs leaked | cause |\n");
}

static inline void
fi_print_row(const struct fi_case *c, unsigned int s, const char *backend,
	const struct fi_result *r)
{
	printf("| %s | %s | %s | %s | %d | %s | %ld | %s |\n", c->step, strategy_names[s],
		backend, r->outcome, r->rc, r->dom_after, r->leaked, r->reason);
}

#endif /* VT_FAULT_CASES_H */
