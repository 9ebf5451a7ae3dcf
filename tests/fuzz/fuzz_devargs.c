/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * Fuzzer of the iommufd bus's devargs parser (iommufd_devargs.c): the
 * device name (iommufd_parse) and the per-device options
 * (iommufd_opts_parse). Besides crashes and sanitizer reports, it aborts
 * when the parser accepts something the devargs syntax does not allow:
 *
 *   name     emuN (decimal digits) or [DDDD:]BB:DD.F with 1-4/1-2/1-2/1
 *            hex digits, slot <= 0x1f, function <= 7; canonical output
 *   options  a key at most once (also bus= and name=), domain= a name of
 *            letters, digits, '_', '-', '.', queues= decimal 1..1024,
 *            strategy= one of the strategy names
 *
 * An emulated device's options that pass go on to its model's create
 * (virtio-net, emu/emu_virtio_devargs.c: emu_vnet_parse_args), without EAL; what it
 * accepts must be: numbers decimal or 0x hex (no sign, space or octal),
 * peer= an emulated device name (emuN) other than its own, features_off=
 * feature names or such bit numbers.
 *
 * Input: byte 0 bit 0 says emulated (emuN) or kernel device; the rest is
 * "name[,key=value...]" as EAL hands it to the bus.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_kvargs.h>
#include <rte_log.h>

#include "iommufd_private.h"
#include "th.h"
#include "fuzz_entry.h"

/* n hex digits (1..max) at *p, value out; advances *p. */
static bool
hex_field(const char **p, unsigned int max, unsigned int *out)
{
	unsigned int n = 0;

	*out = 0;
	while (isxdigit((unsigned char)**p) && n < max + 1) {
		*out = *out * 16 + (unsigned int)(isdigit((unsigned char)**p) ?
			**p - '0' : (tolower((unsigned char)**p) - 'a' + 10));
		(*p)++;
		n++;
	}
	return n >= 1 && n <= max;
}

/* The reference grammar of a device name; canon as iommufd_parse writes it. */
static bool
ref_name(const char *s, char *canon, size_t size)
{
	unsigned int f[4], i;
	const char *p = s;
	const char *q;

	if (strncmp(s, "emu", 3) == 0 && s[3] != '\0') {
		for (q = s + 3; *q != '\0'; q++)
			if (!isdigit((unsigned char)*q))
				return false;
		if (strlen(s) >= RTE_IOMMUFD_NAME_MAX)
			return false;
		snprintf(canon, size, "%s", s);
		return true;
	}
	/* [DDDD:]BB:DD.F */
	for (i = 0; i < 2; i++) {
		static const unsigned int w3[] = { 2, 2, 1 };
		static const unsigned int w4[] = { 4, 2, 2, 1 };
		const unsigned int *w = i == 0 ? w4 : w3;
		unsigned int nf = i == 0 ? 4 : 3, k;

		p = s;
		for (k = 0; k < nf; k++) {
			if (!hex_field(&p, w[k], &f[k]))
				break;
			if (k + 1 < nf && *p++ != (k + 2 == nf ? '.' : ':'))
				break;
		}
		if (k < nf || *p != '\0')
			continue;
		if (nf == 3) {
			memmove(f + 1, f, 3 * sizeof(f[0]));
			f[0] = 0;
		}
		if (f[2] > 0x1f || f[3] > 7)
			return false;
		snprintf(canon, size, "%04x:%02x:%02x.%x", f[0], f[1], f[2], f[3]);
		return true;
	}
	return false;
}

static void
check_name(const char *s)
{
	char out[RTE_IOMMUFD_NAME_MAX] = "", base[RTE_IOMMUFD_NAME_MAX], canon[64];
	size_t len = strcspn(s, ",");
	bool ok = iommufd_parse(s, out) == 0, want;

	want = len > 0 && len < sizeof(base);
	if (want) {
		memcpy(base, s, len);
		base[len] = '\0';
		want = ref_name(base, canon, sizeof(canon));
	}
	if (ok != want)
		TH_ABORT("name '%.*s': parser %s it, the grammar %s it", (int)len, s,
			ok ? "accepts" : "refuses", want ? "accepts" : "refuses");
	if (ok && strcmp(out, canon) != 0)
		TH_ABORT("name '%.*s': canonical '%s', expected '%s'", (int)len, s, out, canon);
}

static bool
valid_domain(const char *v)
{
	const char *p;

	if (v == NULL || v[0] == '\0' || strlen(v) >= RTE_DMA_DOMAIN_NAMESIZE)
		return false;
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_-.", *p) == NULL)
			return false;
	return true;
}

static bool
valid_queues(const char *v, uint16_t parsed)
{
	unsigned long n = 0;
	const char *p;

	if (v == NULL || v[0] == '\0')
		return false;
	for (p = v; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		n = n * 10 + (unsigned long)(*p - '0');
		if (n > 1024)
			return false;
	}
	return n >= 1 && n == parsed;
}

