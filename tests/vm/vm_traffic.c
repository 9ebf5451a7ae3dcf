/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Verified traffic between ports 0 and 1 (the VM tier's two virtio-net
 * NICs on one QEMU hub). Frame: Ethernet header to the peer's MAC,
 * ethertype 0x88b5 (local experimental), then magic, source port,
 * sequence number and payload bytes derived from the sequence number.
 */

#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "th.h"
#include "vm_test_util.h"
#include "vm_traffic.h"

#define MAGIC 0x564d5452u /* "VMTR" */
#define ETHER_TYPE_LOCAL 0x88b5
#define BURST 32
#define RING 256
#define DRAIN_IDLE_MS 300
#define DRAIN_MAX_MS 5000

/* Copied in and out with memcpy: it sits at offset 14 of the frame. */
struct vm_hdr {
	uint32_t magic;
	uint16_t port;
	uint16_t pad;
	uint64_t seq;
};

#define PAYLOAD_OFF (sizeof(struct rte_ether_hdr) + sizeof(struct vm_hdr))

static struct rte_ether_addr macs[2];

static inline uint8_t
pattern(uint64_t seq, unsigned int i)
{
	return (uint8_t)(seq * 31u + i * 7u + 1u);
}

int
vm_ports_start(struct vm_traffic *t)
{
	struct rte_eth_conf conf;
	uint16_t p;
	int ret;

	if (rte_eth_dev_count_avail() < 2) {
		printf("FAIL: %u ports, expected the two NICs\n", rte_eth_dev_count_avail());
		return -1;
	}
	t->mp = rte_pktmbuf_pool_create("vm_traffic", 4095, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (t->mp == NULL) {
		printf("FAIL: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	for (p = 0; p < 2; p++) {
		ret = rte_eth_dev_configure(p, 1, 1, &conf);
		if (ret == 0)
			ret = rte_eth_rx_queue_setup(p, 0, RING, SOCKET_ID_ANY, NULL, t->mp);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(p, 0, RING, SOCKET_ID_ANY, NULL);
		if (ret == 0)
			ret = rte_eth_dev_start(p);
		if (ret == 0)
			ret = rte_eth_macaddr_get(p, &macs[p]);
		if (ret != 0) {
			printf("FAIL: port %u bring-up: %s\n", p, rte_strerror(-ret));
			return -1;
		}
	}
	/* At most half the rx ring in flight: the receiver never runs out
	 * of posted buffers. When it does, QEMU queues the frame, and its
	 * net queue delivers the next frame directly once buffers appear,
	 * before flushing the queued one (qemu_net_queue_send): a reorder
	 * that is QEMU's, not the PMD's.
	 */
	if (t->window == 0)
		t->window = RING / 2;
	return 0;
}

void
vm_ports_stop(void)
{
	uint16_t p;

	for (p = 0; p < 2; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
}

static struct rte_mbuf *
build(struct vm_traffic *t, uint16_t p, uint64_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t->mp);
	struct rte_ether_hdr *eh;
	struct vm_hdr h = { .magic = MAGIC, .port = p, .pad = 0, .seq = seq };
	uint8_t *pl;
	unsigned int i;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, VM_TRAFFIC_FRAME);
	rte_ether_addr_copy(&macs[1 - p], &eh->dst_addr);
	rte_ether_addr_copy(&macs[p], &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ETHER_TYPE_LOCAL);
	memcpy(eh + 1, &h, sizeof(h));
	pl = (uint8_t *)eh + PAYLOAD_OFF;
	for (i = 0; i < VM_TRAFFIC_FRAME - PAYLOAD_OFF; i++)
		pl[i] = pattern(seq, i);
	return m;
}

static void
send_some(struct vm_traffic *t, uint16_t p, uint64_t limit)
{
	struct vm_flow *f = &t->f[p];
	struct rte_mbuf *pkts[BURST];
	uint64_t room = t->window - RTE_MIN((uint64_t)t->window, f->sent - f->received);
	uint16_t n = 0, sent, i;

	if (t->pace_pps != 0) {
		uint64_t now = rte_get_timer_cycles(), hz = rte_get_timer_hz(), due;

		due = f->pace_t0 == 0 ? UINT64_MAX : (now - f->pace_t0) * t->pace_pps / hz;
		if (due > f->sent + BURST) { /* (re)start the pace from here */
			f->pace_t0 = now - f->sent * hz / t->pace_pps;
			due = f->sent + 1;
		}
		room = due - RTE_MIN(due, f->sent);
	}
	if (limit != 0)
		room = RTE_MIN(room, limit - RTE_MIN(limit, f->sent));
	while (n < RTE_MIN(room, (uint64_t)BURST)) {
		pkts[n] = build(t, p, f->next_tx + n);
		if (pkts[n] == NULL)
			break;
		n++;
	}
	if (n == 0) {
		/* Nothing to send: a zero burst still reports the queue
		 * quiescent to a pending swap (an online queue that is
		 * never polled stalls the grace period).
		 */
		rte_eth_tx_burst(p, 0, pkts, 0);
		return;
	}
	/* Parked (a swap in progress) or ring full: what the PMD did not
	 * take is freed and sent again later with the same numbers.
	 */
	sent = rte_eth_tx_burst(p, 0, pkts, n);
	for (i = sent; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	f->next_tx += sent;
	f->sent += sent;
}

static void
verify(struct vm_traffic *t, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint8_t *pl = (const uint8_t *)eh + PAYLOAD_OFF;
	struct vm_hdr hdr;
	const struct vm_hdr *h = &hdr;
	struct vm_flow *f;
	unsigned int i;

	if (rte_pktmbuf_data_len(m) < PAYLOAD_OFF ||
			eh->ether_type != rte_cpu_to_be_16(ETHER_TYPE_LOCAL)) {
		t->foreign++;
		return;
	}
	memcpy(&hdr, eh + 1, sizeof(hdr));
	if (h->magic != MAGIC || h->port > 1) {
		t->foreign++;
		return;
	}
	f = &t->f[h->port];
	f->received++;
	if (rte_pktmbuf_pkt_len(m) != VM_TRAFFIC_FRAME || !rte_pktmbuf_is_contiguous(m)) {
		f->corrupt++;
	} else {
		for (i = 0; i < VM_TRAFFIC_FRAME - PAYLOAD_OFF; i++)
			if (pl[i] != pattern(h->seq, i)) {
				f->corrupt++;
				break;
			}
	}
	if (h->seq != f->next_rx && !f->bad_seen) {
		f->bad_seen = true;
		f->bad_expect = f->next_rx;
		f->bad_got = h->seq;
	}
	if (h->seq == f->next_rx) {
		f->next_rx++;
	} else if (h->seq > f->next_rx) {
		f->gaps += h->seq - f->next_rx;
		f->next_rx = h->seq + 1;
	} else {
		f->late++;
	}
}

static uint16_t
recv_some(struct vm_traffic *t, uint16_t p)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = rte_eth_rx_burst(p, 0, pkts, BURST), i;

	for (i = 0; i < n; i++) {
		verify(t, pkts[i]);
		rte_pktmbuf_free(pkts[i]);
	}
	if (n != 0)
		rte_atomic_store_explicit(&t->rx_total,
			rte_atomic_load_explicit(&t->rx_total, rte_memory_order_relaxed) + n,
					rte_memory_order_relaxed);
	return n;
}

void
vm_traffic_drain(struct vm_traffic *t)
{
	uint64_t hz = rte_get_timer_hz(), t0 = rte_get_timer_cycles();
	uint64_t last = t0, now;

	for (;;) {
		uint16_t n = recv_some(t, 0) + recv_some(t, 1);

		now = rte_get_timer_cycles();
		if (n != 0)
			last = now;
		if (t->f[0].received >= t->f[0].sent && t->f[1].received >= t->f[1].sent)
			break;
		if (now - last > hz * DRAIN_IDLE_MS / 1000 || now - t0 > hz * DRAIN_MAX_MS / 1000)
			break;
		if (n == 0)
			sched_yield();
	}
	t->drain_ms = (rte_get_timer_cycles() - t0) * 1000 / hz;
}

uint16_t
vm_traffic_step(struct vm_traffic *t)
{
	send_some(t, 0, 0);
	send_some(t, 1, 0);
	return recv_some(t, 1) + recv_some(t, 0);
}

int
vm_traffic_loop(void *arg)
{
	struct vm_traffic *t = arg;

	rte_atomic_store_explicit(&t->running, 1, rte_memory_order_seq_cst);
	while (rte_atomic_load_explicit(&t->stop, rte_memory_order_acquire) == 0) {
		if (rte_atomic_load_explicit(&t->hold, rte_memory_order_seq_cst) != 0) {
			rte_atomic_store_explicit(&t->held, 1, rte_memory_order_seq_cst);
			sched_yield();
			continue;
		}
		rte_atomic_store_explicit(&t->held, 0, rte_memory_order_seq_cst);
		if (rte_atomic_load_explicit(&t->hold, rte_memory_order_seq_cst) != 0)
			continue;
		/* The controller shares the vCPUs: let it run while
		 * nothing moves (doc/guides/design.rst, "Why the Waits Yield").
		 */
		if (vm_traffic_step(t) == 0)
			sched_yield();
	}
	rte_atomic_store_explicit(&t->hold, 0, rte_memory_order_relaxed);
	vm_traffic_drain(t);
	rte_atomic_store_explicit(&t->running, 0, rte_memory_order_seq_cst);
	return 0;
}

bool
vm_traffic_progress(struct vm_traffic *t, uint64_t since, uint64_t min_new, unsigned int ms)
{
	uint64_t t0 = th_now_ns();

	while (th_now_ns() - t0 < ms * 1000000ull) {
		if (rte_atomic_load_explicit(&t->rx_total, rte_memory_order_relaxed) >
				since + min_new)
			return true;
		rte_delay_us_sleep(1000);
	}
	return false;
}

int
vm_traffic_launch(struct vm_traffic *t, unsigned int lcore, uint64_t min_new, unsigned int ms)
{
	uint64_t since = rte_atomic_load_explicit(&t->rx_total, rte_memory_order_relaxed);

	rte_atomic_store_explicit(&t->stop, 0, rte_memory_order_relaxed);
	if (rte_eal_remote_launch(vm_traffic_loop, t, lcore) != 0) {
		printf("FAIL: cannot launch the traffic lcore %u\n", lcore);
		return -1;
	}
	return vm_traffic_progress(t, since, min_new, ms) ? 0 : -1;
}

void
vm_traffic_finish(struct vm_traffic *t, unsigned int lcore, const char *what)
{
	rte_atomic_store_explicit(&t->stop, 1, rte_memory_order_release);
	rte_eal_wait_lcore(lcore);
	vm_traffic_print(t, what);
}

void
vm_traffic_hold(struct vm_traffic *t, bool on)
{
	rte_atomic_store_explicit(&t->hold, on ? 1 : 0, rte_memory_order_seq_cst);
	if (!on)
		return;
	while (rte_atomic_load_explicit(&t->running, rte_memory_order_seq_cst) != 0 &&
			rte_atomic_load_explicit(&t->held, rte_memory_order_seq_cst) == 0)
		sched_yield();
}

int
vm_traffic_replace(struct vm_traffic *t, struct rte_dma_domain_binding *b,
		struct rte_dma_domain *to, const struct rte_dma_domain_replace_opts *o,
		struct rte_dma_domain_swap_record *rec)
{
	bool hold = o->strategy == RTE_DMA_DOMAIN_STRATEGY_RESTART;
	struct rte_dma_domain_queue *q;
	uint16_t qid;
	int ret;

	if (hold) {
		vm_traffic_hold(t, true);
		for (qid = 0; (q = rte_dma_domain_queue_get(b, qid)) != NULL; qid++)
			rte_dma_domain_queue_offline(q);
	}
	ret = rte_dma_domain_replace(b, to, o);
	if (hold)
		vm_traffic_hold(t, false);
	memset(rec, 0, sizeof(*rec));
	rte_dma_domain_last_swap(b, rec);
	return ret;
}

void
vm_traffic_run(struct vm_traffic *t, uint64_t count)
{
	uint64_t target0 = t->f[0].sent + count, target1 = t->f[1].sent + count;
	uint64_t hz = rte_get_timer_hz(), t0 = rte_get_timer_cycles();

	while ((t->f[0].sent < target0 || t->f[1].sent < target1) &&
			rte_get_timer_cycles() - t0 < 20 * hz) {
		send_some(t, 0, target0);
		send_some(t, 1, target1);
		recv_some(t, 1);
		recv_some(t, 0);
	}
	vm_traffic_drain(t);
}

uint64_t
vm_traffic_lost(const struct vm_traffic *t)
{
	uint64_t lost = 0;
	int p;

	for (p = 0; p < 2; p++)
		lost += t->f[p].sent - RTE_MIN(t->f[p].sent, t->f[p].received);
	return lost;
}

void
vm_traffic_print(const struct vm_traffic *t, const char *what)
{
	int p;

	for (p = 0; p < 2; p++)
		printf("traffic %s: port %d -> %d: sent %" PRIu64 " received %" PRIu64
			" lost %" PRIu64 " gaps %" PRIu64 " late %" PRIu64 " corrupt %" PRIu64 "\n",
			what, p, 1 - p, t->f[p].sent, t->f[p].received,
			t->f[p].sent - RTE_MIN(t->f[p].sent, t->f[p].received),
			t->f[p].gaps, t->f[p].late, t->f[p].corrupt);
	for (p = 0; p < 2; p++)
		if (t->f[p].bad_seen)
			printf("traffic %s: port %d -> %d: first out-of-order frame:"
				" expected seq %" PRIu64 ", got %" PRIu64 "\n",
				what, p, 1 - p, t->f[p].bad_expect, t->f[p].bad_got);
	printf("traffic %s: foreign frames %" PRIu64 ", final drain %" PRIu64 " ms\n",
		what, t->foreign, t->drain_ms);
	fflush(stdout);
}

uint64_t
vm_bindings_faults(struct rte_dma_domain_binding *const *b, int n)
{
	struct rte_dma_domain_stats st;
	uint64_t faults = 0;
	int p;

	for (p = 0; p < n; p++)
		if (rte_dma_domain_stats_get(b[p], &st) == 0)
			faults += st.faults;
	return faults;
}

uint64_t
vm_xstat(uint16_t port, const char *name)
{
	uint64_t id, v = 0;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0 ||
			rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1)
		return 0;
	return v;
}

