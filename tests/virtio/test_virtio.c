/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Tests of the virtio-net PMD of the iommufd bus against the emulated
 * virtio-net device. One executable, one case per run:
 *   test_virtio <case>
 * Cases: bringup, no_access_platform, traffic, traffic_mq, traffic_thread
 * (emu0's engine on its own thread), traffic_service (both engines as DPDK
 * services on service lcore 1), queue_reset, queue_reset_mq (2 queue
 * pairs), no_ring_reset, fault; (test_virtio_flow.c) restart [swaps],
 * rx_pull, two_lcores, rx_carry, resume_deferred, drops_device,
 * tx_coverage, parked_tx [swaps];
 * (test_virtio_swap.c) replace_vtd [swaps], replace_vtd_broken [swaps],
 * resume_retry [swaps], parked_reset, reset_timeout.
 */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_memzone.h>
#include <rte_service.h>

#include <bus_iommufd_driver.h>
#include <rte_dma_domain.h>
#include <rte_dma_domain_soft.h>

#include "vt_cases.h"
#include "vt_common.h"

static const char *const pair_args[] = {
	"iommufd:emu0,peer=emu1", "iommufd:emu1,peer=emu0", NULL,
};

/* The soft model's replace is atomic, where the library's default
 * strategy is hitless: these tests exercise the quiesce path.
 */
static const struct rte_dma_domain_replace_opts quiesce_opts = {
	.strategy = RTE_DMA_DOMAIN_STRATEGY_QUIESCE,
	.timeout_us = 2000000,
};

static struct rte_dma_domain *
mirror(struct rte_dma_domain_binding *b, const char *name)
{
	return rte_dma_domain_create(rte_dma_domain_binding_ctx(b), name,
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
}

/* Both directions, nq queues, frames of each length, verified. */
static int
run_traffic(uint16_t nq, uint32_t per_queue, const uint16_t *lens, unsigned int nlens)
{
	struct vt_verify v;
	/* A hang guard, not a time limit: ends only after 10 s without a
	 * packet sent or received (a sanitizer build on a loaded machine is
	 * slow, not stuck).
	 */
	uint64_t stall = 10 * rte_get_timer_hz();
	uint64_t deadline = rte_get_timer_cycles() + stall;
	uint64_t progress = 0;
	uint16_t p, q;
	unsigned int l;

	memset(&v, 0, sizeof(v));
	for (l = 0; l < nlens; l++) {
		uint64_t target = v.sent + 2ULL * nq * per_queue;

		while (v.sent < target && rte_get_timer_cycles() < deadline) {
			if (v.sent + v.received != progress) {
				progress = v.sent + v.received;
				deadline = rte_get_timer_cycles() + stall;
			}
			for (p = 0; p < 2; p++)
				for (q = 0; q < nq; q++) {
					if (v.next_tx[p][q] < (l + 1) * (uint64_t)per_queue)
						vt_send(&v, p, q, (uint16_t)RTE_MIN(32u,
							(l + 1) * per_queue - v.next_tx[p][q]),
									lens[l]);
					vt_recv(&v, (uint16_t)(1 - p), q);
				}
		}
	}
	vt_drain(&v, 2, nq);
	vt_print(&v, "traffic");
	TH_REQUIRE(v.sent == 2ULL * nq * per_queue * nlens, "sent %" PRIu64 " of %llu"
		" (nothing moved for 10 s: back-pressure never released?)", v.sent,
		2ULL * nq * per_queue * nlens);
	TH_REQUIRE(v.received == v.sent && v.lost == 0 && v.dup == 0 && v.corrupted == 0 &&
		v.foreign == 0, "traffic not delivered intact");
	for (p = 0; p < 2; p++)
		for (q = 0; q < nq; q++)
			TH_REQUIRE(v.next_rx[p][q] == (uint64_t)per_queue * nlens,
				"stream port %u queue %u: %" PRIu64 " in order", p, q,
				v.next_rx[p][q]);
	return 0;
}

static uint16_t
link_status(uint16_t port)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(port, &link) != 0)
		return UINT16_MAX;
	return link.link_status;
}

