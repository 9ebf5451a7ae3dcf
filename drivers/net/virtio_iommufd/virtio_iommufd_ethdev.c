/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * net_virtio_iommufd: probe/remove on the iommufd bus and eth_dev_ops.
 *
 * Device bring-up follows the virtio 1.x driver sequence: reset,
 * ACKNOWLEDGE, DRIVER, feature negotiation (VERSION_1 and
 * ACCESS_PLATFORM required), FEATURES_OK, queue setup, DRIVER_OK, then the
 * multiqueue command. dev_stop resets the device, which stops all its DMA;
 * dev_start runs the sequence again.
 */

#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <ethdev_driver.h>

#include "virtio_iommufd_virtqueue.h"


static int
vio_device_init(struct vio_dev *vd)
{
	struct vtpci_hw *hw = &vd->hw;
	int ret;

	ret = vtpci_reset(hw);
	if (ret != 0)
		return ret;
	vtpci_set_status(hw, VIRTIO_STATUS_ACKNOWLEDGE);
	vtpci_set_status(hw, VIRTIO_STATUS_DRIVER);
	ret = vtpci_negotiate(hw, VIO_WANTED_FEATURES, vd->idev->name);
	if (ret != 0)
		return ret;
	vd->features_ok = true;
	vd->fault_reported = false;
	vd->reset_event_sent = false;
	return 0;
}

static void
vio_device_halt(struct vio_dev *vd)
{
	vtpci_reset(&vd->hw);
	vd->features_ok = false;
}

/* ---- queues ----------------------------------------------------------- */

static uint16_t
ring_size(struct vio_dev *vd, uint16_t nb_desc)
{
	uint16_t max = vd->max_qsize != 0 ? vd->max_qsize : VIO_DEFAULT_QSIZE;

	if (nb_desc == 0)
		nb_desc = VIO_DEFAULT_QSIZE;
	nb_desc = RTE_MIN(nb_desc, max);
	/* Split rings need a power of 2: round down. */
	return (uint16_t)rte_align32prevpow2(nb_desc);
}

/* Count packets a stop, reset or queue release discarded (control path;
 * stats readers on other threads load these relaxed).
 */
static void
discarded_add(uint64_t *cnt, uint32_t n)
{
	if (n != 0)
		rte_atomic_store_explicit(cnt, *cnt + n, rte_memory_order_relaxed);
}

static void
vio_rxq_free(struct vio_rxq *q)
{
	if (q == NULL)
		return;
	discarded_add(&q->vd->rx_discarded, vio_rxq_release_mbufs(q));
	vio_ring_free(&q->r);
	rte_free(q->sw_ring);
	rte_free(q->free_ids);
	rte_free(q->carry);
	rte_free(q->carried);
	rte_free(q);
}

static void
vio_txq_free(struct vio_txq *q)
{
	if (q == NULL)
		return;
	if (q->vd != NULL)
		discarded_add(&q->vd->tx_discarded, vio_txq_release_mbufs(q));
	else
		vio_txq_release_mbufs(q);
	vio_ring_free(&q->r);
	rte_free(q->sw_ring);
	rte_free(q->ndesc);
	rte_free(q->requeue);
	rte_free(q->done);
	rte_free(q->mark);
	rte_free(q->bl);
	rte_free(q->bl_range);
	rte_free(q);
}

static void
vio_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vio_dev *vd = dev->data->dev_private;
	struct vio_rxq *q = dev->data->rx_queues[qid];

	if (q != NULL) {
		vd->rx_retired.packets += q->st.packets;
		vd->rx_retired.bytes += q->st.bytes;
		vd->rx_retired.errors += q->st.errors;
	}
	vio_rxq_free(q);
	dev->data->rx_queues[qid] = NULL;
}

static void
vio_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vio_dev *vd = dev->data->dev_private;
	struct vio_txq *q = dev->data->tx_queues[qid];

	if (q != NULL) {
		vd->tx_retired.packets += q->st.packets;
		vd->tx_retired.bytes += q->st.bytes;
		vd->tx_retired.errors += q->st.errors;
	}
	vio_txq_free(q);
	dev->data->tx_queues[qid] = NULL;
}

