/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Scan: builds the bus's device list.
 *  - kernel devices: PCI functions bound to vfio-pci that expose a VFIO
 *    cdev, found as /sys/bus/pci/devices/<BDF>/vfio-dev/vfioN;
 *  - emulated devices: one per devargs "iommufd:emuN", created through
 *    the model named by "model=" (default virtio-net).
 * Scan runs again at hotplug (rte_dev_probe): known names are skipped.
 * A device that cannot be used is reported in one line with the fix, and
 * the scan goes on with the others.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_kvargs.h>
#include <rte_memory.h>
#include <rte_string_fns.h>

#include "iommufd_private.h"

#define VFIO_PCI_DRIVER "vfio-pci"

static const char *
env_or(const char *env, const char *dflt)
{
	const char *v = getenv(env);

	return (v != NULL && v[0] != '\0') ? v : dflt;
}

const char *
iommufd_sysfs_root(void)
{
	return env_or(IOMMUFD_SYSFS_ROOT_ENV, "/sys");
}

const char *
iommufd_dev_root(void)
{
	return env_or(IOMMUFD_DEV_ROOT_ENV, "/dev");
}

/*
 * Resolve path (under the sysfs root) following its links, into out
 * (PATH_MAX), and check that it stays under the resolved sysfs root: a
 * link out of sysfs (a tampered tree) is refused.
 * @return 0, -EPERM for a path that leaves sysfs, or -errno.
 */
static int
sysfs_resolve(const char *path, char *out)
{
	char top[PATH_MAX];
	size_t n;

	if (realpath(iommufd_sysfs_root(), top) == NULL || realpath(path, out) == NULL)
		return -errno;
	n = strlen(top);
	if (strcmp(top, "/") != 0 && (strncmp(out, top, n) != 0 || out[n] != '/'))
		return -EPERM;
	return 0;
}

/* A sysfs attribute (never a link: O_NOFOLLOW) as a number. */
static int
read_hex(const char *dir, const char *file, unsigned long *val)
{
	char path[PATH_MAX], buf[32];
	FILE *f;
	int fd, ret = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return -1;
	}
	if (fgets(buf, sizeof(buf), f) != NULL) {
		char *end;

		*val = strtoul(buf, &end, 0);
		ret = end == buf ? -1 : 0;
	}
	fclose(f);
	return ret;
}

