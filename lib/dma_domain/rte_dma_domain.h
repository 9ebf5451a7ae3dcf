/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef RTE_DMA_DOMAIN_H
#define RTE_DMA_DOMAIN_H

/**
 * @file
 * RTE DMA domain: IOVA address spaces for devices, swapped under live I/O.
 *
 * A *context* is one per process per backend (the kernel's /dev/iommu, or
 * the in-process soft IOMMU model). A *domain* is an IOVA space in a
 * context. A *binding* is one device bound to a context; it is attached to
 * at most one domain at a time and can be moved to another domain with
 * rte_dma_domain_replace() while its queues keep running.
 *
 * The replace protocol (coverage check, quiesce, switch, confirm, roll back)
 * needs the device's driver to take part: drivers bind their devices and
 * register their queues through the driver SDK header
 * rte_dma_domain_driver.h (internal API, for buses and PMDs, not for
 * applications). This header is the application's API: contexts, domains,
 * mappings, attach/detach/replace of bindings the bus created, swap records
 * and statistics, and taking the queues of a port offline while the
 * application stops polling them.
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_bitops.h>
#include <rte_common.h>
#include <rte_compat.h>
#include <rte_branch_prediction.h>

#include "rte_dma_domain_compat.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest domain or binding name, including the terminating NUL. */
#define RTE_DMA_DOMAIN_NAMESIZE 32

/** Backends. */
enum rte_dma_domain_backend {
	RTE_DMA_DOMAIN_BACKEND_SOFT = 0,    /**< in-process soft IOMMU model */
	RTE_DMA_DOMAIN_BACKEND_IOMMUFD = 1, /**< Linux /dev/iommu + VFIO cdev */
};

/** Domain kinds (soft backend: all; iommufd backend: paging only). */
enum rte_dma_domain_kind {
	RTE_DMA_DOMAIN_PAGING = 0,   /**< IOVA -> memory page table */
	RTE_DMA_DOMAIN_IDENTITY = 1, /**< IOVA == virtual address, everything */
	RTE_DMA_DOMAIN_BLOCKING = 2, /**< every access faults */
};

/** Access rights of a mapping (iommufd IOMMU_IOAS_MAP_READABLE/WRITEABLE). */
#define RTE_DMA_DOMAIN_ACCESS_READ  RTE_BIT32(0) /**< device may read */
#define RTE_DMA_DOMAIN_ACCESS_WRITE RTE_BIT32(1) /**< device may write */
/** Device may read and write (RTE_DMA_DOMAIN_ACCESS_READ | _WRITE). */
#define RTE_DMA_DOMAIN_ACCESS_RW \
	(RTE_DMA_DOMAIN_ACCESS_READ | RTE_DMA_DOMAIN_ACCESS_WRITE)

/** Domain creation flag: mirror all DPDK memory (IOVA from memsegs), now and
 * when memory is hotplugged, before a device can be handed that memory.
 */
#define RTE_DMA_DOMAIN_F_MIRROR RTE_BIT32(0)

/** Replace strategies (see doc/guides/design.rst). */
enum rte_dma_domain_strategy {
	/** Backend's safe default: QUIESCE unless replace is atomic. */
	RTE_DMA_DOMAIN_STRATEGY_DEFAULT = 0,
	/** Park the queues, stop device DMA, switch, confirm, resume. */
	RTE_DMA_DOMAIN_STRATEGY_QUIESCE,
	/** Switch under live DMA, then grace period + fault check. */
	RTE_DMA_DOMAIN_STRATEGY_HITLESS,
	/** Baseline: quiesce, then unmap + map every range of the domain the
	 * device is on so that it matches the target (legacy VFIO container).
	 * The binding stays attached to its current domain object. That
	 * rewrites the domain in place under every device attached to it:
	 * refused (-EBUSY) while other bindings are attached to it too, as
	 * only this binding's queues are quiesced (opts.force overrides).
	 */
	RTE_DMA_DOMAIN_STRATEGY_REMAP,
	/** Baseline: port stop, detach, attach, port start. */
	RTE_DMA_DOMAIN_STRATEGY_RESTART,
};

/** Options of rte_dma_domain_replace(). Zero-initialised = defaults. */
struct rte_dma_domain_replace_opts {
	enum rte_dma_domain_strategy strategy; /**< DEFAULT if 0 */
	uint32_t timeout_us;  /**< quiesce timeout; 0 = 100 ms */
	/** Wait (up to timeout_us) for uncovered buffers to retire instead
	 * of refusing: the in-flight check un-parks the queues between walks
	 * so that their pollers reclaim completions; the application must
	 * stop handing the port buffers from uncovered memory.
	 */
	bool drain;
	/** Allow HITLESS where replace is not atomic; allow REMAP of a
	 * domain other bindings are attached to (they are not quiesced:
	 * their DMA may fault; the log says so).
	 */
	bool force;
};

