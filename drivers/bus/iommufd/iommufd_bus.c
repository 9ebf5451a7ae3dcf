/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder: replaced by the iommufd bus implementation. */
#include "bus_iommufd_driver.h"
