/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Fuzzer of librte_dma_domain's telemetry handlers (dma_domain_telemetry.c)
 * with fuzzed parameter strings. The handlers are static and registered by
 * a constructor: this harness defines rte_telemetry_register_cmd() itself
 * (the executable's definition comes first in symbol lookup) and keeps the
 * /dma_domain/ ones. rte_tel_data_alloc() needs no EAL.
 *
 * Checked: no crash or sanitizer report; a one-object command answers 0
 * exactly when the parameter names an existing domain/binding, -EINVAL
 * when it is empty, else -ENOENT; nothing changes (the names listed stay).
 *
 * Input: byte 0 picks the command, the rest is the parameter string.
 */

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_telemetry.h>

#include "tdd.h"
#include "fuzz_entry.h"

struct tel_cmd {
	const char *name;
	telemetry_cb fn;
};

static struct tel_cmd cmds[8];
static unsigned int nb_cmds;
static struct fake_drv drv;

int
rte_telemetry_register_cmd(const char *cmd, telemetry_cb fn, const char *help)
{
	RTE_SET_USED(help);
	if (strncmp(cmd, "/dma_domain/", 12) == 0 && nb_cmds < RTE_DIM(cmds)) {
		cmds[nb_cmds].name = cmd;
		cmds[nb_cmds].fn = fn;
		nb_cmds++;
	}
	return 0;
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rte_dma_domain_ctx *ctx = rte_dma_domain_ctx_get(RTE_DMA_DOMAIN_BACKEND_SOFT);
	struct rte_dma_domain *d1, *d2;
	static alignas(4096) char mem[4 * 4096];

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	if (nb_cmds != 4)
		TH_ABORT("%u /dma_domain/ commands registered, expected 4", nb_cmds);
	d1 = rte_dma_domain_create(ctx, "d1", RTE_DMA_DOMAIN_PAGING, 0);
	d2 = rte_dma_domain_create(ctx, "dom.two", RTE_DMA_DOMAIN_PAGING, 0);
	if (d1 == NULL || d2 == NULL || fake_bind(&drv, "fzdev", 1, 0x10000) != 0 ||
			rte_dma_domain_map(d1, 0x10000, mem, sizeof(mem),
					RTE_DMA_DOMAIN_ACCESS_RW) != 0 ||
			rte_dma_domain_map(d2, 0x10000, mem, sizeof(mem),
					RTE_DMA_DOMAIN_ACCESS_RW) != 0 ||
			rte_dma_domain_attach(drv.b, d1) != 0 ||
			rte_dma_domain_replace(drv.b, d2, NULL) != 0)
		TH_ABORT("setup failed: %s", rte_strerror(rte_errno));
	rte_log_set_global_level(RTE_LOG_CRIT);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct tel_cmd *c;
	struct rte_tel_data *d;
	char *params;
	bool one, exists;
	int rc, want;

	if (size < 1 || size > 1024 || nb_cmds == 0)
		return 0;
	c = &cmds[data[0] % nb_cmds];
	params = malloc(size);
	d = rte_tel_data_alloc();
	if (params == NULL || d == NULL)
		abort();
	memcpy(params, data + 1, size - 1);
	params[size - 1] = '\0';
	rc = c->fn(c->name, (data[0] & 0x80) ? NULL : params, d);
	one = strcmp(c->name, "/dma_domain/info") == 0 ||
		strcmp(c->name, "/dma_domain/binding") == 0;
	if (one) {
		exists = strcmp(c->name, "/dma_domain/info") == 0 ?
			rte_dma_domain_lookup(params) != NULL :
			rte_dma_domain_binding_lookup(params) != NULL;
		want = (data[0] & 0x80) || params[0] == '\0' ? -EINVAL :
			exists ? 0 : -ENOENT;
		if (rc != want)
			TH_ABORT("%s '%s': %d, expected %d", c->name, params, rc, want);
	} else if (rc != 0) {
		TH_ABORT("%s '%s': %d", c->name, params, rc);
	}
	rte_tel_data_free(d);
	free(params);
	return 0;
}
