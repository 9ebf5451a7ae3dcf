/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef DMA_DOMAIN_TEST_H
#define DMA_DOMAIN_TEST_H

/**
 * @file
 * Test hooks of librte_dma_domain. Not installed: for the project's own
 * tests, which include it from the source tree.
 */

#include <stdbool.h>
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
__rte_internal
int rte_dma_domain_test_ack_hook(struct rte_dma_domain_binding *b,
		void (*fn)(void *arg, uint16_t qid), void *arg);

/** Protocol points of a replace at which rte_dma_domain_test_swap_hook()
 * calls its hook. */
enum rte_dma_domain_test_point {
	/** Every poller acknowledged the pause (quiesce, remap: queues
	 * parked, before the parked coverage check). */
	RTE_DMA_DOMAIN_TEST_PARKED = 0,
	/** Inside the switch: the device's replace call is about to run. */
	RTE_DMA_DOMAIN_TEST_SWITCH,
};

/**
 * Call fn(arg, point) from b's replaces at each protocol point, on the
 * replacing thread with no lock of the library held (a hook may wait
 * there for another binding's swap: the concurrency tests' rendezvous).
 *
 * @param b
 *   Binding whose replaces call the hook.
 * @param fn
 *   The hook; NULL removes it.
 * @param arg
 *   Its argument.
 * @return
 *   0, or -EINVAL (rte_errno set) when b is NULL.
 */
__rte_internal
int rte_dma_domain_test_swap_hook(struct rte_dma_domain_binding *b,
		void (*fn)(void *arg, enum rte_dma_domain_test_point pt), void *arg);

/**
 * Serialise every replace of the process (true), as when one global lock
 * was held for a whole replace, or let replaces of different bindings
 * run at the same time (false, the default). For the tests that show
 * the difference and for the concurrent-swap benchmark's "before" rounds;
 * change it only while no replace runs.
 *
 * @param on
 *   true: one replace at a time per process.
 */
__rte_internal
void rte_dma_domain_test_serialize(bool on);

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
__rte_internal
int rte_dma_domain_test_destroy_fail(int err, unsigned int count);

#ifdef __cplusplus
}
#endif

#endif /* DMA_DOMAIN_TEST_H */
