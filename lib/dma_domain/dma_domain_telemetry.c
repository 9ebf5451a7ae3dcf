/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Telemetry endpoints of librte_dma_domain:
 *   /dma_domain/list            domain names
 *   /dma_domain/info,<name>     one domain
 *   /dma_domain/bindings        binding (device) names
 *   /dma_domain/binding,<dev>   one binding with its swap statistics;
 *                               <dev> is a device name or, as the
 *                               /ethdev/ endpoints take it, a port id
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_string_fns.h>
#include <rte_telemetry.h>

#include "dma_domain_private.h"

static int
tel_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_dma_domain *dom;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	dd_lock();
	for (dom = dd_domain_first(); dom != NULL; dom = dd_domain_next(dom))
		rte_tel_data_add_array_string(d, dom->name);
	dd_unlock();
	return 0;
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_dma_domain *dom;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return -EINVAL;
	dd_lock();
	for (dom = dd_domain_first(); dom != NULL; dom = dd_domain_next(dom))
		if (strcmp(dom->name, params) == 0)
			break;
	if (dom == NULL) {
		dd_unlock();
		return -ENOENT;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", dom->name);
	rte_tel_data_add_dict_string(d, "backend", dom->ctx->ops->name);
	rte_tel_data_add_dict_string(d, "kind", dd_kind_name(dom->kind));
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "mirror", !!(dom->flags & RTE_DMA_DOMAIN_F_MIRROR));
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "mappings", dom->tbl.n);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "mapped_bytes", dom->tbl.bytes);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "bindings", dom->nb_attached);
	dd_unlock();
	return 0;
}

static int
tel_bindings(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_dma_domain_binding *b;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	dd_lock();
	for (b = dd_binding_first(); b != NULL; b = dd_binding_next(b))
		rte_tel_data_add_array_string(d, b->name);
	dd_unlock();
	return 0;
}

/*
 * The device name a /dma_domain/binding parameter stands for: a port id
 * (decimal digits only, as /ethdev/info,<port> takes it) of a valid port
 * gives the name of that port's device, which is its binding's name;
 * anything else is the binding name itself. Called without dd_lock: the
 * ethdev calls take their own locks and may call the driver.
 */
static const char *
tel_binding_name(const char *params, char *buf, size_t len)
{
	struct rte_eth_dev_info info;
	unsigned long port;
	char *end;

	if (params[0] < '0' || params[0] > '9' || strlen(params) > 5)
		return params;
	port = strtoul(params, &end, 10);
	if (*end != '\0' || port >= RTE_MAX_ETHPORTS ||
			!rte_eth_dev_is_valid_port((uint16_t)port) ||
			rte_eth_dev_info_get((uint16_t)port, &info) != 0 ||
			info.device == NULL)
		return params;
	strlcpy(buf, rte_dev_name(info.device), len);
	return buf;
}

static int
tel_binding(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_dma_domain_binding *b;
	struct rte_dma_domain_stats st;
	const struct rte_dma_domain_swap_record *r;
	char devname[RTE_DEV_NAME_MAX_LEN];
	const char *name;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return -EINVAL;
	name = tel_binding_name(params, devname, sizeof(devname));
	dd_lock();
	for (b = dd_binding_first(); b != NULL; b = dd_binding_next(b))
		if (strcmp(b->name, name) == 0)
			break;
	if (b == NULL) {
		dd_unlock();
		return -ENOENT;
	}
	dd_stats_compute(b, &st);
	r = &b->stats->last;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", b->name);
	rte_tel_data_add_dict_string(d, "backend", b->ctx->ops->name);
	rte_tel_data_add_dict_string(d, "domain", b->dom != NULL ? b->dom->name : "");
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "queues", b->nb_queues);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "swapping", b->swapping);
	/* a failed rollback left it on no domain (recover: stop, attach, start) */
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "stranded", b->stranded);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "swaps", st.swaps);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "failures", st.failures);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "rollbacks", st.rollbacks);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "faults", st.faults);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "timeouts", st.timeouts);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "pause_p50_ns", st.pause_p50_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "pause_p99_ns", st.pause_p99_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "pause_max_ns", st.pause_max_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "switch_p50_ns", st.switch_p50_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "switch_p99_ns", st.switch_p99_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "switch_max_ns", st.switch_max_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "rollback_failures", st.rollback_failures);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "rollback_faults", st.rollback_faults);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "faults_between", st.faults_between);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "late_faults", st.late_faults);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "faults_inexact", st.faults_inexact);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "noops", st.noops);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "release_overruns", st.release_overruns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "failed_pauses", st.failed_pauses);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "failed_pause_p50_ns", st.failed_pause_p50_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "failed_pause_p99_ns", st.failed_pause_p99_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "failed_pause_max_ns", st.failed_pause_max_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_seq", r->seq);
	rte_tel_data_add_dict_string(d, "last_strategy",
			rte_dma_domain_strategy_name(r->strategy));
	rte_tel_data_add_dict_int(d, "last_result", r->result);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_rolled_back", r->rolled_back);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_rollback_failed", r->rollback_failed);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_noop", r->noop);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_rollback_faults", r->rollback_faults);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_release_overruns", r->release_overruns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_pause_ns", r->pause_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_max_parked_ns", r->max_parked_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_switch_ns", r->switch_ns);
	RTE_DMA_DOMAIN_TEL_DICT_UINT(d, "last_faults", r->faults);
	rte_tel_data_add_dict_string(d, "last_from", r->from);
	rte_tel_data_add_dict_string(d, "last_to", r->to);
	rte_tel_data_add_dict_string(d, "last_reason", r->reason);
	dd_unlock();
	return 0;
}

RTE_INIT(dd_telemetry_init)
{
	rte_telemetry_register_cmd("/dma_domain/list", tel_list,
		"Names of the DMA domains. No parameters");
	rte_telemetry_register_cmd("/dma_domain/info", tel_info,
		"One DMA domain. Parameters: domain name");
	rte_telemetry_register_cmd("/dma_domain/bindings", tel_bindings,
		"Devices bound to DMA domain contexts. No parameters");
	rte_telemetry_register_cmd("/dma_domain/binding", tel_binding,
		"One binding with its domain-swap statistics. Parameters: device name or port id");
}
