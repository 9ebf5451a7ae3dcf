/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef VIRTIO_SPEC_H
#define VIRTIO_SPEC_H

/**
 * @file
 * Virtio 1.x definitions shared by the virtio-net PMD of the iommufd bus
 * and the emulated virtio-net device model: PCI modern transport
 * (vendor capabilities, common configuration layout), device status,
 * feature bits, split virtqueue layout and the virtio-net device specifics.
 *
 * Written from the OASIS "Virtual I/O Device (VIRTIO)" specification,
 * versions 1.1/1.2 (sections 2.1 status, 2.7 split virtqueues, 4.1 PCI,
 * 5.1 network device, 6 reserved feature bits). All multi-byte fields are
 * little-endian on the wire; this project runs on little-endian hosts only
 * (checked below), so the structures are used directly.
 */

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_dma_domain_compat.h> /* packed-structure markers on 22.11 */

#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "virtio 1.x structures are little-endian; big-endian hosts are not supported"
#endif

/* ---- PCI identity (spec 4.1.2) ------------------------------------------ */

#define VIRTIO_PCI_VENDOR_ID		0x1af4
/** Modern devices: 0x1040 + virtio device id. Network device id is 1. */
#define VIRTIO_PCI_MODERN_ID_BASE	0x1040
#define VIRTIO_ID_NET			1
#define VIRTIO_PCI_DEVICE_ID_NET	(VIRTIO_PCI_MODERN_ID_BASE + VIRTIO_ID_NET)

/* ---- PCI configuration space (PCI Local Bus spec) ------------------------ */

#define VIRTIO_PCI_CFG_VENDOR_ID	0x00
#define VIRTIO_PCI_CFG_DEVICE_ID	0x02
#define VIRTIO_PCI_CFG_COMMAND		0x04
#define VIRTIO_PCI_CFG_STATUS		0x06
#define VIRTIO_PCI_CFG_REVISION		0x08
#define VIRTIO_PCI_CFG_CLASS		0x09 /* 3 bytes: prog-if, sub, base */
#define VIRTIO_PCI_CFG_HEADER_TYPE	0x0e
#define VIRTIO_PCI_CFG_BAR0		0x10
#define VIRTIO_PCI_CFG_SUBSYS_VENDOR	0x2c
#define VIRTIO_PCI_CFG_SUBSYS_ID	0x2e
#define VIRTIO_PCI_CFG_CAP_PTR		0x34
/** Status register bit: the capability list at CAP_PTR is valid. */
#define VIRTIO_PCI_STATUS_CAP_LIST	0x10
/** Command register: memory space enable, bus master enable. */
#define VIRTIO_PCI_COMMAND_MEMORY	0x2
#define VIRTIO_PCI_COMMAND_MASTER	0x4
#define VIRTIO_PCI_CAP_ID_VNDR		0x09
#define VIRTIO_PCI_CAP_ID_MSIX		0x11

/* ---- virtio PCI capabilities (spec 4.1.4) -------------------------------- */

#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5

/** Generic vendor capability of a virtio structure. */
struct __rte_packed_begin virtio_pci_cap {
	uint8_t cap_vndr;   /**< VIRTIO_PCI_CAP_ID_VNDR */
	uint8_t cap_next;   /**< next capability offset, 0 = end */
	uint8_t cap_len;    /**< length of this capability */
	uint8_t cfg_type;   /**< VIRTIO_PCI_CAP_* */
	uint8_t bar;        /**< BAR holding the structure (0-5) */
	uint8_t id;         /**< multiple capabilities of one type */
	uint8_t padding[2];
	uint32_t offset;    /**< offset of the structure in the BAR */
	uint32_t length;    /**< length of the structure */
} __rte_packed_end;

/** Notification capability: adds the queue_notify_off multiplier. */
struct __rte_packed_begin virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	uint32_t notify_off_multiplier;
} __rte_packed_end;

/* Offsets of the fields of the common configuration structure. */
#define VIRTIO_PCI_COMMON_DFSELECT	0  /* le32 device_feature_select, RW */
#define VIRTIO_PCI_COMMON_DF		4  /* le32 device_feature, RO */
#define VIRTIO_PCI_COMMON_GFSELECT	8  /* le32 driver_feature_select, RW */
#define VIRTIO_PCI_COMMON_GF		12 /* le32 driver_feature, RW */
#define VIRTIO_PCI_COMMON_MSIX		16 /* le16 config_msix_vector, RW */
#define VIRTIO_PCI_COMMON_NUMQ		18 /* le16 num_queues, RO */
#define VIRTIO_PCI_COMMON_STATUS	20 /* u8 device_status, RW */
#define VIRTIO_PCI_COMMON_CFGGEN	21 /* u8 config_generation, RO */
#define VIRTIO_PCI_COMMON_Q_SELECT	22 /* le16 queue_select, RW */
#define VIRTIO_PCI_COMMON_Q_SIZE	24 /* le16 queue_size, RW */
#define VIRTIO_PCI_COMMON_Q_MSIX	26 /* le16 queue_msix_vector, RW */
#define VIRTIO_PCI_COMMON_Q_ENABLE	28 /* le16 queue_enable, RW */
#define VIRTIO_PCI_COMMON_Q_NOFF	30 /* le16 queue_notify_off, RO */
#define VIRTIO_PCI_COMMON_Q_DESC	32 /* le64 queue_desc, RW */
#define VIRTIO_PCI_COMMON_Q_DRIVER	40 /* le64 queue_driver (avail), RW */
#define VIRTIO_PCI_COMMON_Q_DEVICE	48 /* le64 queue_device (used), RW */
#define VIRTIO_PCI_COMMON_Q_NDATA	56 /* le16 queue_notify_data, RO */
#define VIRTIO_PCI_COMMON_Q_RESET	58 /* le16 queue_reset, RW (RING_RESET) */
#define VIRTIO_PCI_COMMON_CFG_LEN	60

