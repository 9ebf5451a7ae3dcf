/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef EMU_VIRTIO_NET_H
#define EMU_VIRTIO_NET_H

/*
 * Emulated virtio-net 1.x PCI function of the soft backend (internal).
 *
 * The model's parts:
 *  - emu_virtio_common.c: what the others share (logtype, identity, the
 *    broken state); it uses none of them;
 *  - emu_virtio_devargs.c: the model's devargs;
 *  - emu_virtio_net.c: PCI config space with the virtio vendor
 *    capabilities, and the registers of BAR 4 (common cfg, ISR, device
 *    cfg, notify) reached through the bus's region read/write;
 *  - emu_virtio_dma.c: the DMA engine, which moves packets between
 *    virtqueues and touches host memory only through rte_dma_domain_soft_read/
 *    write/translate on the device's binding;
 *  - emu_virtio_thread.c: the optional engine thread (mode=thread);
 *  - emu_virtio_service.c: the engine as a DPDK service (mode=service).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_per_lcore.h>
#include <rte_spinlock.h>
#include <rte_ether.h>
#include <rte_thread.h>
#include <rte_dma_domain_compat.h>

#include <virtio_spec.h> /* drivers/common/virtio, shared with the PMD */
#include "bus_iommufd_driver.h"
#include "emu_logs.h"


/* BAR 4 layout, one page per structure (like QEMU's modern BAR). */
#define EMU_BAR			4
#define EMU_BAR_SIZE		0x4000
#define EMU_COMMON_OFF		0x0000
#define EMU_ISR_OFF		0x1000
#define EMU_DEVCFG_OFF		0x2000
#define EMU_NOTIFY_OFF		0x3000
#define EMU_NOTIFY_MULT		4
#define EMU_CFG_SPACE_SIZE	256

#define EMU_MAX_PAIRS		16
#define EMU_MAX_VQS		(2 * EMU_MAX_PAIRS + 1)
#define EMU_DEFAULT_QSIZE	1024
/* Packets one engine pass moves per queue: bounds the time a caller's
 * burst spends doing device work.
 */
#define EMU_BURST		64

/* Where the device's work runs. */
enum emu_mode {
	EMU_MODE_INLINE = 0, /* in the driver's notify and poll (default) */
	EMU_MODE_THREAD,     /* on an engine thread of its own */
	EMU_MODE_SERVICE,    /* as a DPDK service (rte_service), on a service lcore */
};

/* Where a port's transmitted packets go. */
enum emu_wire {
	EMU_WIRE_SINK = 0, /* counted and completed */
	EMU_WIRE_PEER,     /* into the rx queues of another emulated port */
	EMU_WIRE_LOOP,     /* into this port's own rx queues */
	EMU_WIRE_GEN,      /* rx side fed by a generator; tx is a sink */
};

/*
 * A virtqueue of the model. Who touches it:
 *  - engine passes ("lanes", emu_virtio_dma.c), from any context: the
 *    owner's notify or poll, the peer's notify or poll, the engine
 *    thread. A pass holds the queue's lock, taken with trylock only (a
 *    busy queue is someone else's work in progress, never waited for).
 *  - queue reset and device reset (control path, the driver's register
 *    writes): take the lock, waiting, so they never overlap a pass in
 *    flight, and clear enable before they let go: a pass that starts
 *    later sees the queue disabled (under the lock) and does no DMA.
 * enable is written under the lock with release and may be read without
 * it with acquire, to skip the lock of a queue that is off.
 */
struct emu_vq {
	rte_spinlock_t lock;  /* engine pass, queue reset, device reset */
	uint16_t size;
	uint16_t enable;      /* written under lock (__atomic); see above */
	uint64_t desc, avail, used; /* IOVAs */
	uint16_t last_avail;  /* next avail entry the device consumes */
	uint16_t used_idx;    /* device's used index */
	bool flags_done;      /* used->flags (NO_NOTIFY) written since enable */
	/* VIRTIO_NET_F_MRG_RXBUF as negotiated when the queue was enabled:
	 * the peer's lanes read this, never the device's feature word.
	 */
	bool mrg_rxbuf;
	uint64_t packets, bytes, backpressure; /* device counters, under lock */
	/* Packets dropped by the device (rx queue: too big for the posted
	 * buffers; tx queue: wire=sink/gen, the wire drops them). Written
	 * under the lock with relaxed stores, read without it; never
	 * cleared, also not by a reset.
	 */
	uint64_t dropped;
};

