/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "tr_domain.h"
#include "tr_fwd.h"
#include "tr_util.h"
#include "tr_verify.h"

#define MAX_BURST 256
#define MAX_FRAME 9216

static struct tr_fwd_cfg cfg;
static struct rte_mempool *pool;
static unsigned int fwd_lcore;
static bool running;              /* written by main, read anywhere (atomic) */
static bool polled[RTE_MAX_ETHPORTS]; /* written by main (atomic) */
static int quit, tx_stop;         /* set by main, read by the lcore */
/* set by the lcore once it saw tx_stop at the top of its loop: every
 * tx_burst of traffic it sent is counted (the drain starts from there)
 */
static int tx_stopped;
static bool verifier_ran;

/* Ports the lcore must leave alone for a while (restart swaps stop the
 * port under it): hold is set by the swapping thread, held is the lcore's
 * answer, lheld its private copy.
 */
static int hold[RTE_MAX_ETHPORTS], held[RTE_MAX_ETHPORTS];
static bool lheld[RTE_MAX_ETHPORTS];

/* txonly pacing (lcore only): next burst time per port, tsc per burst */
static uint64_t next_tsc[RTE_MAX_ETHPORTS], tsc_per_burst;

static struct tr_port_cnt cnt[RTE_MAX_ETHPORTS];
static struct tr_verify_stream streams[RTE_MAX_ETHPORTS];
static uint64_t sent[RTE_MAX_ETHPORTS];
static uint64_t received, corrupted, foreign;
static struct rte_ether_addr macs[RTE_MAX_ETHPORTS];
/* ports' drop counters at tr_fwd_start() (main thread only) */
static struct tr_port_drops drops0[RTE_MAX_ETHPORTS];
/* ports of the last run (main thread only) */
static bool was_polled[RTE_MAX_ETHPORTS];

const char *
tr_fwd_mode_name(enum tr_fwd_mode m)
{
	switch (m) {
	case TR_FWD_TXONLY: return "txonly";
	case TR_FWD_IO: return "io";
	case TR_FWD_RXONLY: return "rxonly";
	}
	return "?";
}

static void
check_one(struct rte_mbuf *m, bool seq_check)
{
	static uint8_t buf[MAX_FRAME];
	const struct rte_ether_hdr *eth;
	struct rte_ether_hdr eth_copy;
	const void *pl;
	uint32_t len;
	uint16_t stream;
	uint64_t seq;

	eth = rte_pktmbuf_read(m, 0, sizeof(*eth), &eth_copy);
	if (eth == NULL || eth->ether_type != rte_cpu_to_be_16(TR_ETHERTYPE)) {
		tr_cnt_add(&foreign, 1);
		return;
	}
	tr_cnt_add(&received, 1);
	len = m->pkt_len - sizeof(*eth);
	pl = len <= sizeof(buf) ? rte_pktmbuf_read(m, sizeof(*eth), len, buf) : NULL;
	if (pl == NULL || !tr_payload_check(pl, len, &stream, &seq) ||
			stream >= RTE_MAX_ETHPORTS) {
		tr_cnt_add(&corrupted, 1);
		return;
	}
	if (seq_check)
		tr_verify_seq(&streams[stream], seq);
}

/* An empty tx burst polls the port's tx queue for the replace protocol:
 * a swap waits until every online queue has seen its pause request, and
 * a tx queue sees it only in a burst call, so a queue with nothing to
 * send (rate pacing, rxonly/io modes, the drain at 'stop') is polled
 * anyway. Packets still in the tx ring do not need it: the receiving
 * port's rx burst pulls them (emulated devices, inline mode).
 */
static inline void
tx_poll(uint16_t port)
{
	struct rte_mbuf *none[1];

	rte_eth_tx_burst(port, 0, none, 0);
}

