/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TDD_H
#define TDD_H

/* Helpers of the lib/dma_domain tests: fake driver, domains, hugepages (the
 * checks and case tables: tests/common/th.h).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dma_domain.h>
#include <rte_dma_domain_soft.h>
#include <rte_dma_domain_driver.h>
#include <dma_domain_test.h>

#include "th.h"

/* ---- fake driver: queues with posted-buffer accounting ---- */

#define FAKE_BUFS 8
#define FAKE_BUF_SIZE 2048

struct fake_queue {
	uint64_t iova[FAKE_BUFS];   /* buffers this queue owns */
	uint32_t posted;            /* posted to the device (DMA allowed) */
	uint32_t reclaimed;         /* taken back by quiesce */
	uint64_t quiesce_calls, resume_calls;
	uint64_t unpark_calls;      /* queue_unpark: what a parked poller kept */
	bool parked_seen;           /* quiesce saw the poller parked */
};

struct fake_drv {
	struct rte_dma_domain_binding *b;
	uint16_t nb_queues;
	struct fake_queue q[4];
	uint64_t extra_iova, extra_len;  /* one more range reported by iova_walk */
	/* and a last one, with its own access (0: none reported) */
	uint64_t extra2_iova, extra2_len;
	uint32_t extra2_access;
	/* A range in flight: reported only by the parked walk, as a driver
	 * reports a tx buffer of a mempool it was not configured with.
	 */
	uint64_t inflight_iova, inflight_len;
	uint64_t walks[2];               /* iova_walk calls: [parked] */
	/* queues_in_use answers this (0: every queue bound) */
	uint16_t in_use;
	uint64_t bad_in_use;             /* a queue not in use was paused */
	uint64_t bad_walk;               /* parked walk with a queue running */
	bool port_started;
	uint64_t restarts;
	uint64_t bad_quiesce;       /* quiesce while DMA was still allowed */
	/* fault_check: new faults to report once, and the sticky "needs a
	 * reset" state (then -EIO at every call)
	 */
	uint64_t dev_faults;
	bool needs_reset;           /* __atomic */
	uint64_t fault_checks;
	/* set by the parked walk, cleared by the first resume: the span in
	 * which the library counts every queue as parked (__atomic)
	 */
	uint32_t parked_phase;
	/* queue_quiesce fails (-EIO, before reclaiming) for these queues */
	uint32_t quiesce_fail_mask;
	/* recovery_event calls, in order */
	enum rte_dma_domain_recovery events[8];
	uint32_t nb_events;
	/* test hooks, called from the callbacks of the same name */
	void (*on_walk)(struct fake_drv *f, bool parked);
	void (*on_quiesce)(struct fake_drv *f, uint16_t qid);
	void (*on_resume)(struct fake_drv *f, uint16_t qid);
	void (*on_unpark)(struct fake_drv *f, uint16_t qid);
	void (*on_restart)(struct fake_drv *f, bool start);
};

extern const struct rte_dma_domain_dev_ops fake_ops;

/* Bind a fake device with nb_queues queues whose buffers sit at
 * base_iova + (q * FAKE_BUFS + i) * FAKE_BUF_SIZE.
 */
int fake_bind(struct fake_drv *f, const char *name, uint16_t nb_queues,
		uint64_t base_iova);
/* Buffers accounted for (posted + reclaimed) over all queues. */
uint32_t fake_buffers(const struct fake_drv *f);

/* The 2 MiB hugepage pool's sysfs directory, and one of its counters
 * (nr_hugepages, free_hugepages, ...); -1 when it cannot be read.
 */
#define TDD_HP_SYS "/sys/kernel/mm/hugepages/hugepages-2048kB/"
long tdd_hugepages_get(const char *counter);

/* Bytes in the EAL's memsegs. */
uint64_t tdd_memseg_bytes(void);
/* Every step-th byte page of [p, p + len) is mapped in d at its IOVA (VA
 * for memory without one) to itself; prints the first page that is not.
 * Page by page: with IOVA as PA, pages are not IOVA-contiguous.
 */
bool tdd_mirrored(struct rte_dma_domain *d, const void *p, size_t len, size_t step);

/* Soft model setting in one call. */
void tdd_soft_model(enum rte_dma_domain_soft_replace_model m, uint64_t window_ns,
		bool verify);

/* A paging domain of ctx; a failure is a CHECK failure. */
struct rte_dma_domain *tdd_domain(struct rte_dma_domain_ctx *ctx, const char *name);

/* Two paging domains of ctx, each mapping the 2 MiB at mem read-write at
 * IOVA 0x100000 (where fake_bind puts the buffers).
 */
void tdd_two_domains(struct rte_dma_domain_ctx *ctx, void *mem,
		struct rte_dma_domain **a, struct rte_dma_domain **b,
		const char *name_a, const char *name_b);

#endif /* TDD_H */
