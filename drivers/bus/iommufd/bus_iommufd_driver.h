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
/** Index of the PCI configuration space (VFIO_PCI_CONFIG_REGION_INDEX). */
#define RTE_IOMMUFD_REGION_CONFIG 7

/** Where a device comes from. */
enum rte_iommufd_dev_type {
	RTE_IOMMUFD_DEV_KERNEL = 0,   /**< vfio-pci function with a cdev */
	RTE_IOMMUFD_DEV_EMULATED = 1, /**< soft-backend emulated function */
};

/** Region flags. */
#define RTE_IOMMUFD_REGION_F_READ  RTE_BIT32(0)
/** Region flag: rte_iommufd_region_write() allowed. */
#define RTE_IOMMUFD_REGION_F_WRITE RTE_BIT32(1)
/** Region flag: rte_iommufd_region_map() allowed (kernel devices only). */
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
	/** Register read (rte_iommufd_region_read(), after the bus checked
	 * that region idx is present, readable and holds [off, off + len));
	 * len is 1, 2, 4 or 8 for BARs, any for config. Return 0 or
	 * negative errno.
	 */
	int (*region_read)(struct rte_iommufd_device *dev, unsigned int idx,
			uint64_t off, void *buf, size_t len);
	/** Register write (rte_iommufd_region_write(), after the bus checked
	 * that region idx is present, writable and holds [off, off + len));
	 * len as region_read. Return 0 or negative errno.
	 */
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
	uint16_t vendor_id;           /**< PCI vendor ID */
	uint16_t device_id;           /**< PCI device ID */
	uint16_t subsystem_vendor_id; /**< PCI subsystem vendor ID */
	uint16_t subsystem_device_id; /**< PCI subsystem device ID */
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
	/** Emulated devices: the model's state, set by emu->create (destroy
	 * is called only when it is not NULL).
	 */
	void *emu_priv;
};

/** Generic device -> iommufd device. */
#define RTE_DEV_TO_IOMMUFD(d) container_of(d, struct rte_iommufd_device, device)

/** Match entry of a driver's id table (0xffff = any). */
struct rte_iommufd_id_match {
	uint16_t vendor_id; /**< PCI vendor ID, or 0xffff */
	uint16_t device_id; /**< PCI device ID, or 0xffff */
};

struct rte_iommufd_driver;
/**
 * Probe of a driver: called for each device whose identity matches the
 * driver's id_table (the first matching driver only; devices blocked by
 * devargs are skipped), at rte_eal_init() or hot-plug, after the bus
 * opened the device (kernel: its cdev) and its backend context (dev->ctx).
 * The driver binds the device (rte_iommufd_device_bind()) and creates its
 * port.
 *
 * @param drv
 *   The driver.
 * @param dev
 *   The device; dev->driver is drv during the call.
 * @return
 *   0, or a negative errno: the bus logs it, unbinds and closes the device
 *   and leaves it without a driver.
 */
typedef int (rte_iommufd_probe_t)(struct rte_iommufd_driver *drv,
		struct rte_iommufd_device *dev);
/**
 * Remove of a driver: called at hot-unplug and rte_eal_cleanup() for a
 * device the driver probed. The driver releases its port and unbinds the
 * device (rte_iommufd_device_unbind()); the bus then closes it.
 *
 * @param dev
 *   The device.
 * @return
 *   0, or a negative errno to refuse: the bus logs it and keeps the device
 *   (and its driver).
 */
typedef int (rte_iommufd_remove_t)(struct rte_iommufd_device *dev);

/** A driver for devices on the iommufd bus. */
struct rte_iommufd_driver {
	RTE_TAILQ_ENTRY(rte_iommufd_driver) next; /**< bus list */
	struct rte_driver driver;                 /**< generic driver */
	const struct rte_iommufd_id_match *id_table; /**< ends with {0, 0} */
	rte_iommufd_probe_t *probe;               /**< device probe */
	rte_iommufd_remove_t *remove;             /**< device remove */
};

/**
 * Register a driver: it is offered the devices the bus probes from now
 * on. Not thread-safe: call it from a constructor, as
 * RTE_PMD_REGISTER_IOMMUFD() does (use that).
 *
 * @param driver
 *   The driver, with driver.name, id_table and probe set; it must stay
 *   valid while registered.
 */
