/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Emulated virtio-net 1.x PCI function: devargs, PCI config space and the
 * registers of BAR 4. The DMA engine lives in emu_virtio_dma.c.
 *
 * Devargs (besides the bus's own keys):
 *   peer=emuN        wire this port back to back with port emuN
 *   wire=peer|loop|sink|gen   what transmitted packets meet (default:
 *                    peer if peer= is given, else sink); gen feeds rx with
 *                    generated frames of gen_len bytes
 *   mode=inline|thread|service where the engine runs (default inline):
 *                    in the driver's calls, on a thread of its own, or as
 *                    a DPDK service "emu_vnet_<name>" (rte_service)
 *   cpu=N            engine thread CPU (mode=thread)
 *   service_lcore=N  mode=service: map the service to service lcore N
 *                    (EAL -s/-S) and start it; without it the application
 *                    maps and runs the service
 *   mac=XX:XX:XX:XX:XX:XX     default 02:00:00:00:00:<device number>
 *   max_pairs=N      queue pairs offered (1..16, default 4)
 *   qsize=N          largest queue size (power of 2, default 1024)
 *   features_off=a+b remove offered features by name (version_1,
 *                    access_platform, ring_reset, mq, ctrl_vq, mrg_rxbuf,
 *                    status, mac) or bit number
 *   link=up|down     link status reported in device cfg (default up)
 */

#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "emu_virtio_net.h"

RTE_LOG_REGISTER_SUFFIX(emu_vnet_logtype, emu, NOTICE);

static const char *const emu_vnet_keys[] = {
	"peer", "wire", "mode", "cpu", "mac", "max_pairs", "qsize",
	"features_off", "link", "gen_len", "service_lcore", NULL,
};

static const struct {
	const char *name;
	unsigned int bit;
} emu_feature_names[] = {
	{ "version_1", VIRTIO_F_VERSION_1 },
	{ "access_platform", VIRTIO_F_ACCESS_PLATFORM },
	{ "ring_reset", VIRTIO_F_RING_RESET },
	{ "mq", VIRTIO_NET_F_MQ },
	{ "ctrl_vq", VIRTIO_NET_F_CTRL_VQ },
	{ "mrg_rxbuf", VIRTIO_NET_F_MRG_RXBUF },
	{ "status", VIRTIO_NET_F_STATUS },
	{ "mac", VIRTIO_NET_F_MAC },
};

/* What the device offers by default: what QEMU's virtio-net-pci with
 * iommu_platform=on offers that matters to this project. */
#define EMU_HOST_FEATURES (VIRTIO_BIT(VIRTIO_F_VERSION_1) | \
	VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) | VIRTIO_BIT(VIRTIO_F_RING_RESET) | \
	VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | \
	VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) | \
	VIRTIO_BIT(VIRTIO_NET_F_MAC))

extern const struct rte_iommufd_emu_ops emu_vnet_ops;

bool
emu_vnet_is_ours(const struct rte_iommufd_device *dev)
{
	return dev->emu == &emu_vnet_ops && dev->emu_priv != NULL;
}

/* Control-path lock of a queue: the holder may be an engine running on a
 * poller that shares our core, so yield instead of spinning. */
static void
vq_lock(struct emu_vq *vq)
{
	while (!rte_spinlock_trylock(&vq->lock))
		sched_yield();
}

void
emu_vnet_vq_clear(struct emu_vnet *n, struct emu_vq *vq)
{
	rte_atomic_store_explicit(&vq->enable, 0, rte_memory_order_release);
	vq->size = n->qsize_max;
	vq->desc = vq->avail = vq->used = 0;
	vq->last_avail = vq->used_idx = 0;
	vq->flags_done = false;
}

void
emu_vnet_raise_needs_reset(struct emu_vnet *n, const char *why)
{
	/* Like QEMU's virtio_error(): mark the device broken, set
	 * DEVICE_NEEDS_RESET (VERSION_1) and signal a config change; the
	 * device does no more DMA until the driver resets it. Any engine
	 * context may get here, the peer's too: one wins. */
	if (rte_atomic_exchange_explicit(&n->broken, true, rte_memory_order_acq_rel))
		return;
	rte_atomic_fetch_add_explicit(&n->faults, 1, rte_memory_order_relaxed);
	rte_atomic_fetch_or_explicit(&n->status, VIRTIO_STATUS_DEVICE_NEEDS_RESET, rte_memory_order_release);
	rte_atomic_fetch_add_explicit(&n->cfg_gen, 1, rte_memory_order_release);
	rte_atomic_fetch_or_explicit(&n->isr, VIRTIO_PCI_ISR_CONFIG, rte_memory_order_release);
	EMU_LOG(ERR, "%s: %s: device needs reset", n->dev->name, why);
}

