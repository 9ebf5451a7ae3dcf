/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Devargs of the iommufd bus: device names, per-device options, and the
 * allow/block policy shared with the PCI bus.
 *
 *   -a iommufd:emu0,peer=emu1,queues=2     emulated device (model options)
 *   -a iommufd:0000:00:03.0,strategy=hitless
 *   -a 0000:00:03.0                        PCI syntax: claimed by this bus
 *                                          when bound to vfio-pci with a cdev
 *   -a bus=iommufd,name=emu0,domain=d1     layered syntax
 *   -b iommufd:emu1, -b 0000:00:04.0       block
 *
 * Options of every device: domain=NAME (start domain), strategy=quiesce|
 * hitless|remap|restart (default replace strategy), queues=N (queue
 * pairs). Emulated devices: model=NAME (default virtio-net) and the keys
 * the model lists in its valid_keys.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_common.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_kvargs.h>
#include <rte_string_fns.h>

#include "iommufd_private.h"

#define KEY_DOMAIN   "domain"
#define KEY_STRATEGY "strategy"
#define KEY_QUEUES   "queues"
#define KEY_MODEL    "model"
#define QUEUES_MAX   1024
/* data of the PCI devargs that blocks a function this bus claimed. */
#define CLAIM_TAG    "iommufd-claimed"

static const char *const common_keys[] = {
	KEY_DOMAIN, KEY_STRATEGY, KEY_QUEUES, KEY_MODEL, NULL,
};

bool
iommufd_name_is_emu(const char *name)
{
	const char *p;

	if (strncmp(name, "emu", 3) != 0 || name[3] == '\0')
		return false;
	for (p = name + 3; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return strlen(name) < RTE_IOMMUFD_NAME_MAX;
}

/* 1 to max hex digits at *p (nothing else: no sign, space or 0x, which
 * sscanf's %x would take), value in *v; advances *p.
 */
static bool
hex_field(const char **p, unsigned int max, unsigned int *v)
{
	unsigned int n;

	*v = 0;
	for (n = 0; isxdigit((unsigned char)**p); n++, (*p)++) {
		if (n == max)
			return false;
		*v = *v * 16 + (unsigned int)(isdigit((unsigned char)**p) ? **p - '0' :
			tolower((unsigned char)**p) - 'a' + 10);
	}
	return n > 0;
}

/* DDDD:BB:DD.F (nf 4) or BB:DD.F (nf 3, domain 0) exactly. */
static bool
bdf_fields(const char *name, unsigned int nf, unsigned int f[4])
{
	static const unsigned int width[] = { 4, 2, 2, 1 };
	const char *p = name;
	unsigned int k, first = 4 - nf;

	f[0] = 0;
	for (k = first; k < 4; k++) {
		if (!hex_field(&p, width[k], &f[k]))
			return false;
		if (k < 3 && *p++ != (k == 2 ? '.' : ':'))
			return false;
	}
	return *p == '\0';
}

bool
iommufd_name_to_bdf(const char *name, char *canon, size_t size)
{
	unsigned int f[4];

	/* DDDD:BB:DD.F, or BB:DD.F in domain 0; hex digits only, at most
	 * as many as the canonical form has
	 */
	if (!bdf_fields(name, 4, f) && !bdf_fields(name, 3, f))
		return false;
	if (f[2] > 0x1f || f[3] > 7)
		return false;
	if (canon != NULL)
		snprintf(canon, size, "%04x:%02x:%02x.%x", f[0], f[1], f[2], f[3]);
	return true;
}

/* EAL calls this with the whole devargs string of the legacy syntax
 * ("emu0,peer=emu1"): only the part before the first ',' is the name.
 */
int
iommufd_parse(const char *name, void *addr)
{
	char canon[RTE_IOMMUFD_NAME_MAX];
	char base[RTE_IOMMUFD_NAME_MAX];
	size_t len = strcspn(name, ",");
	char *out = addr;

	if (len == 0 || len >= sizeof(base))
		return 1;
	memcpy(base, name, len);
	base[len] = '\0';
	if (iommufd_name_is_emu(base))
		snprintf(canon, sizeof(canon), "%s", base);
	else if (!iommufd_name_to_bdf(base, canon, sizeof(canon)))
		return 1;
	if (out != NULL)
		strlcpy(out, canon, sizeof(canon));
	return 0;
}

const char *
iommufd_devargs_options(const struct rte_devargs *da)
{
	/* Layered syntax keeps options in the bus layer ("bus=iommufd,
	 * name=emu0,k=v"); legacy syntax in args ("iommufd:emu0,k=v").
	 */
	if (da->bus_str != NULL && strncmp(da->bus_str, "bus=", 4) == 0)
		return da->bus_str;
	return da->args;
}

static int
opt_error(const char *name, const char *fmt, ...) __rte_format_printf(2, 3);

static int
opt_error(const char *name, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	IOMMUFD_LOG(ERR, "%s: %s", name, msg);
	return -EINVAL;
}

static bool
key_in(const char *key, const char *const *keys)
{
	for (; keys != NULL && *keys != NULL; keys++)
		if (strcmp(key, *keys) == 0)
			return true;
	return false;
}

static void
keys_list(char *buf, size_t size, const char *const *keys)
{
	size_t len = strlen(buf);

	for (; keys != NULL && *keys != NULL && len < size; keys++)
		len += snprintf(buf + len, size - len, "%s%s",
			len ? ", " : "", *keys);
}

static int
opt_domain(const char *name, const char *v, struct iommufd_dev_opts *o)
{
	const char *p;

	if (v[0] == '\0' || strlen(v) >= sizeof(o->domain))
		return opt_error(name, "domain '%s': expected a name of 1 to %zu characters",
			v, sizeof(o->domain) - 1);
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_-.", *p) == NULL)
			return opt_error(name, "domain '%s': expected letters, digits, '_', '-' or '.'",
				v);
	snprintf(o->domain, sizeof(o->domain), "%s", v);
	return 0;
}

static int
opt_queues(const char *name, const char *v, struct iommufd_dev_opts *o)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] == '\0' || !isdigit((unsigned char)v[0]) || *end != '\0' ||
			errno != 0 || n < 1 || n > QUEUES_MAX)
		return opt_error(name, "queues '%s': expected a number of queue pairs from 1 to %d",
			v, QUEUES_MAX);
	o->queues = (uint16_t)n;
	return 0;
}

