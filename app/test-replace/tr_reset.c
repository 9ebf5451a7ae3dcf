/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Port recovery after RTE_ETH_EVENT_INTR_RESET, the way a careful DPDK
 * application does it: the callback runs in whatever thread noticed the
 * device's state (a swap's fault check, a link read), with ethdev's
 * callback machinery around it, so it only notes the port and wakes the
 * control thread. The control thread, holding the domain lock (no swap
 * meanwhile), makes the forwarding lcore let go of the port, resets it
 * (rte_eth_dev_reset(): stop + driver reset), configures it again, starts
 * it and lets polling resume. What the stop discarded is in the port's
 * imissed/oerrors (PMD), so the verifier's losses are accounted for.
 *
 * The same path answers RTE_ETH_EVENT_RECOVERY_FAILED: a swap failed and
 * so did its rollback, the device is on no DMA domain and its queues stay
 * parked. Before the reset the port is stopped (its queues go offline)
 * and the binding attached again to the domain the swap left
 * (rte_dma_domain_replace()'s recovery sequence).
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "tr_app.h"
#include "tr_domain.h"
#include "tr_fwd.h"
#include "tr_reset.h"
#include "tr_swap.h"
#include "tr_util.h"

#define WATCH_NS (100ULL * 1000 * 1000)
#define MAX_ENTRIES 4096

static int pending[RTE_MAX_ETHPORTS];      /* __atomic: set by the callback */
static uint64_t nb_ok[RTE_MAX_ETHPORTS], nb_failed[RTE_MAX_ETHPORTS]; /* tr_cnt */
static uint64_t next_watch_ns;             /* control thread only */

/* Set by tr_reset_init() on the main thread before the control thread
 * starts; read by the control thread only.
 */
static struct tr_reset_hooks hooks;

static pthread_mutex_t emtx = PTHREAD_MUTEX_INITIALIZER;
static struct tr_reset_entry entries[MAX_ENTRIES];
static unsigned int nb_entries;

static int
on_reset_event(uint16_t port, enum rte_eth_event_type ev, void *arg, void *ret)
{
	if (ev == RTE_ETH_EVENT_RECOVERY_FAILED)
		printf("port %u: a swap's rollback failed, the device is on no DMA domain: recovering\n",
			port);
	RTE_SET_USED(arg);
	RTE_SET_USED(ret);
	if (port < RTE_MAX_ETHPORTS) {
		rte_atomic_store_explicit(&pending[port], 1, rte_memory_order_release);
		tr_ctl_kick();
	}
	return 0;
}

/* Events after which a port is recovered. */
static const enum rte_eth_event_type recover_events[] = {
	RTE_ETH_EVENT_INTR_RESET, RTE_ETH_EVENT_RECOVERY_FAILED,
};

int
tr_reset_init(const struct tr_reset_hooks *h)
{
	unsigned int i;
	int rc = 0;

	hooks = *h;
	for (i = 0; i < RTE_DIM(recover_events) && rc == 0; i++)
		rc = rte_eth_dev_callback_register(RTE_ETH_ALL, recover_events[i],
			on_reset_event, NULL);
	if (rc < 0)
		printf("error: cannot register the port recovery event callbacks: %s\n",
			strerror(-rc));
	return rc;
}

void
tr_reset_fini(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(recover_events); i++)
		rte_eth_dev_callback_unregister(RTE_ETH_ALL, recover_events[i],
			on_reset_event, NULL);
}

/* A device a failed rollback left on no domain: stop the port (its
 * queues go offline), attach the binding to the domain the swap came
 * from. 0 when the binding has a domain (now or already).
 */
static int
reattach(uint16_t port, const char **step)
{
	struct rte_dma_domain_binding *b =
		rte_dma_domain_binding_lookup(tr_port_devname(port));
	struct rte_dma_domain_swap_record rec;
	struct rte_dma_domain *dom;
	int rc;

	if (b == NULL || rte_dma_domain_binding_domain(b) != NULL)
		return 0;
	*step = "stop";
	rc = rte_eth_dev_stop(port);
	if (rc != 0)
		return rc;
	*step = "attach";
	if (rte_dma_domain_last_swap(b, &rec) != 0)
		return -ENOENT;
	dom = rte_dma_domain_lookup(rec.from);
	if (dom == NULL)
		return -ENOENT;
	return rte_dma_domain_attach(b, dom);
}

