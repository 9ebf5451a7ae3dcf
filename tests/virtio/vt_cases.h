/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef VT_CASES_H
#define VT_CASES_H

#include <stdbool.h>

/* Cases of test_virtio that live in test_virtio_flow.c (see there). */
int vt_case_restart(unsigned int swaps);
int vt_case_rx_pull(void);
int vt_case_two_lcores(void);
int vt_case_rx_carry(void);
int vt_case_resume_deferred(void);
int vt_case_drops_device(void);
int vt_case_tx_coverage(void);
int vt_case_parked_tx(unsigned int swaps);

/* test_virtio_swap.c */
int vt_case_replace_vtd(unsigned int swaps, bool broken);
int vt_case_resume_retry(unsigned int swaps);
int vt_case_parked_reset(void);
int vt_case_reset_timeout(void);

#endif /* VT_CASES_H */
