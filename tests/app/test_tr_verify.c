/* SPDX-License-Identifier: BSD-3-Clause */

/* Unit tests of the traffic verifier of dpdk-test-replace (no EAL). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tr_verify.h"

static int failures;

#define CHECK(c) do { \
	if (!(c)) { \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); \
		failures++; \
	} \
} while (0)

static struct tr_verify_stream *
fresh(void)
{
	return calloc(1, sizeof(struct tr_verify_stream));
}

static void
t_in_order(void)
{
	struct tr_verify_stream *s = fresh();
	uint64_t i;

	for (i = 0; i < 100000; i++)
		tr_verify_seq(s, i);
	CHECK(s->unique == 100000);
	CHECK(s->gaps == 0 && s->duplicated == 0 && s->reordered == 0);
	free(s);
}

static void
t_loss(void)
{
	struct tr_verify_stream *s = fresh();
	uint64_t i;

	for (i = 0; i < 1000; i++)
		if (i % 10 != 3)
			tr_verify_seq(s, i);
	CHECK(s->unique == 900);
	CHECK(s->gaps == 100);
	CHECK(s->reordered == 0 && s->duplicated == 0);
	/* a jump beyond the window counts every skipped number */
	tr_verify_seq(s, 1000 + 3 * TR_VERIFY_WINDOW);
	CHECK(s->gaps == 100 + 3 * TR_VERIFY_WINDOW);
	free(s);
}

static void
t_dup_reorder(void)
{
	struct tr_verify_stream *s = fresh();

	tr_verify_seq(s, 0);
	tr_verify_seq(s, 2);
	tr_verify_seq(s, 1);   /* late: fills the gap */
	tr_verify_seq(s, 2);   /* duplicate */
	tr_verify_seq(s, 0);   /* duplicate */
	CHECK(s->unique == 3);
	CHECK(s->gaps == 0);
	CHECK(s->reordered == 1);
	CHECK(s->duplicated == 2);
	/* after the window wrapped, an old number is late, not a duplicate
	 * of the new occupant of its slot */
	tr_verify_seq(s, 3 + TR_VERIFY_WINDOW);
	tr_verify_seq(s, 3 + TR_VERIFY_WINDOW - 1);
	CHECK(s->duplicated == 2);
	CHECK(s->reordered == 2);
	free(s);
}

static void
t_payload(void)
{
	uint8_t buf[256];
	uint16_t stream;
	uint64_t seq;

	tr_payload_fill(buf, sizeof(buf), 7, 12345, TR_PATTERN_INC);
	CHECK(tr_payload_check(buf, sizeof(buf), &stream, &seq));
	CHECK(stream == 7 && seq == 12345);
	buf[200] ^= 1;
	CHECK(!tr_payload_check(buf, sizeof(buf), &stream, &seq));
	tr_payload_fill(buf, 100, 1, 1, 0xa5);
	CHECK(tr_payload_check(buf, 100, &stream, &seq));
	CHECK(!tr_payload_check(buf, 99, &stream, &seq)); /* length mismatch */
	buf[0] ^= 0xff;
	CHECK(!tr_payload_check(buf, 100, &stream, &seq)); /* bad magic */
	CHECK(!tr_payload_check(buf, 8, &stream, &seq));   /* too short */
}

int
main(int argc, char **argv)
{
	static const struct { const char *name; void (*fn)(void); } cases[] = {
		{ "in_order", t_in_order },
		{ "loss", t_loss },
		{ "dup_reorder", t_dup_reorder },
		{ "payload", t_payload },
	};
	unsigned int i;

	if (argc != 2) {
		printf("usage: %s <case>\n", argv[0]);
		return 2;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[1], cases[i].name) != 0)
			continue;
		cases[i].fn();
		printf("%s %s\n", failures ? "FAIL" : "PASS", argv[1]);
		return failures ? 1 : 0;
	}
	printf("unknown case '%s'\n", argv[1]);
	return 2;
}