/*
 * Device reset, exclusive with every engine pass on this device's queues,
 * the peer's deliveries into its rx queues included: each queue is
 * cleared under its lock, which waits for a pass in flight and leaves the
 * queue disabled, so no pass touches the device's memory after this
 * returns (until the driver enables queues again). The device-wide state
 * that passes read without a queue lock (status, broken, curr_pairs) is
 * reset with atomic stores, after the queues are off.
 */
static void
device_reset(struct emu_vnet *n)
{
	unsigned int i;

	if (n->mode == EMU_MODE_THREAD)
		emu_vnet_thread_stop(n);
	else if (n->mode == EMU_MODE_SERVICE)
		emu_vnet_service_stop(n);
	for (i = 0; i < n->num_queues; i++) {
		vq_lock(&n->vq[i]);
		emu_vnet_vq_clear(n, &n->vq[i]);
		rte_spinlock_unlock(&n->vq[i].lock);
	}
	n->guest_features = 0;
	n->dfselect = n->gfselect = 0;
	n->queue_select = 0;
	rte_atomic_store_explicit(&n->curr_pairs, 1, rte_memory_order_release);
	rte_atomic_store_explicit(&n->isr, 0, rte_memory_order_release);
	rte_atomic_store_explicit(&n->broken, false, rte_memory_order_release);
	rte_atomic_store_explicit(&n->ctrl_kick, false, rte_memory_order_release);
	rte_atomic_store_explicit(&n->status, 0, rte_memory_order_release);
}

/* ---- PCI config space ---------------------------------------------------- */

static void
cfg_put(uint8_t *cfg, unsigned int off, const void *v, size_t len)
{
	memcpy(cfg + off, v, len);
}

static unsigned int
cfg_add_cap(uint8_t *cfg, unsigned int off, uint8_t next, uint8_t type,
		uint32_t bar_off, uint32_t len, uint32_t mult)
{
	struct virtio_pci_notify_cap c;
	uint8_t cap_len = type == VIRTIO_PCI_CAP_NOTIFY_CFG ?
		sizeof(struct virtio_pci_notify_cap) : sizeof(struct virtio_pci_cap);

	memset(&c, 0, sizeof(c));
	c.cap.cap_vndr = VIRTIO_PCI_CAP_ID_VNDR;
	c.cap.cap_next = next;
	c.cap.cap_len = cap_len;
	c.cap.cfg_type = type;
	c.cap.bar = EMU_BAR;
	c.cap.offset = bar_off;
	c.cap.length = len;
	c.notify_off_multiplier = mult;
	cfg_put(cfg, off, &c, cap_len);
	return off + cap_len;
}

static void
cfg_build(struct emu_vnet *n)
{
	uint8_t *c = n->cfg;
	uint16_t v16;
	uint32_t v32;
	uint8_t class[3] = { 0x00, 0x00, 0x02 }; /* Ethernet controller */
	uint8_t pos[5] = { 0x40, 0x50, 0x64, 0x74, 0 };

	v16 = VIRTIO_PCI_VENDOR_ID;
	cfg_put(c, VIRTIO_PCI_CFG_VENDOR_ID, &v16, 2);
	v16 = VIRTIO_PCI_DEVICE_ID_NET;
	cfg_put(c, VIRTIO_PCI_CFG_DEVICE_ID, &v16, 2);
	v16 = VIRTIO_PCI_STATUS_CAP_LIST;
	cfg_put(c, VIRTIO_PCI_CFG_STATUS, &v16, 2);
	c[VIRTIO_PCI_CFG_REVISION] = 1; /* modern-only devices have rev >= 1 */
	cfg_put(c, VIRTIO_PCI_CFG_CLASS, class, 3);
	/* BAR4: 64-bit memory BAR; the address is meaningless here. */
	v32 = 0x4;
	cfg_put(c, VIRTIO_PCI_CFG_BAR0 + 4 * EMU_BAR, &v32, 4);
	v16 = VIRTIO_PCI_VENDOR_ID;
	cfg_put(c, VIRTIO_PCI_CFG_SUBSYS_VENDOR, &v16, 2);
	v16 = 0x1100;
	cfg_put(c, VIRTIO_PCI_CFG_SUBSYS_ID, &v16, 2);
	c[VIRTIO_PCI_CFG_CAP_PTR] = pos[0];
	cfg_add_cap(c, pos[0], pos[1], VIRTIO_PCI_CAP_COMMON_CFG, EMU_COMMON_OFF,
		VIRTIO_PCI_COMMON_CFG_LEN, 0);
	cfg_add_cap(c, pos[1], pos[2], VIRTIO_PCI_CAP_NOTIFY_CFG, EMU_NOTIFY_OFF,
		EMU_NOTIFY_MULT * n->num_queues, EMU_NOTIFY_MULT);
	cfg_add_cap(c, pos[2], pos[3], VIRTIO_PCI_CAP_ISR_CFG, EMU_ISR_OFF, 1, 0);
	cfg_add_cap(c, pos[3], pos[4], VIRTIO_PCI_CAP_DEVICE_CFG, EMU_DEVCFG_OFF,
		sizeof(struct virtio_net_config), 0);
}

