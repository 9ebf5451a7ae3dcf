/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#include <string.h>

#include "tr_util.h"
#include "tr_verify.h"

static inline uint8_t
pattern_byte(int32_t pattern, uint64_t seq, uint32_t off)
{
	return pattern == TR_PATTERN_INC ? (uint8_t)(seq + off) : (uint8_t)pattern;
}

void
tr_payload_fill(void *p, uint16_t len, uint16_t stream, uint64_t seq, int32_t pattern)
{
	struct tr_payload_hdr h = {
		.magic = TR_MAGIC,
		.stream = stream,
		.len = len,
		.seq = seq,
		.pattern = pattern,
	};
	uint8_t *b = p;
	uint32_t i;

	memcpy(b, &h, sizeof(h));
	if (pattern != TR_PATTERN_INC) {
		memset(b + sizeof(h), (uint8_t)pattern, len - sizeof(h));
		return;
	}
	for (i = sizeof(h); i < len; i++)
		b[i] = pattern_byte(pattern, seq, i);
}

bool
tr_payload_check(const void *p, uint32_t len, uint16_t *stream, uint64_t *seq)
{
	const uint8_t *b = p;
	struct tr_payload_hdr h;
	uint32_t i;

	if (len < sizeof(h))
		return false;
	memcpy(&h, b, sizeof(h));
	if (h.magic != TR_MAGIC || h.len != len || h.rsvd != 0 ||
			h.pattern < TR_PATTERN_INC || h.pattern > 255)
		return false;
	*stream = h.stream;
	*seq = h.seq;
	for (i = sizeof(h); i < len; i++)
		if (b[i] != pattern_byte(h.pattern, h.seq, i))
			return false;
	return true;
}

static inline bool
bit_test(const struct tr_verify_stream *s, uint64_t seq)
{
	uint64_t i = seq % TR_VERIFY_WINDOW;

	return (s->window[i / 64] >> (i % 64)) & 1;
}

static inline void
bit_set(struct tr_verify_stream *s, uint64_t seq, bool on)
{
	uint64_t i = seq % TR_VERIFY_WINDOW;

	if (on)
		s->window[i / 64] |= 1ULL << (i % 64);
	else
		s->window[i / 64] &= ~(1ULL << (i % 64));
}

void
tr_verify_seq(struct tr_verify_stream *s, uint64_t seq)
{
	uint64_t n, q;

	if (seq >= s->next) {
		n = seq - s->next;
		/* the skipped numbers become "missing" in the window */
		if (n >= TR_VERIFY_WINDOW)
			memset(s->window, 0, sizeof(s->window));
		else
			for (q = s->next; q < seq; q++)
				bit_set(s, q, false);
		tr_cnt_add(&s->gaps, n);
		bit_set(s, seq, true);
		s->next = seq + 1;
		tr_cnt_add(&s->unique, 1);
		return;
	}
	if (s->next - seq > TR_VERIFY_WINDOW) {
		/* too old to tell a duplicate from a late packet: call it late */
		tr_cnt_add(&s->reordered, 1);
		return;
	}
	if (bit_test(s, seq)) {
		tr_cnt_add(&s->duplicated, 1);
		return;
	}
	bit_set(s, seq, true);
	tr_cnt_add(&s->reordered, 1);
	tr_cnt_add(&s->unique, 1);
	if (s->gaps > 0)
		tr_cnt_set(&s->gaps, s->gaps - 1);
}
