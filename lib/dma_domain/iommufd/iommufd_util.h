/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef DMA_DOMAIN_IOMMUFD_UTIL_H
#define DMA_DOMAIN_IOMMUFD_UTIL_H

/*
 * Pure parts of the iommufd backend (backend_iommufd.c), testable without
 * /dev/iommu (tests/dma_domain/test_dd_backend.c compiles this file in):
 * the atomic-replace decision per IOMMU type, and the reader of the
 * kernel's IOMMU fault lines (/dev/kmsg, or any fd: a pipe or file in the
 * tests). No DPDK calls; not installed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- atomic replace ---------------------------------------------------- */

/*
 * enum iommu_hw_info_type's SMMUv3 value: added in Linux 6.14, after the
 * carried uapi headers (kernel/linux/uapi/version); the value is ABI.
 */
#define IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3 2

/*
 * Whether a paging-to-paging replace on an IOMMU of this type
 * (enum iommu_hw_info_type) is atomic for DMA in flight, so that the
 * library may default to the hitless strategy. False for every type
 * today: VT-d blocks translation for the switch, and SMMUv3 rewrites the
 * live context descriptor's ASID and TTB0 through its breaking sequence
 * (arm_smmu_write_entry(): clear V, sync, write, set V), aborting DMA in
 * that window. A type goes into the table only with a measured result of
 * the atomicity matrix (issue 15) showing no fault under live DMA.
 */
bool iommufd_hw_replace_atomic(uint32_t hw_type);

/* ---- kernel fault lines ------------------------------------------------ */

/* A PCI function as fault lines name it; seg < 0: line printed none. */
struct iommufd_bdf {
	int seg;
	unsigned int bus, dev, fn;
};

/* "0000:00:03.0" (or "00:03.0", seg = -1) -> bdf. 0, or -EINVAL. */
int iommufd_bdf_parse(const char *name, struct iommufd_bdf *bdf);

#define IOMMUFD_KMSG_MAX_BDF 4

enum iommufd_kmsg_kind {
	IOMMUFD_KMSG_OTHER = 0,     /* not about IOMMU faults */
	IOMMUFD_KMSG_FAULT,         /* one DMA translation fault */
	/* The kernel's rate limit dropped IOMMU fault lines ("dmar_fault:
	 * N callbacks suppressed"): at least one fault of an unknown device
	 * went unreported.
	 */
	IOMMUFD_KMSG_SUPPRESSED,
};

/* One record of the log, parsed. */
struct iommufd_kmsg_rec {
	enum iommufd_kmsg_kind kind;
	unsigned int nb_bdf;        /* devices the line names (at most 4) */
	struct iommufd_bdf bdf[IOMMUFD_KMSG_MAX_BDF];
	unsigned int suppressed;    /* SUPPRESSED: the kernel's N */
};

/* Parse one record: the text of /dev/kmsg ("prefix;message"; lines after
 * the first, the record's key=value dictionary, are ignored) or a bare
 * message.
 */
void iommufd_kmsg_parse(const char *rec, struct iommufd_kmsg_rec *out);

/*
 * Whether record r counts as a fault of the device dev. A fault line that
 * names devices counts for those only (the fault of another device is not
 * ours); one that names none counts for every device, and so does a
 * rate-limit line (better a false rollback than a missed fault). dev NULL:
 * a device without a PCI name, for which every fault line counts.
 */
bool iommufd_kmsg_charges(const struct iommufd_kmsg_rec *r,
		const struct iommufd_bdf *dev);

#define IOMMUFD_KMSG_BUF 8192 /* the kernel's longest record (CONSOLE_EXT_LOG_MAX) */

/* Reader state of one fault-line source. */
struct iommufd_kmsg {
	int fd;                     /* -1: no source */
	int open_err;               /* errno of the failed open, or 0 */
	uint64_t records;           /* records read */
	uint64_t faults;            /* FAULT records */
	uint64_t suppressed;        /* SUPPRESSED records */
	uint64_t lost;              /* EPIPE: records overwritten unread */
	bool lower_bound;           /* counts below are a lower bound */
	unsigned int warned;        /* reasons already reported (bit mask) */
	size_t len;                 /* bytes of a line cut by a read */
	char buf[IOMMUFD_KMSG_BUF];
};

/*
 * Open path (O_RDONLY | O_NONBLOCK) and start at its end: only lines
 * written from now on are read. On failure k->fd = -1, k->open_err is set
 * and the counts are a lower bound (nothing can be seen). 0 or -errno.
 */
int iommufd_kmsg_open(struct iommufd_kmsg *k, const char *path);

/* Read from fd (a pipe or a file: its start; not closed by the reader). */
void iommufd_kmsg_init_fd(struct iommufd_kmsg *k, int fd);

void iommufd_kmsg_close(struct iommufd_kmsg *k);

/*
 * Read the records available and pass each to cb. With deadline_ns (a
 * CLOCK_MONOTONIC time) in the future, wait for more (poll(), no spin)
 * until stop(arg) returns true after a record, or the deadline passes.
 * stop may be NULL (wait the whole window). Returns 0 (drained or
 * stopped), -ETIMEDOUT (deadline passed without stop), or -errno of a
 * failed read (the source is then closed and counts are a lower bound).
 */
int iommufd_kmsg_read(struct iommufd_kmsg *k, uint64_t deadline_ns,
		void (*cb)(const struct iommufd_kmsg_rec *r, void *arg),
		bool (*stop)(void *arg), void *arg);

/*
 * Once per reason (unreadable source, rate limit seen, records lost), a
 * sentence saying why the fault counts are a lower bound from now on;
 * NULL when there is nothing new to say. Written into out.
 */
const char *iommufd_kmsg_lower_bound_msg(struct iommufd_kmsg *k, const char *path,
		char *out, size_t sz);

/* CLOCK_MONOTONIC in ns. */
uint64_t iommufd_now_ns(void);

#endif /* DMA_DOMAIN_IOMMUFD_UTIL_H */
