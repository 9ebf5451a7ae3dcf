/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef FUZZ_ENTRY_H
#define FUZZ_ENTRY_H

/*
 * libFuzzer's entry points, which every target of tests/fuzz defines (the
 * fuzzer's runtime calls them; declared here, not in each .c).
 */

#include <stddef.h>
#include <stdint.h>

/**
 * Called once before the first input.
 *
 * @param argc
 *   Pointer to main()'s argc.
 * @param argv
 *   Pointer to main()'s argv.
 * @return
 *   0.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/**
 * Run one input; a finding crashes (TH_ASSERT, TH_ABORT).
 *
 * @param data
 *   The input.
 * @param size
 *   Its length in bytes.
 * @return
 *   0.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_ENTRY_H */
