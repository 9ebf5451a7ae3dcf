/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The iommufd bus on the VM tier's real VFIO cdevs: scan, probe, bind to
 * the kernel backend, attach to the bus's default mirroring domain.
 * A driver private to this test (virtio-net ids) binds at probe, so the
 * bus and backend are checked without the virtio PMD.
 *
 *   vm-bus-test allow   EAL -a <NIC> -a <NIC>, hugepages (--in-memory):
 *                       only the NICs are on the bus; memory hotplug is
 *                       mirrored (pinned by the kernel) into 'default';
 *                       remove + re-probe one NIC re-binds it.
 *   vm-bus-test auto    no -a, --no-huge: the bus claims every vfio-pci
 *                       function with a cdev (the edu device too, which
 *                       no driver takes); the NICs are probed and bound.
 *
 * Env (set by the VM tier): IOMMUFD_TEST_DEVICES (two NIC BDFs),
 * VM_EDU_DEVICE. Skips (77) outside the VM tier, fails in its guest when
 * something is missing (vm_cannot_run()).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include <bus_iommufd_driver.h>
#include <rte_dma_domain.h>

#include "th.h"
#include "vm_test_util.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_NET_MODERN 0x1041
#define HOTPLUG_LEN (64u << 20)

static unsigned int nb_probed;

static int
vb_noop(void *arg, uint16_t qid)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(qid);
	return 0;
}

static const struct rte_dma_domain_dev_ops vb_ops = {
	.queue_quiesce = vb_noop,
	.queue_resume = vb_noop,
};

static int
vb_probe(struct rte_iommufd_driver *drv, struct rte_iommufd_device *dev)
{
	RTE_SET_USED(drv);
	nb_probed++;
	return rte_iommufd_device_bind(dev, 0, &vb_ops, dev);
}

static int
vb_remove(struct rte_iommufd_device *dev)
{
	rte_iommufd_device_unbind(dev);
	return dev->binding == NULL ? 0 : -EBUSY;
}

static const struct rte_iommufd_id_match vb_ids[] = {
	{ VIRTIO_VENDOR, VIRTIO_NET_MODERN },
	{ 0, 0 },
};

static struct rte_iommufd_driver vb_drv = {
	.id_table = vb_ids,
	.probe = vb_probe,
	.remove = vb_remove,
};

RTE_PMD_REGISTER_IOMMUFD(vm_bus_test_drv, vb_drv);

/* A NIC is on the bus, probed by our driver, bound to the kernel
 * backend, attached to 'default', and its config space reads back.
 */
static void
check_nic(const char *bdf, struct rte_dma_domain *def)
{
	struct rte_iommufd_device *dev = rte_iommufd_device_find(bdf);
	uint16_t id[2] = { 0, 0 };
	int ret;

	TH_EXPECT(dev != NULL, "%s is on the iommufd bus", bdf);
	if (dev == NULL)
		return;
	TH_EXPECT(dev->type == RTE_IOMMUFD_DEV_KERNEL && dev->dev_fd >= 0 &&
		strncmp(dev->cdev_path, "/dev/vfio/devices/vfio", 22) == 0,
		"%s: kernel device, cdev %s open (fd %d)", bdf, dev->cdev_path, dev->dev_fd);
	TH_EXPECT(dev->driver == &vb_drv, "%s: probed by the test driver", bdf);
	TH_EXPECT(dev->binding != NULL && rte_dma_domain_ctx_backend(
			rte_dma_domain_binding_ctx(dev->binding)) == RTE_DMA_DOMAIN_BACKEND_IOMMUFD,
		"%s: bound to the kernel iommufd backend", bdf);
	TH_EXPECT(dev->binding != NULL && def != NULL &&
		rte_dma_domain_binding_domain(dev->binding) == def,
		"%s: attached to the default domain", bdf);
	ret = rte_iommufd_region_read(dev, RTE_IOMMUFD_REGION_CONFIG, 0, id, sizeof(id));
	TH_EXPECT(ret == 0 && id[0] == VIRTIO_VENDOR && id[1] == VIRTIO_NET_MODERN,
		"%s: config space through the region interface: %04x:%04x (%d)",
		bdf, id[0], id[1], ret);
}

/* DPDK memory the application allocates is mapped in 'default' at its
 * IOVA, to the same VA.
 */
