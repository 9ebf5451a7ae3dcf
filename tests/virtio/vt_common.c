/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include <bus_iommufd_driver.h>
#include <rte_dma_domain.h>

#include "vt_common.h"

#define VT_ETHERTYPE 0x88b6
#define VT_MAGIC 0x76697274u /* "virt" */

/* After the Ethernet header of each test frame; copied in and out with
 * memcpy(), so it needs no packing (the pattern starts after its padding).
 */
struct vt_payload {
	uint32_t magic;
	uint16_t port;
	uint16_t queue;
	uint64_t seq;
	uint16_t len;
};

static struct rte_mempool *pool;
/* rte_pmd_virtio_iommufd_inject(), its enum passed as an int */
static int (*pmd_inject)(uint16_t, int, uint16_t, uint32_t);

int
vt_eal_init(const char *prog, const char *const *devargs, const char *const *extra)
{
	static char prefix[64], pmd[512];
	const char *argv[64];
	/* the build's copies in the cache: the EAL refuses -d plugins below a
	 * world-writable directory (scripts/plugins.sh)
	 */
	const char *dir = getenv("PLUGIN_DIR");
	bool own_lcores = false;
	int argc = 0, ret, i;

	if (dir == NULL) {
		printf("FAIL: PLUGIN_DIR not set: cannot find the PMD (run through meson test, or set it to: scripts/plugins.sh dir BUILD_DIR)\n");
		return -1;
	}
	snprintf(pmd, sizeof(pmd), "%s/librte_net_virtio_iommufd.so", dir);
	if (access(pmd, R_OK) != 0) {
		printf("FAIL: PMD not staged at %s (build the project: ninja)\n", pmd);
		return -1;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=vt%d", (int)getpid());
	argv[argc++] = prog;
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		own_lcores |= strcmp(extra[i], "-l") == 0;
	if (!own_lcores) {
		argv[argc++] = "-l";
		argv[argc++] = "0";
	}
	argv[argc++] = "--no-huge";
	argv[argc++] = "-m";
	argv[argc++] = "256";
	argv[argc++] = "--no-shconf";
	argv[argc++] = "--no-pci";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = prefix;
	argv[argc++] = "-d";
	argv[argc++] = pmd;
	for (; devargs != NULL && *devargs != NULL; devargs++) {
		argv[argc++] = "-a";
		argv[argc++] = *devargs;
	}
	for (; extra != NULL && *extra != NULL; extra++)
		argv[argc++] = *extra;
	argv[argc] = NULL;
	ret = rte_eal_init(argc, (char **)(uintptr_t)argv);
	if (ret < 0) {
		fprintf(stderr, "FAIL: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	/* The PMD's private API, as an application that loads it with -d
	 * finds it (EAL opened it already: no second copy).
	 */
	{
		void *h = dlopen(pmd, RTLD_NOW | RTLD_NOLOAD);

		*(void **)&pmd_inject = h != NULL ?
			dlsym(h, "rte_pmd_virtio_iommufd_inject") : NULL;
		if (pmd_inject == NULL) {
			fprintf(stderr, "FAIL: rte_pmd_virtio_iommufd_inject not found in %s: %s\n",
				pmd, dlerror());
			return -1;
		}
	}
	pool = rte_pktmbuf_pool_create("vt_pool", 8191, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "FAIL: mempool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void
vt_eal_fini(void)
{
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
}

struct rte_mempool *
vt_pool(void)
{
	return pool;
}

int
vt_port_setup(uint16_t port, uint16_t nq, uint16_t ring, bool start)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, nq, nq, &conf);
	TH_REQUIRE(ret == 0, "configure port %u: %s", port, strerror(-ret));
	for (q = 0; q < nq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, ring, SOCKET_ID_ANY, NULL, pool);
		TH_REQUIRE(ret == 0, "rx queue %u/%u: %s", port, q, strerror(-ret));
		ret = rte_eth_tx_queue_setup(port, q, ring, SOCKET_ID_ANY, NULL);
		TH_REQUIRE(ret == 0, "tx queue %u/%u: %s", port, q, strerror(-ret));
	}
	if (start) {
		ret = rte_eth_dev_start(port);
		TH_REQUIRE(ret == 0, "start port %u: %s", port, strerror(-ret));
	}
	return 0;
}

static inline uint8_t
pattern(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 31 + i);
}

uint16_t
vt_send(struct vt_verify *v, uint16_t port, uint16_t q, uint16_t n, uint16_t len)
{
	struct rte_mbuf *m[64];
	struct rte_ether_addr src;
	uint16_t i, sent;
	uint32_t k;

	n = RTE_MIN(n, (uint16_t)RTE_DIM(m));
	if (rte_pktmbuf_alloc_bulk(pool, m, n) != 0)
		return 0;
	rte_eth_macaddr_get(port, &src);
	for (i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], len);
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
		struct vt_payload pl = {
			.magic = VT_MAGIC, .port = port, .queue = q,
			.seq = v->next_tx[port][q] + i, .len = len,
		};

		memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
		eh->src_addr = src;
		eh->ether_type = rte_cpu_to_be_16(VT_ETHERTYPE);
		memcpy(p + sizeof(*eh), &pl, sizeof(pl));
		for (k = sizeof(*eh) + sizeof(pl); k < len; k++)
			p[k] = pattern(pl.seq, k);
	}
	sent = rte_eth_tx_burst(port, q, m, n);
	if (sent < n)
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	v->next_tx[port][q] += sent;
	v->sent += sent;
	return sent;
}

