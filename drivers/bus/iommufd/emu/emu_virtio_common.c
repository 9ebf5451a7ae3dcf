/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * What every file of the emulated virtio-net model uses, in a file that
 * uses none of theirs: the logtype, whether a bus device is one of this
 * model's, the device's broken state (DEVICE_NEEDS_RESET), the time each
 * thread spent on device work, and whether its doorbells are deferred.
 */

#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_per_lcore.h>

#include "emu_virtio_net.h"

RTE_LOG_REGISTER_SUFFIX(emu_vnet_logtype, emu, NOTICE);

/* TSC cycles of device work this thread ran (inline engine passes) or
 * waited for (a queue's engine pass in flight): thread-local, written by
 * its own thread only.
 */
RTE_DEFINE_PER_LCORE(uint64_t, emu_vnet_thread_cycles);

/* Depth of this thread's rte_iommufd_emu_defer_begin() sections. */
RTE_DEFINE_PER_LCORE(unsigned int, emu_vnet_defer_depth);

void
rte_iommufd_emu_defer_begin(void)
{
	RTE_PER_LCORE(emu_vnet_defer_depth)++;
}

void
rte_iommufd_emu_defer_end(void)
{
	if (RTE_PER_LCORE(emu_vnet_defer_depth) > 0)
		RTE_PER_LCORE(emu_vnet_defer_depth)--;
}

uint64_t
rte_iommufd_emu_thread_ns(void)
{
	uint64_t c = RTE_PER_LCORE(emu_vnet_thread_cycles), hz = rte_get_tsc_hz();

	return hz == 0 ? 0 : (uint64_t)((double)c * 1e9 / (double)hz);
}

/* By the model's name: the bus refuses a second model of the same name
 * (rte_iommufd_emu_register()), so the name is the model's identity.
 */
bool
emu_vnet_is_ours(const struct rte_iommufd_device *dev)
{
	return dev->emu != NULL && strcmp(dev->emu->model, EMU_VNET_MODEL) == 0 &&
		dev->emu_priv != NULL;
}

void
emu_vnet_raise_needs_reset(struct emu_vnet *n, const char *why)
{
	/* Like QEMU's virtio_error(): mark the device broken, set
	 * DEVICE_NEEDS_RESET (VERSION_1) and signal a config change; the
	 * device does no more DMA until the driver resets it. Any engine
	 * context may get here, the peer's too: one wins.
	 */
	if (rte_atomic_exchange_explicit(&n->broken, true, rte_memory_order_acq_rel))
		return;
	rte_atomic_fetch_add_explicit(&n->faults, 1, rte_memory_order_relaxed);
	rte_atomic_fetch_or_explicit(&n->status, VIRTIO_STATUS_DEVICE_NEEDS_RESET,
			rte_memory_order_release);
	rte_atomic_fetch_add_explicit(&n->cfg_gen, 1, rte_memory_order_release);
	rte_atomic_fetch_or_explicit(&n->isr, VIRTIO_PCI_ISR_CONFIG, rte_memory_order_release);
	EMU_LOG(ERR, "%s: %s: device needs reset", n->dev->name, why);
}
