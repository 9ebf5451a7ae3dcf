/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef DMA_DOMAIN_IOMMUFD_PRIVATE_H
#define DMA_DOMAIN_IOMMUFD_PRIVATE_H

/*
 * Internals of the kernel backend (backend_iommufd.c: context, domains,
 * devices; iommufd_fault.c: faults). Not installed.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "dma_domain_backend.h"
#include "iommufd_util.h"

#define KMSG_PATH "/dev/kmsg"

struct be_hwpt {
	uint32_t dev_id;
	uint32_t hwpt_id;
};

struct be_dom {
	TAILQ_ENTRY(be_dom) next;
	uint32_t ioas_id;
	char name[RTE_DMA_DOMAIN_NAMESIZE];
	struct be_hwpt *hwpts;
	unsigned int nb_hwpts;
	unsigned int max_hwpts;
};

struct be_dev {
	TAILQ_ENTRY(be_dev) next;
	char name[RTE_DMA_DOMAIN_NAMESIZE];
	struct iommufd_bdf bdf;   /* as fault lines name it */
	bool has_bdf;             /* false: name is not a PCI address */
	int dev_fd;               /* owned by the bus */
	uint32_t dev_id;
	uint32_t hw_type;         /* enum iommu_hw_info_type */
	bool attached;
	/* under be_ctx.lock */
	uint64_t pending_faults;  /* counted, not yet returned by faults() */
	uint64_t total_faults;    /* counted since bind */
};

struct be_ctx {
	int fd;
	pthread_mutex_t lock;     /* lists and kmsg state */
	struct iommufd_kmsg kmsg; /* kernel fault lines (fd -1: none) */
	uint32_t confirm_window_us;
	TAILQ_HEAD(, be_dom) doms;
	TAILQ_HEAD(, be_dev) devs;
};

/* iommufd_fault.c: the ops' fault calls (dma_domain_backend.h) */
/* Log, once per reason, why the fault counts became a lower bound. */
void be_kmsg_warn(struct be_ctx *ctx);
uint64_t be_faults(void *priv, void *dev_priv);
uint64_t be_faults_wait(void *priv, void *dev_priv, uint32_t window_us);
void be_fault_info(void *priv, void *dev_priv, struct dd_fault_info *fi);

#endif /* DMA_DOMAIN_IOMMUFD_PRIVATE_H */
