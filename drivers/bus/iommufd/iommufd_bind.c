/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * DMA binding of bus devices: the backend context (kernel devices: the
 * iommufd backend on the device's cdev; emulated devices: the soft
 * backend), the start domain, and the refusals that name what is wrong
 * with a kernel device and how to fix it.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "iommufd_private.h"

#define DEFAULT_DOMAIN "default"

/*
 * What the bus owns in the DMA domain library, released by
 * iommufd_dma_fini() at rte_eal_cleanup() once every device is removed:
 * the contexts its devices opened, and the start domains it created
 * (by name: the application may destroy one before). Control path only
 * (probe, hot-plug, cleanup: EAL serialises them).
 */
#define BUS_MAX_START_DOMAINS 4
static struct rte_dma_domain_ctx *bus_ctx[2];
static char bus_start_domains[BUS_MAX_START_DOMAINS][RTE_DMA_DOMAIN_NAMESIZE];

/* Open the cdev; each way it can fail gets its own line with the fix. */
static int
cdev_open(struct rte_iommufd_device *dev)
{
	int fd, err;

	fd = open(dev->cdev_path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dev->dev_fd = fd;
		return 0;
	}
	err = errno;
	switch (err) {
	case ENOENT:
		IOMMUFD_LOG(ERR, "%s: %s does not exist although sysfs lists the cdev: check that devtmpfs/udev created it (or mknod it with the major:minor of its sysfs 'dev' file)",
			dev->name, dev->cdev_path);
		break;
	case EACCES:
	case EPERM:
		IOMMUFD_LOG(ERR, "%s: no permission to open %s: run as root, or give this user read-write access to it and to /dev/iommu (udev rule or chown) and raise RLIMIT_MEMLOCK (ulimit -l)",
			dev->name, dev->cdev_path);
		break;
	case EBUSY:
		IOMMUFD_LOG(ERR, "%s: %s is busy: the device is already open elsewhere (another process, a VM, or a VFIO group user such as DPDK's PCI bus); close that user first",
			dev->name, dev->cdev_path);
		break;
	default:
		IOMMUFD_LOG(ERR, "%s: cannot open %s: %s", dev->name,
			dev->cdev_path, strerror(err));
		break;
	}
	return -err;
}

int
iommufd_device_open(struct rte_iommufd_device *dev)
{
	enum rte_dma_domain_backend be;
	int ret;

	if (dev->type == RTE_IOMMUFD_DEV_KERNEL && dev->dev_fd < 0) {
		ret = cdev_open(dev);
		if (ret != 0)
			return ret;
	}
	if (dev->ctx != NULL)
		return 0;
	be = dev->type == RTE_IOMMUFD_DEV_KERNEL ?
		RTE_DMA_DOMAIN_BACKEND_IOMMUFD : RTE_DMA_DOMAIN_BACKEND_SOFT;
	dev->ctx = rte_dma_domain_ctx_get(be);
	if (dev->ctx == NULL) {
		ret = -rte_errno;
		/* The backend said why (e.g. no /dev/iommu) and how to fix it. */
		IOMMUFD_LOG(ERR, "%s: skipped: its DMA backend (%s) is unavailable",
			dev->name, be == RTE_DMA_DOMAIN_BACKEND_IOMMUFD ?
			"kernel iommufd" : "soft");
		iommufd_device_close(dev);
		return ret != 0 ? ret : -ENODEV;
	}
	bus_ctx[be] = dev->ctx;
	return 0;
}

void
iommufd_device_close(struct rte_iommufd_device *dev)
{
	rte_iommufd_device_unbind(dev);
	if (dev->dev_fd >= 0) {
		close(dev->dev_fd);
		dev->dev_fd = -1;
	}
}

static void
bus_start_domain_add(const struct rte_iommufd_device *dev, const char *name)
{
	unsigned int i;

	IOMMUFD_LOG(INFO, "%s: created mirroring domain '%s'", dev->name, name);
	for (i = 0; i < BUS_MAX_START_DOMAINS; i++) {
		if (bus_start_domains[i][0] == '\0') {
			snprintf(bus_start_domains[i], sizeof(bus_start_domains[i]),
				"%s", name);
			return;
		}
	}
	/* More start domains than slots (devargs domain= names): the
	 * application destroys the rest, or the context stays open.
	 */
	IOMMUFD_LOG(NOTICE, "%s: domain '%s' is not destroyed at cleanup (the bus tracks %d start domains)",
		dev->name, name, BUS_MAX_START_DOMAINS);
}

void
iommufd_dma_fini(void)
{
	struct rte_dma_domain *dom;
	unsigned int i;
	int ret;

	for (i = 0; i < BUS_MAX_START_DOMAINS; i++) {
		if (bus_start_domains[i][0] == '\0')
			continue;
		dom = rte_dma_domain_lookup(bus_start_domains[i]);
		bus_start_domains[i][0] = '\0';
		if (dom == NULL)
			continue; /* the application destroyed it */
		ret = rte_dma_domain_destroy(dom);
		if (ret != 0)
			IOMMUFD_LOG(ERR, "cleanup: cannot destroy start domain '%s': %s",
				rte_dma_domain_name(dom), strerror(-ret));
	}
	for (i = 0; i < RTE_DIM(bus_ctx); i++) {
		struct rte_dma_domain_ctx_info info;

		if (bus_ctx[i] == NULL)
			continue;
		/* Closed already (by the application): nothing to do. */
		if (rte_dma_domain_ctx_info_get(bus_ctx[i], &info) == 0 &&
				(info.nb_domains != 0 || info.nb_bindings != 0)) {
			/* The application's: it closes the context after
			 * destroying them (rte_dma_domain_ctx_close()).
			 */
			IOMMUFD_LOG(INFO, "cleanup: DMA context left open: the application holds %u domain(s) and %u binding(s) of it",
				info.nb_domains, info.nb_bindings);
			continue;
		}
		if (rte_dma_domain_ctx_close(bus_ctx[i]) == 0)
			bus_ctx[i] = NULL;
	}
}

