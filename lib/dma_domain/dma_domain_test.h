/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef DMA_DOMAIN_TEST_H
#define DMA_DOMAIN_TEST_H

/**
 * @file
 * Test hooks of librte_dma_domain: failure injection into the replace
 * protocol (rte_dma_domain_inject()), the soft model's
 * rte_dma_domain_soft_test_*() hooks and the concurrency tests' hooks.
 * Not installed, internal API (INTERNAL node of version.map): for the
 * project's own tests, which include it from the source tree with
 * -DALLOW_INTERNAL_API, and for dpdk-test-replace's "port inject" command
 * (app/test-replace/tr_cmd_inject.c). Applications include
 * rte_dma_domain.h; drivers rte_dma_domain_driver.h.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_compat.h>

#include "rte_dma_domain_driver.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Failure-injection points of the replace protocol (tests only). */
enum rte_dma_domain_inject {
	RTE_DMA_DOMAIN_INJECT_NONE = 0,
	RTE_DMA_DOMAIN_INJECT_COVERAGE,  /**< coverage check says uncovered */
	RTE_DMA_DOMAIN_INJECT_ACK,       /**< a queue never acknowledges */
	RTE_DMA_DOMAIN_INJECT_QUIESCE,   /**< driver quiesce callback fails */
	RTE_DMA_DOMAIN_INJECT_SWITCH,    /**< the switch call fails */
	RTE_DMA_DOMAIN_INJECT_FAULT,     /**< a fault is seen at confirm */
	RTE_DMA_DOMAIN_INJECT_RESUME,    /**< driver resume callback fails once */
	/** A fault is seen at confirm, and the first rollback attempt
	 * fails (switching back; REMAP: restoring the table; RESTART:
	 * re-attaching); the fallback works: recovery events RECOVERING,
	 * then SUCCESS; the device is back on its old domain.
	 */
	RTE_DMA_DOMAIN_INJECT_SWITCH_BACK,
	/** A fault is seen at confirm, and both rollback attempts fail
	 * (switching back and the detach + re-attach): the device is left on
	 * no domain, -ENOTRECOVERABLE (see rte_dma_domain_replace()).
	 */
	RTE_DMA_DOMAIN_INJECT_ROLLBACK,
	RTE_DMA_DOMAIN_INJECT_MAX,      /**< number of injection points */
};

/** Arm a failure-injection point for the next replace of b (tests). */
__rte_internal
int rte_dma_domain_inject(struct rte_dma_domain_binding *b, enum rte_dma_domain_inject at);

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
 * calls its hook.
 */
enum rte_dma_domain_test_point {
	/** Every poller acknowledged the pause (quiesce, remap: queues
	 * parked, before the parked coverage check).
	 */
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

/**
 * Soft model, tests only: make the model forget every IOTLB invalidation (unmap,
 * attach, replace) while skip is true, to show that the stale-translation
 * check of iotlb_verify catches such a bug. Logs a warning. @return 0.
 */
__rte_internal
int rte_dma_domain_soft_test_skip_invalidation(bool skip);

/**
 * Soft model, tests only: call fn(domain, arg) inside every translation of the soft
 * model, between its load of the IOTLB generation and its load of the
 * device's domain (domain is NULL there). A test uses it to make a
 * replace happen inside that window on purpose. NULL removes the hook.
 * Set it before the DMA threads start, remove it after they stopped.
 * Logs a warning when set. @return 0.
 */
__rte_internal
int rte_dma_domain_soft_test_translate_hook(void (*fn)(const char *domain, void *arg),
		void *arg);

/**
 * Soft model, tests only: call fn(domain, arg) from the control path each time the
 * model gives a device a new domain (attach, replace, detach, and both
 * steps of a VT-d replace), after the device's domain pointer changed and
 * before that change is complete (IOTLB generation). domain is the new
 * domain's name ("" for none or blocked). A test uses it to run DMA inside
 * that window on purpose. NULL removes the hook. Logs a warning when set.
 * @return 0.
 */
__rte_internal
int rte_dma_domain_soft_test_publish_hook(void (*fn)(const char *domain, void *arg),
		void *arg);

#ifdef __cplusplus
}
#endif

#endif /* DMA_DOMAIN_TEST_H */
