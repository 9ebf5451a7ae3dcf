/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef IOMMUFD_PRIVATE_H
#define IOMMUFD_PRIVATE_H

/* Internal interfaces between the files of the iommufd bus. */

#include <stdbool.h>
#include <stdint.h>

/* rte_dma_domain.h uses RTE_BIT32, in rte_bitops.h on DPDK 22.11 */
#include <rte_bitops.h>
#include <rte_devargs.h>
#include <rte_kvargs.h>

#include "bus_iommufd_driver.h"
#include "iommufd_logs.h"

/* Environment overrides of the file system roots (tests build synthetic
 * trees laid out like the kernel's).
 */
#define IOMMUFD_SYSFS_ROOT_ENV "IOMMUFD_BUS_SYSFS_ROOT" /* default "/sys" */
#define IOMMUFD_DEV_ROOT_ENV "IOMMUFD_BUS_DEV_ROOT"     /* default "/dev" */

/* Model of emulated devices when devargs say none. */
#define IOMMUFD_EMU_DEFAULT_MODEL "virtio-net"
#define IOMMUFD_EMU_MAX_MODELS 8

/*
 * The bus's shared state (iommufd_common.c). Control path only: scan,
 * probe, hot-plug and cleanup run in EAL's serialised calls, drivers and
 * models register from constructors.
 */
struct iommufd_bus {
	RTE_TAILQ_HEAD(, rte_iommufd_device) devices;
	RTE_TAILQ_HEAD(, rte_iommufd_driver) drivers;
	const struct rte_iommufd_emu_ops *models[IOMMUFD_EMU_MAX_MODELS];
	unsigned int nb_models;
};

extern struct iommufd_bus iommufd_bus;

/* Options every device understands, and the model of emulated ones. */
struct iommufd_dev_opts {
	char domain[RTE_DMA_DOMAIN_NAMESIZE];
	enum rte_dma_domain_strategy strategy;
	uint16_t queues;
	const struct rte_iommufd_emu_ops *emu; /* NULL for kernel devices */
};

/* What sysfs says about one PCI function. */
struct iommufd_kinfo {
	char bdf[RTE_IOMMUFD_NAME_MAX];
	char driver[64];          /* "" when unbound */
	char vfio_dev[32];        /* "vfioN" from vfio-dev/, "" when none */
	struct rte_iommufd_id id;
	int numa_node;
};

/* ---- iommufd_common.c ---- */
/* The rte_bus of this bus (iommufd_bus.c registers it; no other file
 * references it), looked up by name: NULL only before it registered.
 */
struct rte_bus *iommufd_bus_get(void);
/* Registered model by name, or NULL. */
const struct rte_iommufd_emu_ops *iommufd_model_find(const char *model);
/* Free a device that is on no list (scan failures, unplug). */
void iommufd_device_free(struct rte_iommufd_device *dev);

/* ---- iommufd_devargs.c ---- */
/* Device name forms: "emuN", or a PCI address (canonical form written to
 * canon: "DDDD:BB:DD.F").
 */
__rte_internal
bool iommufd_name_is_emu(const char *name);
bool iommufd_name_to_bdf(const char *name, char *canon, size_t size);
/* Bus parse callback: 0 when this bus understands the name. */
__rte_internal
int iommufd_parse(const char *name, void *addr);
/* Options string of a devargs (legacy "name,k=v" or layered bus=...). */
const char *iommufd_devargs_options(const struct rte_devargs *da);
/* Parse and validate the options of device name; on success *kvargs holds
 * all pairs (caller frees) for an emulated model's create. Logs one line
 * naming the input and what was expected on error.
 */
__rte_internal
int iommufd_opts_parse(const char *name, const char *args, bool emulated,
		struct iommufd_dev_opts *opts, struct rte_kvargs **kvargs);
/* This bus's devargs for name (canonical), or NULL. */
struct rte_devargs *iommufd_devargs_find(const char *name);
/* The PCI bus's devargs for a canonical BDF, or NULL. */
struct rte_devargs *iommufd_pci_devargs_find(const char *bdf);
/* Whether a kernel function bound to vfio-pci with a cdev is ours:
 * 1 claimed by name (*da set, may be a PCI devargs), 0 claimed because no
 * allow list applies, -1 not ours (blocked or not allowed).
 */
int iommufd_kernel_policy(const char *bdf, struct rte_devargs **da);
/* Keep the PCI bus off a function this bus claims. */
void iommufd_pci_block(const char *bdf);

/* ---- iommufd_scan.c ---- */
const char *iommufd_sysfs_root(void);
const char *iommufd_dev_root(void);
/* Read sysfs for one function. 0, or -ENOENT when it does not exist. */
int iommufd_kinfo_read(const char *bdf, struct iommufd_kinfo *ki);
/* Explain why a function named in devargs cannot be used (one line), or
 * return 0 when it is usable (vfio-pci with a cdev).
 */
int iommufd_kinfo_check(const struct iommufd_kinfo *ki, bool explicit_req);
int iommufd_scan(void);

/* ---- iommufd_region.c ---- */
/* Kernel devices: VFIO_DEVICE_GET_REGION_INFO for every region. */
int iommufd_regions_query(struct rte_iommufd_device *dev);
/* Unmap what rte_iommufd_region_map() mapped. */
void iommufd_regions_release(struct rte_iommufd_device *dev);
/* Kernel device: enable memory decoding and bus mastering in its PCI
 * command register (vfio-pci leaves them to the user, as DPDK's PCI bus
 * does at map time); without bus mastering the device's DMA goes
 * nowhere. Returns 0 or negative errno (logged).
 */
int iommufd_pci_bus_master(struct rte_iommufd_device *dev, bool enable);

/* ---- iommufd_bind.c ---- */
/* Open what probe needs: kernel: the cdev and the iommufd context (each
 * refusal logged with its fix); emulated: the soft context.
 */
int iommufd_device_open(struct rte_iommufd_device *dev);
/* Unbind if bound, close the cdev. */
void iommufd_device_close(struct rte_iommufd_device *dev);
/* At bus cleanup, after every device is removed: destroy the start
 * domains the bus created and close the DMA contexts its devices used
 * (rte_dma_domain_ctx_close(); refused while the application holds
 * domains of one).
 */
void iommufd_dma_fini(void);

#endif /* IOMMUFD_PRIVATE_H */
