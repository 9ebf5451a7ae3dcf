/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Notification suppression needs a full fence on each side
 * (virtio_notify.h). This runs the store-buffer litmus of the PMD's kick
 * helper against the device's re-enable helper:
 *  - without the fence (vt_litmus_unfenced), until it sees a lost kick:
 *    x86 lets the load pass the store, so it does, which shows the
 *    litmus can see the bug it is about (FAIL if it never does within
 *    its budget: it would then prove nothing here);
 *  - with the fence, as the PMD has it: no lost kick at all.
 * No EAL, no device: plain threads and memory.
 */

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "th.h"
#include "vt_litmus.h"

#define CHUNK 100000u

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
case_litmus(void)
{
	uint64_t lost = 0, n = 0, r;
	double t0 = now_s(), t1;

	/* Unfenced: chunks until a lost kick, at most 4M iterations or 8 s. */
	while (lost == 0 && n < 40 * (uint64_t)CHUNK && now_s() - t0 < 8) {
		r = vt_litmus_unfenced(CHUNK);
		if (r == UINT64_MAX)
			TH_FAIL("litmus setup (memory or thread)");
		lost += r;
		n += CHUNK;
	}
	t1 = now_s();
	printf("litmus without the fence: %" PRIu64 " lost kicks in %" PRIu64 " iterations (%.2f s)\n",
		lost, n, t1 - t0);
	TH_REQUIRE(lost > 0, "the litmus saw no lost kick without the fence in %" PRIu64
		" iterations: it cannot show the fence matters on this machine", n);
	/* Fenced: at least as many iterations as the unfenced run needed,
	 * and at least 5 chunks.
	 */
	n = n < 5 * (uint64_t)CHUNK ? 5 * (uint64_t)CHUNK : n;
	r = vt_litmus_fenced(n);
	printf("litmus with the fence: %" PRIu64 " lost kicks in %" PRIu64 " iterations (%.2f s)\n",
		r, n, now_s() - t1);
	TH_REQUIRE(r == 0, "%" PRIu64 " lost kicks with the PMD's fence", r);
	return 0;
}

static const struct th_case cases[] = {
	{ "litmus", "unit", case_litmus, NULL, NULL },
};

TH_MAIN(cases, 0)