static int
case_bringup(void)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t p;

	TH_REQUIRE(rte_eth_dev_count_avail() == 2, "%u ports, expected 2",
		rte_eth_dev_count_avail());
	for (p = 0; p < 2; p++) {
		TH_REQUIRE(rte_eth_dev_info_get(p, &info) == 0, "info");
		TH_REQUIRE(strcmp(info.driver_name, "net_virtio_iommufd") == 0,
			"driver %s", info.driver_name);
		TH_REQUIRE(info.max_rx_queues == 4, "max_rx_queues %u (device offers 4 pairs)",
			info.max_rx_queues);
		rte_eth_macaddr_get(p, &mac);
		TH_REQUIRE(mac.addr_bytes[0] == 0x02 && mac.addr_bytes[5] == p,
			"MAC of port %u not from device cfg", p);
		TH_REQUIRE(vt_binding(p == 0 ? "emu0" : "emu1") != NULL, "not bound");
		TH_REQUIRE(link_status(p) == RTE_ETH_LINK_DOWN, "link up before start");
		if (vt_port_setup(p, 1, 256, true) != 0)
			return -1;
		TH_REQUIRE(link_status(p) == RTE_ETH_LINK_UP, "link down after start");
	}
	/* Unequal queue counts are refused with a clear error. */
	rte_eth_dev_stop(0);
	TH_REQUIRE(rte_eth_dev_configure(0, 2, 1, &(struct rte_eth_conf){0}) != 0,
		"2 rx + 1 tx queues accepted");
	TH_REQUIRE(rte_eth_dev_configure(0, 5, 5, &(struct rte_eth_conf){0}) != 0,
		"5 pairs accepted on a 4-pair device");
	printf("bringup: 2 ports, driver net_virtio_iommufd, link up after start\n");
	return 0;
}

static char *log_buf;
static size_t log_len;
static FILE *log_f;

static int
case_no_access_platform(void)
{
	/* The device was refused at probe: no port, and the log said why. */
	fflush(log_f);
	fprintf(stderr, "%.*s", (int)log_len, log_buf);
	TH_REQUIRE(log_buf != NULL && strstr(log_buf, "VIRTIO_F_ACCESS_PLATFORM") != NULL &&
		strstr(log_buf, "emu0") != NULL, "no clear error naming the device and the feature");
	TH_REQUIRE(rte_eth_dev_count_avail() == 0,
		"device without ACCESS_PLATFORM got a port");
	TH_REQUIRE(rte_iommufd_device_find("emu0") != NULL, "emu0 not created by the bus");
	TH_REQUIRE(rte_iommufd_device_find("emu0")->binding == NULL, "refused device bound");
	printf("no_access_platform: refused as expected\n");
	return 0;
}

static int
case_traffic(void)
{
	static const uint16_t lens[] = { 64, 1500, 60, 1514, 777 };

	if (vt_port_setup(0, 1, 256, true) != 0 || vt_port_setup(1, 1, 256, true) != 0)
		return -1;
	return run_traffic(1, 3000, lens, RTE_DIM(lens));
}

/* Both engines as DPDK services on service lcore 1: nothing is done in
 * the driver's calls, so traffic flows only if the services run.
 */
static int
case_traffic_service(void)
{
	static const char *const names[] = { "emu_vnet_emu0", "emu_vnet_emu1" };
	unsigned int i;
	uint32_t id;

	if (case_traffic() != 0)
		return -1;
	for (i = 0; i < RTE_DIM(names); i++) {
		TH_REQUIRE(rte_service_get_by_name(names[i], &id) == 0, "no service %s", names[i]);
		TH_REQUIRE(rte_service_map_lcore_get(id, 1) == 1, "%s not mapped to lcore 1",
			names[i]);
	}
	/* Device reset stops the service: after port stop nothing runs it. */
	rte_eth_dev_stop(0);
	TH_REQUIRE(rte_service_get_by_name(names[0], &id) == 0 && !rte_service_may_be_active(id),
		"service of a stopped port still active");
	printf("traffic_service: both engines ran as services on lcore 1\n");
	return 0;
}