static void
check(struct vt_verify *v, struct rte_mbuf *m)
{
	uint8_t buf[9100];
	const uint8_t *p;
	struct vt_payload pl;
	uint32_t k, hl = sizeof(struct rte_ether_hdr);

	if (m->pkt_len < hl + sizeof(pl) || m->pkt_len > sizeof(buf)) {
		v->corrupted++;
		return;
	}
	p = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
	memcpy(&pl, p + hl, sizeof(pl));
	if (pl.magic != VT_MAGIC || pl.port >= VT_MAX_PORTS || pl.queue >= VT_MAX_Q) {
		v->foreign++;
		return;
	}
	if (pl.len != m->pkt_len) {
		v->corrupted++;
		return;
	}
	for (k = hl + sizeof(pl); k < m->pkt_len; k++)
		if (p[k] != pattern(pl.seq, k)) {
			v->corrupted++;
			return;
		}
	if (pl.seq == v->next_rx[pl.port][pl.queue]) {
		v->next_rx[pl.port][pl.queue]++;
	} else if (pl.seq > v->next_rx[pl.port][pl.queue]) {
		v->lost += pl.seq - v->next_rx[pl.port][pl.queue];
		v->next_rx[pl.port][pl.queue] = pl.seq + 1;
	} else {
		v->dup++; /* or reordered: both break the stream */
		v->reordered++;
	}
	v->received++;
}

uint16_t
vt_recv(struct vt_verify *v, uint16_t port, uint16_t q)
{
	struct rte_mbuf *m[64];
	uint16_t n = rte_eth_rx_burst(port, q, m, RTE_DIM(m)), i;

	for (i = 0; i < n; i++)
		check(v, m[i]);
	if (n > 0)
		rte_pktmbuf_free_bulk(m, n);
	return n;
}

void
vt_drain(struct vt_verify *v, uint16_t nb_ports, uint16_t nq)
{
	uint64_t quiet_until = rte_get_timer_cycles() + rte_get_timer_hz() / 20;
	uint64_t deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	uint16_t p, q;

	while (rte_get_timer_cycles() < quiet_until && rte_get_timer_cycles() < deadline) {
		unsigned int got = 0;

		for (p = 0; p < nb_ports; p++)
			for (q = 0; q < nq; q++)
				/* the receiver's rx burst also pulls what waits
				 * in the sender's tx ring: no tx burst needed
				 */
				got += vt_recv(v, p, q);
		if (got > 0)
			quiet_until = rte_get_timer_cycles() + rte_get_timer_hz() / 20;
		else
			sched_yield();
	}
}

void
vt_print(const struct vt_verify *v, const char *what)
{
	printf("%s: sent %" PRIu64 " received %" PRIu64 " lost(gaps) %" PRIu64
		" dup/reordered %" PRIu64 " corrupted %" PRIu64 " foreign %" PRIu64 "\n",
		what, v->sent, v->received, v->lost, v->dup, v->corrupted, v->foreign);
}

void
vt_drain_all(struct vt_verify *v)
{
	int i;

	for (i = 0; i < 4; i++) {
		vt_send(v, 0, 0, 0, 64);
		vt_send(v, 1, 0, 0, 64);
		vt_drain(v, 2, 1);
	}
}

int
vt_check_intact(const struct vt_verify *v, const char *what)
{
	vt_print(v, what);
	TH_REQUIRE(v->sent > 0 && v->received == v->sent && v->lost == 0 && v->dup == 0 &&
		v->reordered == 0 && v->corrupted == 0 && v->foreign == 0,
		"%s: packets lost, duplicated, reordered or damaged", what);
	return 0;
}

uint64_t
vt_port_drops(uint16_t port)
{
	struct rte_eth_stats st;

	memset(&st, 0, sizeof(st));
	if (rte_eth_stats_get(port, &st) != 0)
		return UINT64_MAX;
	/* the driver's receive discards are not in imissed */
	return st.imissed + st.oerrors + vt_xstat(port, "rx_driver_discards");
}

uint64_t
vt_xstat(uint16_t port, const char *name)
{
	uint64_t id, val;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0)
		return UINT64_MAX;
	if (rte_eth_xstats_get_by_id(port, &id, &val, 1) != 1)
		return UINT64_MAX;
	return val;
}

int
vt_pmd_inject(uint16_t port, int what, uint16_t qid, uint32_t count)
{
	return pmd_inject != NULL ? pmd_inject(port, what, qid, count) : -ENOSYS;
}

unsigned int
vt_pool_in_use(void)
{
	return pool->size - rte_mempool_avail_count(pool);
}

struct rte_dma_domain *
vt_mirror(struct rte_dma_domain_binding *b, const char *name)
{
	return rte_dma_domain_create(rte_dma_domain_binding_ctx(b), name,
		RTE_DMA_DOMAIN_PAGING, RTE_DMA_DOMAIN_F_MIRROR);
}

struct rte_dma_domain_binding *
vt_binding(const char *name)
{
	struct rte_iommufd_device *d = rte_iommufd_device_find(name);

	return d != NULL ? d->binding : NULL;
}

void
vt_queues_online(uint16_t port, uint16_t nq, bool on)
{
	struct rte_dma_domain_binding *b = vt_binding(port == 0 ? "emu0" : "emu1");
	uint16_t i;

	for (i = 0; i < 2 * nq; i++) {
		if (on)
			rte_dma_domain_queue_online(rte_dma_domain_queue_get(b, i));
		else
			rte_dma_domain_queue_offline(rte_dma_domain_queue_get(b, i));
	}
}
