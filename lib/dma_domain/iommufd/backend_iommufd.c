/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Kernel backend of the DMA domain library: Linux iommufd (/dev/iommu)
 * and VFIO device cdevs.
 *
 *   domain  = one IOAS, plus one HWPT per bound device, allocated at the
 *             device's first attach/replace to the domain and kept, so that
 *             every later switch is a single VFIO_DEVICE_ATTACH_IOMMUFD_PT
 *             between pre-built page tables (a replace between IOASes makes
 *             the kernel build a fresh domain each time: ~1.8 ms against
 *             ~10 us: doc/guides/performance.rst, replace latency).
 *   binding = VFIO_DEVICE_BIND_IOMMUFD on the cdev fd the bus opened;
 *             IOMMU_GET_HW_INFO says which IOMMU is behind the device.
 *   faults  = (iommufd_fault.c) the IOMMU fault lines of /dev/kmsg
 *             where the process may read it (iommufd_util.c parses
 *             them), plus the driver's fault_check (virtio:
 *             DEVICE_NEEDS_RESET), the synchronous signal. Lines arrive
 *             asynchronously and rate-limited (10 per 5 s): the replace
 *             protocol confirms again after the queues resumed
 *             (faults_wait, confirm_window_us), faults between swaps are
 *             counted (fault_info total), and an unreadable or
 *             rate-limited log is logged once: counts are then a lower
 *             bound (fault_info exact = false).
 *
 * No fault queue (IOMMU_FAULT_QUEUE_ALLOC, IOMMU_HWPT_FAULT_ID_VALID):
 * iommufd's fault queues carry IOPF (PRI page requests) only, not the
 * translation faults of devices without PRI, and a HWPT allocated with one
 * makes the kernel enable IOPF on the device and route its page requests
 * to the queue, where each waits for an answer. Nothing here services a
 * fault fd continuously, so the backend never allocates a fault-capable
 * HWPT.
 *
 * Every failed ioctl gives one log line naming the operation, the objects
 * and what the errno means for iommufd.
 */

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <unistd.h>

#include <rte_bitops.h>
#include <rte_common.h>
#include <rte_log.h>

#include "dma_domain_backend.h"
#include "dma_domain_logs.h"
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "iommufd_util.h"
#include "iommufd_private.h"

/* Its logtype (lib.dma_domain.iommufd) is registered in dma_domain.c. */

/* Tests point this at a path that does not exist to check the refusal. */
#define IOMMUFD_PATH_ENV "DMA_DOMAIN_IOMMUFD_PATH"
#define IOMMUFD_PATH_DEFAULT "/dev/iommu"
/* Post-resume confirmation window where kernel fault lines are readable:
 * a DMAR line is stored by the fault interrupt's handler, so it is in
 * /dev/kmsg within microseconds of the faulting access on hardware; under
 * QEMU's emulated VT-d (TCG) the VM tier measured ~5 ms from the end of
 * edu's faulting DMA to its line. The wait ends at the first fault line of
 * the device, so the whole window is spent only by a swap without fault.
 * DMA_DOMAIN_CONFIRM_WINDOW_US overrides it (0 to 1000000; 0: no wait).
 */
#define BE_CONFIRM_WINDOW_US 20000
#define BE_CONFIRM_WINDOW_ENV "DMA_DOMAIN_CONFIRM_WINDOW_US"
#define BE_CONFIRM_WINDOW_MAX 1000000

/* What an errno means coming from iommufd / VFIO cdev ioctls. */
static const char *
be_errno_meaning(int err)
{
	switch (err) {
	case ENOTTY: return "ENOTTY: ioctl not supported by this kernel";
	case E2BIG: return "E2BIG: kernel does not understand a non-zero field";
	case EOPNOTSUPP: return "EOPNOTSUPP: value understood but not supported";
	case EINVAL: return "EINVAL: a field is not correct (alignment, flags, state)";
	case ENOENT: return "ENOENT: no such object id or IOVA";
	case ENOMEM: return "ENOMEM: out of memory, or RLIMIT_MEMLOCK too low to pin";
	case EOVERFLOW: return "EOVERFLOW: address arithmetic overflowed";
	case EEXIST: return "EEXIST: IOVA range already mapped";
	case EBUSY: return "EBUSY: object in use (attached, bound or open elsewhere)";
	case EPERM: return "EPERM: operation not permitted";
	case EACCES: return "EACCES: permission denied";
	case ENODEV: return "ENODEV: device gone or not usable with this IOMMU";
	case EFAULT: return "EFAULT: a user address cannot be pinned (not mapped, or no access)";
	case ENOSPC: return "ENOSPC: IOVA outside the allowed ranges";
	case EIO: return "EIO: I/O error";
	default: return strerror(err);
	}
}

