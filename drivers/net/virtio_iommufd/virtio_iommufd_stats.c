/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* Basic and extended statistics of the PMD. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "virtio_iommufd.h"

struct xname {
	const char *name;
	size_t off;
};

static const struct xname rx_x[] = {
	{ "packets", offsetof(struct vio_rx_stats, packets) },
	{ "bytes", offsetof(struct vio_rx_stats, bytes) },
	{ "errors", offsetof(struct vio_rx_stats, errors) },
	{ "nombuf", offsetof(struct vio_rx_stats, nombuf) },
	{ "quiesced", offsetof(struct vio_rx_stats, quiesced) },
	{ "carried", offsetof(struct vio_rx_stats, carried) },
};

static const struct xname tx_x[] = {
	{ "packets", offsetof(struct vio_tx_stats, packets) },
	{ "bytes", offsetof(struct vio_tx_stats, bytes) },
	{ "errors", offsetof(struct vio_tx_stats, errors) },
	{ "ring_full", offsetof(struct vio_tx_stats, ring_full) },
	{ "quiesced", offsetof(struct vio_tx_stats, quiesced) },
	{ "requeued", offsetof(struct vio_tx_stats, requeued) },
	{ "backlogged", offsetof(struct vio_tx_stats, backlogged) },
};

/*
 * Port-wide entries first, then per queue. Every packet the device
 * completed on receive or tx burst accepted is delivered (ipackets),
 * transmitted (opackets) or in exactly one of these drop counters:
 *  - emu_rx_dropped: the device dropped it on receive (no buffer big
 *    enough): imissed, which holds nothing else (ethdev: packets the
 *    device dropped for lack of buffers);
 *  - rx_driver_discards: the device completed it, the driver discarded
 *    it (a port stop/reset or queue release with packets unread): NOT
 *    in imissed, a driver loss; a swap (queue reset) never discards;
 *  - tx_driver_discards: accepted by tx burst, discarded by a stop/reset
 *    (also in oerrors);
 *  - errors of a tx queue: a packet that can never fit the ring (oerrors);
 *  - emu_tx_dropped: sent into wire=sink (the wire, not the port).
 */
static const char *const port_x[] = {
	"device_needs_reset",
	"rx_driver_discards",
	"tx_driver_discards",
	"emu_rx_dropped",
	"emu_tx_dropped",
};
#define NB_PORT_X RTE_DIM(port_x)

/*
 * The device's domain swaps (lib/dma_domain: rte_dma_domain_stats_get()
 * and rte_dma_domain_last_swap() of the port's binding), so that a
 * monitoring tool that reads xstats sees them: counters since bind,
 * pause/switch percentiles over the last swaps, and the phases of the
 * last swap (where its pause went; see rte_dma_domain_swap_record). Not
 * reset by xstats_reset (the library's counters are the binding's); 0
 * for a port with no binding.
 */
struct swap_x {
	const char *name;
	bool rec;   /* from the last swap record, else from the stats */
	size_t off;
};

static const struct swap_x swap_x[] = {
	{ "swap_count", false, offsetof(struct rte_dma_domain_stats, swaps) },
	{ "swap_failures", false, offsetof(struct rte_dma_domain_stats, failures) },
	{ "swap_rollbacks", false, offsetof(struct rte_dma_domain_stats, rollbacks) },
	{ "swap_timeouts", false, offsetof(struct rte_dma_domain_stats, timeouts) },
	{ "swap_faults", false, offsetof(struct rte_dma_domain_stats, faults) },
	{ "swap_pause_p50_ns", false, offsetof(struct rte_dma_domain_stats, pause_p50_ns) },
	{ "swap_pause_p99_ns", false, offsetof(struct rte_dma_domain_stats, pause_p99_ns) },
	{ "swap_pause_max_ns", false, offsetof(struct rte_dma_domain_stats, pause_max_ns) },
	{ "swap_switch_p50_ns", false, offsetof(struct rte_dma_domain_stats, switch_p50_ns) },
	{ "swap_last_pause_ns", true, offsetof(struct rte_dma_domain_swap_record, pause_ns) },
	{ "swap_last_park_ns", true, offsetof(struct rte_dma_domain_swap_record, park_ns) },
	{ "swap_last_coverage_ns", true,
		offsetof(struct rte_dma_domain_swap_record, coverage_ns) },
	{ "swap_last_quiesce_ns", true,
		offsetof(struct rte_dma_domain_swap_record, quiesce_ns) },
	{ "swap_last_switch_ns", true, offsetof(struct rte_dma_domain_swap_record, switch_ns) },
	{ "swap_last_resume_ns", true, offsetof(struct rte_dma_domain_swap_record, resume_ns) },
};
#define NB_SWAP_X RTE_DIM(swap_x)

