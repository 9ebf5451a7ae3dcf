/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Emulated virtio-net 1.x PCI function: PCI config space and the
 * registers of BAR 4. The DMA engine lives in emu_virtio_dma.c, the
 * devargs in emu_virtio_devargs.c.
 */

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "emu_virtio_net.h"

/* What the device offers by default: what QEMU's virtio-net-pci with
 * iommu_platform=on offers that matters to this project.
 */
#define EMU_HOST_FEATURES (VIRTIO_BIT(VIRTIO_F_VERSION_1) | \
	VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) | VIRTIO_BIT(VIRTIO_F_RING_RESET) | \
	VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | \
	VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) | \
	VIRTIO_BIT(VIRTIO_NET_F_MAC))

/* Control-path lock of a queue: the holder may be an engine running on a
 * poller that shares our core, so yield instead of spinning. A wait is the
 * device finishing an engine pass (a queue reset completes after the DMA
 * in flight): device time, charged to the caller as such
 * (rte_iommufd_emu_thread_ns()).
 */
static void
vq_lock(struct emu_vq *vq)
{
	uint64_t t;

	if (rte_spinlock_trylock(&vq->lock))
		return;
	t = rte_rdtsc();
	while (!rte_spinlock_trylock(&vq->lock))
		sched_yield();
	RTE_PER_LCORE(emu_vnet_thread_cycles) += rte_rdtsc() - t;
}

void
emu_vnet_vq_clear(struct emu_vnet *n, struct emu_vq *vq)
{
	rte_atomic_store_explicit(&vq->enable, 0, rte_memory_order_release);
	vq->size = n->qsize_max;
	vq->desc = vq->avail = vq->used = 0;
	vq->last_avail = vq->used_idx = 0;
	vq->flags_done = false;
}

/*
 * Device reset, exclusive with every engine pass on this device's queues,
 * the peer's deliveries into its rx queues included: each queue is
 * cleared under its lock, which waits for a pass in flight and leaves the
 * queue disabled, so no pass touches the device's memory after this
 * returns (until the driver enables queues again). The device-wide state
 * that passes read without a queue lock (status, broken, curr_pairs) is
 * reset with atomic stores, after the queues are off.
 */
static void
device_reset(struct emu_vnet *n)
{
	unsigned int i;

	if (n->mode == EMU_MODE_THREAD)
		emu_vnet_thread_stop(n);
	else if (n->mode == EMU_MODE_SERVICE)
		emu_vnet_service_stop(n);
	for (i = 0; i < n->num_queues; i++) {
		vq_lock(&n->vq[i]);
		emu_vnet_vq_clear(n, &n->vq[i]);
		rte_spinlock_unlock(&n->vq[i].lock);
	}
	n->guest_features = 0;
	n->dfselect = n->gfselect = 0;
	n->queue_select = 0;
	rte_atomic_store_explicit(&n->curr_pairs, 1, rte_memory_order_release);
	rte_atomic_store_explicit(&n->isr, 0, rte_memory_order_release);
	rte_atomic_store_explicit(&n->broken, false, rte_memory_order_release);
	rte_atomic_store_explicit(&n->ctrl_kick, false, rte_memory_order_release);
	rte_atomic_store_explicit(&n->status, 0, rte_memory_order_release);
}

/* ---- PCI config space ---------------------------------------------------- */

static void
cfg_put(uint8_t *cfg, unsigned int off, const void *v, size_t len)
{
	memcpy(cfg + off, v, len);
}

static unsigned int
cfg_add_cap(uint8_t *cfg, unsigned int off, uint8_t next, uint8_t type,
		uint32_t bar_off, uint32_t len, uint32_t mult)
{
	struct virtio_pci_notify_cap c;
	uint8_t cap_len = type == VIRTIO_PCI_CAP_NOTIFY_CFG ?
		sizeof(struct virtio_pci_notify_cap) : sizeof(struct virtio_pci_cap);

	memset(&c, 0, sizeof(c));
	c.cap.cap_vndr = VIRTIO_PCI_CAP_ID_VNDR;
	c.cap.cap_next = next;
	c.cap.cap_len = cap_len;
	c.cap.cfg_type = type;
	c.cap.bar = EMU_BAR;
	c.cap.offset = bar_off;
	c.cap.length = len;
	c.notify_off_multiplier = mult;
	cfg_put(cfg, off, &c, cap_len);
	return off + cap_len;
}

