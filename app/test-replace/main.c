/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder: replaced by dpdk-test-replace. */
#include <stdio.h>
#include <rte_dma_domain.h>

int
main(void)
{
	printf("dpdk-test-replace: %s\n", rte_dma_domain_strategy_name(0));
	return 0;
}
