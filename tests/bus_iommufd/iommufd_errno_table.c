/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The kernel is the reference for the errno of every map/unmap/copy corner
 * case: each case runs as raw IOMMU_IOAS_* ioctls on a private /dev/iommu
 * fd, then through rte_dma_domain_map/unmap/copy on an iommufd domain and
 * on a soft domain, from the same starting state:
 *
 *   domain 0: M1 [T, T+64K) RW, M2 [T+64K, T+128K) RW  (two mappings)
 *   domain 1: S1 [T, T+64K) read-only                  (copy source)
 *
 * The kernel runs twice: on IOASes without a HWPT, and on IOASes that
 * have one (a device bound to the private fd, IOMMU_HWPT_ALLOC, no
 * attach): a HWPT adds its domain to the IOAS, and from then on the IOAS
 * needs the domain's page alignment and pins at map. Devices always see
 * the second kind, so that is the reference the library (and so the
 * soft backend) must follow.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>

#include "iommufd_kernel_check.h"
#include <linux/iommufd.h>
#include <linux/vfio.h>

#define T 0x40000000ull
#define SZ_4K 0x1000ull
#define SZ_64K 0x10000ull
#define BUF_LEN (1u << 20)
#define RW RTE_DMA_DOMAIN_ACCESS_RW
#define RD RTE_DMA_DOMAIN_ACCESS_READ

enum kt_op { OP_MAP, OP_UNMAP, OP_COPY };

/* One engine: raw kernel ioctls (fd >= 0) or a library domain pair. */
struct eng {
	const char *name;
	int fd;
	uint32_t ioas[2];
	struct rte_dma_domain *dom[2];
};

struct kcase {
	const char *what;
	enum kt_op op;
	uint64_t iova;     /* map/unmap: in domain 0; copy: destination */
	int64_t va_off;    /* map: offset in the buffer; -1: the PROT_NONE page */
	uint64_t len;
	uint32_t access;
	uint64_t src_iova; /* copy: in domain 1 */
	int expect;        /* Linux 6.12 source, IOAS with a HWPT */
	int expect_nohwpt; /* the same, IOAS without any HWPT */
	/* Why the library answers otherwise, on purpose or until fixed:
	 * reported, not failed. NULL: it must match the kernel.
	 */
	const char *known_diff;
};

#define NO_ALIGN "without a HWPT the IOAS has no alignment (iova_alignment 1) and the kernel accepts it; the library always requires 4 KiB, which any HWPT on VT-d/SMMU needs (HWPT alloc on such an IOAS fails: EADDRINUSE)"

static const struct kcase cases[] = {
	{ "map overlapping a mapping", OP_MAP, T, 0, SZ_4K, RW, 0, -EEXIST, -EEXIST, NULL },
	{ "map, IOVA not 4K aligned", OP_MAP, T + 4 * SZ_64K + 1, 0, SZ_4K, RW, 0,
		-EINVAL, 0, NULL },
	{ "map, VA not page aligned", OP_MAP, T + 4 * SZ_64K, 1, SZ_4K, RW, 0, -EINVAL, 0, NULL },
	{ "map, length not 4K aligned", OP_MAP, T + 4 * SZ_64K, 0, SZ_4K + 1, RW, 0,
		-EINVAL, 0, NULL },
	{ "map, zero length", OP_MAP, T + 4 * SZ_64K, 0, 0, RW, 0, -EINVAL, -EINVAL, NULL },
	{ "map, no access bit", OP_MAP, T + 4 * SZ_64K, 0, SZ_4K, 0, 0, -EINVAL, -EINVAL, NULL },
	{ "map, IOVA + length wraps", OP_MAP, UINT64_MAX - SZ_4K + 1, 0, 2 * SZ_4K, RW, 0,
		-EOVERFLOW, -EOVERFLOW, NULL },
	{ "map, PROT_NONE VA (cannot be pinned)", OP_MAP, T + 4 * SZ_64K, -1, SZ_4K, RW, 0,
		-EFAULT, 0,
		"the library's domains here have no HWPT (the kernel pins nothing: 0) and the"
		" soft backend never pins; with a device attached the iommufd backend returns"
		" the kernel's EFAULT (device part of this test)" },
	{ "unmap of nothing", OP_UNMAP, T + (1ull << 30), 0, SZ_4K, 0, 0, -ENOENT, -ENOENT, NULL },
	{ "unmap splitting a mapping", OP_UNMAP, T, 0, SZ_4K, 0, 0, -ENOENT, -ENOENT, NULL },
	{ "unmap M1 whole + head of M2", OP_UNMAP, T, 0, SZ_64K + SZ_4K, 0, 0,
		-ENOENT, -ENOENT, NULL },
	{ "unmap spanning two whole mappings", OP_UNMAP, T, 0, 2 * SZ_64K, 0, 0, 0, 0, NULL },
	{ "unmap, zero length", OP_UNMAP, T, 0, 0, 0, 0, -EINVAL, -EINVAL, NULL },
	{ "copy, source partly mapped", OP_COPY, T + 4 * SZ_64K, 0, 2 * SZ_64K, RD, T,
		-ENOENT, -ENOENT, NULL },
	{ "copy, source not mapped", OP_COPY, T + 4 * SZ_64K, 0, SZ_4K, RD, T + (1ull << 30),
		-ENOENT, -ENOENT, NULL },
	{ "copy, sub-range of a source mapping", OP_COPY, T + 4 * SZ_64K, 0, SZ_4K, RD, T + SZ_4K,
		0, 0, NULL },
	{ "copy, write from a read-only source", OP_COPY, T + 4 * SZ_64K, 0, SZ_4K, RW, T,
		-EPERM, -EPERM, NULL },
	{ "copy, destination overlaps", OP_COPY, T, 0, SZ_4K, RD, T, -EEXIST, -EEXIST, NULL },
	{ "copy, RW from read-only source onto overlap", OP_COPY, T, 0, SZ_4K, RW, T,
		-EEXIST, -EEXIST,
		"the kernel checks the destination (EEXIST) before the source's access (EPERM,"
		" at area insert); dma_domain_map.c checks the source first" },
};

