/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef RTE_DMA_DOMAIN_COMPAT_H
#define RTE_DMA_DOMAIN_COMPAT_H

/**
 * @file
 * The one place where the project's code adapts to the DPDK it is built
 * against (22.11 LTS and 25.11 LTS are supported). Other files use the
 * macros defined here instead of testing RTE_VERSION themselves.
 */

#include <rte_version.h>

#include <rte_common.h>
#include <rte_log.h>

#if RTE_VERSION_NUM(23, 11, 0, 0) <= RTE_VERSION
#include <rte_atomic.h>
#include <rte_stdatomic.h>
#else
/*
 * DPDK 23.11 introduced rte_stdatomic.h; on 22.11 its names are defined
 * here the way 23.11 defines them without enable_stdatomic (the GCC
 * builtins), so that the code is written once, in 23.11's API.
 */
#define RTE_ATOMIC(type) type
#define __rte_atomic
#define rte_memory_order_relaxed __ATOMIC_RELAXED
#define rte_memory_order_consume __ATOMIC_CONSUME
#define rte_memory_order_acquire __ATOMIC_ACQUIRE
#define rte_memory_order_release __ATOMIC_RELEASE
#define rte_memory_order_acq_rel __ATOMIC_ACQ_REL
#define rte_memory_order_seq_cst __ATOMIC_SEQ_CST
#define rte_atomic_load_explicit(ptr, mo) __atomic_load_n(ptr, mo)
#define rte_atomic_store_explicit(ptr, val, mo) __atomic_store_n(ptr, val, mo)
#define rte_atomic_exchange_explicit(ptr, val, mo) \
	__atomic_exchange_n(ptr, val, mo)
#define rte_atomic_compare_exchange_strong_explicit(ptr, exp, des, succ, fail) \
	__atomic_compare_exchange_n(ptr, exp, des, 0, succ, fail)
#define rte_atomic_compare_exchange_weak_explicit(ptr, exp, des, succ, fail) \
	__atomic_compare_exchange_n(ptr, exp, des, 1, succ, fail)
#define rte_atomic_fetch_add_explicit(ptr, val, mo) __atomic_fetch_add(ptr, val, mo)
#define rte_atomic_fetch_sub_explicit(ptr, val, mo) __atomic_fetch_sub(ptr, val, mo)
#define rte_atomic_fetch_and_explicit(ptr, val, mo) __atomic_fetch_and(ptr, val, mo)
#define rte_atomic_fetch_or_explicit(ptr, val, mo) __atomic_fetch_or(ptr, val, mo)
#define rte_atomic_fetch_xor_explicit(ptr, val, mo) __atomic_fetch_xor(ptr, val, mo)
#define rte_atomic_thread_fence(mo) __atomic_thread_fence(mo)
#endif

#if RTE_VERSION_NUM(23, 11, 0, 0) > RTE_VERSION
#include <pthread.h>
#include <rte_lcore.h>
#include <rte_thread.h>

/** Longest thread name with its NUL (23.11's rte_thread.h). */
#define RTE_THREAD_NAME_SIZE 16

/**
 * DPDK 23.11's rte_thread_create_control(), on 22.11's rte_thread_create():
 * a named thread (no placement on the control cpuset, which 22.11 offers
 * only to pthread-based rte_ctrl_thread_create()).
 *
 * @param id
 *   The new thread's id.
 * @param name
 *   Its name (at most 15 characters are kept).
 * @param fn
 *   Its function.
 * @param arg
 *   The argument of fn.
 * @return
 *   0, or a positive errno value.
 */
static inline int
rte_thread_create_control(rte_thread_t *id, const char *name,
		rte_thread_func fn, void *arg)
{
	int rc = rte_thread_create(id, NULL, fn, arg);

	if (rc == 0)
		/* EAL's rte_thread_setname(), not pthread_setname_np(): an
		 * application including this installed header need not
		 * define _GNU_SOURCE (tests/symbols: app_api_dma_domain).
		 */
		rte_thread_setname((pthread_t)id->opaque_id, name);
	return rc;
}

#ifdef ALLOW_INTERNAL_API
#include <stdio.h>