/* ---- devargs ----------------------------------------------------------- */

/* A number: decimal, or hex after 0x. Not strtoul's base 0 alone, which
 * also takes a sign, leading spaces and octal (qsize=010 was 8). */
static bool
strict_ulong(const char *v, unsigned long *out)
{
	int base = 10;
	const char *p;
	char *end;

	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		v += 2;
	} else if (v[0] == '0' && v[1] != '\0') {
		return false;
	}
	/* digits only: strtoul would take a second 0x in base 16 */
	for (p = v; *p != '\0'; p++)
		if (base == 16 ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p))
			return false;
	errno = 0;
	*out = strtoul(v, &end, base);
	return errno == 0 && end != v && *end == '\0';
}

/* An emulated device's name: emuN. */
static bool
emu_name(const char *v)
{
	const char *p;

	if (strncmp(v, "emu", 3) != 0 || v[3] == '\0')
		return false;
	for (p = v + 3; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static int
parse_uint(const char *dev, const char *key, const char *v, unsigned long min,
		unsigned long max, unsigned long *out)
{
	if (!strict_ulong(v, out) || *out < min || *out > max) {
		EMU_LOG(ERR, "%s: bad %s=%s: expected an integer in [%lu, %lu]",
			dev, key, v, min, max);
		return -EINVAL;
	}
	return 0;
}

static int
parse_features_off(struct emu_vnet *n, const char *v)
{
	char buf[256], *tok, *save = NULL;
	unsigned int i;

	if (strlen(v) >= sizeof(buf)) {
		EMU_LOG(ERR, "%s: features_off too long", n->dev->name);
		return -EINVAL;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, "+:", &save); tok != NULL;
			tok = strtok_r(NULL, "+:", &save)) {
		unsigned long bit;

		for (i = 0; i < RTE_DIM(emu_feature_names); i++)
			if (strcmp(tok, emu_feature_names[i].name) == 0)
				break;
		if (i < RTE_DIM(emu_feature_names)) {
			bit = emu_feature_names[i].bit;
		} else if (!strict_ulong(tok, &bit) || bit > 63) {
			/* one message: a name or a bit number was expected */
			EMU_LOG(ERR, "%s: features_off: unknown feature '%s' (expected a bit number or one of version_1, access_platform, ring_reset, mq, ctrl_vq, mrg_rxbuf, status, mac, joined by '+')",
				n->dev->name, tok);
			return -EINVAL;
		}
		n->host_features &= ~VIRTIO_BIT(bit);
	}
	return 0;
}

static int
parse_args(struct emu_vnet *n, struct rte_kvargs *kv)
{
	const char *name = n->dev->name;
	const char *v;
	unsigned long u;
	bool wire_set = false;

	if (kv == NULL)
		return 0;
	v = rte_kvargs_get(kv, "peer");
	if (v != NULL) {
		if (!emu_name(v) || strlen(v) >= sizeof(n->peer_name) ||
				strcmp(v, name) == 0) {
			EMU_LOG(ERR, "%s: bad peer=%s: expected the name of another emulated device (e.g. emu1)",
				name, v);
			return -EINVAL;
		}
		strcpy(n->peer_name, v);
		n->wire = EMU_WIRE_PEER;
	}
	v = rte_kvargs_get(kv, "wire");
	if (v != NULL) {
		wire_set = true;
		if (strcmp(v, "peer") == 0)
			n->wire = EMU_WIRE_PEER;
		else if (strcmp(v, "loop") == 0)
			n->wire = EMU_WIRE_LOOP;
		else if (strcmp(v, "sink") == 0)
			n->wire = EMU_WIRE_SINK;
		else if (strcmp(v, "gen") == 0)
			n->wire = EMU_WIRE_GEN;
		else {
			EMU_LOG(ERR, "%s: bad wire=%s: expected peer, loop, sink or gen", name, v);
			return -EINVAL;
		}
	}
	if (n->wire == EMU_WIRE_PEER && n->peer_name[0] == '\0') {
		EMU_LOG(ERR, "%s: wire=peer needs peer=NAME", name);
		return -EINVAL;
	}
	if (wire_set && n->wire != EMU_WIRE_PEER && n->peer_name[0] != '\0') {
		EMU_LOG(ERR, "%s: peer= given with wire=%s: expected wire=peer or no wire=",
			name, rte_kvargs_get(kv, "wire"));
		return -EINVAL;
	}
	v = rte_kvargs_get(kv, "mode");
	if (v != NULL) {
		if (strcmp(v, "thread") == 0)
			n->mode = EMU_MODE_THREAD;
		else if (strcmp(v, "service") == 0)
			n->mode = EMU_MODE_SERVICE;
		else if (strcmp(v, "inline") != 0) {
			EMU_LOG(ERR, "%s: bad mode=%s: expected inline, thread or service", name, v);
			return -EINVAL;
		}
	}
	v = rte_kvargs_get(kv, "service_lcore");
	if (v != NULL) {
		if (parse_uint(name, "service_lcore", v, 0, RTE_MAX_LCORE - 1, &u) != 0)
			return -EINVAL;
		if (n->mode != EMU_MODE_SERVICE) {
			EMU_LOG(ERR, "%s: service_lcore=%s given without mode=service", name, v);
			return -EINVAL;
		}
		n->service_lcore = (int)u;
	}
	v = rte_kvargs_get(kv, "cpu");
	if (v != NULL) {
		if (parse_uint(name, "cpu", v, 0, CPU_SETSIZE - 1, &u) != 0)
			return -EINVAL;
		n->cpu = (int)u;
	}
	v = rte_kvargs_get(kv, "mac");
	if (v != NULL && rte_ether_unformat_addr(v, &n->mac) != 0) {
		EMU_LOG(ERR, "%s: bad mac=%s: expected XX:XX:XX:XX:XX:XX", name, v);
		return -EINVAL;
	}
	v = rte_kvargs_get(kv, "max_pairs");
	if (v != NULL) {
		if (parse_uint(name, "max_pairs", v, 1, EMU_MAX_PAIRS, &u) != 0)
			return -EINVAL;
		n->max_pairs = (uint16_t)u;
	}
	v = rte_kvargs_get(kv, "qsize");
	if (v != NULL) {
		if (parse_uint(name, "qsize", v, 2, VIRTQ_MAX_SIZE, &u) != 0)
			return -EINVAL;
		if (!rte_is_power_of_2(u)) {
			EMU_LOG(ERR, "%s: bad qsize=%s: expected a power of 2", name, v);
			return -EINVAL;
		}
		n->qsize_max = (uint16_t)u;
	}
	v = rte_kvargs_get(kv, "gen_len");
	if (v != NULL) {
		if (parse_uint(name, "gen_len", v, 60, 9000, &u) != 0)
			return -EINVAL;
		n->gen_len = (uint16_t)u;
	}
	v = rte_kvargs_get(kv, "link");
	if (v != NULL) {
		if (strcmp(v, "up") == 0)
			n->link_status = VIRTIO_NET_S_LINK_UP;
		else if (strcmp(v, "down") == 0)
			n->link_status = 0;
		else {
			EMU_LOG(ERR, "%s: bad link=%s: expected up or down", name, v);
			return -EINVAL;
		}
	}
	v = rte_kvargs_get(kv, "features_off");
	if (v != NULL && parse_features_off(n, v) != 0)
		return -EINVAL;
	return 0;
}

/* ---- create / destroy ---------------------------------------------------- */

static int
emu_vnet_create(struct rte_iommufd_device *dev, struct rte_kvargs *kv)
{
	struct emu_vnet *n;
	unsigned int i, num = 0;
	const char *p;
	int ret;

	/* Bus scan runs before EAL memory exists: plain heap memory. */
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->dev = dev;
	n->host_features = EMU_HOST_FEATURES;
	n->max_pairs = 4;
	n->qsize_max = EMU_DEFAULT_QSIZE;
	n->link_status = VIRTIO_NET_S_LINK_UP;
	n->gen_len = 64;
	n->cpu = -1;
	n->service_lcore = -1;
	n->wire = EMU_WIRE_SINK;
	for (p = dev->name; *p != '\0'; p++)
		if (*p >= '0' && *p <= '9')
			num = num * 10 + (unsigned int)(*p - '0');
	n->mac = (struct rte_ether_addr){ .addr_bytes = { 0x02, 0, 0, 0,
		(uint8_t)(num >> 8), (uint8_t)num } };
	n->dev->emu_priv = n;
	ret = parse_args(n, kv);
	if (ret != 0) {
		dev->emu_priv = NULL;
		free(n);
		return ret;
	}
	if (!(n->host_features & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)))
		n->host_features &= ~VIRTIO_BIT(VIRTIO_NET_F_MQ);
	n->num_queues = 2 * n->max_pairs + 1;
	n->curr_pairs = 1;
	for (i = 0; i < n->num_queues; i++) {
		rte_spinlock_init(&n->vq[i].lock);
		emu_vnet_vq_clear(n, &n->vq[i]);
	}
	cfg_build(n);

	dev->id = (struct rte_iommufd_id){
		.vendor_id = VIRTIO_PCI_VENDOR_ID,
		.device_id = VIRTIO_PCI_DEVICE_ID_NET,
		.subsystem_vendor_id = VIRTIO_PCI_VENDOR_ID,
		.subsystem_device_id = 0x1100,
	};
	memset(dev->regions, 0, sizeof(dev->regions));
	dev->regions[RTE_IOMMUFD_REGION_CONFIG] = (struct rte_iommufd_region){
		.size = EMU_CFG_SPACE_SIZE,
		.flags = RTE_IOMMUFD_REGION_F_READ | RTE_IOMMUFD_REGION_F_WRITE,
	};
	dev->regions[RTE_IOMMUFD_REGION_BAR(EMU_BAR)] = (struct rte_iommufd_region){
		.size = EMU_BAR_SIZE,
		.flags = RTE_IOMMUFD_REGION_F_READ | RTE_IOMMUFD_REGION_F_WRITE,
	};
	EMU_LOG(INFO, "%s: virtio-net, %u queue pairs, features 0x%" PRIx64 ", wire %s%s, %s engine",
		dev->name, n->max_pairs, n->host_features,
		n->wire == EMU_WIRE_PEER ? "peer " : n->wire == EMU_WIRE_LOOP ? "loop" :
		n->wire == EMU_WIRE_GEN ? "gen" : "sink", n->peer_name,
		n->mode == EMU_MODE_THREAD ? "thread" :
		n->mode == EMU_MODE_SERVICE ? "service" : "inline");
	return 0;
}