__rte_internal
void rte_iommufd_register(struct rte_iommufd_driver *driver);
/**
 * Unregister a driver registered with rte_iommufd_register(). Devices it
 * probed stay bound to it. Not thread-safe (no probe may run).
 *
 * @param driver
 *   A registered driver.
 */
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

/**
 * Register an emulated device model, for devargs "model=NAME". Not
 * thread-safe: call it from a constructor, as RTE_IOMMUFD_EMU_REGISTER()
 * does (use that). A refusal is logged, not returned: ops NULL or without
 * model, create, region_read or region_write; a model of that name
 * registered already (the first is kept); the bus's model table full.
 *
 * @param ops
 *   The model's ops; they must stay valid for the process's life.
 */
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

/**
 * Read len bytes at off of region idx: pread() on the cdev for a kernel
 * device, the model's region_read for an emulated one.
 *
 * @param dev
 *   The device (kernel devices: bound, see rte_iommufd_device_bind()).
 * @param idx
 *   Region index (RTE_IOMMUFD_REGION_BAR(), RTE_IOMMUFD_REGION_CONFIG).
 * @param off
 *   Offset in the region.
 * @param buf
 *   Destination, len bytes.
 * @param len
 *   Bytes to read.
 * @return
 *   0 on success; a negative errno (logged, rte_errno not set): -EINVAL
 *   idx out of range; -ENOENT region absent (or kernel device not bound
 *   yet); -ERANGE len is 0 or [off, off + len) is outside the region;
 *   -EPERM the region is not readable; -EIO a short read; the errno of
 *   pread(), or the model's error.
 */
__rte_internal
int rte_iommufd_region_read(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, void *buf, size_t len);

/**
 * Write len bytes at off of region idx: pwrite() on the cdev for a kernel
 * device, the model's region_write for an emulated one.
 *
 * @param dev
 *   The device (kernel devices: bound, see rte_iommufd_device_bind()).
 * @param idx
 *   Region index (RTE_IOMMUFD_REGION_BAR(), RTE_IOMMUFD_REGION_CONFIG).
 * @param off
 *   Offset in the region.
 * @param buf
 *   Source, len bytes.
 * @param len
 *   Bytes to write.
 * @return
 *   0 on success; a negative errno (logged, rte_errno not set): -EINVAL
 *   idx out of range; -ENOENT region absent (or kernel device not bound
 *   yet); -ERANGE len is 0 or [off, off + len) is outside the region;
 *   -EPERM the region is not writable; -EIO a short write; the errno of
 *   pwrite(), or the model's error.
 */
__rte_internal
int rte_iommufd_region_write(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, const void *buf, size_t len);

/**
 * mmap region idx where the device allows it (kernel devices, regions
 * with RTE_IOMMUFD_REGION_F_MMAP). Mapped once: later calls return the
 * same address; it is unmapped when the device is unbound.
 *
 * @param dev
 *   The device (kernel devices: bound, see rte_iommufd_device_bind()).
 * @param idx
 *   Region index.
 * @return
 *   The address, or NULL with rte_errno set: ENOTSUP emulated device,
 *   region absent or not mappable (use read/write); EINVAL idx out of
 *   range; the errno of mmap() (logged).
 */
__rte_internal
void *rte_iommufd_region_map(struct rte_iommufd_device *dev, unsigned int idx);

/**
 * Inline-mode device work for queue qid: runs the emulated model's poll
 * callback in the caller's context (the lcore polling the queue). A no-op
 * for kernel devices and for models without one.
 *
 * @param dev
 *   The device.
 * @param qid
 *   Queue index, as the model numbers its queues.
 */
static inline void
rte_iommufd_device_poll(struct rte_iommufd_device *dev, uint16_t qid)
{
	if (dev->emu != NULL && dev->emu->poll != NULL)
		dev->emu->poll(dev, qid);
}

