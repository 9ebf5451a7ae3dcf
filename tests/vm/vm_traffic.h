/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */
/*
 * Verified traffic between the VM tier's two NICs (ports 0 and 1, one
 * queue pair each): every frame carries its source port, a sequence
 * number and a payload derived from both; the receiver counts lost,
 * duplicated or reordered (late), and corrupted frames.
 */
#ifndef VM_TRAFFIC_H
#define VM_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include <rte_dma_domain.h>

#include "rte_dma_domain_compat.h"

#define VM_TRAFFIC_FRAME 128

/* One direction: frames sent by port p, received by the other port. */
struct vm_flow {
	uint64_t next_tx;   /* sequence number of the next frame to send */
	uint64_t next_rx;   /* sequence number expected next */
	uint64_t sent, received, gaps, late, corrupt;
	/* First anomaly: expected and received sequence numbers. */
	uint64_t bad_expect, bad_got;
	bool bad_seen;
	uint64_t pace_t0;   /* paced: timer cycles of frame 0 of the pace */
};

struct vm_traffic {
	struct rte_mempool *mp;
	RTE_ATOMIC(uint32_t) stop; /* set by the controller */
	/* Hold handshake (vm_traffic_hold()): the controller sets hold; the
	 * loop, between bursts, answers held = 1 and bursts no more until
	 * hold is cleared; it clears held before its next burst and then
	 * checks hold again (both seq_cst: a Dekker pair, so the controller
	 * never reads a held = 1 that a burst follows). running: the loop
	 * runs (set and cleared by it).
	 */
	RTE_ATOMIC(uint32_t) hold, held, running;
	uint32_t window;        /* most frames in flight per direction */
	struct vm_flow f[2];
	uint64_t foreign;       /* frames that are not ours */
	/* Received frames, both directions, readable by the controller
	 * while the loop runs (progress under a replace).
	 */
	RTE_ATOMIC(uint64_t) rx_total;
	uint64_t drain_ms;      /* how long the final drain took */
	/* Fixed offered rate (frames/s per direction; 0: window only). Paced,
	 * the sender ignores the window (frames a restart drops would close
	 * it for good: no later frame reveals them as a gap) and does not
	 * catch up more than a burst after a pause (what it could not offer
	 * then is not offered).
	 */
	uint64_t pace_pps;
};

/* Configure and start ports 0 and 1, one queue pair each. */
int vm_ports_start(struct vm_traffic *t);
void vm_ports_stop(void);
/* Stop (on) or let go (off) the loop's bursts, e.g. around a RESTART
 * replace: an application must not burst on a port being stopped or
 * started (ethdev's rule). Returns once the loop bursts no more (at once
 * when no loop runs).
 */
void vm_traffic_hold(struct vm_traffic *t, bool on);
/* Replace binding b onto to with o (rte_dma_domain_replace()), then copy
 * its swap record to *rec (zeroed first). RESTART stops and starts the
 * port: the loop is held around it (no burst on a port being stopped or
 * started, ethdev's rule) and b's queues are taken offline first (the
 * replace must not wait for queues nobody polls; the port's start arms
 * them again). Returns the replace's result.
 */
int vm_traffic_replace(struct vm_traffic *t, struct rte_dma_domain_binding *b,
		struct rte_dma_domain *to, const struct rte_dma_domain_replace_opts *o,
		struct rte_dma_domain_swap_record *rec);
/* Whether more than since + min_new frames arrived (rx_total, both
 * directions) within ms milliseconds.
 */
bool vm_traffic_progress(struct vm_traffic *t, uint64_t since, uint64_t min_new,
		unsigned int ms);
/* Run vm_traffic_loop on lcore; 0 once more than min_new new frames
 * arrived within ms, -1 (with a FAIL line) otherwise.
 */
int vm_traffic_launch(struct vm_traffic *t, unsigned int lcore, uint64_t min_new,
		unsigned int ms);
/* Stop the loop on lcore, wait for it to drain, print the flows as what. */
void vm_traffic_finish(struct vm_traffic *t, unsigned int lcore, const char *what);
/* Faults the library counted on the n bindings (rte_dma_domain_stats). */
uint64_t vm_bindings_faults(struct rte_dma_domain_binding *const *b, int n);
/* Extended stat name of port (0: no such stat). */
uint64_t vm_xstat(uint16_t port, const char *name);
/* A mirroring paging domain in b's context (a failed check when none). */
struct rte_dma_domain *vm_mirror_domain(struct rte_dma_domain_binding *b, const char *name);
/* lcore function: send and verify until t->stop, then drain. */
int vm_traffic_loop(void *t);
/* One round of the loop: send what the window allows on both ports
 * (a zero burst when nothing), receive and verify on both; returns the
 * frames received. For a test's own polling loop.
 */
uint16_t vm_traffic_step(struct vm_traffic *t);
/* Receive until everything sent arrived, or nothing came for a while. */
void vm_traffic_drain(struct vm_traffic *t);
/* Send count frames each way and drain, in the calling thread. */
void vm_traffic_run(struct vm_traffic *t, uint64_t count);
/* Lost frames of both directions (sent but never received). */
uint64_t vm_traffic_lost(const struct vm_traffic *t);
void vm_traffic_print(const struct vm_traffic *t, const char *what);

/*
 * The start of a PMD test in the guest: the VM tier's two NICs (nic[],
 * from IOMMUFD_TEST_DEVICES) in an allow list, the PMD loaded with -d
 * from pmd, EAL in memory with IOVA as VA on lcores 0 and 1; prog names
 * the program, extra (NULL or NULL-terminated) adds EAL options. 0; the
 * code of vm_guest_nics() (a skip outside the guest); or 1 after a FAIL
 * line when EAL init failed.
 */
int vm_eal_start(const char *prog, const char *pmd, const char *const *extra,
	const char *nic[2]);

#endif /* VM_TRAFFIC_H */
