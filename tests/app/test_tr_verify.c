/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* Unit tests of the traffic verifier of dpdk-test-replace (no EAL). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th.h"
#include "tr_verify.h"

static struct tr_verify_stream *
fresh(void)
{
	return calloc(1, sizeof(struct tr_verify_stream));
}

static int
t_in_order(void)
{
	struct tr_verify_stream *s = fresh();
	uint64_t i;

	for (i = 0; i < 100000; i++)
		tr_verify_seq(s, i);
	TH_CHECK(s->unique == 100000);
	TH_CHECK(s->gaps == 0 && s->duplicated == 0 && s->reordered == 0);
	free(s);
	return 0;
}

static int
t_loss(void)
{
	struct tr_verify_stream *s = fresh();
	uint64_t i;

	for (i = 0; i < 1000; i++)
		if (i % 10 != 3)
			tr_verify_seq(s, i);
	TH_CHECK(s->unique == 900);
	TH_CHECK(s->gaps == 100);
	TH_CHECK(s->reordered == 0 && s->duplicated == 0);
	/* a jump beyond the window counts every skipped number */
	tr_verify_seq(s, 1000 + 3 * TR_VERIFY_WINDOW);
	TH_CHECK(s->gaps == 100 + 3 * TR_VERIFY_WINDOW);
	free(s);
	return 0;
}

static int
t_dup_reorder(void)
{
	struct tr_verify_stream *s = fresh();

	tr_verify_seq(s, 0);
	tr_verify_seq(s, 2);
	tr_verify_seq(s, 1);   /* late: fills the gap */
	tr_verify_seq(s, 2);   /* duplicate */
	tr_verify_seq(s, 0);   /* duplicate */
	TH_CHECK(s->unique == 3);
	TH_CHECK(s->gaps == 0);
	TH_CHECK(s->reordered == 1);
	TH_CHECK(s->duplicated == 2);
	/* after the window wrapped, an old number is late, not a duplicate
	 * of the new occupant of its slot
	 */
	tr_verify_seq(s, 3 + TR_VERIFY_WINDOW);
	tr_verify_seq(s, 3 + TR_VERIFY_WINDOW - 1);
	TH_CHECK(s->duplicated == 2);
	TH_CHECK(s->reordered == 2);
	free(s);
	return 0;
}

static int
t_payload(void)
{
	uint8_t buf[256];
	uint16_t stream;
	uint64_t seq;

	tr_payload_fill(buf, sizeof(buf), 7, 12345, TR_PATTERN_INC);
	TH_CHECK(tr_payload_check(buf, sizeof(buf), &stream, &seq));
	TH_CHECK(stream == 7 && seq == 12345);
	buf[200] ^= 1;
	TH_CHECK(!tr_payload_check(buf, sizeof(buf), &stream, &seq));
	tr_payload_fill(buf, 100, 1, 1, 0xa5);
	TH_CHECK(tr_payload_check(buf, 100, &stream, &seq));
	TH_CHECK(!tr_payload_check(buf, 99, &stream, &seq)); /* length mismatch */
	buf[0] ^= 0xff;
	TH_CHECK(!tr_payload_check(buf, 100, &stream, &seq)); /* bad magic */
	TH_CHECK(!tr_payload_check(buf, 8, &stream, &seq));   /* too short */
	return 0;
}

static const struct th_case cases[] = {
	{ "in_order", "unit", t_in_order, NULL, NULL },
	{ "loss", "unit", t_loss, NULL, NULL },
	{ "dup_reorder", "unit", t_dup_reorder, NULL, NULL },
	{ "payload", "unit", t_payload, NULL, NULL },
};

TH_MAIN(cases, 0)