static void
cfg_build(struct emu_vnet *n)
{
	uint8_t *c = n->cfg;
	uint16_t v16;
	uint32_t v32;
	uint8_t class[3] = { 0x00, 0x00, 0x02 }; /* Ethernet controller */
	uint8_t pos[5] = { 0x40, 0x50, 0x64, 0x74, 0 };

	v16 = VIRTIO_PCI_VENDOR_ID;
	cfg_put(c, VIRTIO_PCI_CFG_VENDOR_ID, &v16, 2);
	v16 = VIRTIO_PCI_DEVICE_ID_NET;
	cfg_put(c, VIRTIO_PCI_CFG_DEVICE_ID, &v16, 2);
	v16 = VIRTIO_PCI_STATUS_CAP_LIST;
	cfg_put(c, VIRTIO_PCI_CFG_STATUS, &v16, 2);
	c[VIRTIO_PCI_CFG_REVISION] = 1; /* modern-only devices have rev >= 1 */
	cfg_put(c, VIRTIO_PCI_CFG_CLASS, class, 3);
	/* BAR4: 64-bit memory BAR; the address is meaningless here. */
	v32 = 0x4;
	cfg_put(c, VIRTIO_PCI_CFG_BAR0 + 4 * EMU_BAR, &v32, 4);
	v16 = VIRTIO_PCI_VENDOR_ID;
	cfg_put(c, VIRTIO_PCI_CFG_SUBSYS_VENDOR, &v16, 2);
	v16 = 0x1100;
	cfg_put(c, VIRTIO_PCI_CFG_SUBSYS_ID, &v16, 2);
	c[VIRTIO_PCI_CFG_CAP_PTR] = pos[0];
	cfg_add_cap(c, pos[0], pos[1], VIRTIO_PCI_CAP_COMMON_CFG, EMU_COMMON_OFF,
		VIRTIO_PCI_COMMON_CFG_LEN, 0);
	cfg_add_cap(c, pos[1], pos[2], VIRTIO_PCI_CAP_NOTIFY_CFG, EMU_NOTIFY_OFF,
		EMU_NOTIFY_MULT * n->num_queues, EMU_NOTIFY_MULT);
	cfg_add_cap(c, pos[2], pos[3], VIRTIO_PCI_CAP_ISR_CFG, EMU_ISR_OFF, 1, 0);
	cfg_add_cap(c, pos[3], pos[4], VIRTIO_PCI_CAP_DEVICE_CFG, EMU_DEVCFG_OFF,
		sizeof(struct virtio_net_config), 0);
}

/* ---- create / destroy ---------------------------------------------------- */

static int
emu_vnet_create(struct rte_iommufd_device *dev, struct rte_kvargs *kv)
{
	struct emu_vnet *n;
	unsigned int i, num = 0;
	const char *p;
	int ret;

	/* Bus scan runs before EAL memory exists: plain heap memory. */
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->dev = dev;
	n->host_features = EMU_HOST_FEATURES;
	n->max_pairs = 4;
	n->qsize_max = EMU_DEFAULT_QSIZE;
	n->link_status = VIRTIO_NET_S_LINK_UP;
	n->gen_len = 64;
	n->cpu = -1;
	n->service_lcore = -1;
	n->wire = EMU_WIRE_SINK;
	for (p = dev->name; *p != '\0'; p++)
		if (*p >= '0' && *p <= '9')
			num = num * 10 + (unsigned int)(*p - '0');
	n->mac = (struct rte_ether_addr){ .addr_bytes = { 0x02, 0, 0, 0,
		(uint8_t)(num >> 8), (uint8_t)num } };
	n->dev->emu_priv = n;
	ret = emu_vnet_parse_args(n, kv);
	if (ret != 0) {
		dev->emu_priv = NULL;
		free(n);
		return ret;
	}
	if (!(n->host_features & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)))
		n->host_features &= ~VIRTIO_BIT(VIRTIO_NET_F_MQ);
	n->num_queues = 2 * n->max_pairs + 1;
	n->curr_pairs = 1;
	for (i = 0; i < n->num_queues; i++) {
		rte_spinlock_init(&n->vq[i].lock);
		emu_vnet_vq_clear(n, &n->vq[i]);
	}
	cfg_build(n);

	dev->id = (struct rte_iommufd_id){
		.vendor_id = VIRTIO_PCI_VENDOR_ID,
		.device_id = VIRTIO_PCI_DEVICE_ID_NET,
		.subsystem_vendor_id = VIRTIO_PCI_VENDOR_ID,
		.subsystem_device_id = 0x1100,
	};
	memset(dev->regions, 0, sizeof(dev->regions));
	dev->regions[RTE_IOMMUFD_REGION_CONFIG] = (struct rte_iommufd_region){
		.size = EMU_CFG_SPACE_SIZE,
		.flags = RTE_IOMMUFD_REGION_F_READ | RTE_IOMMUFD_REGION_F_WRITE,
	};
	dev->regions[RTE_IOMMUFD_REGION_BAR(EMU_BAR)] = (struct rte_iommufd_region){
		.size = EMU_BAR_SIZE,
		.flags = RTE_IOMMUFD_REGION_F_READ | RTE_IOMMUFD_REGION_F_WRITE,
	};
	EMU_LOG(INFO, "%s: virtio-net, %u queue pairs, features 0x%" PRIx64 ", wire %s%s, %s engine",
		dev->name, n->max_pairs, n->host_features,
		n->wire == EMU_WIRE_PEER ? "peer " : n->wire == EMU_WIRE_LOOP ? "loop" :
		n->wire == EMU_WIRE_GEN ? "gen" : "sink", n->peer_name,
		n->mode == EMU_MODE_THREAD ? "thread" :
		n->mode == EMU_MODE_SERVICE ? "service" : "inline");
	return 0;
}

