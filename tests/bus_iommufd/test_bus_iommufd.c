/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Tests of the iommufd bus. One executable, one case per run (the case
 * name is the argument), because EAL initialises once per process:
 *   names          device name forms (unit)
 *   bad_devargs    table of bad options, each with its message (unit)
 *   scan_default   synthetic sysfs, no allow list: vfio-pci + cdev claimed
 *   scan_explicit  synthetic sysfs, named devices that cannot be used:
 *                  one line each with the fix, EAL init still succeeds
 *   scan_escape    a sysfs link that leads out of sysfs: function not used
 *   kernel_no_iommu  a claimed kernel device on a host without /dev/iommu
 *   emu_lifecycle  emulated device: probe, bind (soft backend), regions,
 *                  hot-unplug, plug again, cleanup
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "iommufd_private.h"
#include "th.h"
#include "test_emu_model.h"

static char *logbuf;
static size_t loglen;
static FILE *logf;

/* ---- log capture ---- */

static void
log_capture(void)
{
	logf = open_memstream(&logbuf, &loglen);
	rte_openlog_stream(logf);
}

static const char *
log_text(void)
{
	fflush(logf);
	return logbuf != NULL ? logbuf : "";
}

/* Forget what was logged so far (per table row). */
static void
log_clear(void)
{
	fflush(logf);
	rewind(logf);
	if (logbuf != NULL)
		logbuf[0] = '\0';
	fflush(logf);
}

static bool
log_has(const char *s)
{
	return strstr(log_text(), s) != NULL;
}

/* ---- synthetic sysfs / dev trees, laid out like the kernel's ---- */

static char root[64];

