/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Pure parts of the iommufd backend: see iommufd_util.h.
 *
 * Kernel fault lines this reader knows (Linux 6.x):
 *   VT-d   "DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr
 *           0x1000 [fault reason 0x06] PTE Read access is not set",
 *          preceded by "DMAR: DRHD: handling fault status reg 2" (a
 *          summary, not a fault); both go through one rate limit in
 *          dmar_fault() (10 per 5 s), after which the kernel prints
 *          "dmar_fault: N callbacks suppressed" with the next fault.
 *   AMD    "... AMD-Vi: Event logged [IO_PAGE_FAULT device=0000:01:00.0
 *           domain=0x000c address=0x... flags=0x0020]"
 *   SMMUv3 "arm-smmu-v3 ...: event 0x10 received:" (before 6.13, names no
 *          device), "arm-smmu-v3 ...: event: F_TRANSLATION client:
 *          0000:00:01.0 sid: ..." (6.13+)
 * Interrupt-remapping faults ("[INTR-REMAP]") are not DMA faults.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "iommufd_util.h"

/* ---- atomic replace ---------------------------------------------------- */

/*
 * IOMMU types (enum iommu_hw_info_type) whose paging-to-paging replace was
 * measured atomic under live DMA (issue 15, the atomicity matrix). Empty:
 * no type is known to be. Do not add one from reading a driver: SMMUv3's
 * "hitless" STE/CD updates do not cover a change of domain (ASID and TTB0
 * of a valid CD change together, so arm_smmu_write_entry() breaks the
 * entry), and VT-d blocks translation for the switch.
 */
static const uint32_t hw_atomic_types[] = {
	/* none measured atomic yet */
	UINT32_MAX /* end */
};

bool
iommufd_hw_replace_atomic(uint32_t hw_type)
{
	size_t i;

	for (i = 0; hw_atomic_types[i] != UINT32_MAX; i++)
		if (hw_atomic_types[i] == hw_type)
			return true;
	return false;
}

/* ---- device names ------------------------------------------------------ */

static bool
hexn(const char *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return true;
}

/* A BDF at p: "ssss:bb:dd.f" or "bb:dd.f", not inside a longer token.
 * Returns its length, 0 if none.
 */
static size_t
bdf_at(const char *p, struct iommufd_bdf *b)
{
	const char *q = p;
	int seg = -1;

	if (hexn(q, 4) && q[4] == ':' && hexn(q + 5, 2) && q[7] == ':') {
		seg = (int)strtoul(q, NULL, 16);
		q += 5;
	}
	if (!(hexn(q, 2) && q[2] == ':' && hexn(q + 3, 2) && q[5] == '.' &&
			q[6] >= '0' && q[6] <= '7' && !isalnum((unsigned char)q[7])))
		return 0;
	b->seg = seg;
	b->bus = (unsigned int)strtoul(q, NULL, 16);
	b->dev = (unsigned int)strtoul(q + 3, NULL, 16);
	b->fn = (unsigned int)(q[6] - '0');
	return (size_t)(q + 7 - p);
}

int
iommufd_bdf_parse(const char *name, struct iommufd_bdf *bdf)
{
	if (name == NULL || bdf == NULL)
		return -EINVAL;
	return bdf_at(name, bdf) == strlen(name) ? 0 : -EINVAL;
}

static bool
bdf_eq(const struct iommufd_bdf *a, const struct iommufd_bdf *b)
{
	return a->bus == b->bus && a->dev == b->dev && a->fn == b->fn &&
		(a->seg < 0 || b->seg < 0 || a->seg == b->seg);
}

/* ---- records ----------------------------------------------------------- */

/* "fault" as a word or after '_' (IO_PAGE_FAULT, dmar_fault), not inside
 * "default".
 */
static bool
has_fault_word(const char *msg)
{
	const char *p;

	for (p = msg; (p = strcasestr(p, "fault")) != NULL; p++)
		if (p == msg || !isalpha((unsigned char)p[-1]))
			return true;
	return false;
}

static bool
from_iommu(const char *msg)
{
	return strstr(msg, "DMAR") != NULL || strcasestr(msg, "dmar_") != NULL ||
		strcasestr(msg, "smmu") != NULL || strcasestr(msg, "iommu") != NULL ||
		strstr(msg, "AMD-Vi") != NULL;
}