/** Result of the last replace of a binding (also one record in stats). */
struct rte_dma_domain_swap_record {
	uint64_t seq;             /**< swap number on this binding, from 1 */
	enum rte_dma_domain_strategy strategy; /**< strategy actually used */
	/** 0 or negative errno; -ENOTRECOVERABLE: rollback_failed */
	int result;
	bool rolled_back;         /**< device returned to the old domain */
	uint64_t pause_ns;        /**< first pause request to last resume */
	uint64_t max_parked_ns;   /**< longest single-queue parked time */
	uint64_t switch_ns;       /**< the switch call alone */
	uint64_t faults;          /**< faults seen across the swap */
	char from[RTE_DMA_DOMAIN_NAMESIZE]; /**< old domain */
	char to[RTE_DMA_DOMAIN_NAMESIZE];   /**< requested domain */
	char reason[128];         /**< failure reason, empty on success */
	/** The rollback failed as well: the device is on no domain, its
	 * queues are left parked (rte_dma_domain_replace() says how to
	 * recover); rolled_back is false.
	 */
	bool rollback_failed;
	/** The target was the domain the binding is on: nothing was done
	 * (no pause, no driver callback), result 0.
	 */
	bool noop;
	/** Faults seen after a rollback switched the device back (counted
	 * in faults too).
	 */
	uint64_t rollback_faults;
	/** Queues still keeping packets when their release reached the
	 * swap's timeout: released anyway, their poller posts the rest
	 * (see rte_dma_domain_queue_kept()).
	 */
	uint32_t release_overruns;
	/** Faults charged to the device between the previous swap and this
	 * one (outside any swap: not in faults).
	 */
	uint64_t faults_between;
	/** Faults seen in the backend's confirmation window after the queues
	 * resumed (kernel backend: /dev/kmsg lines arrive late); also in
	 * faults. Such a swap fails with -EIO, the device stays on the new
	 * domain (a range it used is missing there).
	 */
	uint64_t late_faults;
	/** The fault counts are lower bounds (the backend's fault source
	 * lost or rate-limited reports; it logged why).
	 */
	bool faults_inexact;
	/** Where the swap's time went, in ns (0: the phase did not run).
	 * The same phases are rte_trace points (lib.dma_domain.swap.*).
	 * Pause request to every poller parked (hitless: the grace period).
	 */
	uint64_t park_ns;
	/** The coverage checks, both phases (the driver's walks and, with
	 * drain, the re-parks between them).
	 */
	uint64_t coverage_ns;
	/** The driver's queue_quiesce of every queue. */
	uint64_t quiesce_ns;
	/** The driver's queue_quiesce of the slowest queue. */
	uint64_t quiesce_max_ns;
	/** The driver's queue_resume of every queue and the release of the
	 * pause (queue_unpark of what parked pollers kept included).
	 */
	uint64_t resume_ns;
	/** The fault confirmation after the queues resumed (the backend's
	 * window: kernel /dev/kmsg lines arrive late); not in pause_ns.
	 */
	uint64_t confirm_ns;
};

/** Cumulative statistics of a binding. */
struct rte_dma_domain_stats {
	uint64_t swaps;      /**< successful replaces (no-ops included) */
	uint64_t failures;   /**< refused or failed replaces */
	/** failures after which the device was returned to its old domain */
	uint64_t rollbacks;
	uint64_t faults;     /**< faults seen during swaps (rollbacks too) */
	uint64_t timeouts;   /**< quiesce timeouts (each one reported) */
	/** Pause time of every swap that paused the queues, failed and
	 * timed-out ones included (no-ops and refusals before the pause
	 * are not samples), over the last 4096 such swaps: the median
	 * (nearest rank; 0 while there is no sample).
	 */
	uint64_t pause_p50_ns;
	/** Pause time as pause_p50_ns: the 99th percentile (nearest rank). */
	uint64_t pause_p99_ns;
	/** Pause time as pause_p50_ns: the longest. */
	uint64_t pause_max_ns;
	/** Switch call of the successful swaps (no-ops excepted), over the
	 * last 4096 of them: the median (0 while there is no sample).
	 */
	uint64_t switch_p50_ns;
	/** Switch call as switch_p50_ns: the 99th percentile. */
	uint64_t switch_p99_ns;
	/** Switch call as switch_p50_ns: the longest. */
	uint64_t switch_max_ns;
	/** Failed rollbacks: device left on no domain (-ENOTRECOVERABLE). */
	uint64_t rollback_failures;
	/** Faults seen after rollback switches (also in faults). */
	uint64_t rollback_faults;
	uint64_t noops;      /**< replaces onto the current domain (in swaps) */
	uint64_t release_overruns; /**< see swap_record.release_overruns */
	uint64_t failed_pauses; /**< failed swaps that paused the queues */
	/** Pause time of the failed swaps alone (also in pause_*), over the
	 * last 4096 of them: the median (0 while there is no sample).
	 */
	uint64_t failed_pause_p50_ns;
	/** Pause time of the failed swaps: the 99th percentile. */
	uint64_t failed_pause_p99_ns;
	/** Pause time of the failed swaps: the longest. */
	uint64_t failed_pause_max_ns;
	/** Faults charged to the device outside swaps (swap_record.faults_between). */
	uint64_t faults_between;
	/** Faults seen after resume, in the confirmation window (also in faults). */
	uint64_t late_faults;
	/** Some fault count was a lower bound (swap_record.faults_inexact). */
	bool faults_inexact;
};

