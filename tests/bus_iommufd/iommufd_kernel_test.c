/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * VM-tier test of the kernel (iommufd) backend, through the public
 * rte_dma_domain API, on real VFIO cdevs. Exercises every ioctl path:
 * IOMMU_IOAS_ALLOC/MAP/UNMAP/COPY, IOMMU_HWPT_ALLOC (at first attach and
 * first replace of a device to a domain), IOMMU_GET_HW_INFO (bind),
 * IOMMU_DESTROY, VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_ATTACH_IOMMUFD_PT
 * (attach and replace), VFIO_DEVICE_DETACH_IOMMUFD_PT, with their error
 * paths, and compares the library's errnos with the kernel's
 * (iommufd_errno_table.c).
 *
 * Pinning: IOMMU_IOAS_MAP pins nothing while the IOAS has no HWPT (no
 * iommu_domain to fill), so an unbacked VA is accepted then; it is pinned,
 * and refused with EFAULT, when a HWPT exists or is allocated later.
 *
 * Usage: iommufd_kernel_test kernel [CDEV[=NAME] ...]
 *   CDEVs default to env IOMMUFD_TEST_CDEVS (comma separated), else the
 *   cdevs of the PCI functions in env IOMMUFD_TEST_DEVICES (BDFs, space or
 *   comma separated: the VM tier's NICs), else every /dev/vfio/devices/vfio*.
 *   NAME (a BDF) names the device in log lines.
 *   With env IOMMUFD_TEST_IOAS_ONLY set and no cdev, only the IOAS paths
 *   run (hosts with /dev/iommu but no device to spare).
 * Without /dev/iommu or a cdev: exits 77 with a reason on a host, fails in
 * the VM tier's guest (VM_GUEST set: the guest provides both).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include <rte_dma_domain.h>
#include <rte_dma_domain_driver.h>

#include "iommufd_kernel_check.h"

#define MAX_DEVS 4
#define BUF_LEN (4u << 20)
#define IOVA_A 0x10000000ull
#define IOVA_B 0x20000000ull
#define IOVA_BAD 0x30000000ull

struct kdev {
	char path[256];
	char name[RTE_DMA_DOMAIN_NAMESIZE];
	int fd;
};

/* "0000:00:03.0 0000:00:04.0" -> "/dev/vfio/devices/vfioN=0000:00:03.0,..."
 * through /sys/bus/pci/devices/<BDF>/vfio-dev/; a BDF without a cdev is
 * reported and left out.
 */
static void
bdfs_to_cdevs(const char *bdfs, char *list, size_t size)
{
	char copy[512], dir[320];
	char *tok, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", bdfs);
	for (tok = strtok_r(copy, ", ", &save); tok != NULL;
			tok = strtok_r(NULL, ", ", &save)) {
		struct dirent *e;
		DIR *d;
		bool found = false;

		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", tok);
		d = opendir(dir);
		while (d != NULL && (e = readdir(d)) != NULL) {
			if (strncmp(e->d_name, "vfio", 4) != 0)
				continue;
			snprintf(list + strlen(list), size - strlen(list),
				"%s/dev/vfio/devices/%s=%s", list[0] ? "," : "",
				e->d_name, tok);
			found = true;
			break;
		}
		if (d != NULL)
			closedir(d);
		if (!found)
			printf("note: %s has no VFIO cdev (%s): not used\n", tok, dir);
	}
}

/* The cdevs: the test's arguments (after the case name), else
 * IOMMUFD_TEST_CDEVS, else IOMMUFD_TEST_DEVICES's, else every one.
 */
static unsigned int
cdevs_collect(struct kdev *devs)
{
	const char *env = getenv("IOMMUFD_TEST_CDEVS");
	const char *bdfs = getenv("IOMMUFD_TEST_DEVICES");
	unsigned int n = 0;
	char list[1024] = "";
	char *tok, *save = NULL;
	unsigned int i;

	if (th_arg(0, NULL) != NULL) {
		for (i = 0; th_arg(i, NULL) != NULL; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				"%s%s", i > 0 ? "," : "", th_arg(i, NULL));
	} else if (env != NULL) {
		snprintf(list, sizeof(list), "%s", env);
	} else if (bdfs != NULL) {
		bdfs_to_cdevs(bdfs, list, sizeof(list));
	} else {
		DIR *d = opendir("/dev/vfio/devices");
		struct dirent *e;

		while (d != NULL && (e = readdir(d)) != NULL)
			if (strncmp(e->d_name, "vfio", 4) == 0)
				snprintf(list + strlen(list), sizeof(list) - strlen(list),
					"%s/dev/vfio/devices/%s", list[0] ? "," : "", e->d_name);
		if (d != NULL)
			closedir(d);
	}
	for (tok = strtok_r(list, ",", &save); tok != NULL && n < MAX_DEVS;
			tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq != NULL)
			*eq = '\0';
		snprintf(devs[n].path, sizeof(devs[n].path), "%s", tok);
		snprintf(devs[n].name, sizeof(devs[n].name), "%s",
			eq != NULL ? eq + 1 : strrchr(tok, '/') ? strrchr(tok, '/') + 1 : tok);
		devs[n].fd = -1;
		n++;
	}
	return n;
}

