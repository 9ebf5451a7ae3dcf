/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The iommufd bus's shared state: its logtype, its device, driver and
 * emulated model lists, and what the other files do with them (register,
 * find, add, free). A leaf: it calls into no other file of the bus, they
 * call into it. The rte_bus itself and its operations are in
 * iommufd_bus.c, which nothing else references (a file that needs the
 * rte_bus looks it up: iommufd_bus_get()).
 */

#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_common.h>

#include "iommufd_private.h"

RTE_LOG_REGISTER_DEFAULT(iommufd_bus_logtype, NOTICE);

struct iommufd_bus iommufd_bus = {
	.devices = TAILQ_HEAD_INITIALIZER(iommufd_bus.devices),
	.drivers = TAILQ_HEAD_INITIALIZER(iommufd_bus.drivers),
};

struct rte_bus *
iommufd_bus_get(void)
{
	return rte_bus_find_by_name(RTE_IOMMUFD_BUS_NAME);
}

/* ---- drivers and models --------------------------------------------- */

void
rte_iommufd_register(struct rte_iommufd_driver *driver)
{
	TAILQ_INSERT_TAIL(&iommufd_bus.drivers, driver, next);
}

void
rte_iommufd_unregister(struct rte_iommufd_driver *driver)
{
	TAILQ_REMOVE(&iommufd_bus.drivers, driver, next);
}

const struct rte_iommufd_emu_ops *
iommufd_model_find(const char *model)
{
	unsigned int i;

	for (i = 0; i < iommufd_bus.nb_models; i++)
		if (strcmp(iommufd_bus.models[i]->model, model) == 0)
			return iommufd_bus.models[i];
	return NULL;
}

void
rte_iommufd_emu_register(const struct rte_iommufd_emu_ops *ops)
{
	if (ops == NULL || ops->model == NULL || ops->create == NULL ||
			ops->region_read == NULL || ops->region_write == NULL) {
		IOMMUFD_LOG(ERR, "emulated model registration refused: model, create, region_read and region_write are required");
		return;
	}
	if (iommufd_model_find(ops->model) != NULL) {
		IOMMUFD_LOG(ERR, "emulated model '%s' registered twice; keeping the first",
			ops->model);
		return;
	}
	if (iommufd_bus.nb_models == IOMMUFD_EMU_MAX_MODELS) {
		IOMMUFD_LOG(ERR, "emulated model '%s' refused: at most %d models",
			ops->model, IOMMUFD_EMU_MAX_MODELS);
		return;
	}
	iommufd_bus.models[iommufd_bus.nb_models++] = ops;
}

/* ---- devices -------------------------------------------------------- */

struct rte_iommufd_device *
rte_iommufd_device_find(const char *name)
{
	struct rte_iommufd_device *dev;

	TAILQ_FOREACH(dev, &iommufd_bus.devices, next)
		if (strcmp(dev->name, name) == 0)
			return dev;
	return NULL;
}

struct rte_iommufd_device *
rte_iommufd_device_next(struct rte_iommufd_device *prev)
{
	return prev == NULL ? TAILQ_FIRST(&iommufd_bus.devices) :
		TAILQ_NEXT(prev, next);
}

void
iommufd_device_free(struct rte_iommufd_device *dev)
{
	if (dev->emu != NULL && dev->emu->destroy != NULL && dev->emu_priv != NULL)
		dev->emu->destroy(dev);
	free(dev);
}