const char *
kt_errno_name(int rc)
{
	switch (-rc) {
	case 0: return "0";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EOVERFLOW: return "EOVERFLOW";
	case EPERM: return "EPERM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENOSPC: return "ENOSPC";
	case ENOTSUP: return "ENOTSUP";
	case ENOMEM: return "ENOMEM";
	default: return strerror(-rc);
	}
}

static uint32_t
k_flags(uint32_t access)
{
	uint32_t f = IOMMU_IOAS_MAP_FIXED_IOVA;

	if (access & RTE_DMA_DOMAIN_ACCESS_READ)
		f |= IOMMU_IOAS_MAP_READABLE;
	if (access & RTE_DMA_DOMAIN_ACCESS_WRITE)
		f |= IOMMU_IOAS_MAP_WRITEABLE;
	return f;
}

static int
eng_map(struct eng *e, int d, uint64_t iova, void *va, uint64_t len, uint32_t access)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m), .flags = k_flags(access),
		.ioas_id = e->ioas[d], .user_va = (uintptr_t)va,
		.length = len, .iova = iova,
	};

	if (e->fd < 0)
		return rte_dma_domain_map(e->dom[d], iova, va, len, access);
	return ioctl(e->fd, IOMMU_IOAS_MAP, &m) == 0 ? 0 : -errno;
}

static int
eng_unmap(struct eng *e, int d, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = e->ioas[d], .iova = iova, .length = len,
	};

	*unmapped = 0;
	if (e->fd < 0)
		return rte_dma_domain_unmap(e->dom[d], iova, len, unmapped);
	if (ioctl(e->fd, IOMMU_IOAS_UNMAP, &u) != 0)
		return -errno;
	*unmapped = u.length;
	return 0;
}

static int
eng_copy(struct eng *e, uint64_t dst_iova, uint64_t src_iova, uint64_t len,
		uint32_t access)
{
	struct iommu_ioas_copy c = {
		.size = sizeof(c), .flags = k_flags(access),
		.dst_ioas_id = e->ioas[0], .src_ioas_id = e->ioas[1],
		.length = len, .dst_iova = dst_iova, .src_iova = src_iova,
	};

	if (e->fd < 0)
		return rte_dma_domain_copy(e->dom[0], dst_iova, e->dom[1], src_iova,
			len, access);
	return ioctl(e->fd, IOMMU_IOAS_COPY, &c) == 0 ? 0 : -errno;
}

/* Empty both domains, then lay out M1, M2 and S1. */
static int
eng_fixture(struct eng *e, uint8_t *buf)
{
	uint64_t n;
	int d;

	for (d = 0; d < 2; d++)
		if (eng_unmap(e, d, 0, UINT64_MAX, &n) != 0)
			return -1;
	if (eng_map(e, 0, T, buf, SZ_64K, RW) != 0 ||
			eng_map(e, 0, T + SZ_64K, buf + SZ_64K, SZ_64K, RW) != 0 ||
			eng_map(e, 1, T, buf + 2 * SZ_64K, SZ_64K, RD) != 0)
		return -1;
	return 0;
}

/* rc of the case; *after: 1 if M1 is still mapped afterwards, 0 if not;
 * *unmapped: bytes an unmap reported.
 */
