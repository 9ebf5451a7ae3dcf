/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "tr_util.h"

int
tr_err(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, TR_ERRLEN, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Decimal, or hex after 0x: never octal (strtoull's base 0 reads "010"
 * as 8 and stops "08" after the 0), no sign or leading space.
 */
static int
parse_num(const char *s, uint64_t *v, const char **end)
{
	int base = 10;
	char *e;

	if (s == NULL)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2])) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)*s) || (base == 10 && !isdigit((unsigned char)*s)) ||
			(base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return -1; /* strtoull base 16 would take a second 0x */
	errno = 0;
	*v = strtoull(s, &e, base);
	if (errno != 0 || e == s)
		return -1;
	*end = e;
	return 0;
}

int
tr_args_done(int argc, char **argv, int i, char *err)
{
	if (i < argc)
		return tr_err(err, "unexpected argument '%s'", argv[i]);
	return 0;
}

int
tr_parse_u64(const char *what, const char *s, uint64_t min, uint64_t max,
		uint64_t *out, char *err)
{
	const char *end;
	uint64_t v;

	if (s == NULL)
		return tr_err(err, "missing %s: expected an integer in [%" PRIu64 ", %" PRIu64 "]",
			what, min, max);
	if (parse_num(s, &v, &end) < 0 || *end != '\0')
		return tr_err(err, "bad %s '%s': expected an integer in [%" PRIu64 ", %" PRIu64 "]",
			what, s, min, max);
	if (v < min || v > max)
		return tr_err(err, "bad %s '%s': out of range, expected [%" PRIu64 ", %" PRIu64 "]",
			what, s, min, max);
	*out = v;
	return 0;
}

int
tr_parse_size(const char *what, const char *s, uint64_t min, uint64_t max,
		uint64_t *out, char *err)
{
	const char *end;
	uint64_t v, mul = 1;

	if (s == NULL)
		return tr_err(err, "missing %s: expected a size such as 4096, 64K or 2M", what);
	if (parse_num(s, &v, &end) < 0)
		goto bad;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mul = 1ULL << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1ULL << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1ULL << 30;
		end++;
		break;
	default:
		goto bad;
	}
	if (*end != '\0' || (v != 0 && mul > UINT64_MAX / v))
		goto bad;
	v *= mul;
	if (v < min || v > max)
		return tr_err(err, "bad %s '%s': out of range, expected [%" PRIu64 ", %" PRIu64 "] bytes",
			what, s, min, max);
	*out = v;
	return 0;
bad:
	return tr_err(err, "bad %s '%s': expected a size such as 4096, 64K or 2M", what, s);
}

int
tr_parse_port(const char *s, uint16_t *port, char *err)
{
	uint64_t v;
	uint16_t n = rte_eth_dev_count_avail();
	const char *end;

	if (s == NULL)
		return tr_err(err, "missing port: expected a port id (%u ports: 0..%u)",
			n, n ? n - 1 : 0);
	if (parse_num(s, &v, &end) < 0 || *end != '\0' || v >= RTE_MAX_ETHPORTS ||
			!rte_eth_dev_is_valid_port((uint16_t)v))
		return tr_err(err, "bad port '%s': expected a port id (%u ports: 0..%u)",
			s, n, n ? n - 1 : 0);
	*port = (uint16_t)v;
	return 0;
}

int
tr_parse_strategy(const char *s, enum rte_dma_domain_strategy *out, char *err)
{
	if (s == NULL || rte_dma_domain_strategy_parse(s, out) < 0)
		return tr_err(err, "bad strategy '%s': expected quiesce, hitless, remap, restart or default",
			s ? s : "");
	return 0;
}

int
tr_parse_replace_opts(int argc, char **argv, int i, bool bare_strategy,
		struct rte_dma_domain_replace_opts *o, char *err)
{
	uint64_t v;

