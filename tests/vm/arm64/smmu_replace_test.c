/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */
/*
 * The atomicity matrix's SMMUv3 row (issue 15): the /init of the aarch64
 * guest that scripts/vm-arm64.sh boots (QEMU 'virt', iommu=smmuv3, TCG).
 * Cross-built static with aarch64-linux-gnu-gcc, no DPDK: the DPDK parts of
 * the project stay x86-only, so this program is its own minimal poll-mode
 * driver for the virtio-net device behind the SMMU.
 *
 * It binds the device to vfio-pci, opens its VFIO cdev, binds it to an
 * iommufd and drives the device's transmit queue itself (virtio 1.0 split
 * ring, ACCESS_PLATFORM: every ring and buffer access is translated by the
 * SMMU): a thread keeps the queue full of frames and reposts each one the
 * device completes, so the device DMAs continuously. Meanwhile the main
 * thread runs the cases, each framed by "@@TEST <name> begin" and
 * "@@TEST <name> end rc=N" so that the host counts QEMU's fault trace
 * events (the ground truth) per case:
 *
 *   smmuv3-matrix-info      IOMMU_GET_HW_INFO and the library's default
 *                           strategy for that type (iommufd_hw_replace_atomic())
 *   smmuv3-pmd-hitless      N forced replaces HWPT A <-> HWPT B (two paging
 *                           HWPTs on one IOAS) under live DMA
 *   smmuv3-pmd-quiesce      N replaces, each with the queue stopped (device
 *                           reset: the virtio way to have no DMA in flight),
 *                           replaced, restarted
 *   smmuv3-iommufd-latency  replace latency HWPT <-> HWPT, device idle
 *   smmuv3-ioas-latency     replace latency IOAS <-> IOAS (two IOASes
 *                           mapping the same memory), device idle
 *
 * What the framework sees of a fault: the kernel's SMMUv3 event lines read
 * by the library's own reader (lib/dma_domain/iommufd/iommufd_util.c,
 * iommufd_kmsg_*: "framework_faults"); what the device sees: virtio
 * DEVICE_NEEDS_RESET or a stalled queue ("device_errors", each followed by a
 * reset and a restart of the queue).
 *
 * An ioctl the kernel refuses is printed as "not supported: <ioctl>: <errno
 * text> (errno N)" and ends the case with rc=3 (a measured row, not a skip).
 *
 * Kernel command line: smmu_replaces=N (default 1000), smmu_lat=N (200),
 * smmu_inject_noquiesce=1 (the quiesce case leaves the queue running: the
 * broken variant its verdict must FAIL on, to check that verdict).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "iommufd_util.h"
#include "iommufd_vm_common.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_NET_MODERN 0x1041

/* virtio 1.0 PCI transport */
#define VPCI_CAP_COMMON 1
#define VPCI_CAP_NOTIFY 2
#define VSTAT_ACK 1u
#define VSTAT_DRIVER 2u
#define VSTAT_DRIVER_OK 4u
#define VSTAT_FEATURES_OK 8u
#define VSTAT_NEEDS_RESET 0x40u
#define VSTAT_FAILED 0x80u
#define VF_VERSION_1 (1u << 0)        /* feature bit 32, in word 1 */
#define VF_ACCESS_PLATFORM (1u << 1)  /* feature bit 33, in word 1 */
#define VNO_VECTOR 0xffff

/* common configuration offsets */
#define CC_DFSEL 0x00
#define CC_DF 0x04
#define CC_GFSEL 0x08
#define CC_GF 0x0c
#define CC_MSIX 0x10
#define CC_STATUS 0x14
#define CC_QSEL 0x16
#define CC_QSIZE 0x18
#define CC_QMSIX 0x1a
#define CC_QENABLE 0x1c
#define CC_QNOTIFY_OFF 0x1e
#define CC_QDESC 0x20
#define CC_QDRIVER 0x28
#define CC_QDEVICE 0x30