/**
 * From here to rte_iommufd_emu_defer_end(), the calling thread's doorbells
 * (notify writes) come from the control path: an inline emulated device
 * (devargs mode=inline) then leaves the work they ask for to the data path
 * - the next poll or notify of that queue, or the peer's receive poll,
 * which pulls what a transmit ring holds - instead of doing it in the
 * caller, as a hardware device works on its own after a doorbell. For a
 * driver's control-path callbacks that post to a ring and kick it (queue
 * resume, unpark), so that an inline device's transmission is not done
 * inside a swap's pause. Nests; no effect on kernel devices, on engine
 * threads or services, or on control-queue commands.
 */
__rte_internal
void rte_iommufd_emu_defer_begin(void);

/**
 * End of rte_iommufd_emu_defer_begin()'s section (the innermost one).
 */
__rte_internal
void rte_iommufd_emu_defer_end(void);

/**
 * Time the calling thread spent on emulated devices' work since it
 * started: running it (the device side that a driver's notify and
 * rte_iommufd_device_poll() run in the caller's context with the devargs
 * mode=inline) or waiting for it (a queue reset waits for the device's
 * pass over that queue in flight, in any mode). For benchmarks: what the
 * device charged to its caller, which a hardware device does on its own,
 * apart from the driver's and the library's work. Read it before and
 * after a call on the same thread.
 *
 * @return
 *   Nanoseconds; 0 in a thread that never ran an inline device.
 */
__rte_internal
uint64_t rte_iommufd_emu_thread_ns(void);

/**
 * A device-side counter of an emulated device (rte_iommufd_emu_ops.counter).
 *
 * @param dev
 *   The device.
 * @param name
 *   Counter name (virtio-net: "rx_dropped", "tx_dropped").
 * @param value
 *   Set to the counter's value on success.
 * @return
 *   0; -ENOTSUP (kernel device, or the model keeps none); -ENOENT (unknown
 *   name).
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
 * Sets dev->binding. Kernel devices: opens the cdev if needed, then,
 * once attached, reads the region table and enables bus mastering.
 * A failure leaves the device unbound.
 *
 * @param dev
 *   The device, not bound yet.
 * @param nb_queues
 *   Queue handles to allocate (rte_dma_domain_queue_get()).
 * @param ops
 *   Driver callbacks of the replace protocol (copied), or NULL.
 * @param drv_arg
 *   Passed to every callback.
 * @return
 *   0; a negative errno (logged): -EBUSY bound already; the error of
 *   opening the cdev or the backend context; rte_dma_domain_bind()'s
 *   (as rte_errno); rte_dma_domain_attach()'s or the start domain's
 *   creation's; the error of enabling bus mastering.
 */
__rte_internal
int rte_iommufd_device_bind(struct rte_iommufd_device *dev, uint16_t nb_queues,
		const struct rte_dma_domain_dev_ops *ops, void *drv_arg);

/**
 * Detach and unbind (PMD remove/close): kernel devices first stop bus
 * mastering, then rte_dma_domain_unbind(); on success the regions are
 * released and a kernel device's cdev is closed (the next bind reopens
 * it). A no-op when the device is not bound. When the unbind fails (a
 * queue still online or armed) the failure is logged and the device
 * keeps its binding and cdev (dev->binding stays set).
 *
 * @param dev
 *   The device.
 */
__rte_internal
void rte_iommufd_device_unbind(struct rte_iommufd_device *dev);

/**
 * Find a device of this bus by name. Not thread-safe against hot-plug
 * (the bus's device list is not locked): call it from the thread that
 * plugs devices, or while none are plugged or unplugged.
 *
 * @param name
 *   Device name (BDF or emuN), not NULL.
 * @return
 *   The device, or NULL if none has that name.
 */
__rte_internal
struct rte_iommufd_device *rte_iommufd_device_find(const char *name);

/**
 * Iterate over all devices of the bus (for emulated models wiring
 * peers), in scan order. Same thread-safety as rte_iommufd_device_find().
 *
 * @param prev
 *   NULL for the first device, else the device the last call returned.
 * @return
 *   The next device, or NULL after the last one.
 */
__rte_internal
struct rte_iommufd_device *rte_iommufd_device_next(struct rte_iommufd_device *prev);

#ifdef __cplusplus
}
#endif

#endif /* BUS_IOMMUFD_DRIVER_H */