#define BE_IOCTL_ERR(op, err, fmt, ...) \
	BE_LOG(ERR, "%s failed on " fmt ": %s (errno %d)", op, \
		##__VA_ARGS__, be_errno_meaning(err), err)

/* ---- context -------------------------------------------------------- */

static uint32_t
be_confirm_window(void)
{
	const char *v = getenv(BE_CONFIRM_WINDOW_ENV);
	unsigned long us;
	char *end;

	if (v == NULL || v[0] == '\0')
		return BE_CONFIRM_WINDOW_US;
	errno = 0;
	us = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || us > BE_CONFIRM_WINDOW_MAX) {
		BE_LOG(WARNING, "%s=%s is not a number of microseconds from 0 to %u: using %u",
			BE_CONFIRM_WINDOW_ENV, v, BE_CONFIRM_WINDOW_MAX, BE_CONFIRM_WINDOW_US);
		return BE_CONFIRM_WINDOW_US;
	}
	return (uint32_t)us;
}

static int
be_ctx_open(void **priv)
{
	const char *path = getenv(IOMMUFD_PATH_ENV);
	struct be_ctx *ctx;
	int fd, err;

	if (path == NULL || path[0] == '\0')
		path = IOMMUFD_PATH_DEFAULT;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT || err == ENODEV || err == ENXIO) {
			BE_LOG(ERR, "no %s: kernel without CONFIG_IOMMUFD, or iommufd module not loaded (modprobe iommufd)",
				path);
			return -ENODEV;
		}
		if (err == EACCES || err == EPERM) {
			BE_LOG(ERR, "no permission to open %s: run as root, or give this user read-write access to it (udev rule or chmod)",
				path);
			return -EACCES;
		}
		BE_LOG(ERR, "cannot open %s: %s", path, strerror(err));
		return -err;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		close(fd);
		return -ENOMEM;
	}
	ctx->fd = fd;
	pthread_mutex_init(&ctx->lock, NULL);
	TAILQ_INIT(&ctx->doms);
	TAILQ_INIT(&ctx->devs);

	/* Kernel fault lines are a fault source only where readable (root,
	 * CAP_SYSLOG). Start at the end: only faults after this point are
	 * ours to count. Unreadable: one warning, counts are a lower bound.
	 */
	iommufd_kmsg_open(&ctx->kmsg, KMSG_PATH);
	be_kmsg_warn(ctx);
	ctx->confirm_window_us = be_confirm_window();
	BE_LOG(INFO, "opened %s (fd %d)", path, fd);
	*priv = ctx;
	return 0;
}

static void
be_ctx_close(void *priv)
{
	struct be_ctx *ctx = priv;

	struct be_dom *dom;

	if (ctx == NULL)
		return;
	iommufd_kmsg_close(&ctx->kmsg);
	/* Closing the iommufd destroys every object still in it (the core
	 * closes only an empty context; a domain whose free failed while
	 * its creation was undone can be left here).
	 */
	close(ctx->fd);
	while ((dom = TAILQ_FIRST(&ctx->doms)) != NULL) {
		TAILQ_REMOVE(&ctx->doms, dom, next);
		free(dom->hwpts);
		free(dom);
	}
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

/* Atomic only when every bound device sits behind an IOMMU whose replace
 * was measured atomic (iommufd_hw_replace_atomic(): none today, so the
 * kernel backend never defaults to hitless).
 */
static bool
be_atomic_replace(void *priv)
{
	struct be_ctx *ctx = priv;
	struct be_dev *dev;
	bool atomic = false;

	pthread_mutex_lock(&ctx->lock);
	TAILQ_FOREACH(dev, &ctx->devs, next) {
		if (!iommufd_hw_replace_atomic(dev->hw_type)) {
			atomic = false;
			break;
		}
		atomic = true;
	}
	pthread_mutex_unlock(&ctx->lock);
	return atomic;
}

static int
be_destroy(struct be_ctx *ctx, uint32_t id, const char *what, const char *owner)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	if (ioctl(ctx->fd, IOMMU_DESTROY, &d) != 0) {
		int err = errno;

		BE_IOCTL_ERR("IOMMU_DESTROY", err, "%s %u (%s)", what, id, owner);
		return -err;
	}
	return 0;
}