static void
swap_values(const struct vio_dev *vd, uint64_t v[NB_SWAP_X])
{
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain_stats st;
	const struct rte_dma_domain_binding *b = vd->idev->binding;
	bool have_st, have_rec;
	unsigned int j;

	have_st = b != NULL && rte_dma_domain_stats_get(b, &st) == 0;
	have_rec = b != NULL && rte_dma_domain_last_swap(b, &rec) == 0;
	for (j = 0; j < NB_SWAP_X; j++) {
		const void *base = swap_x[j].rec ? (const void *)&rec : (const void *)&st;
		bool have = swap_x[j].rec ? have_rec : have_st;

		v[j] = have ? *(const uint64_t *)((const char *)base + swap_x[j].off) : 0;
	}
}

/* A drop counter of the emulated device since the last stats reset (0
 * for a kernel device: a virtio-net device reports no drops).
 */
static uint64_t
emu_dropped(const struct vio_dev *vd, const char *name, uint64_t base)
{
	uint64_t v;

	if (rte_iommufd_device_counter(vd->idev, name, &v) != 0)
		return 0;
	return v >= base ? v - base : 0;
}

static void
port_values(const struct vio_dev *vd, uint64_t v[NB_PORT_X])
{
	v[0] = 0; /* filled by the caller: checking it may raise an event */
	v[1] = rte_atomic_load_explicit(&vd->rx_discarded, rte_memory_order_relaxed);
	v[2] = rte_atomic_load_explicit(&vd->tx_discarded, rte_memory_order_relaxed);
	v[3] = emu_dropped(vd, "rx_dropped", vd->emu_rx_dropped_base);
	v[4] = emu_dropped(vd, "tx_dropped", vd->emu_tx_dropped_base);
}

static unsigned int
xstats_count(const struct rte_eth_dev *dev)
{
	return NB_PORT_X + NB_SWAP_X + dev->data->nb_rx_queues * RTE_DIM(rx_x) +
		dev->data->nb_tx_queues * RTE_DIM(tx_x);
}

#if RTE_DMA_DOMAIN_ETH_STATS_HAS_QSTATS
int
vio_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st,
		struct eth_queue_stats *qst)
#else
int
vio_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
#endif
{
	const struct vio_dev *vd = dev->data->dev_private;
	uint64_t pv[NB_PORT_X];
	unsigned int i;

	/* imissed: the device's own receive drops only (see port_x); the
	 * driver's discards are in the xstat rx_driver_discards.
	 */
	port_values(vd, pv);
	st->imissed += pv[3];
	st->oerrors += pv[2] + vd->tx_retired.errors;
	st->ipackets += vd->rx_retired.packets;
	st->ibytes += vd->rx_retired.bytes;
	st->ierrors += vd->rx_retired.errors;
	st->opackets += vd->tx_retired.packets;
	st->obytes += vd->tx_retired.bytes;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		const struct vio_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		st->ipackets += q->st.packets;
		st->ibytes += q->st.bytes;
		st->ierrors += q->st.errors;
		if (i >= RTE_ETHDEV_QUEUE_STAT_CNTRS)
			continue;
#if RTE_DMA_DOMAIN_ETH_STATS_HAS_QSTATS
		if (qst != NULL) {
			qst->q_ipackets[i] = q->st.packets;
			qst->q_ibytes[i] = q->st.bytes;
			qst->q_errors[i] = q->st.errors;
		}
#else
		st->q_ipackets[i] = q->st.packets;
		st->q_ibytes[i] = q->st.bytes;
		st->q_errors[i] = q->st.errors;
#endif
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		const struct vio_txq *q = dev->data->tx_queues[i];

		if (q == NULL)
			continue;
		st->opackets += q->st.packets;
		st->obytes += q->st.bytes;
		st->oerrors += q->st.errors;
		if (i >= RTE_ETHDEV_QUEUE_STAT_CNTRS)
			continue;
#if RTE_DMA_DOMAIN_ETH_STATS_HAS_QSTATS
		if (qst != NULL) {
			qst->q_opackets[i] = q->st.packets;
			qst->q_obytes[i] = q->st.bytes;
		}
#else
		st->q_opackets[i] = q->st.packets;
		st->q_obytes[i] = q->st.bytes;
#endif
	}
	return 0;
}

