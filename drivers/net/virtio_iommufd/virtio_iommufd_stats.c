/* SPDX-License-Identifier: BSD-3-Clause */

/* Basic and extended statistics of the PMD. */

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
	{ "stashed", offsetof(struct vio_rx_stats, stashed) },
};

static const struct xname tx_x[] = {
	{ "packets", offsetof(struct vio_tx_stats, packets) },
	{ "bytes", offsetof(struct vio_tx_stats, bytes) },
	{ "errors", offsetof(struct vio_tx_stats, errors) },
	{ "ring_full", offsetof(struct vio_tx_stats, ring_full) },
	{ "quiesced", offsetof(struct vio_tx_stats, quiesced) },
	{ "requeued", offsetof(struct vio_tx_stats, requeued) },
};

/* Port-wide entries first, then per queue. */
#define NB_PORT_X 1

static unsigned int
xstats_count(const struct rte_eth_dev *dev)
{
	return NB_PORT_X + dev->data->nb_rx_queues * RTE_DIM(rx_x) +
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
	unsigned int i;

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
	unsigned int i;

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
	snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "device_needs_reset");
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

	if (xs == NULL || n < cnt)
		return (int)cnt;
	xs[k].id = k;
	xs[k++].value = vio_check_needs_reset(vd) ? 1 : 0;
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