static void
emu_vnet_destroy(struct rte_iommufd_device *dev)
{
	struct emu_vnet *n = dev->emu_priv;
	struct rte_iommufd_device *d = NULL;

	if (n == NULL)
		return;
	device_reset(n);
	emu_vnet_service_fini(n);
	/* Ports wired to this one forget it (they back-pressure from now on). */
	while ((d = rte_iommufd_device_next(d)) != NULL) {
		if (d != dev && emu_vnet_is_ours(d)) {
			struct emu_vnet *o = d->emu_priv;

			if (rte_atomic_load_explicit(&o->peer, rte_memory_order_acquire) == n)
				rte_atomic_store_explicit(&o->peer, NULL, rte_memory_order_release);
		}
	}
	dev->emu_priv = NULL;
	free(n);
}

/* ---- registers --------------------------------------------------------- */

/* Image of the common cfg for the selected queue: reads of any width and
 * offset are served from it. */
static void
common_image(struct emu_vnet *n, uint8_t img[VIRTIO_PCI_COMMON_CFG_LEN])
{
	uint16_t q = n->queue_select;
	const struct emu_vq *vq = q < n->num_queues ? &n->vq[q] : NULL;
	uint32_t df = n->dfselect == 0 ? (uint32_t)n->host_features :
		n->dfselect == 1 ? (uint32_t)(n->host_features >> 32) : 0;
	uint32_t gf = n->gfselect == 0 ? (uint32_t)n->guest_features :
		n->gfselect == 1 ? (uint32_t)(n->guest_features >> 32) : 0;
	uint16_t v16;
	uint64_t v64;

	memset(img, 0, VIRTIO_PCI_COMMON_CFG_LEN);
	memcpy(img + VIRTIO_PCI_COMMON_DFSELECT, &n->dfselect, 4);
	memcpy(img + VIRTIO_PCI_COMMON_DF, &df, 4);
	memcpy(img + VIRTIO_PCI_COMMON_GFSELECT, &n->gfselect, 4);
	memcpy(img + VIRTIO_PCI_COMMON_GF, &gf, 4);
	v16 = VIRTIO_MSI_NO_VECTOR;
	memcpy(img + VIRTIO_PCI_COMMON_MSIX, &v16, 2);
	memcpy(img + VIRTIO_PCI_COMMON_NUMQ, &n->num_queues, 2);
	img[VIRTIO_PCI_COMMON_STATUS] = rte_atomic_load_explicit(&n->status, rte_memory_order_acquire);
	img[VIRTIO_PCI_COMMON_CFGGEN] = rte_atomic_load_explicit(&n->cfg_gen, rte_memory_order_acquire);
	memcpy(img + VIRTIO_PCI_COMMON_Q_SELECT, &q, 2);
	if (vq == NULL)
		return; /* queue_size 0: no such queue */
	memcpy(img + VIRTIO_PCI_COMMON_Q_SIZE, &vq->size, 2);
	memcpy(img + VIRTIO_PCI_COMMON_Q_MSIX, &v16, 2);
	v16 = rte_atomic_load_explicit(&vq->enable, rte_memory_order_acquire);
	memcpy(img + VIRTIO_PCI_COMMON_Q_ENABLE, &v16, 2);
	memcpy(img + VIRTIO_PCI_COMMON_Q_NOFF, &q, 2);
	v64 = vq->desc;
	memcpy(img + VIRTIO_PCI_COMMON_Q_DESC, &v64, 8);
	v64 = vq->avail;
	memcpy(img + VIRTIO_PCI_COMMON_Q_DRIVER, &v64, 8);
	v64 = vq->used;
	memcpy(img + VIRTIO_PCI_COMMON_Q_DEVICE, &v64, 8);
	memcpy(img + VIRTIO_PCI_COMMON_Q_NDATA, &q, 2);
	/* queue_reset: resets complete synchronously, so it always reads 0. */
}