static void
gen_burst(uint16_t port)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t i, n = cfg.burst, nb_tx;
	uint64_t seq = sent[port];

	/* Whenever nothing is sent, an empty burst still polls the queue
	 * (see tx_poll()).
	 */
	if (tsc_per_burst != 0) {
		uint64_t now = rte_rdtsc();

		if (now < next_tsc[port]) {
			tx_poll(port);
			return;
		}
		/* after a stall, resume the rate instead of bursting to catch up */
		next_tsc[port] = RTE_MAX(next_tsc[port] + tsc_per_burst, now - 4 * tsc_per_burst);
	}
	if (rte_pktmbuf_alloc_bulk(pool, pkts, n) != 0) {
		tx_poll(port);
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth;

		eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, cfg.pktlen);
		memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
		rte_ether_addr_copy(&macs[port], &eth->src_addr);
		eth->ether_type = rte_cpu_to_be_16(TR_ETHERTYPE);
		/* unsent packets are freed and their numbers reused next burst */
		tr_payload_fill(eth + 1, cfg.pktlen - sizeof(*eth), port, seq + i, cfg.pattern);
	}
	nb_tx = rte_eth_tx_burst(port, 0, pkts, n);
	if (nb_tx < n) {
		rte_pktmbuf_free_bulk(&pkts[nb_tx], n - nb_tx);
		tr_cnt_add(&cnt[port].tx_unsent, n - nb_tx);
	}
	tr_cnt_add(&sent[port], nb_tx);
	tr_cnt_add(&cnt[port].tx_pkts, nb_tx);
	tr_cnt_add(&cnt[port].tx_bytes, (uint64_t)nb_tx * cfg.pktlen);
}

static uint16_t
pair_of(uint16_t idx)
{
	/* io: ports[0] <-> ports[1], ports[2] <-> ports[3], odd one to itself */
	uint16_t j = idx ^ 1;

	return cfg.ports[j < cfg.nb_ports ? j : idx];
}

static void
rx_burst(uint16_t idx)
{
	uint16_t port = cfg.ports[idx];
	struct rte_mbuf *pkts[MAX_BURST];
	uint64_t bytes = 0;
	uint16_t i, nb, nb_tx;

	nb = rte_eth_rx_burst(port, 0, pkts, cfg.burst);
	tr_cnt_add(&cnt[port].polls, 1);
	if (nb == 0) {
		tr_cnt_add(&cnt[port].idle_polls, 1);
		return;
	}
	for (i = 0; i < nb; i++) {
		bytes += pkts[i]->pkt_len;
		check_one(pkts[i], cfg.mode != TR_FWD_IO);
	}
	tr_cnt_add(&cnt[port].rx_pkts, nb);
	tr_cnt_add(&cnt[port].rx_bytes, bytes);
	if (cfg.mode != TR_FWD_IO || rte_atomic_load_explicit(&tx_stop, rte_memory_order_relaxed)) {
		rte_pktmbuf_free_bulk(pkts, nb);
		return;
	}
	port = pair_of(idx);
	if (lheld[port]) {
		rte_pktmbuf_free_bulk(pkts, nb);
		return;
	}
	nb_tx = rte_eth_tx_burst(port, 0, pkts, nb);
	tr_cnt_add(&cnt[port].tx_pkts, nb_tx);
	tr_cnt_add(&cnt[port].tx_bytes, bytes);
	if (nb_tx < nb) {
		rte_pktmbuf_free_bulk(&pkts[nb_tx], nb - nb_tx);
		tr_cnt_add(&cnt[port].tx_unsent, nb - nb_tx);
	}
}

static void hold_change(uint16_t p);

static void clear_polled(void);