static void
emu_vnet_destroy(struct rte_iommufd_device *dev)
{
	struct emu_vnet *n = dev->emu_priv;
	struct rte_iommufd_device *d = NULL;

	if (n == NULL)
		return;
	device_reset(n);
	emu_vnet_service_fini(n);
	/* Ports wired to this one forget it (they back-pressure from now on). */
	while ((d = rte_iommufd_device_next(d)) != NULL) {
		if (d != dev && emu_vnet_is_ours(d)) {
			struct emu_vnet *o = d->emu_priv;

			if (rte_atomic_load_explicit(&o->peer, rte_memory_order_acquire) == n)
				rte_atomic_store_explicit(&o->peer, NULL, rte_memory_order_release);
		}
	}
	dev->emu_priv = NULL;
	free(n);
}

/* ---- registers --------------------------------------------------------- */

/* Image of the common cfg for the selected queue: reads of any width and
 * offset are served from it.
 */
static void
common_image(struct emu_vnet *n, uint8_t img[VIRTIO_PCI_COMMON_CFG_LEN])
{
	uint16_t q = n->queue_select;
	const struct emu_vq *vq = q < n->num_queues ? &n->vq[q] : NULL;
	uint32_t df = n->dfselect == 0 ? (uint32_t)n->host_features :
		n->dfselect == 1 ? (uint32_t)(n->host_features >> 32) : 0;
	uint32_t gf = n->gfselect == 0 ? (uint32_t)n->guest_features :
		n->gfselect == 1 ? (uint32_t)(n->guest_features >> 32) : 0;
	uint16_t v16;
	uint64_t v64;

	memset(img, 0, VIRTIO_PCI_COMMON_CFG_LEN);
	memcpy(img + VIRTIO_PCI_COMMON_DFSELECT, &n->dfselect, 4);
	memcpy(img + VIRTIO_PCI_COMMON_DF, &df, 4);
	memcpy(img + VIRTIO_PCI_COMMON_GFSELECT, &n->gfselect, 4);
	memcpy(img + VIRTIO_PCI_COMMON_GF, &gf, 4);
	v16 = VIRTIO_MSI_NO_VECTOR;
	memcpy(img + VIRTIO_PCI_COMMON_MSIX, &v16, 2);
	memcpy(img + VIRTIO_PCI_COMMON_NUMQ, &n->num_queues, 2);
	img[VIRTIO_PCI_COMMON_STATUS] = rte_atomic_load_explicit(&n->status,
			rte_memory_order_acquire);
	img[VIRTIO_PCI_COMMON_CFGGEN] = rte_atomic_load_explicit(&n->cfg_gen,
			rte_memory_order_acquire);
	memcpy(img + VIRTIO_PCI_COMMON_Q_SELECT, &q, 2);
	if (vq == NULL)
		return; /* queue_size 0: no such queue */
	memcpy(img + VIRTIO_PCI_COMMON_Q_SIZE, &vq->size, 2);
	memcpy(img + VIRTIO_PCI_COMMON_Q_MSIX, &v16, 2);
	v16 = rte_atomic_load_explicit(&vq->enable, rte_memory_order_acquire);
	memcpy(img + VIRTIO_PCI_COMMON_Q_ENABLE, &v16, 2);
	memcpy(img + VIRTIO_PCI_COMMON_Q_NOFF, &q, 2);
	v64 = vq->desc;
	memcpy(img + VIRTIO_PCI_COMMON_Q_DESC, &v64, 8);
	v64 = vq->avail;
	memcpy(img + VIRTIO_PCI_COMMON_Q_DRIVER, &v64, 8);
	v64 = vq->used;
	memcpy(img + VIRTIO_PCI_COMMON_Q_DEVICE, &v64, 8);
	memcpy(img + VIRTIO_PCI_COMMON_Q_NDATA, &q, 2);
	/* queue_reset: resets complete synchronously, so it always reads 0. */
}