/** Longest name given to rte_thread_create_internal_control(), with its
 * NUL (23.11's rte_thread.h).
 */
#define RTE_THREAD_INTERNAL_NAME_SIZE 11

/**
 * DPDK 23.11's rte_thread_create_internal_control() (internal API: drivers
 * and libraries), on 22.11: a control thread named "dpdk-" + name.
 *
 * @param id
 *   The new thread's id.
 * @param name
 *   Its name without the prefix (at most 10 characters are kept).
 * @param fn
 *   Its function.
 * @param arg
 *   The argument of fn.
 * @return
 *   0, or a positive errno value.
 */
static inline int
rte_thread_create_internal_control(rte_thread_t *id, const char *name,
		rte_thread_func fn, void *arg)
{
	char prefixed[RTE_THREAD_NAME_SIZE];

	snprintf(prefixed, sizeof(prefixed), "dpdk-%s", name);
	return rte_thread_create_control(id, prefixed, fn, arg);
}
#endif /* ALLOW_INTERNAL_API */
#endif

#ifndef __rte_packed_begin
/**
 * DPDK 25.03's packed-structure markers (for 22.11, which has only
 * __rte_packed after the structure):
 *   struct __rte_packed_begin name { ... } __rte_packed_end;
 */
#define __rte_packed_begin
/** See __rte_packed_begin. */
#define __rte_packed_end __rte_packed
#endif

#ifndef RTE_LOG_LINE
/** DPDK 24.03's RTE_LOG_LINE (for 22.11): RTE_LOG with the newline added. */
#define RTE_LOG_LINE(l, t, ...) \
	RTE_LOG(l, t, RTE_FMT(RTE_FMT_HEAD(__VA_ARGS__ ,) "\n", \
		RTE_FMT_TAIL(__VA_ARGS__ ,)))
#endif

/**
 * Full (store-load) fence. The one raw builtin outside this header's 22.11
 * block: DPDK's rte_atomic_thread_fence(rte_memory_order_seq_cst) is an
 * inline-asm locked add on x86 (rte_smp_mb()), which ThreadSanitizer
 * cannot see; the builtin is the same fence to the hardware and to TSan.
 */
#define RTE_DMA_DOMAIN_FENCE_SEQ_CST() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* DPDK 23.03 renamed the unsigned telemetry helpers (the u64 ones went
 * away later).
 */
#if RTE_VERSION_NUM(23, 3, 0, 0) <= RTE_VERSION
/**
 * Add an unsigned 64-bit value to a telemetry dictionary, whatever the
 * DPDK: rte_tel_data_add_dict_uint() (23.03 and later).
 *
 * @param d
 *   The struct rte_tel_data dictionary.
 * @param n
 *   The value's name.
 * @param v
 *   The value.
 * @return
 *   What the DPDK function returns: 0, or a negative errno.
 */
#define RTE_DMA_DOMAIN_TEL_DICT_UINT(d, n, v) rte_tel_data_add_dict_uint(d, n, v)
#else
/**
 * Add an unsigned 64-bit value to a telemetry dictionary, whatever the
 * DPDK: rte_tel_data_add_dict_u64() (before 23.03).
 *
 * @param d
 *   The struct rte_tel_data dictionary.
 * @param n
 *   The value's name.
 * @param v
 *   The value.
 * @return
 *   What the DPDK function returns: 0, or a negative errno.
 */
#define RTE_DMA_DOMAIN_TEL_DICT_UINT(d, n, v) rte_tel_data_add_dict_u64(d, n, v)
#endif

/* DPDK 25.11 removed the per-queue fields of struct rte_eth_stats and gave
 * the PMD stats callback a struct eth_queue_stats argument instead.
 */
#if RTE_VERSION_NUM(25, 11, 0, 0) <= RTE_VERSION
/** 1: the PMD stats callback takes a struct eth_queue_stats (DPDK 25.11). */
#define RTE_DMA_DOMAIN_ETH_STATS_HAS_QSTATS 1
#else
/** 0: per-queue counters are in struct rte_eth_stats (before DPDK 25.11). */
#define RTE_DMA_DOMAIN_ETH_STATS_HAS_QSTATS 0
#endif

#endif /* RTE_DMA_DOMAIN_COMPAT_H */
