/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* Command line: EAL arguments (plus the embedded default devices), then
 * the application's own options after "--".
 */

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tr_app.h"
#include "tr_swap.h"
#include "tr_util.h"

/* The bus and the PMD are linked into the application (meson.build): no
 * -d is needed, and a -d of another copy would register them twice.
 */
#define TR_BUS_SO "librte_bus_iommufd.so"
#define TR_PMD_SO "librte_net_virtio_iommufd.so"

/* Devices of the embedded default: two emulated virtio-net functions on
 * the soft IOMMU backend, wired back to back.
 */
static const char *const default_devs[] = {
	"iommufd:emu0,peer=emu1",
	"iommufd:emu1,peer=emu0",
};

void
tr_opts_usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n\n"
		"Live IOMMU-domain replace under traffic: domains, swaps, traffic\n"
		"generation and verification, JSON + PNG reports.\n\n"
		"Options:\n"
		"  -i, --interactive     prompt after the script (default without --script)\n"
		"  --script FILE         run the commands of FILE, then exit (batch mode)\n"
		"  --keep-going          go on after a failed script command (exit status 1)\n"
		"  --json FILE           write the JSON report to FILE at exit\n"
		"  --png FILE            plot to FILE (default: the --json path with .png)\n"
		"  --no-plot             no PNG\n"
		"  --plot-script FILE    plot script (default: plot.py next to the executable\n"
		"                        or ../share/dpdk-test-replace/plot.py)\n"
		"  --progress, --no-progress  live progress line on stderr (default: if a tty)\n"
		"  --no-echo             do not echo script commands\n"
		"  --sample-ms N         throughput sample period (default 100)\n"
		"  --nb-mbufs N          packet pool size (default 8192)\n"
		"  --rxd N, --txd N      descriptors per queue (default 256)\n"
		"  --swap-log N          swap records kept for 'show swap log' and the\n"
		"                        report: the last N (default 4096); summaries\n"
		"                        count every swap\n"
		"  -h, --help            this text\n\n"
		"Devices: without -a/-b/--vdev the app adds the embedded default, two\n"
		"emulated ports wired back to back on the soft IOMMU backend:\n"
		"  -a %s -a %s\n"
		"The iommufd bus and the virtio PMD are linked in (no -d for them);\n"
		"-d loads other plugins (e.g. the testpmd command plugin).\n\n"
		"Type 'help' at the prompt for the commands.\n",
		prog, default_devs[0], default_devs[1]);
}

/* Is a the EAL option s (short, "-x" or "-xVALUE") or l ("--long", "--long=V")? */
static bool
is_opt(const char *a, const char *s, const char *l)
{
	size_t n;

	if (s != NULL && a[0] == '-' && a[1] == s[1] && a[1] != '-')
		return true;
	if (l == NULL)
		return false;
	n = strlen(l);
	return strncmp(a, l, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

/* Is PATH (a -d value: a file or a directory of plugins) the bus or the
 * PMD the application links already?
 */
static bool
is_linked_plugin(const char *path)
{
	static const char * const names[] = { TR_BUS_SO, TR_PMD_SO };
	char buf[PATH_MAX];
	const char *base = strrchr(path, '/');
	struct stat st;
	size_t i;

	base = base != NULL ? base + 1 : path;
	for (i = 0; i < RTE_DIM(names); i++) {
		if (strncmp(base, names[i], strlen(names[i])) == 0)
			return true;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
				snprintf(buf, sizeof(buf), "%s/%s", path, names[i]) <
					(int)sizeof(buf) &&
				access(buf, F_OK) == 0)
			return true;
	}
	return false;
}

int
tr_opts_eal(int argc, char **argv, char *err)
{
	static char exe[PATH_MAX];
	bool has_dev = false;
	int n_eal, i, k = 0;
	char **v;

	if (realpath("/proc/self/exe", exe) == NULL)
		strlcpy(exe, argv[0], sizeof(exe));
	tr_app.exe_dir = strdup(dirname(exe));
	for (n_eal = 1; n_eal < argc && strcmp(argv[n_eal], "--") != 0; n_eal++) {
		const char *a = argv[n_eal];

		if (is_opt(a, "-a", "--allow") || is_opt(a, "-b", "--block") ||
				is_opt(a, "-w", "--pci-whitelist") || is_opt(a, NULL, "--vdev"))
			has_dev = true;
		if (is_opt(a, "-d", NULL)) {
			const char *d = a[2] != '\0' ? a + 2 :
				n_eal + 1 < argc ? argv[n_eal + 1] : "";

			if (is_linked_plugin(d))
				return tr_err(err, "bad option '-d %s': dpdk-test-replace links the iommufd bus and the virtio PMD (%s, %s) and would register them twice: drop this -d",
					d, TR_BUS_SO, TR_PMD_SO);
		}
	}
	v = calloc(argc + 8, sizeof(*v));
	if (v == NULL)
		return tr_err(err, "out of memory");
	v[k++] = argv[0];
	if (!has_dev) {
		for (i = 0; i < (int)RTE_DIM(default_devs); i++) {
			v[k++] = (char *)(uintptr_t)"-a";
			v[k++] = (char *)(uintptr_t)default_devs[i];
		}
		tr_app.defaults_used = true;
	}
	for (i = 1; i < n_eal; i++)
		v[k++] = argv[i];
	/* the report keeps what EAL got; EAL permutes the vector it parses */
	tr_app.eal_argc = k;
	tr_app.eal_argv = calloc(k + 1, sizeof(*v));
	if (tr_app.eal_argv == NULL) {
		free(v);
		return tr_err(err, "out of memory");
	}
	memcpy(tr_app.eal_argv, v, k * sizeof(*v));
	for (i = n_eal; i < argc; i++)
		v[k++] = argv[i];
	tr_app.full_argc = k;
	tr_app.full_argv = v;
	return 0;
}

enum {
	OPT_SCRIPT = 256, OPT_JSON, OPT_PNG, OPT_NO_PLOT, OPT_PLOT_SCRIPT, OPT_PROGRESS,
	OPT_NO_PROGRESS, OPT_NO_ECHO, OPT_SAMPLE, OPT_MBUFS, OPT_RXD, OPT_TXD, OPT_KEEP,
	OPT_SWAP_LOG,
};

static const struct option long_opts[] = {
	{ "interactive", no_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ "script", required_argument, NULL, OPT_SCRIPT },
	{ "keep-going", no_argument, NULL, OPT_KEEP },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "png", required_argument, NULL, OPT_PNG },
	{ "no-plot", no_argument, NULL, OPT_NO_PLOT },
	{ "plot-script", required_argument, NULL, OPT_PLOT_SCRIPT },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "no-echo", no_argument, NULL, OPT_NO_ECHO },
	{ "sample-ms", required_argument, NULL, OPT_SAMPLE },
	{ "nb-mbufs", required_argument, NULL, OPT_MBUFS },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "swap-log", required_argument, NULL, OPT_SWAP_LOG },
	{ NULL, 0, NULL, 0 },
};

