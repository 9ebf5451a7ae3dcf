/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The atomicity matrix's identity line for one boot (issue 15): which
 * IOMMU driver translates the first NIC, what IOMMU_GET_HW_INFO reports
 * for it, and the strategy the kernel backend defaults to for that type
 * (iommufd_hw_replace_atomic(): hitless only for a type measured atomic).
 * scripts/vm-matrix-table.py reads the line:
 *
 *   vm-matrix iommu=<sysfs iommu name> hw_info=<type>|unsupported:<errno>
 *            default=hitless|quiesce
 *
 * A step the IOMMU cannot do (bind, HW_INFO) is printed as
 * 'unsupported:<why>' and fails the test: every boot of the matrix is
 * meant to carry IOMMUFD.
 *
 * Usage: vm-matrix-test info. Env (VM tier): IOMMUFD_TEST_DEVICES.
 */

#include <libgen.h>
#include <stdbool.h>

#include "iommufd_util.h"
#include "iommufd_vm_common.h"

static int
matrix_info(void)
{
	char list[256], link[PATH_MAX], target[PATH_MAX] = "none";
	const char *nic[2] = { NULL, NULL };
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b) };
	struct iommu_hw_info h = { .size = sizeof(h) };
	ssize_t n;
	int rc, fd, vfd;

	rc = vm_guest_nics(list, sizeof(list), nic);
	if (rc != 0)
		return rc;
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu", nic[0]);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0)
		target[n] = '\0';
	/* What the IOMMU reserves for this device: an IOAS mapping there
	 * makes IOMMU_HWPT_ALLOC fail (EADDRINUSE). */
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group/reserved_regions",
		nic[0]);
	{
		FILE *f = fopen(link, "r");
		char line[128];

		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			printf("vm-matrix reserved region: %s", line);
		if (f != NULL)
			fclose(f);
	}
	fd = vm_iommufd_open();
	vfd = vm_vdev_open(nic[0]);
	b.iommufd = fd;
	if (ioctl(vfd, VFIO_DEVICE_BIND_IOMMUFD, &b) != 0) {
		printf("vm-matrix iommu=%s hw_info=unsupported:bind:%s default=quiesce\n",
			n > 0 ? basename(target) : "none", strerror(errno));
		printf("FAIL: %s: VFIO_DEVICE_BIND_IOMMUFD: %s\n", nic[0], strerror(errno));
		return 1;
	}
	h.dev_id = b.out_devid;
	if (ioctl(fd, IOMMU_GET_HW_INFO, &h) != 0) {
		printf("vm-matrix iommu=%s hw_info=unsupported:%s default=quiesce\n",
			n > 0 ? basename(target) : "none", strerror(errno));
		printf("FAIL: %s: IOMMU_GET_HW_INFO: %s\n", nic[0], strerror(errno));
		return 1;
	}
	printf("vm-matrix iommu=%s hw_info=%u default=%s\n",
		n > 0 ? basename(target) : "none", h.out_data_type,
		iommufd_hw_replace_atomic(h.out_data_type) ? "hitless" : "quiesce");
	close(vfd);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct vm_case cases[] = {
		{ "info", matrix_info },
		{ NULL, NULL },
	};

	return vm_case_main(argc, argv, cases, "info");
}