struct rte_dma_domain *
vm_mirror_domain(struct rte_dma_domain_binding *b, const char *name)
{
	struct rte_dma_domain *d = rte_dma_domain_create(rte_dma_domain_binding_ctx(b),
		name, RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);

	TH_EXPECT(d != NULL, "mirror domain %s (%s)", name,
		d == NULL ? rte_strerror(rte_errno) : "ok");
	return d;
}

int
vm_eal_start(const char *prog, const char *pmd, const char *const *extra,
	const char *nic[2])
{
	/* nic[] point into list: it outlives the call */
	static char list[256], a0[64], a1[64];
	const char *eal[24] = {
		prog, "-l", "0,1", "--in-memory", "--iova-mode=va", "--no-telemetry",
		"-a", a0, "-a", a1, "-d", pmd,
	};
	int n = 12, rc;

	rc = vm_guest_nics(list, sizeof(list), nic);
	if (rc != 0)
		return rc;
	snprintf(a0, sizeof(a0), "%s", nic[0]);
	snprintf(a1, sizeof(a1), "%s", nic[1]);
	for (; extra != NULL && *extra != NULL && n < (int)RTE_DIM(eal); extra++)
		eal[n++] = *extra;
	if (rte_eal_init(n, (char **)(uintptr_t)eal) < 0) {
		printf("FAIL: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	return 0;
}
