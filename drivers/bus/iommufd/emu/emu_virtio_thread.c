/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Engine thread of an emulated virtio-net device (devargs mode=thread).
 *
 * CPU placement: with cpu=N the thread is pinned to CPU N. Otherwise it
 * may run on every online CPU that no EAL lcore is pinned to (the place
 * DPDK gives its control threads); when the lcores cover all CPUs it may
 * run on any of them and relies on the scheduler. The thread yields
 * whenever a pass over the queues found no work, so it never holds a core
 * that a poller needs (design guide, "Why the Waits Yield": on a 2-core
 * machine use the default inline mode instead).
 */

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "emu_virtio_net.h"

static void
thread_affinity(struct emu_vnet *n)
{
	rte_cpuset_t set;
	unsigned int lcore;
	long cpu, ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	if (n->cpu >= 0) {
		CPU_SET(n->cpu, &set);
	} else {
		for (cpu = 0; cpu < ncpu && cpu < CPU_SETSIZE; cpu++)
			CPU_SET(cpu, &set);
		RTE_LCORE_FOREACH(lcore) {
			rte_cpuset_t lset = rte_lcore_cpuset(lcore);

			for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
				if (CPU_ISSET(cpu, &lset))
					CPU_CLR(cpu, &set);
		}
		if (CPU_COUNT(&set) == 0)
			for (cpu = 0; cpu < ncpu && cpu < CPU_SETSIZE; cpu++)
				CPU_SET(cpu, &set);
	}
	if (rte_thread_set_affinity_by_id(n->thread, &set) != 0)
		EMU_LOG(WARNING, "%s: cannot set the engine thread's CPU affinity", n->dev->name);
}

static uint32_t
engine_thread(void *arg)
{
	struct emu_vnet *n = arg;

	while (!rte_atomic_load_explicit(&n->thread_stop, rte_memory_order_acquire)) {
		unsigned int work = 0;

		if (!emu_vnet_running(n)) {
			usleep(1000);
			continue;
		}
		work = emu_vnet_engine_all(n);
		if (work == 0)
			sched_yield();
	}
	return 0;
}

int
emu_vnet_thread_start(struct emu_vnet *n)
{
	char name[RTE_THREAD_INTERNAL_NAME_SIZE];
	int ret;

	if (n->thread_running)
		return 0;
	rte_atomic_store_explicit(&n->thread_stop, false, rte_memory_order_release);
	snprintf(name, sizeof(name), "emu-%.6s", n->dev->name);
	ret = rte_thread_create_internal_control(&n->thread, name, engine_thread, n);
	if (ret != 0) {
		ret = ret < 0 ? -ret : ret;
		EMU_LOG(ERR, "%s: cannot create the engine thread: %s", n->dev->name,
			strerror(ret));
		return -ret;
	}
	thread_affinity(n);
	n->thread_running = true;
	return 0;
}

void
emu_vnet_thread_stop(struct emu_vnet *n)
{
	if (!n->thread_running)
		return;
	rte_atomic_store_explicit(&n->thread_stop, true, rte_memory_order_release);
	rte_thread_join(n->thread, NULL);
	n->thread_running = false;
}