static struct rte_dma_domain_queue *
queue_handle(struct vio_dev *vd, uint16_t handle)
{
	struct rte_dma_domain_queue *dq;

	dq = vd->idev->binding != NULL ?
		rte_dma_domain_queue_get(vd->idev->binding, handle) : NULL;
	if (dq == NULL)
		VIO_LOG(ERR, "%s: no replace-protocol handle %u on the device's binding",
			vd->idev->name, handle);
	return dq;
}

static int
vio_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket, const struct rte_eth_rxconf *conf,
		struct rte_mempool *mp)
{
	struct vio_dev *vd = dev->data->dev_private;
	uint16_t size = ring_size(vd, nb_desc), i;
	char name[RTE_MEMZONE_NAMESIZE];
	struct vio_rxq *q;
	int ret;

	RTE_SET_USED(conf);
	if (rte_pktmbuf_data_room_size(mp) < RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN) {
		VIO_LOG(ERR, "%s: rx queue %u: mempool %s buffers too small (%u bytes of data room)",
			vd->idev->name, qid, mp->name, rte_pktmbuf_data_room_size(mp));
		return -EINVAL;
	}
	vio_rx_queue_release(dev, qid);
	q = rte_zmalloc_socket("vio_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE, (int)socket);
	if (q == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "vio_p%u_rx%u", vd->port_id, qid);
	ret = vio_ring_alloc(&q->r, name, size, VIRTIO_NET_RXQ(qid), (int)socket, 0, NULL);
	if (ret != 0) {
		rte_free(q);
		return ret;
	}
	q->sw_ring = rte_zmalloc_socket(NULL, size * sizeof(q->sw_ring[0]), 0, (int)socket);
	q->free_ids = rte_zmalloc_socket(NULL, size * sizeof(q->free_ids[0]), 0, (int)socket);
	q->carry = rte_zmalloc_socket(NULL, size * sizeof(q->carry[0]), 0, (int)socket);
	q->carried = rte_zmalloc_socket(NULL, size, 0, (int)socket);
	q->dq = queue_handle(vd, VIRTIO_NET_RXQ(qid));
	if (q->sw_ring == NULL || q->free_ids == NULL || q->carry == NULL ||
			q->carried == NULL || q->dq == NULL) {
		ret = q->dq == NULL ? -ENODEV : -ENOMEM;
		vio_ring_free(&q->r);
		rte_free(q->sw_ring);
		rte_free(q->free_ids);
		rte_free(q->carry);
		rte_free(q->carried);
		rte_free(q);
		return ret;
	}
	for (i = 0; i < size; i++)
		q->free_ids[i] = i;
	q->nb_free = size;
	q->vd = vd;
	q->mp = mp;
	q->queue_id = qid;
	q->port_id = vd->port_id;
	dev->data->rx_queues[qid] = q;
	return 0;
}

static int
vio_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct vio_dev *vd = dev->data->dev_private;
	uint16_t size = ring_size(vd, nb_desc);
	char name[RTE_MEMZONE_NAMESIZE];
	struct vio_txq *q;
	uint64_t hdr_off;
	int ret;

	RTE_SET_USED(conf);
	vio_tx_queue_release(dev, qid);
	q = rte_zmalloc_socket("vio_txq", sizeof(*q), RTE_CACHE_LINE_SIZE, (int)socket);
	if (q == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "vio_p%u_tx%u", vd->port_id, qid);
	/* One zeroed header slot per descriptor, in the ring's memory. */
	ret = vio_ring_alloc(&q->r, name, size, VIRTIO_NET_TXQ(qid), (int)socket,
		(uint64_t)size * VIO_HDR_LEN, &hdr_off);
	if (ret != 0) {
		rte_free(q);
		return ret;
	}
	q->hdrs = RTE_PTR_ADD(q->r.mz->addr, hdr_off);
	q->hdrs_iova = q->r.iova + hdr_off;
	q->sw_ring = rte_zmalloc_socket(NULL, size * sizeof(q->sw_ring[0]), 0, (int)socket);
	q->ndesc = rte_zmalloc_socket(NULL, size * sizeof(q->ndesc[0]), 0, (int)socket);
	q->mark = rte_zmalloc_socket(NULL, size, 0, (int)socket);
	q->requeue = rte_zmalloc_socket(NULL, size * sizeof(q->requeue[0]), 0, (int)socket);
	q->done = rte_zmalloc_socket(NULL, size * sizeof(q->done[0]), 0, (int)socket);
	q->dq = queue_handle(vd, VIRTIO_NET_TXQ(qid));
	if (q->sw_ring == NULL || q->ndesc == NULL ||
			q->mark == NULL || q->requeue == NULL || q->done == NULL || q->dq == NULL ||
			vio_txq_backlog_alloc(q, (int)socket) != 0) {
		bool nodev = q->dq == NULL;

		q->dq = NULL;
		vio_txq_free(q);
		return nodev ? -ENODEV : -ENOMEM;
	}
	q->vd = vd;
	q->queue_id = qid;
	vio_txq_init(q);
	dev->data->tx_queues[qid] = q;
	return 0;
}

