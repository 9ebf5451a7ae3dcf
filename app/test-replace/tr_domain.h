/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TR_DOMAIN_H
#define TR_DOMAIN_H

/**
 * @file
 * Domain and port-binding operations of dpdk-test-replace and the testpmd
 * plugin, on the public rte_dma_domain API only. Every function either
 * does the whole job or changes nothing and fills err (TR_ERRLEN bytes).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mempool.h>
#include <rte_dma_domain.h>

/** Serialises domain changes (commands) against periodic swaps. */
void tr_dom_lock(void);
/** See tr_dom_lock(). */
void tr_dom_unlock(void);

/**
 * Create domain name. how: "empty", "mirror" (all DPDK memory, now and
 * hotplugged), "copy" (every mapping of domain src), "identity" or
 * "blocking" (soft backend only). ctx is the soft context unless a port's
 * binding says otherwise (backend from the first bound port).
 */
int tr_domain_create(const char *name, const char *how, const char *src, char *err);

/** Destroy a domain (refused while a port is attached to it). */
int tr_domain_destroy(const char *name, char *err);

/**
 * Map [iova, iova+len). alloc: fresh zeroed memory (freed on unmap of the
 * same range); else the DPDK memory that has this IOVA.
 */
int tr_domain_map(struct rte_dma_domain *dom, uint64_t iova, uint64_t len,
		uint32_t access, bool alloc, char *err);

/** Unmap [iova, iova+len), or everything when all is true. */
int tr_domain_unmap(struct rte_dma_domain *dom, uint64_t iova, uint64_t len,
		bool all, char *err);

/**
 * At exit, after the ports are closed: destroy every domain left and
 * close the DMA contexts the app used (rte_dma_domain_ctx_close()).
 * @return 0, or -EBUSY: a domain could not be destroyed (printed).
 */
int tr_domain_fini(void);

/** Table of all domains (name, mapped bytes, mappings, attached ports). */
void tr_domain_show_all(FILE *f);

/** One domain with its mappings. */
void tr_domain_show(FILE *f, const struct rte_dma_domain *dom);

/**
 * Coverage of a mempool in a domain: each memory chunk and whether it is
 * mapped read-write at its IOVA. @return 1 all covered, 0 not.
 */
int tr_domain_coverage(FILE *f, const struct rte_dma_domain *dom,
		const struct rte_mempool *mp);

/** Device name of an ethdev port ("" if unknown). */
const char *tr_port_devname(uint16_t port);

/** Binding of a port's device; error names the port if it has none. */
int tr_port_binding(uint16_t port, struct rte_dma_domain_binding **b, char *err);

/**
 * The caller stops polling the port: take its online queue handles
 * offline (an offline queue counts as acknowledged in a swap) and
 * remember them.
 */
void tr_port_queues_park(uint16_t port);

/** The caller polls the port again: bring the parked handles back online. */
void tr_port_queues_unpark(uint16_t port);

/** The port stopped (its driver took every handle offline): forget them. */
void tr_port_queues_forget(uint16_t port);

/** Attach a stopped-DMA port to a domain. */
int tr_port_attach(uint16_t port, struct rte_dma_domain *dom, char *err);

/** Detach a port from its domain. */
int tr_port_detach(uint16_t port, char *err);

#endif /* TR_DOMAIN_H */