/* Decimal, or hex after 0x; nothing else. */
static bool
plain_number(const char *v)
{
	const char *p = v;

	if (v == NULL)
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2] != '\0') {
		for (p += 2; *p != '\0'; p++)
			if (!isxdigit((unsigned char)*p))
				return false;
		return true;
	}
	if (p[0] == '0' && p[1] != '\0')
		return false; /* a leading 0 reads as octal to strtoul(.., 0) */
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return p != v;
}

static void
check_model(const char *name, const char *args, const struct rte_iommufd_emu_ops *emu,
		struct rte_kvargs *kv)
{
	static const char *const numeric[] = {
		"service_lcore", "cpu", "max_pairs", "qsize", "gen_len", NULL,
	};
	struct rte_iommufd_device *dev = calloc(1, sizeof(*dev));
	const char *v;
	unsigned int i;

	if (dev == NULL)
		abort();
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	if (emu->create(dev, kv) != 0) {
		free(dev);
		return;
	}
	for (i = 0; numeric[i] != NULL; i++) {
		v = kv != NULL ? rte_kvargs_get(kv, numeric[i]) : NULL;
		if (v != NULL && !plain_number(v))
			TH_ABORT("options '%s': model %s accepted %s=%s", args, emu->model,
				numeric[i], v);
	}
	/* features_off=name+bit+...: names start with a letter and hold
	 * letters, digits and '_' (version_1), bits are numbers
	 */
	v = kv != NULL ? rte_kvargs_get(kv, "features_off") : NULL;
	if (v != NULL) {
		char buf[256], *tok, *save = NULL;
		const char *c;

		snprintf(buf, sizeof(buf), "%s", v);
		for (tok = strtok_r(buf, "+:", &save); tok != NULL;
				tok = strtok_r(NULL, "+:", &save)) {
			c = tok;
			if (isalpha((unsigned char)*c))
				while (*c != '\0' && (isalnum((unsigned char)*c) || *c == '_'))
					c++;
			if (*c != '\0' && !plain_number(tok))
				TH_ABORT("options '%s': model %s accepted features_off=%s (token '%s')",
					args, emu->model, v, tok);
		}
	}
	v = kv != NULL ? rte_kvargs_get(kv, "peer") : NULL;
	if (v != NULL && (!iommufd_name_is_emu(v) || strcmp(v, name) == 0))
		TH_ABORT("options '%s': model %s accepted peer=%s", args, emu->model, v);
	if (emu->destroy != NULL)
		emu->destroy(dev);
	free(dev);
}

static void
check_opts(const char *name, const char *args, bool emulated)
{
	struct iommufd_dev_opts o;
	struct rte_kvargs *kv = NULL;
	enum rte_dma_domain_strategy s;
	unsigned int i, j;

	if (iommufd_opts_parse(name, args, emulated, &o, &kv) != 0) {
		if (kv != NULL)
			TH_ABORT("options '%s': refused but kvargs returned", args);
		return;
	}
	for (i = 0; kv != NULL && i < kv->count; i++) {
		const char *k = kv->pairs[i].key, *v = kv->pairs[i].value;

		for (j = 0; j < i; j++)
			if (strcmp(kv->pairs[j].key, k) == 0)
				TH_ABORT("options '%s': key '%s' given twice, accepted", args, k);
		if (strcmp(k, "domain") == 0 && (!valid_domain(v) || strcmp(o.domain, v) != 0))
			TH_ABORT("options '%s': domain '%s' accepted", args, v ? v : "(none)");
		if (strcmp(k, "queues") == 0 && !valid_queues(v, o.queues))
			TH_ABORT("options '%s': queues '%s' accepted as %u", args,
				v ? v : "(none)", o.queues);
		if (strcmp(k, "strategy") == 0 &&
				(v == NULL || rte_dma_domain_strategy_parse(v, &s) != 0 ||
				 s != o.strategy))
			TH_ABORT("options '%s': strategy '%s' accepted", args, v ? v : "(none)");
		if (strcmp(k, "model") == 0 && (!emulated || v == NULL ||
				o.emu == NULL || strcmp(o.emu->model, v) != 0))
			TH_ABORT("options '%s': model '%s' accepted", args, v ? v : "(none)");
	}
	if (emulated && o.emu == NULL)
		TH_ABORT("options '%s': emulated device without a model", args);
	if (emulated && o.emu->create != NULL)
		check_model(name, args, o.emu, kv);
	rte_kvargs_free(kv);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* every refusal logs an error: keep the run quiet and fast */
	rte_log_set_global_level(RTE_LOG_CRIT);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *args;
	bool emulated;

	if (size < 1 || size > 4096)
		return 0;
	emulated = data[0] & 1;
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	check_name(s);
	args = strchr(s, ',');
	check_opts(emulated ? "emu0" : "0000:00:03.0", args != NULL ? args + 1 : "",
		emulated);
	free(s);
	return 0;
}
