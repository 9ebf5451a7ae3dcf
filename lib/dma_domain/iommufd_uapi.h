/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef DMA_DOMAIN_IOMMUFD_UAPI_H
#define DMA_DOMAIN_IOMMUFD_UAPI_H

/*
 * The subset of the Linux iommufd and VFIO cdev user API that the kernel
 * backend and the iommufd bus use, written from the layout documented in
 * Linux v6.12 include/uapi/linux/iommufd.h and include/uapi/linux/vfio.h.
 *
 * Build hosts may carry older kernel headers (Debian 12: linux-libc-dev
 * 6.1 has no iommufd.h and no VFIO cdev ioctls), while the binaries run on
 * a newer kernel. The system headers win where they have a piece: each
 * block below is only defined when the system header lacks it, keyed on
 * a macro that appeared in the same kernel release as the block:
 *   - IOMMU_DESTROY            (6.2): IOAS objects, map/unmap/copy
 *   - IOMMU_GET_HW_INFO        (6.6): HWPT allocation, hardware info
 *   - IOMMU_FAULT_QUEUE_ALLOC  (6.11): fault queues, HWPT fault_id
 *   - VFIO_DEVICE_BIND_IOMMUFD (6.6): VFIO cdev bind/attach/detach
 * Ioctl numbers are spelled as literals so that a partial system header
 * (one without the later command enumerators) still works.
 *
 * IOMMUFD_UAPI_HWPT_HAS_FAULT_ID says whether struct iommu_hwpt_alloc has
 * the fault_id field (a 6.6-6.10 system header does not).
 */

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/vfio.h>

#if defined(__has_include)
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif
#endif

#ifndef IOMMUFD_TYPE
#define IOMMUFD_TYPE (';')
#endif

/* ---- 6.2: objects, IOAS ------------------------------------------------ */
#ifndef IOMMU_DESTROY

struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, 0x80)

struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, 0x81)

/* Flags of IOMMU_IOAS_MAP and IOMMU_IOAS_COPY. */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, 0x83)

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, 0x85)

/* iova/length must cover whole mappings; 0..U64_MAX unmaps everything.
 * length returns the bytes unmapped. */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, 0x86)

#endif /* IOMMU_DESTROY */

/* ---- 6.6: HWPT, hardware info --------------------------------------------- */
#ifndef IOMMU_GET_HW_INFO

enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
};

enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
};

/* The v6.12 layout: fault_id (6.11) took two previously reserved words at
 * the end; older kernels accept the longer struct as long as they are 0. */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;          /* IOAS (or parent HWPT) */
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;      /* enum iommu_hwpt_data_type */
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;       /* valid with IOMMU_HWPT_FAULT_ID_VALID */
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, 0x89)
#define IOMMUFD_UAPI_HWPT_HAS_FAULT_ID 1

enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
};

struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;       /* in: buffer size; out: what the kernel has */
	__aligned_u64 data_uptr;
	__u32 out_data_type;  /* enum iommu_hw_info_type */
	__u32 __reserved;
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, 0x8a)

#endif /* IOMMU_GET_HW_INFO */

/* ---- 6.11: fault queues ----------------------------------------------------- */
#ifndef IOMMU_FAULT_QUEUE_ALLOC

#define IOMMU_HWPT_FAULT_ID_VALID (1 << 2)

struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, 0x8e)

/* One record read from the fault fd. */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

/* One response written to the fault fd. */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};
#define IOMMUFD_PAGE_RESP_SUCCESS 0
#define IOMMUFD_PAGE_RESP_INVALID 1
#define IOMMU_PGFAULT_FLAGS_LAST_PAGE (1 << 1)

#ifndef IOMMUFD_UAPI_HWPT_HAS_FAULT_ID
/* A system iommufd.h from 6.6-6.10: its iommu_hwpt_alloc has no fault_id,
 * so fault queues are compiled out. */
#define IOMMUFD_UAPI_HWPT_HAS_FAULT_ID 0
#endif

#else /* system header has fault queues */
#define IOMMUFD_UAPI_HWPT_HAS_FAULT_ID 1
#endif /* IOMMU_FAULT_QUEUE_ALLOC */

/* ---- 6.6: VFIO device cdev <-> iommufd ------------------------------------- */
#ifndef VFIO_DEVICE_BIND_IOMMUFD

struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

/* Attach, or replace the attached page table when already attached. */
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;          /* in: IOAS or HWPT; out: the HWPT attached */
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)

#endif /* VFIO_DEVICE_BIND_IOMMUFD */

#endif /* DMA_DOMAIN_IOMMUFD_UAPI_H */