static int
eng_run(struct eng *e, const struct kcase *c, uint8_t *buf, uint8_t *hole,
		int *after, uint64_t *unmapped)
{
	int rc;

	*unmapped = 0;
	if (eng_fixture(e, buf) != 0) {
		printf("FAIL: %s: cannot lay out the fixture\n", e->name);
		return INT32_MIN;
	}
	switch (c->op) {
	case OP_MAP:
		rc = eng_map(e, 0, c->iova, c->va_off < 0 ? hole :
			buf + 4 * SZ_64K + c->va_off, c->len, c->access);
		break;
	case OP_UNMAP:
		rc = eng_unmap(e, 0, c->iova, c->len, unmapped);
		break;
	default:
		rc = eng_copy(e, c->iova, c->src_iova, c->len, c->access);
		break;
	}
	/* Is M1 still there? A map onto it answers EEXIST if so. */
	{
		int probe = eng_map(e, 0, T, buf, SZ_4K, RW);

		*after = probe == -EEXIST;
		if (probe == 0) {
			uint64_t n;

			eng_unmap(e, 0, T, SZ_4K, &n);
		}
	}
	return rc;
}

static int
k_ioas_alloc(int fd, uint32_t *id)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &a) != 0)
		return -errno;
	*id = a.out_ioas_id;
	return 0;
}

/* A raw engine: its own /dev/iommu fd and two IOASes; with cdev, the
 * device is bound to that fd and a HWPT is allocated on each IOAS (no
 * attach needed: the HWPT's domain is added to the IOAS, which from then
 * on pins at map and requires its page alignment). Returns the cdev fd
 * to close at the end (or -1).
 */
static int
k_engine(struct eng *e, const char *cdev)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b) };
	int dfd, d;

	e->fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (e->fd < 0 || k_ioas_alloc(e->fd, &e->ioas[0]) != 0 ||
			k_ioas_alloc(e->fd, &e->ioas[1]) != 0) {
		printf("FAIL: %s: /dev/iommu or IOAS alloc: %s\n", e->name, strerror(errno));
		return -2;
	}
	if (cdev == NULL)
		return -1;
	dfd = open(cdev, O_RDWR | O_CLOEXEC);
	b.iommufd = e->fd;
	if (dfd < 0 || ioctl(dfd, VFIO_DEVICE_BIND_IOMMUFD, &b) != 0) {
		printf("FAIL: %s: bind %s: %s\n", e->name, cdev, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -2;
	}
	for (d = 0; d < 2; d++) {
		struct iommu_hwpt_alloc h = {
			.size = sizeof(h), .dev_id = b.out_devid,
			.pt_id = e->ioas[d], .data_type = IOMMU_HWPT_DATA_NONE,
		};

		if (ioctl(e->fd, IOMMU_HWPT_ALLOC, &h) != 0) {
			printf("FAIL: %s: HWPT alloc on ioas %u: %s\n", e->name,
				e->ioas[d], strerror(errno));
			close(dfd);
			return -2;
		}
	}
	return dfd;
}