#define TXQ 1             /* virtio-net: queue 0 receives, 1 transmits */
#define QSZ 64
#define FRAME 72          /* virtio_net_hdr_v1 (12) + a 60-byte frame */
#define MEM_LEN (64u << 10)
#define OFF_DESC 0x0
#define OFF_AVAIL 0x1000
#define OFF_USED 0x2000
#define OFF_BUF 0x4000
#define IOVA_BASE (1ull << 32) /* above the SW MSI window (0x8000000) */
#define STALL_NS (2000ull * 1000 * 1000)

struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vavail { uint16_t flags, idx, ring[QSZ]; };
struct vused_elem { uint32_t id, len; };
struct vused { uint16_t flags, idx; struct vused_elem ring[QSZ]; };

/*
 * The device and its queue. The DMA thread owns the ring indexes; the
 * main thread only sets the request flags and reads the counters
 * (relaxed atomics: statistics, and handshakes through state).
 */
struct vnet {
	int vfd;
	volatile uint8_t *bar;          /* the BAR of the common/notify caps */
	uint32_t common, notify, notify_mult;
	volatile uint16_t *notify_addr; /* the transmit queue's doorbell */
	uint8_t *mem;                   /* rings + buffers, IOVA_BASE in both IOASes */
	struct vdesc *desc;
	struct vavail *avail;
	struct vused *used;
	uint16_t avail_idx, last_used;
	/* main -> DMA thread */
	int stop, pause;
	/* DMA thread -> main */
	int paused;
	uint64_t completions, device_errors, stalls, restarts;
	char last_error[160];
};

static inline void mb_full(void) { __asm__ volatile("dmb sy" ::: "memory"); }

static uint8_t rd8(struct vnet *v, uint32_t off) { return v->bar[v->common + off]; }
static uint16_t rd16(struct vnet *v, uint32_t off)
{ return *(volatile uint16_t *)(v->bar + v->common + off); }
static uint32_t rd32(struct vnet *v, uint32_t off)
{ return *(volatile uint32_t *)(v->bar + v->common + off); }
static void wr8(struct vnet *v, uint32_t off, uint8_t x)
{ mb_full(); v->bar[v->common + off] = x; mb_full(); }
static void wr16(struct vnet *v, uint32_t off, uint16_t x)
{ mb_full(); *(volatile uint16_t *)(v->bar + v->common + off) = x; mb_full(); }
static void wr32(struct vnet *v, uint32_t off, uint32_t x)
{ mb_full(); *(volatile uint32_t *)(v->bar + v->common + off) = x; mb_full(); }
static void wr64(struct vnet *v, uint32_t off, uint64_t x)
{ wr32(v, off, (uint32_t)x); wr32(v, off + 4, (uint32_t)(x >> 32)); }

/* ---- guest setup: file systems, the device on vfio-pci ------------------ */

static void
write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		TH_FATAL("write '%s' to %s: %s", s, path, strerror(errno));
	close(fd);
}

static unsigned long
read_hex(const char *path)
{
	char b[32] = "";
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		if (read(fd, b, sizeof(b) - 1) < 0)
			b[0] = '\0';
		close(fd);
	}
	return strtoul(b, NULL, 16);
}

static unsigned long
cmdline_ul(const char *key, unsigned long def)
{
	char b[1024] = "", *p;
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return def;
	b[n] = '\0';
	for (p = strstr(b, key); p != NULL; p = strstr(p + 1, key))
		if ((p == b || p[-1] == ' ') && p[strlen(key)] == '=')
			return strtoul(p + strlen(key) + 1, NULL, 0);
	return def;
}

/* The first modern virtio-net function, bound to vfio-pci (the guest
 * kernel has no virtio driver: nothing else claims it).
 */
static void
find_and_bind(char *bdf, size_t sz)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir("/sys/bus/pci/devices");

	bdf[0] = '\0';
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", de->d_name);
		if (read_hex(path) != VIRTIO_VENDOR)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", de->d_name);
		if (read_hex(path) == VIRTIO_NET_MODERN) {
			snprintf(bdf, sz, "%.31s", de->d_name);
			break;
		}
	}
	if (d != NULL)
		closedir(d);
	if (bdf[0] == '\0')
		TH_FATAL("no virtio-net (1af4:1041) PCI function in the guest: QEMU line of scripts/vm-arm64.sh");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	write_file(path, "vfio-pci");
	write_file("/sys/bus/pci/drivers_probe", bdf);
}

