/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef DMA_DOMAIN_PRIVATE_H
#define DMA_DOMAIN_PRIVATE_H

/*
 * Internal state of the backend-independent core of librte_dma_domain.
 * Not installed.
 *
 * Locking: one process-wide mutex (dd_lock) serialises the control path:
 * contexts, the lists, domain objects and their mapping tables, bindings'
 * attachment, pins, stats, the backend's domain calls and the device
 * calls of bindings no swap owns (see below for a swap's own). Rule: no EAL,
 * driver or application callback runs under it, and nothing under it
 * takes an EAL lock or calls rte_malloc (this library allocates its own
 * objects with libc). Lock order: the EAL memory hotplug lock (taken by
 * the EAL around memory events, whose mirror callback takes dd_lock, and
 * by mirror creation explicitly), or any lock of a driver or application
 * whose callback calls the library, before dd_lock.
 * It is recursive only for the library's own nesting (unbind detaches).
 *
 * A replace (dma_domain_replace.c) holds dd_lock only for short critical
 * sections: it marks the binding `swapping` and pins the two domains it
 * uses under the lock, drops the lock for the protocol (driver callbacks:
 * walks, quiesce, resume, port restart, recovery events; waits for the
 * pollers), and retakes it for each domain table read (one coverage range),
 * attachment change (set_domain) and the stats commit.
 * While `swapping` is set, detach, unbind, attach and another replace of
 * the binding are refused (-EBUSY), and so is the destruction of a pinned
 * domain; the binding's queues and its backend device are the swap's
 * alone: the swap's device calls (prepare, replace, attach and detach in
 * a rollback, faults, fault_info, faults_wait) run WITHOUT dd_lock, so
 * that a switch (the soft VT-d window, an iommufd ioctl) or a fault
 * confirmation window (/dev/kmsg polled) of one binding never holds up
 * another binding's swap, a map, a telemetry request or the memory
 * hotplug callback. A backend therefore protects what its devices share
 * itself (soft/backend_soft.c: atomics, the unmap flush fence;
 * iommufd/backend_iommufd.c: be_ctx.lock), and a device call may run while another thread maps or
 * unmaps a domain (the domains it uses are pinned, not frozen). Mapping
 * changes of a pinned domain are allowed (each is atomic under dd_lock;
 * the coverage check sees the table as it is at the walk); the memory
 * hotplug callback maps into every mirror domain, pinned ones too, and
 * waits at most for one of those short sections.
 * Swaps of different bindings run at the same time (test_dd_ctl.c:
 * two_bindings, overlap); dma_domain_test.h's serialise switch restores
 * "one replace at a time per process" for the tests and the benchmark.
 *
 * Lock order: EAL hotplug lock or a driver's/application's lock, then
 * dd_lock, then a backend's own lock (be_ctx.lock). A swap holds none of
 * them across a driver callback.
 *
 * The data path (queue pause flags, soft DMA translation) takes no lock.
 */

#include <pthread.h>
#include <sys/queue.h>

#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "rte_dma_domain.h"
#include "dma_domain_backend.h"
#include "dma_domain_test.h"
#include "dma_domain_logs.h"


/* Bits of rte_dma_domain_queue::pause_req (0: run). The controller sets
 * and clears PARK/REPORT, the queue's arm/offline and its first burst set
 * and clear ARMED, its bursts set and clear RESUMED; each side changes
 * only its own bits, with atomic RMW, so neither erases the other's
 * (dma_domain_queue.c).
 */
#define DD_PAUSE_NONE   0u /* run */
#define DD_PAUSE_PARK   1u /* acknowledge and stay parked (wins over REPORT) */
#define DD_PAUSE_REPORT 2u /* acknowledge (grace period) and keep running */
#define DD_PAUSE_ARMED  4u /* offline; goes online at its first burst */
/* The poller parked since it last cleared this bit: set by its first
 * parked burst (while PARK is still set), so that once the controller
 * clears PARK the next burst takes the slow path once more and learns it
 * was resumed (rte_dma_domain_queue_ack_state()). The poller's own bit.
 */
#define DD_PAUSE_RESUMED 8u
/* A parked burst kept packets since the controller last called
 * dev_ops.queue_unpark: set by the poller only while PARK is set (CAS),
 * cleared by the controller, which calls queue_unpark before it clears
 * PARK (dd_queues_release()).
 */
#define DD_PAUSE_KEPT   16u
/* A burst parked on the current PARK request: set by a parked burst with
 * RESUMED (it decided on a re-load that showed PARK, so no burst of the
 * queue touches the ring until PARK is cleared), cleared by the
 * controller in the same RMW that raises the next PARK and by the poller
 * with RESUMED. The controller counts such a queue as parked even when
 * its QSBR report carried the token of an earlier request (a report just
 * before rte_rcu_qsbr_start()): a transmit queue whose application calls
 * tx_burst only with packets to send, all of them kept by that parked
 * burst, sends no later report (dd_queues_request()).
 */