struct rte_dma_domain_ctx;
struct rte_dma_domain;
struct rte_dma_domain_binding;
struct rte_dma_domain_queue;

/* ---- contexts -------------------------------------------------------- */

/**
 * Get (and create on first use) the process's context of a backend.
 *
 * One context per backend and process: later calls return the same
 * context until rte_dma_domain_ctx_close() closed it. Thread-safe (under
 * the library's lock).
 *
 * @param b
 *   RTE_DMA_DOMAIN_BACKEND_SOFT or RTE_DMA_DOMAIN_BACKEND_IOMMUFD.
 * @return
 *   The context, or NULL with rte_errno set: EINVAL unknown backend;
 *   ENOMEM; the backend's error when it cannot open (ENODEV: backend
 *   unavailable, e.g. no /dev/iommu; a log line says why and how to fix
 *   it).
 */
__rte_experimental
struct rte_dma_domain_ctx *rte_dma_domain_ctx_get(enum rte_dma_domain_backend b);

/**
 * Close a backend's context: the iommufd backend closes /dev/iommu and
 * its fault source (the /dev/kmsg reader); the soft backend has nothing
 * open. The next rte_dma_domain_ctx_get() of the backend opens a fresh
 * context.
 *
 * Order: unbind every binding and destroy every domain of the context
 * first (a bus driver unbinds its devices at hot-unplug or
 * rte_eal_cleanup()). While one is left the context stays open and the
 * call fails with -EBUSY; the log names the first object left and how
 * many there are. A domain whose destroy failed (see
 * rte_dma_domain_destroy()) is still there and counts.
 *
 * Safe on NULL and on a context that is already closed (both return 0
 * and change nothing): the library compares the pointer with its open
 * contexts and never dereferences a closed one. A pointer of a closed
 * context that a later rte_dma_domain_ctx_get() happened to reuse names
 * the new context.
 *
 * @param ctx
 *   Context from rte_dma_domain_ctx_get(), or NULL.
 * @return
 *   0: closed, or nothing to do; -EBUSY (rte_errno set): bindings or
 *   domains of the context are left, nothing was closed.
 */
__rte_experimental
int rte_dma_domain_ctx_close(struct rte_dma_domain_ctx *ctx);

/** Objects of a context (rte_dma_domain_ctx_info_get()). */
struct rte_dma_domain_ctx_info {
	uint32_t nb_domains;   /**< domains of the context (listed) */
	uint32_t nb_bindings;  /**< bindings of the context */
	/** Domain destroys the backend refused since the context opened
	 * (iommufd: an IOMMU_DESTROY failed); each such domain was kept.
	 */
	uint64_t destroy_failures;
};

/**
 * What a context holds, as the library tracks it.
 *
 * @param ctx
 *   An open context.
 * @param info
 *   Filled in.
 * @return
 *   0; -EINVAL (rte_errno set): info is NULL; -ENOENT: ctx is NULL or not
 *   an open context (closed).
 */
__rte_experimental
int rte_dma_domain_ctx_info_get(const struct rte_dma_domain_ctx *ctx,
		struct rte_dma_domain_ctx_info *info);

/**
 * Backend of a context.
 *
 * Lock-free: the backend of a context never changes.
 *
 * @param ctx
 *   An open context (not NULL).
 * @return
 *   The backend the context was opened for.
 */
__rte_experimental
enum rte_dma_domain_backend rte_dma_domain_ctx_backend(const struct rte_dma_domain_ctx *ctx);

/**
 * Whether the backend's replace is atomic for DMA in flight: what
 * RTE_DMA_DOMAIN_STRATEGY_DEFAULT chooses by (HITLESS if atomic, else
 * QUIESCE), and what HITLESS needs without opts.force.
 *
 * Soft backend: the model chosen (rte_dma_domain_soft_configure(): true
 * for RTE_DMA_DOMAIN_SOFT_REPLACE_ATOMIC). iommufd backend: true only when
 * the context has bound devices and all of them sit behind an IOMMU type
 * measured atomic; no type is today, so false.
 *
 * @param ctx
 *   A context, or NULL.
 * @return
 *   true if replace is atomic; false if not, or ctx is NULL.
 */
__rte_experimental
bool rte_dma_domain_ctx_atomic_replace(const struct rte_dma_domain_ctx *ctx);

/* ---- domains --------------------------------------------------------- */

/**
 * Create a domain.
 *
 * @param ctx   Context.
 * @param name  Unique name (process-wide), at most RTE_DMA_DOMAIN_NAMESIZE-1.
 * @param kind  PAGING, IDENTITY or BLOCKING.
 * @param flags RTE_DMA_DOMAIN_F_*.
 * @return
 *   The domain, or NULL with rte_errno: EINVAL (bad name/kind/flags),
 *   EEXIST (name taken), ENOTSUP (kind not offered by the backend), ENOMEM.
 */
