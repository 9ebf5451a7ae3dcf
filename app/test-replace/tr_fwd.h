/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

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

/**
 * Where a port's dropped packets are counted (each in exactly one):
 * wire (imissed: the device had no buffer for what arrived), the
 * driver's receive discards (xstat rx_driver_discards, a stop/reset with
 * packets unread; 0 for PMDs without it), tx (oerrors: accepted by
 * tx_burst and never sent) and sink (xstat emu_tx_dropped: sent into an
 * emulated wire=sink). Driver loss = rx_driver + tx: must be 0 under
 * every strategy but restart.
 */
struct tr_port_drops {
	uint64_t wire, rx_driver, tx, sink;
};

/** One extended statistic of port by name; 0 if the port has none. */
uint64_t tr_port_xstat(uint16_t port, const char *name);

/** Drop counters of port now (zeros where the port has none). */
void tr_port_drops_get(uint16_t port, struct tr_port_drops *d);

/** Drop counters of port since the last tr_fwd_start(). */
void tr_fwd_port_drops(uint16_t port, struct tr_port_drops *d);

/** Was port polled by the last (or the running) tr_fwd_start()? */
bool tr_fwd_was_polled(uint16_t port);

/** Sum of a port's drop counters. */
uint64_t tr_port_drops_total(const struct tr_port_drops *d);

/**
 * Stop: stop sending, then drain receive until every packet tx_burst
 * accepted on the polled ports is received or counted in a drop counter
 * (tr_port_drops, since the start); drain_ms bounds the wait only
 * against a hang (a warning names what is missing then). Stop polling.
 */
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
