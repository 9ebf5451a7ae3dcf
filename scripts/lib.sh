# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
# Shell helpers shared by the setup, build, demo and test scripts.

dr_cache_dir() {
	echo "${DMA_REPLACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dma-replace}"
}

dr_info() { echo "[setup] $*" >&2; }
dr_die() { echo "[setup] ERROR: $*" >&2; exit 1; }

_dr_t0=0
dr_step() { _dr_t0=$(date +%s); echo "[setup] $* ..." >&2; }
dr_done() { echo "[setup]   done in $(( $(date +%s) - _dr_t0 ))s" >&2; }

# dr_check_disk DIR MIB: fail early and clearly instead of half-way through a build.
dr_check_disk() {
	local avail
	avail=$(df -Pm "$1" | awk 'NR==2 {print $4}')
	[ "${avail:-0}" -ge "$2" ] ||
		dr_die "only ${avail} MiB free under $1, need about $2 MiB (free space or point DMA_REPLACE_CACHE elsewhere)"
}

# The archive URI this machine already uses (first URIs/deb line of its own
# apt configuration), so no host name is written here.
dr_archive_uri() {
	local uri
	uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v security | head -n1)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | grep -v security | head -n1)
	[ -n "$uri" ] || dr_die "cannot find the Debian archive URI in /etc/apt/sources.list{,.d}"
	echo "$uri"
}

# dr_apt_source PACKAGE DESTDIR [SUITE] [--orig-only]
# Fetches a Debian source package with a private sources list and a private
# apt state directory (the system's apt configuration is never edited).
# Prints the extracted source tree (or, with --orig-only, the orig tarball).
dr_apt_source() {
	local pkg=$1 dest=$2 suite=${3:-} mode=${4:-}
	local codename aptdir uri
	codename=$(. /etc/os-release; echo "${VERSION_CODENAME:-bookworm}")
	[ -n "$suite" ] || suite=$codename
	if [ -f "$dest/.done" ]; then
		cat "$dest/.done"
		return
	fi
	aptdir=$(dr_cache_dir)/apt-private
	mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/archives/partial"
	uri=$(dr_archive_uri)
	cat >"$aptdir/sources.list.d/src.sources" <<EOT
Types: deb-src
URIs: $uri
Suites: $codename $codename-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	local opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$aptdir/sources.list.d"
		-o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache::Archives=$aptdir/archives"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
	dr_step "apt-get update (private deb-src list for $codename)"
	apt-get "${opts[@]}" update >"$aptdir/update.log" 2>&1 ||
		dr_die "private apt-get update failed: is the Debian archive reachable? see $aptdir/update.log"
	dr_done
	rm -rf "$dest.tmp"
	mkdir -p "$dest.tmp"
	dr_step "apt-get source $pkg/$suite"
	if [ "$mode" = --orig-only ]; then
		(cd "$dest.tmp" && apt-get "${opts[@]}" source --download-only "$pkg/$suite") \
			>"$aptdir/source-$pkg.log" 2>&1 ||
			dr_die "apt-get source $pkg failed (network or disk?); see $aptdir/source-$pkg.log, then re-run"
	else
		(cd "$dest.tmp" && apt-get "${opts[@]}" source "$pkg/$suite") \
			>"$aptdir/source-$pkg.log" 2>&1 ||
			dr_die "apt-get source $pkg failed (network or disk?); see $aptdir/source-$pkg.log, then re-run"
	fi
	dr_done
	rm -rf "$dest"
	mv "$dest.tmp" "$dest"
	local result
	if [ "$mode" = --orig-only ]; then
		result=$(ls "$dest"/*.orig.tar.* | head -n1)
	else
		result=$(find "$dest" -mindepth 1 -maxdepth 1 -type d | head -n1)
	fi
	[ -n "$result" ] || dr_die "apt-get source $pkg produced nothing usable in $dest"
	echo "$result" >"$dest/.done"
	echo "$result"
}

# dr_dpdk_other_apps SRC: comma list of every app but test-pmd (for DPDKs
# without -Denable_apps).
dr_dpdk_other_apps() {
	(cd "$1/app" && ls -d */ | tr -d / | grep -vx test-pmd | paste -sd,)
}

# dr_ninja_progress BUILDDIR: ninja with a compact [n/N] progress line.
dr_ninja_progress() {
	local log
	log=$(dr_cache_dir)/dpdk-build.log
	ninja -C "$1" -j"$(nproc)" >"$log" 2>&1 &
	local pid=$! last=""
	while kill -0 "$pid" 2>/dev/null; do
		sleep 5
		last=$(tail -c 2000 "$log" | grep -o '^\[[0-9]*/[0-9]*\]' | tail -n1)
		[ -n "$last" ] && echo "[setup]   compile $last" >&2
	done
	wait "$pid"
}