/** MSI-X "no vector". */
#define VIRTIO_MSI_NO_VECTOR		0xffff

/** ISR status bits (reading the ISR byte clears it). */
#define VIRTIO_PCI_ISR_QUEUE		0x1
#define VIRTIO_PCI_ISR_CONFIG		0x2

/* ---- device status (spec 2.1) ------------------------------------------- */

#define VIRTIO_STATUS_RESET		0x00
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED		0x80

/* ---- feature bits (spec 5.1.3 and 6) ------------------------------------- */

#define VIRTIO_NET_F_CSUM		0
#define VIRTIO_NET_F_GUEST_CSUM		1
#define VIRTIO_NET_F_MTU		3
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_MRG_RXBUF		15
#define VIRTIO_NET_F_STATUS		16
#define VIRTIO_NET_F_CTRL_VQ		17
#define VIRTIO_NET_F_MQ			22
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33
#define VIRTIO_F_RING_PACKED		34
#define VIRTIO_F_IN_ORDER		35
#define VIRTIO_F_RING_RESET		40

/** Feature bit as a 64-bit mask. */
#define VIRTIO_BIT(f) (UINT64_C(1) << (f))

/* ---- split virtqueue (spec 2.7) ----------------------------------------- */

#define VRING_DESC_F_NEXT		1
#define VRING_DESC_F_WRITE		2
#define VRING_DESC_F_INDIRECT		4
#define VRING_AVAIL_F_NO_INTERRUPT	1
#define VRING_USED_F_NO_NOTIFY		1

/** Largest split queue size (a power of 2). */
#define VIRTQ_MAX_SIZE			32768

/** Descriptor table entry (alignment 16). */
struct vring_desc {
	uint64_t addr;  /**< buffer IOVA */
	uint32_t len;   /**< buffer length */
	uint16_t flags; /**< VRING_DESC_F_* */
	uint16_t next;  /**< next descriptor if flags & NEXT */
};

/** Driver area (alignment 2): flags, idx, ring[size], used_event. */
struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

/** One used element: head of a returned chain and bytes written. */
struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

/** Device area (alignment 4): flags, idx, ring[size], avail_event. */
struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

#define VRING_DESC_ALIGN	16
#define VRING_AVAIL_ALIGN	2
#define VRING_USED_ALIGN	4

/** Bytes of each part of a split queue of `num` entries (with event idx). */
static inline uint64_t vring_desc_bytes(uint16_t num) { return 16ULL * num; }
static inline uint64_t vring_avail_bytes(uint16_t num) { return 6ULL + 2ULL * num; }
static inline uint64_t vring_used_bytes(uint16_t num) { return 6ULL + 8ULL * num; }

/* Offsets inside the driver/device areas, for a device that reaches them
 * by DMA rather than through pointers.
 */
#define VRING_AVAIL_OFF_FLAGS	0
#define VRING_AVAIL_OFF_IDX	2
#define VRING_AVAIL_OFF_RING(i)	(4 + 2 * (uint64_t)(i))
#define VRING_USED_OFF_FLAGS	0
#define VRING_USED_OFF_IDX	2
#define VRING_USED_OFF_RING(i)	(4 + 8 * (uint64_t)(i))

/* ---- virtio-net (spec 5.1) ---------------------------------------------- */

/** Device configuration layout (fields valid per feature bits). */
struct __rte_packed_begin virtio_net_config {
	uint8_t mac[6];                /**< VIRTIO_NET_F_MAC */
	uint16_t status;               /**< VIRTIO_NET_F_STATUS */
	uint16_t max_virtqueue_pairs;  /**< VIRTIO_NET_F_MQ */
	uint16_t mtu;                  /**< VIRTIO_NET_F_MTU */
} __rte_packed_end;

#define VIRTIO_NET_CFG_OFF_MAC		0
#define VIRTIO_NET_CFG_OFF_STATUS	6
#define VIRTIO_NET_CFG_OFF_MAX_VQ_PAIRS	8
#define VIRTIO_NET_CFG_OFF_MTU		10

#define VIRTIO_NET_S_LINK_UP		1
#define VIRTIO_NET_S_ANNOUNCE		2

/** Per-packet header. With VERSION_1 num_buffers is always present (12 B). */
struct __rte_packed_begin virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;  /**< buffers used by this packet (MRG_RXBUF) */
} __rte_packed_end;

#define VIRTIO_NET_HDR_GSO_NONE		0

/** Queue indexes: receiveqN = 2(N-1), transmitqN = 2(N-1)+1, then ctrl. */
#define VIRTIO_NET_RXQ(n)		(2 * (n))
#define VIRTIO_NET_TXQ(n)		(2 * (n) + 1)
#define VIRTIO_NET_CTRLQ(max_pairs)	(2 * (max_pairs))

/** Control queue: header, command data (device-readable), ack (writable). */
struct __rte_packed_begin virtio_net_ctrl_hdr {
	uint8_t class;
	uint8_t cmd;
} __rte_packed_end;

#define VIRTIO_NET_OK			0
#define VIRTIO_NET_ERR			1
#define VIRTIO_NET_CTRL_MQ		4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET	0
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN	1
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX	0x8000

#endif /* VIRTIO_SPEC_H */