#define DD_PAUSE_PARKED 32u
#define DD_PAUSE_REQ    (DD_PAUSE_PARK | DD_PAUSE_REPORT)

/* Number of swap samples the percentiles are computed over. */
#define DD_STATS_RING 4096

struct rte_dma_domain_ctx {
	enum rte_dma_domain_backend backend;
	const struct dma_domain_backend_ops *ops;
	void *priv;
	/* under dd_lock: domain destroys the backend refused (the domain
	 * was kept); rte_dma_domain_ctx_info.destroy_failures
	 */
	uint64_t destroy_failures;
};

/* The granule of mappings: IOVA, VA and length 4 KiB aligned. */
#define DD_PAGE 4096ull

/* One mapping of the IOVA-ordered table (same layout as the public one). */
typedef struct rte_dma_domain_mapping dd_mapping;

struct dd_map_table {
	dd_mapping *m;   /* sorted by iova, never overlapping */
	uint32_t n;
	uint32_t cap;
	uint64_t bytes;
};

struct rte_dma_domain {
	TAILQ_ENTRY(rte_dma_domain) next;
	char name[RTE_DMA_DOMAIN_NAMESIZE];
	struct rte_dma_domain_ctx *ctx;
	enum rte_dma_domain_kind kind;
	uint32_t flags;
	void *priv;              /* backend handle */
	struct dd_map_table tbl; /* paging domains only */
	uint32_t nb_attached;    /* bindings attached (dd_lock) */
	uint32_t pins;           /* running swaps using it (dd_lock) */
};

/* Last DD_STATS_RING samples of one measure. */
struct dd_ring {
	uint32_t n;      /* samples held, <= DD_STATS_RING */
	uint32_t head;   /* next slot */
	uint64_t v[DD_STATS_RING];
};

/* Stats of one binding (dd_lock). */
struct dd_stats {
	struct rte_dma_domain_stats cum; /* counters; percentiles computed */
	uint64_t seq;
	struct dd_ring pause;        /* every swap that paused, failed ones too */
	struct dd_ring failed_pause; /* failed swaps that paused */
	struct dd_ring sw;           /* switch call of successful swaps */
	struct rte_dma_domain_swap_record last;
};

/* Library-side state of one queue, next to the public handle. */
struct dd_queue_state {
	uint64_t ack_tsc; /* first ack of the current request (__atomic) */
	uint32_t online;  /* __atomic */
};

struct rte_dma_domain_binding {
	TAILQ_ENTRY(rte_dma_domain_binding) next;
	char name[RTE_DMA_DOMAIN_NAMESIZE];
	struct rte_dma_domain_ctx *ctx;
	void *dev_priv;                 /* backend device */
	struct rte_dma_domain_dev_ops ops;
	void *drv_arg;
	struct rte_dma_domain *dom;     /* attached (__atomic, dd_lock to write) */
	uint16_t nb_queues;
	struct rte_dma_domain_queue *queues;  /* nb_queues, cache aligned */
	struct dd_queue_state *qstate;
	struct rte_rcu_qsbr *qsbr;      /* one thread id per queue */
	/* Tests: queue whose acknowledgments are dropped (UINT32_MAX: none). */
	uint32_t mute_qid; /* __atomic */
	enum rte_dma_domain_inject inject; /* armed for the next replace */
	/* A replace runs on the binding (dd_lock): it owns the queues, the
	 * attachment and swap_from/swap_to, which it pins.
	 */
	bool swapping;
	struct rte_dma_domain *swap_from, *swap_to;
	/* A failed rollback left the queues' pause requests set (the device
	 * is on no domain): rte_dma_domain_attach() clears them (dd_lock).
	 */
	bool stranded;
	enum rte_dma_domain_strategy default_strategy; /* for STRATEGY_DEFAULT */
	struct dd_stats *stats;
	/* Tests (dma_domain_test.h): called by the binding's replace at its
	 * protocol points (rte_dma_domain_test_swap_hook()), from the
	 * replacing thread, with no library lock held. Set arg, then fn
	 * (release).
	 */
	void (*test_swap_hook)(void *arg, enum rte_dma_domain_test_point pt); /* __atomic */
	void *test_swap_arg;
	/* Tests (dma_domain_test.h): called by a poller between its load of
	 * a request and its report. Set arg, then fn (release).
	 */
	void (*test_ack_hook)(void *arg, uint16_t qid); /* __atomic */
	void *test_ack_arg;
};

/* dma_domain.c: the leaf (lock, lists, helpers); calls no other file. */
/* Pins of a running swap (dd_lock held). */
void dd_domain_pin(struct rte_dma_domain *d);
void dd_domain_unpin(struct rte_dma_domain *d);
void dd_lock(void);
void dd_unlock(void);
/* Whether the calling thread holds dd_lock. */
bool dd_lock_held(void);
/* dd_unlock(), then rc, mirrored in rte_errno when negative. */
int dd_unlock_ret(int rc);
/* 0, or -EXDEV (rte_errno set, logged) when dom is not of ctx. */
int dd_ctx_check(const struct rte_dma_domain_ctx *ctx,
		const struct rte_dma_domain *dom, const char *op, const char *who);