/* ---- start / stop ----------------------------------------------------- */

static int vio_link_update(struct rte_eth_dev *dev, int wait);

static void
queues_offline(struct vio_dev *vd)
{
	struct rte_eth_dev_data *d = vd->eth_dev->data;
	unsigned int i;

	for (i = 0; i < d->nb_rx_queues; i++)
		if (d->rx_queues[i] != NULL)
			rte_dma_domain_queue_offline(((struct vio_rxq *)d->rx_queues[i])->dq);
	for (i = 0; i < d->nb_tx_queues; i++)
		if (d->tx_queues[i] != NULL)
			rte_dma_domain_queue_offline(((struct vio_txq *)d->tx_queues[i])->dq);
}

static void
queues_release_mbufs(struct vio_dev *vd)
{
	struct rte_eth_dev_data *d = vd->eth_dev->data;
	unsigned int i;

	for (i = 0; i < d->nb_rx_queues; i++) {
		struct vio_rxq *q = d->rx_queues[i];

		if (q != NULL) {
			discarded_add(&vd->rx_discarded, vio_rxq_release_mbufs(q));
			q->state = VIO_Q_RUNNING;
		}
	}
	for (i = 0; i < d->nb_tx_queues; i++) {
		struct vio_txq *q = d->tx_queues[i];

		if (q != NULL) {
			discarded_add(&vd->tx_discarded, vio_txq_release_mbufs(q));
			q->state = VIO_Q_RUNNING;
		}
	}
}

/* Enable the ring of queue handle qid at start (or fail as injected). */
static int
vio_start_setup(struct vio_dev *vd, struct vio_ring *r, uint16_t qid)
{
	if (vio_inject_hit(vd, RTE_PMD_VIRTIO_IOMMUFD_INJECT_START_SETUP, qid)) {
		VIO_LOG(ERR, "%s: queue %u could not be enabled at start: %s (injected)",
			vd->idev->name, qid, strerror(EIO));
		return -EIO;
	}
	return vtpci_queue_setup(&vd->hw, r);
}

int
vio_dev_start_queues(struct vio_dev *vd)
{
	struct rte_eth_dev_data *d = vd->eth_dev->data;
	uint16_t pairs = d->nb_rx_queues;
	unsigned int i;
	int ret;

	if (!vd->features_ok) {
		ret = vio_device_init(vd);
		if (ret != 0)
			return ret;
	}
	for (i = 0; i < d->nb_rx_queues; i++) {
		struct vio_rxq *q = d->rx_queues[i];

		if (q == NULL) {
			VIO_LOG(ERR, "%s: rx queue %u not set up", vd->idev->name, i);
			ret = -EINVAL;
			goto fail;
		}
		vio_ring_init(&q->r);
		if (vio_rxq_fill(q) < 0) {
			VIO_LOG(ERR, "%s: rx queue %u: mempool %s has no mbufs to post",
				vd->idev->name, i, q->mp->name);
			ret = -ENOMEM;
			goto fail;
		}
		ret = vio_start_setup(vd, &q->r, 2 * i);
		if (ret != 0)
			goto fail;
	}
	for (i = 0; i < d->nb_tx_queues; i++) {
		struct vio_txq *q = d->tx_queues[i];

		if (q == NULL) {
			VIO_LOG(ERR, "%s: tx queue %u not set up", vd->idev->name, i);
			ret = -EINVAL;
			goto fail;
		}
		vio_txq_init(q);
		ret = vio_start_setup(vd, &q->r, 2 * i + 1);
		if (ret != 0)
			goto fail;
	}
	if (vtpci_has(&vd->hw, VIRTIO_NET_F_CTRL_VQ)) {
		ret = vio_ctrl_setup(vd);
		if (ret != 0)
			goto fail;
	}
	vtpci_set_status(&vd->hw, VIRTIO_STATUS_DRIVER_OK);
	if (pairs > 1) {
		ret = vio_ctrl_set_pairs(vd, pairs);
		if (ret != 0)
			goto fail;
	}
	if (vtpci_get_status(&vd->hw) & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
		VIO_LOG(ERR, "%s: device failed during start (status 0x%02x)", vd->idev->name,
			vtpci_get_status(&vd->hw));
		ret = -EIO;
		goto fail;
	}
	/* Armed, not online: a queue takes part in swaps from its first burst
	 * on, so queues the application never polls (testpmd rxonly never
	 * calls tx_burst) do not stall a swap.
	 */
	for (i = 0; i < d->nb_rx_queues; i++)
		rte_dma_domain_queue_arm(((struct vio_rxq *)d->rx_queues[i])->dq);
	for (i = 0; i < d->nb_tx_queues; i++)
		rte_dma_domain_queue_arm(((struct vio_txq *)d->tx_queues[i])->dq);
	for (i = 0; i < d->nb_rx_queues; i++)
		d->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < d->nb_tx_queues; i++)
		d->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	vd->started = true;
	return 0;