static int
fwd_main(void *arg)
{
	uint16_t i;
	uint32_t k;

	RTE_SET_USED(arg);
	/* This lcore polls these queues from now on (QSBR-style online). */
	for (i = 0; i < cfg.nb_ports; i++)
		tr_port_queues_unpark(cfg.ports[i]);
	if (cfg.mode == TR_FWD_IO)
		for (k = 0; k < cfg.tx_first; k++)
			for (i = 0; i < cfg.nb_ports; i++)
				gen_burst(cfg.ports[i]);
	while (!rte_atomic_load_explicit(&quit, rte_memory_order_acquire)) {
		bool stop = rte_atomic_load_explicit(&tx_stop, rte_memory_order_relaxed);
		bool gen = cfg.mode == TR_FWD_TXONLY && !stop;

		/* no burst of this or a later pass sends (io: rx_burst reads
		 * tx_stop again, it stays set): what was sent is counted
		 */
		if (stop)
			rte_atomic_store_explicit(&tx_stopped, 1, rte_memory_order_release);

		for (i = 0; i < cfg.nb_ports; i++) {
			uint16_t p = cfg.ports[i];

			if (unlikely(rte_atomic_load_explicit(&hold[p],
					rte_memory_order_acquire) != lheld[p]))
				hold_change(p);
			if (lheld[p])
				continue;
			if (gen)
				gen_burst(p);
			else
				tx_poll(p);
			rx_burst(i);
		}
	}
	for (i = 0; i < cfg.nb_ports; i++)
		tr_port_queues_park(cfg.ports[i]);
	return 0;
}

/* Lcore side of tr_fwd_hold(): stop or resume polling port p. */
static void
hold_change(uint16_t p)
{
	lheld[p] = !lheld[p];
	if (lheld[p])
		tr_port_queues_park(p);
	else
		tr_port_queues_unpark(p);
	rte_atomic_store_explicit(&held[p], lheld[p], rte_memory_order_release);
}

int
tr_fwd_hold(uint16_t port, bool on)
{
	uint64_t deadline = tr_now_ns() + 1000000000ULL;

	if (!tr_fwd_polls(port))
		return 0;
	rte_atomic_store_explicit(&hold[port], on, rte_memory_order_release);
	/* the lcore answers within one loop; sleep, it may share our core */
	while (rte_atomic_load_explicit(&held[port], rte_memory_order_acquire) != on) {
		if (tr_now_ns() > deadline)
			return -ETIMEDOUT;
		tr_sleep_ns(20000);
	}
	return 0;
}

int
tr_fwd_around(uint16_t port, const struct rte_dma_domain_replace_opts *o,
		bool before, char *err)
{
	/* restart stops and starts the port: nobody may poll it meanwhile */
	if (o->strategy != RTE_DMA_DOMAIN_STRATEGY_RESTART)
		return 0;
	if (tr_fwd_hold(port, before) < 0 && before)
		return tr_err(err, "the forwarding lcore did not release port %u within 1 s", port);
	return 0;
}

int
tr_fwd_start(const struct tr_fwd_cfg *c, struct rte_mempool *mp,
		unsigned int lcore, char *err)
{
	uint16_t i;

	if (tr_fwd_running())
		return tr_err(err, "traffic is already running ('stop' first)");
	if (c->nb_ports == 0)
		return tr_err(err, "no ports to forward on ('set ports <list>')");
	if (lcore == RTE_MAX_LCORE || rte_eal_get_lcore_state(lcore) != WAIT)
		return tr_err(err, "no free worker lcore for forwarding: give EAL at least 2 lcores (-l 0-1)");
	cfg = *c;
	pool = mp;
	memset(was_polled, 0, sizeof(was_polled));
	for (i = 0; i < cfg.nb_ports; i++)
		was_polled[cfg.ports[i]] = true;
	fwd_lcore = lcore;
	tr_fwd_clear();
	for (i = 0; i < cfg.nb_ports; i++) {
		rte_eth_macaddr_get(cfg.ports[i], &macs[cfg.ports[i]]);
		tr_port_drops_get(cfg.ports[i], &drops0[cfg.ports[i]]);
		rte_atomic_store_explicit(&polled[cfg.ports[i]], true, rte_memory_order_relaxed);
	}
	verifier_ran = cfg.mode != TR_FWD_IO;
	tsc_per_burst = cfg.rate_pps ? rte_get_tsc_hz() * cfg.burst / cfg.rate_pps : 0;
	memset(next_tsc, 0, sizeof(next_tsc));
	memset(hold, 0, sizeof(hold));
	memset(held, 0, sizeof(held));
	memset(lheld, 0, sizeof(lheld));
	rte_atomic_store_explicit(&quit, 0, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&tx_stop, 0, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&tx_stopped, 0, rte_memory_order_relaxed);
	if (rte_eal_remote_launch(fwd_main, NULL, lcore) != 0) {
		clear_polled();
		return tr_err(err, "cannot launch forwarding on lcore %u", lcore);
	}
	rte_atomic_store_explicit(&running, true, rte_memory_order_release);
	return 0;
}

