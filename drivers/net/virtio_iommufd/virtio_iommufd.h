/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef VIRTIO_IOMMUFD_H
#define VIRTIO_IOMMUFD_H

/*
 * net_virtio_iommufd: virtio-net 1.x PMD for devices on the iommufd bus
 * (internal header). Files:
 *   virtio_iommufd_ethdev.c   probe/remove and eth_dev_ops
 *   virtio_iommufd_pci.c      modern PCI transport over the region interface
 *   virtio_iommufd_logs.c     the PMD's logtype
 *   virtio_iommufd_virtqueue.h  split virtqueue fast path, inline: rx
 *                             refill and dequeue, tx reclaim and enqueue
 *   virtio_iommufd_rxtx.c     rx/tx burst (built from the above)
 *   virtio_iommufd_vq.c       split virtqueues: ring memory, init, release
 *   virtio_iommufd_quiesce.c  queue quiesce (harvest) and resume
 *   virtio_iommufd_ctrl.c     control queue (multiqueue command)
 *   virtio_iommufd_backlog.c  tx backlog of a parked queue
 *   virtio_iommufd_stats.c    basic and extended stats
 *   virtio_iommufd_replace.c  replace-protocol callbacks (lib/dma_domain)
 *   rte_pmd_virtio_iommufd.c  the PMD's public API (test injection)
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>
#include <ethdev_driver.h>

#include <bus_iommufd_driver.h>
#include <rte_dma_domain_driver.h>
#include <virtio_spec.h>
#include <virtio_notify.h>

#include "rte_pmd_virtio_iommufd.h"
#include "virtio_iommufd_logs.h"


#define VIO_HDR_LEN		((uint16_t)sizeof(struct virtio_net_hdr))
#define VIO_MAX_PAIRS		16
#define VIO_CTRL_QSIZE		16
#define VIO_DEFAULT_QSIZE	256
/* Bound of the wait for a queue reset (VIRTIO_F_RING_RESET) in
 * queue_quiesce, and again in queue_resume of a queue whose reset did not
 * complete in time: the library's default pause timeout (it passes the
 * swap's own timeout to no callback).
 */
#define VIO_QUEUE_RESET_TIMEOUT_US 100000

/* Features the driver wants; VERSION_1 and ACCESS_PLATFORM are required. */
#define VIO_REQUIRED_FEATURES (VIRTIO_BIT(VIRTIO_F_VERSION_1) | \
	VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM))
#define VIO_WANTED_FEATURES (VIO_REQUIRED_FEATURES | \
	VIRTIO_BIT(VIRTIO_F_RING_RESET) | VIRTIO_BIT(VIRTIO_NET_F_MQ) | \
	VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | \
	VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_MAC))

/* One virtio structure found through a vendor capability. */
struct vtpci_struct {
	uint8_t bar;
	uint32_t off;
	uint32_t len;
	uint8_t *addr; /* mapped BAR + off, or NULL: use region read/write */
};

/* Modern PCI transport state. */
struct vtpci_hw {
	struct rte_iommufd_device *dev;
	/* queue_select sequences from control threads (start, replace
	 * callbacks) must not interleave.
	 */
	rte_spinlock_t sel_lock;
	struct vtpci_struct common, notify, isr, devcfg;
	uint32_t notify_mult;
	uint64_t features; /* negotiated */
	uint16_t num_queues;
};

/* A split virtqueue: ring memory and the driver's indexes. */
struct vio_ring {
	const struct rte_memzone *mz;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint64_t iova;          /* of mz; desc at 0 */
	uint64_t avail_off, used_off, len;
	uint16_t size, mask;
	uint16_t vq_index;      /* virtqueue number */
	uint16_t avail_idx;     /* next avail->idx to publish */
	uint16_t last_used;     /* next used entry to consume */
	uint32_t notify_off;    /* in the notify structure */
};

struct vio_dev;

/*
 * Device side of a queue, as the replace callbacks (virtio_iommufd_replace.c)
 * leave it. Written by the control thread only: queue setup/start/stop,
 * and queue_quiesce/queue_resume, which run while the queue's poller is
 * parked (the pause handshake orders them with its bursts). Read by the
 * bursts: a queue that is not RUNNING is not the device's, its ring is
 * never posted to nor notified (tx keeps packets in the backlog, rx
 * delivers what it carried over the reset only) until queue_resume
 * brings it back.
 */
enum vio_qstate {
	VIO_Q_RUNNING = 0, /* enabled: the device owns what is posted */
	/* queue reset requested, completion not seen yet: the device may
	 * still do DMA on it; nothing harvested
	 */
	VIO_Q_RESETTING,
	/* reset complete and harvested: no DMA; what was in flight is in
	 * requeue (tx) or stays in sw_ring (rx), re-posted on resume
	 */
	VIO_Q_RESET,
};

struct vio_rx_stats {
	uint64_t packets, bytes, errors, nombuf, quiesced;
	uint64_t carried; /* used entries carried over a queue reset */
};

