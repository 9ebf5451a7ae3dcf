/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Virtio 1.x modern PCI transport over the iommufd bus's region interface.
 * The virtio structures are found through the vendor capabilities of the
 * PCI config space (region 7); each is accessed through a mapping of its
 * BAR where the bus offers one (kernel devices), else through region
 * read/write (emulated devices implement their registers that way).
 */

#include <errno.h>
#include <sched.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_io.h>

#include "virtio_iommufd.h"

static void
st_read(struct vtpci_hw *hw, const struct vtpci_struct *s, uint32_t off,
		void *buf, uint32_t len)
{
	if (s->addr != NULL) {
		switch (len) {
		case 1:
			*(uint8_t *)buf = rte_read8(s->addr + off);
			return;
		case 2:
			*(uint16_t *)buf = rte_read16(s->addr + off);
			return;
		case 4:
			*(uint32_t *)buf = rte_read32(s->addr + off);
			return;
		default:
			break;
		}
		memcpy(buf, s->addr + off, len);
		return;
	}
	if (rte_iommufd_region_read(hw->dev, RTE_IOMMUFD_REGION_BAR(s->bar),
			s->off + off, buf, len) != 0)
		memset(buf, 0xff, len); /* what a PCI read of a dead device gives */
}

static void
st_write(struct vtpci_hw *hw, const struct vtpci_struct *s, uint32_t off,
		const void *buf, uint32_t len)
{
	if (s->addr != NULL) {
		switch (len) {
		case 1:
			rte_write8(*(const uint8_t *)buf, s->addr + off);
			return;
		case 2:
			rte_write16(*(const uint16_t *)buf, s->addr + off);
			return;
		case 4:
			rte_write32(*(const uint32_t *)buf, s->addr + off);
			return;
		default:
			break;
		}
		memcpy(s->addr + off, buf, len);
		return;
	}
	rte_iommufd_region_write(hw->dev, RTE_IOMMUFD_REGION_BAR(s->bar),
		s->off + off, buf, len);
}

static uint8_t cr8(struct vtpci_hw *hw, uint32_t off)
{ uint8_t v; st_read(hw, &hw->common, off, &v, 1); return v; }
static uint16_t cr16(struct vtpci_hw *hw, uint32_t off)
{ uint16_t v; st_read(hw, &hw->common, off, &v, 2); return v; }
static uint32_t cr32(struct vtpci_hw *hw, uint32_t off)
{ uint32_t v; st_read(hw, &hw->common, off, &v, 4); return v; }
static void cw8(struct vtpci_hw *hw, uint32_t off, uint8_t v)
{ st_write(hw, &hw->common, off, &v, 1); }
static void cw16(struct vtpci_hw *hw, uint32_t off, uint16_t v)
{ st_write(hw, &hw->common, off, &v, 2); }
static void cw32(struct vtpci_hw *hw, uint32_t off, uint32_t v)
{ st_write(hw, &hw->common, off, &v, 4); }

/* 64-bit registers as two 32-bit writes (the spec allows drivers to). */
static void
cw64(struct vtpci_hw *hw, uint32_t off, uint64_t v)
{
	cw32(hw, off, (uint32_t)v);
	cw32(hw, off + 4, (uint32_t)(v >> 32));
}

static int
map_struct(struct vtpci_hw *hw, struct vtpci_struct *s, const struct virtio_pci_cap *cap)
{
	struct rte_iommufd_region *reg;
	void *base;

	if (cap->bar > 5) {
		VIO_LOG(ERR, "%s: virtio capability type %u names BAR %u (expected 0-5)",
			hw->dev->name, cap->cfg_type, cap->bar);
		return -EINVAL;
	}
	reg = &hw->dev->regions[RTE_IOMMUFD_REGION_BAR(cap->bar)];
	if ((uint64_t)cap->offset + cap->length > reg->size) {
		VIO_LOG(ERR, "%s: virtio capability type %u [0x%x, +0x%x) outside BAR %u (size 0x%"
			PRIx64 ")",
			hw->dev->name, cap->cfg_type, cap->offset, cap->length,
			cap->bar, reg->size);
		return -EINVAL;
	}
	s->bar = cap->bar;
	s->off = cap->offset;
	s->len = cap->length;
	s->addr = NULL;
	if (reg->flags & RTE_IOMMUFD_REGION_F_MMAP) {
		base = reg->addr != NULL ? reg->addr :
			rte_iommufd_region_map(hw->dev, RTE_IOMMUFD_REGION_BAR(cap->bar));
		if (base != NULL)
			s->addr = (uint8_t *)base + cap->offset;
	}
	return 0;
}