static int
case_traffic_mq(void)
{
	static const uint16_t lens[] = { 64, 1200 };

	if (vt_port_setup(0, 2, 256, true) != 0 || vt_port_setup(1, 2, 256, true) != 0)
		return -1;
	return run_traffic(2, 2000, lens, RTE_DIM(lens));
}

/* An xstat of queue q: "<dir>_vq<q>_<what>". */
static uint64_t
qstat(uint16_t port, const char *dir, uint16_t q, const char *what)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_vq%u_%s", dir, q, what);
	return vt_xstat(port, name);
}

/* Queue resets around a replace, with nq queue pairs: what was in flight
 * on every tx queue is posted again in order, what the device completed
 * on every rx queue is delivered first; nothing lost, nothing leaked.
 */
static int
case_queue_reset(uint16_t nq)
{
	struct rte_dma_domain_binding *b0 = vt_binding("emu0");
	struct rte_dma_domain *da, *db;
	struct rte_dma_domain_swap_record rec;
	struct vt_verify v;
	uint64_t deadline, want;
	uint16_t q;
	int ret;

	memset(&v, 0, sizeof(v));
	da = mirror(b0, "vt_qr_a");
	db = mirror(b0, "vt_qr_b");
	TH_REQUIRE(da != NULL && db != NULL, "mirror domains: %s", rte_strerror(rte_errno));
	if (vt_port_setup(0, nq, 256, true) != 0 || vt_port_setup(1, nq, 256, false) != 0)
		return -1;

	/* 1. Port 1 is down: port 0's packets stay in its tx rings
	 * (back-pressure). A quiesce RING_RESETs the rings with them in
	 * flight; resume posts them again in order, and 50 more sent before
	 * port 1 comes up take descriptors of no chain still in flight.
	 */
	for (q = 0; q < nq; q++)
		while (v.next_tx[0][q] < 200)
			if (vt_send(&v, 0, q, 50, 128) == 0)
				break;
	TH_REQUIRE(v.sent == 200u * nq, "only %" PRIu64 " of %u queued", v.sent, 200u * nq);
	vt_queues_online(0, nq, false); /* nobody polls while the test swaps */
	ret = rte_dma_domain_replace(b0, db, &quiesce_opts);
	rte_dma_domain_last_swap(b0, &rec);
	TH_REQUIRE(ret == 0, "replace: %s", rec.reason);
	vt_queues_online(0, nq, true);
	for (q = 0; q < nq; q++)
		TH_REQUIRE(vt_send(&v, 0, q, 50, 128) == 50, "tx queue %u: 50 more after the resume",
			q);
	for (q = 0; q < nq; q++) {
		TH_REQUIRE(qstat(0, "tx", q, "quiesced") == 1, "tx queue %u not reset", q);
		TH_REQUIRE(qstat(0, "tx", q, "requeued") == 200, "tx queue %u requeued %" PRIu64
			", expected 200", q, qstat(0, "tx", q, "requeued"));
	}
	TH_REQUIRE(rte_eth_dev_start(1) == 0, "start port 1");
	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (v.received < v.sent && rte_get_timer_cycles() < deadline)
		for (q = 0; q < nq; q++)
			vt_recv(&v, 1, q); /* pulls from port 0's tx rings */

	/* 2. Packets the device wrote into port 0's rx rings and nobody has
	 * read: a queue reset carries them over and they come out first.
	 */
	want = v.sent + 100u * nq;
	for (q = 0; q < nq; q++)
		while (v.next_tx[1][q] < 100)
			if (vt_send(&v, 1, q, 50, 1000) == 0)
				break;
	TH_REQUIRE(v.sent == want, "only %" PRIu64 " of %" PRIu64 " sent", v.sent, want);
	vt_queues_online(0, nq, false);
	ret = rte_dma_domain_replace(b0, da, &quiesce_opts);
	rte_dma_domain_last_swap(b0, &rec);
	TH_REQUIRE(ret == 0, "replace back: %s", rec.reason);
	vt_queues_online(0, nq, true);
	for (q = 0; q < nq; q++)
		TH_REQUIRE(qstat(0, "rx", q, "carried") == 100, "rx queue %u carried %" PRIu64
			", expected 100", q, qstat(0, "rx", q, "carried"));
	vt_drain(&v, 2, nq);
	vt_print(&v, "queue_reset");
	TH_REQUIRE(v.received == v.sent && v.lost == 0 && v.dup == 0 && v.corrupted == 0,
		"packets lost or damaged across queue resets");
	TH_REQUIRE(rte_dma_domain_soft_fault_count(NULL) == 0, "DMA faults");
	/* Nothing leaked: every mbuf back in the pool once the ports stop. */
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	TH_REQUIRE(rte_mempool_avail_count(vt_pool()) == vt_pool()->size,
		"%u mbufs leaked", vt_pool()->size - rte_mempool_avail_count(vt_pool()));
	return 0;
}

