/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TR_VERIFY_H
#define TR_VERIFY_H

/**
 * @file
 * Test payload (sequence number + pattern) and the receive-side verifier
 * that counts lost, duplicated, reordered and corrupted packets per stream.
 * Pure C (no DPDK calls) so that it is unit-tested on its own.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_dma_domain_compat.h> /* packed-structure markers on 22.11 */

/** Ethertype of test frames (IEEE local experimental). */
#define TR_ETHERTYPE 0x88B5
/** First word of every test payload. */
#define TR_MAGIC 0x54525031u

/** Payload header, right after the Ethernet header. */
struct __rte_packed_begin tr_payload_hdr {
	uint32_t magic;     /**< TR_MAGIC */
	uint16_t stream;    /**< sender's stream (its port id) */
	uint16_t len;       /**< payload length including this header */
	uint64_t seq;       /**< sequence number in the stream, from 0 */
	int32_t pattern;    /**< 0..255: fixed byte; -1: (seq + offset) & 0xff */
	uint32_t rsvd;      /**< 0 */
} __rte_packed_end;

/** Pattern value meaning "incrementing bytes". */
#define TR_PATTERN_INC (-1)

/** Fill len bytes at p with a test payload (len >= sizeof header). */
void tr_payload_fill(void *p, uint16_t len, uint16_t stream, uint64_t seq, int32_t pattern);

/** Check a payload. @return true if intact; *stream and *seq are set when the header is sane. */
bool tr_payload_check(const void *p, uint32_t len, uint16_t *stream, uint64_t *seq);

/** Sequence window of the duplicate detector (packets). */
#define TR_VERIFY_WINDOW (1u << 16)

/**
 * Per-stream receive state. One writer (the polling lcore); readers use
 * the counter accessors of tr_util.h.
 */
struct tr_verify_stream {
	uint64_t next;       /**< highest sequence seen + 1 (0: none yet) */
	uint64_t unique;     /**< distinct sequence numbers received */
	uint64_t duplicated; /**< seen again inside the window */
	uint64_t reordered;  /**< arrived after a higher sequence number */
	uint64_t gaps;       /**< sequence numbers skipped and not (yet) filled */
	uint64_t window[TR_VERIFY_WINDOW / 64]; /**< seen bits of the last window */
};

/** Account one intact packet with sequence seq. */
void tr_verify_seq(struct tr_verify_stream *s, uint64_t seq);

#endif /* TR_VERIFY_H */