static int
t_noop(void *arg, uint16_t qid)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(qid);
	return 0;
}

static const struct rte_dma_domain_dev_ops ops = {
	.queue_quiesce = t_noop,
	.queue_resume = t_noop,
};

/* IOMMU_IOAS_MAP/COPY/UNMAP through the library on HWPT-less IOASes. */
static void
ioas_part(struct rte_dma_domain *da, struct rte_dma_domain *db,
		struct rte_dma_domain *dbad, uint8_t *buf, uint8_t *hole)
{
	uint64_t unmapped = 0;
	int ret;

	ret = rte_dma_domain_map(da, IOVA_A, buf, BUF_LEN, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == 0, "IOAS map 4 MiB at fixed IOVA (%d)", ret);
	ret = rte_dma_domain_map(da, IOVA_A, buf, 4096, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == -EEXIST, "overlapping map refused with -EEXIST (%d)", ret);
	ret = rte_dma_domain_map(da, IOVA_A + BUF_LEN + 1, buf, 4096, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == -EINVAL, "unaligned map refused with -EINVAL (%d)", ret);
	/* No HWPT on the IOAS yet: the kernel records the range and pins
	 * nothing, so even a PROT_NONE VA is accepted. It fails when a
	 * page table is built for that IOAS (device part).
	 */
	ret = rte_dma_domain_map(dbad, IOVA_BAD, hole, 4096, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == 0, "map of a PROT_NONE VA into a HWPT-less IOAS accepted: nothing pinned yet (%d)",
		ret);

	/* IOMMU_IOAS_COPY: same memory into the second domain, no re-pin. */
	ret = rte_dma_domain_copy(db, IOVA_A, da, IOVA_A, BUF_LEN, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == 0, "IOAS copy a -> b (%d)", ret);
	ret = rte_dma_domain_copy(db, IOVA_B, da, IOVA_B, 4096, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == -ENOENT, "copy of an unmapped source refused with -ENOENT (%d)", ret);
	TH_EXPECT(rte_dma_domain_covers(db, IOVA_A, BUF_LEN, RTE_DMA_DOMAIN_ACCESS_RW, NULL) == 1,
		"copy covers the range");

	/* IOMMU_IOAS_UNMAP and its errors (the kernel's: see the table). */
	ret = rte_dma_domain_map(db, IOVA_B, buf, 65536, RTE_DMA_DOMAIN_ACCESS_READ);
	TH_EXPECT(ret == 0, "read-only map (%d)", ret);
	ret = rte_dma_domain_unmap(db, IOVA_B, 4096, NULL);
	TH_EXPECT(ret == -ENOENT, "unmap splitting a mapping refused with -ENOENT (%d)", ret);
	ret = rte_dma_domain_unmap(db, IOVA_B + (1ull << 30), 4096, NULL);
	TH_EXPECT(ret == -ENOENT, "unmap of nothing refused with -ENOENT (%d)", ret);
	ret = rte_dma_domain_unmap(db, IOVA_B, 65536, &unmapped);
	TH_EXPECT(ret == 0 && unmapped == 65536, "IOAS unmap (%d, %" PRIu64 " bytes)", ret,
		unmapped);
}

/* One device through attach, pinning, replace (kept HWPTs), a replace the
 * kernel refuses, destroy refusal, detach.
 */
static void
dev_part(struct kdev *dev, struct rte_dma_domain_binding *b,
		struct rte_dma_domain *da, struct rte_dma_domain *db,
		struct rte_dma_domain *dbad, uint8_t *hole)
{
	struct rte_dma_domain_replace_opts opts = { 0 };
	struct rte_dma_domain_swap_record rec;
	int ret;

	/* HWPT alloc on a, then VFIO attach. */
	ret = rte_dma_domain_attach(b, da);
	TH_EXPECT(ret == 0, "%s: HWPT alloc + attach to a (%d)", dev->name, ret);
	ret = rte_dma_domain_attach(b, db);
	TH_EXPECT(ret == -EBUSY, "%s: second attach refused with -EBUSY (%d)", dev->name, ret);
	/* a now has a HWPT: a map is pinned at once, and an unbacked VA
	 * is refused.
	 */
	ret = rte_dma_domain_map(da, IOVA_BAD, hole, 4096, RTE_DMA_DOMAIN_ACCESS_RW);
	TH_EXPECT(ret == -EFAULT, "%s: map of a PROT_NONE VA into an IOAS with a HWPT refused with -EFAULT (%d)",
		dev->name, ret);
	TH_EXPECT(rte_dma_domain_covers(da, IOVA_BAD, 4096, RTE_DMA_DOMAIN_ACCESS_READ, NULL) == 0,
		"%s: the refused map left nothing behind", dev->name);