static int
case_no_ring_reset(void)
{
	struct rte_dma_domain_binding *b0 = vt_binding("emu0");
	struct rte_dma_domain *db;
	struct rte_dma_domain_swap_record rec;
	static const uint16_t lens[] = { 64 };
	int ret;

	db = mirror(b0, "vt_nr_b");
	TH_REQUIRE(db != NULL, "mirror");
	if (vt_port_setup(0, 1, 256, true) != 0 || vt_port_setup(1, 1, 256, true) != 0)
		return -1;
	vt_queues_online(0, 1, false);
	ret = rte_dma_domain_replace(b0, db, &quiesce_opts);
	vt_queues_online(0, 1, true);
	rte_dma_domain_last_swap(b0, &rec);
	printf("no_ring_reset: replace -> %d (%s)\n", ret, rec.reason);
	TH_REQUIRE(ret == -ENOTSUP, "replace without RING_RESET: %d, expected -ENOTSUP", ret);
	TH_REQUIRE(rte_dma_domain_binding_domain(b0) != db, "binding moved");
	/* The port still works after the refusal. */
	return run_traffic(1, 500, lens, 1);
}

static int reset_events;

static int
on_reset(uint16_t port, enum rte_eth_event_type ev, void *arg, void *ret)
{
	RTE_SET_USED(port);
	RTE_SET_USED(ev);
	RTE_SET_USED(arg);
	RTE_SET_USED(ret);
	reset_events++;
	return 0;
}