static bool
has_feature(const struct emu_vnet *n, unsigned int bit)
{
	return (n->guest_features & VIRTIO_BIT(bit)) != 0;
}

static void
status_write(struct emu_vnet *n, uint8_t v)
{
	uint8_t old = rte_atomic_load_explicit(&n->status, rte_memory_order_acquire);

	if (v == VIRTIO_STATUS_RESET) {
		device_reset(n);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		/* Accept only a subset of what we offer, and only modern. */
		if ((n->guest_features & ~n->host_features) != 0 ||
				!has_feature(n, VIRTIO_F_VERSION_1)) {
			EMU_LOG(WARNING, "%s: features 0x%" PRIx64 " not accepted (offered 0x%"
				PRIx64 ", VERSION_1 required)",
				n->dev->name, n->guest_features, n->host_features);
			v &= ~VIRTIO_STATUS_FEATURES_OK;
		}
	}
	/* The driver cannot clear DEVICE_NEEDS_RESET but by a reset, and an
	 * engine (also the peer's) may raise it meanwhile: keep the bit.
	 */
	v &= (uint8_t)~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	while (!rte_atomic_compare_exchange_strong_explicit(&n->status, &old,
			(uint8_t)(v | (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET)),
			rte_memory_order_acq_rel, rte_memory_order_acquire))
		;
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		if (n->mode == EMU_MODE_THREAD && emu_vnet_thread_start(n) != 0)
			emu_vnet_raise_needs_reset(n, "engine thread did not start");
		else if (n->mode == EMU_MODE_SERVICE && emu_vnet_service_start(n) != 0)
			emu_vnet_raise_needs_reset(n, "engine service did not start");
	}
}

static void
queue_enable_write(struct emu_vnet *n, struct emu_vq *vq, uint16_t v)
{
	uint8_t st = rte_atomic_load_explicit(&n->status, rte_memory_order_acquire);

	if (v != 1)
		return; /* writing 0 is not allowed by the spec: ignored */
	if ((st & VIRTIO_STATUS_DRIVER_OK) && !has_feature(n, VIRTIO_F_RING_RESET)) {
		EMU_LOG(WARNING, "%s: queue %u enabled after DRIVER_OK without RING_RESET: ignored",
			n->dev->name, (unsigned int)(vq - n->vq));
		return;
	}
	if (vq->size == 0 || !rte_is_power_of_2(vq->size) ||
			vq->desc == 0 || vq->avail == 0 || vq->used == 0) {
		emu_vnet_raise_needs_reset(n, "queue enabled with bad size or addresses");
		return;
	}
	vq_lock(vq);
	vq->last_avail = vq->used_idx = 0;
	vq->flags_done = false;
	vq->mrg_rxbuf = has_feature(n, VIRTIO_NET_F_MRG_RXBUF);
	rte_atomic_store_explicit(&vq->enable, 1, rte_memory_order_release);
	rte_spinlock_unlock(&vq->lock);
}

