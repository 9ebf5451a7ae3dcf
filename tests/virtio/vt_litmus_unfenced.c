/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* The litmus with the helpers' full fence removed (a compiler barrier
 * only): what the PMD did before the fence, to show that the litmus sees
 * lost kicks then.
 */

#include <rte_atomic.h>

#define VIRTIO_NOTIFY_FENCE() rte_compiler_barrier()
#include <virtio_notify.h>

#define VT_LITMUS_NAME vt_litmus_unfenced
#include "vt_litmus_body.h"
