/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */
/*
 * Proves on a DMA-capable device that a replace really moves translation,
 * and that the VM tier's fault counting sees faults: QEMU's 'edu' test
 * device copies between its 4 KiB internal buffer and an IOVA when told to
 * through BAR0 (a DMA completes after a 100 ms virtual-clock tick).
 *
 *  1. attached to HWPT A: edu reads IOVA X (A maps it to buffer a);
 *  2. replace onto HWPT B: edu writes IOVA X -> must land in buffer b;
 *  3. replace onto an empty HWPT, then detach: each edu write to X must
 *     fault (QEMU's VT-d model traces it; the harness counts the events
 *     and requires exactly 2) and change no buffer;
 *  4. the kernel backend's fault source sees them: its /dev/kmsg reader
 *     (lib/dma_domain/iommufd/iommufd_util.c), started before the faults, charges
 *     the guest kernel's DMAR lines to edu within its post-resume style
 *     window (poll until the line, not a sleep), and none to the NICs.
 *
 * Usage: vm-edu-dma replace   (device: VM_EDU_DEVICE=<BDF> bound to vfio-pci)
 */
#include "iommufd_vm_common.h"
#include "iommufd_util.h"

#include <inttypes.h>

#include <linux/pci_regs.h>

/* edu's register file (QEMU docs/specs/edu.rst). */
#define EDU_ID 0x00
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_START 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_BUF 0x40000 /* device-side address of its internal buffer */
/* QEMU 7.2's range check rejects a transfer that ends exactly at the end of
 * the internal buffer (and aborts QEMU): stay below it.
 */
#define EDU_BUF_SIZE 2048
#define MAP_SIZE 4096 /* IOAS mappings are whole pages */

/* edu masks DMA addresses to 28 bits. */
#define IOVA_X 0x100000ull

static uint64_t bar0_off;

static uint64_t
region_offset(struct vm_vdev *v, uint32_t index)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	TH_FATAL_ERRNO(ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
	return ri.offset;
}

static void
bar_write64(struct vm_vdev *v, uint64_t reg, uint64_t val)
{
	if (pwrite(v->fd, &val, sizeof(val), bar0_off + reg) != sizeof(val))
		TH_FATAL("edu %s: BAR0 write at 0x%llx: %s", v->bdf,
			(unsigned long long)reg, strerror(errno));
}

/* edu answers 4-byte accesses below 0x80 and 8-byte ones above. */
static void
bar_read(struct vm_vdev *v, uint64_t reg, void *val, size_t size)
{
	if (pread(v->fd, val, size, bar0_off + reg) != (ssize_t)size)
		TH_FATAL("edu %s: BAR0 read at 0x%llx: %s", v->bdf,
			(unsigned long long)reg, strerror(errno));
}

static uint32_t
bar_read32(struct vm_vdev *v, uint64_t reg)
{
	uint32_t val;

	bar_read(v, reg, &val, sizeof(val));
	return val;
}

static uint64_t
bar_read64(struct vm_vdev *v, uint64_t reg)
{
	uint64_t val;

	bar_read(v, reg, &val, sizeof(val));
	return val;
}

/*
 * One DMA of len bytes between edu's buffer and IOVA_X; waits for completion.
 * QEMU's VT-d model reports one fault per failed access of a DMA (4 bytes
 * each here), so the faulting DMAs below move 4 bytes: one fault each.
 */
static void
edu_dma(struct vm_vdev *v, int to_ram, uint64_t len)
{
	uint64_t t0 = th_now_ns();

	bar_write64(v, EDU_DMA_SRC, to_ram ? EDU_BUF : IOVA_X);
	bar_write64(v, EDU_DMA_DST, to_ram ? IOVA_X : EDU_BUF);
	bar_write64(v, EDU_DMA_COUNT, len);
	bar_write64(v, EDU_DMA_CMD, EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0));
	while (bar_read64(v, EDU_DMA_CMD) & EDU_DMA_START) {
		if (th_now_ns() - t0 > 10000000000ull)
			TH_FATAL("edu %s: DMA did not complete in 10 s", v->bdf);
		usleep(1000);
	}
}

static void
enable_bus_master(struct vm_vdev *v)
{
	uint64_t cfg = region_offset(v, VFIO_PCI_CONFIG_REGION_INDEX);
	uint16_t cmd;

	if (pread(v->fd, &cmd, sizeof(cmd), cfg + PCI_COMMAND) != sizeof(cmd))
		TH_FATAL("edu %s: config read: %s", v->bdf, strerror(errno));
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(v->fd, &cmd, sizeof(cmd), cfg + PCI_COMMAND) != sizeof(cmd))
		TH_FATAL("edu %s: config write: %s", v->bdf, strerror(errno));
}

static int
all_bytes(const uint8_t *p, uint8_t val)
{
	size_t i;

	for (i = 0; i < EDU_BUF_SIZE; i++)
		if (p[i] != val)
			return 0;
	return 1;
}

/* Devices the kernel-log check charges: [0] edu, then the NICs. */
struct kmsg_devs {
	unsigned int n;
	struct iommufd_bdf bdf[3];
	uint64_t faults[3];
	uint64_t want;          /* stop once edu has this many */
};

static void
kmsg_charge(const struct iommufd_kmsg_rec *r, void *arg)
{
	struct kmsg_devs *d = arg;
	unsigned int i;

	for (i = 0; i < d->n; i++)
		if (iommufd_kmsg_charges(r, &d->bdf[i]))
			d->faults[i]++;
}