static void
mkdirs(const char *fmt, ...)
{
	char path[PATH_MAX], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void
put(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (f == NULL) {
		printf("cannot create %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fprintf(f, "%s\n", val);
	fclose(f);
}

/*
 * One PCI function: /sys/devices/pci0000:00/<bdf> with its id files,
 * /sys/bus/pci/devices/<bdf> -> ../../../devices/pci0000:00/<bdf>,
 * driver -> ../../../bus/pci/drivers/<driver>, vfio-dev/<vfio>/dev and,
 * when node, the cdev /dev/vfio/devices/<vfio> (a plain file here).
 */
static void
mk_func(const char *bdf, const char *driver, const char *vfio, bool node,
		const char *vendor, const char *device)
{
	char dev[PATH_MAX], link[PATH_MAX], target[PATH_MAX];

	snprintf(dev, sizeof(dev), "%s/sys/devices/pci0000:00/%s", root, bdf);
	mkdirs("%s", dev);
	put(dev, "vendor", vendor);
	put(dev, "device", device);
	put(dev, "subsystem_vendor", "0x1af4");
	put(dev, "subsystem_device", "0x0001");
	put(dev, "numa_node", "-1");
	mkdirs("%s/sys/bus/pci/devices", root);
	snprintf(link, sizeof(link), "%s/sys/bus/pci/devices/%s", root, bdf);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", bdf);
	if (symlink(target, link) != 0)
		printf("symlink %s: %s\n", link, strerror(errno));
	if (driver != NULL) {
		mkdirs("%s/sys/bus/pci/drivers/%s", root, driver);
		if (snprintf(link, sizeof(link), "%s/driver", dev) >= (int)sizeof(link))
			exit(1);
		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
		if (symlink(target, link) != 0)
			printf("symlink %s: %s\n", link, strerror(errno));
	}
	if (vfio != NULL) {
		char vdir[PATH_MAX];

		if (snprintf(vdir, sizeof(vdir), "%s/vfio-dev/%s", dev, vfio) >=
				(int)sizeof(vdir))
			exit(1);
		mkdirs("%s", vdir);
		put(vdir, "dev", "511:0");
		if (node) {
			char dnode[PATH_MAX];

			mkdirs("%s/dev/vfio/devices", root);
			snprintf(dnode, sizeof(dnode), "%s/dev/vfio/devices", root);
			put(dnode, vfio, "");
		}
	}
}

static void
tree_init(void)
{
	char sys[PATH_MAX], devr[PATH_MAX];

	snprintf(root, sizeof(root), "/tmp/bus_iommufd_test.XXXXXX");
	if (mkdtemp(root) == NULL) {
		printf("mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(devr, sizeof(devr), "%s/dev", root);
	mkdirs("%s/bus/pci/devices", sys);
	setenv(IOMMUFD_SYSFS_ROOT_ENV, sys, 1);
	setenv(IOMMUFD_DEV_ROOT_ENV, devr, 1);
}

static void
tree_fini(void)
{
	char cmd[PATH_MAX + 16];

	if (strncmp(root, "/tmp/bus_iommufd_test.", 22) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("could not remove %s\n", root);
}

/* ---- EAL ---- */

static int
eal_start(const char *tcase, const char *const *extra)
{
	char prefix[64];
	const char *argv[32] = {
		"test_bus_iommufd", "-l", "0", "--no-huge", "-m", "256",
		"--no-shconf", "--no-pci", "--no-telemetry",
		"--log-level=bus.iommufd:info",
	};
	int argc = 10;

	snprintf(prefix, sizeof(prefix), "--file-prefix=busiommufd_%s_%d",
		tcase, (int)getpid());
	argv[argc++] = prefix;
	for (; extra != NULL && *extra != NULL && argc < 31; extra++)
		argv[argc++] = *extra;
	return rte_eal_init(argc, (char **)(uintptr_t)argv);
}

/* ---- a test driver for the test model and virtio-net ids ---- */

static unsigned int drv_probed, drv_removed;
static int drv_bind_ret;

static int
t_quiesce(void *arg, uint16_t qid)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(qid);
	return 0;
}

static const struct rte_dma_domain_dev_ops t_dev_ops = {
	.queue_quiesce = t_quiesce,
	.queue_resume = t_quiesce,
};

static int
t_probe(struct rte_iommufd_driver *drv, struct rte_iommufd_device *dev)
{
	RTE_SET_USED(drv);
	drv_probed++;
	drv_bind_ret = rte_iommufd_device_bind(dev, 1, &t_dev_ops, dev);
	return drv_bind_ret;
}

static int
t_remove(struct rte_iommufd_device *dev)
{
	rte_iommufd_device_unbind(dev);
	drv_removed++;
	return 0;
}

static const struct rte_iommufd_id_match t_ids[] = {
	{ TEST_EMU_VENDOR, TEST_EMU_DEVICE },
	{ 0x1af4, 0x1041 },
	{ 0, 0 },
};

static struct rte_iommufd_driver t_drv = {
	.id_table = t_ids,
	.probe = t_probe,
	.remove = t_remove,
};

RTE_PMD_REGISTER_IOMMUFD(bus_iommufd_test_drv, t_drv);

/* ---- cases ---- */

static int
case_names(void)
{
	static const struct {
		const char *in;
		int ret;
		const char *out;
	} t[] = {
		{ "emu0", 0, "emu0" },
		{ "emu17", 0, "emu17" },
		{ "emu0,peer=emu1", 0, "emu0" },
		{ "emu", 1, NULL },
		{ "emux", 1, NULL },
		{ "emu1x", 1, NULL },
		{ "0000:00:03.0", 0, "0000:00:03.0" },
		{ "00:03.0", 0, "0000:00:03.0" },
		{ "0000:3b:1f.7,strategy=hitless", 0, "0000:3b:1f.7" },
		{ "0000:00:20.0", 1, NULL },  /* slot > 31 */
		{ "0000:00:03.8", 1, NULL },  /* function > 7 */
		{ "net_ring0", 1, NULL },
		{ "", 1, NULL },
		/* fuzz_devargs: sscanf's %x took spaces, signs, 0x and wrapped
		 * overflowing fields (now: hex digits only, canonical widths)
		 */
		{ "3:e:\n6.6", 1, NULL },
		{ "100000000:00:03.0", 1, NULL },
		{ "-0:00:03.0", 1, NULL },
		{ " 00:03.0", 1, NULL },
		{ "0x0:0x3:0x1.0", 1, NULL },
		{ "00000:00:03.0", 1, NULL },
		{ "0:0:3.1", 0, "0000:00:03.1" },
		{ "ABCD:Ef:1F.7", 0, "abcd:ef:1f.7" },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(t); i++) {
		char out[RTE_IOMMUFD_NAME_MAX] = "";
		int ret = iommufd_parse(t[i].in, out);

		TH_CHECK(ret == t[i].ret, "parse('%s') = %d, expected %d",
			t[i].in, ret, t[i].ret);
		if (ret == 0 && t[i].out != NULL)
			TH_CHECK(strcmp(out, t[i].out) == 0, "parse('%s') -> '%s', expected '%s'",
				t[i].in, out, t[i].out);
	}
	return 0;
}

static int
case_bad_devargs(void)
{
	static const struct {
		const char *name;
		const char *args;
		bool emulated;
		const char *msg;
	} t[] = {
		{ "emu0", "model=test,queues=0", true,
		  "emu0: queues '0': expected a number of queue pairs from 1 to 1024" },
		{ "emu0", "model=test,queues=abc", true,
		  "emu0: queues 'abc': expected a number of queue pairs from 1 to 1024" },
		{ "emu0", "model=test,queues=2000", true,
		  "queues '2000': expected a number of queue pairs from 1 to 1024" },
		{ "emu0", "model=test,queues=-1", true,
		  "queues '-1': expected a number of queue pairs" },
		{ "emu0", "model=test,strategy=fast", true,
		  "emu0: strategy 'fast': expected quiesce, hitless, remap or restart" },
		{ "emu0", "model=test,domain=", true,
		  "emu0: domain '': expected a name of 1 to 31 characters" },
		{ "emu0", "model=test,domain=0123456789012345678901234567890123", true,
		  "expected a name of 1 to 31 characters" },
		{ "emu0", "model=test,domain=a/b", true,
		  "emu0: domain 'a/b': expected letters, digits, '_', '-' or '.'" },
		{ "emu0", "model=nosuch", true,
		  "emu0: model 'nosuch': no such emulated device model (registered: " },
		{ "emu3", "model=test,bogus=1", true,
		  "emu3: unknown key 'bogus'"
		  " (expected one of: domain, strategy, queues, model, answer)" },
		{ "emu0", "model=test,queues=1,queues=2", true,
		  "emu0: key 'queues' given twice" },
		/* fuzz_devargs: "model" without a value crashed (NULL strcmp);
		 * bus= and name= given twice were accepted
		 */
		{ "emu0", "model", true,
		  "emu0: model: expected a model name (model=NAME)" },
		{ "emu0", "model=", true,
		  "emu0: model: expected a model name (model=NAME)" },
		{ "0000:00:03.0", "name,name", false,
		  "0000:00:03.0: key 'name' given twice" },
		{ "emu0", "bus=iommufd,name=emu0,name=emu1,model=test", true,
		  "emu0: key 'name' given twice" },
		{ "emu0", "bus=iommufd,bus=pci,model=test", true,
		  "emu0: key 'bus' given twice" },
		{ "0000:00:03.0", "model=test", false,
		  "0000:00:03.0: model 'test': model= applies to emulated devices (emuN) only" },
		{ "0000:00:03.0", "answer=1", false,
		  "0000:00:03.0: unknown key 'answer'"
		  " (expected one of: domain, strategy, queues, model)" },
	};
	struct iommufd_dev_opts o;
	struct rte_kvargs *kv;
	unsigned int i;
	int ret;

	log_capture();
	for (i = 0; i < RTE_DIM(t); i++) {
		log_clear();
		kv = (struct rte_kvargs *)1;
		ret = iommufd_opts_parse(t[i].name, t[i].args, t[i].emulated, &o, &kv);
		TH_CHECK(ret == -EINVAL, "'%s,%s': returned %d, expected -EINVAL",
			t[i].name, t[i].args, ret);
		TH_CHECK(kv == NULL, "'%s,%s': kvargs returned on error", t[i].name, t[i].args);
		TH_CHECK(log_has(t[i].msg), "'%s,%s': expected message '%s', log was: %s",
			t[i].name, t[i].args, t[i].msg, log_text());
	}

	/* Good options are taken, and the model keys are passed on. */
	log_clear();
	ret = iommufd_opts_parse("emu0", "model=test,answer=3,queues=4,strategy=hitless,domain=d1",
		true, &o, &kv);
	TH_CHECK(ret == 0, "good options refused: %s", log_text());
	if (ret == 0) {
		TH_CHECK(o.queues == 4, "queues %u", o.queues);
		TH_CHECK(o.strategy == RTE_DMA_DOMAIN_STRATEGY_HITLESS, "strategy %d",
			(int)o.strategy);
		TH_CHECK(strcmp(o.domain, "d1") == 0, "domain '%s'", o.domain);
		TH_CHECK(o.emu != NULL && strcmp(o.emu->model, TEST_EMU_MODEL) == 0,
			"model not resolved");
		TH_CHECK(kv != NULL && rte_kvargs_get(kv, "answer") != NULL &&
			strcmp(rte_kvargs_get(kv, "answer"), "3") == 0,
			"model key not passed on");
		rte_kvargs_free(kv);
	}
	ret = iommufd_opts_parse("0000:00:03.0", NULL, false, &o, NULL);
	TH_CHECK(ret == 0 && o.emu == NULL && o.queues == 0 && o.domain[0] == '\0',
		"no options: %d", ret);
	return 0;
}

static int
case_scan_default(void)
{
	struct rte_iommufd_device *dev;
	char path[PATH_MAX];

	tree_init();
	/* Ids no driver here matches: this case is about the scan only. */
	mk_func("0000:00:03.0", "vfio-pci", "vfio0", true, "0x8086", "0x10d3");
	mk_func("0000:00:04.0", "virtio-pci", NULL, false, "0x1af4", "0x1041");
	mk_func("0000:00:05.0", "vfio-pci", NULL, false, "0x8086", "0x10d3");
	mk_func("0000:00:06.0", NULL, NULL, false, "0x8086", "0x10d3");
	log_capture();
	TH_CHECK(eal_start("scan_default", NULL) >= 0, "EAL init failed: %s", log_text());

	dev = rte_iommufd_device_find("0000:00:03.0");
	TH_CHECK(dev != NULL, "vfio-pci function with a cdev not claimed; log: %s", log_text());
	if (dev != NULL) {
		TH_CHECK(dev->type == RTE_IOMMUFD_DEV_KERNEL, "type %d", dev->type);
		TH_CHECK(dev->id.vendor_id == 0x8086 && dev->id.device_id == 0x10d3,
			"id %04x:%04x", dev->id.vendor_id, dev->id.device_id);
		TH_CHECK(dev->id.subsystem_vendor_id == 0x1af4, "subsystem vendor %04x",
			dev->id.subsystem_vendor_id);
		snprintf(path, sizeof(path), "%s/dev/vfio/devices/vfio0", root);
		TH_CHECK(strcmp(dev->cdev_path, path) == 0, "cdev '%s', expected '%s'",
			dev->cdev_path, path);
		TH_CHECK(dev->driver == NULL && dev->dev_fd == -1,
			"device opened without a driver");
	}
	TH_CHECK(rte_iommufd_device_find("0000:00:04.0") == NULL, "virtio-pci function claimed");
	TH_CHECK(rte_iommufd_device_find("0000:00:05.0") == NULL, "function without cdev claimed");
	TH_CHECK(rte_iommufd_device_find("0000:00:06.0") == NULL, "unbound function claimed");
	TH_CHECK(!log_has("ERR") && !log_has("is bound to"),
		"unnamed devices must not be reported: %s", log_text());
	rte_eal_cleanup();
	tree_fini();
	return 0;
}

/* A function whose sysfs link points out of the sysfs tree (a tampered
 * or planted tree) is not used, and the log says so.
 */
static int
case_scan_escape(void)
{
	char out[64], dev[128], link[PATH_MAX];

	tree_init();
	mk_func("0000:00:03.0", "vfio-pci", "vfio0", true, "0x8086", "0x10d3");
	snprintf(out, sizeof(out), "/tmp/bus_iommufd_test.XXXXXX");
	TH_CHECK(mkdtemp(out) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(dev, sizeof(dev), "%s/evil", out);
	mkdirs("%s/vfio-dev/vfio1", dev);
	put(dev, "vendor", "0x8086");
	put(dev, "device", "0x10d3");
	snprintf(link, sizeof(link), "%s/driver", dev);
	TH_CHECK(symlink("../../../bus/pci/drivers/vfio-pci", link) == 0, "symlink: %s",
		strerror(errno));
	snprintf(link, sizeof(link), "%s/sys/bus/pci/devices/0000:00:08.0", root);
	TH_CHECK(symlink(dev, link) == 0, "symlink: %s", strerror(errno));
	snprintf(link, sizeof(link), "%s/dev/vfio/devices", root);
	put(link, "vfio1", "");
	log_capture();
	TH_CHECK(eal_start("scan_escape", NULL) >= 0, "EAL init failed: %s", log_text());
	TH_CHECK(rte_iommufd_device_find("0000:00:03.0") != NULL,
		"the function inside sysfs was not claimed: %s", log_text());
	TH_CHECK(rte_iommufd_device_find("0000:00:08.0") == NULL,
		"a function whose sysfs link leads out of sysfs was claimed: %s", log_text());
	TH_CHECK(log_has("0000:00:08.0: ") && log_has("leads outside"),
		"no line refusing the link out of sysfs: %s", log_text());
	rte_eal_cleanup();
	tree_fini();
	if (strncmp(out, "/tmp/bus_iommufd_test.", 22) == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
		if (system(cmd) != 0)
			printf("could not remove %s\n", out);
	}
	return 0;
}

static int
case_scan_explicit(void)
{
	static const char *const args[] = {
		"-a", "bus=iommufd,name=0000:00:04.0",
		"-a", "bus=iommufd,name=0000:00:05.0",
		"-a", "bus=iommufd,name=0000:00:06.0",
		"-a", "bus=iommufd,name=0000:00:07.0",
		"-a", "bus=iommufd,name=0000:00:09.0",
		"-a", "bus=iommufd,name=0000:00:0a.0,queues=0",
		NULL,
	};
	int ret;

	tree_init();
	mk_func("0000:00:03.0", "vfio-pci", "vfio0", true, "0x1af4", "0x1041");
	mk_func("0000:00:04.0", "virtio-pci", NULL, false, "0x1af4", "0x1041");
	mk_func("0000:00:05.0", "vfio-pci", NULL, false, "0x1af4", "0x1041");
	mk_func("0000:00:06.0", NULL, NULL, false, "0x1af4", "0x1041");
	mk_func("0000:00:07.0", "vfio-pci", "vfio1", false, "0x1af4", "0x1041");
	mk_func("0000:00:0a.0", "vfio-pci", "vfio2", true, "0x1af4", "0x1041");
	log_capture();
	ret = eal_start("scan_explicit", args);
	TH_CHECK(ret >= 0, "EAL init must carry on past unusable devices: %s", log_text());

	TH_CHECK(log_has("0000:00:04.0 is bound to virtio-pci, iommufd needs vfio-pci:"
		" run 'driverctl set-override 0000:00:04.0 vfio-pci'"),
		"no refusal for a function on another driver: %s", log_text());
	TH_CHECK(log_has("/bus/pci/devices/0000:00:04.0/driver/unbind"),
		"no sysfs steps for a function on another driver");
	TH_CHECK(log_has("0000:00:05.0 is bound to vfio-pci but has no VFIO device cdev") &&
		log_has("CONFIG_VFIO_DEVICE_CDEV"), "no refusal for a missing cdev: %s",
		log_text());
	TH_CHECK(log_has("0000:00:06.0 is not bound to any driver, iommufd needs vfio-pci"),
		"no refusal for an unbound function");
	TH_CHECK(log_has("0000:00:07.0: ") &&
		log_has("vfio1 does not exist although sysfs lists the cdev"),
		"no refusal for a missing cdev node: %s", log_text());
	TH_CHECK(log_has("0000:00:09.0: no such PCI function"),
		"no refusal for a missing function");
	TH_CHECK(log_has("0000:00:0a.0: queues '0': expected a number of queue pairs"),
		"no refusal for bad options of a kernel device");
	TH_CHECK(rte_iommufd_device_find("0000:00:03.0") == NULL,
		"allow list given: an unnamed function must not be claimed");
	TH_CHECK(rte_iommufd_device_find("0000:00:04.0") == NULL, "refused function on the bus");
	TH_CHECK(rte_iommufd_device_find("0000:00:0a.0") == NULL, "bad options accepted");
	{
		struct rte_iommufd_device *d = rte_iommufd_device_find("0000:00:07.0");

		TH_CHECK(d != NULL && d->driver == NULL && d->dev_fd < 0,
			"unopenable device must stay unprobed");
	}
	rte_eal_cleanup();
	tree_fini();
	return 0;
}

static int
case_kernel_no_iommu(void)
{
	struct rte_iommufd_device *dev;
	char expect[PATH_MAX + 128], fake[PATH_MAX];
	const char *path = "/dev/iommu";

	tree_init();
	mk_func("0000:00:03.0", "vfio-pci", "vfio0", true, "0x1af4", "0x1041");
	/* Where the host has an iommufd, point the backend at a missing one:
	 * the refusal is what is tested.
	 */
	if (access("/dev/iommu", F_OK) == 0) {
		snprintf(fake, sizeof(fake), "%s/no-iommu", root);
		setenv("DMA_DOMAIN_IOMMUFD_PATH", fake, 1);
		path = fake;
	}
	log_capture();
	TH_CHECK(eal_start("kernel_no_iommu", NULL) >= 0,
		"EAL init must succeed without /dev/iommu: %s", log_text());
	snprintf(expect, sizeof(expect),
		"no %s: kernel without CONFIG_IOMMUFD, or iommufd module not loaded (modprobe iommufd)",
		path);
	TH_CHECK(log_has(expect), "expected '%s' in: %s", expect, log_text());
	TH_CHECK(log_has("0000:00:03.0: skipped: its DMA backend (kernel iommufd) is unavailable"),
		"no per-device line: %s", log_text());
	dev = rte_iommufd_device_find("0000:00:03.0");
	TH_CHECK(dev != NULL, "device not scanned");
	if (dev != NULL)
		TH_CHECK(dev->driver == NULL && dev->dev_fd < 0 && dev->binding == NULL,
			"device half-probed: driver %p fd %d", (void *)dev->driver,
			dev->dev_fd);
	TH_CHECK(drv_probed == 0, "driver probed without a backend");
	rte_eal_cleanup();
	tree_fini();
	return 0;
}

static int
reg_read(struct rte_iommufd_device *dev, unsigned int idx, uint64_t off, uint32_t *v)
{
	return rte_iommufd_region_read(dev, idx, off, v, sizeof(*v));
}

static int
case_emu_lifecycle(void)
{
	static const char *const args[] = {
		"-a", "iommufd:emu0,model=test,answer=42,queues=2",
		NULL,
	};
	struct rte_iommufd_device *dev;
	struct rte_dma_domain *dom;
	struct rte_dev_iterator it;
	struct rte_device *d;
	uint32_t v = 0, w = 0xdeadbeef;
	unsigned int n;
	int ret;

	log_capture();
	if (eal_start("emu_lifecycle", args) < 0) {
		TH_CHECK(false, "EAL init failed: %s", log_text());
		return 0;
	}
	dev = rte_iommufd_device_find("emu0");
	TH_CHECK(dev != NULL, "emu0 not created: %s", log_text());
	if (dev == NULL)
		goto out;
	TH_CHECK(test_emu_created() == 1, "created %u", test_emu_created());
	TH_CHECK(dev->type == RTE_IOMMUFD_DEV_EMULATED && dev->dev_fd == -1, "not emulated");
	TH_CHECK(dev->nb_queue_pairs == 2, "queues %u", dev->nb_queue_pairs);
	TH_CHECK(drv_probed == 1 && dev->driver == &t_drv, "not probed by the test driver");
	TH_CHECK(drv_bind_ret == 0, "bind failed (%d): %s", drv_bind_ret, log_text());
	TH_CHECK(dev->binding != NULL, "no binding");
	if (dev->binding != NULL) {
		TH_CHECK(rte_dma_domain_ctx_backend(rte_dma_domain_binding_ctx(dev->binding)) ==
			RTE_DMA_DOMAIN_BACKEND_SOFT, "emulated device not on the soft backend");
		dom = rte_dma_domain_binding_domain(dev->binding);
		TH_CHECK(dom != NULL && strcmp(rte_dma_domain_name(dom), "default") == 0,
			"not attached to the default domain");
	}

	/* Regions through the model's callbacks. */
	TH_CHECK(reg_read(dev, RTE_IOMMUFD_REGION_BAR(0), 0, &v) == 0 && v == 42,
		"register 0 = %u, expected the devargs answer 42", v);
	TH_CHECK(rte_iommufd_region_write(dev, RTE_IOMMUFD_REGION_BAR(0), 16, &w, 4) == 0 &&
		reg_read(dev, RTE_IOMMUFD_REGION_BAR(0), 16, &v) == 0 && v == w,
		"write/read back: %x", v);
	TH_CHECK(rte_iommufd_region_write(dev, RTE_IOMMUFD_REGION_BAR(0), 0, &w, 4) == -EPERM,
		"model error not passed through");
	log_clear();
	TH_CHECK(reg_read(dev, RTE_IOMMUFD_REGION_BAR(0), TEST_EMU_BAR_REGS * 4, &v) == -ERANGE,
		"read past the region accepted");
	TH_CHECK(log_has("emu0: region 0 read of 4 bytes at 0x100 is outside its 0x100 bytes"),
		"no message for an out-of-range read: %s", log_text());
	TH_CHECK(reg_read(dev, RTE_IOMMUFD_REGION_BAR(3), 0, &v) == -ENOENT, "absent region read");
	TH_CHECK(reg_read(dev, RTE_IOMMUFD_MAX_REGIONS, 0, &v) == -EINVAL, "bad region index");
	{
		uint16_t vid = 0;

		TH_CHECK(rte_iommufd_region_read(dev, RTE_IOMMUFD_REGION_CONFIG, 0, &vid, 2) == 0 &&
			vid == TEST_EMU_VENDOR, "config vendor id %04x", vid);
	}
	TH_CHECK(rte_iommufd_region_map(dev, RTE_IOMMUFD_REGION_BAR(0)) == NULL &&
		rte_errno == ENOTSUP, "emulated region must not map");

	/* Iteration. */
	n = 0;
	RTE_DEV_FOREACH(d, "bus=iommufd", &it)
		n++;
	TH_CHECK(n == 1, "%u devices iterated, expected 1", n);

	/* Hot-unplug, then plug the same name again. */
	ret = rte_dev_remove(&dev->device);
	TH_CHECK(ret == 0, "rte_dev_remove: %d: %s", ret, log_text());
	TH_CHECK(rte_iommufd_device_find("emu0") == NULL, "emu0 still on the bus");
	TH_CHECK(drv_removed == 1 && test_emu_destroyed() == 1,
		"removed %u destroyed %u", drv_removed, test_emu_destroyed());
	TH_CHECK(rte_dma_domain_binding_lookup("emu0") == NULL, "binding left behind");

	ret = rte_dev_probe("iommufd:emu0,model=test,answer=7");
	TH_CHECK(ret == 0, "rte_dev_probe: %d: %s", ret, log_text());
	dev = rte_iommufd_device_find("emu0");
	TH_CHECK(dev != NULL && dev->driver == &t_drv && dev->binding != NULL,
		"replugged device not probed and bound");
	if (dev != NULL)
		TH_CHECK(reg_read(dev, RTE_IOMMUFD_REGION_BAR(0), 0, &v) == 0 && v == 7,
			"replugged register 0 = %u, expected 7", v);
out:
	rte_eal_cleanup();
	TH_CHECK(test_emu_destroyed() == test_emu_created(),
		"cleanup: %u created, %u destroyed", test_emu_created(),
		test_emu_destroyed());
	return 0;
}

static const struct th_case cases[] = {
	{ "names", "unit", case_names, NULL, NULL },
	{ "bad_devargs", "unit", case_bad_devargs, NULL, NULL },
	{ "scan_default", "integration", case_scan_default, NULL, NULL },
	{ "scan_explicit", "integration", case_scan_explicit, NULL, NULL },
	{ "kernel_no_iommu", "integration", case_kernel_no_iommu, NULL, NULL },
	{ "emu_lifecycle", "integration", case_emu_lifecycle, NULL, NULL },
	{ "scan_escape", "integration", case_scan_escape, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
