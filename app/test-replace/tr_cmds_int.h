/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TR_CMDS_INT_H
#define TR_CMDS_INT_H

/**
 * @file
 * Command handlers of dpdk-test-replace. Each gets the arguments after the
 * command's keywords, checks all of them before changing anything, and on
 * error fills err (TR_ERRLEN) naming the bad argument and what was expected.
 */

#include "tr_util.h"

#define TR_HANDLER(n) int n(int argc, char **argv, char *err)

/* tr_cmd_domain.c */
TR_HANDLER(cmd_domain_create);
TR_HANDLER(cmd_domain_destroy);
TR_HANDLER(cmd_domain_map);
TR_HANDLER(cmd_domain_unmap);
TR_HANDLER(cmd_show_domains);
TR_HANDLER(cmd_show_domain);
TR_HANDLER(cmd_show_coverage);
TR_HANDLER(cmd_port_attach);
TR_HANDLER(cmd_port_detach);
TR_HANDLER(cmd_port_replace);
TR_HANDLER(cmd_port_inject);
TR_HANDLER(cmd_swap);
TR_HANDLER(cmd_swap_stop);
TR_HANDLER(cmd_show_swap_stats);
TR_HANDLER(cmd_show_swap_log);
TR_HANDLER(cmd_set_iommu);
TR_HANDLER(cmd_show_faults);
TR_HANDLER(cmd_wait_swaps);
TR_HANDLER(cmd_clear_swaps);

/* tr_cmd_traffic.c */
TR_HANDLER(cmd_port_start);
TR_HANDLER(cmd_port_stop);
TR_HANDLER(cmd_show_ports);
TR_HANDLER(cmd_show_port_stats);
TR_HANDLER(cmd_show_verify);
TR_HANDLER(cmd_set_fwd);
TR_HANDLER(cmd_set_ports);
TR_HANDLER(cmd_set_burst);
TR_HANDLER(cmd_set_pktlen);
TR_HANDLER(cmd_set_pattern);
TR_HANDLER(cmd_set_rate);
TR_HANDLER(cmd_set_txfirst);
TR_HANDLER(cmd_start);
TR_HANDLER(cmd_stop);
TR_HANDLER(cmd_clear_stats);
TR_HANDLER(cmd_expect);

/** Value of a metric for 'expect' (verify.lost, swaps.ok, ...). */
int tr_metric_get(const char *name, double *v, char *err);

#endif /* TR_CMDS_INT_H */