/* ---- virtio over VFIO ----------------------------------------------------- */

static void
cfg_read(struct vnet *v, uint64_t cfg_off, uint32_t off, void *p, size_t n)
{
	if (pread(v->vfd, p, n, (off_t)(cfg_off + off)) != (ssize_t)n)
		TH_FATAL("VFIO config space read at 0x%x: %s", off, strerror(errno));
}

/* Maps the BAR of the common and notify capabilities; enables the memory
 * decoder and bus mastering.
 */
static void
vnet_map(struct vnet *v)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint64_t cfg_off;
	uint16_t cmd;
	uint8_t pos, cap[20];
	int bar = -1, nbar = -1;

	TH_FATAL_ERRNO(ioctl(v->vfd, VFIO_DEVICE_GET_REGION_INFO, &ri));
	cfg_off = ri.offset;
	cfg_read(v, cfg_off, 0x34, &pos, 1);
	for (; pos != 0; pos = cap[1]) {
		cfg_read(v, cfg_off, pos, cap, sizeof(cap));
		if (cap[0] != 0x09) /* vendor-specific: a virtio capability */
			continue;
		if (cap[3] == VPCI_CAP_COMMON) {
			bar = cap[4];
			memcpy(&v->common, cap + 8, 4);
		} else if (cap[3] == VPCI_CAP_NOTIFY) {
			nbar = cap[4];
			memcpy(&v->notify, cap + 8, 4);
			memcpy(&v->notify_mult, cap + 16, 4);
		}
	}
	if (bar < 0 || nbar != bar)
		TH_FATAL("virtio-net: common configuration in BAR %d, notifications in BAR %d: "
			"expected both in one BAR (QEMU's modern virtio-pci layout)", bar, nbar);
	ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = (uint32_t)bar };
	TH_FATAL_ERRNO(ioctl(v->vfd, VFIO_DEVICE_GET_REGION_INFO, &ri));
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		TH_FATAL("virtio-net BAR %d cannot be mmapped through VFIO (flags 0x%x)",
			bar, ri.flags);
	v->bar = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vfd, (off_t)ri.offset);
	if (v->bar == MAP_FAILED)
		TH_FATAL("mmap virtio-net BAR %d: %s", bar, strerror(errno));
	cfg_read(v, cfg_off, 4, &cmd, 2);
	cmd |= 0x6; /* memory space, bus master */
	if (pwrite(v->vfd, &cmd, 2, (off_t)(cfg_off + 4)) != 2)
		TH_FATAL("VFIO config space write (PCI command): %s", strerror(errno));
}

/* Device reset: returns when the device reads back 0 (no DMA after). */
static void
vnet_reset(struct vnet *v)
{
	uint64_t t0 = th_now_ns();

	wr8(v, CC_STATUS, 0);
	while (rd8(v, CC_STATUS) != 0)
		if (th_now_ns() - t0 > 5000000000ull)
			TH_FATAL("virtio-net did not complete its reset within 5 s");
}

