/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TR_SWAP_H
#define TR_SWAP_H

/**
 * @file
 * Swaps: one-shot replaces, periodic swap schedules run by a control
 * thread that sleeps between events, the per-swap records and their
 * summaries per strategy. Shared by dpdk-test-replace and the testpmd
 * plugin.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_dma_domain.h>

/** Number of strategies (index = enum rte_dma_domain_strategy). */
#define TR_NB_STRATEGIES (RTE_DMA_DOMAIN_STRATEGY_RESTART + 1)

/** One replace, as the app saw it. */
struct tr_swap_entry {
	uint64_t t_ns;       /**< start, since tr_swap_init() */
	uint16_t port;       /**< ethdev port */
	int32_t sched;       /**< schedule id, -1 for a one-shot command */
	int rc;              /**< replace return value */
	enum rte_dma_domain_strategy requested; /**< strategy asked for */
	uint64_t call_ns;    /**< wall time of the replace call */
	struct rte_dma_domain_swap_record rec; /**< the library's record */
};

/** A periodic swap schedule. */
struct tr_sched_info {
	int id;              /**< from 0 */
	bool active;         /**< still running */
	uint16_t port;       /**< port it swaps */
	char a[RTE_DMA_DOMAIN_NAMESIZE], b[RTE_DMA_DOMAIN_NAMESIZE]; /**< domains */
	uint64_t every_ns;   /**< period */
	uint64_t count;      /**< swaps to do, 0 = until stopped */
	uint64_t done;       /**< swaps done (ok or not) */
	uint64_t failed;     /**< swaps that returned an error */
	uint64_t transient;  /**< failures that may not recur (timeout, rollback, busy) */
	struct rte_dma_domain_replace_opts opts; /**< replace options */
	uint64_t t_start_ns, t_end_ns; /**< since tr_swap_init() */
	bool lost_valid;     /**< lost is known (a verifier was running) */
	uint64_t lost;       /**< sequence gaps seen while it ran */
	char stop_reason[128]; /**< why it stopped early, "" otherwise */
};

/** Summary of the swaps of one strategy. */
struct tr_strat_summary {
	uint64_t swaps;      /**< successful */
	uint64_t failures;   /**< failed or refused */
	uint64_t rollbacks;  /**< failures after the device was touched */
	uint64_t faults;     /**< faults across swaps */
	uint64_t lost;       /**< packets lost during its schedules */
	bool lost_known;     /**< a schedule of it ran with a verifier */
	uint64_t pause_p50, pause_p99, pause_max;    /**< ns, successful swaps */
	uint64_t switch_p50, switch_p99, switch_max; /**< ns */
	uint64_t call_p50, call_p99, call_max;       /**< ns, whole call */
};

/** Callbacks of the host (app or plugin). All optional. */
struct tr_swap_hooks {
	/**
	 * Called before every swap (before == true) and after it. A negative
	 * return before the swap refuses it (err says why, nothing done).
	 */
	int (*around)(uint16_t port, const struct rte_dma_domain_replace_opts *o,
		bool before, char *err);
	/** Sequence gaps seen so far by a verifier (for 'lost'). */
	bool (*gaps)(uint64_t *gaps);
	/** Called every tick_ns by the control thread. */
	void (*tick)(uint64_t now_ns);
	uint64_t tick_ns; /**< period of tick */
	/**
	 * Called by the control thread before each round of due swaps, and
	 * at least every 100 ms (sooner after tr_ctl_kick()): control-path
	 * work that must not run in an event callback (port recovery).
	 */
	void (*service)(uint64_t now_ns);
};

/** Set hooks and the time origin. Call once before anything else. */
void tr_swap_init(const struct tr_swap_hooks *h);

/** Start the control thread (done on the first schedule otherwise). */
int tr_ctl_start(void);

/**
 * Wake the control thread to run its service hook soon. Safe from any
 * thread and from callbacks (takes no lock; a wake-up that races with the
 * thread going to sleep costs at most its 100 ms idle period).
 */
void tr_ctl_kick(void);

/** Stop schedules and the control thread. */
void tr_swap_fini(void);

/** Time origin of records, monotonic ns. */
uint64_t tr_t0_ns(void);

/**
 * One replace of port to dom, recorded. On failure err says what happened
 * (the library's reason, rollback) and the return value is negative.
 */
int tr_swap_now(uint16_t port, struct rte_dma_domain *dom,
		const struct rte_dma_domain_replace_opts *o, char *err);

/** Start swapping port between domains a and b every every_ns. */
int tr_sched_start(uint16_t port, const char *a, const char *b, uint64_t every_ns,
		uint64_t count, const struct rte_dma_domain_replace_opts *o, char *err);

/** Stop the schedules of port (all if port < 0). @return how many stopped. */
int tr_sched_stop(int port);

/** Wait until no schedule is active. @return 0, or -ETIMEDOUT. */
int tr_sched_wait(uint64_t timeout_ns);

/** Active schedules; *done and *total summed over them (total 0 = open-ended). */
unsigned int tr_sched_progress(uint64_t *done, uint64_t *total);

/** Records kept by default for 'show swap log' and the report. */
#define TR_SWAP_WINDOW_DEFAULT 4096
/** Most records a window may keep. */
#define TR_SWAP_WINDOW_MAX (1u << 20)

/**
 * Keep the last n swap records (older ones only count in the aggregates).
 * @return 0, -EINVAL for n out of [1, TR_SWAP_WINDOW_MAX], -EBUSY once
 *   a swap was recorded.
 */
int tr_swap_set_window(size_t n);

/** Records made and no longer in the window (counted in the aggregates only). */
uint64_t tr_swap_dropped(void);

/**
 * Visit the swap records of the window (the last ones), oldest first
 * (under the lock: do not call back in).
 */
void tr_swap_foreach(void (*cb)(const struct tr_swap_entry *e, void *arg), void *arg);

/** Visit every schedule. */
void tr_sched_foreach(void (*cb)(const struct tr_sched_info *s, void *arg), void *arg);

/** Summaries per strategy (index = strategy). */
void tr_swap_summary(struct tr_strat_summary s[TR_NB_STRATEGIES]);

/** Total records, successes and failures. */
void tr_swap_counts(uint64_t *total, uint64_t *ok, uint64_t *failed,
		uint64_t *rollbacks, uint64_t *faults);

/** 'show swap stats': library stats of port (all if < 0) + per strategy. */
void tr_swap_show_stats(FILE *f, int port);

/** Print the per-strategy summary table. */
void tr_swap_show_summary(FILE *f);

/** Forget records and schedules. @return 0, or -EBUSY while one runs. */
int tr_swap_clear(void);

#endif /* TR_SWAP_H */
