/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Control queue: used for one command, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
 * which a device with VIRTIO_NET_F_MQ needs before it uses more than the
 * first queue pair. Commands are synchronous (control path only).
 */

#include <errno.h>
#include <sched.h>
#include <string.h>

#include <rte_cycles.h>

#include "virtio_iommufd_virtqueue.h"

/* Command buffer: header + data (device-readable), then the ack byte. */
#define CTRL_CMD_OFF	0
#define CTRL_ACK_OFF	32
#define CTRL_BUF_LEN	64

int
vio_ctrl_setup(struct vio_dev *vd)
{
	char name[RTE_MEMZONE_NAMESIZE];
	uint64_t off;
	int ret;

	if (vd->ctrl.mz == NULL) {
		snprintf(name, sizeof(name), "vio_p%u_ctrl", vd->port_id);
		ret = vio_ring_alloc(&vd->ctrl, name, VIO_CTRL_QSIZE,
			VIRTIO_NET_CTRLQ(vd->max_pairs), vd->eth_dev->data->numa_node,
			CTRL_BUF_LEN, &off);
		if (ret != 0)
			return ret;
		vd->ctrl_buf = RTE_PTR_ADD(vd->ctrl.mz->addr, off);
		vd->ctrl_buf_iova = vd->ctrl.iova + off;
	}
	vio_ring_init(&vd->ctrl);
	return vtpci_queue_setup(&vd->hw, &vd->ctrl);
}

int
vio_ctrl_set_pairs(struct vio_dev *vd, uint16_t pairs)
{
	struct vio_ring *r = &vd->ctrl;
	struct virtio_net_ctrl_hdr hdr = {
		.class = VIRTIO_NET_CTRL_MQ, .cmd = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
	};
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz();
	uint16_t head = (uint16_t)(r->avail_idx & r->mask) & ~1u;
	volatile uint8_t *ack = vd->ctrl_buf + CTRL_ACK_OFF;

	memcpy(vd->ctrl_buf + CTRL_CMD_OFF, &hdr, sizeof(hdr));
	memcpy(vd->ctrl_buf + CTRL_CMD_OFF + sizeof(hdr), &pairs, sizeof(pairs));
	*ack = VIRTIO_NET_ERR;
	r->desc[head] = (struct vring_desc){
		.addr = vd->ctrl_buf_iova + CTRL_CMD_OFF,
		.len = sizeof(hdr) + sizeof(pairs),
		.flags = VRING_DESC_F_NEXT, .next = (uint16_t)(head + 1),
	};
	r->desc[head + 1] = (struct vring_desc){
		.addr = vd->ctrl_buf_iova + CTRL_ACK_OFF, .len = 1,
		.flags = VRING_DESC_F_WRITE,
	};
	avail_add(r, head);
	avail_publish(r);
	vtpci_notify(&vd->hw, r); /* always: no notification suppression here */
	while (rte_atomic_load_explicit(&r->used->idx, rte_memory_order_acquire) == r->last_used) {
		if (rte_get_timer_cycles() > deadline) {
			VIO_LOG(ERR, "%s: control command MQ_VQ_PAIRS_SET(%u) got no answer in 1 s",
				vd->idev->name, pairs);
			return -ETIMEDOUT;
		}
		rte_iommufd_device_poll(vd->idev, r->vq_index);
		sched_yield();
	}
	r->last_used++;
	if (*ack != VIRTIO_NET_OK) {
		VIO_LOG(ERR, "%s: device refused %u queue pairs (max %u)", vd->idev->name,
			pairs, vd->max_pairs);
		return -EINVAL;
	}
	return 0;
}