/* Reset, feature negotiation, the transmit queue filled and kicked. */
static void
vnet_start(struct vnet *v)
{
	uint64_t iova = IOVA_BASE;
	uint32_t f1;
	uint16_t i;

	vnet_reset(v);
	wr8(v, CC_STATUS, VSTAT_ACK);
	wr8(v, CC_STATUS, VSTAT_ACK | VSTAT_DRIVER);
	wr32(v, CC_DFSEL, 1);
	f1 = rd32(v, CC_DF);
	if ((f1 & (VF_VERSION_1 | VF_ACCESS_PLATFORM)) != (VF_VERSION_1 | VF_ACCESS_PLATFORM))
		TH_FATAL("virtio-net offers features[63:32]=0x%x: needs VERSION_1 and ACCESS_PLATFORM "
			"(iommu_platform=on, disable-legacy=on in scripts/vm-arm64.sh)", f1);
	wr32(v, CC_GFSEL, 0);
	wr32(v, CC_GF, 0);
	wr32(v, CC_GFSEL, 1);
	wr32(v, CC_GF, VF_VERSION_1 | VF_ACCESS_PLATFORM);
	wr8(v, CC_STATUS, VSTAT_ACK | VSTAT_DRIVER | VSTAT_FEATURES_OK);
	if (!(rd8(v, CC_STATUS) & VSTAT_FEATURES_OK))
		TH_FATAL("virtio-net refused features VERSION_1|ACCESS_PLATFORM");
	wr16(v, CC_MSIX, VNO_VECTOR);

	memset(v->mem, 0, OFF_BUF);
	for (i = 0; i < QSZ; i++) {
		v->desc[i].addr = iova + OFF_BUF + (uint64_t)i * 128;
		v->desc[i].len = FRAME;
		v->desc[i].flags = 0;
		v->desc[i].next = 0;
		v->avail->ring[i] = i;
	}
	v->avail->flags = 1; /* VRING_AVAIL_F_NO_INTERRUPT: polled */
	v->avail_idx = QSZ;
	v->last_used = 0;
	__atomic_store_n(&v->avail->idx, v->avail_idx, __ATOMIC_RELEASE);

	wr16(v, CC_QSEL, TXQ);
	wr16(v, CC_QSIZE, QSZ);
	wr16(v, CC_QMSIX, VNO_VECTOR);
	wr64(v, CC_QDESC, iova + OFF_DESC);
	wr64(v, CC_QDRIVER, iova + OFF_AVAIL);
	wr64(v, CC_QDEVICE, iova + OFF_USED);
	v->notify_addr = (volatile uint16_t *)(v->bar + v->notify +
		(uint32_t)rd16(v, CC_QNOTIFY_OFF) * v->notify_mult);
	wr16(v, CC_QENABLE, 1);
	wr8(v, CC_STATUS, VSTAT_ACK | VSTAT_DRIVER | VSTAT_FEATURES_OK | VSTAT_DRIVER_OK);
	v->restarts++;
}

static void
vnet_kick(struct vnet *v)
{
	mb_full();
	*v->notify_addr = TXQ;
}

/* Reposts what the device completed; kicks when it did. */
static unsigned int
vnet_poll(struct vnet *v)
{
	uint16_t used = __atomic_load_n(&v->used->idx, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	while (v->last_used != used) {
		uint32_t id = v->used->ring[v->last_used % QSZ].id;

		if (id >= QSZ) { /* the device wrote garbage: its own error */
			snprintf(v->last_error, sizeof(v->last_error),
				"used ring id %u out of range", id);
			return UINT32_MAX;
		}
		v->avail->ring[v->avail_idx % QSZ] = (uint16_t)id;
		v->avail_idx++;
		v->last_used++;
		n++;
	}
	if (n > 0) {
		__atomic_store_n(&v->avail->idx, v->avail_idx, __ATOMIC_RELEASE);
		vnet_kick(v);
		__atomic_fetch_add(&v->completions, n, __ATOMIC_RELAXED);
	}
	return n;
}

/* The DMA thread: keeps the transmit queue busy; restarts the device on
 * an error (NEEDS_RESET, garbage, a stall); stops it on a pause request.
 */
static void *
dma_thread(void *arg)
{
	struct vnet *v = arg;
	uint64_t last_progress = th_now_ns();

	while (!__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE)) {
		unsigned int n;

		if (__atomic_load_n(&v->pause, __ATOMIC_ACQUIRE)) {
			vnet_reset(v); /* no DMA in flight from here */
			__atomic_store_n(&v->paused, 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&v->pause, __ATOMIC_ACQUIRE))
				;
			vnet_start(v);
			vnet_kick(v);
			__atomic_store_n(&v->paused, 0, __ATOMIC_RELEASE);
			last_progress = th_now_ns();
			continue;
		}
		n = vnet_poll(v);
		if (n != 0 && n != UINT32_MAX) {
			last_progress = th_now_ns();
			continue;
		}
		if (n == UINT32_MAX || (rd8(v, CC_STATUS) & (VSTAT_NEEDS_RESET | VSTAT_FAILED)) ||
				th_now_ns() - last_progress > STALL_NS) {
			if (n != UINT32_MAX) {
				uint8_t st = rd8(v, CC_STATUS);

				snprintf(v->last_error, sizeof(v->last_error), "%s (status 0x%x)",
					st & VSTAT_NEEDS_RESET ? "DEVICE_NEEDS_RESET" :
					st & VSTAT_FAILED ? "FAILED" : "queue stalled 2 s", st);
				if (!(st & (VSTAT_NEEDS_RESET | VSTAT_FAILED)))
					__atomic_fetch_add(&v->stalls, 1, __ATOMIC_RELAXED);
			}
			__atomic_fetch_add(&v->device_errors, 1, __ATOMIC_RELAXED);
			vnet_start(v);
			vnet_kick(v);
			last_progress = th_now_ns();
		}
	}
	vnet_reset(v);
	return NULL;
}