__rte_experimental
struct rte_dma_domain *rte_dma_domain_create(struct rte_dma_domain_ctx *ctx,
		const char *name, enum rte_dma_domain_kind kind, uint32_t flags);

/**
 * Destroy a domain: the backend frees its objects (iommufd: IOMMU_DESTROY
 * of the domain's HWPTs, then of its IOAS, which drops its mappings).
 *
 * When the backend cannot free them (iommufd: the kernel refused an
 * IOMMU_DESTROY, e.g. EBUSY because a HWPT is still attached to a device
 * outside the library's view), the error is logged with the object id
 * and errno, counted (rte_dma_domain_ctx_info.destroy_failures) and
 * returned, and the domain is KEPT: still listed, its mappings and mirror
 * intact, usable, and destroyed by a later call once the cause is gone.
 * Objects the backend freed before the failure (some HWPTs) are
 * allocated again when needed.
 *
 * @param dom
 *   The domain.
 * @return
 *   0; -EINVAL: dom is NULL; -EBUSY: a binding is attached to it, or a
 *   running replace uses it (its source or target; the log names the
 *   binding); another negative errno: the backend could not free it
 *   (see above). rte_errno is set on failure.
 */
__rte_experimental
int rte_dma_domain_destroy(struct rte_dma_domain *dom);

/**
 * Find a domain by name.
 *
 * @param name
 *   The name given to rte_dma_domain_create().
 * @return
 *   The domain, or NULL with rte_errno set: EINVAL name is NULL; ENOENT
 *   no domain has that name.
 */
__rte_experimental
struct rte_dma_domain *rte_dma_domain_lookup(const char *name);

/**
 * Name of a domain.
 *
 * @param dom
 *   A domain, or NULL.
 * @return
 *   The domain's name (valid until the domain is destroyed), or "" when
 *   dom is NULL.
 */
__rte_experimental
const char *rte_dma_domain_name(const struct rte_dma_domain *dom);

/**
 * Call cb for every domain, in creation order; stop at the first
 * non-zero return of cb.
 *
 * cb runs with the library's lock held: it may call the library (not
 * rte_dma_domain_replace(): -EDEADLK), including destroying the domain
 * it is given, but must not wait for another thread that does.
 *
 * @param cb
 *   Called with each domain and arg.
 * @param arg
 *   Passed to cb.
 * @return
 *   0 when cb returned 0 for every domain (or there is none), else the
 *   first non-zero value cb returned; -EINVAL cb is NULL.
 */
__rte_experimental
int rte_dma_domain_foreach(int (*cb)(struct rte_dma_domain *dom, void *arg), void *arg);

/**
 * Map [iova, iova + len) to [va, va + len) with the given access.
 *
 * The devices attached to dom can use the range as soon as the call
 * returns. A refused map changes nothing. Thread-safe (under the
 * library's lock).
 *
 * @param dom
 *   A paging domain.
 * @param iova
 *   First IOVA, 4 KiB aligned.
 * @param va
 *   Memory the range points at, 4 KiB aligned; it must stay allocated
 *   until the range is unmapped.
 * @param len
 *   Length in bytes, a non-zero multiple of 4 KiB.
 * @param access
 *   RTE_DMA_DOMAIN_ACCESS_READ and/or RTE_DMA_DOMAIN_ACCESS_WRITE.
 * @return
 *   0 on success. A negative errno on failure, rte_errno set, with the
 *   same choices as iommufd's IOMMU_IOAS_MAP with a fixed IOVA:
 *   -EINVAL dom is NULL, unaligned (4 KiB) iova, va or len, zero length,
 *   no access bit or an unknown one; -EEXIST overlaps an existing
 *   mapping; -EOVERFLOW iova + len wraps; -ENOTSUP on a non-paging
 *   domain; -ENOMEM; -ERANGE the range lies beyond the IOVA space of the
 *   backend's domains (the soft model: 48 bits; the kernel: the domain's
 *   aperture); or the backend's error (iommufd: the ioctl's errno).
 */
__rte_experimental
int rte_dma_domain_map(struct rte_dma_domain *dom, uint64_t iova, void *va,
		uint64_t len, uint32_t access);

/**
 * Unmap [iova, iova + len), like IOMMU_IOAS_UNMAP: the range must cover
 * whole mappings. A refused unmap changes nothing (where the kernel
 * would have unmapped the mappings met before the one it cuts).
 *
 * Devices attached to dom fault on the range once the call returned; the
 * caller must know that none still uses it (the replace protocol's
 * coverage check protects swaps only). Thread-safe (under the library's
 * lock).
 *
 * @param dom
 *   A domain.
 * @param iova
 *   First IOVA of the range; with len == UINT64_MAX, 0 unmaps everything
 *   the domain has mapped (any kind of domain; 0 also when nothing is).
 * @param len
 *   Length of the range in bytes.
 * @param unmapped
 *   If not NULL, set to the bytes unmapped (0 on a refusal).
 * @return
 *   0 on success. A negative errno on failure, rte_errno set: -EINVAL
 *   dom is NULL or len is 0; -EOVERFLOW iova + len wraps; -ENOENT the
 *   range would split a mapping (as the kernel's
 *   iopt_unmap_iova_range()), or nothing is mapped there; -ENOTSUP a
 *   non-paging domain (except the unmap-everything form); or the
 *   backend's error (the mappings are removed from the domain anyway).
 */