/* ---- domains -------------------------------------------------------- */

static int
be_domain_alloc(void *priv, enum rte_dma_domain_kind kind, const char *name,
		void **dom_priv)
{
	struct be_ctx *ctx = priv;
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct be_dom *dom;

	if (kind != RTE_DMA_DOMAIN_PAGING) {
		BE_LOG(ERR, "domain %s: the iommufd backend offers paging domains only (an IOAS)",
			name);
		return -ENOTSUP;
	}
	dom = calloc(1, sizeof(*dom));
	if (dom == NULL)
		return -ENOMEM;
	if (ioctl(ctx->fd, IOMMU_IOAS_ALLOC, &a) != 0) {
		int err = errno;

		BE_IOCTL_ERR("IOMMU_IOAS_ALLOC", err, "domain %s", name);
		free(dom);
		return -err;
	}
	dom->ioas_id = a.out_ioas_id;
	snprintf(dom->name, sizeof(dom->name), "%s", name);
	pthread_mutex_lock(&ctx->lock);
	TAILQ_INSERT_TAIL(&ctx->doms, dom, next);
	pthread_mutex_unlock(&ctx->lock);
	BE_LOG(DEBUG, "domain %s: ioas %u", name, dom->ioas_id);
	*dom_priv = dom;
	return 0;
}

/*
 * Destroy the domain's HWPTs, then its IOAS (HWPTs hold a reference on
 * their IOAS). A refused IOMMU_DESTROY (logged with id and errno by
 * be_destroy(); e.g. EBUSY: a device is attached to the HWPT outside
 * the library's view) stops there: the HWPTs not destroyed stay in
 * dom->hwpts, the IOAS and its mappings stay, the domain stays on the
 * list, and the error goes back to the core, which keeps the domain. A
 * HWPT destroyed before the failure is allocated again at the next
 * attach or replace of its device.
 */
static int
be_domain_free(void *priv, void *dom_priv)
{
	struct be_ctx *ctx = priv;
	struct be_dom *dom = dom_priv;
	unsigned int i, kept = 0;
	int rc = 0, r;

	pthread_mutex_lock(&ctx->lock);
	for (i = 0; i < dom->nb_hwpts; i++) {
		r = be_destroy(ctx, dom->hwpts[i].hwpt_id, "hwpt", dom->name);
		if (r < 0) {
			if (rc == 0)
				rc = r;
			dom->hwpts[kept++] = dom->hwpts[i];
		}
	}
	dom->nb_hwpts = kept;
	if (rc == 0)
		rc = be_destroy(ctx, dom->ioas_id, "ioas", dom->name);
	if (rc < 0) {
		pthread_mutex_unlock(&ctx->lock);
		BE_LOG(ERR, "domain %s: ioas %u kept with %u hwpt(s) after a refused IOMMU_DESTROY (%s)",
			dom->name, dom->ioas_id, kept, be_errno_meaning(-rc));
		return rc;
	}
	TAILQ_REMOVE(&ctx->doms, dom, next);
	pthread_mutex_unlock(&ctx->lock);
	free(dom->hwpts);
	free(dom);
	return 0;
}

static uint32_t
be_map_flags(uint32_t access)
{
	uint32_t flags = IOMMU_IOAS_MAP_FIXED_IOVA;

	if (access & RTE_DMA_DOMAIN_ACCESS_READ)
		flags |= IOMMU_IOAS_MAP_READABLE;
	if (access & RTE_DMA_DOMAIN_ACCESS_WRITE)
		flags |= IOMMU_IOAS_MAP_WRITEABLE;
	return flags;
}

static int
be_map(void *priv, void *dom_priv, uint64_t iova, void *va, uint64_t len,
		uint32_t access)
{
	struct be_ctx *ctx = priv;
	struct be_dom *dom = dom_priv;
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = be_map_flags(access),
		.ioas_id = dom->ioas_id,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	if (ioctl(ctx->fd, IOMMU_IOAS_MAP, &m) != 0) {
		int err = errno;

		BE_IOCTL_ERR("IOMMU_IOAS_MAP", err,
			"ioas %u (domain %s) iova 0x%" PRIx64 " len 0x%" PRIx64 " va %p",
			dom->ioas_id, dom->name, iova, len, va);
		return -err;
	}
	return 0;
}

