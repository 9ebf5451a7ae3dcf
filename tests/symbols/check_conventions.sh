#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
# DPDK conventions the project's library, drivers and applications keep
# (issue 14): no raw __atomic builtins (rte_atomic_*_explicit; the compat
# header adapts 22.11 and holds the one documented TSan-visible fence), no
# pthread_create (rte_thread_create_control), logging only through the
# components' *_logs.h macros (RTE_LOG_LINE: no rte_log() with a newline of
# the caller's own).
set -u
: "${SOURCE_ROOT:?}"
cd "$SOURCE_ROOT" || exit 1
fail=0
check() { # what, regex
	local hits
	hits=$(git ls-files -- lib drivers app | grep '\.[ch]$' |
		grep -v '^lib/dma_domain/rte_dma_domain_compat.h$' |
		xargs grep -nE "$2" 2>/dev/null)
	if [ -n "$hits" ]; then
		echo "FAIL $1:"
		echo "$hits" | sed 's/^/  /'
		fail=1
	else
		echo "ok   $1"
	fi
}
check "raw __atomic builtins (use rte_atomic_*_explicit)" '\b__atomic_[a-z_]+\(|__ATOMIC_[A-Z_]+'
check "pthread_create (use rte_thread_create_control)" '\bpthread_create\('
check "rte_log() outside a *_logs.h macro (use RTE_LOG_LINE)" '\brte_log\('
exit $fail
