/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TEST_EMU_MODEL_H
#define TEST_EMU_MODEL_H

/*
 * A tiny emulated device model, "test", for the bus's own tests and the
 * testpmd smoke test: PCI id 1234:5678, a 256-byte config space and a
 * BAR 0 of 64 32-bit registers. Register 0 reads the devargs key
 * "answer" (default 0); the others read back what was written.
 */

#include <stdint.h>

#define TEST_EMU_MODEL "test"
#define TEST_EMU_VENDOR 0x1234
#define TEST_EMU_DEVICE 0x5678
#define TEST_EMU_BAR_REGS 64

/* Model instances created and destroyed so far. */
unsigned int test_emu_created(void);
unsigned int test_emu_destroyed(void);

#endif /* TEST_EMU_MODEL_H */
