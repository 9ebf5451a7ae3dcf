/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Benchmark builds only (-Dbench_no_pause_check=true, never shipped): the
 * rx/tx bursts of virtio_iommufd_rxtx.c without the pause check, as
 * vio_recv_pkts_nocheck() and vio_xmit_pkts_nocheck(). virtio-bench
 * --hotpath switches a port's fast-path ops between them and the real
 * bursts, round after round in one process: the cost of the check.
 */

#define VIO_BENCH_NO_PAUSE_CHECK 1
#define vio_recv_pkts vio_recv_pkts_nocheck
#define vio_xmit_pkts vio_xmit_pkts_nocheck

/* (virtio_iommufd.h, included there, declares them under these names) */
#include "virtio_iommufd_rxtx.c"
