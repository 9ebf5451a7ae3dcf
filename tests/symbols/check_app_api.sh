#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# The application API is what the installed application headers offer,
# and the driver side is out of an application's reach: compiles
# tests/symbols/app_api.c and driver_api.c against copies of the installed
# headers (as an application outside this tree sees them), with DPDK's
# cflags and -DALLOW_EXPERIMENTAL_API but never -DALLOW_INTERNAL_API
# unless said:
#   1. app_api.c with the application headers alone: must compile;
#   2. driver_api.c with the application headers alone: must fail (the
#      driver API is not declared there);
#   3. driver_api.c with the driver SDK header, no ALLOW_INTERNAL_API:
#      must fail with DPDK's "Symbol is not public ABI" (__rte_internal);
#   4. the same with -DALLOW_INTERNAL_API: must compile (so 3 failed for
#      that reason alone).
#
# usage: check_app_api.sh DPDK_LIBDIR APP_HEADER... --driver DRIVER_HEADER...
#        --cc CC_COMMAND...
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
dpdk_libdir=$1; shift
app=() drv=() cc=()
mode=app
for a in "$@"; do
	case $mode/$a in
	*/--driver) mode=drv ;;
	*/--cc) mode=cc ;;
	app/*) app+=("$a") ;;
	drv/*) drv+=("$a") ;;
	cc/*) cc+=("$a") ;;
	esac
done
[ ${#app[@]} -gt 0 ] && [ ${#drv[@]} -gt 0 ] && [ ${#cc[@]} -gt 0 ] ||
	{ echo "usage: $0 DPDK_LIBDIR APP_HEADER... --driver HEADER... --cc CC..." >&2; exit 2; }

dpdk_cflags=$(PKG_CONFIG_PATH="$dpdk_libdir/pkgconfig" pkg-config --cflags libdpdk) ||
	{ echo "check_app_api: pkg-config finds no libdpdk under $dpdk_libdir/pkgconfig" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/app" "$tmp/drv"
cp "${app[@]}" "$tmp/app/" && cp "${app[@]}" "${drv[@]}" "$tmp/drv/" || exit 1

fail=0
# compile NAME INCDIR SRC EXTRA...: 0 when it compiled; its messages in $tmp/NAME.log
compile() {
	local name=$1 inc=$2 src=$3; shift 3
	# shellcheck disable=SC2086 # DPDK's cflags are words
	"${cc[@]}" -std=gnu11 -Wall -Wextra -Werror -DALLOW_EXPERIMENTAL_API \
		-I"$inc" $dpdk_cflags "$@" -c "$here/$src" -o "$tmp/$name.o" \
		>"$tmp/$name.log" 2>&1
}
bad() { echo "FAIL $1"; sed 's/^/    /' "$tmp/$2.log"; fail=1; }

if compile app "$tmp/app" app_api.c; then
	echo "ok: an application compiles against the installed application headers alone"
else
	bad "app_api.c does not compile against the installed application headers (${app[*]##*/}) without ALLOW_INTERNAL_API" app
fi
if compile app_drv "$tmp/app" driver_api.c -DAPP_HEADER_ONLY; then
	bad "driver_api.c calls rte_dma_domain_queue_ack() with the application headers alone, and it compiled: the driver API is declared in an application header" app_drv
else
	echo "ok: the application headers do not declare the driver API"
fi
if compile drv "$tmp/drv" driver_api.c; then
	bad "rte_dma_domain_queue_ack() compiled without -DALLOW_INTERNAL_API: rte_dma_domain_driver.h must declare it __rte_internal" drv
elif grep -q 'Symbol is not public ABI' "$tmp/drv.log"; then
	echo "ok: the driver SDK needs -DALLOW_INTERNAL_API (__rte_internal)"
else
	bad "driver_api.c failed without -DALLOW_INTERNAL_API, but not for __rte_internal ('Symbol is not public ABI')" drv
fi
if compile drv_ok "$tmp/drv" driver_api.c -DALLOW_INTERNAL_API; then
	echo "ok: with -DALLOW_INTERNAL_API (bus, PMD) the driver SDK compiles"
else
	bad "driver_api.c does not compile with -DALLOW_INTERNAL_API" drv_ok
fi
exit $fail