static bool
has_feature(const struct emu_vnet *n, unsigned int bit)
{
	return (n->guest_features & VIRTIO_BIT(bit)) != 0;
}

static void
status_write(struct emu_vnet *n, uint8_t v)
{
	uint8_t old = rte_atomic_load_explicit(&n->status, rte_memory_order_acquire);

	if (v == VIRTIO_STATUS_RESET) {
		device_reset(n);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		/* Accept only a subset of what we offer, and only modern. */
		if ((n->guest_features & ~n->host_features) != 0 ||
				!has_feature(n, VIRTIO_F_VERSION_1)) {
			EMU_LOG(WARNING, "%s: features 0x%" PRIx64 " not accepted (offered 0x%" PRIx64 ", VERSION_1 required)",
				n->dev->name, n->guest_features, n->host_features);
			v &= ~VIRTIO_STATUS_FEATURES_OK;
		}
	}
	/* The driver cannot clear DEVICE_NEEDS_RESET but by a reset, and an
	 * engine (also the peer's) may raise it meanwhile: keep the bit. */
	v &= (uint8_t)~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	while (!rte_atomic_compare_exchange_strong_explicit(&n->status, &old,
			(uint8_t)(v | (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET)),
			rte_memory_order_acq_rel, rte_memory_order_acquire))
		;
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		if (n->mode == EMU_MODE_THREAD && emu_vnet_thread_start(n) != 0)
			emu_vnet_raise_needs_reset(n, "engine thread did not start");
		else if (n->mode == EMU_MODE_SERVICE && emu_vnet_service_start(n) != 0)
			emu_vnet_raise_needs_reset(n, "engine service did not start");
	}
}