struct __rte_cache_aligned vio_rxq {
	struct vio_ring r;
	struct rte_dma_domain_queue *dq; /* replace-protocol handle */
	struct vio_dev *vd;
	struct rte_mempool *mp;
	struct rte_mbuf **sw_ring;  /* posted buffer of each descriptor */
	uint16_t *free_ids;         /* descriptors with nothing posted */
	uint16_t nb_free;
	/* What the device completed before a queue reset and the
	 * application has not read: the used ring's unread entries (id,
	 * length), copied as the device wrote them, delivered first after
	 * resume, so nothing received is lost. Their buffers stay in
	 * sw_ring, owned and not posted again, as on a NIC whose unread
	 * descriptors wait in its ring: at most a ring, no mbuf touched
	 * inside the pause. Entries [carry_pos, carry_n): the poller's while
	 * running, the control thread's while parked.
	 */
	struct vring_used_elem *carry;
	uint16_t carry_n, carry_pos;
	uint8_t *carried; /* per descriptor, scratch of vio_rxq_resume() */
	uint8_t state;              /* enum vio_qstate */
	uint16_t queue_id;
	uint16_t port_id;
	struct vio_rx_stats st;
};

struct vio_tx_stats {
	uint64_t packets, bytes, errors, ring_full, quiesced, requeued;
	uint64_t backlogged; /* accepted while parked, posted after */
};

struct vio_bl_range {
	uint64_t iova;
	uint32_t len;
	uint8_t pushed; /* header pushed: [iova, len) is the descriptor */
};

struct __rte_cache_aligned vio_txq {
	struct vio_ring r;
	struct rte_dma_domain_queue *dq;
	struct vio_dev *vd;
	struct rte_mbuf **sw_ring;  /* packet of each chain head */
	uint16_t *ndesc;            /* descriptors of each chain head */
	struct virtio_net_hdr *hdrs; /* header slot of each descriptor */
	uint64_t hdrs_iova;
	uint16_t free_head, nb_free;
	/* Heads of the chains in flight at a queue reset, in submission
	 * order, posted again on resume (their descriptors and sw_ring
	 * entries kept).
	 */
	uint16_t *requeue;
	/* Packets a queue reset found completed, freed by the next
	 * vio_txq_reclaim() (the queue's next burst), not inside the pause.
	 */
	struct rte_mbuf **done;
	uint16_t done_n;
	uint8_t *mark;              /* scratch of the harvest and the resume */
	uint16_t requeue_n;
	uint8_t state;              /* enum vio_qstate */
	uint16_t queue_id;
	struct vio_tx_stats st;
	/* Packets a parked burst accepted, posted after the pause
	 * (virtio_iommufd_backlog.c): r.size slots, SPSC, free-running
	 * indexes written by the producer (head) / consumer (tail).
	 */
	struct rte_mbuf **bl;
	/* of each slot, recorded by the parked burst while the mbuf is hot:
	 * the descriptor of a packet whose header it pushed, else the
	 * buffer of a one-segment packet (len 0: a chain, see its mbuf);
	 * for the coverage walk, and to post pushed ones without reading
	 * their mbuf
	 */
	struct vio_bl_range *bl_range;
	uint32_t bl_head, bl_tail;
};

/* Port private data. */
struct vio_dev {
	struct vtpci_hw hw;
	struct rte_iommufd_device *idev;
	struct rte_eth_dev *eth_dev;
	uint16_t port_id;
	uint16_t max_pairs;     /* device's max_virtqueue_pairs (and devargs) */
	uint16_t nb_pairs;      /* configured */
	uint16_t max_qsize;     /* of the device's first queue */
	struct rte_ether_addr mac;
	bool started;
	bool features_ok;       /* negotiated since the last device reset */
	bool fault_reported;    /* DEVICE_NEEDS_RESET seen by fault_check */
	bool reset_event_sent;
	uint64_t needs_reset_seen;
	/* Packets a stop or reset discarded (counted after the device
	 * reset, when nothing moves any more): received by the device and
	 * not read by the application (xstat rx_driver_discards, NOT in
	 * imissed, which ethdev keeps for packets the device dropped for
	 * lack of buffers), accepted by tx burst and not transmitted
	 * (oerrors and xstat tx_driver_discards). Port-wide, so that they outlive queue
	 * setup after rte_eth_dev_reset(). Control path writes, relaxed
	 * atomic stores; stats readers use relaxed loads.
	 */
	uint64_t rx_discarded, tx_discarded;
	/* Counters of queues released (queue setup again, e.g. after
	 * rte_eth_dev_reset()): the port's totals do not go back.
	 */
	struct vio_rx_stats rx_retired;
	struct vio_tx_stats tx_retired;
	/* Emulated devices: their drop counters at the last stats reset. */
	uint64_t emu_rx_dropped_base, emu_tx_dropped_base;
	/* Test-only failure injection (rte_pmd_virtio_iommufd_inject()):
	 * per kind, the queue handle it applies to and how many more times
	 * it fires (UINT32_MAX: until cleared). Armed by any thread, consumed
	 * by the replace callbacks: __atomic.
	 */
	uint16_t inj_qid[RTE_PMD_VIRTIO_IOMMUFD_INJECT_MAX];
	uint32_t inj_left[RTE_PMD_VIRTIO_IOMMUFD_INJECT_MAX];
	struct vio_ring ctrl;   /* control queue (MQ) */
	uint8_t *ctrl_buf;
	uint64_t ctrl_buf_iova;
};

