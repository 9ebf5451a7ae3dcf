/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

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
 * vm-matrix-test gate CMD [ARGS...]: the gate in front of each experiment
 * of the matrix (latency, quiesce, hitless): whether this IOMMU can do
 * what the experiment needs, a paging HWPT allocated on an IOAS that
 * holds a mapping (what the kernel backend does for every domain). The
 * steps in order: VFIO_DEVICE_BIND_IOMMUFD, IOMMU_IOAS_ALLOC,
 * IOMMU_IOAS_MAP, IOMMU_HWPT_ALLOC on the first NIC, released after
 * (VM_MATRIX_PROBE=ioas-replace, for the IOAS experiment: an attach to
 * one IOAS with a mapping, then VFIO_DEVICE_ATTACH_IOMMUFD_PT(replace)
 * onto another, the kernel allocating each domain).
 *   - all succeed, nothing expected refused: runs CMD (exec);
 *   - a step refused as VM_MATRIX_EXPECT_REFUSED says ('IOCTL:ERRNO',
 *     e.g. 'IOMMU_HWPT_ALLOC:EADDRINUSE': a known limit of the guest
 *     kernel, tests/vm/meson.build says which and why): prints
 *       vm-matrix not supported: IOCTL refused with ERRNO (errno N) on
 *                IOMMU: VM_MATRIX_WHY
 *     and passes: a measured "not supported", the kernel still refuses;
 *   - a step refused otherwise (another step or errno, or nothing
 *     expected): FAIL, naming the step and errno;
 *   - all succeed although a refusal was expected: the kernel changed.
 *     CMD runs (its measurement lands in the table) and the gate FAILs
 *     afterwards, saying so: the expectation (and the guide's text on
 *     it) is to be dropped or updated.
 *
 * Usage: vm-matrix-test info | gate CMD [ARGS...].
 * Env (VM tier): IOMMUFD_TEST_DEVICES; VM_MATRIX_PROBE,
 * VM_MATRIX_EXPECT_REFUSED and VM_MATRIX_WHY (gate).
 */

#include <libgen.h>
#include <stdbool.h>
#include <sys/wait.h>

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
	 * makes IOMMU_HWPT_ALLOC fail (EADDRINUSE).
	 */
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

/* The IOMMU that translates bdf, by its sysfs name (or "none"). */
static const char *
iommu_name(const char *bdf, char *buf, size_t size)
{
	char link[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu", bdf);
	n = readlink(link, buf, size - 1);
	if (n <= 0)
		return "none";
	buf[n] = '\0';
	return basename(buf);
}

/*
 * The gate's probe on the first NIC: 0 when what the experiment needs
 * works; otherwise -errno, *step naming the ioctl refused. ioas_replace
 * false: a paging HWPT allocated on an IOAS holding a mapping (the HWPT
 * experiments); true: an attach to one IOAS, then a replace onto another
 * (the IOAS experiment: the kernel allocates each domain).
 */
/* Map buf into both IOASes (at 1 GiB and 2 GiB); true on a failure, *rc
 * then holds its negative errno.
 */
static bool
ioas_map_both(int fd, uint32_t ioas1, uint32_t ioas2, void *buf, uint64_t len, int *rc)
{
	*rc = vm_ioas_map_try(fd, ioas1, buf, len, 1ull << 30);
	if (*rc == 0)
		*rc = vm_ioas_map_try(fd, ioas2, buf, len, 2ull << 30);
	return *rc != 0;
}

static int
gate_probe(const char *bdf, bool ioas_replace, const char **step)
{
	const size_t len = 2u << 20;
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b) };
	struct iommu_ioas_alloc a = { .size = sizeof(a) }, a2 = { .size = sizeof(a2) };
	struct iommu_hwpt_alloc h = { .size = sizeof(h) };
	struct vm_vdev v = { .fd = -1 };
	int fd, rc = 0;
	void *buf;

	fd = vm_iommufd_open();
	v.fd = vm_vdev_open(bdf);
	buf = vm_buffer(len);
	b.iommufd = fd;
	if (ioctl(v.fd, VFIO_DEVICE_BIND_IOMMUFD, &b) != 0) {
		*step = "VFIO_DEVICE_BIND_IOMMUFD";
		rc = -errno;
	} else if (ioctl(fd, IOMMU_IOAS_ALLOC, &a) != 0 || ioctl(fd, IOMMU_IOAS_ALLOC, &a2) != 0) {
		*step = "IOMMU_IOAS_ALLOC";
		rc = -errno;
	} else if (ioas_map_both(fd, a.out_ioas_id, a2.out_ioas_id, buf, len, &rc)) {
		*step = "IOMMU_IOAS_MAP";
	} else if (ioas_replace) {
		*step = "VFIO_DEVICE_ATTACH_IOMMUFD_PT";
		rc = vm_attach_try(&v, a.out_ioas_id, NULL);
		if (rc == 0) {
			/* the replace: what the experiment times */
			*step = "VFIO_DEVICE_ATTACH_IOMMUFD_PT(replace)";
			rc = vm_attach_try(&v, a2.out_ioas_id, NULL);
		}
	} else {
		h.dev_id = b.out_devid;
		h.pt_id = a.out_ioas_id;
		*step = "IOMMU_HWPT_ALLOC";
		if (ioctl(fd, IOMMU_HWPT_ALLOC, &h) != 0)
			rc = -errno;
	}
	/* Closing the cdev unbinds, closing the iommufd frees the rest. */
	close(v.fd);
	close(fd);
	munmap(buf, len);
	return rc;
}