struct emu_vnet {
	struct rte_iommufd_device *dev;
	uint8_t cfg[EMU_CFG_SPACE_SIZE];  /* PCI config space image */
	/* common cfg */
	uint64_t host_features;   /* offered */
	uint64_t guest_features;  /* written by the driver */
	uint32_t dfselect, gfselect;
	uint8_t status;           /* guarded by reset_lock for writes */
	uint8_t cfg_gen;
	uint8_t isr;
	uint16_t queue_select;
	uint16_t num_queues;      /* 2 * max_pairs + 1 (control queue) */
	uint16_t qsize_max;
	/* device cfg */
	struct rte_ether_addr mac;
	uint16_t link_status;
	uint16_t max_pairs;
	uint16_t curr_pairs;      /* set by VIRTIO_NET_CTRL_MQ, 1 after reset */
	/* wire */
	enum emu_wire wire;
	char peer_name[RTE_IOMMUFD_NAME_MAX];
	struct emu_vnet *peer;    /* resolved on first use */
	uint16_t gen_len;         /* generator frame length */
	uint64_t gen_seq;
	/* engine */
	enum emu_mode mode;
	int cpu;                  /* engine thread CPU, -1 = see emu_thread */
	int service_lcore;        /* mode=service: this service lcore, -1: app maps it */
	uint32_t service_id;
	bool service_registered;
	rte_thread_t thread;
	RTE_ATOMIC(bool) thread_stop;
	bool thread_running;
	/* DEVICE_NEEDS_RESET raised: no more DMA. __atomic: raised by any
	 * engine context (also the peer's), cleared by device reset.
	 */
	bool broken;
	/* The driver notified the control queue and no engine pass took
	 * the command yet (thread and service modes). A device reads the
	 * control ring only when notified, as real ones do: an engine that
	 * polled it would do DMA there at any time, also inside a swap that
	 * quiesced every rx/tx queue. __atomic: set by the notify, cleared
	 * by the pass under the queue's lock.
	 */
	bool ctrl_kick;
	uint64_t faults;          /* __atomic */
	struct emu_vq vq[EMU_MAX_VQS];
};

/* The model's name (devargs model=, its registration). */
#define EMU_VNET_MODEL		"virtio-net"

/* emu_virtio_common.c */
void emu_vnet_raise_needs_reset(struct emu_vnet *n, const char *why);
bool emu_vnet_is_ours(const struct rte_iommufd_device *dev);

/* emu_virtio_devargs.c: the keys (NULL-terminated), and their values into
 * n (its defaults set before). Returns 0 or -EINVAL (logged, naming the
 * key and what was expected).
 */
extern const char *const emu_vnet_keys[];
int emu_vnet_parse_args(struct emu_vnet *n, struct rte_kvargs *kv);

/* emu_virtio_net.c */
void emu_vnet_vq_clear(struct emu_vnet *n, struct emu_vq *vq);

/* emu_virtio_dma.c: one engine pass over virtqueue qid of n (device work
 * for that queue: tx -> wire, rx <- wire, control commands).
 * Returns the number of packets (or commands) moved.
 */
unsigned int emu_vnet_engine(struct emu_vnet *n, uint16_t qid);
/* Resolve the peer device (devargs peer=NAME) if not done yet. */
struct emu_vnet *emu_vnet_peer(struct emu_vnet *n);

/* emu_virtio_thread.c */
int emu_vnet_thread_start(struct emu_vnet *n);
void emu_vnet_thread_stop(struct emu_vnet *n);

/* emu_virtio_service.c: register (first time) and run the engine
 * service; stop it and wait until no service lcore runs it; unregister.
 */
int emu_vnet_service_start(struct emu_vnet *n);
void emu_vnet_service_stop(struct emu_vnet *n);
void emu_vnet_service_fini(struct emu_vnet *n);

/* One pass over every queue of n (thread and service modes). */
unsigned int emu_vnet_engine_all(struct emu_vnet *n);

/* emu_virtio_common.c: TSC cycles of device work this thread ran or
 * waited for (rte_iommufd_emu_thread_ns()).
 */
RTE_DECLARE_PER_LCORE(uint64_t, emu_vnet_thread_cycles);
/* emu_virtio_common.c: rte_iommufd_emu_defer_begin() depth of this thread */
RTE_DECLARE_PER_LCORE(unsigned int, emu_vnet_defer_depth);

/* An engine pass in the caller's context (inline mode), its time charged
 * to the calling thread.
 */
static inline void
emu_vnet_engine_inline(struct emu_vnet *n, uint16_t qid)
{
	uint64_t t = rte_rdtsc();

	emu_vnet_engine(n, qid);
	RTE_PER_LCORE(emu_vnet_thread_cycles) += rte_rdtsc() - t;
}

/* Does the driver's notify/poll do the device's work? */
static inline bool
emu_vnet_inline(const struct emu_vnet *n)
{
	return n->mode == EMU_MODE_INLINE;
}

static inline bool
emu_vnet_running(const struct emu_vnet *n)
{
	return (rte_atomic_load_explicit(&n->status, rte_memory_order_acquire) &
		VIRTIO_STATUS_DRIVER_OK) != 0 &&
		!rte_atomic_load_explicit(&n->broken, rte_memory_order_acquire);
}

#endif /* EMU_VIRTIO_NET_H */
