/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* The litmus with the helpers exactly as the PMD uses them. */

#include <virtio_notify.h>

#define VT_LITMUS_NAME vt_litmus_fenced
#include "vt_litmus_body.h"
