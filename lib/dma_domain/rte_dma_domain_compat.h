/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef RTE_DMA_DOMAIN_COMPAT_H
#define RTE_DMA_DOMAIN_COMPAT_H

/**
 * @file
 * The one place where the project's code adapts to the DPDK it is built
 * against (22.11 LTS and 25.11 LTS are supported). Other files use the
 * macros defined here instead of testing RTE_VERSION themselves.
 */

#include <rte_version.h>

#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#include <rte_stdatomic.h>
/** Atomic type qualifier, as DPDK spells it for this version. */
#define RTE_DMA_DOMAIN_ATOMIC(t) RTE_ATOMIC(t)
#define RTE_DMA_DOMAIN_LOAD_RELAXED(p) \
	rte_atomic_load_explicit(p, rte_memory_order_relaxed)
#define RTE_DMA_DOMAIN_LOAD_ACQUIRE(p) \
	rte_atomic_load_explicit(p, rte_memory_order_acquire)
#define RTE_DMA_DOMAIN_STORE_RELAXED(p, v) \
	rte_atomic_store_explicit(p, v, rte_memory_order_relaxed)
#define RTE_DMA_DOMAIN_STORE_RELEASE(p, v) \
	rte_atomic_store_explicit(p, v, rte_memory_order_release)
#define RTE_DMA_DOMAIN_FETCH_ADD_RELAXED(p, v) \
	rte_atomic_fetch_add_explicit(p, v, rte_memory_order_relaxed)
#define RTE_DMA_DOMAIN_FETCH_OR_ACQ_REL(p, v) \
	rte_atomic_fetch_or_explicit(p, v, rte_memory_order_acq_rel)
#define RTE_DMA_DOMAIN_FETCH_AND_RELEASE(p, v) \
	rte_atomic_fetch_and_explicit(p, v, rte_memory_order_release)
/** Compare-and-swap (acq_rel; acquire on failure, *o updated). */
#define RTE_DMA_DOMAIN_CAS_ACQ_REL(p, o, v) \
	rte_atomic_compare_exchange_strong_explicit(p, o, v, \
		rte_memory_order_acq_rel, rte_memory_order_acquire)
#else
#define RTE_DMA_DOMAIN_ATOMIC(t) t
#define RTE_DMA_DOMAIN_LOAD_RELAXED(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define RTE_DMA_DOMAIN_LOAD_ACQUIRE(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define RTE_DMA_DOMAIN_STORE_RELAXED(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)
#define RTE_DMA_DOMAIN_STORE_RELEASE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define RTE_DMA_DOMAIN_FETCH_ADD_RELAXED(p, v) \
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED)
#define RTE_DMA_DOMAIN_FETCH_OR_ACQ_REL(p, v) \
	__atomic_fetch_or(p, v, __ATOMIC_ACQ_REL)
#define RTE_DMA_DOMAIN_FETCH_AND_RELEASE(p, v) \
	__atomic_fetch_and(p, v, __ATOMIC_RELEASE)
#define RTE_DMA_DOMAIN_CAS_ACQ_REL(p, o, v) \
	__atomic_compare_exchange_n(p, o, v, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#endif

/** Full (store-load) fence; the compiler builtin in every version, so that
 * sanitizers see the same fence as the code that runs. */
#define RTE_DMA_DOMAIN_FENCE_SEQ_CST() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* DPDK 23.03 renamed the unsigned telemetry helpers (the u64 ones went
 * away later). */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define RTE_DMA_DOMAIN_TEL_DICT_UINT(d, n, v) rte_tel_data_add_dict_uint(d, n, v)
#else
#define RTE_DMA_DOMAIN_TEL_DICT_UINT(d, n, v) rte_tel_data_add_dict_u64(d, n, v)
#endif

/* DPDK 25.11 removed the per-queue fields of struct rte_eth_stats and gave
 * the PMD stats callback a struct eth_queue_stats argument instead. */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
#define RTE_DMA_DOMAIN_ETH_STATS_HAS_QSTATS 1
#else
#define RTE_DMA_DOMAIN_ETH_STATS_HAS_QSTATS 0
#endif

#endif /* RTE_DMA_DOMAIN_COMPAT_H */