void
kt_errno_table(struct rte_dma_domain_ctx *kctx, const char *cdev)
{
	struct eng kn = { .name = "kernel (no HWPT)", .fd = -1 };
	struct eng kh = { .name = "kernel (HWPT)", .fd = -1 };
	struct eng lk = { .name = "lib/iommufd", .fd = -1 };
	struct eng ls = { .name = "lib/soft", .fd = -1 };
	struct rte_dma_domain_ctx *sctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	uint8_t *buf, *hole;
	int dfd = -1, d;
	unsigned int i;

	buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	hole = mmap(NULL, SZ_4K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TH_EXPECT(buf != MAP_FAILED && hole != MAP_FAILED && sctx != NULL,
		"errno table: buffers, soft context");
	if (buf == MAP_FAILED || hole == MAP_FAILED || sctx == NULL)
		goto out;
	TH_EXPECT(k_engine(&kn, NULL) == -1, "errno table: raw IOASes without HWPT");
	if (cdev != NULL) {
		dfd = k_engine(&kh, cdev);
		TH_EXPECT(dfd >= 0, "errno table: raw IOASes with a HWPT each (device %s)", cdev);
		if (dfd < 0)
			goto out;
	} else {
		printf("note: errno table: no device, so no HWPT column\n");
	}
	lk.dom[0] = rte_dma_domain_create(kctx, "kt_errno_k0", RTE_DMA_DOMAIN_PAGING, 0);
	lk.dom[1] = rte_dma_domain_create(kctx, "kt_errno_k1", RTE_DMA_DOMAIN_PAGING, 0);
	ls.dom[0] = rte_dma_domain_create(sctx, "kt_errno_s0", RTE_DMA_DOMAIN_PAGING, 0);
	ls.dom[1] = rte_dma_domain_create(sctx, "kt_errno_s1", RTE_DMA_DOMAIN_PAGING, 0);
	TH_EXPECT(lk.dom[0] && lk.dom[1] && ls.dom[0] && ls.dom[1],
		"errno table: iommufd and soft library domains");
	if (!(lk.dom[0] && lk.dom[1] && ls.dom[0] && ls.dom[1]))
		goto out;

	printf("errno table: domain 0 = M1 [T,+64K) RW, M2 [T+64K,+64K) RW; domain 1 = S1 [T,+64K) RO;\n"
		"  'M1 kept' = M1 still mapped after the call (kernel no-HWPT/HWPT, lib iommufd/soft)\n");
	printf("  %-44s %-10s %-10s %-11s %-10s %s\n", "case", "k no-HWPT", "k HWPT",
		"lib/iommufd", "lib/soft", "M1 kept");
	for (i = 0; i < RTE_DIM(cases); i++) {
		const struct kcase *c = &cases[i];
		int kept_n, kept_h = -1, kept_lk, kept_ls, rh = INT32_MIN, ref;
		uint64_t un, uh = 0, ulk, uls;
		int rn = eng_run(&kn, c, buf, hole, &kept_n, &un);
		int rlk = eng_run(&lk, c, buf, hole, &kept_lk, &ulk);
		int rls = eng_run(&ls, c, buf, hole, &kept_ls, &uls);

		if (dfd >= 0)
			rh = eng_run(&kh, c, buf, hole, &kept_h, &uh);
		printf("  %-44s %-10s %-10s %-11s %-10s %d/%d/%d/%d\n", c->what,
			kt_errno_name(rn), dfd >= 0 ? kt_errno_name(rh) : "-",
			kt_errno_name(rlk), kt_errno_name(rls), kept_n, kept_h, kept_lk, kept_ls);
		TH_EXPECT(rn == c->expect_nohwpt, "kernel, no HWPT: %s = %s (Linux 6.12 source: %s)",
			c->what, kt_errno_name(rn), kt_errno_name(c->expect_nohwpt));
		if (dfd >= 0)
			TH_EXPECT(rh == c->expect, "kernel, HWPT: %s = %s (Linux 6.12 source: %s)",
				c->what, kt_errno_name(rh), kt_errno_name(c->expect));
		/* The library follows the kernel as it behaves for devices:
		 * an IOAS with a HWPT.
		 */
		ref = dfd >= 0 ? rh : c->expect;
		if (c->known_diff != NULL && (rlk != ref || rls != ref)) {
			printf("KNOWN-DIFF %s: kernel %s, lib/iommufd %s, lib/soft %s: %s\n",
				c->what, kt_errno_name(ref), kt_errno_name(rlk),
				kt_errno_name(rls), c->known_diff);
		} else {
			TH_EXPECT(rlk == ref, "lib/iommufd matches the kernel: %s (%s)",
				c->what, kt_errno_name(rlk));
			TH_EXPECT(rls == ref, "lib/soft matches the kernel: %s (%s)",
				c->what, kt_errno_name(rls));
		}
		if (dfd >= 0 && rn != rh)
			printf("info %s: kernel %s without a HWPT, %s with one%s%s\n",
				c->what, kt_errno_name(rn), kt_errno_name(rh),
				c->op == OP_MAP && rn == 0 && rh == -EINVAL ? ": " : "",
				c->op == OP_MAP && rn == 0 && rh == -EINVAL ? NO_ALIGN : "");
		if (c->op == OP_UNMAP && ref == 0)
			TH_EXPECT(un == c->len && ulk == c->len && uls == c->len &&
				(dfd < 0 || uh == c->len),
				"%s: unmapped bytes kernel %" PRIu64 "/%" PRIu64
				", lib %" PRIu64 "/%" PRIu64,
				c->what, un, uh, ulk, uls);
		/* The library promises that a refused call changes nothing;
		 * the kernel's unmap does not (it unmaps what it met before
		 * the mapping it would cut): reported, not asserted.
		 */
		if (ref != 0 && rlk != 0 && rls != 0) {
			TH_EXPECT(kept_lk == 1 && kept_ls == 1,
				"library state unchanged by the refused call: %s", c->what);
			if (kept_n == 0 || kept_h == 0)
				printf("info kernel: '%s' failed with %s but had removed M1\n",
					c->what, kt_errno_name(ref));
		}
	}
out:
	for (d = 0; d < 2; d++) {
		if (lk.dom[d] != NULL)
			rte_dma_domain_destroy(lk.dom[d]);
		if (ls.dom[d] != NULL)
			rte_dma_domain_destroy(ls.dom[d]);
	}
	/* Closing the cdev unbinds the device; closing the iommufd
	 * destroys its HWPTs and IOASes.
	 */
	if (dfd >= 0)
		close(dfd);
	if (kh.fd >= 0)
		close(kh.fd);
	if (kn.fd >= 0)
		close(kn.fd);
	if (buf != MAP_FAILED)
		munmap(buf, BUF_LEN);
	if (hole != MAP_FAILED)
		munmap(hole, SZ_4K);
}