static int
be_unmap(void *priv, void *dom_priv, uint64_t iova, uint64_t len)
{
	struct be_ctx *ctx = priv;
	struct be_dom *dom = dom_priv;
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = dom->ioas_id,
		.iova = iova,
		.length = len,
	};

	if (ioctl(ctx->fd, IOMMU_IOAS_UNMAP, &u) != 0) {
		int err = errno;

		BE_IOCTL_ERR("IOMMU_IOAS_UNMAP", err,
			"ioas %u (domain %s) iova 0x%" PRIx64 " len 0x%" PRIx64,
			dom->ioas_id, dom->name, iova, len);
		return -err;
	}
	return 0;
}

static int
be_copy(void *priv, void *dst_priv, uint64_t dst_iova, void *src_priv,
		uint64_t src_iova, uint64_t len, uint32_t access)
{
	struct be_ctx *ctx = priv;
	struct be_dom *dst = dst_priv;
	struct be_dom *src = src_priv;
	struct iommu_ioas_copy c = {
		.size = sizeof(c),
		.flags = be_map_flags(access),
		.dst_ioas_id = dst->ioas_id,
		.src_ioas_id = src->ioas_id,
		.length = len,
		.dst_iova = dst_iova,
		.src_iova = src_iova,
	};

	if (ioctl(ctx->fd, IOMMU_IOAS_COPY, &c) != 0) {
		int err = errno;

		BE_IOCTL_ERR("IOMMU_IOAS_COPY", err,
			"ioas %u (domain %s) iova 0x%" PRIx64
			" -> ioas %u (domain %s) iova 0x%" PRIx64 " len 0x%" PRIx64,
			src->ioas_id, src->name, src_iova, dst->ioas_id,
			dst->name, dst_iova, len);
		return -err;
	}
	return 0;
}

/* ---- devices -------------------------------------------------------- */

static const char *
be_hw_name(uint32_t type)
{
	switch (type) {
	case IOMMU_HW_INFO_TYPE_INTEL_VTD: return "Intel VT-d";
	case IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3: return "ARM SMMUv3";
	case IOMMU_HW_INFO_TYPE_NONE: return "unreported";
	default: return "unknown";
	}
}

static void
be_hw_info(struct be_ctx *ctx, struct be_dev *dev)
{
	uint64_t data[16];
	struct iommu_hw_info h = {
		.size = sizeof(h),
		.dev_id = dev->dev_id,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)data,
	};

	memset(data, 0, sizeof(data));
	if (ioctl(ctx->fd, IOMMU_GET_HW_INFO, &h) != 0) {
		int err = errno;

		/* Not fatal: unknown hardware means the safe strategy. */
		BE_IOCTL_ERR("IOMMU_GET_HW_INFO", err,
			"dev_id %u (device %s); treating the IOMMU as not replacing atomically",
			dev->dev_id, dev->name);
		dev->hw_type = IOMMU_HW_INFO_TYPE_NONE;
		return;
	}
	dev->hw_type = h.out_data_type;
}

static int
be_bind(void *priv, const struct rte_dma_domain_binding_params *p,
		void **dev_priv)
{
	struct be_ctx *ctx = priv;
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b),
		.iommufd = ctx->fd,
	};
	struct be_dev *dev;

	if (p->dev_fd < 0) {
		BE_LOG(ERR, "bind %s: no VFIO cdev fd (dev_fd %d): the iommufd backend binds kernel devices only",
			p->name, p->dev_fd);
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL)
		return -ENOMEM;
	snprintf(dev->name, sizeof(dev->name), "%s", p->name);
	dev->has_bdf = iommufd_bdf_parse(dev->name, &dev->bdf) == 0;
	dev->dev_fd = p->dev_fd;

	if (ioctl(p->dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &b) != 0) {
		int err = errno;

		BE_IOCTL_ERR("VFIO_DEVICE_BIND_IOMMUFD", err,
			"device %s (cdev fd %d, iommufd %d)%s", dev->name,
			p->dev_fd, ctx->fd,
			err == EINVAL ? "; the cdev fd may already be bound: reopen the cdev" : "");
		free(dev);
		return -err;
	}
	dev->dev_id = b.out_devid;
	be_hw_info(ctx, dev);

	pthread_mutex_lock(&ctx->lock);
	TAILQ_INSERT_TAIL(&ctx->devs, dev, next);
	pthread_mutex_unlock(&ctx->lock);
	BE_LOG(INFO, "%s bound: dev_id %u, IOMMU %s (replace %s), kernel fault lines %s",
		dev->name, dev->dev_id, be_hw_name(dev->hw_type),
		iommufd_hw_replace_atomic(dev->hw_type) ? "atomic" : "not known atomic",
		ctx->kmsg.fd < 0 ? "NOT readable" :
		dev->has_bdf ? "read" : "read (name is no PCI address: every fault line counts)");
	*dev_priv = dev;
	return 0;
}

