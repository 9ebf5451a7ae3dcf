/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */
/*
 * iommufd object helpers for the VM tier's own in-guest tests (real devices
 * and the kernel's mock domains share them). Each helper fails the test with
 * the call and errno named; the *_try variants return -errno instead.
 */
#ifndef IOMMUFD_VM_COMMON_H
#define IOMMUFD_VM_COMMON_H

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "vm_test_util.h"

static inline int
vm_iommufd_open(void)
{
	int fd = open("/dev/iommu", O_RDWR);

	if (fd < 0)
		exit(vm_cannot_run("/dev/iommu: %s (needs a kernel with IOMMUFD)",
			strerror(errno)));
	return fd;
}

static inline uint32_t
vm_ioas_alloc(int fd)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	TH_FATAL_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, &a));
	return a.out_ioas_id;
}

static inline int
vm_ioas_map_try(int fd, uint32_t ioas, void *va, uint64_t len, uint64_t iova)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &m) == 0 ? 0 : -errno;
}

static inline void
vm_ioas_map(int fd, uint32_t ioas, void *va, uint64_t len, uint64_t iova)
{
	int rc = vm_ioas_map_try(fd, ioas, va, len, iova);

	if (rc != 0)
		TH_FATAL("IOMMU_IOAS_MAP ioas %u iova 0x%llx len 0x%llx: %s", ioas,
			(unsigned long long)iova, (unsigned long long)len,
			strerror(-rc));
}

static inline void
vm_ioas_unmap(int fd, uint32_t ioas, uint64_t len, uint64_t iova)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = len,
	};

	TH_FATAL_ERRNO(ioctl(fd, IOMMU_IOAS_UNMAP, &u));
	if (u.length != len)
		TH_FATAL("IOMMU_IOAS_UNMAP unmapped 0x%llx bytes, expected 0x%llx",
			(unsigned long long)u.length, (unsigned long long)len);
}

/* A paging HWPT for device dev_id on top of pt_id (an IOAS). */
/* Times n unmaps + maps of the same memory at iova (the alternative to a
 * replace: rewrite the domain in place) and prints them as what.
 */
static inline void
vm_time_remap(int fd, uint32_t ioas, void *va, uint64_t len, uint64_t iova,
		uint64_t *ns, unsigned int n, const char *what)
{
	unsigned int i;
	uint64_t t0;

	for (i = 0; i < n; i++) {
		t0 = th_now_ns();
		vm_ioas_unmap(fd, ioas, len, iova);
		vm_ioas_map(fd, ioas, va, len, iova);
		ns[i] = th_now_ns() - t0;
	}
	vm_print_latency(what, ns, n);
}

static inline uint32_t
vm_hwpt_alloc(int fd, uint32_t dev_id, uint32_t ioas)
{
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h), .dev_id = dev_id, .pt_id = ioas,
	};

	TH_FATAL_ERRNO(ioctl(fd, IOMMU_HWPT_ALLOC, &h));
	return h.out_hwpt_id;
}

static inline int
vm_destroy_try(int fd, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d) == 0 ? 0 : -errno;
}

/* Anonymous memory, touched so that pinning does not also fault it in. */
static inline void *
vm_buffer(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		TH_FATAL("mmap %zu bytes: %s", len, strerror(errno));
	memset(p, 0x5a, len);
	return p;
}

/* A VFIO device cdev bound to an iommufd. */
struct vm_vdev {
	char bdf[32];
	int fd;
	uint32_t dev_id;
};

/* The cdev of a vfio-pci bound function: /sys/.../<bdf>/vfio-dev/vfioN. */
static inline int
vm_vdev_open(const char *bdf)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int fd = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(path);
	if (d == NULL)
		TH_FATAL("device %s: %s: %s (not bound to vfio-pci, or no VFIO_DEVICE_CDEV)",
			bdf, path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "vfio", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
		fd = open(path, O_RDWR);
		if (fd < 0)
			TH_FATAL("device %s: open %s: %s", bdf, path, strerror(errno));
		break;
	}
	closedir(d);
	if (fd < 0)
		TH_FATAL("device %s: no vfioN entry under vfio-dev", bdf);
	return fd;
}

static inline void
vm_vdev_bind(int iommufd, const char *bdf, struct vm_vdev *v)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b), .iommufd = iommufd,
	};

	snprintf(v->bdf, sizeof(v->bdf), "%s", bdf);
	v->fd = vm_vdev_open(bdf);
	if (ioctl(v->fd, VFIO_DEVICE_BIND_IOMMUFD, &b) != 0)
		TH_FATAL("device %s: VFIO_DEVICE_BIND_IOMMUFD: %s", bdf, strerror(errno));
	v->dev_id = b.out_devid;
}

/* Attach or replace; returns the HWPT now attached (the kernel's answer). */
static inline int
vm_attach_try(struct vm_vdev *v, uint32_t pt_id, uint32_t *out)
{
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a), .pt_id = pt_id,
	};

	if (ioctl(v->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) != 0)
		return -errno;
	if (out != NULL)
		*out = a.pt_id;
	return 0;
}

static inline uint32_t
vm_attach(struct vm_vdev *v, uint32_t pt_id)
{
	uint32_t out = 0;
	int rc = vm_attach_try(v, pt_id, &out);

	if (rc != 0)
		TH_FATAL("device %s: attach/replace to pt %u: %s", v->bdf, pt_id,
			strerror(-rc));
	return out;
}

static inline void
vm_detach(struct vm_vdev *v)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	TH_FATAL_ERRNO(ioctl(v->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
}

#endif /* IOMMUFD_VM_COMMON_H */