int
iommufd_kinfo_read(const char *bdf, struct iommufd_kinfo *ki)
{
	char dir[PATH_MAX], path[PATH_MAX], link[PATH_MAX];
	unsigned long v;
	struct dirent *e;
	ssize_t n;
	DIR *d;
	int ret;

	memset(ki, 0, sizeof(*ki));
	snprintf(ki->bdf, sizeof(ki->bdf), "%s", bdf);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", iommufd_sysfs_root(), bdf);
	if (access(path, F_OK) != 0)
		return -ENOENT;
	/* Everything below is read from the resolved directory, which must
	 * be in sysfs (/sys/devices/...), never where a link points out.
	 */
	ret = sysfs_resolve(path, dir);
	if (ret < 0) {
		IOMMUFD_LOG(ERR, "%s: %s leads outside %s (%s): not used; check that sysfs is the kernel's",
			bdf, path, iommufd_sysfs_root(),
			ret == -EPERM ? dir : strerror(-ret));
		return ret;
	}

	/* driver -> ../../../bus/pci/drivers/<name> */
	if (snprintf(path, sizeof(path), "%s/driver", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		const char *base;

		link[n] = '\0';
		base = strrchr(link, '/');
		base = base != NULL ? base + 1 : link;
		if (strlen(base) < sizeof(ki->driver))
			strlcpy(ki->driver, base, sizeof(ki->driver));
	}

	if (snprintf(path, sizeof(path), "%s/vfio-dev", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			const char *num = e->d_name + 4;

			/* vfioN only: the name becomes a /dev path */
			if (strncmp(e->d_name, "vfio", 4) == 0 && num[0] != '\0' &&
					strspn(num, "0123456789") == strlen(num) &&
					strlen(e->d_name) < sizeof(ki->vfio_dev)) {
				strlcpy(ki->vfio_dev, e->d_name, sizeof(ki->vfio_dev));
				break;
			}
		}
		closedir(d);
	}

	if (read_hex(dir, "vendor", &v) == 0)
		ki->id.vendor_id = (uint16_t)v;
	if (read_hex(dir, "device", &v) == 0)
		ki->id.device_id = (uint16_t)v;
	if (read_hex(dir, "subsystem_vendor", &v) == 0)
		ki->id.subsystem_vendor_id = (uint16_t)v;
	if (read_hex(dir, "subsystem_device", &v) == 0)
		ki->id.subsystem_device_id = (uint16_t)v;
	ki->numa_node = SOCKET_ID_ANY;
	if (read_hex(dir, "numa_node", &v) == 0 && (long)v >= 0)
		ki->numa_node = (int)v;
	return 0;
}

int
iommufd_kinfo_check(const struct iommufd_kinfo *ki, bool explicit_req)
{
	const char *s = iommufd_sysfs_root();
	const char *b = ki->bdf;

	if (strcmp(ki->driver, VFIO_PCI_DRIVER) != 0) {
		if (!explicit_req)
			return -ENODEV;
		if (ki->driver[0] == '\0')
			IOMMUFD_LOG(ERR, "%s is not bound to any driver, iommufd needs vfio-pci: run 'driverctl set-override %s vfio-pci' (or: modprobe vfio-pci; echo vfio-pci > %s/bus/pci/devices/%s/driver_override; echo %s > %s/bus/pci/drivers_probe)",
				b, b, s, b, b, s);
		else
			IOMMUFD_LOG(ERR, "%s is bound to %s, iommufd needs vfio-pci: run 'driverctl set-override %s vfio-pci' (or: echo vfio-pci > %s/bus/pci/devices/%s/driver_override; echo %s > %s/bus/pci/devices/%s/driver/unbind; echo %s > %s/bus/pci/drivers_probe)",
				b, ki->driver, b, s, b, b, s, b, b, s);
		return -ENODEV;
	}
	if (ki->vfio_dev[0] == '\0') {
		if (explicit_req)
			IOMMUFD_LOG(ERR, "%s is bound to vfio-pci but has no VFIO device cdev (no %s/bus/pci/devices/%s/vfio-dev/vfioN): the kernel lacks CONFIG_VFIO_DEVICE_CDEV (Linux 6.6 or later with it set is needed); the PCI bus can still use it through a VFIO group",
				b, s, b);
		return -ENOTSUP;
	}
	return 0;
}

static struct rte_iommufd_device *
device_alloc(const char *name, enum rte_iommufd_dev_type type)
{
	struct rte_iommufd_device *dev = calloc(1, sizeof(*dev));

	if (dev == NULL) {
		IOMMUFD_LOG(ERR, "%s: out of memory", name);
		return NULL;
	}
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->type = type;
	dev->dev_fd = -1;
	dev->device.name = dev->name;
	dev->device.bus = iommufd_bus_get();
	dev->device.numa_node = SOCKET_ID_ANY;
	return dev;
}

static void
opts_apply(struct rte_iommufd_device *dev, const struct iommufd_dev_opts *o)
{
	snprintf(dev->domain, sizeof(dev->domain), "%s", o->domain);
	dev->strategy = o->strategy;
	dev->nb_queue_pairs = o->queues;
	dev->emu = o->emu;
}

static void
device_add(struct rte_iommufd_device *dev)
{
	TAILQ_INSERT_TAIL(&iommufd_bus.devices, dev, next);
}

/* One emulated device from its devargs. */
static int
scan_emu(struct rte_devargs *da)
{
	struct iommufd_dev_opts o;
	struct rte_kvargs *kv = NULL;
	struct rte_iommufd_device *dev;
	int ret;

	ret = iommufd_opts_parse(da->name, iommufd_devargs_options(da), true, &o, &kv);
	if (ret != 0)
		return ret;
	dev = device_alloc(da->name, RTE_IOMMUFD_DEV_EMULATED);
	if (dev == NULL) {
		rte_kvargs_free(kv);
		return -ENOMEM;
	}
	opts_apply(dev, &o);
	dev->device.devargs = da;
	ret = o.emu->create(dev, kv);
	rte_kvargs_free(kv);
	if (ret != 0) {
		IOMMUFD_LOG(ERR, "%s: model %s refused to create the device (%s)",
			dev->name, o.emu->model, strerror(-ret));
		dev->emu = NULL;  /* nothing to destroy */
		iommufd_device_free(dev);
		return ret;
	}
	device_add(dev);
	IOMMUFD_LOG(INFO, "%s: emulated %s device created (id %04x:%04x)",
		dev->name, o.emu->model, dev->id.vendor_id, dev->id.device_id);
	return 0;
}

/* One kernel device; da is its devargs (ours or the PCI bus's) or NULL. */
static int
scan_kernel(const struct iommufd_kinfo *ki, struct rte_devargs *da)
{
	struct iommufd_dev_opts o;
	struct rte_iommufd_device *dev;
	const char *args = da != NULL ? iommufd_devargs_options(da) : NULL;
	int ret;

	ret = iommufd_opts_parse(ki->bdf, args, false, &o, NULL);
	if (ret != 0)
		return ret;
	dev = device_alloc(ki->bdf, RTE_IOMMUFD_DEV_KERNEL);
	if (dev == NULL)
		return -ENOMEM;
	opts_apply(dev, &o);
	dev->id = ki->id;
	dev->device.numa_node = ki->numa_node;
	/* A PCI devargs stays the PCI bus's (it now blocks it there). */
	if (da != NULL && da->bus == iommufd_bus_get())
		dev->device.devargs = da;
	snprintf(dev->cdev_path, sizeof(dev->cdev_path), "%s/vfio/devices/%s",
		iommufd_dev_root(), ki->vfio_dev);
	iommufd_pci_block(ki->bdf);
	device_add(dev);
	IOMMUFD_LOG(INFO, "%s: vfio-pci function %04x:%04x with cdev %s",
		dev->name, dev->id.vendor_id, dev->id.device_id, dev->cdev_path);
	return 0;
}

static void
scan_sysfs(void)
{
	const struct rte_bus *bus = iommufd_bus_get();
	char dir[PATH_MAX];
	struct iommufd_kinfo ki;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/bus/pci/devices", iommufd_sysfs_root());
	d = opendir(dir);
	if (d == NULL) {
		IOMMUFD_LOG(DEBUG, "no %s: no kernel devices", dir);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char canon[RTE_IOMMUFD_NAME_MAX];
		struct rte_devargs *da;
		int policy;

		if (!iommufd_name_to_bdf(e->d_name, canon, sizeof(canon)) ||
				rte_iommufd_device_find(canon) != NULL)
			continue;
		policy = iommufd_kernel_policy(canon, &da);
		if (policy < 0)
			continue;
		if (iommufd_kinfo_read(e->d_name, &ki) != 0)
			continue;
		snprintf(ki.bdf, sizeof(ki.bdf), "%s", canon);
		/* Named in our devargs: say why it cannot be used. Named for
		 * the PCI bus, or not named: not ours unless vfio-pci + cdev.
		 */
		if (iommufd_kinfo_check(&ki, da != NULL &&
				da->bus == bus) != 0) {
			if (da != NULL && da->bus != bus &&
					strcmp(ki.driver, "vfio-pci") == 0)
				IOMMUFD_LOG(NOTICE, "%s: vfio-pci without a VFIO cdev: left to the PCI bus",
					canon);
			continue;
		}
		scan_kernel(&ki, da);
	}
	closedir(d);
}

/* Devargs of this bus naming kernel functions that do not exist. */
static void
scan_missing_kernel(void)
{
	char canon[RTE_IOMMUFD_NAME_MAX], dir[PATH_MAX];
	struct rte_devargs *da;

	RTE_EAL_DEVARGS_FOREACH(RTE_IOMMUFD_BUS_NAME, da) {
		if (da->policy != RTE_DEV_ALLOWED ||
				!iommufd_name_to_bdf(da->name, canon, sizeof(canon)) ||
				rte_iommufd_device_find(canon) != NULL)
			continue;
		snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s",
			iommufd_sysfs_root(), canon);
		if (access(dir, F_OK) != 0)
			IOMMUFD_LOG(ERR, "%s: no such PCI function (%s does not exist); check the address with lspci -D",
				canon, dir);
	}
}

int
iommufd_scan(void)
{
	struct rte_devargs *da;

	RTE_EAL_DEVARGS_FOREACH(RTE_IOMMUFD_BUS_NAME, da) {
		if (da->policy != RTE_DEV_ALLOWED)
			continue;
		if (iommufd_name_is_emu(da->name)) {
			if (rte_iommufd_device_find(da->name) == NULL)
				scan_emu(da);
		} else if (!iommufd_name_to_bdf(da->name, NULL, 0)) {
			IOMMUFD_LOG(ERR, "device '%s' not understood: expected emuN or a PCI address DDDD:BB:DD.F",
				da->name);
		}
	}
	scan_sysfs();
	scan_missing_kernel();
	/* Refusals are logged; the rest of the application carries on. */
	return 0;
}