int
vtpci_init(struct vtpci_hw *hw, struct rte_iommufd_device *dev)
{
	uint8_t cfg[256];
	uint16_t vendor, status;
	uint8_t pos;
	unsigned int hops = 0;
	bool found_common = false, found_notify = false, found_devcfg = false;
	int ret;

	memset(hw, 0, sizeof(*hw));
	hw->dev = dev;
	rte_spinlock_init(&hw->sel_lock);
	if (dev->regions[RTE_IOMMUFD_REGION_CONFIG].size < sizeof(cfg)) {
		VIO_LOG(ERR, "%s: no PCI config space region (region %u)", dev->name,
			RTE_IOMMUFD_REGION_CONFIG);
		return -ENODEV;
	}
	ret = rte_iommufd_region_read(dev, RTE_IOMMUFD_REGION_CONFIG, 0, cfg, sizeof(cfg));
	if (ret != 0) {
		VIO_LOG(ERR, "%s: cannot read PCI config space: %s", dev->name, strerror(-ret));
		return ret;
	}
	memcpy(&vendor, cfg + VIRTIO_PCI_CFG_VENDOR_ID, 2);
	memcpy(&status, cfg + VIRTIO_PCI_CFG_STATUS, 2);
	if (vendor != VIRTIO_PCI_VENDOR_ID || !(status & VIRTIO_PCI_STATUS_CAP_LIST)) {
		VIO_LOG(ERR, "%s: not a modern virtio function (vendor 0x%04x, capability list %s)",
			dev->name, vendor, (status & VIRTIO_PCI_STATUS_CAP_LIST) ? "present" : "absent");
		return -ENODEV;
	}
	for (pos = cfg[VIRTIO_PCI_CFG_CAP_PTR] & 0xfc; pos != 0; pos = cfg[pos + 1] & 0xfc) {
		struct virtio_pci_notify_cap cap;

		if (++hops > 48 || pos + sizeof(struct virtio_pci_cap) > sizeof(cfg)) {
			VIO_LOG(ERR, "%s: malformed PCI capability list", dev->name);
			return -EINVAL;
		}
		if (cfg[pos] != VIRTIO_PCI_CAP_ID_VNDR)
			continue;
		memset(&cap, 0, sizeof(cap));
		memcpy(&cap, cfg + pos, RTE_MIN(sizeof(cap), sizeof(cfg) - pos));
		switch (cap.cap.cfg_type) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			if (found_common)
				break; /* the first one of each type is preferred */
			ret = map_struct(hw, &hw->common, &cap.cap);
			found_common = ret == 0;
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			if (found_notify)
				break;
			ret = map_struct(hw, &hw->notify, &cap.cap);
			hw->notify_mult = cap.notify_off_multiplier;
			found_notify = ret == 0;
			break;
		case VIRTIO_PCI_CAP_ISR_CFG:
			ret = map_struct(hw, &hw->isr, &cap.cap);
			break;
		case VIRTIO_PCI_CAP_DEVICE_CFG:
			if (found_devcfg)
				break;
			ret = map_struct(hw, &hw->devcfg, &cap.cap);
			found_devcfg = ret == 0;
			break;
		default:
			ret = 0;
			break;
		}
		if (ret != 0)
			return ret;
	}
	if (!found_common || !found_notify || !found_devcfg) {
		VIO_LOG(ERR, "%s: virtio capabilities missing:%s%s%s", dev->name,
			found_common ? "" : " common", found_notify ? "" : " notify",
			found_devcfg ? "" : " device");
		return -ENODEV;
	}
	if (hw->common.len < VIRTIO_PCI_COMMON_Q_NDATA) {
		VIO_LOG(ERR, "%s: common configuration too short (%u bytes)", dev->name,
			hw->common.len);
		return -EINVAL;
	}
	hw->num_queues = cr16(hw, VIRTIO_PCI_COMMON_NUMQ);
	return 0;
}

uint8_t
vtpci_get_status(struct vtpci_hw *hw)
{
	return cr8(hw, VIRTIO_PCI_COMMON_STATUS);
}

void
vtpci_set_status(struct vtpci_hw *hw, uint8_t st)
{
	/* Status bits accumulate, except for a reset. */
	if (st != VIRTIO_STATUS_RESET)
		st |= vtpci_get_status(hw);
	cw8(hw, VIRTIO_PCI_COMMON_STATUS, st);
}