/* Waits (bounded) until the device completed `more` frames beyond `from`. */
static bool
wait_completions(struct vnet *v, uint64_t from, uint64_t more, uint64_t timeout_ns)
{
	uint64_t t0 = th_now_ns();

	while (__atomic_load_n(&v->completions, __ATOMIC_RELAXED) < from + more)
		if (th_now_ns() - t0 > timeout_ns)
			return false;
	return true;
}

static void
dma_pause(struct vnet *v)
{
	__atomic_store_n(&v->pause, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&v->paused, __ATOMIC_ACQUIRE))
		;
}

static void
dma_resume(struct vnet *v)
{
	__atomic_store_n(&v->pause, 0, __ATOMIC_RELEASE);
	while (__atomic_load_n(&v->paused, __ATOMIC_ACQUIRE))
		;
}

/* ---- the framework's view: the kernel's SMMUv3 event lines -------------- */

struct seen { uint64_t faults; };

static void
kmsg_cb(const struct iommufd_kmsg_rec *r, void *arg)
{
	struct seen *s = arg;

	/* 6.12's SMMUv3 lines name no device: they count for ours. */
	if (iommufd_kmsg_charges(r, NULL))
		s->faults += r->kind == IOMMUFD_KMSG_SUPPRESSED && r->suppressed ?
			r->suppressed : 1;
}

/* Fault lines read so far into s; final: wait up to 300 ms for the event
 * queue thread to print the last ones (a bounded read, not a
 * synchronisation). Returns the lines this call read.
 */
static uint64_t
kmsg_faults(struct iommufd_kmsg *k, struct seen *s, bool final)
{
	uint64_t before = s->faults;

	iommufd_kmsg_read(k, final ? iommufd_now_ns() + 300000000ull : 0, kmsg_cb, NULL, s);
	return s->faults - before;
}

/* ---- cases ---------------------------------------------------------------- */

struct ctx {
	int fd;
	struct vm_vdev dev;
	struct vnet v;
	uint32_t ioas[2], hwpt[2];
	unsigned long n, nlat;
	bool inject_noquiesce;
	uint64_t *ns;
};

/* The SMMU's sysfs name (case_info()), for the lines below. */
static char iommu_name[64] = "none";

/* A refused ioctl, measured: the line scripts/vm-matrix-table.py reads
 * ('vm-matrix not supported: IOCTL refused with ENAME (errno N) on IOMMU:
 * text') and this boot's own. The case ends with rc 3 (smmu_matrix.py:
 * a PASS carrying that note).
 */
static int
not_supported(const char *ioctl_name, int err)
{
	const char *ename = strerrorname_np(err);

	printf("vm-matrix not supported: %s refused with %s (errno %d) on %s: %s\n",
		ioctl_name, ename != NULL ? ename : "unknown", err, iommu_name, strerror(err));
	printf("not supported: %s: %s (errno %d)\n", ioctl_name, strerror(err), err);
	return 3;
}