static char *
png_from_json(const char *json)
{
	size_t n = strlen(json);
	char *p = malloc(n + 5);

	if (p == NULL)
		return NULL;
	strlcpy(p, json, n + 5);
	if (n > 5 && strcmp(p + n - 5, ".json") == 0)
		p[n - 5] = '\0';
	strlcat(p, ".png", n + 5);
	return p;
}

int
tr_opts_parse(int argc, char **argv, char *err)
{
	struct tr_opts *o = &tr_app.opts;
	bool interactive = false, no_plot = false;
	uint64_t v;
	int c;

	o->progress = -1;
	o->echo = true;
	o->sample_ms = 100;
	o->nb_mbufs = 8192;
	o->nb_rxd = o->nb_txd = 256;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ih", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			interactive = true;
			break;
		case 'h':
			return 1;
		case OPT_SCRIPT:
			o->script = optarg;
			break;
		case OPT_KEEP:
			o->keep_going = true;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_PNG:
			o->png = optarg;
			break;
		case OPT_NO_PLOT:
			no_plot = true;
			break;
		case OPT_PLOT_SCRIPT:
			o->plot_script = optarg;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			o->progress = 0;
			break;
		case OPT_NO_ECHO:
			o->echo = false;
			break;
		case OPT_SAMPLE:
			if (tr_parse_u64("--sample-ms", optarg, 10, 60000, &v, err) < 0)
				return -EINVAL;
			o->sample_ms = (uint32_t)v;
			break;
		case OPT_MBUFS:
			if (tr_parse_u64("--nb-mbufs", optarg, 1024, 1u << 20, &v, err) < 0)
				return -EINVAL;
			o->nb_mbufs = (uint32_t)v;
			break;
		case OPT_RXD:
		case OPT_TXD:
			if (tr_parse_u64(c == OPT_RXD ? "--rxd" : "--txd", optarg, 32, 4096,
					&v, err) < 0)
				return -EINVAL;
			if (c == OPT_RXD)
				o->nb_rxd = (uint16_t)v;
			else
				o->nb_txd = (uint16_t)v;
			break;
		case OPT_SWAP_LOG:
			if (tr_parse_u64("--swap-log", optarg, 1, TR_SWAP_WINDOW_MAX, &v, err) < 0)
				return -EINVAL;
			tr_swap_set_window((size_t)v); /* before any swap: cannot fail */
			break;
		default:
			return tr_err(err, "bad option '%s': see --help", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return tr_err(err, "unexpected argument '%s': see --help", argv[optind]);
	o->interactive = interactive || o->script == NULL;
	if (!no_plot && o->png == NULL && o->json != NULL)
		o->png = png_from_json(o->json);
	if (no_plot)
		o->png = NULL;
	if (o->png != NULL && o->json == NULL)
		return tr_err(err, "bad option '--png': the plot is made from the report, give --json FILE too");
	return 0;
}