uint64_t
tr_port_xstat(uint16_t port, const char *name)
{
	uint64_t id, v;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0 ||
			rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1)
		return 0;
	return v;
}

void
tr_port_drops_get(uint16_t port, struct tr_port_drops *d)
{
	struct rte_eth_stats st;

	memset(&st, 0, sizeof(st));
	memset(d, 0, sizeof(*d));
	if (rte_eth_stats_get(port, &st) != 0)
		return;
	d->wire = st.imissed;
	d->tx = st.oerrors;
	d->rx_driver = tr_port_xstat(port, "rx_driver_discards");
	d->sink = tr_port_xstat(port, "emu_tx_dropped");
}

uint64_t
tr_port_drops_total(const struct tr_port_drops *d)
{
	return d->wire + d->rx_driver + d->tx + d->sink;
}

void
tr_fwd_port_drops(uint16_t port, struct tr_port_drops *d)
{
	const struct tr_port_drops *b = &drops0[port];

	tr_port_drops_get(port, d);
	/* a counter that went back (stats reset of a recovery): all new */
	d->wire = d->wire >= b->wire ? d->wire - b->wire : d->wire;
	d->rx_driver = d->rx_driver >= b->rx_driver ? d->rx_driver - b->rx_driver : d->rx_driver;
	d->tx = d->tx >= b->tx ? d->tx - b->tx : d->tx;
	d->sink = d->sink >= b->sink ? d->sink - b->sink : d->sink;
}

bool
tr_fwd_was_polled(uint16_t port)
{
	return port < RTE_MAX_ETHPORTS && was_polled[port];
}

/* Packets still unaccounted for on the polled ports: accepted by
 * tx_burst since the start, neither received nor counted as dropped.
 * Every port the lcore sends on is one it receives on (txonly: port to
 * its peer; io: pairs), so the sums close once nothing is in flight.
 * Negative: more arrived than was sent (an outside source, rxonly).
 */
static int64_t
in_flight(void)
{
	uint64_t tx = 0, rx = 0, dropped = 0;
	uint16_t i, p;

	for (i = 0; i < cfg.nb_ports; i++) {
		struct tr_port_drops d;

		p = cfg.ports[i];
		tx += tr_cnt_get(&cnt[p].tx_pkts);
		rx += tr_cnt_get(&cnt[p].rx_pkts);
		tr_fwd_port_drops(p, &d);
		dropped += tr_port_drops_total(&d);
	}
	return (int64_t)(tx - rx - dropped);
}

