#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Builds the documentation, warnings as errors (meson tests doc-guides,
# doc-api and doc-man of suite unit run it; scripts/run-tests.sh thus
# builds the docs in its plain tier):
#
#   scripts/build-docs.sh guides OUTDIR   Sphinx HTML of doc/guides (-W -n)
#   scripts/build-docs.sh man OUTDIR [FILE]  Sphinx man builder:
#                                         dpdk-test-replace.1, checked with
#                                         groff's warnings; copied to FILE
#   scripts/build-docs.sh api OUTDIR      doxygen of the installed public headers:
#                                         any warning (undocumented symbol, missing
#                                         @param or @return) fails
#
# Exit 0 when the build was clean, 1 on any warning or error (the lines say
# which file and line), 2 on bad usage or a missing tool.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

usage() { echo "usage: $0 guides|man|api OUTDIR (man: [FILE])" >&2; exit 2; }
[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = man ]; } || usage
what=$1 out=$2 copy_to=${3:-}

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "build-docs: $1 not found: install Debian's $2 (scripts/setup.sh does)" >&2
	exit 2
}

# The public headers: what meson installs (lib/dma_domain's
# dma_domain_headers, the bus's install_headers) and the PMD's public
# header. A glob, so a new public header is covered without an edit here.
api_headers() {
	ls "$top"/lib/dma_domain/rte_dma_domain*.h \
		"$top"/drivers/net/virtio_iommufd/rte_pmd_virtio_iommufd.h \
		"$top"/drivers/bus/iommufd/bus_iommufd_driver.h 2>/dev/null
}

case $what in
guides|man)
	need sphinx-build python3-sphinx
	rm -rf "$out.doctrees"
	builder=html; [ "$what" = man ] && builder=man
	# -W: warnings are errors, --keep-going: report all of them,
	# -n: nitpicky (every reference must resolve).
	sphinx-build -W --keep-going -n -q -b "$builder" -d "$out.doctrees" \
		"$top/doc/guides" "$out" || exit 1
	if [ "$what" = man ]; then
		page="$out/dpdk-test-replace.1"
		[ -s "$page" ] || { echo "build-docs: $page was not written" >&2; exit 1; }
		# the page must render without a groff warning
		need groff groff-base
		warn=$(groff -t -man -Tutf8 -ww -Wbreak -z "$page" 2>&1)
		[ -z "$warn" ] || { echo "$warn" >&2; echo "build-docs: $page: groff warned (above)" >&2; exit 1; }
		[ -z "$copy_to" ] || cp "$page" "$copy_to" || exit 1
	fi
	;;
api)
	need doxygen doxygen
	mkdir -p "$out"
	hdrs=$(api_headers | tr '\n' ' ')
	[ -n "$hdrs" ] || { echo "build-docs: no public header found under $top" >&2; exit 1; }
	version=$(sed -n "s/^[[:space:]]*version: '\([^']*\)'.*/\1/p" "$top/meson.build" | head -n1)
	sed -e "s|@INPUT@|$hdrs|" -e "s|@OUTPUT@|$out|" -e "s|@VERSION@|${version:-0}|" \
		-e "s|@STRIP@|$top/|" "$top/doc/api/doxy-api.conf.in" >"$out/doxy-api.conf"
	doxygen "$out/doxy-api.conf" 2>"$out/warnings.txt"
	rc=$?
	[ $rc -eq 0 ] || [ -s "$out/warnings.txt" ] || { echo "build-docs: doxygen failed (rc $rc)" >&2; exit 1; }
	# Every warning fails (no allow-list: a public symbol is documented
	# where it is declared).
	python3 "$top/doc/api/doxygen_check.py" "$out/warnings.txt" || exit 1
	echo "build-docs: API reference of $(echo "$hdrs" | wc -w) headers in $out/html/index.html"
	;;
*) usage ;;
esac
