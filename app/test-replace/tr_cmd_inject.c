/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The "port inject" command: arms a failure-injection point of the replace
 * protocol (rte_dma_domain_inject()). That is a test hook of the library
 * (dma_domain_test.h, internal API, not installed), so this one file is
 * built with -DALLOW_INTERNAL_API (app/test-replace/meson.build: tr_inject);
 * the rest of dpdk-test-replace uses the application API only.
 */

#include <errno.h>
#include <string.h>

#include <dma_domain_test.h>

#include "tr_app.h"
#include "tr_cmds_int.h"
#include "tr_domain.h"

static const char *const inject_names[RTE_DMA_DOMAIN_INJECT_MAX] = {
	[RTE_DMA_DOMAIN_INJECT_NONE] = "none",
	[RTE_DMA_DOMAIN_INJECT_COVERAGE] = "coverage",
	[RTE_DMA_DOMAIN_INJECT_ACK] = "ack",
	[RTE_DMA_DOMAIN_INJECT_QUIESCE] = "quiesce",
	[RTE_DMA_DOMAIN_INJECT_SWITCH] = "switch",
	[RTE_DMA_DOMAIN_INJECT_FAULT] = "fault",
	[RTE_DMA_DOMAIN_INJECT_RESUME] = "resume",
	[RTE_DMA_DOMAIN_INJECT_SWITCH_BACK] = "switch_back",
	[RTE_DMA_DOMAIN_INJECT_ROLLBACK] = "rollback",
};

TR_HANDLER(cmd_port_inject)
{
	struct rte_dma_domain_binding *b;
	uint16_t port;
	int i, rc;

	if (tr_parse_port(argc > 0 ? argv[0] : NULL, &port, err) < 0 ||
			tr_port_binding(port, &b, err) < 0)
		return -EINVAL;
	if (argc < 2)
		return tr_err(err, "missing injection point: expected coverage, ack, quiesce, switch, fault, resume, switch_back, rollback or none");
	for (i = 0; i < RTE_DMA_DOMAIN_INJECT_MAX; i++)
		if (inject_names[i] != NULL && strcmp(argv[1], inject_names[i]) == 0)
			break;
	if (i == RTE_DMA_DOMAIN_INJECT_MAX)
		return tr_err(err, "bad injection point '%s': expected coverage, ack, quiesce, switch, fault, resume, switch_back, rollback or none",
			argv[1]);
	if (tr_args_done(argc, argv, 2, err) < 0)
		return -EINVAL;
	rc = rte_dma_domain_inject(b, (enum rte_dma_domain_inject)i);
	if (rc < 0)
		return tr_err(err, "cannot arm injection '%s' on port %u: %s", argv[1], port,
			strerror(-rc));
	return 0;
}