static void
be_unbind(void *priv, void *dev_priv)
{
	struct be_ctx *ctx = priv;
	struct be_dev *dev = dev_priv;
	struct be_dom *dom;
	unsigned int i;

	pthread_mutex_lock(&ctx->lock);
	TAILQ_REMOVE(&ctx->devs, dev, next);
	/* The device's HWPTs are useless without it (and each pins a page
	 * table): destroy them.
	 */
	TAILQ_FOREACH(dom, &ctx->doms, next) {
		for (i = 0; i < dom->nb_hwpts; ) {
			if (dom->hwpts[i].dev_id != dev->dev_id) {
				i++;
				continue;
			}
			if (be_destroy(ctx, dom->hwpts[i].hwpt_id, "hwpt",
					dom->name) < 0) {
				/* Kept for the domain's destroy to try
				 * again; dev_id 0 (iommufd ids start at 1)
				 * so that no later device takes it.
				 */
				dom->hwpts[i++].dev_id = 0;
				continue;
			}
			dom->hwpts[i] = dom->hwpts[--dom->nb_hwpts];
		}
	}
	pthread_mutex_unlock(&ctx->lock);
	/* VFIO has no unbind ioctl: the bus closes the cdev fd, which unbinds. */
	free(dev);
}

static struct be_hwpt *
be_hwpt_find(struct be_dom *dom, uint32_t dev_id)
{
	unsigned int i;

	for (i = 0; i < dom->nb_hwpts; i++)
		if (dom->hwpts[i].dev_id == dev_id)
			return &dom->hwpts[i];
	return NULL;
}

static int
be_hwpt_alloc(struct be_ctx *ctx, struct be_dom *dom, struct be_dev *dev,
		struct be_hwpt **out)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.dev_id = dev->dev_id,
		.pt_id = dom->ioas_id,
		.data_type = IOMMU_HWPT_DATA_NONE,
		/* never IOMMU_HWPT_FAULT_ID_VALID: see the top of this file */
		.flags = 0,
	};
	struct be_hwpt *h;
	int ret;

	if (dom->nb_hwpts == dom->max_hwpts) {
		unsigned int n = dom->max_hwpts ? dom->max_hwpts * 2 : 4;
		void *p = realloc(dom->hwpts, n * sizeof(*dom->hwpts));

		if (p == NULL)
			return -ENOMEM;
		dom->hwpts = p;
		dom->max_hwpts = n;
	}
	ret = ioctl(ctx->fd, IOMMU_HWPT_ALLOC, &a);
	if (ret != 0) {
		int err = errno;

		BE_IOCTL_ERR("IOMMU_HWPT_ALLOC", err,
			"dev_id %u (device %s) ioas %u (domain %s)",
			dev->dev_id, dev->name, dom->ioas_id, dom->name);
		return -err;
	}
	h = &dom->hwpts[dom->nb_hwpts++];
	h->dev_id = dev->dev_id;
	h->hwpt_id = a.out_hwpt_id;
	BE_LOG(DEBUG, "hwpt %u for %s in domain %s (ioas %u)", h->hwpt_id,
		dev->name, dom->name, dom->ioas_id);
	*out = h;
	return 0;
}

static int
be_attach_pt(struct be_dev *dev, uint32_t pt_id, const char *op,
		const struct be_dom *dom)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at),
		.pt_id = pt_id,
	};

	if (ioctl(dev->dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) != 0) {
		int err = errno;

		BE_IOCTL_ERR(op, err, "device %s (dev_id %u) -> pt %u (domain %s, ioas %u)",
			dev->name, dev->dev_id, pt_id, dom->name, dom->ioas_id);
		return -err;
	}
	return 0;
}