static bool
is_fault(const char *msg)
{
	if (!from_iommu(msg) || strstr(msg, "INTR-REMAP") != NULL ||
			strstr(msg, "handling fault status") != NULL)
		return false;
	if (has_fault_word(msg))
		return true;
	/* SMMUv3 event queue records */
	return strcasestr(msg, "smmu") != NULL &&
		((strstr(msg, "event 0x") != NULL && strstr(msg, "received") != NULL) ||
		 strstr(msg, "event: ") != NULL);
}

/* "<function>: N callbacks suppressed" of an IOMMU fault handler. */
static bool
is_suppressed(const char *msg, unsigned int *n)
{
	const char *q = strstr(msg, " callbacks suppressed");
	const char *colon = strchr(msg, ':');
	char fn[64];
	size_t len;

	if (q == NULL || colon == NULL || colon > q)
		return false;
	len = (size_t)(colon - msg);
	if (len >= sizeof(fn))
		len = sizeof(fn) - 1;
	memcpy(fn, msg, len);
	fn[len] = '\0';
	if (!from_iommu(fn) && strcasestr(fn, "amd_") == NULL)
		return false;
	while (q > colon && isdigit((unsigned char)q[-1]))
		q--;
	*n = (unsigned int)strtoul(q, NULL, 10);
	return true;
}

/* /dev/kmsg's "pri,seq,usec,flags[,caller=...]" before the ';'. */
static bool
kmsg_prefix(const char *rec, const char *semi)
{
	const char *p;

	if (!isdigit((unsigned char)rec[0]))
		return false;
	for (p = rec; p < semi; p++)
		if (!isalnum((unsigned char)*p) && *p != ',' && *p != '-' && *p != '=')
			return false;
	return true;
}

void
iommufd_kmsg_parse(const char *rec, struct iommufd_kmsg_rec *out)
{
	char msg[IOMMUFD_KMSG_BUF];
	const char *semi = strchr(rec, ';');
	const char *p;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (semi != NULL && kmsg_prefix(rec, semi))
		rec = semi + 1;
	n = strcspn(rec, "\n");
	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	memcpy(msg, rec, n);
	msg[n] = '\0';

	if (is_suppressed(msg, &out->suppressed)) {
		out->kind = IOMMUFD_KMSG_SUPPRESSED;
		return;
	}
	if (!is_fault(msg))
		return;
	out->kind = IOMMUFD_KMSG_FAULT;
	for (p = msg; *p != '\0' && out->nb_bdf < IOMMUFD_KMSG_MAX_BDF; p++) {
		size_t len;

		if (p > msg && (isalnum((unsigned char)p[-1]) || p[-1] == ':' ||
				p[-1] == '.'))
			continue;
		len = bdf_at(p, &out->bdf[out->nb_bdf]);
		if (len == 0)
			continue;
		out->nb_bdf++;
		p += len - 1;
	}
}

bool
iommufd_kmsg_charges(const struct iommufd_kmsg_rec *r, const struct iommufd_bdf *dev)
{
	unsigned int i;

	if (r->kind == IOMMUFD_KMSG_SUPPRESSED)
		return true;
	if (r->kind != IOMMUFD_KMSG_FAULT)
		return false;
	if (r->nb_bdf == 0 || dev == NULL)
		return true;
	for (i = 0; i < r->nb_bdf; i++)
		if (bdf_eq(&r->bdf[i], dev))
			return true;
	return false;
}

/* ---- reader ------------------------------------------------------------ */

enum {
	WARN_UNREADABLE = 1,
	WARN_SUPPRESSED = 2,
	WARN_LOST = 4,
};

uint64_t
iommufd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
kmsg_reset(struct iommufd_kmsg *k, int fd)
{
	memset(k, 0, offsetof(struct iommufd_kmsg, buf));
	k->fd = fd;
}

void
iommufd_kmsg_init_fd(struct iommufd_kmsg *k, int fd)
{
	kmsg_reset(k, fd);
}

int
iommufd_kmsg_open(struct iommufd_kmsg *k, const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	kmsg_reset(k, -1);
	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		int err = errno;

		close(fd);
		fd = -1;
		errno = err;
	}
	if (fd < 0) {
		k->open_err = errno;
		k->lower_bound = true;
		return -k->open_err;
	}
	k->fd = fd;
	return 0;
}