static int
opt_model(const char *name, const char *v, bool emulated,
		struct iommufd_dev_opts *o)
{
	char have[128] = "";
	unsigned int i;

	if (!emulated)
		return opt_error(name, "model '%s': model= applies to emulated devices (emuN) only",
			v);
	if (v[0] == '\0')
		return opt_error(name, "model: expected a model name (model=NAME)");
	o->emu = iommufd_model_find(v);
	if (o->emu != NULL)
		return 0;
	for (i = 0; i < iommufd_bus.nb_models; i++) {
		const char *const m[] = { iommufd_bus.models[i]->model, NULL };

		keys_list(have, sizeof(have), m);
	}
	return opt_error(name, "model '%s': no such emulated device model (registered: %s); a model registers with RTE_IOMMUFD_EMU_REGISTER from its .so (load it with -d)",
		v, have[0] ? have : "none");
}

int
iommufd_opts_parse(const char *name, const char *args, bool emulated,
		struct iommufd_dev_opts *opts, struct rte_kvargs **kvargs)
{
	struct rte_kvargs *kv = NULL;
	const char *model = IOMMUFD_EMU_DEFAULT_MODEL;
	unsigned int i, j;
	int ret = 0;

	memset(opts, 0, sizeof(*opts));
	opts->strategy = RTE_DMA_DOMAIN_STRATEGY_DEFAULT;
	if (kvargs != NULL)
		*kvargs = NULL;

	if (args != NULL && args[0] != '\0') {
		kv = rte_kvargs_parse(args, NULL);
		if (kv == NULL)
			return opt_error(name, "cannot parse options '%s': expected key=value pairs separated by ','",
				args);
	}
	/* The model decides which extra keys are valid: find it first. A key
	 * without '=' has no value (NULL): "model" alone names no model.
	 */
	for (i = 0; kv != NULL && i < kv->count; i++)
		if (strcmp(kv->pairs[i].key, KEY_MODEL) == 0)
			model = kv->pairs[i].value != NULL ? kv->pairs[i].value : "";
	if (emulated) {
		ret = opt_model(name, model, true, opts);
		if (ret != 0)
			goto out;
	}

	for (i = 0; kv != NULL && i < kv->count; i++) {
		const char *k = kv->pairs[i].key;
		const char *v = kv->pairs[i].value ? kv->pairs[i].value : "";

		for (j = 0; j < i; j++)
			if (strcmp(kv->pairs[j].key, k) == 0)
				break;
		if (j < i) {
			ret = opt_error(name, "key '%s' given twice", k);
			goto out;
		}
		/* "bus"/"name" belong to the layered syntax, not to us (but
		 * twice is as wrong there: EAL would use the first one)
		 */
		if (strcmp(k, "bus") == 0 || strcmp(k, "name") == 0)
			continue;
		if (strcmp(k, KEY_DOMAIN) == 0) {
			ret = opt_domain(name, v, opts);
		} else if (strcmp(k, KEY_STRATEGY) == 0) {
			if (rte_dma_domain_strategy_parse(v, &opts->strategy) != 0)
				ret = opt_error(name, "strategy '%s': expected quiesce, hitless, remap or restart",
					v);
		} else if (strcmp(k, KEY_QUEUES) == 0) {
			ret = opt_queues(name, v, opts);
		} else if (strcmp(k, KEY_MODEL) == 0) {
			if (!emulated)
				ret = opt_model(name, v, false, opts);
		} else if (!emulated || !key_in(k, opts->emu->valid_keys)) {
			char expect[256] = "";

			keys_list(expect, sizeof(expect), common_keys);
			if (emulated)
				keys_list(expect, sizeof(expect),
					opts->emu->valid_keys);
			ret = opt_error(name, "unknown key '%s' (expected one of: %s)",
				k, expect);
		}
		if (ret != 0)
			goto out;
	}
out:
	if (ret != 0 || kvargs == NULL)
		rte_kvargs_free(kv);
	else
		*kvargs = kv;
	return ret;
}