__rte_experimental
int rte_dma_domain_unmap(struct rte_dma_domain *dom, uint64_t iova,
		uint64_t len, uint64_t *unmapped);

/**
 * Copy the mappings of [src_iova, src_iova + len) in src to dst_iova in
 * dst: IOMMU_IOAS_COPY semantics, the same memory, no re-pinning. The
 * source range must be fully mapped (parts of mappings allowed); each
 * source piece becomes one mapping in dst. src and dst may be the same
 * domain.
 *
 * Everything is checked before anything is mapped (in the kernel's order:
 * source holes, destination range, access); a refused or failed copy
 * changes nothing (pieces already mapped are unmapped again).
 * Thread-safe (under the library's lock).
 *
 * @param dst
 *   Destination paging domain.
 * @param dst_iova
 *   Destination IOVA, 4 KiB aligned.
 * @param src
 *   Source paging domain, of the same context as dst.
 * @param src_iova
 *   Source IOVA, 4 KiB aligned.
 * @param len
 *   Length in bytes, a non-zero multiple of 4 KiB.
 * @param access
 *   Access of the new mappings (RTE_DMA_DOMAIN_ACCESS_*); every source
 *   mapping must allow it.
 * @return
 *   0 on success. A negative errno on failure, rte_errno set: -EINVAL
 *   dst or src is NULL, no access bit or an unknown one, an unaligned
 *   IOVA or length, zero length; -EXDEV the domains belong to different
 *   contexts; -ENOTSUP a domain is not paging; -EOVERFLOW a range wraps;
 *   -ENOENT a hole in the source range; -EEXIST the destination range
 *   overlaps a mapping; -EPERM access asks for more than a source
 *   mapping allows; -ENOMEM; or the backend's error (-ERANGE beyond the
 *   destination's IOVA space, as rte_dma_domain_map()).
 */
__rte_experimental
int rte_dma_domain_copy(struct rte_dma_domain *dst, uint64_t dst_iova,
		struct rte_dma_domain *src, uint64_t src_iova, uint64_t len,
		uint32_t access);

/** One mapping, as reported by rte_dma_domain_walk()/query(). */
struct rte_dma_domain_mapping {
	uint64_t iova;   /**< start */
	uint64_t len;    /**< length */
	void *va;        /**< what it points at */
	uint32_t access; /**< RTE_DMA_DOMAIN_ACCESS_* */
};

/**
 * Coverage query: is [iova, iova + len) mapped with at least @p access?
 *
 * Adjacent mappings count as one range. An identity domain covers
 * everything, a blocking one nothing. Thread-safe (under the library's
 * lock); the answer may be stale once the lock is released.
 *
 * @param dom
 *   A domain.
 * @param iova
 *   First IOVA of the range.
 * @param len
 *   Length in bytes, not 0.
 * @param access
 *   RTE_DMA_DOMAIN_ACCESS_* bits every byte must allow; 0: mapped at all.
 * @param gap
 *   If not NULL and the range is not covered, set to the first IOVA of
 *   the range that is not mapped with access.
 * @return
 *   1 covered; 0 not covered; -EINVAL (rte_errno not set) dom is NULL,
 *   len is 0, iova + len wraps or access has an unknown bit.
 */
__rte_experimental
int rte_dma_domain_covers(const struct rte_dma_domain *dom, uint64_t iova,
		uint64_t len, uint32_t access, uint64_t *gap);

/**
 * Translate one IOVA: the mapping that holds it.
 *
 * An identity domain answers one mapping of the whole IOVA space
 * (iova 0, len UINT64_MAX, va NULL, RTE_DMA_DOMAIN_ACCESS_RW). Thread-safe
 * (under the library's lock).
 *
 * @param dom
 *   A domain.
 * @param iova
 *   The IOVA to translate.
 * @param m
 *   Set to a copy of the mapping holding iova.
 * @return
 *   0 and *m; -ENOENT iova is not mapped (always so in a blocking
 *   domain); -EINVAL dom or m is NULL. rte_errno is not set.
 */
__rte_experimental
int rte_dma_domain_query(const struct rte_dma_domain *dom, uint64_t iova,
		struct rte_dma_domain_mapping *m);

/**
 * Call cb for every mapping of a domain, in IOVA order; stop at the first
 * non-zero return of cb. Identity and blocking domains have none.
 *
 * cb runs with the library's lock held (see rte_dma_domain_foreach()). It
 * gets a copy of each mapping, valid for the call only.
 *
 * @param dom
 *   A domain.
 * @param cb
 *   Called with each mapping and arg.
 * @param arg
 *   Passed to cb.
 * @return
 *   0 when cb returned 0 for every mapping (or there is none), else the
 *   first non-zero value cb returned; -EINVAL dom or cb is NULL.
 */