static void
queue_enable_write(struct emu_vnet *n, struct emu_vq *vq, uint16_t v)
{
	uint8_t st = rte_atomic_load_explicit(&n->status, rte_memory_order_acquire);

	if (v != 1)
		return; /* writing 0 is not allowed by the spec: ignored */
	if ((st & VIRTIO_STATUS_DRIVER_OK) && !has_feature(n, VIRTIO_F_RING_RESET)) {
		EMU_LOG(WARNING, "%s: queue %u enabled after DRIVER_OK without RING_RESET: ignored",
			n->dev->name, (unsigned int)(vq - n->vq));
		return;
	}
	if (vq->size == 0 || !rte_is_power_of_2(vq->size) ||
			vq->desc == 0 || vq->avail == 0 || vq->used == 0) {
		emu_vnet_raise_needs_reset(n, "queue enabled with bad size or addresses");
		return;
	}
	vq_lock(vq);
	vq->last_avail = vq->used_idx = 0;
	vq->flags_done = false;
	vq->mrg_rxbuf = has_feature(n, VIRTIO_NET_F_MRG_RXBUF);
	rte_atomic_store_explicit(&vq->enable, 1, rte_memory_order_release);
	rte_spinlock_unlock(&vq->lock);
}

static void
queue_reset_write(struct emu_vnet *n, struct emu_vq *vq, uint16_t v)
{
	if (v != 1 || !has_feature(n, VIRTIO_F_RING_RESET))
		return;
	/* Under the queue lock no engine pass is in flight on this queue:
	 * after unlock the device does no DMA for it until re-enabled. */
	vq_lock(vq);
	emu_vnet_vq_clear(n, vq);
	rte_spinlock_unlock(&vq->lock);
}