uint64_t dd_now_ns(void);
struct rte_dma_domain *dd_domain_first(void);
struct rte_dma_domain *dd_domain_next(struct rte_dma_domain *d);
struct rte_dma_domain_binding *dd_binding_first(void);
struct rte_dma_domain_binding *dd_binding_next(struct rte_dma_domain_binding *b);
void dd_binding_list_add(struct rte_dma_domain_binding *b);
void dd_binding_list_del(struct rte_dma_domain_binding *b);
/* The domain list (dd_lock held). */
void dd_domain_list_add(struct rte_dma_domain *d);
void dd_domain_list_del(struct rte_dma_domain *d);
/* The domain named name, or NULL (dd_lock held). */
struct rte_dma_domain *dd_domain_find(const char *name);
/* The binding whose running swap pins d (dd_lock held). */
const struct rte_dma_domain_binding *dd_domain_pinner(const struct rte_dma_domain *d);
const char *dd_kind_name(enum rte_dma_domain_kind k);
int dd_name_check(const char *what, const char *name);
/* The open context of a backend slot (enum rte_dma_domain_backend), or
 * NULL; set it (dd_lock held).
 */
struct rte_dma_domain_ctx *dd_ctx_at(unsigned int slot);
void dd_ctx_set(unsigned int slot, struct rte_dma_domain_ctx *ctx);
/* The backend slot of an open context, or -1 (dd_lock held). Compares
 * pointers only: ctx may be a closed (freed) context.
 */
int dd_ctx_slot(const struct rte_dma_domain_ctx *ctx);
/* Domains and bindings of ctx; the first of each in *d, *b (dd_lock held). */
void dd_ctx_objects(const struct rte_dma_domain_ctx *ctx, uint32_t *nd, uint32_t *nb,
		const struct rte_dma_domain **d, const struct rte_dma_domain_binding **b);

/* dma_domain_map.c (dd_lock held) */
int dd_map_locked(struct rte_dma_domain *dom, uint64_t iova, void *va,
		uint64_t len, uint32_t access);
int dd_unmap_locked(struct rte_dma_domain *dom, uint64_t iova, uint64_t len,
		uint64_t *unmapped);
void dd_map_table_free(struct dd_map_table *t);
int dd_map_table_dup(const struct dd_map_table *src, struct dd_map_table *dst);
/* Where does dom send iova? 0 and *va, or -ENOENT / -EACCES. */
int dd_domain_translate(const struct rte_dma_domain *dom, uint64_t iova,
		uint32_t access, void **va, uint64_t *contig_len);

/* dma_domain_mirror.c */
int dd_mirror_populate(struct rte_dma_domain *dom);
void dd_mirror_domain_gone(struct rte_dma_domain *dom);

/* dma_domain_queue.c */
/* The test hook of ack_state (slow path only: one load when a request is
 * pending).
 */
static inline void
dd_test_ack_point(struct rte_dma_domain_binding *b, uint16_t qid)
{
	void (*fn)(void *arg, uint16_t qid);

	fn = rte_atomic_load_explicit(&b->test_ack_hook, rte_memory_order_acquire);

	if (unlikely(fn != NULL))
		fn(b->test_ack_arg, qid);
}

struct rte_dma_domain_binding *dd_binding_of_queue(struct rte_dma_domain_queue *q);
/* The dd_queues_* of a swap act on queues 0 to nq - 1: the handles the
 * driver uses (dev_ops.queues_in_use), at most b->nb_queues.
 */
int dd_queues_request(struct rte_dma_domain_binding *b, uint16_t nq, uint32_t req,
		uint32_t timeout_us, uint32_t *first_missing);
/* Clear the requests (after queue_unpark posted what parked pollers
 * kept). Bounded: past deadline_ns the requests are cleared even if a
 * poller keeps again; returns the number of such queues (overruns).
 */
uint32_t dd_queues_release(struct rte_dma_domain_binding *b, uint16_t nq,
		uint64_t deadline_ns);
/* Clear what a failed rollback left set (queues offline; dd_lock). */
void dd_queues_unstrand(struct rte_dma_domain_binding *b);
uint64_t dd_queues_max_parked(struct rte_dma_domain_binding *b, uint16_t nq,
		uint64_t end_tsc);

/* dma_domain_binding.c */
/* -EBUSY, logged, when a replace runs on b (dd_lock held). */
int dd_binding_busy(const struct rte_dma_domain_binding *b, const char *op);

/* dma_domain_stats.c (dd_lock held) */
struct dd_stats *dd_stats_alloc(void);
void dd_stats_commit(struct rte_dma_domain_binding *b,
		const struct rte_dma_domain_swap_record *rec);
void dd_stats_compute(const struct rte_dma_domain_binding *b,
		struct rte_dma_domain_stats *st);

#endif /* DMA_DOMAIN_PRIVATE_H */