int
vtpci_reset(struct vtpci_hw *hw)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz();

	cw8(hw, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_RESET);
	/* The reset is complete when the status reads 0 (spec 4.1.4.3.2). */
	while (vtpci_get_status(hw) != 0) {
		if (rte_get_timer_cycles() > deadline) {
			VIO_LOG(ERR, "%s: device reset did not complete in 1 s", hw->dev->name);
			return -ETIMEDOUT;
		}
		sched_yield();
	}
	hw->features = 0;
	return 0;
}

uint64_t
vtpci_device_features(struct vtpci_hw *hw)
{
	uint64_t lo, hi;

	cw32(hw, VIRTIO_PCI_COMMON_DFSELECT, 0);
	lo = cr32(hw, VIRTIO_PCI_COMMON_DF);
	cw32(hw, VIRTIO_PCI_COMMON_DFSELECT, 1);
	hi = cr32(hw, VIRTIO_PCI_COMMON_DF);
	return lo | (hi << 32);
}

int
vtpci_negotiate(struct vtpci_hw *hw, uint64_t wanted, const char *name)
{
	uint64_t offered = vtpci_device_features(hw);
	uint64_t f = offered & wanted;

	if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		VIO_LOG(ERR, "%s: device does not offer VIRTIO_F_VERSION_1 (bit 32): legacy devices are not supported",
			name);
		vtpci_set_status(hw, VIRTIO_STATUS_FAILED);
		return -ENOTSUP;
	}
	if (!(offered & VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM))) {
		/* Without ACCESS_PLATFORM the device uses physical addresses
		 * and bypasses the IOMMU: DMA through a domain is impossible.
		 */
		VIO_LOG(ERR, "%s: device does not offer VIRTIO_F_ACCESS_PLATFORM (bit 33), required behind an IOMMU (QEMU: iommu_platform=on): refusing the device",
			name);
		vtpci_set_status(hw, VIRTIO_STATUS_FAILED);
		return -ENOTSUP;
	}
	/* MQ is only usable with the control queue that sets the pairs. */
	if (!(f & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)))
		f &= ~VIRTIO_BIT(VIRTIO_NET_F_MQ);
	cw32(hw, VIRTIO_PCI_COMMON_GFSELECT, 0);
	cw32(hw, VIRTIO_PCI_COMMON_GF, (uint32_t)f);
	cw32(hw, VIRTIO_PCI_COMMON_GFSELECT, 1);
	cw32(hw, VIRTIO_PCI_COMMON_GF, (uint32_t)(f >> 32));
	vtpci_set_status(hw, VIRTIO_STATUS_FEATURES_OK);
	if (!(vtpci_get_status(hw) & VIRTIO_STATUS_FEATURES_OK)) {
		VIO_LOG(ERR, "%s: device refused features 0x%" PRIx64 " (FEATURES_OK not set)",
			name, f);
		vtpci_set_status(hw, VIRTIO_STATUS_FAILED);
		return -EIO;
	}
	hw->features = f;
	VIO_LOG(DEBUG, "%s: features offered 0x%" PRIx64 ", negotiated 0x%" PRIx64,
		name, offered, f);
	return 0;
}

void
vtpci_read_devcfg(struct vtpci_hw *hw, uint32_t off, void *buf, uint32_t len)
{
	uint8_t gen1, gen2;
	uint32_t i;

	/* Retry until the generation is stable around the read (spec 2.5.1). */
	do {
		gen1 = cr8(hw, VIRTIO_PCI_COMMON_CFGGEN);
		for (i = 0; i < len; i++)
			st_read(hw, &hw->devcfg, off + i, (uint8_t *)buf + i, 1);
		gen2 = cr8(hw, VIRTIO_PCI_COMMON_CFGGEN);
	} while (gen1 != gen2);
}

uint16_t
vtpci_queue_max(struct vtpci_hw *hw, uint16_t vq)
{
	uint16_t v;

	rte_spinlock_lock(&hw->sel_lock);
	cw16(hw, VIRTIO_PCI_COMMON_Q_SELECT, vq);
	v = cr16(hw, VIRTIO_PCI_COMMON_Q_SIZE);
	rte_spinlock_unlock(&hw->sel_lock);
	return v;
}

