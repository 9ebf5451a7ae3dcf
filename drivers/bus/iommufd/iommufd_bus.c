/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The iommufd bus: the rte_bus with its operations (probe, plug/unplug,
 * device iteration, cleanup) and its registration; the top file, which
 * no other file of the bus calls into. The shared state (logtype, device,
 * driver and model lists, device lookup) is in iommufd_common.c, scanning
 * in iommufd_scan.c, devargs in iommufd_devargs.c, regions in
 * iommufd_region.c, DMA binding in iommufd_bind.c.
 */

#include <errno.h>
#include <string.h>

#include <bus_driver.h>
#include <dev_driver.h>
#include <rte_common.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_kvargs.h>

#include "iommufd_private.h"

/* ---- probe ---------------------------------------------------------- */

static bool
id_match(const struct rte_iommufd_driver *drv, const struct rte_iommufd_id *id)
{
	const struct rte_iommufd_id_match *m;

	for (m = drv->id_table; m != NULL && (m->vendor_id || m->device_id); m++)
		if ((m->vendor_id == 0xffff || m->vendor_id == id->vendor_id) &&
				(m->device_id == 0xffff || m->device_id == id->device_id))
			return true;
	return false;
}

static bool
dev_blocked(const struct rte_iommufd_device *dev)
{
	return dev->device.devargs != NULL &&
		dev->device.devargs->policy == RTE_DEV_BLOCKED;
}

/* Probe one device: open what it needs, then the first matching driver.
 * Returns 0 also when no driver matches (the device stays unused).
 */
static int
probe_one(struct rte_iommufd_device *dev)
{
	struct rte_iommufd_driver *drv;
	int ret;

	if (dev->driver != NULL)
		return -EEXIST;
	if (dev_blocked(dev))
		return 0;
	TAILQ_FOREACH(drv, &iommufd_bus.drivers, next) {
		if (!id_match(drv, &dev->id))
			continue;
		ret = iommufd_device_open(dev);
		if (ret != 0)
			return ret; /* refusal already logged with its fix */
		dev->driver = drv;
		dev->device.driver = &drv->driver;
		ret = drv->probe(drv, dev);
		if (ret != 0) {
			IOMMUFD_LOG(ERR, "%s: driver %s probe failed: %s",
				dev->name, drv->driver.name, strerror(-ret));
			dev->driver = NULL;
			dev->device.driver = NULL;
			iommufd_device_close(dev);
			return ret;
		}
		IOMMUFD_LOG(INFO, "%s: probed by driver %s", dev->name,
			drv->driver.name);
		return 0;
	}
	IOMMUFD_LOG(INFO, "%s: no driver for %04x:%04x", dev->name,
		dev->id.vendor_id, dev->id.device_id);
	return 0;
}

static int
iommufd_probe(void)
{
	struct rte_iommufd_device *dev;

	/* One unusable device does not fail the others, nor rte_eal_init. */
	TAILQ_FOREACH(dev, &iommufd_bus.devices, next)
		probe_one(dev);
	return 0;
}

static struct rte_device *
iommufd_find_device(const struct rte_device *start, rte_dev_cmp_t cmp,
		const void *data)
{
	struct rte_iommufd_device *dev;

	dev = start != NULL ? TAILQ_NEXT(RTE_DEV_TO_IOMMUFD(start), next) :
		TAILQ_FIRST(&iommufd_bus.devices);
	for (; dev != NULL; dev = TAILQ_NEXT(dev, next))
		if (cmp(&dev->device, data) == 0)
			return &dev->device;
	return NULL;
}

static int
iommufd_plug(struct rte_device *d)
{
	return probe_one(RTE_DEV_TO_IOMMUFD(d));
}

/* Driver remove, unbind, close, destroy the model state, free. */
static int
device_remove(struct rte_iommufd_device *dev)
{
	int ret;

	if (dev->driver != NULL && dev->driver->remove != NULL) {
		ret = dev->driver->remove(dev);
		if (ret != 0) {
			IOMMUFD_LOG(ERR, "%s: driver %s refused removal: %s",
				dev->name, dev->driver->driver.name, strerror(-ret));
			return ret;
		}
	}
	dev->driver = NULL;
	dev->device.driver = NULL;
	iommufd_device_close(dev);
	if (dev->binding != NULL) {
		IOMMUFD_LOG(ERR, "%s: still bound to the DMA domain library: not removed",
			dev->name);
		return -EBUSY;
	}
	TAILQ_REMOVE(&iommufd_bus.devices, dev, next);
	IOMMUFD_LOG(INFO, "%s: removed", dev->name);
	return 0;
}

static int
iommufd_unplug(struct rte_device *d)
{
	struct rte_iommufd_device *dev = RTE_DEV_TO_IOMMUFD(d);
	struct rte_devargs *da = dev->device.devargs;
	int ret;

	ret = device_remove(dev);
	if (ret != 0)
		return ret;
	iommufd_device_free(dev);
	/* As other buses do at hot-unplug: the devargs go with the device,
	 * so that the same name can be plugged again.
	 */
	if (da != NULL)
		rte_devargs_remove(da);
	return 0;
}

static int
iommufd_cleanup(void)
{
	struct rte_iommufd_device *dev, *tmp;
	int ret = 0;

	RTE_TAILQ_FOREACH_SAFE(dev, &iommufd_bus.devices, next, tmp) {
		if (device_remove(dev) != 0) {
			ret = -EBUSY;
			continue;
		}
		iommufd_device_free(dev);
	}
	if (ret == 0)
		iommufd_dma_fini();
	return ret;
}

static enum rte_iova_mode
iommufd_get_iommu_class(void)
{
	/* Domains map IOVAs as DPDK reports them (memsegs): either works. */
	return RTE_IOVA_DC;
}

/* ---- iteration: "iommufd:name=emu0" in rte_dev_iterator ------------- */

static const char *const iter_keys[] = { "name", NULL };

static int
iter_match(const struct rte_device *d, const void *arg)
{
	const struct rte_kvargs *kv = arg;
	const char *name;

	if (kv == NULL)
		return 0;
	name = rte_kvargs_get(kv, "name");
	return name == NULL ? 0 : strcmp(name, d->name);
}

static void *
iommufd_dev_iterate(const void *start, const char *str,
		const struct rte_dev_iterator *it)
{
	struct rte_kvargs *kv = NULL;
	struct rte_device *d;

	RTE_SET_USED(it);
	if (str != NULL) {
		kv = rte_kvargs_parse(str, iter_keys);
		if (kv == NULL) {
			IOMMUFD_LOG(ERR, "cannot parse device filter '%s': expected name=NAME",
				str);
			rte_errno = EINVAL;
			return NULL;
		}
	}
	d = iommufd_find_device(start, iter_match, kv);
	rte_kvargs_free(kv);
	return d;
}

/* Referenced by no other file: they use the state in iommufd_common.c,
 * and look this up by name where they need it (iommufd_bus_get()).
 */
static struct rte_bus rte_iommufd_bus = {
	.scan = iommufd_scan,
	.probe = iommufd_probe,
	.find_device = iommufd_find_device,
	.plug = iommufd_plug,
	.unplug = iommufd_unplug,
	.parse = iommufd_parse,
	.get_iommu_class = iommufd_get_iommu_class,
	.dev_iterate = iommufd_dev_iterate,
	.cleanup = iommufd_cleanup,
};

RTE_REGISTER_BUS(iommufd, rte_iommufd_bus);