int
tr_fwd_stop(unsigned int drain_ms)
{
	uint64_t deadline;
	int64_t left;

	if (!tr_fwd_running())
		return -EALREADY;
	/* Stop sending; keep receiving until every packet sent is received
	 * or counted as dropped (exact, whatever the scheduling); the
	 * deadline only turns a hang (a wedged queue) into a warning.
	 */
	rte_atomic_store_explicit(&tx_stop, 1, rte_memory_order_relaxed);
	deadline = tr_now_ns() + (uint64_t)drain_ms * 1000000ULL;
	/* the lcore may be in the middle of a send: wait until it saw the
	 * stop, or the count below misses its last burst
	 */
	while (!rte_atomic_load_explicit(&tx_stopped, rte_memory_order_acquire)
			&& tr_now_ns() < deadline)
		tr_sleep_ns(100000);
	while ((left = in_flight()) > 0 && tr_now_ns() < deadline)
		tr_sleep_ns(1000000);
	if (left > 0)
		printf("warning: stop: %" PRId64 " packets neither received nor counted as dropped after %u ms of drain\n",
			left, drain_ms);
	rte_atomic_store_explicit(&quit, 1, rte_memory_order_release);
	rte_eal_wait_lcore(fwd_lcore);
	clear_polled();
	rte_atomic_store_explicit(&running, false, rte_memory_order_release);
	return 0;
}

bool
tr_fwd_running(void)
{
	return rte_atomic_load_explicit(&running, rte_memory_order_acquire);
}

bool
tr_fwd_polls(uint16_t port)
{
	return port < RTE_MAX_ETHPORTS && tr_fwd_running() &&
		rte_atomic_load_explicit(&polled[port], rte_memory_order_relaxed);
}

void
tr_fwd_port_cnt(uint16_t port, struct tr_port_cnt *c)
{
	const struct tr_port_cnt *s = &cnt[port];

	c->tx_pkts = tr_cnt_get(&s->tx_pkts);
	c->tx_bytes = tr_cnt_get(&s->tx_bytes);
	c->rx_pkts = tr_cnt_get(&s->rx_pkts);
	c->rx_bytes = tr_cnt_get(&s->rx_bytes);
	c->tx_unsent = tr_cnt_get(&s->tx_unsent);
	c->polls = tr_cnt_get(&s->polls);
	c->idle_polls = tr_cnt_get(&s->idle_polls);
}

void
tr_fwd_verify(struct tr_verify_totals *t)
{
	uint16_t p;

	memset(t, 0, sizeof(*t));
	for (p = 0; p < RTE_MAX_ETHPORTS; p++) {
		const struct tr_verify_stream *s = &streams[p];
		uint64_t snt = tr_cnt_get(&sent[p]), uniq = tr_cnt_get(&s->unique);

		if (cfg.mode == TR_FWD_IO)
			snt = 0; /* packets circulate: nothing to count against */
		t->sent += snt;
		t->unique += uniq;
		t->lost += snt > uniq ? snt - uniq : 0;
		t->duplicated += tr_cnt_get(&s->duplicated);
		t->reordered += tr_cnt_get(&s->reordered);
		t->gaps += tr_cnt_get(&s->gaps);
	}
	t->received = tr_cnt_get(&received);
	t->corrupted = tr_cnt_get(&corrupted);
	t->foreign = tr_cnt_get(&foreign);
}

bool
tr_fwd_gaps(uint64_t *gaps)
{
	struct tr_verify_totals t;

	if (!verifier_ran)
		return false;
	tr_fwd_verify(&t);
	*gaps = t.gaps;
	return true;
}

static void
clear_polled(void)
{
	unsigned int i;

	for (i = 0; i < RTE_MAX_ETHPORTS; i++)
		rte_atomic_store_explicit(&polled[i], false, rte_memory_order_relaxed);
}

/* Zero counters made only of uint64_t with relaxed atomic stores. */
static void
zero_u64(void *p, size_t bytes)
{
	uint64_t *q = p;
	size_t i;

	for (i = 0; i < bytes / sizeof(*q); i++)
		tr_cnt_set(&q[i], 0);
}

int
tr_fwd_clear(void)
{
	if (tr_fwd_running())
		return -EBUSY;
	/* the control thread samples these meanwhile: atomic stores */
	zero_u64(cnt, sizeof(cnt));
	zero_u64(streams, sizeof(streams));
	zero_u64(sent, sizeof(sent));
	tr_cnt_set(&received, 0);
	tr_cnt_set(&corrupted, 0);
	tr_cnt_set(&foreign, 0);
	return 0;
}