static int
case_fault(void)
{
	struct rte_dma_domain_binding *b0 = vt_binding("emu0"), *b1 = vt_binding("emu1");
	const struct rte_memzone *mz;
	struct rte_dma_domain *df;
	struct rte_dma_domain_mapping m;
	struct rte_eth_link link;
	struct vt_verify v;
	uint64_t deadline;
	int ret;

	memset(&v, 0, sizeof(v));
	df = mirror(b0, "vt_fault");
	TH_REQUIRE(df != NULL, "mirror");
	/* Port 0 alone on its own domain (stopped ports swap trivially). */
	ret = rte_dma_domain_replace(b0, df, &quiesce_opts);
	TH_REQUIRE(ret == 0, "replace to vt_fault: %d", ret);
	if (vt_port_setup(0, 1, 256, true) != 0 || vt_port_setup(1, 1, 256, true) != 0)
		return -1;
	rte_eth_dev_callback_register(0, RTE_ETH_EVENT_INTR_RESET, on_reset, NULL);
	vt_send(&v, 0, 0, 32, 64);
	vt_drain(&v, 2, 1);
	TH_REQUIRE(v.received == 32, "no traffic before the fault");

	/* Take the tx ring's memory out of port 0's domain. */
	mz = rte_memzone_lookup("vio_p0_tx0");
	TH_REQUIRE(mz != NULL, "tx ring memzone not found");
	TH_REQUIRE(rte_dma_domain_query(df, mz->iova, &m) == 0, "ring not mapped");
	TH_REQUIRE(rte_dma_domain_unmap(df, m.iova, m.len, NULL) == 0, "unmap");
	vt_send(&v, 0, 0, 8, 64);
	deadline = rte_get_timer_cycles() + rte_get_timer_hz();
	do {
		link.link_status = link_status(0);
	} while (link.link_status == RTE_ETH_LINK_UP && rte_get_timer_cycles() < deadline);
	printf("fault: soft faults port0 %" PRIu64 " port1 %" PRIu64
		", link %s, reset events %d, device_needs_reset %" PRIu64 "\n",
		rte_dma_domain_soft_fault_count(b0), rte_dma_domain_soft_fault_count(b1),
		link.link_status ? "up" : "down", reset_events,
		vt_xstat(0, "device_needs_reset"));
	TH_REQUIRE(rte_dma_domain_soft_fault_count(b0) >= 1, "no fault logged for emu0");
	TH_REQUIRE(rte_dma_domain_soft_fault_count(b1) == 0, "fault attributed to emu1");
	TH_REQUIRE(link.link_status == RTE_ETH_LINK_DOWN, "link still up after NEEDS_RESET");
	TH_REQUIRE(vt_xstat(0, "device_needs_reset") == 1, "xstat device_needs_reset");
	TH_REQUIRE(reset_events == 1, "RTE_ETH_EVENT_INTR_RESET events: %d", reset_events);
	/* The device stopped: nothing more moves, no fault storm. */
	vt_send(&v, 0, 0, 8, 64);
	TH_REQUIRE(rte_dma_domain_soft_fault_count(b0) == 1, "device kept doing DMA after NEEDS_RESET");

	/* Recovery: map the memory back, reset the port, traffic again. */
	TH_REQUIRE(rte_dma_domain_map(df, m.iova, m.va, m.len, m.access) == 0, "remap");
	TH_REQUIRE(rte_eth_dev_reset(0) == 0, "rte_eth_dev_reset");
	TH_REQUIRE(rte_eth_dev_start(0) == 0, "restart after reset");
	memset(&v, 0, sizeof(v));
	vt_send(&v, 0, 0, 32, 64);
	vt_send(&v, 1, 0, 32, 64);
	vt_drain(&v, 2, 1);
	vt_print(&v, "after reset");
	TH_REQUIRE(v.received == 64 && v.corrupted == 0, "no traffic after reset");
	TH_REQUIRE(link_status(0) == RTE_ETH_LINK_UP, "link down after reset");
	return 0;
}

/* EAL with the devices a case needs (the PMD loaded with -d). */
static int
setup_eal(const struct th_case *tc)
{
	const char *c = tc->name;
	static const char *const nap[] = { "iommufd:emu0,features_off=access_platform", NULL };
	/* One engine thread + the polling lcore: 2 busy threads at most. */
	static const char *const thr[] = { "iommufd:emu0,peer=emu1,mode=thread",
		"iommufd:emu1,peer=emu0", NULL };
	static const char *const nrr[] = { "iommufd:emu0,peer=emu1,features_off=ring_reset",
		"iommufd:emu1,peer=emu0", NULL };
	/* Two service engines on one service lcore + the polling lcore. */
	static const char *const srv[] = {
		"iommufd:emu0,peer=emu1,mode=service,service_lcore=1",
		"iommufd:emu1,peer=emu0,mode=service,service_lcore=1", NULL };
	static const char *const srv_eal[] = { "-l", "0-1", "-s", "0x2", NULL };
	static const char *const drp[] = { "iommufd:emu0,peer=emu1",
		"iommufd:emu1,peer=emu0,features_off=mrg_rxbuf", "iommufd:emu2,wire=sink", NULL };
	const char *const *devs = pair_args, *const *extra = NULL;

	if (strcmp(c, "no_access_platform") == 0) {
		devs = nap;
		log_f = open_memstream(&log_buf, &log_len);
		rte_openlog_stream(log_f);
	} else if (strcmp(c, "no_ring_reset") == 0) {
		devs = nrr;
	} else if (strcmp(c, "traffic_thread") == 0 || strncmp(c, "replace_vtd", 11) == 0) {
		devs = thr;
	} else if (strcmp(c, "drops_device") == 0) {
		devs = drp;
	} else if (strcmp(c, "traffic_service") == 0) {
		devs = srv;
		extra = srv_eal;
	}
	return vt_eal_init("test_virtio", devs, extra) != 0 ? 1 : 0;
}

