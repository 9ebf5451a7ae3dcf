/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Fault handling of the kernel backend: the IOMMU fault lines of
 * /dev/kmsg (parsed by iommufd_util.c) charged to the bound devices, the
 * ops' faults, fault_info and faults_wait (the post-resume confirmation).
 * Moved out of backend_iommufd.c; the state is be_ctx's (ctx->lock) and
 * be_dev's (iommufd_private.h).
 */

#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_log.h>

#include "dma_domain_backend.h"
#include "dma_domain_logs.h"
#include "iommufd_util.h"
#include "iommufd_private.h"

/* Log, once per reason, why the fault counts became a lower bound. */
void
be_kmsg_warn(struct be_ctx *ctx)
{
	char msg[512];

	while (iommufd_kmsg_lower_bound_msg(&ctx->kmsg, KMSG_PATH, msg, sizeof(msg)) != NULL)
		BE_LOG(WARNING, "%s", msg);
}

/* A kernel fault line: charge it to the bound devices it concerns. */
static void
be_kmsg_record(const struct iommufd_kmsg_rec *r, void *arg)
{
	struct be_ctx *ctx = arg;
	struct be_dev *dev;

	TAILQ_FOREACH(dev, &ctx->devs, next) {
		if (!iommufd_kmsg_charges(r, dev->has_bdf ? &dev->bdf : NULL))
			continue;
		dev->pending_faults++;
		dev->total_faults++;
	}
}

struct be_wait {
	struct be_ctx *ctx;
	struct be_dev *dev;   /* NULL: read what is there */
};

static void
be_wait_record(const struct iommufd_kmsg_rec *r, void *arg)
{
	be_kmsg_record(r, ((struct be_wait *)arg)->ctx);
}

static bool
be_wait_stop(void *arg)
{
	const struct be_wait *w = arg;

	return w->dev != NULL && w->dev->pending_faults > 0;
}

/* Read the kernel's fault lines: what is there, or (deadline_ns in the
 * future) until one concerns dev or the deadline passes. ctx->lock held.
 */
static void
be_kmsg_collect(struct be_ctx *ctx, struct be_dev *dev, uint64_t deadline_ns)
{
	struct be_wait w = { .ctx = ctx, .dev = dev };

	iommufd_kmsg_read(&ctx->kmsg, deadline_ns, be_wait_record, be_wait_stop, &w);
	be_kmsg_warn(ctx);
}

static uint64_t
be_take_faults(struct be_dev *dev)
{
	uint64_t n = dev->pending_faults;

	dev->pending_faults = 0;
	return n;
}

uint64_t
be_faults(void *priv, void *dev_priv)
{
	struct be_ctx *ctx = priv;
	uint64_t n;

	pthread_mutex_lock(&ctx->lock);
	be_kmsg_collect(ctx, NULL, 0);
	n = be_take_faults(dev_priv);
	pthread_mutex_unlock(&ctx->lock);
	return n;
}

/*
 * The post-resume confirmation: read what the kernel logged, and until a
 * line charges dev or the window ends, wait for more WITHOUT ctx->lock
 * (poll on the kmsg fd): the library calls this without its own lock,
 * and another device's switch (be_hwpt_get()) or fault read, in another
 * port's swap, must not wait for this window (up to 20 ms by default).
 * Whichever thread reads a line charges it to every device it concerns,
 * so a line another thread read meanwhile is seen in pending_faults.
 */
uint64_t
be_faults_wait(void *priv, void *dev_priv, uint32_t window_us)
{
	struct be_ctx *ctx = priv;
	struct be_dev *dev = dev_priv;
	uint64_t deadline = iommufd_now_ns() + (uint64_t)window_us * 1000;
	uint64_t n, now;

	for (;;) {
		struct pollfd pfd = { .events = POLLIN };
		int rc;

		pthread_mutex_lock(&ctx->lock);
		be_kmsg_collect(ctx, NULL, 0);
		pfd.fd = ctx->kmsg.fd;
		now = iommufd_now_ns();
		if (dev->pending_faults > 0 || pfd.fd < 0 || now >= deadline) {
			n = be_take_faults(dev);
			pthread_mutex_unlock(&ctx->lock);
			return n;
		}
		pthread_mutex_unlock(&ctx->lock);
		/* bounded by the deadline; a source that errs (the next
		 * collect closes it: fd -1) ends the wait
		 */
		rc = poll(&pfd, 1, (int)((deadline - now + 999999) / 1000000));
		if (rc > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0)
			deadline = now;
	}
}

void
be_fault_info(void *priv, void *dev_priv, struct dd_fault_info *fi)
{
	struct be_ctx *ctx = priv;
	struct be_dev *dev = dev_priv;

	pthread_mutex_lock(&ctx->lock);
	be_kmsg_collect(ctx, NULL, 0);
	fi->total = dev->total_faults;
	fi->exact = !ctx->kmsg.lower_bound;
	fi->confirm_window_us = ctx->kmsg.fd >= 0 ? ctx->confirm_window_us : 0;
	fi->source = ctx->kmsg.fd >= 0 ? KMSG_PATH : "none (" KMSG_PATH " not readable)";
	pthread_mutex_unlock(&ctx->lock);
}
