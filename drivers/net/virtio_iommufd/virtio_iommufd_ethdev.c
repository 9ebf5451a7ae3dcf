/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder: replaced by the virtio-net PMD. */
#include <bus_iommufd_driver.h>