static void
test_begin(const char *name)
{
	printf("@@TEST %s begin\n", name);
	fflush(stdout);
}

static void
test_end(const char *name, int rc)
{
	fflush(stdout);
	printf("@@TEST %s end rc=%d\n", name, rc);
	fflush(stdout);
}

static int
case_info(struct ctx *c)
{
	struct iommu_hw_info h = { .size = sizeof(h), .dev_id = c->dev.dev_id };
	char link[PATH_MAX], target[PATH_MAX] = "none", line[128];
	ssize_t n;
	FILE *f;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu", c->dev.bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		snprintf(iommu_name, sizeof(iommu_name), "%s", strrchr(target, '/') + 1);
	}
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group/reserved_regions",
		c->dev.bdf);
	f = fopen(link, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		printf("vm-matrix reserved region: %s", line);
	if (f != NULL)
		fclose(f);
	if (ioctl(c->fd, IOMMU_GET_HW_INFO, &h) != 0) {
		int e = errno;

		printf("vm-matrix iommu=%s hw_info=unsupported:%s default=quiesce\n",
			n > 0 ? strrchr(target, '/') + 1 : "none", strerror(e));
		return not_supported("IOMMU_GET_HW_INFO", e);
	}
	printf("vm-matrix iommu=%s hw_info=%u default=%s\n",
		n > 0 ? strrchr(target, '/') + 1 : "none", h.out_data_type,
		iommufd_hw_replace_atomic(h.out_data_type) ? "hitless" : "quiesce");
	return 0;
}

/* The two paging HWPTs on IOAS 0 (same memory, same IOVA), the device on
 * the first; -errno of a refused IOMMU_HWPT_ALLOC.
 */
static int
hwpts(struct ctx *c)
{
	unsigned int i;

	if (c->hwpt[0] != 0)
		return 0;
	for (i = 0; i < 2; i++) {
		struct iommu_hwpt_alloc h = {
			.size = sizeof(h), .dev_id = c->dev.dev_id, .pt_id = c->ioas[0],
		};

		if (ioctl(c->fd, IOMMU_HWPT_ALLOC, &h) != 0)
			return -errno;
		c->hwpt[i] = h.out_hwpt_id;
	}
	return 0;
}