fail:
	vio_device_halt(vd);
	queues_release_mbufs(vd);
	return ret;
}

static int
vio_dev_start(struct rte_eth_dev *dev)
{
	struct vio_dev *vd = dev->data->dev_private;
	int ret = vio_dev_start_queues(vd);

	if (ret == 0)
		vio_link_update(dev, 0);
	return ret;
}

static int
vio_dev_stop(struct rte_eth_dev *dev)
{
	struct vio_dev *vd = dev->data->dev_private;
	struct rte_eth_link link = { .link_status = RTE_ETH_LINK_DOWN };
	unsigned int i;

	if (!vd->started)
		return 0;
	/* Offline first: a replace no longer waits for these queues. */
	queues_offline(vd);
	vd->started = false;
	/* The device reset stops all its DMA before buffers are freed. */
	vio_device_halt(vd);
	queues_release_mbufs(vd);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	rte_eth_linkstatus_set(dev, &link);
	return 0;
}

static int
vio_dev_close(struct rte_eth_dev *dev)
{
	struct vio_dev *vd = dev->data->dev_private;
	unsigned int i;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	vio_dev_stop(dev);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		vio_rx_queue_release(dev, (uint16_t)i);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		vio_tx_queue_release(dev, (uint16_t)i);
	vio_ring_free(&vd->ctrl);
	vio_device_halt(vd);
	rte_iommufd_device_unbind(vd->idev);
	return 0;
}

static int
vio_dev_reset(struct rte_eth_dev *dev)
{
	struct vio_dev *vd = dev->data->dev_private;

	/* ethdev stopped the port; start from a fresh device state. */
	vio_dev_stop(dev);
	return vio_device_init(vd);
}

/* ---- configuration and info ------------------------------------------ */

static int
vio_dev_configure(struct rte_eth_dev *dev)
{
	struct vio_dev *vd = dev->data->dev_private;
	uint16_t nrx = dev->data->nb_rx_queues, ntx = dev->data->nb_tx_queues;

	if (nrx != ntx) {
		VIO_LOG(ERR, "%s: %u rx and %u tx queues: virtio-net uses queue pairs, expected equal counts",
			vd->idev->name, nrx, ntx);
		return -EINVAL;
	}
	if (nrx > vd->max_pairs) {
		VIO_LOG(ERR, "%s: %u queue pairs requested, device offers %u%s",
			vd->idev->name, nrx, vd->max_pairs,
			vtpci_has(&vd->hw, VIRTIO_NET_F_MQ) ? "" : " (no VIRTIO_NET_F_MQ)");
		return -EINVAL;
	}
	vd->nb_pairs = nrx;
	return 0;
}

static int
vio_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct vio_dev *vd = dev->data->dev_private;
	bool mrg = vtpci_has(&vd->hw, VIRTIO_NET_F_MRG_RXBUF);
	uint16_t qmax = vd->max_qsize != 0 ? vd->max_qsize : VIO_DEFAULT_QSIZE;

	info->max_rx_queues = vd->max_pairs;
	info->max_tx_queues = vd->max_pairs;
	info->max_mac_addrs = 1;
	info->min_rx_bufsize = RTE_ETHER_MIN_LEN;
	info->max_rx_pktlen = mrg ? 9018 : RTE_ETHER_MAX_LEN;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = info->max_rx_pktlen - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN;
	info->rx_offload_capa = mrg ? RTE_ETH_RX_OFFLOAD_SCATTER : 0;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->rx_desc_lim = (struct rte_eth_desc_lim){ .nb_max = qmax, .nb_min = 2, .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rxportconf.ring_size = RTE_MIN(qmax, VIO_DEFAULT_QSIZE);
	info->default_txportconf.ring_size = RTE_MIN(qmax, VIO_DEFAULT_QSIZE);
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	return 0;
}