static void
queue_reset_write(struct emu_vnet *n, struct emu_vq *vq, uint16_t v)
{
	if (v != 1 || !has_feature(n, VIRTIO_F_RING_RESET))
		return;
	/* Under the queue lock no engine pass is in flight on this queue:
	 * after unlock the device does no DMA for it until re-enabled.
	 */
	vq_lock(vq);
	emu_vnet_vq_clear(n, vq);
	rte_spinlock_unlock(&vq->lock);
}

static void
addr_write(uint64_t *reg, uint64_t off_in_reg, const void *buf, size_t len)
{
	uint8_t b[8];

	memcpy(b, reg, 8);
	memcpy(b + off_in_reg, buf, len);
	memcpy(reg, b, 8);
}

static int
common_write(struct emu_vnet *n, uint64_t off, const void *buf, size_t len)
{
	struct emu_vq *vq = n->queue_select < n->num_queues ?
		&n->vq[n->queue_select] : NULL;
	uint32_t v = 0;

	if (len <= 4)
		memcpy(&v, buf, len);
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		n->dfselect = v;
		return 0;
	case VIRTIO_PCI_COMMON_GFSELECT:
		n->gfselect = v;
		return 0;
	case VIRTIO_PCI_COMMON_GF:
		if (rte_atomic_load_explicit(&n->status,
				rte_memory_order_acquire) & VIRTIO_STATUS_FEATURES_OK)
			return 0; /* features are frozen after FEATURES_OK */
		if (n->gfselect == 0)
			n->guest_features = (n->guest_features & ~UINT64_C(0xffffffff)) | v;
		else if (n->gfselect == 1)
			n->guest_features = (n->guest_features & UINT64_C(0xffffffff)) |
				((uint64_t)v << 32);
		return 0;
	case VIRTIO_PCI_COMMON_STATUS:
		status_write(n, (uint8_t)v);
		return 0;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		n->queue_select = (uint16_t)v;
		return 0;
	case VIRTIO_PCI_COMMON_MSIX:
	case VIRTIO_PCI_COMMON_Q_MSIX:
		return 0; /* no interrupts: the driver polls */
	default:
		break;
	}
	if (vq == NULL)
		return 0;
	if (off == VIRTIO_PCI_COMMON_Q_SIZE) {
		if (v == 0 || v > n->qsize_max || !rte_is_power_of_2(v))
			EMU_LOG(WARNING, "%s: queue_size %u ignored: expected a power of 2 <= %u",
				n->dev->name, v, n->qsize_max);
		else if (!vq->enable)
			vq->size = (uint16_t)v;
	} else if (off == VIRTIO_PCI_COMMON_Q_ENABLE) {
		queue_enable_write(n, vq, (uint16_t)v);
	} else if (off == VIRTIO_PCI_COMMON_Q_RESET) {
		queue_reset_write(n, vq, (uint16_t)v);
	} else if (off >= VIRTIO_PCI_COMMON_Q_DESC && off + len <= VIRTIO_PCI_COMMON_Q_NDATA) {
		uint64_t base = off - (off - VIRTIO_PCI_COMMON_Q_DESC) % 8;
		uint64_t *reg = base == VIRTIO_PCI_COMMON_Q_DESC ? &vq->desc :
			base == VIRTIO_PCI_COMMON_Q_DRIVER ? &vq->avail : &vq->used;

		if (!vq->enable && off - base + len <= 8)
			addr_write(reg, off - base, buf, len);
	}
	return 0;
}

static void
devcfg_image(const struct emu_vnet *n, struct virtio_net_config *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, n->mac.addr_bytes, 6);
	c->status = n->link_status;
	c->max_virtqueue_pairs = n->max_pairs;
	c->mtu = RTE_ETHER_MTU;
}

static int
emu_vnet_region_read(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, void *buf, size_t len)
{
	struct emu_vnet *n = dev->emu_priv;
	uint8_t img[VIRTIO_PCI_COMMON_CFG_LEN];
	struct virtio_net_config nc;

	if (idx == RTE_IOMMUFD_REGION_CONFIG) {
		if (off + len > EMU_CFG_SPACE_SIZE)
			return -EINVAL;
		memcpy(buf, n->cfg + off, len);
		return 0;
	}
	if (idx != EMU_BAR || off + len > EMU_BAR_SIZE || len == 0)
		return -EINVAL;
	memset(buf, 0, len);
	if (off + len <= EMU_COMMON_OFF + VIRTIO_PCI_COMMON_CFG_LEN) { /* common cfg at 0 */
		common_image(n, img);
		memcpy(buf, img + off - EMU_COMMON_OFF, len);
	} else if (off == EMU_ISR_OFF) {
		*(uint8_t *)buf = rte_atomic_exchange_explicit(&n->isr, 0,
			rte_memory_order_acq_rel);
	} else if (off >= EMU_DEVCFG_OFF && off + len <= EMU_DEVCFG_OFF + sizeof(nc)) {
		devcfg_image(n, &nc);
		memcpy(buf, (uint8_t *)&nc + off - EMU_DEVCFG_OFF, len);
	}
	return 0;
}