static int
matrix_gate(int argc, char **argv)
{
	const char *expect = getenv("VM_MATRIX_EXPECT_REFUSED");
	const char *why = getenv("VM_MATRIX_WHY");
	const char *nic[2] = { NULL, NULL }, *step = "", *ename, *probe;
	char list[256], buf[PATH_MAX], got[128];
	const char *name;
	int rc, status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: %s gate CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = vm_guest_nics(list, sizeof(list), nic);
	if (rc != 0)
		return rc;
	if (expect != NULL && *expect == '\0')
		expect = NULL;
	probe = getenv("VM_MATRIX_PROBE");
	if (probe != NULL && strcmp(probe, "hwpt") != 0 && strcmp(probe, "ioas-replace") != 0) {
		printf("FAIL: VM_MATRIX_PROBE='%s': expected hwpt (default) or ioas-replace\n",
			probe);
		return 1;
	}
	rc = gate_probe(nic[0], probe != NULL && strcmp(probe, "ioas-replace") == 0, &step);
	ename = rc != 0 ? strerrorname_np(-rc) : NULL;
	snprintf(got, sizeof(got), "%s:%s", step, ename != NULL ? ename : "?");
	name = iommu_name(nic[0], buf, sizeof(buf));
	if (rc != 0 && expect != NULL && strcmp(got, expect) == 0) {
		printf("vm-matrix not supported: %s refused with %s (errno %d) on %s: %s\n",
			step, ename, -rc, name, why != NULL ? why : "(VM_MATRIX_WHY not set)");
		printf("PASS: the kernel still refuses as expected (VM_MATRIX_EXPECT_REFUSED=%s); "
			"not run: %s\n", expect, argv[2]);
		return 0;
	}
	if (rc != 0) {
		printf("FAIL: %s on %s (%s): %s refused: %s (errno %d)%s%s\n", nic[0],
			name, argv[2], step, strerror(-rc), -rc,
			expect != NULL ? "; expected refused: " : "; nothing expected refused",
			expect != NULL ? expect : "");
		return 1;
	}
	printf("vm-matrix gate: %s on %s: %s: ok\n", nic[0], name,
		probe != NULL && strcmp(probe, "ioas-replace") == 0 ?
		"a replace from one IOAS onto another" : "a paging HWPT on an IOAS with a mapping");
	fflush(stdout);
	if (expect == NULL) {
		execv(argv[2], argv + 2);
		printf("FAIL: exec %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	/* The kernel accepts what it refused: measure, then say so. */
	pid = fork();
	if (pid == 0) {
		execv(argv[2], argv + 2);
		printf("FAIL: exec %s: %s\n", argv[2], strerror(errno));
		_exit(1);
	}
	status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = 1;
	printf("FAIL: a change to look at: this kernel accepts what VM_MATRIX_EXPECT_REFUSED=%s "
		"said it refuses on %s (%s, exit %d): drop the expectation for this boot in "
		"tests/vm/meson.build and update the guide's reading of the matrix "
		"(doc/guides/performance.rst)\n", expect, name, argv[2],
		WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 1;
}

static const struct th_case cases[] = {
	{ "info", "vm", matrix_info, NULL, NULL },
};

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "gate") == 0)
		return matrix_gate(argc, argv);
	return th_main(argc, argv, cases, TH_DIM(cases), TH_ONE_PER_PROCESS);
}
