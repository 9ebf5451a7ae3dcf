/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef API_USE_H
#define API_USE_H

/*
 * The functions of app_api.c and driver_api.c (check_app_api.sh compiles
 * each alone; they have external linkage so that the compiler keeps every
 * call they make).
 */

#include <stdbool.h>

struct rte_dma_domain_binding;
struct rte_dma_domain_queue;

/**
 * Every call of the application API.
 *
 * @param b
 *   A binding.
 * @param va
 *   Memory to map.
 * @return
 *   What the context's close returns; -1 if no domain could be made.
 */
int app_use(struct rte_dma_domain_binding *b, void *va);

/**
 * A call of the driver SDK.
 *
 * @param q
 *   A queue of the driver.
 * @return
 *   What rte_dma_domain_queue_ack() returns.
 */
bool driver_use(struct rte_dma_domain_queue *q);

#endif /* API_USE_H */
