/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef DMA_DOMAIN_TEST_H
#define DMA_DOMAIN_TEST_H

/**
 * @file
 * Test hooks of librte_dma_domain. Not installed: for the project's own
 * tests, which include it from the source tree.
 */

#include <stdint.h>

#include <rte_compat.h>

#include "rte_dma_domain.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Call fn(arg, qid) in rte_dma_domain_queue_ack_state() between the
 * poller's load of a pending request and its QSBR report: a delay there
 * widens the window in which a newer request can arrive (the race the
 * re-load after the report closes). Slow path only.
 *
 * @param b
 *   Binding whose queues call the hook.
 * @param fn
 *   The hook; NULL removes it. Runs on the polling thread.
 * @param arg
 *   Its argument.
 * @return
 *   0, or -EINVAL (rte_errno set) when b is NULL.
 */
__rte_experimental
int rte_dma_domain_test_ack_hook(struct rte_dma_domain_binding *b,
		void (*fn)(void *arg, uint16_t qid), void *arg);

/**
 * Make the next @p count domain destroys fail in the backend with @p err
 * (before the backend's free op runs: the backend keeps its objects), as
 * a refused IOMMU_DESTROY does. Checks the core's handling: the error is
 * counted and returned, the domain kept.
 *
 * @param err
 *   Negative errno to return (e.g. -EBUSY); 0 with count 0 disarms.
 * @param count
 *   Destroys to fail.
 * @return
 *   0, or -EINVAL: err is not negative while count > 0.
 */
__rte_experimental
int rte_dma_domain_test_destroy_fail(int err, unsigned int count);

#ifdef __cplusplus
}
#endif

#endif /* DMA_DOMAIN_TEST_H */