__rte_experimental
int rte_dma_domain_walk(const struct rte_dma_domain *dom,
		int (*cb)(const struct rte_dma_domain_mapping *m, void *arg), void *arg);

/**
 * Number of bytes mapped in a domain (the sum of its mappings' lengths;
 * 0 for identity and blocking domains). Thread-safe (under the
 * library's lock).
 *
 * @param dom
 *   A domain, or NULL.
 * @return
 *   Bytes mapped; 0 when dom is NULL.
 */
__rte_experimental
uint64_t rte_dma_domain_mapped_bytes(const struct rte_dma_domain *dom);

/* ---- bindings -------------------------------------------------------- */

/**
 * Find a binding by device name.
 *
 * @param name
 *   The device name the bus bound (e.g. "0000:00:03.0", "emu0").
 * @return
 *   The binding, valid until the bus unbinds the device (hot-unplug,
 *   rte_eal_cleanup()), or NULL with rte_errno set: EINVAL name is
 *   NULL; ENOENT no device of that name is bound.
 */
__rte_experimental
struct rte_dma_domain_binding *rte_dma_domain_binding_lookup(const char *name);

/**
 * Call cb for every binding, in bind order; stop at the first non-zero
 * return of cb.
 *
 * cb runs with the library's lock held (see rte_dma_domain_foreach()):
 * it must not call rte_dma_domain_replace() (-EDEADLK).
 *
 * @param cb
 *   Called with each binding and arg.
 * @param arg
 *   Passed to cb.
 * @return
 *   0 when cb returned 0 for every binding (or there is none), else the
 *   first non-zero value cb returned; -EINVAL cb is NULL.
 */
__rte_experimental
int rte_dma_domain_binding_foreach(
		int (*cb)(struct rte_dma_domain_binding *b, void *arg), void *arg);

/**
 * Name of the device of a binding.
 *
 * @param b
 *   A binding, or NULL.
 * @return
 *   The device name (valid until the binding is unbound), or "" when b
 *   is NULL.
 */
__rte_experimental
const char *rte_dma_domain_binding_name(const struct rte_dma_domain_binding *b);

/**
 * Domain the binding is attached to.
 *
 * Lock-free (a load-acquire): callable from any thread, also while a
 * replace runs on the binding, which changes the answer at its switch.
 *
 * @param b
 *   A binding, or NULL.
 * @return
 *   The domain; NULL when b is NULL, the binding is not attached, or a
 *   failed rollback left it on no domain (see rte_dma_domain_replace()).
 */
__rte_experimental
struct rte_dma_domain *rte_dma_domain_binding_domain(const struct rte_dma_domain_binding *b);

/**
 * Context of a binding (lock-free: it never changes).
 *
 * @param b
 *   A binding, or NULL.
 * @return
 *   The context the binding was bound to; NULL when b is NULL.
 */
__rte_experimental
struct rte_dma_domain_ctx *rte_dma_domain_binding_ctx(const struct rte_dma_domain_binding *b);

/**
 * Attach an unattached binding to a domain. Also the way back after a
 * failed rollback (rte_dma_domain_replace() returned -ENOTRECOVERABLE):
 * then every queue must be offline (port stopped) and the attach clears
 * the pause requests the failed swap left set.
 *
 * Thread-safe (under the library's lock). A failed attach leaves the
 * binding unattached.
 *
 * @param b
 *   A binding with no domain.
 * @param dom
 *   The domain, of the binding's context.
 * @return
 *   0 on success. A negative errno on failure, rte_errno set: -EINVAL b
 *   or dom is NULL; -EXDEV domain of another context; -EBUSY attached
 *   already, a replace runs on the binding (e.g. called from one of
 *   its driver callbacks), or (after a failed rollback) a queue is still
 *   online or armed; or the backend's error (iommufd: the attach
 *   ioctl's errno).
 */
__rte_experimental
int rte_dma_domain_attach(struct rte_dma_domain_binding *b, struct rte_dma_domain *dom);

/**
 * Detach a binding from its domain: the device is then on no domain and
 * its DMA faults. Device DMA must be stopped (queues offline or
 * quiesced); the library does not check it. Thread-safe (under the
 * library's lock).
 *
 * @param b
 *   An attached binding.
 * @return
 *   0 on success. A negative errno on failure, rte_errno set: -EINVAL b
 *   is NULL; -ENOENT not attached; -EBUSY a replace runs on the binding
 *   (e.g. called from a driver callback of that replace); or the
 *   backend's error (the binding stays attached).
 */
__rte_experimental
int rte_dma_domain_detach(struct rte_dma_domain_binding *b);