/* The id of the device's HWPT in the domain, allocated on first use and
 * kept. Copied under ctx->lock: a swap calls this without the library's
 * lock, while another device's prepare may grow dom->hwpts.
 */
static int
be_hwpt_get(struct be_ctx *ctx, struct be_dom *dom, struct be_dev *dev,
		uint32_t *hwpt_id)
{
	struct be_hwpt *h;
	int ret = 0;

	pthread_mutex_lock(&ctx->lock);
	h = be_hwpt_find(dom, dev->dev_id);
	if (h == NULL)
		ret = be_hwpt_alloc(ctx, dom, dev, &h);
	if (ret == 0)
		*hwpt_id = h->hwpt_id;
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

/* Attach or replace: both are one VFIO_DEVICE_ATTACH_IOMMUFD_PT; on an
 * attached device the kernel replaces the domain in place.
 */
static int
be_attach_common(struct be_ctx *ctx, struct be_dev *dev, struct be_dom *dom,
		const char *op)
{
	uint32_t hwpt_id = 0;
	int ret = be_hwpt_get(ctx, dom, dev, &hwpt_id);

	if (ret == -ENOTTY || ret == -EOPNOTSUPP) {
		/* A kernel that cannot allocate HWPTs for this device: still
		 * correct, only slower, the kernel finds or builds a domain
		 * for the IOAS at each switch. Any other error (EFAULT: a
		 * range of the IOAS cannot be pinned, ENOMEM...) would hit
		 * the IOAS attach the same way, after building a whole
		 * domain: report it now, with the device untouched.
		 */
		BE_LOG(WARNING, "%s: no pre-allocated HWPT for domain %s: attaching its IOAS %u directly (each switch builds a kernel domain)",
			dev->name, dom->name, dom->ioas_id);
		return be_attach_pt(dev, dom->ioas_id, op, dom);
	}
	if (ret != 0)
		return ret;
	return be_attach_pt(dev, hwpt_id, op, dom);
}

/* Allocate the device's HWPT in the domain ahead of the switch. A kernel
 * that cannot allocate HWPTs is not an error here: the switch falls back
 * to attaching the IOAS (be_attach_common).
 */
static int
be_prepare(void *priv, void *dev_priv, void *dom_priv)
{
	uint32_t hwpt_id;
	int ret = be_hwpt_get(priv, dom_priv, dev_priv, &hwpt_id);

	return ret == -ENOTTY || ret == -EOPNOTSUPP ? 0 : ret;
}

static int
be_attach(void *priv, void *dev_priv, void *dom_priv)
{
	struct be_dev *dev = dev_priv;
	int ret;

	ret = be_attach_common(priv, dev, dom_priv,
		"VFIO_DEVICE_ATTACH_IOMMUFD_PT (attach)");
	if (ret == 0)
		dev->attached = true;
	return ret;
}

static int
be_replace(void *priv, void *dev_priv, void *dom_priv)
{
	struct be_dev *dev = dev_priv;

	if (!dev->attached) {
		BE_LOG(ERR, "replace on %s: device is not attached (attach it first)",
			dev->name);
		return -EINVAL;
	}
	return be_attach_common(priv, dev, dom_priv,
		"VFIO_DEVICE_ATTACH_IOMMUFD_PT (replace)");
}

static int
be_detach(void *priv, void *dev_priv)
{
	struct be_dev *dev = dev_priv;
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	RTE_SET_USED(priv);
	if (ioctl(dev->dev_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d) != 0) {
		int err = errno;

		BE_IOCTL_ERR("VFIO_DEVICE_DETACH_IOMMUFD_PT", err,
			"device %s (dev_id %u)", dev->name, dev->dev_id);
		return -err;
	}
	dev->attached = false;
	return 0;
}

const struct dma_domain_backend_ops dma_domain_backend_iommufd = {
	.name = "iommufd",
	.ctx_open = be_ctx_open,
	.ctx_close = be_ctx_close,
	.atomic_replace = be_atomic_replace,
	.domain_alloc = be_domain_alloc,
	.domain_free = be_domain_free,
	.map = be_map,
	.unmap = be_unmap,
	.copy = be_copy,
	.bind = be_bind,
	.unbind = be_unbind,
	.attach = be_attach,
	.prepare = be_prepare,
	.replace = be_replace,
	.detach = be_detach,
	.faults = be_faults,
	.fault_info = be_fault_info,
	.faults_wait = be_faults_wait,
};
