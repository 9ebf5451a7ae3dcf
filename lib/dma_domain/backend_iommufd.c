/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Kernel backend of the DMA domain library: Linux iommufd (/dev/iommu)
 * and VFIO device cdevs.
 *
 *   domain  = one IOAS, plus one HWPT per bound device, allocated at the
 *             device's first attach/replace to the domain and kept, so that
 *             every later switch is a single VFIO_DEVICE_ATTACH_IOMMUFD_PT
 *             between pre-built page tables (a replace between IOASes makes
 *             the kernel build a fresh domain each time: ~1.8 ms against
 *             ~10 us, DESIGN.md section 7).
 *   binding = VFIO_DEVICE_BIND_IOMMUFD on the cdev fd the bus opened;
 *             IOMMU_GET_HW_INFO says which IOMMU is behind the device.
 *   faults  = the HWPT's fault queue where the kernel and the device allow
 *             one (IOPF-capable hardware), and DMAR/SMMU lines of /dev/kmsg
 *             where the process may read it.
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
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <unistd.h>

#include <rte_bitops.h>
#include <rte_common.h>
#include <rte_log.h>

#include "dma_domain_backend.h"
#include "iommufd_uapi.h"

RTE_LOG_REGISTER_SUFFIX(iommufd_be_logtype, iommufd, NOTICE);
#define BE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, iommufd_be_logtype, \
		"dma_domain iommufd: " fmt "\n", ##__VA_ARGS__)

/* Tests point this at a path that does not exist to check the refusal. */
#define IOMMUFD_PATH_ENV "DMA_DOMAIN_IOMMUFD_PATH"
#define IOMMUFD_PATH_DEFAULT "/dev/iommu"
#define KMSG_PATH "/dev/kmsg"

/* Fault-queue use for a device: tried at its first attach, then known. */
enum be_fault_state {
	BE_FAULTQ_UNKNOWN = 0,
	BE_FAULTQ_YES,
	BE_FAULTQ_NO,
};

struct be_hwpt {
	uint32_t dev_id;
	uint32_t hwpt_id;
	bool with_fault;
};

struct be_dom {
	TAILQ_ENTRY(be_dom) next;
	uint32_t ioas_id;
	char name[RTE_DMA_DOMAIN_NAMESIZE];
	struct be_hwpt *hwpts;
	unsigned int nb_hwpts;
	unsigned int max_hwpts;
};

struct be_dev {
	TAILQ_ENTRY(be_dev) next;
	char name[RTE_DMA_DOMAIN_NAMESIZE];
	char short_bdf[16];       /* "bb:dd.f" as DMAR lines print it */
	int dev_fd;               /* owned by the bus */
	uint32_t dev_id;
	uint32_t hw_type;         /* enum iommu_hw_info_type */
	bool attached;
	int fault_fd;             /* -1: no fault queue */
	uint32_t fault_id;
	enum be_fault_state faultq;
	uint64_t pending_faults;  /* counted, not yet reported */
};

struct be_ctx {
	int fd;
	int kmsg_fd;              /* -1: not readable */
	pthread_mutex_t lock;     /* lists and kmsg state */
	TAILQ_HEAD(, be_dom) doms;
	TAILQ_HEAD(, be_dev) devs;
};

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

	/* Kernel fault lines are a fault source only where readable (root).
	 * Start at the end: only faults after this point are ours to count. */
	ctx->kmsg_fd = open(KMSG_PATH, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ctx->kmsg_fd >= 0) {
		if (lseek(ctx->kmsg_fd, 0, SEEK_END) < 0) {
			close(ctx->kmsg_fd);
			ctx->kmsg_fd = -1;
		}
	}
	if (ctx->kmsg_fd < 0)
		BE_LOG(INFO, "%s not readable: IOMMU fault lines of the kernel are not a fault source",
			KMSG_PATH);
	BE_LOG(INFO, "opened %s (fd %d)", path, fd);
	*priv = ctx;
	return 0;
}

