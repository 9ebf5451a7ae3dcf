/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef VT_COMMON_H
#define VT_COMMON_H

/*
 * Helpers of the virtio PMD tests and benchmark: EAL start with the PMD
 * loaded by -d and emulated devices from devargs, port setup, and traffic
 * that carries sequence numbers and a checkable payload. Checks and case
 * tables: tests/common/th.h.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "th.h"

#define VT_MAX_PORTS 4
#define VT_MAX_Q 4

/* Start EAL with the given devargs (NULL-terminated list of "-a" values)
 * and extra EAL options (lcores "-l 0" unless they give "-l"). Returns 0,
 * or -1 after a FAIL line (no BUILD_ROOT, PMD not built, EAL init failed).
 */
int vt_eal_init(const char *prog, const char *const *devargs, const char *const *extra);
void vt_eal_fini(void);

/* Mempool shared by all ports. */
struct rte_mempool *vt_pool(void);

/* Configure and (optionally) start a port with nq queue pairs. */
int vt_port_setup(uint16_t port, uint16_t nq, uint16_t ring, bool start);

/* Traffic verifier: per (source port, queue) sequence numbers. */
struct vt_verify {
	uint64_t next_tx[VT_MAX_PORTS][VT_MAX_Q]; /* next seq to send */
	uint64_t next_rx[VT_MAX_PORTS][VT_MAX_Q]; /* next seq expected */
	uint64_t sent, received, lost, dup, reordered, corrupted, foreign;
};

/* Build and send up to n frames of len bytes on (port, q) to the peer's
 * MAC; returns the number the PMD accepted (the rest are freed and not
 * counted as sent).
 */
uint16_t vt_send(struct vt_verify *v, uint16_t port, uint16_t q, uint16_t n,
		uint16_t len);
/* Receive and verify on (port, q); returns the number received. */
uint16_t vt_recv(struct vt_verify *v, uint16_t port, uint16_t q);
/* Poll every port/queue until nothing arrives for a while. */
void vt_drain(struct vt_verify *v, uint16_t nb_ports, uint16_t nq);
/* lost = sent - received (after draining) plus gaps already seen. */
void vt_print(const struct vt_verify *v, const char *what);
/* Ports 0 and 1, queue 0: empty tx bursts (a tx queue's backlog is
 * posted by its bursts once a pause is over) and rx, until quiet.
 */
void vt_drain_all(struct vt_verify *v);
/* Every packet sent was received once, in order, intact (after a
 * drain): 0, or -1 after a FAIL line naming what.
 */
int vt_check_intact(const struct vt_verify *v, const char *what);
/* What a port's counters say it dropped: the device's drops (imissed),
 * accepted and not sent (oerrors), and the driver's receive discards.
 */
uint64_t vt_port_drops(uint16_t port);

/* An xstat of a port by name (UINT64_MAX if absent). */
uint64_t vt_xstat(uint16_t port, const char *name);

struct rte_dma_domain_binding;
struct rte_dma_domain;

/* A mirror domain (all DPDK memory at its IOVAs) in b's context. */
struct rte_dma_domain *vt_mirror(struct rte_dma_domain_binding *b, const char *name);

/* Binding of emulated device name (emu0, emu1...), NULL if absent or unbound. */
struct rte_dma_domain_binding *vt_binding(const char *name);

/* rte_pmd_virtio_iommufd_inject() of the PMD loaded with -d (what: enum
 * rte_pmd_virtio_iommufd_inject); -ENOSYS if vt_eal_init() did not find it.
 */
int vt_pmd_inject(uint16_t port, int what, uint16_t qid, uint32_t count);

/* Mbufs of vt_pool() not in the pool (0 once every port stopped). */
unsigned int vt_pool_in_use(void);

/* Mark the queue handles of nq queue pairs of port 0 (emu0) or 1 (emu1)
 * polled or not (rx i = handle 2i, tx i = 2i+1).
 */
void vt_queues_online(uint16_t port, uint16_t nq, bool on);

#endif /* VT_COMMON_H */
