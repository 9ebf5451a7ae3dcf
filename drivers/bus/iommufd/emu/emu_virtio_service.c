/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The engine of an emulated virtio-net device as a DPDK service (devargs
 * mode=service; doc/guides/design.rst, "Two Test Tiers"): "emu_vnet_<name>", one pass over
 * every queue per call. It runs wherever the application maps it: on a
 * service lcore (EAL -s/-S, rte_service_map_lcore_set()), or on its own
 * polling lcore with rte_service_run_iter_on_app_lcore(). With devargs
 * service_lcore=N the model maps it to service lcore N and starts that
 * lcore itself.
 *
 * The service is multi-thread safe (every pass takes the queue locks by
 * trylock, like the inline engine), registered when the driver first
 * sets DRIVER_OK (the service library is up by then, not at bus scan),
 * stopped by device reset (which waits until no lcore runs it any more),
 * unregistered when the device goes away.
 */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_service.h>
#include <rte_service_component.h>

#include "emu_virtio_net.h"

static int32_t
engine_service(void *arg)
{
	struct emu_vnet *n = arg;

	if (!emu_vnet_running(n))
		return -EAGAIN;
	return emu_vnet_engine_all(n) > 0 ? 0 : -EAGAIN;
}

static int
service_register(struct emu_vnet *n)
{
	struct rte_service_spec spec;
	int ret;

	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "emu_vnet_%.22s", n->dev->name);
	spec.callback = engine_service;
	spec.callback_userdata = n;
	spec.capabilities = RTE_SERVICE_CAP_MT_SAFE;
	spec.socket_id = SOCKET_ID_ANY;
	ret = rte_service_component_register(&spec, &n->service_id);
	if (ret != 0) {
		EMU_LOG(ERR, "%s: cannot register service %s: %s", n->dev->name, spec.name,
			strerror(-ret));
		return ret;
	}
	n->service_registered = true;
	if (n->service_lcore < 0) {
		EMU_LOG(INFO, "%s: engine is service %s (id %u): map it to a service lcore",
			n->dev->name, spec.name, n->service_id);
		return 0;
	}
	ret = rte_service_map_lcore_set(n->service_id, (uint32_t)n->service_lcore, 1);
	if (ret == 0)
		ret = rte_service_runstate_set(n->service_id, 1);
	if (ret == 0) {
		ret = rte_service_lcore_start((uint32_t)n->service_lcore);
		if (ret == -EALREADY)
			ret = 0;
	}
	if (ret != 0)
		EMU_LOG(ERR, "%s: cannot run service %s on lcore %d (is it a service lcore? EAL -s): %s",
			n->dev->name, spec.name, n->service_lcore, strerror(-ret));
	return ret;
}

int
emu_vnet_service_start(struct emu_vnet *n)
{
	int ret;

	if (!n->service_registered) {
		ret = service_register(n);
		if (ret != 0)
			return ret;
	}
	return rte_service_component_runstate_set(n->service_id, 1);
}

void
emu_vnet_service_stop(struct emu_vnet *n)
{
	if (!n->service_registered)
		return;
	rte_service_component_runstate_set(n->service_id, 0);
	/* A call in flight may still touch the queues: wait it out. The
	 * service lcore may share our core, so yield.
	 */
	while (rte_service_may_be_active(n->service_id) == 1)
		sched_yield();
}

void
emu_vnet_service_fini(struct emu_vnet *n)
{
	if (!n->service_registered)
		return;
	emu_vnet_service_stop(n);
	rte_service_runstate_set(n->service_id, 0);
	if (n->service_lcore >= 0)
		rte_service_map_lcore_set(n->service_id, (uint32_t)n->service_lcore, 0);
	rte_service_component_unregister(n->service_id);
	n->service_registered = false;
}