static int
vio_link_update(struct rte_eth_dev *dev, int wait)
{
	struct vio_dev *vd = dev->data->dev_private;
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_UNKNOWN,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = RTE_ETH_LINK_DOWN,
	};
	uint16_t st = VIRTIO_NET_S_LINK_UP;

	RTE_SET_USED(wait);
	if (vd->started && !vio_check_needs_reset(vd)) {
		if (vtpci_has(&vd->hw, VIRTIO_NET_F_STATUS))
			vtpci_read_devcfg(&vd->hw, VIRTIO_NET_CFG_OFF_STATUS, &st, sizeof(st));
		if (st & VIRTIO_NET_S_LINK_UP)
			link.link_status = RTE_ETH_LINK_UP;
	}
	return rte_eth_linkstatus_set(dev, &link);
}

/* The device delivers every frame it gets: nothing to filter. */
static int
vio_ok(struct rte_eth_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

static int
vio_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct vio_dev *vd = dev->data->dev_private;
	struct rte_eth_dev_info info;

	vio_dev_infos_get(dev, &info);
	if (mtu > info.max_mtu) {
		VIO_LOG(ERR, "%s: MTU %u above the maximum %u (MRG_RXBUF %s)", vd->idev->name,
			mtu, info.max_mtu,
			vtpci_has(&vd->hw, VIRTIO_NET_F_MRG_RXBUF) ? "on" : "off");
		return -EINVAL;
	}
	return 0;
}

static const struct eth_dev_ops vio_eth_ops = {
	.dev_configure = vio_dev_configure,
	.dev_start = vio_dev_start,
	.dev_stop = vio_dev_stop,
	.dev_close = vio_dev_close,
	.dev_reset = vio_dev_reset,
	.dev_infos_get = vio_dev_infos_get,
	.link_update = vio_link_update,
	.promiscuous_enable = vio_ok,
	.promiscuous_disable = vio_ok,
	.allmulticast_enable = vio_ok,
	.allmulticast_disable = vio_ok,
	.mtu_set = vio_mtu_set,
	.rx_queue_setup = vio_rx_queue_setup,
	.rx_queue_release = vio_rx_queue_release,
	.tx_queue_setup = vio_tx_queue_setup,
	.tx_queue_release = vio_tx_queue_release,
	.stats_get = vio_stats_get,
	.stats_reset = vio_stats_reset,
	.xstats_get = vio_xstats_get,
	.xstats_get_names = vio_xstats_get_names,
	.xstats_reset = vio_stats_reset,
};

/* Private data of port_id if it is a port of this PMD, else NULL. */
struct vio_dev *
vio_dev_of_port(uint16_t port_id)
{
	struct rte_eth_dev *dev;

	if (!rte_eth_dev_is_valid_port(port_id))
		return NULL;
	dev = &rte_eth_devices[port_id];
	return dev->dev_ops == &vio_eth_ops ? dev->data->dev_private : NULL;
}

/* ---- probe / remove ---------------------------------------------------- */