void
iommufd_kmsg_close(struct iommufd_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

static void
kmsg_line(struct iommufd_kmsg *k, const char *line,
		void (*cb)(const struct iommufd_kmsg_rec *r, void *arg), void *arg)
{
	struct iommufd_kmsg_rec r;

	if (line[0] == ' ' || line[0] == '\0')
		return; /* a record's dictionary line ("SUBSYSTEM=pci") */
	k->records++;
	iommufd_kmsg_parse(line, &r);
	if (r.kind == IOMMUFD_KMSG_OTHER)
		return;
	if (r.kind == IOMMUFD_KMSG_FAULT)
		k->faults++;
	else {
		k->suppressed++;
		k->lower_bound = true;
	}
	cb(&r, arg);
}

/* Hand every complete line of k->buf to cb; keep a cut line. */
static void
kmsg_lines(struct iommufd_kmsg *k,
		void (*cb)(const struct iommufd_kmsg_rec *r, void *arg), void *arg)
{
	char *start = k->buf, *nl;
	size_t left;

	k->buf[k->len] = '\0';
	while ((nl = memchr(start, '\n', k->len - (size_t)(start - k->buf))) != NULL) {
		*nl = '\0';
		kmsg_line(k, start, cb, arg);
		start = nl + 1;
	}
	left = k->len - (size_t)(start - k->buf);
	if (left == sizeof(k->buf) - 1) {
		/* a line longer than any record: take it as it is */
		kmsg_line(k, start, cb, arg);
		left = 0;
	}
	memmove(k->buf, start, left);
	k->len = left;
}

int
iommufd_kmsg_read(struct iommufd_kmsg *k, uint64_t deadline_ns,
		void (*cb)(const struct iommufd_kmsg_rec *r, void *arg),
		bool (*stop)(void *arg), void *arg)
{
	for (;;) {
		struct pollfd pfd;
		uint64_t now;
		ssize_t n;
		int ms;

		if (k->fd < 0)
			return 0;
		n = read(k->fd, k->buf + k->len, sizeof(k->buf) - 1 - k->len);
		if (n > 0) {
			k->len += (size_t)n;
			kmsg_lines(k, cb, arg);
			if (stop != NULL && stop(arg))
				return 0;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			/* /dev/kmsg: records overwritten before we read them */
			k->lost++;
			k->lower_bound = true;
			continue;
		}
		if (n < 0 && errno == EINVAL && k->len > 0) {
			/* a record does not fit behind a cut line: flush it */
			k->buf[k->len] = '\0';
			kmsg_line(k, k->buf, cb, arg);
			k->len = 0;
			continue;
		}
		if (n < 0 && errno != EAGAIN) {
			int err = errno;

			iommufd_kmsg_close(k);
			k->open_err = err;
			k->lower_bound = true;
			return -err;
		}
		if (n == 0)
			return 0; /* end of a file or of a closed pipe */
		now = iommufd_now_ns();
		if (deadline_ns <= now)
			return 0;
		ms = (int)((deadline_ns - now + 999999) / 1000000);
		pfd.fd = k->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return -errno;
	}
}

const char *
iommufd_kmsg_lower_bound_msg(struct iommufd_kmsg *k, const char *path,
		char *out, size_t sz)
{
	if (k->fd < 0 && k->open_err != 0 && !(k->warned & WARN_UNREADABLE)) {
		k->warned |= WARN_UNREADABLE;
		snprintf(out, sz, "%s not readable (%s): the kernel's IOMMU fault lines are not seen, fault counts are a lower bound (only the driver's fault check, e.g. DEVICE_NEEDS_RESET, reports faults); %s",
			path, strerror(k->open_err),
			k->open_err == ENOENT ?
			"give the process a /dev/kmsg (containers: bind-mount it)" :
			k->open_err == EPERM || k->open_err == EACCES ?
			"run as root or with CAP_SYSLOG, or set sysctl kernel.dmesg_restrict=0" :
			"check the kernel log device");
		return out;
	}
	if (k->suppressed > 0 && !(k->warned & WARN_SUPPRESSED)) {
		k->warned |= WARN_SUPPRESSED;
		snprintf(out, sz, "the kernel rate-limited its IOMMU fault lines (\"callbacks suppressed\": at most 10 per 5 s are printed): fault counts are a lower bound from now on, and a fault may be charged to the wrong swap");
		return out;
	}
	if (k->lost > 0 && !(k->warned & WARN_LOST)) {
		k->warned |= WARN_LOST;
		snprintf(out, sz, "%s records were overwritten before they were read: fault counts are a lower bound from now on",
			path);
		return out;
	}
	return NULL;
}