/* virtio_iommufd_pci.c */
int vtpci_init(struct vtpci_hw *hw, struct rte_iommufd_device *dev);
uint8_t vtpci_get_status(struct vtpci_hw *hw);
void vtpci_set_status(struct vtpci_hw *hw, uint8_t st);
int vtpci_reset(struct vtpci_hw *hw);
uint64_t vtpci_device_features(struct vtpci_hw *hw);
int vtpci_negotiate(struct vtpci_hw *hw, uint64_t wanted, const char *name);
void vtpci_read_devcfg(struct vtpci_hw *hw, uint32_t off, void *buf, uint32_t len);
uint16_t vtpci_queue_max(struct vtpci_hw *hw, uint16_t vq);
int vtpci_queue_setup(struct vtpci_hw *hw, struct vio_ring *r);
int vtpci_queue_reset_start(struct vtpci_hw *hw, uint16_t vq);
int vtpci_queue_reset_wait(struct vtpci_hw *hw, uint16_t vq, uint64_t timeout_us);
void vtpci_notify(struct vtpci_hw *hw, const struct vio_ring *r);
void vtpci_notify_ctrl(struct vtpci_hw *hw, const struct vio_ring *r);
static inline bool
vtpci_has(const struct vtpci_hw *hw, unsigned int bit)
{
	return (hw->features & VIRTIO_BIT(bit)) != 0;
}

/* virtio_iommufd_virtqueue.h (inline): vio_rxq_post_one, vio_rxq_fill,
 * vio_rx_dequeue, vio_txq_reclaim, vio_tx_enqueue.
 */

/* virtio_iommufd_vq.c */
int vio_ring_alloc(struct vio_ring *r, const char *name, uint16_t size,
		uint16_t vq_index, int socket, uint64_t extra, uint64_t *extra_off);
void vio_ring_free(struct vio_ring *r);
void vio_ring_init(struct vio_ring *r);
void vio_ring_reset_indices(struct vio_ring *r);
uint32_t vio_rxq_release_mbufs(struct vio_rxq *q);
void vio_txq_init(struct vio_txq *q);
int vio_txq_desc_walk(const struct vio_txq *q,
		int (*cb)(uint64_t iova, uint64_t len, void *arg), void *arg);
uint32_t vio_txq_release_mbufs(struct vio_txq *q);

/* virtio_iommufd_quiesce.c */
void vio_rxq_quiesce_harvest(struct vio_rxq *q);
void vio_rxq_resume(struct vio_rxq *q);
void vio_txq_quiesce_harvest(struct vio_txq *q);
void vio_txq_resume(struct vio_txq *q);
void vio_txq_requeue_post(struct vio_txq *q);

/* virtio_iommufd_backlog.c */
int vio_txq_backlog_alloc(struct vio_txq *q, int socket);
uint16_t vio_txq_backlog_put(struct vio_txq *q, struct rte_mbuf **pkts, uint16_t n);
bool vio_txq_backlog_empty(struct vio_txq *q);
uint32_t vio_txq_backlog_post(struct vio_txq *q);
uint32_t vio_txq_backlog_discard(struct vio_txq *q);
int vio_txq_backlog_walk(struct vio_txq *q,
		int (*range_cb)(uint64_t iova, uint64_t len, void *arg),
		int (*mbuf_cb)(struct rte_mbuf *m, void *arg), void *arg);

/* virtio_iommufd_ctrl.c */
int vio_ctrl_setup(struct vio_dev *vd);
int vio_ctrl_set_pairs(struct vio_dev *vd, uint16_t pairs);

/* virtio_iommufd_rxtx.c */
uint16_t vio_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t vio_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t n);

/* virtio_iommufd_stats.c */
#if RTE_DMA_DOMAIN_ETH_STATS_HAS_QSTATS
int vio_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st,
		struct eth_queue_stats *qst);
#else
int vio_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st);
#endif
int vio_stats_reset(struct rte_eth_dev *dev);
int vio_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int n);
int vio_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		unsigned int n);

/* virtio_iommufd_replace.c */
extern const struct rte_dma_domain_dev_ops vio_dma_ops;
bool vio_check_needs_reset(struct vio_dev *vd);
bool vio_inject_hit(struct vio_dev *vd, enum rte_pmd_virtio_iommufd_inject what,
		uint16_t qid);

/* virtio_iommufd_ethdev.c */
int vio_dev_start_queues(struct vio_dev *vd);
struct vio_dev *vio_dev_of_port(uint16_t port_id);

#endif /* VIRTIO_IOMMUFD_H */