	/* HWPT alloc on b, then replace; then back to a (kept HWPT). */
	ret = rte_dma_domain_replace(b, db, &opts);
	TH_EXPECT(ret == 0, "%s: replace a -> b (%d)", dev->name, ret);
	if (rte_dma_domain_last_swap(b, &rec) == 0)
		printf("info %s: switch %" PRIu64 " ns incl. HWPT alloc, faults %" PRIu64 " %s\n",
			dev->name, rec.switch_ns, rec.faults, rec.reason);
	ret = rte_dma_domain_replace(b, da, &opts);
	TH_EXPECT(ret == 0, "%s: replace b -> a with the kept HWPT (%d)", dev->name, ret);
	if (rte_dma_domain_last_swap(b, &rec) == 0)
		printf("info %s: switch %" PRIu64 " ns (pre-allocated HWPT)\n",
			dev->name, rec.switch_ns);
	TH_EXPECT(rte_dma_domain_binding_domain(b) == da, "%s: on a", dev->name);

	/* A replace the kernel refuses: the HWPT of dbad cannot be built
	 * (its PROT_NONE range cannot be pinned). Nothing changes.
	 */
	ret = rte_dma_domain_replace(b, dbad, &opts);
	TH_EXPECT(ret == -EFAULT, "%s: replace onto an IOAS with an unpinnable range refused with -EFAULT (%d)",
		dev->name, ret);
	TH_EXPECT(rte_dma_domain_binding_domain(b) == da, "%s: still on a after the refusal",
		dev->name);
	if (rte_dma_domain_last_swap(b, &rec) == 0)
		TH_EXPECT(rec.result == ret && rec.reason[0] != '\0',
			"%s: swap record says so (result %d: %s)", dev->name, rec.result,
			rec.reason);
	ret = rte_dma_domain_replace(b, db, &opts);
	TH_EXPECT(ret == 0, "%s: replace a -> b after the refusal (%d)", dev->name, ret);
	ret = rte_dma_domain_replace(b, da, &opts);
	TH_EXPECT(ret == 0, "%s: and back to a (%d)", dev->name, ret);

	ret = rte_dma_domain_destroy(da);
	TH_EXPECT(ret == -EBUSY, "%s: destroying the attached domain refused (%d)", dev->name, ret);
	ret = rte_dma_domain_detach(b);
	TH_EXPECT(ret == 0, "%s: detach (%d)", dev->name, ret);
	ret = rte_dma_domain_detach(b);
	TH_EXPECT(ret != 0, "%s: second detach refused (%d)", dev->name, ret);
}

/* Skip on a host; in the VM tier's guest (VM_GUEST), which provides
 * /dev/iommu and the NICs on vfio-pci, a missing one is a FAIL.
 */
static int
cannot_run(const char *why)
{
	bool guest = getenv("VM_GUEST") != NULL;

	printf("%s: %s%s\n", guest ? "FAIL" : "SKIP", why,
		guest ? " (in the VM tier's guest)" : "");
	return guest ? 1 : TH_SKIP;
}