static int
vio_probe(struct rte_iommufd_driver *drv, struct rte_iommufd_device *idev)
{
	struct rte_eth_dev *eth_dev;
	struct vio_dev *vd;
	uint16_t pairs = 1;
	int ret;

	RTE_SET_USED(drv);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		VIO_LOG(ERR, "%s: secondary processes are not supported", idev->name);
		return -ENOTSUP;
	}
	eth_dev = rte_eth_dev_allocate(idev->name);
	if (eth_dev == NULL)
		return -ENOMEM;
	vd = rte_zmalloc_socket("vio_dev", sizeof(*vd), RTE_CACHE_LINE_SIZE,
		idev->device.numa_node);
	eth_dev->data->mac_addrs = rte_zmalloc(NULL, RTE_ETHER_ADDR_LEN, 0);
	if (vd == NULL || eth_dev->data->mac_addrs == NULL) {
		rte_free(vd);
		ret = -ENOMEM;
		goto fail;
	}
	eth_dev->data->dev_private = vd;
	eth_dev->device = &idev->device;
	vd->idev = idev;
	vd->eth_dev = eth_dev;
	vd->port_id = eth_dev->data->port_id;

	/* Bind first: a kernel VFIO cdev answers no region access until it is
	 * bound to iommufd. The queue count is not known yet, so reserve
	 * handles for the most queue pairs this PMD supports.
	 */
	ret = rte_iommufd_device_bind(idev, (uint16_t)(2 * VIO_MAX_PAIRS), &vio_dma_ops, vd);
	if (ret != 0) {
		VIO_LOG(ERR, "%s: cannot bind the device to its DMA domain: %s", idev->name,
			strerror(-ret));
		goto fail;
	}
	ret = vtpci_init(&vd->hw, idev);
	if (ret == 0)
		ret = vio_device_init(vd);
	if (ret != 0)
		goto fail;
	if (vtpci_has(&vd->hw, VIRTIO_NET_F_MQ))
		vtpci_read_devcfg(&vd->hw, VIRTIO_NET_CFG_OFF_MAX_VQ_PAIRS, &pairs, sizeof(pairs));
	vd->max_pairs = RTE_MAX(1, RTE_MIN(pairs, VIO_MAX_PAIRS));
	if (idev->nb_queue_pairs != 0)
		vd->max_pairs = RTE_MIN(vd->max_pairs, idev->nb_queue_pairs);
	vd->max_qsize = vtpci_queue_max(&vd->hw, VIRTIO_NET_RXQ(0));
	if (vtpci_has(&vd->hw, VIRTIO_NET_F_MAC))
		vtpci_read_devcfg(&vd->hw, VIRTIO_NET_CFG_OFF_MAC, vd->mac.addr_bytes,
			RTE_ETHER_ADDR_LEN);
	else
		rte_eth_random_addr(vd->mac.addr_bytes);
	rte_ether_addr_copy(&vd->mac, eth_dev->data->mac_addrs);

	eth_dev->dev_ops = &vio_eth_ops;
	eth_dev->rx_pkt_burst = vio_recv_pkts;
	eth_dev->tx_pkt_burst = vio_xmit_pkts;
	rte_eth_dev_probing_finish(eth_dev);
	VIO_LOG(INFO, "%s: port %u, MAC " RTE_ETHER_ADDR_PRT_FMT
		", %u queue pairs, features 0x%" PRIx64,
		idev->name, vd->port_id, RTE_ETHER_ADDR_BYTES(&vd->mac), vd->max_pairs,
		vd->hw.features);
	return 0;
fail:
	if (vd != NULL && vd->hw.dev != NULL)
		vtpci_set_status(&vd->hw, VIRTIO_STATUS_FAILED);
	if (idev->binding != NULL)
		rte_iommufd_device_unbind(idev);
	rte_eth_dev_release_port(eth_dev);
	return ret;
}

static int
vio_remove(struct rte_iommufd_device *idev)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocated(idev->name);

	if (eth_dev == NULL)
		return 0;
	return rte_eth_dev_close(eth_dev->data->port_id);
}

static const struct rte_iommufd_id_match vio_ids[] = {
	{ VIRTIO_PCI_VENDOR_ID, VIRTIO_PCI_DEVICE_ID_NET },
	{ 0, 0 },
};

static struct rte_iommufd_driver vio_driver = {
	.id_table = vio_ids,
	.probe = vio_probe,
	.remove = vio_remove,
};

RTE_PMD_REGISTER_IOMMUFD(net_virtio_iommufd, vio_driver);
/* The device keys this driver's ports take; the iommufd bus parses them
 * for it (drivers/bus/iommufd/iommufd_devargs.c) and hands them over in
 * the device (nb_queue_pairs, its binding's domain and strategy).
 */
RTE_PMD_REGISTER_PARAM_STRING(net_virtio_iommufd,
	"queues=<int> "
	"domain=<name> "
	"strategy=quiesce|hitless|remap|restart");
/* A real function: bound to vfio-pci, opened through its VFIO cdev
 * (emulated devices need no module).
 */
RTE_PMD_REGISTER_KMOD_DEP(net_virtio_iommufd, "vfio-pci");