/**
 * Move a live device to another domain (doc/guides/design.rst, "The Replace Protocol").
 *
 * Runs the protocol in the calling thread (a control thread, never a
 * poller of the binding's queues: they must keep polling to acknowledge
 * the pause). Replaces of different bindings may run concurrently; a
 * second replace of the same binding is refused (-EBUSY). Every replace
 * leaves a swap record (rte_dma_domain_last_swap()) and is counted in
 * the statistics, except those refused before they start: bad
 * arguments, -EXDEV, -EDEADLK, an unattached binding, a replace already
 * running.
 *
 * Replacing onto the domain the binding is on is a no-op: 0, nothing done
 * (no pause, no driver callback; swap_record.noop).
 *
 * Driver callbacks, and what they call, run without any lock of the
 * library held; from them, detach, unbind, attach or replace of this
 * binding and the destruction of its old or new domain are refused
 * (-EBUSY). Do not call it with the library's lock held (from the
 * callback of a foreach function): -EDEADLK.
 *
 * @return 0 on success. On failure a negative errno, rte_errno set, the
 *   binding is on its old domain, queues run again (except
 *   -ENOTRECOVERABLE), and rte_dma_domain_last_swap() says what happened:
 *   -EINVAL bad argument, -EXDEV domain of another context,
 *   -ERANGE coverage check failed (nothing changed),
 *   -ETIMEDOUT a queue did not acknowledge in time (an online queue
 *   nobody polls: see rte_dma_domain_queue_arm()),
 *   -EIO a fault was seen across the switch (rolled back), or the
 *   device needs a reset (dev_ops.fault_check; before the switch:
 *   refused, nothing changed),
 *   -ENOTSUP strategy not allowed (HITLESS on non-atomic without force),
 *   -EBUSY a replace is already running on the binding, or REMAP of a
 *   domain that other bindings are attached to (without force; the
 *   reason names them; nothing changed),
 *   -EDEADLK called with the library's lock held,
 *   -ENOTRECOVERABLE a step failed and so did the rollback (both
 *   switching back and re-attaching the old domain): see below,
 *   or the backend's error from the switch call.
 *
 * After -ENOTRECOVERABLE (swap_record.rollback_failed) the device is on
 * no domain (rte_dma_domain_binding_domain() is NULL), its queues stay
 * parked and quiesced (or, RESTART, the port stays stopped), and the
 * driver got RTE_DMA_DOMAIN_RECOVERY_FAILED (an ethdev PMD raises
 * RTE_ETH_EVENT_RECOVERY_FAILED). Nothing resumes by itself. Recovery:
 *  -# stop the port (rte_eth_dev_stop(): the PMD takes its queues
 *     offline and releases what they held);
 *  -# rte_dma_domain_attach() the binding to a domain (refused while a
 *     queue is online or armed; clears the pause requests the swap
 *     left set);
 *  -# start the port (rte_eth_dev_start()).
 * Or close the port (rte_dma_domain_unbind() works once it is stopped).
 *
 * @param b
 *   An attached binding.
 * @param dom
 *   The target domain, of the binding's context.
 * @param opts
 *   Strategy, timeout, drain and force; NULL: every default (zero
 *   values).
 */
__rte_experimental
int rte_dma_domain_replace(struct rte_dma_domain_binding *b,
		struct rte_dma_domain *dom, const struct rte_dma_domain_replace_opts *opts);

/**
 * The last swap record of a binding: what its last replace did, failed
 * ones included (a refusal on the arguments, an unattached binding or a
 * replace already running leave none). Thread-safe (under the
 * library's lock).
 *
 * @param b
 *   A binding.
 * @param rec
 *   Filled in (all zero when there is no record).
 * @return
 *   0 and *rec; -ENOENT no replace since the binding was bound or its
 *   stats were reset (rte_dma_domain_stats_reset()); -EINVAL b or rec is
 *   NULL. rte_errno is not set.
 */
__rte_experimental
int rte_dma_domain_last_swap(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_swap_record *rec);

/**
 * Cumulative statistics of a binding since it was bound or its stats
 * were reset; percentiles over the last 4096 samples of each measure
 * (see struct rte_dma_domain_stats).
 *
 * Thread-safe: the library's lock is held only to copy the samples, the
 * percentiles are computed outside it (a monitoring loop does not hold
 * up replaces and maps).
 *
 * @param b
 *   A binding.
 * @param st
 *   Filled in.
 * @return
 *   0 and *st; -EINVAL b or st is NULL (rte_errno not set).
 */
__rte_experimental
int rte_dma_domain_stats_get(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_stats *st);

/**
 * Reset the statistics of a binding: counters, percentile samples and the
 * last swap record (rte_dma_domain_last_swap() answers -ENOENT until the
 * next replace). Swap numbers (swap_record.seq) keep counting.
 * Thread-safe (under the library's lock).
 *
 * @param b
 *   A binding.
 * @return
 *   0; -EINVAL b is NULL (rte_errno not set).
 */
__rte_experimental
int rte_dma_domain_stats_reset(struct rte_dma_domain_binding *b);

/**
 * Human-readable strategy name, as rte_dma_domain_strategy_parse() takes
 * it.
 *
 * @param s
 *   A strategy.
 * @return
 *   "default", "quiesce", "hitless", "remap" or "restart" (static
 *   strings); "unknown" for a value out of the enum.
 */
__rte_experimental
const char *rte_dma_domain_strategy_name(enum rte_dma_domain_strategy s);

