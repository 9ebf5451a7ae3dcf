/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The application state every module of dpdk-test-replace reads
 * (tr_app.h), in a file that calls none of them: modules depend on it,
 * never on main.c. main.c wires the modules together (hooks of
 * tr_swap_init() and tr_reset_init()).
 */

#include "tr_app.h"

struct tr_app tr_app;
volatile sig_atomic_t tr_interrupted;