static void
addr_write(uint64_t *reg, uint64_t off_in_reg, const void *buf, size_t len)
{
	uint8_t b[8];

	memcpy(b, reg, 8);
	memcpy(b + off_in_reg, buf, len);
	memcpy(reg, b, 8);
}

static int
common_write(struct emu_vnet *n, uint64_t off, const void *buf, size_t len)
{
	struct emu_vq *vq = n->queue_select < n->num_queues ?
		&n->vq[n->queue_select] : NULL;
	uint32_t v = 0;

	if (len <= 4)
		memcpy(&v, buf, len);
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		n->dfselect = v;
		return 0;
	case VIRTIO_PCI_COMMON_GFSELECT:
		n->gfselect = v;
		return 0;
	case VIRTIO_PCI_COMMON_GF:
		if (rte_atomic_load_explicit(&n->status, rte_memory_order_acquire) & VIRTIO_STATUS_FEATURES_OK)
			return 0; /* features are frozen after FEATURES_OK */
		if (n->gfselect == 0)
			n->guest_features = (n->guest_features & ~UINT64_C(0xffffffff)) | v;
		else if (n->gfselect == 1)
			n->guest_features = (n->guest_features & UINT64_C(0xffffffff)) |
				((uint64_t)v << 32);
		return 0;
	case VIRTIO_PCI_COMMON_STATUS:
		status_write(n, (uint8_t)v);
		return 0;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		n->queue_select = (uint16_t)v;
		return 0;
	case VIRTIO_PCI_COMMON_MSIX:
	case VIRTIO_PCI_COMMON_Q_MSIX:
		return 0; /* no interrupts: the driver polls */
	default:
		break;
	}
	if (vq == NULL)
		return 0;
	if (off == VIRTIO_PCI_COMMON_Q_SIZE) {
		if (v == 0 || v > n->qsize_max || !rte_is_power_of_2(v))
			EMU_LOG(WARNING, "%s: queue_size %u ignored: expected a power of 2 <= %u",
				n->dev->name, v, n->qsize_max);
		else if (!vq->enable)
			vq->size = (uint16_t)v;
	} else if (off == VIRTIO_PCI_COMMON_Q_ENABLE) {
		queue_enable_write(n, vq, (uint16_t)v);
	} else if (off == VIRTIO_PCI_COMMON_Q_RESET) {
		queue_reset_write(n, vq, (uint16_t)v);
	} else if (off >= VIRTIO_PCI_COMMON_Q_DESC && off + len <= VIRTIO_PCI_COMMON_Q_NDATA) {
		uint64_t base = off - (off - VIRTIO_PCI_COMMON_Q_DESC) % 8;
		uint64_t *reg = base == VIRTIO_PCI_COMMON_Q_DESC ? &vq->desc :
			base == VIRTIO_PCI_COMMON_Q_DRIVER ? &vq->avail : &vq->used;

		if (!vq->enable && off - base + len <= 8)
			addr_write(reg, off - base, buf, len);
	}
	return 0;
}

static void
devcfg_image(const struct emu_vnet *n, struct virtio_net_config *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, n->mac.addr_bytes, 6);
	c->status = n->link_status;
	c->max_virtqueue_pairs = n->max_pairs;
	c->mtu = RTE_ETHER_MTU;
}