/* N replaces HWPT A <-> HWPT B; quiesce: each with the queue stopped. */
static int
case_replaces(struct ctx *c, bool quiesce)
{
	struct iommufd_kmsg k;
	struct seen seen = { 0 };
	uint64_t c0, e0, s0, stalled = 0, t0, t1, wall;
	unsigned long i;
	int rc;

	rc = hwpts(c);
	if (rc != 0)
		return not_supported("IOMMU_HWPT_ALLOC", -rc);
	rc = vm_attach_try(&c->dev, c->hwpt[0], NULL);
	if (rc != 0)
		return not_supported("VFIO_DEVICE_ATTACH_IOMMUFD_PT", -rc);
	if (iommufd_kmsg_open(&k, "/dev/kmsg") != 0)
		printf("warning: /dev/kmsg: %s: the framework sees no fault line\n",
			strerror(k.open_err));
	c0 = __atomic_load_n(&c->v.completions, __ATOMIC_RELAXED);
	e0 = __atomic_load_n(&c->v.device_errors, __ATOMIC_RELAXED);
	s0 = __atomic_load_n(&c->v.stalls, __ATOMIC_RELAXED);
	if (!wait_completions(&c->v, c0, 64, 5000000000ull)) {
		printf("FAIL: the device completed no frame in 5 s before the replaces (no DMA to race with)\n");
		iommufd_kmsg_close(&k);
		return 1;
	}
	wall = th_now_ns();
	for (i = 0; i < c->n; i++) {
		uint32_t to = c->hwpt[(i + 1) & 1];
		uint64_t before = __atomic_load_n(&c->v.completions, __ATOMIC_RELAXED);

		if (quiesce && !c->inject_noquiesce)
			dma_pause(&c->v);
		t0 = th_now_ns();
		rc = vm_attach_try(&c->dev, to, NULL);
		t1 = th_now_ns();
		if (quiesce && !c->inject_noquiesce)
			dma_resume(&c->v);
		if (rc != 0) {
			iommufd_kmsg_close(&k);
			printf("vm-matrix %s: %lu of %lu replaces done, replace %lu refused\n",
				quiesce ? "quiesce" : "hitless", i, c->n, i);
			return not_supported("VFIO_DEVICE_ATTACH_IOMMUFD_PT", -rc);
		}
		c->ns[i] = t1 - t0;
		/* One line per replace: the host charges QEMU's fault events
		 * between two such lines to the replace (tests/vm/arm64/smmu_matrix.py).
		 */
		printf("vm-swap %lu rc=0 faults=%" PRIu64 "\n", i, kmsg_faults(&k, &seen, false));
		/* DMA between replaces too: the next replace races with a
		 * queue that is moving (bounded: a broken device is restarted
		 * by the DMA thread).
		 */
		if (!wait_completions(&c->v, before, 1, 50000000ull))
			stalled++;
	}
	wall = th_now_ns() - wall;
	printf("%s: replaces=%lu wall=%.1f ms completions=%" PRIu64 " device_errors=%" PRIu64
		" stalls=%" PRIu64 " waits_without_dma=%" PRIu64 " framework_faults=%" PRIu64 "%s%s\n",
		quiesce ? "quiesce" : "hitless", c->n, wall / 1e6,
		__atomic_load_n(&c->v.completions, __ATOMIC_RELAXED) - c0,
		__atomic_load_n(&c->v.device_errors, __ATOMIC_RELAXED) - e0,
		__atomic_load_n(&c->v.stalls, __ATOMIC_RELAXED) - s0, stalled,
		(kmsg_faults(&k, &seen, true), seen.faults),
		c->v.last_error[0] ? " last_device_error=" : "", c->v.last_error);
	c->v.last_error[0] = '\0';
	printf("vm-faults-seen %" PRIu64 "\n", seen.faults);
	/* The table's lines (scripts/vm-matrix-table.py). */
	if (quiesce)
		printf("vm-matrix quiesce: %lu replaces, queue stopped (device reset) around each\n",
			c->n);
	else
		printf("vm-matrix hitless: %lu of %lu replaces done, completed\n", c->n, c->n);
	vm_print_latency(quiesce ? "replace HWPT<->HWPT quiesced (stop, replace, restart)" :
		"replace HWPT<->HWPT under DMA", c->ns, (unsigned int)c->n);
	iommufd_kmsg_close(&k);
	return 0;
}

/* Replace latency with the device idle (reset): HWPT <-> HWPT (ioas
 * false: the two paging HWPTs) or IOAS <-> IOAS (the kernel's HWPT of
 * each IOAS).
 */
static int
case_latency(struct ctx *c, bool ioas)
{
	unsigned long i;
	uint64_t t0;
	int rc = 0;

	if (!ioas) {
		rc = hwpts(c);
		if (rc != 0)
			return not_supported("IOMMU_HWPT_ALLOC", -rc);
	}
	dma_pause(&c->v);
	for (i = 0; i < c->nlat; i++) {
		uint32_t to = ioas ? c->ioas[(i + 1) & 1] : c->hwpt[(i + 1) & 1];

		t0 = th_now_ns();
		rc = vm_attach_try(&c->dev, to, NULL);
		if (rc != 0) {
			rc = not_supported("VFIO_DEVICE_ATTACH_IOMMUFD_PT", -rc);
			break;
		}
		c->ns[i] = th_now_ns() - t0;
	}
	if (rc == 0)
		vm_print_latency(ioas ? "replace IOAS<->IOAS" : "replace HWPT<->HWPT", c->ns,
			(unsigned int)c->nlat);
	dma_resume(&c->v);
	return rc;
}

static void
mount_or_die(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, NULL) != 0 && errno != EBUSY)
		TH_FATAL("mount %s on %s: %s", type, dst, strerror(errno));
}