int
vtpci_queue_setup(struct vtpci_hw *hw, struct vio_ring *r)
{
	uint16_t noff, max;
	int ret = 0;

	rte_spinlock_lock(&hw->sel_lock);
	cw16(hw, VIRTIO_PCI_COMMON_Q_SELECT, r->vq_index);
	max = cr16(hw, VIRTIO_PCI_COMMON_Q_SIZE);
	if (max == 0 || r->size > max) {
		VIO_LOG(ERR, "%s: queue %u: size %u not supported (device max %u)",
			hw->dev->name, r->vq_index, r->size, max);
		ret = -EINVAL;
		goto out;
	}
	cw16(hw, VIRTIO_PCI_COMMON_Q_SIZE, r->size);
	cw16(hw, VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
	cw64(hw, VIRTIO_PCI_COMMON_Q_DESC, r->iova);
	cw64(hw, VIRTIO_PCI_COMMON_Q_DRIVER, r->iova + r->avail_off);
	cw64(hw, VIRTIO_PCI_COMMON_Q_DEVICE, r->iova + r->used_off);
	noff = cr16(hw, VIRTIO_PCI_COMMON_Q_NOFF);
	r->notify_off = (uint32_t)noff * hw->notify_mult;
	if (r->notify_off + 2 > hw->notify.len) {
		VIO_LOG(ERR, "%s: queue %u: notify offset 0x%x outside the notify structure",
			hw->dev->name, r->vq_index, r->notify_off);
		ret = -EINVAL;
		goto out;
	}
	cw16(hw, VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	if (cr16(hw, VIRTIO_PCI_COMMON_Q_ENABLE) != 1) {
		VIO_LOG(ERR, "%s: queue %u: device did not enable it", hw->dev->name,
			r->vq_index);
		ret = -EIO;
	}
out:
	rte_spinlock_unlock(&hw->sel_lock);
	return ret;
}

/* Ask the device to reset queue vq (VIRTIO_F_RING_RESET). The reset is
 * complete once vtpci_queue_reset_wait() says so; until then the device
 * may still do DMA on the queue.
 */
int
vtpci_queue_reset_start(struct vtpci_hw *hw, uint16_t vq)
{
	if (!vtpci_has(hw, VIRTIO_F_RING_RESET))
		return -ENOTSUP;
	rte_spinlock_lock(&hw->sel_lock);
	cw16(hw, VIRTIO_PCI_COMMON_Q_SELECT, vq);
	cw16(hw, VIRTIO_PCI_COMMON_Q_RESET, 1);
	rte_spinlock_unlock(&hw->sel_lock);
	return 0;
}

/* Is the reset of queue vq complete (queue_reset and queue_enable both
 * read 0, spec 4.1.4.3.2)? One select + reads, under the selector lock.
 */
static bool
queue_reset_done(struct vtpci_hw *hw, uint16_t vq)
{
	bool done;

	rte_spinlock_lock(&hw->sel_lock);
	cw16(hw, VIRTIO_PCI_COMMON_Q_SELECT, vq);
	done = cr16(hw, VIRTIO_PCI_COMMON_Q_RESET) == 0 &&
		cr16(hw, VIRTIO_PCI_COMMON_Q_ENABLE) == 0;
	rte_spinlock_unlock(&hw->sel_lock);
	return done;
}

/* Wait up to timeout_us for the reset of queue vq that
 * vtpci_queue_reset_start() requested. 0 when complete, -ETIMEDOUT
 * (nothing changed: ask again later). The selector lock is held for each
 * poll only, never across the wait: other control threads select queues
 * meanwhile, and a device that shares our core gets it (yield).
 */
int
vtpci_queue_reset_wait(struct vtpci_hw *hw, uint16_t vq, uint64_t timeout_us)
{
	uint64_t deadline = rte_get_timer_cycles() +
		timeout_us * rte_get_timer_hz() / 1000000;

	while (!queue_reset_done(hw, vq)) {
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
	return 0;
}

void
vtpci_notify(struct vtpci_hw *hw, const struct vio_ring *r)
{
	uint16_t v = r->vq_index;

	st_write(hw, &hw->notify, r->notify_off, &v, 2);
}

/* A doorbell from the control path (a swap's queue resume and unpark): an
 * inline emulated device leaves the work it asks for to the data path,
 * outside the swap's pause, as a NIC works on its own
 * (rte_iommufd_emu_defer_begin(); for a kernel device the same write).
 */
void
vtpci_notify_ctrl(struct vtpci_hw *hw, const struct vio_ring *r)
{
	rte_iommufd_emu_defer_begin();
	vtpci_notify(hw, r);
	rte_iommufd_emu_defer_end();
}