/* The device's start domain: its devargs "domain=", else the bus default;
 * created as a mirror of DPDK memory when it does not exist yet (probe
 * runs inside rte_eal_init, before the application could create it).
 */
static struct rte_dma_domain *
start_domain(struct rte_iommufd_device *dev, const char *name)
{
	struct rte_dma_domain *dom = rte_dma_domain_lookup(name);

	if (dom != NULL)
		return dom;
	dom = rte_dma_domain_create(dev->ctx, name, RTE_DMA_DOMAIN_PAGING,
		RTE_DMA_DOMAIN_F_MIRROR);
	if (dom == NULL)
		IOMMUFD_LOG(ERR, "%s: cannot create start domain '%s': %s",
			dev->name, name, rte_strerror(rte_errno));
	else
		bus_start_domain_add(dev, name);
	return dom;
}

static int
attach_start(struct rte_iommufd_device *dev)
{
	const char *name = dev->domain[0] != '\0' ? dev->domain : DEFAULT_DOMAIN;
	struct rte_dma_domain *dom;
	int ret;

	dom = start_domain(dev, name);
	if (dom == NULL)
		return -rte_errno;
	ret = rte_dma_domain_attach(dev->binding, dom);
	if (ret == -EXDEV && dev->domain[0] == '\0') {
		/* "default" belongs to the other backend (kernel and emulated
		 * devices in one process): each backend gets its own.
		 */
		char alt[RTE_DMA_DOMAIN_NAMESIZE];

		snprintf(alt, sizeof(alt), DEFAULT_DOMAIN "-%s",
			dev->type == RTE_IOMMUFD_DEV_KERNEL ? "iommufd" : "soft");
		dom = start_domain(dev, alt);
		if (dom == NULL)
			return -rte_errno;
		name = rte_dma_domain_name(dom);
		ret = rte_dma_domain_attach(dev->binding, dom);
	}
	if (ret != 0)
		IOMMUFD_LOG(ERR, "%s: cannot attach to domain '%s': %s%s",
			dev->name, name, strerror(-ret), ret != -EXDEV ? "" :
			" (domain of the other backend: kernel and emulated devices need different domains)");
	else
		IOMMUFD_LOG(INFO, "%s: attached to domain '%s'", dev->name, name);
	return ret;
}

int
rte_iommufd_device_bind(struct rte_iommufd_device *dev, uint16_t nb_queues,
		const struct rte_dma_domain_dev_ops *ops, void *drv_arg)
{
	struct rte_dma_domain_binding_params p = {
		.name = dev->name,
		.nb_queues = nb_queues,
		.ops = ops,
		.drv_arg = drv_arg,
		.default_strategy = dev->strategy, /* devargs strategy= */
	};
	int ret;

	if (dev->binding != NULL) {
		IOMMUFD_LOG(ERR, "%s: already bound (unbind first)", dev->name);
		return -EBUSY;
	}
	ret = iommufd_device_open(dev);
	if (ret != 0)
		return ret;
	p.dev_fd = dev->dev_fd;
	dev->binding = rte_dma_domain_bind(dev->ctx, &p);
	if (dev->binding == NULL) {
		ret = -rte_errno;
		IOMMUFD_LOG(ERR, "%s: cannot bind to the DMA domain library: %s",
			dev->name, rte_strerror(rte_errno));
		return ret != 0 ? ret : -EIO;
	}
	ret = attach_start(dev);
	if (ret != 0) {
		rte_iommufd_device_unbind(dev);
		return ret;
	}
	if (dev->type == RTE_IOMMUFD_DEV_KERNEL) {
		iommufd_regions_query(dev);
		/* Attached first, then allowed to master: its first DMA goes
		 * through the start domain.
		 */
		ret = iommufd_pci_bus_master(dev, true);
		if (ret != 0) {
			rte_iommufd_device_unbind(dev);
			return ret;
		}
	}
	return 0;
}

void
rte_iommufd_device_unbind(struct rte_iommufd_device *dev)
{
	int ret;

	if (dev->binding == NULL)
		return;
	/* No more DMA from the device before it leaves its domain (closing
	 * the cdev resets it anyway).
	 */
	if (dev->type == RTE_IOMMUFD_DEV_KERNEL
			&& dev->regions[RTE_IOMMUFD_REGION_CONFIG].size != 0)
		iommufd_pci_bus_master(dev, false);
	ret = rte_dma_domain_unbind(dev->binding);
	if (ret != 0) {
		/* Keep binding and cdev: the device may still do DMA. */
		IOMMUFD_LOG(ERR, "%s: unbind failed: %s (are its queues still online?)",
			dev->name, strerror(-ret));
		return;
	}
	dev->binding = NULL;
	iommufd_regions_release(dev);
	if (dev->type == RTE_IOMMUFD_DEV_KERNEL && dev->dev_fd >= 0) {
		/* A VFIO cdev binds to iommufd once per open: closing it
		 * unbinds, and the next bind reopens it.
		 */
		close(dev->dev_fd);
		dev->dev_fd = -1;
	}
}
