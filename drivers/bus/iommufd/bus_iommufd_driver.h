/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef BUS_IOMMUFD_DRIVER_H
#define BUS_IOMMUFD_DRIVER_H

/**
 * @file
 * Driver-facing API of the iommufd bus: devices, regions, DMA binding,
 * driver registration, and the hosting interface for emulated devices.
 *
 * Devices on this bus are either kernel PCI functions bound to vfio-pci
 * that expose a VFIO cdev (/dev/vfio/devices/vfioN), or emulated devices
 * of the soft IOMMU backend created from devargs ("emu0", "emu1", ...).
 * A PMD sees both through the same region interface, so its code is the
 * same on both tiers.
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_compat.h>
#include <rte_devargs.h>
#include <rte_kvargs.h>
#include <bus_driver.h>
#include <dev_driver.h>

#include <rte_dma_domain_driver.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bus name, as in devargs "iommufd:emu0" or "bus=iommufd". */
#define RTE_IOMMUFD_BUS_NAME "iommufd"

/** Longest device name, including NUL. */
#define RTE_IOMMUFD_NAME_MAX 32

/** Maximum regions per device (VFIO PCI: BAR0-5, ROM, config, VGA). */
#define RTE_IOMMUFD_MAX_REGIONS 9
/** Region indexes follow VFIO_PCI_*_REGION_INDEX. */
#define RTE_IOMMUFD_REGION_BAR(n) (n)
#define RTE_IOMMUFD_REGION_CONFIG 7

/** Where a device comes from. */
enum rte_iommufd_dev_type {
	RTE_IOMMUFD_DEV_KERNEL = 0,   /**< vfio-pci function with a cdev */
	RTE_IOMMUFD_DEV_EMULATED = 1, /**< soft-backend emulated function */
};

/** Region flags. */
#define RTE_IOMMUFD_REGION_F_READ  RTE_BIT32(0)
#define RTE_IOMMUFD_REGION_F_WRITE RTE_BIT32(1)
#define RTE_IOMMUFD_REGION_F_MMAP  RTE_BIT32(2)

/** One region (config space or BAR). */
struct rte_iommufd_region {
	uint64_t size;   /**< 0 if absent */
	uint64_t offset; /**< kernel: offset in the cdev for pread/pwrite/mmap */
	uint32_t flags;  /**< RTE_IOMMUFD_REGION_F_* */
	void *addr;      /**< mapped address once rte_iommufd_region_map() succeeded */
};

struct rte_iommufd_device;

/**
 * Hosting interface of an emulated device model. The model implements
 * its registers through region_read/region_write (no mmap), and does its
 * DMA only through the soft backend (rte_dma_domain_soft.h) on dev->binding.
 */
struct rte_iommufd_emu_ops {
	const char *model; /**< model name, devargs "model=..." (e.g. "virtio-net") */
	/** Create model state for dev from its devargs; set dev->regions,
	 * dev->id. Return 0 or negative errno (and log why).
	 */
	int (*create)(struct rte_iommufd_device *dev, struct rte_kvargs *kvargs);
	/** Free model state. */
	void (*destroy)(struct rte_iommufd_device *dev);
	/** Register read/write; len is 1, 2, 4 or 8 for BARs, any for config. */
	int (*region_read)(struct rte_iommufd_device *dev, unsigned int idx,
			uint64_t off, void *buf, size_t len);
	int (*region_write)(struct rte_iommufd_device *dev, unsigned int idx,
			uint64_t off, const void *buf, size_t len);
	/** Inline mode: run the device's work for queue qid in the caller's
	 * context (the polling lcore). Optional.
	 */
	void (*poll)(struct rte_iommufd_device *dev, uint16_t qid);
	/** Keys the model accepts in devargs (NULL-terminated), for errors. */
	const char *const *valid_keys;
	/**
	 * A device-side counter by name, for what the modelled hardware has
	 * no register for (virtio-net: "rx_dropped", packets the device
	 * dropped on receive; "tx_dropped", packets the wire dropped). The
	 * counters only grow. Optional. @return 0, or -ENOENT (unknown name).
	 */
	int (*counter)(struct rte_iommufd_device *dev, const char *name, uint64_t *value);
};

/** PCI identity (kernel: from config space; emulated: what the model says). */
struct rte_iommufd_id {
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t subsystem_vendor_id;
	uint16_t subsystem_device_id;
};

/** A device on the iommufd bus. */
struct rte_iommufd_device {
	RTE_TAILQ_ENTRY(rte_iommufd_device) next; /**< bus list */
	struct rte_device device;       /**< generic device */
	char name[RTE_IOMMUFD_NAME_MAX]; /**< BDF or emuN */
	enum rte_iommufd_dev_type type; /**< kernel or emulated */
	struct rte_iommufd_id id;       /**< PCI identity */
	struct rte_iommufd_driver *driver; /**< bound driver, or NULL */
	int dev_fd;                     /**< kernel: cdev fd; emulated: -1 */
	char cdev_path[64];             /**< kernel: /dev/vfio/devices/vfioN */
	struct rte_iommufd_region regions[RTE_IOMMUFD_MAX_REGIONS]; /**< regions */
	/** Context of this device's backend (soft for emulated devices). */
	struct rte_dma_domain_ctx *ctx;
	/** DMA binding once rte_iommufd_device_bind() succeeded. */
	struct rte_dma_domain_binding *binding;
	/** Options from devargs every device understands. */
	char domain[RTE_DMA_DOMAIN_NAMESIZE]; /**< start domain ("" = default) */
	enum rte_dma_domain_strategy strategy; /**< default replace strategy */
	uint16_t nb_queue_pairs;        /**< requested queue pairs (0 = device max) */
	/** Emulated devices: model ops and private state. */
	const struct rte_iommufd_emu_ops *emu;
	void *emu_priv;
};

