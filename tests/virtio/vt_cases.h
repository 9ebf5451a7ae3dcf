/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef VT_CASES_H
#define VT_CASES_H

/* Cases of test_virtio that live in test_virtio_flow.c (see there). */
int vt_case_restart(unsigned int swaps);
int vt_case_rx_pull(void);
int vt_case_two_lcores(void);
int vt_case_stash_overflow(void);
int vt_case_drops_device(void);
int vt_case_parked_tx(unsigned int swaps);

#endif /* VT_CASES_H */
