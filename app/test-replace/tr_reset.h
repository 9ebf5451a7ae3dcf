/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TR_RESET_H
#define TR_RESET_H

/**
 * @file
 * Recovery of ports whose device asked for a reset
 * (RTE_ETH_EVENT_INTR_RESET, e.g. virtio DEVICE_NEEDS_RESET after a DMA
 * fault). The event callback only notes the port; the control thread
 * (tr_swap.c's service hook) does the work: the forwarding lcore lets go
 * of the port, rte_eth_dev_reset(), configure + queue setup, start,
 * polling resumes. Serialised with swaps (tr_dom_lock).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/** One recovery, for the report. */
struct tr_reset_entry {
	uint64_t t_ns;     /**< when it started, since tr_swap_init() */
	uint16_t port;     /**< ethdev port */
	int rc;            /**< 0, or the negative errno of the failed step */
	uint64_t dur_ns;   /**< event noticed -> polling again */
	char step[16];     /**< failed step ("hold", "reset", "configure", "start"), "" if ok */
};

/** What recovery needs from the application (main.c wires them). */
struct tr_reset_hooks {
	/** Configure port the app's way after rte_eth_dev_reset() (queue
	 * setup, not started). @return 0 or negative errno.
	 */
	int (*configure)(uint16_t port);
	/** Before recovery prints a line (ends a progress line). Optional. */
	void (*before_print)(void);
};

/**
 * Register the event callback on every port. @param h the hooks, copied;
 * called by the control thread (tr_reset_service()) only.
 * @return 0 or negative errno.
 */
int tr_reset_init(const struct tr_reset_hooks *h);

/** Unregister it. */
void tr_reset_fini(void);

/** Control thread: recover ports that asked for a reset; every 100 ms,
 * read the link of started ports (how a PMD notices a device that
 * failed outside a swap).
 */
void tr_reset_service(uint64_t now_ns);

/** Recoveries of port (ok, failed). */
void tr_reset_counts(uint16_t port, uint64_t *ok, uint64_t *failed);

/** Visit every recovery record (in order). */
void tr_reset_foreach(void (*cb)(const struct tr_reset_entry *e, void *arg), void *arg);

/** Forget records and counts. */
void tr_reset_clear(void);

#endif /* TR_RESET_H */
