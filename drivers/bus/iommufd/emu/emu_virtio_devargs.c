/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Devargs of the emulated virtio-net function (besides the bus's own keys),
 * parsed into its model state at create (emu_virtio_net.c):
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
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_kvargs.h>
#include <rte_string_fns.h>

#include "emu_virtio_net.h"

const char *const emu_vnet_keys[] = {
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

/* ---- devargs ----------------------------------------------------------- */

/* A number: decimal, or hex after 0x. Not strtoul's base 0 alone, which
 * also takes a sign, leading spaces and octal (qsize=010 was 8).
 */
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
		EMU_LOG(ERR, "%s: bad %s=%s: expected an integer in [%" PRIu64 ", %" PRIu64 "]",
			dev, key, v, (uint64_t)min, (uint64_t)max);
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
	strlcpy(buf, v, sizeof(buf));
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

int
emu_vnet_parse_args(struct emu_vnet *n, struct rte_kvargs *kv)
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
		strlcpy(n->peer_name, v, sizeof(n->peer_name));
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
			EMU_LOG(ERR, "%s: bad mode=%s: expected inline, thread or service",
				name, v);
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