static int
emu_vnet_region_write(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, const void *buf, size_t len)
{
	struct emu_vnet *n = dev->emu_priv;

	if (idx == RTE_IOMMUFD_REGION_CONFIG) {
		if (off + len > EMU_CFG_SPACE_SIZE)
			return -EINVAL;
		/* Only the command register is writable. */
		if (off >= VIRTIO_PCI_CFG_COMMAND && off + len <= VIRTIO_PCI_CFG_COMMAND + 2)
			memcpy(n->cfg + off, buf, len);
		return 0;
	}
	if (idx != EMU_BAR || off + len > EMU_BAR_SIZE || len == 0)
		return -EINVAL;
	if (off >= EMU_NOTIFY_OFF
			&& off < EMU_NOTIFY_OFF + (uint64_t)EMU_NOTIFY_MULT * n->num_queues) {
		/* Inline mode: the notify does the device's work for that queue
		 * right here, on the caller's lcore (design guide, "Why the
		 * Waits Yield"); a control-path doorbell
		 * (rte_iommufd_emu_defer_begin()) leaves it to the data path:
		 * the queue's next poll or notify, or the peer's receive poll
		 * (rx_pull), as a device that works on its own would.
		 */
		uint16_t qid = (uint16_t)((off - EMU_NOTIFY_OFF) / EMU_NOTIFY_MULT);

		bool ctrlq = qid == VIRTIO_NET_CTRLQ(n->max_pairs);

		if (emu_vnet_inline(n)) {
			if (RTE_PER_LCORE(emu_vnet_defer_depth) == 0 || ctrlq)
				emu_vnet_engine_inline(n, qid);
		} else if (ctrlq) {
			/* after the driver's avail publish: the engine's
			 * acquire exchange sees the command
			 */
			rte_atomic_store_explicit(&n->ctrl_kick, true, rte_memory_order_release);
		}
		return 0;
	}
	if (off + len <= EMU_COMMON_OFF + VIRTIO_PCI_COMMON_CFG_LEN)
		return common_write(n, off - EMU_COMMON_OFF, buf, len);
	return 0; /* ISR and device cfg are read-only */
}

static void
emu_vnet_poll(struct rte_iommufd_device *dev, uint16_t qid)
{
	struct emu_vnet *n = dev->emu_priv;

	if (emu_vnet_inline(n))
		emu_vnet_engine_inline(n, qid);
}

/* What a virtio-net device has no register for: the packets it dropped
 * (rte_iommufd_device_counter(); the PMD reports rx_dropped in imissed).
 */
static int
emu_vnet_counter(struct rte_iommufd_device *dev, const char *name, uint64_t *value)
{
	struct emu_vnet *n = dev->emu_priv;
	unsigned int first, i;
	uint64_t sum = 0;

	if (strcmp(name, "rx_dropped") == 0)
		first = 0;
	else if (strcmp(name, "tx_dropped") == 0)
		first = 1;
	else
		return -ENOENT;
	for (i = first; i < 2u * n->max_pairs; i += 2)
		sum += rte_atomic_load_explicit(&n->vq[i].dropped, rte_memory_order_relaxed);
	*value = sum;
	return 0;
}

const struct rte_iommufd_emu_ops emu_vnet_ops = {
	.model = EMU_VNET_MODEL,
	.create = emu_vnet_create,
	.destroy = emu_vnet_destroy,
	.region_read = emu_vnet_region_read,
	.region_write = emu_vnet_region_write,
	.poll = emu_vnet_poll,
	.valid_keys = emu_vnet_keys,
	.counter = emu_vnet_counter,
};

RTE_IOMMUFD_EMU_REGISTER(virtio_net, emu_vnet_ops);
