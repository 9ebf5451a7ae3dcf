/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */
/*
 * VM tier self-check on real devices (the guest's virtio-net NICs bound to
 * vfio-pci behind the emulated VT-d): VFIO cdev bind, attach, replace
 * IOAS<->IOAS and HWPT<->HWPT, detach, and the latency of a replace compared
 * with unmap+map of the same memory.
 *
 * latency_ioas: IOAS<->IOAS only (no HWPT allocated by hand: the kernel
 * allocates and attaches each domain itself, which also works where
 * IOMMU_HWPT_ALLOC on an IOAS with mappings is refused, e.g. virtio-iommu
 * on Linux 6.12: the atomicity matrix, tests/vm/meson.build).
 *
 * Usage: vm-iommufd-replace lifecycle|latency|latency_ioas
 * Devices: IOMMUFD_TEST_DEVICES="0000:00:03.0 0000:00:04.0" (PCI BDFs bound
 * to vfio-pci); without it the test skips on the host and fails in the VM
 * tier's guest (vm_cannot_run()).
 */
#include "iommufd_vm_common.h"

#define MAX_DEVS 4
#define IOVA_A (1ull << 30)
#define IOVA_B (2ull << 30)

static unsigned int
vdevs_bind(int iommufd, struct vm_vdev *devs)
{
	const char *env = getenv("IOMMUFD_TEST_DEVICES");
	char list[256], *tok, *save = NULL;
	unsigned int n = 0;

	if (env == NULL || *env == '\0')
		exit(vm_cannot_run("IOMMUFD_TEST_DEVICES not set: needs vfio-pci devices"));
	snprintf(list, sizeof(list), "%s", env);
	for (tok = strtok_r(list, " ,", &save); tok != NULL && n < MAX_DEVS;
			tok = strtok_r(NULL, " ,", &save)) {
		vm_vdev_bind(iommufd, tok, &devs[n++]);
	}
	if (n == 0)
		TH_FATAL("IOMMUFD_TEST_DEVICES='%s' names no device", env);
	return n;
}

static int
test_lifecycle(void)
{
	const size_t len = 4u << 20;
	struct vm_vdev devs[MAX_DEVS];
	uint32_t ioas_a, ioas_b, hwpt[MAX_DEVS][2], got;
	unsigned int n, i, k;
	int fd, rc;
	void *buf;

	fd = vm_iommufd_open();
	n = vdevs_bind(fd, devs);
	buf = vm_buffer(len);
	ioas_a = vm_ioas_alloc(fd);
	ioas_b = vm_ioas_alloc(fd);
	vm_ioas_map(fd, ioas_a, buf, len, IOVA_A);
	vm_ioas_map(fd, ioas_b, buf, len, IOVA_B);

	for (i = 0; i < n; i++) {
		struct vm_vdev *v = &devs[i];

		/* Onto an IOAS the kernel creates (or shares) a HWPT. */
		got = vm_attach(v, ioas_a);
		if (got == ioas_a || got == 0)
			TH_FATAL("device %s: attach to IOAS %u returned pt %u, expected an automatic HWPT",
				v->bdf, ioas_a, got);
		vm_attach(v, ioas_b);
		vm_attach(v, ioas_a);
		hwpt[i][0] = vm_hwpt_alloc(fd, v->dev_id, ioas_a);
		hwpt[i][1] = vm_hwpt_alloc(fd, v->dev_id, ioas_b);
		/* HWPT <-> HWPT in both directions, then back onto an IOAS. */
		for (k = 0; k < 3; k++) {
			got = vm_attach(v, hwpt[i][k & 1]);
			if (got != hwpt[i][k & 1])
				TH_FATAL("device %s: replace onto a HWPT returned pt %u", v->bdf,
					got);
		}
		vm_attach(v, ioas_b);
		vm_attach(v, hwpt[i][1]);
		/* A bad target fails cleanly and leaves the attachment usable. */
		rc = vm_attach_try(v, 0xdead00u, NULL);
		if (rc != -ENOENT)
			TH_FATAL("device %s: replace onto unknown pt 0xdead00 gave %s, expected ENOENT",
				v->bdf, rc == 0 ? "success" : strerror(-rc));
		if (vm_attach(v, hwpt[i][0]) != hwpt[i][0])
			TH_FATAL("device %s: replace after a failed replace broke", v->bdf);
		/* A HWPT in use cannot be destroyed. */
		rc = vm_destroy_try(fd, hwpt[i][0]);
		if (rc != -EBUSY)
			TH_FATAL("device %s: destroying the attached HWPT %u gave %s, expected EBUSY",
				v->bdf, hwpt[i][0], rc == 0 ? "success" : strerror(-rc));
		printf("device %s: dev_id %u bound, attach/replace IOAS<->IOAS, HWPT<->HWPT ok\n",
			v->bdf, v->dev_id);
	}
	for (i = 0; i < n; i++) {
		vm_detach(&devs[i]);
		if (vm_destroy_try(fd, hwpt[i][0]) != 0 || vm_destroy_try(fd, hwpt[i][1]) != 0)
			TH_FATAL("device %s: HWPTs not destroyable after detach: %s",
				devs[i].bdf, strerror(errno));
		/* Detached means attachable again. */
		vm_attach(&devs[i], ioas_a);
		vm_detach(&devs[i]);
	}
	vm_ioas_unmap(fd, ioas_a, len, IOVA_A);
	vm_ioas_unmap(fd, ioas_b, len, IOVA_B);
	printf("lifecycle ok on %u device(s)\n", n);
	return 0;
}