	for (; i < argc; i++) {
		if (strcmp(argv[i], "force") == 0) {
			o->force = true;
		} else if (strcmp(argv[i], "drain") == 0) {
			o->drain = true;
		} else if (strcmp(argv[i], "timeout") == 0) {
			if (tr_parse_u64("timeout (us)", i + 1 < argc ? argv[i + 1] : NULL,
					1, 60000000, &v, err) < 0)
				return -EINVAL;
			o->timeout_us = (uint32_t)v;
			i++;
		} else if (strcmp(argv[i], "strategy") == 0) {
			if (i + 1 >= argc)
				return tr_err(err, "missing strategy after 'strategy': expected quiesce, hitless, remap, restart or default");
			if (tr_parse_strategy(argv[++i], &o->strategy, err) < 0)
				return -EINVAL;
		} else if (!bare_strategy ||
				rte_dma_domain_strategy_parse(argv[i], &o->strategy) != 0) {
			return tr_err(err, "bad option '%s': expected %sforce, drain, timeout <us>",
				argv[i], bare_strategy ?
				"a strategy (quiesce|hitless|remap|restart), " : "strategy <s>, ");
		}
	}
	return 0;
}

int
tr_parse_swap_opts(int argc, char **argv, int i, bool bare_strategy, uint64_t *count,
		struct rte_dma_domain_replace_opts *o, char *err)
{
	if (i < argc && strcmp(argv[i], "count") == 0) {
		if (tr_parse_u64("count", i + 1 < argc ? argv[i + 1] : NULL, 1, UINT32_MAX,
				count, err) < 0)
			return -EINVAL;
		i += 2;
	}
	return tr_parse_replace_opts(argc, argv, i, bare_strategy, o, err);
}

int
tr_parse_domain(const char *s, struct rte_dma_domain **dom, char *err)
{
	struct rte_dma_domain *d;

	if (s == NULL)
		return tr_err(err, "missing domain name: expected the name of an existing domain (see 'show domains')");
	d = rte_dma_domain_lookup(s);
	if (d == NULL)
		return tr_err(err, "bad domain '%s': no such domain", s);
	*dom = d;
	return 0;
}

void
tr_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ULL),
		.tv_nsec = (long)(ns % 1000000000ULL),
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
tr_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void
tr_sort_u64(uint64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_u64);
}

void *
tr_array_grow(void *arr, size_t nb, size_t *cap, size_t elem, size_t max)
{
	size_t ncap;
	void *p;

	if (nb < *cap || *cap >= max)
		return arr;
	ncap = *cap ? *cap * 2 : 1024;
	p = realloc(arr, ncap * elem);
	if (p == NULL)
		return arr;
	*cap = ncap;
	return p;
}

/* A target that is a symbolic link (or not a regular file) is refused. */
static int
target_check(const char *path, char *err)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : tr_err(err, "cannot write '%s': %s", path,
			strerror(errno));
	if (S_ISLNK(st.st_mode))
		return tr_err(err, "refusing to write '%s': it is a symbolic link (one planted in a shared directory would redirect the write); remove it or choose another path",
			path);
	if (!S_ISREG(st.st_mode))
		return tr_err(err, "refusing to write '%s': it is not a regular file", path);
	return 0;
}

FILE *
tr_file_create(const char *path, char *tmp, size_t len, char *err)
{
	FILE *f;
	int fd;

	if (target_check(path, err) < 0)
		return NULL;
	if (snprintf(tmp, len, "%s.XXXXXX", path) >= (int)len) {
		tr_err(err, "cannot write '%s': path too long", path);
		return NULL;
	}
	/* mkstemp: O_CREAT|O_EXCL (never through a link), mode 0600 */
	fd = mkstemp(tmp);
	if (fd < 0) {
		tr_err(err, "cannot write '%s': cannot create a file in its directory: %s",
			path, strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (f == NULL || fchmod(fd, 0644) != 0) {
		tr_err(err, "cannot write '%s': %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		else
			close(fd);
		unlink(tmp);
		return NULL;
	}
	return f;
}

int
tr_file_commit(FILE *f, const char *tmp, const char *path, char *err)
{
	int rc = 0;

	if (ferror(f))
		rc = tr_err(err, "cannot write '%s': write error", path);
	if (fclose(f) != 0 && rc == 0)
		rc = tr_err(err, "cannot write '%s': %s", path, strerror(errno));
	/* a link planted meanwhile is replaced by rename(), never followed */
	if (rc == 0 && rename(tmp, path) != 0)
		rc = tr_err(err, "cannot write '%s': rename of %s: %s", path, tmp, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	return rc;
}
