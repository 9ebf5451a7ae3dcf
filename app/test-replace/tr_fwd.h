/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef TR_FWD_H
#define TR_FWD_H

/**
 * @file
 * Traffic of dpdk-test-replace: one forwarding lcore polls every port of
 * the run (txonly: generate + verify what comes back; io: forward between
 * port pairs; rxonly: verify). Queues of ports it does not poll are marked
 * offline in the DMA domain library so that swaps never wait for them.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_dma_domain.h>

/** Forwarding modes. */
enum tr_fwd_mode {
	TR_FWD_TXONLY = 0, /**< send sequenced packets, verify received ones */
	TR_FWD_IO,         /**< receive on a port, send on its pair */
	TR_FWD_RXONLY,     /**< receive and verify */
};

/** Traffic settings ('set ...' commands). */
struct tr_fwd_cfg {
	enum tr_fwd_mode mode;
	uint16_t burst;      /**< packets per burst */
	uint16_t pktlen;     /**< frame length without CRC */
	int32_t pattern;     /**< payload byte 0..255, or TR_PATTERN_INC */
	uint16_t nb_ports;   /**< ports polled */
	uint16_t ports[RTE_MAX_ETHPORTS]; /**< their ids */
	uint32_t tx_first;   /**< io mode: bursts sent once at start */
	uint64_t rate_pps;   /**< txonly: packets/s per port, 0 = as fast as possible */
};

/** Per-port counters of the app (not the PMD's). */
struct tr_port_cnt {
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
	uint64_t tx_unsent; /**< built but refused by tx_burst (freed) */
	uint64_t polls, idle_polls;
};

/** Verification totals over all streams. */
struct tr_verify_totals {
	uint64_t sent;       /**< sequenced packets sent */
	uint64_t received;   /**< test packets received (intact or not) */
	uint64_t unique;     /**< distinct sequence numbers received */
	uint64_t lost;       /**< sent - unique (in flight counts while running) */
	uint64_t duplicated, reordered, corrupted;
	uint64_t gaps;       /**< sequence gaps not (yet) filled */
	uint64_t foreign;    /**< frames that are not test frames */
};

/** Human name of a mode. */
const char *tr_fwd_mode_name(enum tr_fwd_mode m);

/** Start forwarding on lcore with cfg (copied). Resets verification. */
int tr_fwd_start(const struct tr_fwd_cfg *cfg, struct rte_mempool *mp,
		unsigned int lcore, char *err);

/** Stop: stop sending, drain receive until quiet (max drain_ms), stop polling. */
int tr_fwd_stop(unsigned int drain_ms);

/** Is the forwarding lcore running? */
bool tr_fwd_running(void);

/** Is port polled by the running forwarding lcore? */
bool tr_fwd_polls(uint16_t port);

/** App counters of a port. */
void tr_fwd_port_cnt(uint16_t port, struct tr_port_cnt *c);

/** Verification totals. */
void tr_fwd_verify(struct tr_verify_totals *t);

/** Current sequence gaps (swap hook); false if no verifier ran. */
bool tr_fwd_gaps(uint64_t *gaps);

/**
 * Make the forwarding lcore stop (on) or resume polling port, and wait
 * until it did. Its queues go offline meanwhile. @return 0 or -ETIMEDOUT.
 */
int tr_fwd_hold(uint16_t port, bool on);

/** Swap hook (tr_swap_hooks.around): holds the port around restart swaps. */
int tr_fwd_around(uint16_t port, const struct rte_dma_domain_replace_opts *o,
		bool before, char *err);

/** Reset app counters and verification (only while stopped). */
int tr_fwd_clear(void);

#endif /* TR_FWD_H */