static int
case_kernel(void)
{
	static const char *const eal_args[] = {
		"iommufd_kernel_test", "-l", "0", "--no-huge", "-m", "128",
		"--no-shconf", "--no-pci", "--no-telemetry",
		"--file-prefix=iommufd_kernel_test",
	};
	/* writable: the EAL reorders its argv */
	char *eal_argv[RTE_DIM(eal_args)];
	struct kdev devs[MAX_DEVS];
	struct rte_dma_domain_binding *b[MAX_DEVS] = { NULL };
	struct rte_dma_domain *da, *db, *dc, *dbad;
	struct rte_dma_domain_ctx *ctx;
	unsigned int nb, i;
	uint8_t *buf, *hole;

	if (access("/dev/iommu", F_OK) != 0)
		return cannot_run("no /dev/iommu (kernel without CONFIG_IOMMUFD, or iommufd not loaded): run inside the VM tier");
	nb = cdevs_collect(devs);
	if (nb == 0 && getenv("IOMMUFD_TEST_IOAS_ONLY") != NULL)
		printf("note: no VFIO cdev: IOAS paths only (IOMMUFD_TEST_IOAS_ONLY)\n");
	else if (nb == 0)
		return cannot_run("no VFIO cdev (bind a device to vfio-pci on a kernel with CONFIG_VFIO_DEVICE_CDEV)");
	for (i = 0; i < nb; i++)
		printf("device %s (%s)\n", devs[i].name, devs[i].path);
	memcpy(eal_argv, eal_args, sizeof(eal_args));
	if (rte_eal_init(RTE_DIM(eal_argv), eal_argv) < 0) {
		printf("FAIL: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}

	ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_IOMMUFD);
	TH_EXPECT(ctx != NULL, "context on /dev/iommu");
	if (ctx == NULL)
		goto out;
	TH_EXPECT(rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_IOMMUFD) == ctx,
		"one context per process");

	kt_errno_table(ctx, nb > 0 ? devs[0].path : NULL);

	/* IOMMU_IOAS_ALLOC; the backend offers paging domains only. */
	da = rte_dma_domain_create(ctx, "kt_a", RTE_DMA_DOMAIN_PAGING, 0);
	db = rte_dma_domain_create(ctx, "kt_b", RTE_DMA_DOMAIN_PAGING, 0);
	dbad = rte_dma_domain_create(ctx, "kt_bad", RTE_DMA_DOMAIN_PAGING, 0);
	TH_EXPECT(da != NULL && db != NULL && dbad != NULL, "IOAS alloc: three domains");
	dc = rte_dma_domain_create(ctx, "kt_c", RTE_DMA_DOMAIN_IDENTITY, 0);
	TH_EXPECT(dc == NULL && rte_errno == ENOTSUP, "identity domain refused (ENOTSUP)");
	if (da == NULL || db == NULL || dbad == NULL)
		goto out;

	buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	/* Stays mapped PROT_NONE: a VA no later mmap can reuse, that no
	 * pin can ever succeed on.
	 */
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TH_EXPECT(buf != MAP_FAILED && hole != MAP_FAILED, "buffers");
	if (buf == MAP_FAILED || hole == MAP_FAILED)
		goto out;

	ioas_part(da, db, dbad, buf, hole);

	/* VFIO_DEVICE_BIND_IOMMUFD (+ IOMMU_GET_HW_INFO) and its errors. */
	{
		struct rte_dma_domain_binding_params p = {
			.name = "not_a_cdev", .dev_fd = open("/dev/null", O_RDWR),
			.ops = &ops,
		};
		struct rte_dma_domain_binding *bad = rte_dma_domain_bind(ctx, &p);

		TH_EXPECT(bad == NULL, "bind of a non-VFIO fd refused (rte_errno %d)", rte_errno);
		if (p.dev_fd >= 0)
			close(p.dev_fd);
	}
	for (i = 0; i < nb; i++) {
		struct rte_dma_domain_binding_params p = {
			.name = devs[i].name, .nb_queues = 0, .ops = &ops,
		};

		devs[i].fd = open(devs[i].path, O_RDWR | O_CLOEXEC);
		TH_EXPECT(devs[i].fd >= 0, "open %s (%s)", devs[i].path,
			devs[i].fd < 0 ? strerror(errno) : "ok");
		if (devs[i].fd < 0)
			continue;
		p.dev_fd = devs[i].fd;
		b[i] = rte_dma_domain_bind(ctx, &p);
		TH_EXPECT(b[i] != NULL, "bind %s (dev_id + hw info)", devs[i].name);
	}
	printf("info IOMMU replace is %s (IOMMU_GET_HW_INFO)\n",
		rte_dma_domain_ctx_atomic_replace(ctx) ? "atomic" : "not atomic");

	for (i = 0; i < nb; i++)
		if (b[i] != NULL)
			dev_part(&devs[i], b[i], da, db, dbad, hole);

	/* A second bind on a bound cdev fd is refused by VFIO. */
	if (nb > 0 && b[0] != NULL) {
		struct rte_dma_domain_binding_params p = {
			.name = "rebind", .dev_fd = devs[0].fd, .ops = &ops,
		};

		TH_EXPECT(rte_dma_domain_bind(ctx, &p) == NULL,
			"second VFIO_DEVICE_BIND_IOMMUFD on one fd refused");
	}
	for (i = 0; i < nb; i++) {
		if (b[i] != NULL)
			TH_EXPECT(rte_dma_domain_unbind(b[i]) == 0, "%s: unbind", devs[i].name);
		if (devs[i].fd >= 0)
			close(devs[i].fd);
	}
	/* IOMMU_DESTROY of the HWPTs and IOASes. */
	TH_EXPECT(rte_dma_domain_destroy(dbad) == 0, "destroy bad");
	TH_EXPECT(rte_dma_domain_destroy(db) == 0, "destroy b");
	TH_EXPECT(rte_dma_domain_destroy(da) == 0, "destroy a");
	munmap(buf, BUF_LEN);
	munmap(hole, 4096);
out:
	rte_eal_cleanup();
	return 0;
}

static const struct th_case cases[] = {
	{ "kernel", "vm", case_kernel, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