static void
finish(int rc)
{
	printf("@@SMMU-DONE rc=%d\n", rc);
	fflush(stdout);
	sync();
	if (getpid() == 1)
		reboot(RB_POWER_OFF);
	exit(rc);
}

int
main(void)
{
	static struct ctx c;
	char bdf[32];
	struct utsname u;
	pthread_t th;
	int rc, worst = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	dup2(1, 2);
	setenv("VM_GUEST", "1", 1); /* vm_cannot_run(): a FAIL here, never a skip */
	mount_or_die("proc", "/proc", "proc");
	mount_or_die("sysfs", "/sys", "sysfs");
	mount_or_die("devtmpfs", "/dev", "devtmpfs");
	uname(&u);
	printf("@@VM-INIT kernel=%s\n", u.release);
	c.n = cmdline_ul("smmu_replaces", 1000);
	c.nlat = cmdline_ul("smmu_lat", 200);
	c.inject_noquiesce = cmdline_ul("smmu_inject_noquiesce", 0) != 0;
	if (c.inject_noquiesce)
		printf("INJECTED: the quiesce case does not stop the queue (smmu_inject_noquiesce=1)\n");
	c.ns = calloc(c.n > c.nlat ? c.n : c.nlat, sizeof(*c.ns));
	if (c.ns == NULL || c.n == 0 || c.nlat == 0)
		TH_FATAL("smmu_replaces=%lu smmu_lat=%lu: need two positive counts", c.n, c.nlat);

	find_and_bind(bdf, sizeof(bdf));
	c.fd = vm_iommufd_open();
	vm_vdev_bind(c.fd, bdf, &c.dev);
	c.v.vfd = c.dev.fd;
	printf("device %s on vfio-pci, iommufd dev_id %u\n", c.dev.bdf, c.dev.dev_id);

	test_begin("smmuv3-matrix-info");
	rc = case_info(&c);
	test_end("smmuv3-matrix-info", rc);
	worst = rc > worst ? rc : worst;

	/* Memory of the queue in two IOASes at the same IOVA; the device
	 * starts on IOAS 0 (the kernel's automatic HWPT).
	 */
	c.v.mem = vm_buffer(MEM_LEN);
	c.v.desc = (struct vdesc *)(c.v.mem + OFF_DESC);
	c.v.avail = (struct vavail *)(c.v.mem + OFF_AVAIL);
	c.v.used = (struct vused *)(c.v.mem + OFF_USED);
	c.ioas[0] = vm_ioas_alloc(c.fd);
	c.ioas[1] = vm_ioas_alloc(c.fd);
	vm_ioas_map(c.fd, c.ioas[0], c.v.mem, MEM_LEN, IOVA_BASE);
	vm_ioas_map(c.fd, c.ioas[1], c.v.mem, MEM_LEN, IOVA_BASE);
	vm_attach(&c.dev, c.ioas[0]);
	vnet_map(&c.v);
	vnet_start(&c.v);
	vnet_kick(&c.v);
	c.v.restarts = 0;
	if (pthread_create(&th, NULL, dma_thread, &c.v) != 0)
		TH_FATAL("pthread_create: cannot start the DMA thread");

	test_begin("smmuv3-pmd-hitless");
	rc = case_replaces(&c, false);
	test_end("smmuv3-pmd-hitless", rc);
	worst = rc > worst ? rc : worst;

	test_begin("smmuv3-pmd-quiesce");
	rc = case_replaces(&c, true);
	test_end("smmuv3-pmd-quiesce", rc);
	worst = rc > worst ? rc : worst;

	test_begin("smmuv3-iommufd-latency");
	rc = case_latency(&c, false);
	test_end("smmuv3-iommufd-latency", rc);
	worst = rc > worst ? rc : worst;

	test_begin("smmuv3-ioas-latency");
	rc = case_latency(&c, true);
	test_end("smmuv3-ioas-latency", rc);
	worst = rc > worst ? rc : worst;

	__atomic_store_n(&c.v.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	finish(worst);
	return worst;
}