static void
check_mirror(struct rte_dma_domain *def, size_t len, const char *what)
{
	uint64_t before = rte_dma_domain_mapped_bytes(def);
	struct rte_dma_domain_mapping m;
	uint8_t *p = rte_malloc(what, len, 4096);
	rte_iova_t iova;

	TH_EXPECT(p != NULL, "%s: rte_malloc %zu bytes", what, len);
	if (p == NULL)
		return;
	memset(p, 0x5a, len);
	iova = rte_malloc_virt2iova(p);
	TH_EXPECT(rte_dma_domain_covers(def, iova, len, RTE_DMA_DOMAIN_ACCESS_RW, NULL) == 1,
		"%s: default domain covers IOVA 0x%" PRIx64 " +%zu (mapped %" PRIu64 " -> %" PRIu64 " bytes)",
		what, iova, len, before, rte_dma_domain_mapped_bytes(def));
	TH_EXPECT(rte_dma_domain_query(def, iova + len - 1, &m) == 0 &&
		(uint8_t *)m.va + (iova + len - 1 - m.iova) == p + len - 1,
		"%s: last byte translates to its VA", what);
	rte_free(p);
}

/* Unplug one NIC (driver remove, unbind, cdev closed) and probe it again
 * through this bus: bound and attached again.
 */
static void
check_replug(const char *bdf, struct rte_dma_domain *def)
{
	char name[64];
	struct rte_iommufd_device *dev = rte_iommufd_device_find(bdf);
	unsigned int probed = nb_probed;
	int ret;

	if (dev == NULL)
		return;
	ret = rte_dev_remove(&dev->device);
	TH_EXPECT(ret == 0 && rte_iommufd_device_find(bdf) == NULL,
		"%s: removed (%d)", bdf, ret);
	snprintf(name, sizeof(name), RTE_IOMMUFD_BUS_NAME ":%s", bdf);
	ret = rte_dev_probe(name);
	TH_EXPECT(ret == 0 && nb_probed == probed + 1, "%s: probed again (%d)", name, ret);
	check_nic(bdf, def);
}

/* One process per mode (allow: the NICs in an allow list; auto: no list,
 * the bus claims every vfio-pci function with a cdev).
 */
static int
bus_run(const char *mode)
{
	const char *edu = getenv("VM_EDU_DEVICE");
	char list[256], a0[64], a1[64];
	const char *nic[2] = { NULL, NULL };
	const char *eal[16];
	struct rte_dma_domain *def;
	struct rte_iommufd_device *e;
	int n = 0, i, rc;

	rc = vm_guest_nics(list, sizeof(list), nic);
	if (rc != 0)
		return rc;
	eal[n++] = "vm-bus-test";
	eal[n++] = "-l";
	eal[n++] = "0";
	eal[n++] = "--no-telemetry";
	eal[n++] = "--iova-mode=va";
	if (strcmp(mode, "allow") == 0) {
		snprintf(a0, sizeof(a0), "%s", nic[0]);
		snprintf(a1, sizeof(a1), "%s", nic[1]);
		eal[n++] = "--in-memory";
		eal[n++] = "-a";
		eal[n++] = a0;
		eal[n++] = "-a";
		eal[n++] = a1;
	} else {
		eal[n++] = "--no-huge";
		eal[n++] = "-m";
		eal[n++] = "128";
		eal[n++] = "--no-shconf";
	}
	if (rte_eal_init(n, (char **)(uintptr_t)eal) < 0) {
		printf("FAIL: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	TH_EXPECT(nb_probed == 2, "test driver probed %u devices (the two NICs)", nb_probed);
	def = rte_dma_domain_lookup("default");
	TH_EXPECT(def != NULL, "bus created the default domain");
	for (i = 0; i < 2; i++)
		check_nic(nic[i], def);
	if (edu != NULL && edu[0] != '\0') {
		e = rte_iommufd_device_find(edu);
		if (strcmp(mode, "allow") == 0)
			TH_EXPECT(e == NULL, "edu %s not on the bus (not in the allow list)", edu);
		else
			TH_EXPECT(e != NULL && e->driver == NULL && e->binding == NULL,
				"edu %s on the bus (vfio-pci + cdev), no driver, not bound", edu);
	}
	if (def != NULL) {
		check_mirror(def, 1u << 20, "small buffer");
		if (strcmp(mode, "allow") == 0) {
			/* More than EAL reserved at start: new hugepages come
			 * through the memory event callback, pinned by
			 * IOMMU_IOAS_MAP before rte_malloc returns.
			 */
			check_mirror(def, HOTPLUG_LEN, "hotplugged 64 MiB");
			check_replug(nic[1], def);
		}
	}
	rte_eal_cleanup();
	return 0;
}

/* The case's mode is its name. */
static int
case_bus(void)
{
	return bus_run(th_current()->name);
}

static const struct th_case cases[] = {
	{ "allow", "vm", case_bus, NULL, NULL },
	{ "auto", "vm", case_bus, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