static void
be_ctx_close(void *priv)
{
	struct be_ctx *ctx = priv;

	if (ctx == NULL)
		return;
	if (ctx->kmsg_fd >= 0)
		close(ctx->kmsg_fd);
	/* Closing the iommufd destroys every object still in it. */
	close(ctx->fd);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

/* Atomic only when every bound device sits behind an IOMMU known to
 * replace hitlessly (SMMUv3 updates an STE in place). VT-d blocks
 * translation first; unknown hardware is treated like VT-d. */
static bool
be_atomic_replace(void *priv)
{
	struct be_ctx *ctx = priv;
	struct be_dev *dev;
	bool atomic = false;

	pthread_mutex_lock(&ctx->lock);
	TAILQ_FOREACH(dev, &ctx->devs, next) {
		if (dev->hw_type != IOMMU_HW_INFO_TYPE_ARM_SMMUV3) {
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

static void
be_domain_free(void *priv, void *dom_priv)
{
	struct be_ctx *ctx = priv;
	struct be_dom *dom = dom_priv;
	unsigned int i;

	pthread_mutex_lock(&ctx->lock);
	TAILQ_REMOVE(&ctx->doms, dom, next);
	pthread_mutex_unlock(&ctx->lock);
	/* HWPTs hold a reference on their IOAS: destroy them first. */
	for (i = 0; i < dom->nb_hwpts; i++)
		be_destroy(ctx, dom->hwpts[i].hwpt_id, "hwpt", dom->name);
	be_destroy(ctx, dom->ioas_id, "ioas", dom->name);
	free(dom->hwpts);
	free(dom);
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
			"ioas %u (domain %s) iova 0x%" PRIx64 " -> ioas %u (domain %s) iova 0x%" PRIx64 " len 0x%" PRIx64,
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
	case IOMMU_HW_INFO_TYPE_ARM_SMMUV3: return "ARM SMMUv3";
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

static void
be_fault_queue_alloc(struct be_ctx *ctx, struct be_dev *dev)
{
#if IOMMUFD_UAPI_HWPT_HAS_FAULT_ID
	struct iommu_fault_alloc f = { .size = sizeof(f) };

	if (ioctl(ctx->fd, IOMMU_FAULT_QUEUE_ALLOC, &f) != 0) {
		/* Kernels before 6.11 have no fault queues: not an error. */
		BE_LOG(DEBUG, "IOMMU_FAULT_QUEUE_ALLOC for %s: %s; no fault queue",
			dev->name, be_errno_meaning(errno));
		dev->faultq = BE_FAULTQ_NO;
		return;
	}
	dev->fault_id = f.out_fault_id;
	dev->fault_fd = (int)f.out_fault_fd;
	if (fcntl(dev->fault_fd, F_SETFL, O_NONBLOCK) != 0)
		BE_LOG(WARNING, "fault queue of %s: cannot make it non-blocking: %s",
			dev->name, strerror(errno));
#else
	RTE_SET_USED(ctx);
	dev->faultq = BE_FAULTQ_NO;
#endif
}

static void
be_fault_queue_free(struct be_ctx *ctx, struct be_dev *dev)
{
	if (dev->fault_fd < 0)
		return;
	close(dev->fault_fd);
	be_destroy(ctx, dev->fault_id, "fault queue", dev->name);
	dev->fault_fd = -1;
}

/* "0000:00:03.0" -> "00:03.0", the form VT-d fault lines use. */
static void
be_short_bdf(const char *name, char *out, size_t sz)
{
	unsigned int d, b, s, f;

	out[0] = '\0';
	if (sscanf(name, "%x:%x:%x.%x", &d, &b, &s, &f) == 4)
		snprintf(out, sz, "%02x:%02x.%x", b, s, f);
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
	be_short_bdf(dev->name, dev->short_bdf, sizeof(dev->short_bdf));
	dev->dev_fd = p->dev_fd;
	dev->fault_fd = -1;

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
	be_fault_queue_alloc(ctx, dev);

	pthread_mutex_lock(&ctx->lock);
	TAILQ_INSERT_TAIL(&ctx->devs, dev, next);
	pthread_mutex_unlock(&ctx->lock);
	BE_LOG(INFO, "%s bound: dev_id %u, IOMMU %s (replace %s), fault queue %s",
		dev->name, dev->dev_id, be_hw_name(dev->hw_type),
		dev->hw_type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3 ? "atomic" : "not atomic",
		dev->fault_fd >= 0 ? "allocated" : "none");
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
	 * table): destroy them. */
	TAILQ_FOREACH(dom, &ctx->doms, next) {
		for (i = 0; i < dom->nb_hwpts; ) {
			if (dom->hwpts[i].dev_id != dev->dev_id) {
				i++;
				continue;
			}
			be_destroy(ctx, dom->hwpts[i].hwpt_id, "hwpt", dom->name);
			dom->hwpts[i] = dom->hwpts[--dom->nb_hwpts];
		}
	}
	pthread_mutex_unlock(&ctx->lock);
	be_fault_queue_free(ctx, dev);
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
	};
	bool with_fault = false;
	struct be_hwpt *h;
	int ret;

#if IOMMUFD_UAPI_HWPT_HAS_FAULT_ID
	if (dev->fault_fd >= 0 && dev->faultq != BE_FAULTQ_NO) {
		a.flags |= IOMMU_HWPT_FAULT_ID_VALID;
		a.fault_id = dev->fault_id;
		with_fault = true;
	}
#endif
	if (dom->nb_hwpts == dom->max_hwpts) {
		unsigned int n = dom->max_hwpts ? dom->max_hwpts * 2 : 4;
		void *p = realloc(dom->hwpts, n * sizeof(*dom->hwpts));

		if (p == NULL)
			return -ENOMEM;
		dom->hwpts = p;
		dom->max_hwpts = n;
	}
	ret = ioctl(ctx->fd, IOMMU_HWPT_ALLOC, &a);
#if IOMMUFD_UAPI_HWPT_HAS_FAULT_ID
	if (ret != 0 && with_fault && errno != EFAULT && errno != ENOMEM) {
		/* Fault queues need IOPF-capable hardware: retry without.
		 * (EFAULT/ENOMEM are about the IOAS's memory, not the queue.) */
		BE_LOG(DEBUG, "IOMMU_HWPT_ALLOC with fault queue for %s: %s; retrying without",
			dev->name, be_errno_meaning(errno));
		dev->faultq = BE_FAULTQ_NO;
		with_fault = false;
		a.flags &= ~(uint32_t)IOMMU_HWPT_FAULT_ID_VALID;
		a.fault_id = 0;
		ret = ioctl(ctx->fd, IOMMU_HWPT_ALLOC, &a);
	}
#endif
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
	h->with_fault = with_fault;
	BE_LOG(DEBUG, "hwpt %u for %s in domain %s (ioas %u)%s", h->hwpt_id,
		dev->name, dom->name, dom->ioas_id,
		with_fault ? " with fault queue" : "");
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

/* The device's HWPT in the domain, allocated on first use and kept. */
static int
be_hwpt_get(struct be_ctx *ctx, struct be_dom *dom, struct be_dev *dev,
		struct be_hwpt **out)
{
	int ret = 0;

	pthread_mutex_lock(&ctx->lock);
	*out = be_hwpt_find(dom, dev->dev_id);
	if (*out == NULL)
		ret = be_hwpt_alloc(ctx, dom, dev, out);
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

/* Attach or replace: both are one VFIO_DEVICE_ATTACH_IOMMUFD_PT; on an
 * attached device the kernel replaces the domain in place. */
static int
be_attach_common(struct be_ctx *ctx, struct be_dev *dev, struct be_dom *dom,
		const char *op)
{
	struct be_hwpt *h = NULL;
	int ret = be_hwpt_get(ctx, dom, dev, &h);

	if (ret == -ENOTTY || ret == -EOPNOTSUPP) {
		/* A kernel that cannot allocate HWPTs for this device: still
		 * correct, only slower, the kernel finds or builds a domain
		 * for the IOAS at each switch. Any other error (EFAULT: a
		 * range of the IOAS cannot be pinned, ENOMEM...) would hit
		 * the IOAS attach the same way, after building a whole
		 * domain: report it now, with the device untouched. */
		BE_LOG(WARNING, "%s: no pre-allocated HWPT for domain %s: attaching its IOAS %u directly (each switch builds a kernel domain)",
			dev->name, dom->name, dom->ioas_id);
		return be_attach_pt(dev, dom->ioas_id, op, dom);
	}
	if (ret != 0)
		return ret;
	ret = be_attach_pt(dev, h->hwpt_id, op, dom);
	if (ret != 0 && h->with_fault && dev->faultq == BE_FAULTQ_UNKNOWN) {
		/* The kernel enables IOPF on the device at attach of a HWPT
		 * with a fault queue; devices without PRI refuse. Rebuild the
		 * HWPT without fault queue and attach again. */
		uint32_t old = h->hwpt_id;

		BE_LOG(INFO, "%s: IOMMU fault queue unusable (device without IOPF); using kernel log fault lines only",
			dev->name);
		pthread_mutex_lock(&ctx->lock);
		dev->faultq = BE_FAULTQ_NO;
		*h = dom->hwpts[--dom->nb_hwpts];
		be_destroy(ctx, old, "hwpt", dom->name);
		ret = be_hwpt_alloc(ctx, dom, dev, &h);
		pthread_mutex_unlock(&ctx->lock);
		if (ret != 0)
			return ret;
		ret = be_attach_pt(dev, h->hwpt_id, op, dom);
	}
	if (ret == 0 && h->with_fault)
		dev->faultq = BE_FAULTQ_YES;
	return ret;
}

/* Allocate the device's HWPT in the domain ahead of the switch. A kernel
 * that cannot allocate HWPTs is not an error here: the switch falls back
 * to attaching the IOAS (be_attach_common). */
static int
be_prepare(void *priv, void *dev_priv, void *dom_priv)
{
	struct be_hwpt *h;
	int ret = be_hwpt_get(priv, dom_priv, dev_priv, &h);

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

/* ---- faults --------------------------------------------------------- */

/* Does a kernel log record report an IOMMU translation fault? The VT-d
 * summary line ("DRHD: handling fault status reg") precedes the per-fault
 * line and is not counted, so one fault counts once. */
static bool
be_kmsg_is_fault(const char *msg)
{
	if (strcasestr(msg, "fault") == NULL)
		return false;
	if (strstr(msg, "handling fault status") != NULL)
		return false;
	return strstr(msg, "DMAR") != NULL || strcasestr(msg, "smmu") != NULL ||
		strcasestr(msg, "iommu") != NULL || strstr(msg, "AMD-Vi") != NULL;
}

/* Read the records appended to /dev/kmsg since the last call. A line that
 * names a bound device counts for it; a fault line that names none counts
 * for every bound device (better a false rollback than a missed fault). */
static void
be_kmsg_drain(struct be_ctx *ctx)
{
	char rec[2048];
	struct be_dev *dev;

	if (ctx->kmsg_fd < 0)
		return;
	for (;;) {
		ssize_t n = read(ctx->kmsg_fd, rec, sizeof(rec) - 1);
		const char *msg;
		bool named = false;

		if (n < 0) {
			if (errno == EPIPE)   /* records overwritten: go on */
				continue;
			if (errno == EINTR)
				continue;
			break;                /* EAGAIN: nothing new */
		}
		if (n == 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg != NULL ? msg + 1 : rec;
		if (!be_kmsg_is_fault(msg))
			continue;
		TAILQ_FOREACH(dev, &ctx->devs, next) {
			if (strstr(msg, dev->name) != NULL ||
					(dev->short_bdf[0] != '\0' &&
					 strstr(msg, dev->short_bdf) != NULL)) {
				dev->pending_faults++;
				named = true;
			}
		}
		if (!named)
			TAILQ_FOREACH(dev, &ctx->devs, next)
				dev->pending_faults++;
	}
}

/* Count the fault queue's records and answer each page-request group
 * "invalid" so the device does not wait on it. */
static void
be_faultq_drain(struct be_dev *dev)
{
	struct iommu_hwpt_pgfault f[8];

	if (dev->fault_fd < 0)
		return;
	for (;;) {
		ssize_t n = read(dev->fault_fd, f, sizeof(f));
		size_t i;

		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n / sizeof(f[0]); i++) {
			dev->pending_faults++;
			if (f[i].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE) {
				struct iommu_hwpt_page_response r = {
					.cookie = f[i].cookie,
					.code = IOMMUFD_PAGE_RESP_INVALID,
				};

				if (write(dev->fault_fd, &r, sizeof(r)) != sizeof(r))
					BE_LOG(WARNING, "fault queue of %s: cannot answer a page request: %s",
						dev->name, strerror(errno));
			}
		}
	}
}

static uint64_t
be_faults(void *priv, void *dev_priv)
{
	struct be_ctx *ctx = priv;
	struct be_dev *dev = dev_priv;
	uint64_t n;

	pthread_mutex_lock(&ctx->lock);
	be_kmsg_drain(ctx);
	be_faultq_drain(dev);
	n = dev->pending_faults;
	dev->pending_faults = 0;
	pthread_mutex_unlock(&ctx->lock);
	return n;
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
};