/**
 * Parse a strategy name (devargs, command lines).
 *
 * @param s
 *   "default", "quiesce", "hitless", "remap" or "restart" (exact,
 *   lower case).
 * @param out
 *   Set to the strategy on success, unchanged otherwise.
 * @return
 *   0; -EINVAL s or out is NULL, or s is no strategy name (logged with
 *   the valid names). rte_errno is not set.
 */
__rte_experimental
int rte_dma_domain_strategy_parse(const char *s, enum rte_dma_domain_strategy *out);

/* ---- queues the application polls ------------------------------------ */

/**
 * Queue handle qid of a binding. An application uses it only to take
 * queues offline while it stops polling them
 * (rte_dma_domain_queue_offline() and the calls below); the handle's
 * contents and the burst-side protocol belong to the driver
 * (rte_dma_domain_driver.h). Lock-free.
 *
 * @param b
 *   A binding.
 * @param qid
 *   Queue index, below the nb_queues the driver bound the device with
 *   (the driver's numbering).
 * @return
 *   The handle, valid until the binding is unbound; NULL when b is NULL
 *   or qid is out of range.
 */
__rte_experimental
struct rte_dma_domain_queue *rte_dma_domain_queue_get(struct rte_dma_domain_binding *b,
		uint16_t qid);

/**
 * The queue is (not) polled from now on. Offline queues count as
 * acknowledged; an online queue that nobody polls never acknowledges and
 * makes every replace time out (-ETIMEDOUT). PMDs call
 * rte_dma_domain_queue_arm() at queue start (they cannot know which
 * queues the application polls) and offline() at queue stop;
 * applications call offline() and arm() or online() when they stop/start
 * polling a started queue. Call online()/offline() from the polling
 * thread, or while nobody polls the queue. offline() also disarms.
 *
 * Lock-free (atomic stores and the queue's rte_rcu_qsbr thread state).
 *
 * @param q
 *   A queue handle (rte_dma_domain_queue_get()), not NULL.
 */
__rte_experimental
void rte_dma_domain_queue_online(struct rte_dma_domain_queue *q);
/**
 * The queue is not polled from now on: it counts as acknowledged, so
 * replaces no longer wait for it. Also disarms (rte_dma_domain_queue_arm())
 * and forgets the end of a pause that a next burst would have handled
 * (the driver discards its backlog when it stops the queue). Same rules
 * as rte_dma_domain_queue_online(): call it from the polling thread, or
 * while nobody polls the queue. Lock-free.
 *
 * @param q
 *   A queue handle (rte_dma_domain_queue_get()), not NULL.
 */
__rte_experimental
void rte_dma_domain_queue_offline(struct rte_dma_domain_queue *q);

/**
 * Arm the queue: it stays offline (replaces do not wait for it) and
 * becomes online at its first burst call, where
 * rte_dma_domain_queue_pause_pending() is true once and
 * rte_dma_domain_queue_ack() puts it online - safely also when that
 * first burst races with a replace: the burst then parks (returns true)
 * if the replace counts the queue as parked. The hot path keeps its one
 * load. Call it when nobody polls the queue yet (e.g. in dev_start, or
 * queue start), as offline(); it takes an online queue offline first.
 * Undone by rte_dma_domain_queue_offline().
 *
 * @param q
 *   A queue handle (rte_dma_domain_queue_get()), not NULL.
 */
__rte_experimental
void rte_dma_domain_queue_arm(struct rte_dma_domain_queue *q);

/**
 * Is the queue marked polled? Lets an application that stops polling a
 * port's queues bring back exactly those the driver had in use (online
 * or armed, see rte_dma_domain_queue_is_armed(); the driver's queue
 * numbering stays its own business). An armed queue is not online
 * until its first burst.
 *
 * Lock-free (a load-acquire), from any thread; the answer may change
 * right after (the poller's first burst, the driver's queue stop).
 *
 * @param q
 *   A queue handle (rte_dma_domain_queue_get()), not NULL.
 * @return
 *   true if the queue is online (polled); false if offline or armed.
 */
__rte_experimental
bool rte_dma_domain_queue_is_online(const struct rte_dma_domain_queue *q);

/**
 * Is the queue armed (rte_dma_domain_queue_arm()) and not yet polled?
 *
 * Lock-free (a load-acquire), from any thread; the answer may change
 * right after (the first burst puts the queue online).
 *
 * @param q
 *   A queue handle (rte_dma_domain_queue_get()), not NULL.
 * @return
 *   true if armed and its first burst has not come yet; false otherwise.
 */
__rte_experimental
bool rte_dma_domain_queue_is_armed(const struct rte_dma_domain_queue *q);

/* ---- output ----------------------------------------------------------- */

/**
 * Dump a domain to f: one line with its backend, kind, mapping count,
 * bytes mapped and attached bindings, then one line per mapping (IOVA,
 * length, VA, access). Holds the library's lock while it writes.
 *
 * @param f
 *   Output stream; nothing is written when NULL.
 * @param dom
 *   A domain; nothing is written when NULL.
 */
__rte_experimental
void rte_dma_domain_dump(FILE *f, const struct rte_dma_domain *dom);

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMA_DOMAIN_H */