static bool
kmsg_edu_done(void *arg)
{
	const struct kmsg_devs *d = arg;

	return d->faults[0] >= d->want;
}

/* After the faulting DMAs: the reader sees them on edu, not on the NICs.
 * The guest's VT-d log may drop a fault while one is pending: at least
 * one line. The deadline is a hang guard, the wait ends at the lines.
 */
static void
kmsg_check(struct iommufd_kmsg *k, const char *edu)
{
	struct kmsg_devs d = { .want = 2 };
	char list[256], *save = NULL, *tok;
	const char *nics = getenv("IOMMUFD_TEST_DEVICES");
	uint64_t t0 = th_now_ns();
	unsigned int i;
	int rc;

	if (iommufd_bdf_parse(edu, &d.bdf[d.n++]) != 0)
		TH_FATAL("VM_EDU_DEVICE '%s' is not a PCI address", edu);
	snprintf(list, sizeof(list), "%s", nics != NULL ? nics : "");
	for (tok = strtok_r(list, " ", &save); tok != NULL && d.n < 3;
			tok = strtok_r(NULL, " ", &save))
		if (iommufd_bdf_parse(tok, &d.bdf[d.n]) == 0)
			d.n++;
	rc = iommufd_kmsg_read(k, t0 + 10000000000ull, kmsg_charge, kmsg_edu_done, &d);
	printf("kernel log: %" PRIu64 " records, %" PRIu64 " fault lines, %" PRIu64
		" rate-limit lines; charged to edu %" PRIu64 " after %" PRIu64 " us",
		k->records, k->faults, k->suppressed, d.faults[0],
		(th_now_ns() - t0) / 1000);
	for (i = 1; i < d.n; i++)
		printf(", NIC %u: %" PRIu64, i, d.faults[i]);
	printf("\n");
	if (rc != 0)
		TH_FATAL("reading /dev/kmsg: %s", strerror(-rc));
	if (d.faults[0] == 0)
		TH_FATAL("the kernel backend's fault reader saw no DMAR line for %s after 2 faulting DMAs",
			edu);
	for (i = 1; i < d.n; i++)
		if (d.faults[i] != 0 && k->suppressed == 0)
			TH_FATAL("edu's faults were charged to NIC %u (%" PRIu64 ")", i,
				d.faults[i]);
	iommufd_kmsg_close(k);
}

static int
test_replace(void)
{
	const char *bdf = getenv("VM_EDU_DEVICE");
	struct iommufd_kmsg k;
	struct vm_vdev v;
	uint32_t ioas[3], hwpt[3];
	uint8_t *a, *b;
	uint32_t id;
	int fd, i;

	if (bdf == NULL || *bdf == '\0')
		return vm_cannot_run("VM_EDU_DEVICE not set: needs QEMU's edu device on vfio-pci");
	fd = vm_iommufd_open();
	vm_vdev_bind(fd, bdf, &v);
	bar0_off = region_offset(&v, VFIO_PCI_BAR0_REGION_INDEX);
	id = bar_read32(&v, EDU_ID);
	if ((id & 0xffff00ffu) != 0x010000edu)
		TH_FATAL("%s is not an edu device (id register 0x%x)", bdf, id);
	enable_bus_master(&v);

	a = vm_buffer(MAP_SIZE);
	b = vm_buffer(MAP_SIZE);
	memset(a, 0xaa, EDU_BUF_SIZE);
	memset(b, 0xbb, EDU_BUF_SIZE);
	for (i = 0; i < 3; i++)
		ioas[i] = vm_ioas_alloc(fd);
	vm_ioas_map(fd, ioas[0], a, MAP_SIZE, IOVA_X);
	vm_ioas_map(fd, ioas[1], b, MAP_SIZE, IOVA_X);
	vm_attach(&v, ioas[0]);
	for (i = 0; i < 3; i++)
		hwpt[i] = vm_hwpt_alloc(fd, v.dev_id, ioas[i]);

	vm_attach(&v, hwpt[0]);
	edu_dma(&v, 0, EDU_BUF_SIZE);   /* edu <- a */
	vm_attach(&v, hwpt[1]);
	edu_dma(&v, 1, EDU_BUF_SIZE);   /* edu -> X, now b */
	if (!all_bytes(b, 0xaa) || !all_bytes(a, 0xaa))
		TH_FATAL("after replace A->B the DMA write did not land in B's buffer (b[0]=0x%x a[0]=0x%x)",
			b[0], a[0]);
	printf("DMA follows replace: read through HWPT A, write through HWPT B ok\n");

	memset(a, 0x11, EDU_BUF_SIZE);
	memset(b, 0x22, EDU_BUF_SIZE);
	if (iommufd_kmsg_open(&k, "/dev/kmsg") != 0)
		TH_FATAL("/dev/kmsg not readable in the guest (%s): the kernel backend's fault source is missing",
			strerror(k.open_err));
	vm_attach(&v, hwpt[2]);         /* empty domain: must fault */
	edu_dma(&v, 1, 4);
	vm_detach(&v);                  /* blocked: must fault */
	edu_dma(&v, 1, 4);
	if (!all_bytes(a, 0x11) || !all_bytes(b, 0x22))
		TH_FATAL("a DMA through an empty domain or after detach changed memory");
	printf("2 DMA writes issued through an empty HWPT and after detach: no memory changed (faults expected)\n");
	kmsg_check(&k, bdf);
	return 0;
}

static const struct th_case cases[] = {
	{ "replace", "vm", test_replace, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
