/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Body of the litmus (vt_litmus.h), included by vt_litmus_fenced.c and
 * vt_litmus_unfenced.c after virtio_notify.h, with VT_LITMUS_NAME the
 * function to define. The two threads meet at a barrier before each
 * iteration (spinning, then yielding: the machine may have fewer free
 * cores than threads), so that both halves run at the same time.
 */

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "vt_litmus.h"

struct litmus {
	uint64_t iters;
	uint16_t *avail;   /* avail->idx of iteration i, 0 then 1 */
	uint16_t *flags;   /* used->flags of iteration i, NO_NOTIFY then 0 */
	uint8_t *kicked;   /* driver: notify (flags read without NO_NOTIFY) */
	uint8_t *saw_new;  /* device: avail index read after enabling */
	alignas(64) uint64_t arrived[2]; /* __atomic */
};

static void
litmus_barrier(struct litmus *l, int me, uint64_t i)
{
	unsigned int spins = 0;

	__atomic_store_n(&l->arrived[me], i, __ATOMIC_RELEASE);
	while (__atomic_load_n(&l->arrived[!me], __ATOMIC_ACQUIRE) < i)
		if (++spins > 1000) {
			sched_yield();
			spins = 0;
		}
}

static void *
litmus_device(void *arg)
{
	struct litmus *l = arg;
	uint64_t i;

	for (i = 0; i < l->iters; i++) {
		litmus_barrier(l, 1, i + 1);
		l->saw_new[i] = vring_notify_enable_recheck(&l->flags[i], &l->avail[i]) != 0;
	}
	return NULL;
}

uint64_t
VT_LITMUS_NAME(uint64_t iters)
{
	struct litmus l;
	pthread_t th;
	uint64_t i, lost = 0;

	memset(&l, 0, sizeof(l));
	l.iters = iters;
	l.avail = calloc(iters, sizeof(*l.avail));
	l.flags = calloc(iters, sizeof(*l.flags));
	l.kicked = calloc(iters, 1);
	l.saw_new = calloc(iters, 1);
	if (l.avail == NULL || l.flags == NULL || l.kicked == NULL || l.saw_new == NULL ||
			pthread_create(&th, NULL, litmus_device, &l) != 0) {
		lost = UINT64_MAX;
		goto out;
	}
	for (i = 0; i < iters; i++)
		l.flags[i] = VRING_USED_F_NO_NOTIFY;
	for (i = 0; i < iters; i++) {
		litmus_barrier(&l, 0, i + 1);
		vring_avail_publish(&l.avail[i], 1);
		l.kicked[i] = vring_kick_prepare(&l.flags[i]);
	}
	pthread_join(th, NULL);
	for (i = 0; i < iters; i++)
		lost += !l.kicked[i] && !l.saw_new[i];
out:
	free(l.avail);
	free(l.flags);
	free(l.kicked);
	free(l.saw_new);
	return lost;
}
