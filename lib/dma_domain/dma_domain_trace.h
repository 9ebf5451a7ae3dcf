/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef DMA_DOMAIN_TRACE_H
#define DMA_DOMAIN_TRACE_H

/*
 * rte_trace points of a swap (dma_domain_replace.c), one per phase, so
 * that a production application can see where a swap's time goes:
 * enable them with the EAL's --trace=lib.dma_domain.* option (or
 * rte_trace_pattern()) and read the CTF output with babeltrace or
 * Trace Compass. Every event names the binding and the swap's sequence
 * number (rte_dma_domain_swap_record.seq); durations are in ns.
 *
 *   lib.dma_domain.swap.request     replace called (strategy, from, to)
 *   lib.dma_domain.swap.coverage    one coverage check (parked 0/1)
 *   lib.dma_domain.swap.parked      every poller parked (request -> parked)
 *   lib.dma_domain.swap.quiesce     the driver's queue_quiesce of one queue
 *   lib.dma_domain.swap.switch      the backend's switch call
 *   lib.dma_domain.swap.resume      the driver's queue_resume of every queue
 *                                   and the release of the pause
 *   lib.dma_domain.swap.done        result, pause, recorded phases
 *   lib.dma_domain.queue.resumed    a poller's first burst after a pause
 *                                   finished posting what it kept
 *                                   (rte_dma_domain_queue_resumed_clear():
 *                                   slow path, once per queue and pause)
 *
 * Not installed; none is on the burst fast path (a queue reaches
 * queue.resumed only in the slow path a pause sends it to). A disabled
 * point costs one load and a branch.
 */

#include <rte_trace_point.h>

#ifdef __cplusplus
extern "C" {
#endif

RTE_TRACE_POINT(
	rte_dma_domain_trace_swap_request,
	RTE_TRACE_POINT_ARGS(const char *binding, uint64_t seq, int strategy,
		const char *from, const char *to),
	rte_trace_point_emit_string(binding);
	rte_trace_point_emit_u64(seq);
	rte_trace_point_emit_int(strategy);
	rte_trace_point_emit_string(from);
	rte_trace_point_emit_string(to);
)

RTE_TRACE_POINT(
	rte_dma_domain_trace_swap_coverage,
	RTE_TRACE_POINT_ARGS(const char *binding, uint64_t seq, uint8_t parked,
		uint64_t ns, int rc),
	rte_trace_point_emit_string(binding);
	rte_trace_point_emit_u64(seq);
	rte_trace_point_emit_u8(parked);
	rte_trace_point_emit_u64(ns);
	rte_trace_point_emit_int(rc);
)

RTE_TRACE_POINT(
	rte_dma_domain_trace_swap_parked,
	RTE_TRACE_POINT_ARGS(const char *binding, uint64_t seq, uint64_t ns, int rc),
	rte_trace_point_emit_string(binding);
	rte_trace_point_emit_u64(seq);
	rte_trace_point_emit_u64(ns);
	rte_trace_point_emit_int(rc);
)

RTE_TRACE_POINT(
	rte_dma_domain_trace_swap_quiesce,
	RTE_TRACE_POINT_ARGS(const char *binding, uint64_t seq, uint16_t qid,
		uint64_t ns, int rc),
	rte_trace_point_emit_string(binding);
	rte_trace_point_emit_u64(seq);
	rte_trace_point_emit_u16(qid);
	rte_trace_point_emit_u64(ns);
	rte_trace_point_emit_int(rc);
)

RTE_TRACE_POINT(
	rte_dma_domain_trace_swap_switch,
	RTE_TRACE_POINT_ARGS(const char *binding, uint64_t seq, uint64_t ns, int rc),
	rte_trace_point_emit_string(binding);
	rte_trace_point_emit_u64(seq);
	rte_trace_point_emit_u64(ns);
	rte_trace_point_emit_int(rc);
)

RTE_TRACE_POINT(
	rte_dma_domain_trace_swap_resume,
	RTE_TRACE_POINT_ARGS(const char *binding, uint64_t seq, uint64_t ns),
	rte_trace_point_emit_string(binding);
	rte_trace_point_emit_u64(seq);
	rte_trace_point_emit_u64(ns);
)

RTE_TRACE_POINT(
	rte_dma_domain_trace_swap_done,
	RTE_TRACE_POINT_ARGS(const char *binding, uint64_t seq, int result,
		uint64_t pause_ns, uint64_t park_ns, uint64_t coverage_ns,
		uint64_t quiesce_ns, uint64_t switch_ns, uint64_t resume_ns),
	rte_trace_point_emit_string(binding);
	rte_trace_point_emit_u64(seq);
	rte_trace_point_emit_int(result);
	rte_trace_point_emit_u64(pause_ns);
	rte_trace_point_emit_u64(park_ns);
	rte_trace_point_emit_u64(coverage_ns);
	rte_trace_point_emit_u64(quiesce_ns);
	rte_trace_point_emit_u64(switch_ns);
	rte_trace_point_emit_u64(resume_ns);
)

RTE_TRACE_POINT(
	rte_dma_domain_trace_queue_resumed,
	RTE_TRACE_POINT_ARGS(const char *binding, uint16_t qid),
	rte_trace_point_emit_string(binding);
	rte_trace_point_emit_u16(qid);
)

#ifdef __cplusplus
}
#endif

#endif /* DMA_DOMAIN_TRACE_H */