int
vio_stats_reset(struct rte_eth_dev *dev)
{
	struct vio_dev *vd = dev->data->dev_private;
	unsigned int i;

	rte_atomic_store_explicit(&vd->rx_discarded, 0, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&vd->tx_discarded, 0, rte_memory_order_relaxed);
	memset(&vd->rx_retired, 0, sizeof(vd->rx_retired));
	memset(&vd->tx_retired, 0, sizeof(vd->tx_retired));
	vd->emu_rx_dropped_base = 0;
	vd->emu_tx_dropped_base = 0;
	rte_iommufd_device_counter(vd->idev, "rx_dropped", &vd->emu_rx_dropped_base);
	rte_iommufd_device_counter(vd->idev, "tx_dropped", &vd->emu_tx_dropped_base);

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vio_rxq *q = dev->data->rx_queues[i];

		if (q != NULL)
			memset(&q->st, 0, sizeof(q->st));
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct vio_txq *q = dev->data->tx_queues[i];

		if (q != NULL)
			memset(&q->st, 0, sizeof(q->st));
	}
	dev->data->rx_mbuf_alloc_failed = 0;
	return 0;
}

int
vio_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		unsigned int n)
{
	unsigned int cnt = xstats_count(dev), k = 0, i, j;

	if (names == NULL || n < cnt)
		return (int)cnt;
	for (j = 0; j < NB_PORT_X; j++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s", port_x[j]);
	for (j = 0; j < NB_SWAP_X; j++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s", swap_x[j].name);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		for (j = 0; j < RTE_DIM(rx_x); j++)
			snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "rx_vq%u_%s",
				i, rx_x[j].name);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		for (j = 0; j < RTE_DIM(tx_x); j++)
			snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "tx_vq%u_%s",
				i, tx_x[j].name);
	return (int)cnt;
}

int
vio_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int n)
{
	struct vio_dev *vd = dev->data->dev_private;
	unsigned int cnt = xstats_count(dev), k = 0, i, j;
	uint64_t pv[NB_PORT_X], sv[NB_SWAP_X];

	if (xs == NULL || n < cnt)
		return (int)cnt;
	port_values(vd, pv);
	pv[0] = vio_check_needs_reset(vd) ? 1 : 0;
	for (j = 0; j < NB_PORT_X; j++, k++) {
		xs[k].id = k;
		xs[k].value = pv[j];
	}
	swap_values(vd, sv);
	for (j = 0; j < NB_SWAP_X; j++, k++) {
		xs[k].id = k;
		xs[k].value = sv[j];
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		const struct vio_rxq *q = dev->data->rx_queues[i];

		for (j = 0; j < RTE_DIM(rx_x); j++, k++) {
			xs[k].id = k;
			xs[k].value = q == NULL ? 0 :
				*(const uint64_t *)((const char *)&q->st + rx_x[j].off);
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		const struct vio_txq *q = dev->data->tx_queues[i];

		for (j = 0; j < RTE_DIM(tx_x); j++, k++) {
			xs[k].id = k;
			xs[k].value = q == NULL ? 0 :
				*(const uint64_t *)((const char *)&q->st + tx_x[j].off);
		}
	}
	return (int)cnt;
}
