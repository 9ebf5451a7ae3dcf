/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */
/*
 * Second reference point for replace: the kernel's own iommufd self-test
 * mock device and mock domains (CONFIG_IOMMUFD_TEST), driven through
 * IOMMU_TEST_CMD on /dev/iommu. No hardware IOMMU driver is involved, so
 * this is the cost of iommufd's replace path alone. The kernel only allows
 * mock domains when no real IOMMU driver owns the bus: the VM tier boots a
 * second time with intel_iommu=off for it.
 *
 * Usage: vm-iommufd-mock replace
 * Built against the guest kernel's headers (iommufd_test.h is kernel
 * internal test ABI, installed next to the uapi headers by vm-kernel.sh).
 */
#include "iommufd_vm_common.h"
#include "iommufd_test.h"

/* Mock IOVAs must be inside the mock aperture (starts at 16 MiB). */
#define IOVA_A ((uint64_t)MOCK_APERTURE_START)
#define IOVA_B ((uint64_t)MOCK_APERTURE_START + (64ull << 20))

static int
mock_domain_try(int fd, uint32_t ioas, uint32_t *stdev, uint32_t *hwpt,
		uint32_t *idev)
{
	struct iommu_test_cmd c = {
		.size = sizeof(c), .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = ioas,
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &c) != 0)
		return -errno;
	*stdev = c.mock_domain.out_stdev_id;
	*hwpt = c.mock_domain.out_hwpt_id;
	*idev = c.mock_domain.out_idev_id;
	return 0;
}

static uint32_t
mock_replace(int fd, uint32_t stdev, uint32_t pt_id)
{
	struct iommu_test_cmd c = {
		.size = sizeof(c), .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev, .mock_domain_replace = { .pt_id = pt_id },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &c) != 0)
		TH_FATAL("MOCK_DOMAIN_REPLACE stdev %u -> pt %u: %s", stdev, pt_id,
			strerror(errno));
	return c.mock_domain_replace.pt_id;
}

/* The mock domain of hwpt maps iova..+len to buf's pages. */
static int
mock_check_map_try(int fd, uint32_t hwpt, uint64_t iova, void *buf, size_t len)
{
	struct iommu_test_cmd c = {
		.size = sizeof(c), .op = IOMMU_TEST_OP_MD_CHECK_MAP, .id = hwpt,
		.check_map = { .iova = iova, .length = len, .uptr = (uintptr_t)buf },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &c) == 0 ? 0 : -errno;
}

static int
test_replace(void)
{
	const size_t len = 1u << 20;
	const unsigned int iters = 500;
	uint32_t ioas[2], hwpt[2], got;
	uint32_t stdev = 0, auto_hwpt = 0, idev = 0;
	uint64_t ns[500], t0;
	unsigned int i;
	int fd, rc;
	void *buf;

	fd = vm_iommufd_open();
	buf = vm_buffer(len);
	ioas[0] = vm_ioas_alloc(fd);
	ioas[1] = vm_ioas_alloc(fd);
	vm_ioas_map(fd, ioas[0], buf, len, IOVA_A);
	vm_ioas_map(fd, ioas[1], buf, len, IOVA_B);
	rc = mock_domain_try(fd, ioas[0], &stdev, &auto_hwpt, &idev);
	if (rc == -EINVAL || rc == -ENOTTY || rc == -EOPNOTSUPP)
		return vm_cannot_run("IOMMU_TEST_OP_MOCK_DOMAIN: %s (needs CONFIG_IOMMUFD_TEST and a boot with intel_iommu=off)",
			strerror(-rc));
	if (rc != 0)
		TH_FATAL("IOMMU_TEST_OP_MOCK_DOMAIN on IOAS %u: %s", ioas[0], strerror(-rc));
	if (mock_check_map_try(fd, auto_hwpt, IOVA_A, buf, len) != 0)
		TH_FATAL("mock HWPT %u does not map IOAS %u's memory: %s", auto_hwpt,
			ioas[0], strerror(errno));
	hwpt[0] = vm_hwpt_alloc(fd, idev, ioas[0]);
	hwpt[1] = vm_hwpt_alloc(fd, idev, ioas[1]);
	/* Each pre-allocated domain holds its own IOAS's mapping, not the other's. */
	if (mock_check_map_try(fd, hwpt[1], IOVA_B, buf, len) != 0)
		TH_FATAL("mock HWPT %u lacks IOAS %u's mapping", hwpt[1], ioas[1]);
	if (mock_check_map_try(fd, hwpt[1], IOVA_A, buf, len) == 0)
		TH_FATAL("mock HWPT %u maps IOAS %u's IOVA 0x%llx too", hwpt[1], ioas[0],
			(unsigned long long)IOVA_A);

	for (i = 0; i < iters; i++) {
		t0 = th_now_ns();
		got = mock_replace(fd, stdev, hwpt[(i + 1) & 1]);
		ns[i] = th_now_ns() - t0;
		if (got != hwpt[(i + 1) & 1])
			TH_FATAL("mock replace onto HWPT %u returned pt %u", hwpt[(i + 1) & 1],
				got);
	}
	vm_print_latency("mock replace HWPT<->HWPT", ns, iters);

	for (i = 0; i < iters / 5; i++) {
		t0 = th_now_ns();
		mock_replace(fd, stdev, ioas[i & 1]);
		ns[i] = th_now_ns() - t0;
	}
	vm_print_latency("mock replace IOAS<->IOAS", ns, iters / 5);

	mock_replace(fd, stdev, hwpt[0]);
	vm_time_remap(fd, ioas[0], buf, len, IOVA_A, ns, iters / 5,
		"mock unmap+map same memory");
	if (mock_check_map_try(fd, hwpt[0], IOVA_A, buf, len) != 0)
		TH_FATAL("mock HWPT %u lost its mapping after unmap+map", hwpt[0]);
	printf("mock domain replace ok\n");
	return 0;
}

static const struct th_case cases[] = {
	{ "replace", "vm", test_replace, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