/** Generic device -> iommufd device. */
#define RTE_DEV_TO_IOMMUFD(d) container_of(d, struct rte_iommufd_device, device)

/** Match entry of a driver's id table (0xffff = any). */
struct rte_iommufd_id_match {
	uint16_t vendor_id;
	uint16_t device_id;
};

struct rte_iommufd_driver;
typedef int (rte_iommufd_probe_t)(struct rte_iommufd_driver *drv,
		struct rte_iommufd_device *dev);
typedef int (rte_iommufd_remove_t)(struct rte_iommufd_device *dev);

/** A driver for devices on the iommufd bus. */
struct rte_iommufd_driver {
	RTE_TAILQ_ENTRY(rte_iommufd_driver) next; /**< bus list */
	struct rte_driver driver;                 /**< generic driver */
	const struct rte_iommufd_id_match *id_table; /**< ends with {0, 0} */
	rte_iommufd_probe_t *probe;               /**< device probe */
	rte_iommufd_remove_t *remove;             /**< device remove */
};

/** Register a driver (use RTE_PMD_REGISTER_IOMMUFD). */
__rte_internal
void rte_iommufd_register(struct rte_iommufd_driver *driver);
/** Unregister a driver. */
__rte_internal
void rte_iommufd_unregister(struct rte_iommufd_driver *driver);

/**
 * Register a driver of the iommufd bus. The exported name follows the
 * "this_pmd_name" convention of RTE_PMD_EXPORT_NAME, whose arguments
 * differ between DPDK 22.11 (name, index) and 25.11 (name).
 */
#define RTE_PMD_REGISTER_IOMMUFD(nm, drv) \
RTE_INIT(iommufdinitfn_ ##nm) \
{ \
	(drv).driver.name = RTE_STR(nm); \
	rte_iommufd_register(&(drv)); \
} \
static const char this_pmd_name_iommufd_ ## nm[] __rte_used = RTE_STR(nm)

/** Register an emulated device model. */
__rte_internal
void rte_iommufd_emu_register(const struct rte_iommufd_emu_ops *ops);

/**
 * Register an emulated device model at start-up. The trailing declaration
 * takes the caller's ';' (as in RTE_PMD_REGISTER_IOMMUFD).
 */
#define RTE_IOMMUFD_EMU_REGISTER(nm, ops) \
RTE_INIT(iommufd_emu_init_ ##nm) \
{ \
	rte_iommufd_emu_register(&(ops)); \
} \
static const struct rte_iommufd_emu_ops *const iommufd_emu_ops_ ## nm __rte_used = &(ops)

/* ---- regions ------------------------------------------------------------ */

/** Read len bytes at off of region idx. @return 0 or negative errno. */
__rte_internal
int rte_iommufd_region_read(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, void *buf, size_t len);

/** Write len bytes at off of region idx. @return 0 or negative errno. */
__rte_internal
int rte_iommufd_region_write(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, const void *buf, size_t len);

/**
 * mmap region idx where the device allows it. @return the address, or
 * NULL (rte_errno ENOTSUP: use read/write; other: error).
 */
__rte_internal
void *rte_iommufd_region_map(struct rte_iommufd_device *dev, unsigned int idx);

/** Inline-mode device work for queue qid (no-op for kernel devices). */
static inline void
rte_iommufd_device_poll(struct rte_iommufd_device *dev, uint16_t qid)
{
	if (dev->emu != NULL && dev->emu->poll != NULL)
		dev->emu->poll(dev, qid);
}

/**
 * A device-side counter of an emulated device (rte_iommufd_emu_ops.counter).
 * @return 0, -ENOTSUP (kernel device, or the model keeps none), -ENOENT.
 */
static inline int
rte_iommufd_device_counter(struct rte_iommufd_device *dev, const char *name,
		uint64_t *value)
{
	if (dev->emu == NULL || dev->emu->counter == NULL)
		return -ENOTSUP;
	return dev->emu->counter(dev, name, value);
}

/* ---- DMA binding ----------------------------------------------------------- */

/**
 * Bind the device to its backend context and attach it to its start
 * domain (devargs "domain=NAME"; else the bus's default domain "default",
 * a mirror of DPDK memory created on first use). Called by the PMD at
 * probe, with the driver callbacks of the replace protocol.
 * Sets dev->binding. @return 0 or negative errno (logged).
 */
__rte_internal
int rte_iommufd_device_bind(struct rte_iommufd_device *dev, uint16_t nb_queues,
		const struct rte_dma_domain_dev_ops *ops, void *drv_arg);

/** Detach and unbind (PMD remove/close). */
__rte_internal
void rte_iommufd_device_unbind(struct rte_iommufd_device *dev);

/** Find a device of this bus by name. */
__rte_internal
struct rte_iommufd_device *rte_iommufd_device_find(const char *name);

/** Iterate over all devices (for emulated models wiring peers). */
__rte_internal
struct rte_iommufd_device *rte_iommufd_device_next(struct rte_iommufd_device *prev);

#ifdef __cplusplus
}
#endif

#endif /* BUS_IOMMUFD_DRIVER_H */