static void
teardown_eal(const struct th_case *tc)
{
	RTE_SET_USED(tc);
	vt_eal_fini();
}

/* The cases with a parameter: the number of swaps (the test's argument). */
static int
case_queue_reset_1(void)
{
	return case_queue_reset(1);
}

static int
case_queue_reset_2(void)
{
	return case_queue_reset(2);
}

static int
case_replace_vtd(void)
{
	return vt_case_replace_vtd(th_arg_uint(0, 2000), false);
}

static int
case_replace_vtd_broken(void)
{
	return vt_case_replace_vtd(th_arg_uint(0, 2000), true);
}

static int
case_resume_retry(void)
{
	return vt_case_resume_retry(th_arg_uint(0, 200));
}

static int
case_restart(void)
{
	return vt_case_restart(th_arg_uint(0, 200));
}

static int
case_parked_tx(void)
{
	return vt_case_parked_tx(th_arg_uint(0, 200));
}

static const struct th_case cases[] = {
	{ "bringup", "integration", case_bringup, setup_eal, teardown_eal },
	{ "no_access_platform", "integration", case_no_access_platform, setup_eal, teardown_eal },
	{ "traffic", "integration", case_traffic, setup_eal, teardown_eal },
	{ "traffic_mq", "integration", case_traffic_mq, setup_eal, teardown_eal },
	{ "traffic_thread", "concurrency", case_traffic, setup_eal, teardown_eal },
	{ "traffic_service", "concurrency", case_traffic_service, setup_eal, teardown_eal },
	{ "queue_reset", "integration", case_queue_reset_1, setup_eal, teardown_eal },
	{ "queue_reset_mq", "integration", case_queue_reset_2, setup_eal, teardown_eal },
	{ "no_ring_reset", "integration", case_no_ring_reset, setup_eal, teardown_eal },
	{ "fault", "integration", case_fault, setup_eal, teardown_eal },
	/* quiesce swaps under the soft VT-d model, the device's engine on its
	 * own thread: 0 faults; and with the PMD's quiesce broken: faults
	 */
	{ "replace_vtd", "concurrency", case_replace_vtd, setup_eal, teardown_eal },
	{ "replace_vtd_broken", "concurrency", case_replace_vtd_broken, setup_eal, teardown_eal },
	/* the PMD's failures inside a swap (its own injection points) */
	{ "resume_retry", "concurrency", case_resume_retry, setup_eal, teardown_eal },
	{ "parked_reset", "concurrency", vt_case_parked_reset, setup_eal, teardown_eal },
	{ "reset_timeout", "concurrency", vt_case_reset_timeout, setup_eal, teardown_eal },
	/* restart swaps while the peer delivers into the port being reset */
	{ "restart", "concurrency", case_restart, setup_eal, teardown_eal },
	{ "rx_pull", "integration", vt_case_rx_pull, setup_eal, teardown_eal },
	{ "two_lcores", "concurrency", vt_case_two_lcores, setup_eal, teardown_eal },
	{ "rx_carry", "integration", vt_case_rx_carry, setup_eal, teardown_eal },
	{ "resume_deferred", "integration", vt_case_resume_deferred, setup_eal, teardown_eal },
	{ "drops_device", "integration", vt_case_drops_device, setup_eal, teardown_eal },
	/* tx frames in flight from memory the target does not map */
	{ "tx_coverage", "integration", vt_case_tx_coverage, setup_eal, teardown_eal },
	/* tx bursts of a parked queue: kept, sent after the pause, in order */
	{ "parked_tx", "concurrency", case_parked_tx, setup_eal, teardown_eal },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
