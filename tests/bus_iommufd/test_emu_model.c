/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* The "test" emulated device model (see test_emu_model.h). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_log.h>

#include <bus_iommufd_driver.h>

#include "test_emu_model.h"

struct test_emu {
	uint8_t cfg[256];
	uint32_t regs[TEST_EMU_BAR_REGS];
};

static unsigned int nb_created, nb_destroyed;

unsigned int test_emu_created(void) { return nb_created; }
unsigned int test_emu_destroyed(void) { return nb_destroyed; }

static int
test_create(struct rte_iommufd_device *dev, struct rte_kvargs *kv)
{
	const char *answer = kv != NULL ? rte_kvargs_get(kv, "answer") : NULL;
	struct test_emu *t;
	char *end = NULL;
	unsigned long v = 0;

	if (answer != NULL) {
		v = strtoul(answer, &end, 0);
		if (answer[0] == '\0' || *end != '\0') {
			RTE_LOG(ERR, USER1, "%s: answer '%s': expected a number\n",
				dev->name, answer);
			return -EINVAL;
		}
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->regs[0] = (uint32_t)v;
	t->cfg[0] = TEST_EMU_VENDOR & 0xff;
	t->cfg[1] = TEST_EMU_VENDOR >> 8;
	t->cfg[2] = TEST_EMU_DEVICE & 0xff;
	t->cfg[3] = TEST_EMU_DEVICE >> 8;
	dev->id.vendor_id = TEST_EMU_VENDOR;
	dev->id.device_id = TEST_EMU_DEVICE;
	dev->regions[RTE_IOMMUFD_REGION_CONFIG].size = sizeof(t->cfg);
	dev->regions[RTE_IOMMUFD_REGION_CONFIG].flags =
		RTE_IOMMUFD_REGION_F_READ | RTE_IOMMUFD_REGION_F_WRITE;
	dev->regions[RTE_IOMMUFD_REGION_BAR(0)].size = sizeof(t->regs);
	dev->regions[RTE_IOMMUFD_REGION_BAR(0)].flags =
		RTE_IOMMUFD_REGION_F_READ | RTE_IOMMUFD_REGION_F_WRITE;
	dev->emu_priv = t;
	nb_created++;
	return 0;
}

static void
test_destroy(struct rte_iommufd_device *dev)
{
	free(dev->emu_priv);
	dev->emu_priv = NULL;
	nb_destroyed++;
}

static uint8_t *
test_reg(struct rte_iommufd_device *dev, unsigned int idx, uint64_t off)
{
	struct test_emu *t = dev->emu_priv;

	if (idx == RTE_IOMMUFD_REGION_CONFIG)
		return t->cfg + off;
	return (uint8_t *)t->regs + off;
}

/* The bus checked idx and the range against the region sizes. */
static int
test_read(struct rte_iommufd_device *dev, unsigned int idx, uint64_t off,
		void *buf, size_t len)
{
	memcpy(buf, test_reg(dev, idx, off), len);
	return 0;
}

static int
test_write(struct rte_iommufd_device *dev, unsigned int idx, uint64_t off,
		const void *buf, size_t len)
{
	if (idx == RTE_IOMMUFD_REGION_BAR(0) && off < sizeof(uint32_t))
		return -EPERM; /* register 0 is read-only */
	memcpy(test_reg(dev, idx, off), buf, len);
	return 0;
}

static const char *const test_keys[] = { "answer", NULL };

static const struct rte_iommufd_emu_ops test_emu_ops = {
	.model = TEST_EMU_MODEL,
	.create = test_create,
	.destroy = test_destroy,
	.region_read = test_read,
	.region_write = test_write,
	.valid_keys = test_keys,
};

RTE_IOMMUFD_EMU_REGISTER(test, test_emu_ops);
