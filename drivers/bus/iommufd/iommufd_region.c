/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Regions (config space, BARs) of both device kinds behind one interface:
 * kernel devices through VFIO_DEVICE_GET_REGION_INFO and pread/pwrite/mmap
 * on the cdev fd; emulated devices through their model's callbacks.
 * A kernel cdev only answers once bound to iommufd, so the region table of
 * a kernel device is filled by rte_iommufd_device_bind().
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "iommufd_private.h"

int
iommufd_regions_query(struct rte_iommufd_device *dev)
{
	unsigned int i;

	for (i = 0; i < RTE_IOMMUFD_MAX_REGIONS; i++) {
		struct vfio_region_info ri = {
			.argsz = sizeof(ri),
			.index = i,
		};
		struct rte_iommufd_region *r = &dev->regions[i];

		memset(r, 0, sizeof(*r));
		if (ioctl(dev->dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri) != 0) {
			/* Absent optional regions (VGA, ROM) answer EINVAL. */
			if (errno != EINVAL)
				IOMMUFD_LOG(WARNING, "%s: VFIO_DEVICE_GET_REGION_INFO of region %u failed: %s",
					dev->name, i, strerror(errno));
			continue;
		}
		r->size = ri.size;
		r->offset = ri.offset;
		if (ri.flags & VFIO_REGION_INFO_FLAG_READ)
			r->flags |= RTE_IOMMUFD_REGION_F_READ;
		if (ri.flags & VFIO_REGION_INFO_FLAG_WRITE)
			r->flags |= RTE_IOMMUFD_REGION_F_WRITE;
		if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP)
			r->flags |= RTE_IOMMUFD_REGION_F_MMAP;
	}
	return 0;
}

#define PCI_CMD_OFF 0x04
#define PCI_CMD_MEMORY 0x2
#define PCI_CMD_MASTER 0x4

int
iommufd_pci_bus_master(struct rte_iommufd_device *dev, bool enable)
{
	uint16_t cmd, want;
	int ret;

	ret = rte_iommufd_region_read(dev, RTE_IOMMUFD_REGION_CONFIG, PCI_CMD_OFF,
		&cmd, sizeof(cmd));
	if (ret != 0)
		return ret;
	want = enable ? (uint16_t)(cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER) :
		(uint16_t)(cmd & ~PCI_CMD_MASTER);
	if (want == cmd)
		return 0;
	ret = rte_iommufd_region_write(dev, RTE_IOMMUFD_REGION_CONFIG, PCI_CMD_OFF,
		&want, sizeof(want));
	if (ret != 0)
		IOMMUFD_LOG(ERR, "%s: cannot %s bus mastering in the PCI command register: %s",
			dev->name, enable ? "enable" : "disable", strerror(-ret));
	return ret;
}

void
iommufd_regions_release(struct rte_iommufd_device *dev)
{
	unsigned int i;

	for (i = 0; i < RTE_IOMMUFD_MAX_REGIONS; i++) {
		struct rte_iommufd_region *r = &dev->regions[i];

		if (dev->type != RTE_IOMMUFD_DEV_KERNEL) {
			r->addr = NULL;
			continue;
		}
		/* Kernel regions live on the cdev fd, which is closed next. */
		if (r->addr != NULL)
			munmap(r->addr, r->size);
		memset(r, 0, sizeof(*r));
	}
}

/* Common checks of read/write: region present, range inside it. */
static int
region_check(struct rte_iommufd_device *dev, unsigned int idx, uint64_t off,
		size_t len, uint32_t need, const char *what)
{
	const struct rte_iommufd_region *r;

	if (idx >= RTE_IOMMUFD_MAX_REGIONS) {
		IOMMUFD_LOG(ERR, "%s: region %u %s: no such region (0 to %u)",
			dev->name, idx, what, RTE_IOMMUFD_MAX_REGIONS - 1);
		return -EINVAL;
	}
	r = &dev->regions[idx];
	if (r->size == 0) {
		IOMMUFD_LOG(ERR, "%s: region %u %s: region absent%s", dev->name,
			idx, what,
			dev->type == RTE_IOMMUFD_DEV_KERNEL && dev->binding == NULL ?
			" (kernel device not bound: call rte_iommufd_device_bind() first)" : "");
		return -ENOENT;
	}
	if (len == 0 || off > r->size || len > r->size - off) {
		IOMMUFD_LOG(ERR, "%s: region %u %s of %zu bytes at 0x%" PRIx64
			" is outside its 0x%" PRIx64 " bytes",
			dev->name, idx, what, len, off, r->size);
		return -ERANGE;
	}
	if ((r->flags & need) == 0) {
		IOMMUFD_LOG(ERR, "%s: region %u does not allow %s", dev->name, idx, what);
		return -EPERM;
	}
	return 0;
}

/* 0 when n says the whole transfer of len bytes was done; else the error
 * (errno of a failed call, -EIO for a short one), logged.
 */
static int
region_io_result(const struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, size_t len, ssize_t n, const char *what)
{
	int ret;

	if (n == (ssize_t)len)
		return 0;
	ret = n < 0 ? -errno : -EIO;
	IOMMUFD_LOG(ERR, "%s: region %u %s of %zu bytes at 0x%" PRIx64 " failed: %s",
		dev->name, idx, what, len, off, strerror(-ret));
	return ret;
}

int
rte_iommufd_region_read(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, void *buf, size_t len)
{
	const struct rte_iommufd_region *r;
	ssize_t n;
	int ret;

	ret = region_check(dev, idx, off, len, RTE_IOMMUFD_REGION_F_READ, "read");
	if (ret != 0)
		return ret;
	r = &dev->regions[idx];
	if (dev->emu != NULL)
		return dev->emu->region_read(dev, idx, off, buf, len);
	n = pread(dev->dev_fd, buf, len, (off_t)(r->offset + off));
	return region_io_result(dev, idx, off, len, n, "read");
}

int
rte_iommufd_region_write(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, const void *buf, size_t len)
{
	const struct rte_iommufd_region *r;
	ssize_t n;
	int ret;

	ret = region_check(dev, idx, off, len, RTE_IOMMUFD_REGION_F_WRITE, "write");
	if (ret != 0)
		return ret;
	r = &dev->regions[idx];
	if (dev->emu != NULL)
		return dev->emu->region_write(dev, idx, off, buf, len);
	n = pwrite(dev->dev_fd, buf, len, (off_t)(r->offset + off));
	return region_io_result(dev, idx, off, len, n, "write");
}

void *
rte_iommufd_region_map(struct rte_iommufd_device *dev, unsigned int idx)
{
	struct rte_iommufd_region *r;
	void *addr;

	if (idx >= RTE_IOMMUFD_MAX_REGIONS) {
		rte_errno = EINVAL;
		return NULL;
	}
	r = &dev->regions[idx];
	if (r->addr != NULL)
		return r->addr;
	/* Emulated registers exist only as callbacks. */
	if (dev->emu != NULL || (r->flags & RTE_IOMMUFD_REGION_F_MMAP) == 0 ||
			r->size == 0) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	addr = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		dev->dev_fd, (off_t)r->offset);
	if (addr == MAP_FAILED) {
		rte_errno = errno;
		IOMMUFD_LOG(ERR, "%s: mmap of region %u (0x%" PRIx64 " bytes) failed: %s; use read/write",
			dev->name, idx, r->size, strerror(errno));
		return NULL;
	}
	r->addr = addr;
	return addr;
}