/* Devargs of bus_name whose name means the same device as canon. */
static struct rte_devargs *
devargs_find_on(const char *bus_name, const char *canon)
{
	char c[RTE_IOMMUFD_NAME_MAX];
	struct rte_devargs *da;

	RTE_EAL_DEVARGS_FOREACH(bus_name, da) {
		if (iommufd_parse(da->name, c) == 0 && strcmp(c, canon) == 0)
			return da;
	}
	return NULL;
}

struct rte_devargs *
iommufd_devargs_find(const char *name)
{
	return devargs_find_on(RTE_IOMMUFD_BUS_NAME, name);
}

struct rte_devargs *
iommufd_pci_devargs_find(const char *bdf)
{
	if (rte_bus_find_by_name("pci") == NULL)
		return NULL;
	return devargs_find_on("pci", bdf);
}

int
iommufd_kernel_policy(const char *bdf, struct rte_devargs **da)
{
	struct rte_devargs *own = iommufd_devargs_find(bdf);
	struct rte_devargs *pci = iommufd_pci_devargs_find(bdf);
	const struct rte_bus *pci_bus = rte_bus_find_by_name("pci");
	const struct rte_bus *bus = iommufd_bus_get();

	*da = NULL;
	/* Our own claim marker (a rescan, e.g. rte_dev_probe after a
	 * remove) is not a user's -b.
	 */
	if (pci != NULL && pci->data != NULL && strcmp(pci->data, CLAIM_TAG) == 0)
		pci = NULL;
	if ((own != NULL && own->policy == RTE_DEV_BLOCKED) ||
			(pci != NULL && pci->policy == RTE_DEV_BLOCKED))
		return -1;
	if (own != NULL) {
		*da = own;
		return 1;
	}
	if (pci != NULL) {
		*da = pci;
		return 1;
	}
	/* Not named: ours unless an allow list (of either bus) excludes it. */
	if ((bus != NULL && bus->conf.scan_mode == RTE_BUS_SCAN_ALLOWLIST) ||
			(pci_bus != NULL &&
			 pci_bus->conf.scan_mode == RTE_BUS_SCAN_ALLOWLIST))
		return -1;
	return 0;
}

static int
dev_name_cmp(const struct rte_device *dev, const void *name)
{
	return strcmp(dev->name, name);
}

/*
 * The PCI bus scans before this bus (it registers first), so it already
 * holds a device for the function, and its probe would open it through a
 * VFIO group (after which our cdev open fails with EBUSY). Mark the
 * function blocked for the PCI bus: its probe skips blocked devices.
 */
void
iommufd_pci_block(const char *bdf)
{
	struct rte_bus *pci = rte_bus_find_by_name("pci");
	struct rte_devargs *da;
	struct rte_device *pdev;

	if (pci == NULL)
		return; /* no PCI bus loaded: nobody else can claim it */
	da = iommufd_pci_devargs_find(bdf);
	if (da == NULL) {
		/* Built by hand, not with rte_devargs_parsef("pci:BDF"): when
		 * this bus registered before the PCI bus, EAL's legacy parser
		 * resolves a bare BDF to this bus (its parse accepts BDFs)
		 * and then refuses the "pci:" prefix as a mismatch.
		 */
		da = calloc(1, sizeof(*da));
		if (da == NULL)
			return;
		da->data = strdup(CLAIM_TAG);
		if (da->data == NULL ||
				strlcpy(da->name, bdf, sizeof(da->name)) >= sizeof(da->name)) {
			free(da->data);
			free(da);
			IOMMUFD_LOG(WARNING, "%s: cannot block it for the PCI bus: it may be probed twice",
				bdf);
			return;
		}
		da->args = da->data + strlen(da->data); /* no driver args */
		da->bus = pci;
		da->policy = RTE_DEV_BLOCKED;
		if (rte_devargs_insert(&da) != 0) {
			rte_devargs_reset(da);
			free(da);
			return;
		}
	}
	da->policy = RTE_DEV_BLOCKED;
	pdev = pci->find_device != NULL ?
		pci->find_device(NULL, dev_name_cmp, bdf) : NULL;
	if (pdev != NULL && pdev->devargs == NULL)
		pdev->devargs = da;
	IOMMUFD_LOG(DEBUG, "%s: blocked for the PCI bus (claimed by iommufd)", bdf);
}
