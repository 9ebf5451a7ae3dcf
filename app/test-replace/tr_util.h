/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TR_UTIL_H
#define TR_UTIL_H

/**
 * @file
 * Argument parsing with errors that name the bad argument and what was
 * expected, time helpers and single-writer counters. Shared by
 * dpdk-test-replace and the testpmd plugin.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <rte_dma_domain.h>

/** Size of every error buffer passed to the parsers and commands. */
#define TR_ERRLEN 256

/** printf into an error buffer; returns -EINVAL so callers can 'return tr_err(...)'. */
int tr_err(char *err, const char *fmt, ...) __rte_format_printf(2, 3);

/** Error for an argument left over at argv[i] (if any). */
int tr_args_done(int argc, char **argv, int i, char *err);

/** Unsigned integer (decimal or 0x hex) in [min, max]. */
int tr_parse_u64(const char *what, const char *s, uint64_t min, uint64_t max,
		uint64_t *out, char *err);

/** Size with optional K/M/G suffix (binary units), in [min, max]. */
int tr_parse_size(const char *what, const char *s, uint64_t min, uint64_t max,
		uint64_t *out, char *err);

/** Port id of an existing ethdev port. */
int tr_parse_port(const char *s, uint16_t *port, char *err);

/** Replace strategy name. */
int tr_parse_strategy(const char *s, enum rte_dma_domain_strategy *out, char *err);

/**
 * Replace options from argv[i] on: force, drain, timeout <us>, strategy <s>
 * and, where bare_strategy, a strategy name alone. Fields of o that no
 * option names are left as they are.
 */
int tr_parse_replace_opts(int argc, char **argv, int i, bool bare_strategy,
		struct rte_dma_domain_replace_opts *o, char *err);

/** Periodic swap options from argv[i] on: [count <n>], then replace options. */
int tr_parse_swap_opts(int argc, char **argv, int i, bool bare_strategy, uint64_t *count,
		struct rte_dma_domain_replace_opts *o, char *err);

/**
 * Start writing path safely: refuse a path that is a symbolic link (or
 * not a regular file), and create a new temporary file next to it
 * (O_CREAT|O_EXCL, so never through a link), mode 0644.
 * @param tmp receives the temporary file's name (len >= strlen(path) + 8)
 * @return the stream, or NULL with err set.
 */
FILE *tr_file_create(const char *path, char *tmp, size_t len, char *err);

/**
 * Close f and rename its temporary file tmp over path (removing tmp on
 * any error). @return 0, or -EINVAL with err set.
 */
int tr_file_commit(FILE *f, const char *tmp, const char *path, char *err);

/** Existing domain name. */
int tr_parse_domain(const char *s, struct rte_dma_domain **dom, char *err);

/** Monotonic time in nanoseconds. */
static inline uint64_t
tr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/** Sleep for ns nanoseconds (never busy). */
void tr_sleep_ns(uint64_t ns);

/* Counters with one writer (the forwarding lcore) and readers on other
 * threads: relaxed load + store, no read-modify-write on the hot path.
 */
static inline uint64_t
tr_cnt_get(const uint64_t *c)
{
	return rte_atomic_load_explicit(c, rte_memory_order_relaxed);
}

static inline void
tr_cnt_add(uint64_t *c, uint64_t v)
{
	rte_atomic_store_explicit(c, rte_atomic_load_explicit(c, rte_memory_order_relaxed) + v,
			rte_memory_order_relaxed);
}

static inline void
tr_cnt_set(uint64_t *c, uint64_t v)
{
	rte_atomic_store_explicit(c, v, rte_memory_order_relaxed);
}

/**
 * Room for one more element in a growing array of nb elements of size
 * elem: when full and below max elements, doubles its capacity *cap (first
 * 1024). Returns the array, moved or not; unchanged (still full) when out
 * of memory or at max.
 */
void *tr_array_grow(void *arr, size_t nb, size_t *cap, size_t elem, size_t max);

/** Write s as a JSON string literal (quotes included). */
void tr_json_str(FILE *f, const char *s);


/** Sort n values in place (ascending). */
void tr_sort_u64(uint64_t *v, size_t n);

#endif /* TR_UTIL_H */