static int
emu_vnet_region_read(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, void *buf, size_t len)
{
	struct emu_vnet *n = dev->emu_priv;
	uint8_t img[VIRTIO_PCI_COMMON_CFG_LEN];
	struct virtio_net_config nc;

	if (idx == RTE_IOMMUFD_REGION_CONFIG) {
		if (off + len > EMU_CFG_SPACE_SIZE)
			return -EINVAL;
		memcpy(buf, n->cfg + off, len);
		return 0;
	}
	if (idx != EMU_BAR || off + len > EMU_BAR_SIZE || len == 0)
		return -EINVAL;
	memset(buf, 0, len);
	if (off + len <= EMU_COMMON_OFF + VIRTIO_PCI_COMMON_CFG_LEN) { /* common cfg at 0 */
		common_image(n, img);
		memcpy(buf, img + off - EMU_COMMON_OFF, len);
	} else if (off == EMU_ISR_OFF) {
		*(uint8_t *)buf = rte_atomic_exchange_explicit(&n->isr, 0, rte_memory_order_acq_rel);
	} else if (off >= EMU_DEVCFG_OFF && off + len <= EMU_DEVCFG_OFF + sizeof(nc)) {
		devcfg_image(n, &nc);
		memcpy(buf, (uint8_t *)&nc + off - EMU_DEVCFG_OFF, len);
	}
	return 0;
}

static int
emu_vnet_region_write(struct rte_iommufd_device *dev, unsigned int idx,
		uint64_t off, const void *buf, size_t len)
{
	struct emu_vnet *n = dev->emu_priv;

	if (idx == RTE_IOMMUFD_REGION_CONFIG) {
		if (off + len > EMU_CFG_SPACE_SIZE)
			return -EINVAL;
		/* Only the command register is writable. */
		if (off >= VIRTIO_PCI_CFG_COMMAND && off + len <= VIRTIO_PCI_CFG_COMMAND + 2)
			memcpy(n->cfg + off, buf, len);
		return 0;
	}
	if (idx != EMU_BAR || off + len > EMU_BAR_SIZE || len == 0)
		return -EINVAL;
	if (off >= EMU_NOTIFY_OFF && off < EMU_NOTIFY_OFF + (uint64_t)EMU_NOTIFY_MULT * n->num_queues) {
		/* Inline mode: the notify does the device's work for that queue
		 * right here, on the caller's lcore (design guide, "Why the
		 * Waits Yield"). */
		uint16_t qid = (uint16_t)((off - EMU_NOTIFY_OFF) / EMU_NOTIFY_MULT);

		if (emu_vnet_inline(n))
			emu_vnet_engine(n, qid);
		else if (qid == VIRTIO_NET_CTRLQ(n->max_pairs))
			/* after the driver's avail publish: the engine's
			 * acquire exchange sees the command */
			rte_atomic_store_explicit(&n->ctrl_kick, true, rte_memory_order_release);
		return 0;
	}
	if (off + len <= EMU_COMMON_OFF + VIRTIO_PCI_COMMON_CFG_LEN)
		return common_write(n, off - EMU_COMMON_OFF, buf, len);
	return 0; /* ISR and device cfg are read-only */
}

static void
emu_vnet_poll(struct rte_iommufd_device *dev, uint16_t qid)
{
	struct emu_vnet *n = dev->emu_priv;

	if (emu_vnet_inline(n))
		emu_vnet_engine(n, qid);
}

/* What a virtio-net device has no register for: the packets it dropped
 * (rte_iommufd_device_counter(); the PMD reports rx_dropped in imissed). */
static int
emu_vnet_counter(struct rte_iommufd_device *dev, const char *name, uint64_t *value)
{
	struct emu_vnet *n = dev->emu_priv;
	unsigned int first, i;
	uint64_t sum = 0;

	if (strcmp(name, "rx_dropped") == 0)
		first = 0;
	else if (strcmp(name, "tx_dropped") == 0)
		first = 1;
	else
		return -ENOENT;
	for (i = first; i < 2u * n->max_pairs; i += 2)
		sum += rte_atomic_load_explicit(&n->vq[i].dropped, rte_memory_order_relaxed);
	*value = sum;
	return 0;
}

const struct rte_iommufd_emu_ops emu_vnet_ops = {
	.model = "virtio-net",
	.create = emu_vnet_create,
	.destroy = emu_vnet_destroy,
	.region_read = emu_vnet_region_read,
	.region_write = emu_vnet_region_write,
	.poll = emu_vnet_poll,
	.valid_keys = emu_vnet_keys,
	.counter = emu_vnet_counter,
};

RTE_IOMMUFD_EMU_REGISTER(virtio_net, emu_vnet_ops);
