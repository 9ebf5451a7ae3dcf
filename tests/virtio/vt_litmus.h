/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef VT_LITMUS_H
#define VT_LITMUS_H

/*
 * Store-buffer litmus of notification suppression (test_virtio_litmus.c):
 * the driver's half (vring_avail_publish() + vring_kick_prepare()) on the
 * calling thread against the device's half (vring_notify_enable_recheck())
 * on a second thread, iters times, each on fresh locations. Returns the
 * lost kicks: the driver saw NO_NOTIFY and did not notify, and the device
 * saw the old avail index (it would sleep with work pending).
 * vt_litmus_fenced() uses virtio_notify.h as the PMD does;
 * vt_litmus_unfenced() the same helpers built without their fence.
 */

#include <stdint.h>

uint64_t vt_litmus_fenced(uint64_t iters);
uint64_t vt_litmus_unfenced(uint64_t iters);

#endif /* VT_LITMUS_H */