/* Reset, configure and restart port; *step names what failed. */
static int
recover(uint16_t port, const char **step)
{
	bool polled = tr_fwd_polls(port);
	int rc;

	*step = "hold";
	if (polled && tr_fwd_hold(port, true) < 0)
		return -ETIMEDOUT;
	rc = reattach(port, step);
	if (rc != 0)
		goto out;
	*step = "reset";
	rc = rte_eth_dev_reset(port);
	if (rc == 0) {
		*step = "configure";
		rc = hooks.configure(port);
	}
	if (rc == 0 && tr_app.started[port]) {
		*step = "start";
		rc = rte_eth_dev_start(port);
		if (rc == 0) {
			rte_eth_promiscuous_enable(port);
			/* as at 'port start': nobody polls these yet */
			if (!polled)
				tr_port_queues_park(port);
		}
	}
out:
	if (rc != 0 && tr_app.started[port]) {
		/* the port is down now: the app must not think otherwise */
		tr_app.started[port] = false;
		tr_port_queues_forget(port);
	}
	/* Polling resumes on the restarted port (its lcore unparks it). A
	 * port that stays down is held: the lcore keeps off it.
	 */
	if (polled && rc == 0)
		tr_fwd_hold(port, false);
	if (rc == 0)
		*step = "";
	return rc;
}

static void
record(uint64_t t_ns, uint16_t port, int rc, uint64_t dur_ns, const char *step)
{
	pthread_mutex_lock(&emtx);
	if (nb_entries < MAX_ENTRIES) {
		struct tr_reset_entry *e = &entries[nb_entries++];

		e->t_ns = t_ns - tr_t0_ns();
		e->port = port;
		e->rc = rc;
		e->dur_ns = dur_ns;
		strlcpy(e->step, step, sizeof(e->step));
	}
	pthread_mutex_unlock(&emtx);
	tr_cnt_add(rc == 0 ? &nb_ok[port] : &nb_failed[port], 1);
}

void
tr_reset_service(uint64_t now_ns)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		const char *step;
		uint64_t t0, t1;
		int rc;

		if (!rte_atomic_exchange_explicit(&pending[port], 0, rte_memory_order_acq_rel))
			continue;
		tr_dom_lock();
		t0 = tr_now_ns();
		rc = recover(port, &step);
		t1 = tr_now_ns();
		tr_dom_unlock();
		record(t0, port, rc, t1 - t0, step);
		if (hooks.before_print != NULL)
			hooks.before_print();
		if (rc == 0)
			printf("port %u (%s): device needs reset: reset, reconfigured and restarted in %.1f ms (reset #%"
				PRIu64 ")\n",
				port, tr_port_devname(port), (t1 - t0) / 1e6,
				tr_cnt_get(&nb_ok[port]));
		else
			printf("error: port %u (%s): device needs reset: recovery failed at %s: %s (port left stopped)\n",
				port, tr_port_devname(port), step, strerror(-rc));
		fflush(stdout);
	}
	if (now_ns < next_watch_ns)
		return;
	next_watch_ns = now_ns + WATCH_NS;
	/* A device can fail outside a swap (a fault on any DMA): reading the
	 * link is where the PMD notices DEVICE_NEEDS_RESET and raises the
	 * event. Under the domain lock: a swap may be stopping the port.
	 */
	tr_dom_lock();
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_link link;

		/* the value does not matter here, the PMD's look does */
		if (tr_app.started[port] && rte_eth_link_get_nowait(port, &link) != 0)
			continue;
	}
	tr_dom_unlock();
}

void
tr_reset_counts(uint16_t port, uint64_t *ok, uint64_t *failed)
{
	*ok = port < RTE_MAX_ETHPORTS ? tr_cnt_get(&nb_ok[port]) : 0;
	*failed = port < RTE_MAX_ETHPORTS ? tr_cnt_get(&nb_failed[port]) : 0;
}

void
tr_reset_foreach(void (*cb)(const struct tr_reset_entry *e, void *arg), void *arg)
{
	unsigned int i;

	pthread_mutex_lock(&emtx);
	for (i = 0; i < nb_entries; i++)
		cb(&entries[i], arg);
	pthread_mutex_unlock(&emtx);
}

void
tr_reset_clear(void)
{
	uint16_t port;

	pthread_mutex_lock(&emtx);
	nb_entries = 0;
	pthread_mutex_unlock(&emtx);
	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		tr_cnt_set(&nb_ok[port], 0);
		tr_cnt_set(&nb_failed[port], 0);
	}
}