static unsigned int
env_uint(const char *name, unsigned int def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtoul(s, &end, 0);
	if (*end != '\0' || v == 0 || v > 1u << 20)
		TH_FATAL("%s='%s': expected a positive integer", name, s);
	return (unsigned int)v;
}

/* The kernel builds (and fills) a fresh domain on every IOAS replace. */
static void
ioas_replaces(struct vm_vdev *v, const uint32_t ioas[2], uint64_t *ns, unsigned int n)
{
	unsigned int i;
	uint64_t t0;

	for (i = 0; i < n; i++) {
		t0 = th_now_ns();
		vm_attach(v, ioas[i & 1]);
		ns[i] = th_now_ns() - t0;
	}
	vm_print_latency("replace IOAS<->IOAS", ns, n);
}

/* What both latency cases set up: the devices bound, the same buffer
 * mapped in two IOASes (VM_REPLACE_MAP_MB at IOVA_A and IOVA_B), room for
 * VM_REPLACE_ITERS samples.
 */
struct latency_env {
	size_t len;
	unsigned int iters, slow_iters;
	struct vm_vdev devs[MAX_DEVS];
	uint32_t ioas[2];
	uint64_t *ns;
	int fd;
	void *buf;
};

static void
latency_setup(struct latency_env *e)
{
	e->len = (size_t)env_uint("VM_REPLACE_MAP_MB", 64) << 20;
	e->iters = env_uint("VM_REPLACE_ITERS", 200);
	e->slow_iters = e->iters / 10 ? e->iters / 10 : 1;
	e->fd = vm_iommufd_open();
	vdevs_bind(e->fd, e->devs);
	e->buf = vm_buffer(e->len);
	e->ns = calloc(e->iters, sizeof(*e->ns));
	if (e->ns == NULL)
		TH_FATAL("out of memory");
	e->ioas[0] = vm_ioas_alloc(e->fd);
	e->ioas[1] = vm_ioas_alloc(e->fd);
	vm_ioas_map(e->fd, e->ioas[0], e->buf, e->len, IOVA_A);
	vm_ioas_map(e->fd, e->ioas[1], e->buf, e->len, IOVA_B);
}

static int
test_latency_ioas(void)
{
	struct latency_env e;

	latency_setup(&e);
	vm_attach(&e.devs[0], e.ioas[1]);
	printf("device %s, %zu MiB mapped in each IOAS\n", e.devs[0].bdf, e.len >> 20);
	ioas_replaces(&e.devs[0], e.ioas, e.ns, e.slow_iters);
	vm_detach(&e.devs[0]);
	free(e.ns);
	return 0;
}

static int
test_latency(void)
{
	struct latency_env e;
	uint32_t hwpt[2];
	unsigned int i;
	uint64_t t0;

	latency_setup(&e);
	vm_attach(&e.devs[0], e.ioas[0]);
	hwpt[0] = vm_hwpt_alloc(e.fd, e.devs[0].dev_id, e.ioas[0]);
	hwpt[1] = vm_hwpt_alloc(e.fd, e.devs[0].dev_id, e.ioas[1]);
	printf("device %s, %zu MiB mapped in each IOAS\n", e.devs[0].bdf, e.len >> 20);

	for (i = 0; i < e.iters; i++) {
		t0 = th_now_ns();
		vm_attach(&e.devs[0], hwpt[(i + 1) & 1]);
		e.ns[i] = th_now_ns() - t0;
	}
	vm_print_latency("replace HWPT<->HWPT", e.ns, e.iters);

	for (i = 0; i < e.iters; i++) {
		t0 = th_now_ns();
		vm_attach(&e.devs[0], hwpt[1]);
		e.ns[i] = th_now_ns() - t0;
	}
	vm_print_latency("re-attach same HWPT", e.ns, e.iters);

	ioas_replaces(&e.devs[0], e.ioas, e.ns, e.slow_iters);

	/* The alternative to a replace: rewrite the attached domain in place. */
	vm_attach(&e.devs[0], hwpt[0]);
	vm_time_remap(e.fd, e.ioas[0], e.buf, e.len, IOVA_A, e.ns, e.slow_iters,
		"unmap+map same memory");
	vm_detach(&e.devs[0]);
	free(e.ns);
	return 0;
}

static const struct th_case cases[] = {
	{ "lifecycle", "vm", test_lifecycle, NULL, NULL },
	{ "latency", "vm", test_latency, NULL, NULL },
	{ "latency_ioas", "vm", test_latency_ioas, NULL, NULL },
};

TH_MAIN(cases, TH_ONE_PER_PROCESS)
