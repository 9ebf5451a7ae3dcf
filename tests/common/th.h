/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

#ifndef TH_H
#define TH_H

/*
 * The one test harness of the project's C tests: a case table, checks that
 * report file:line and the values, setup/teardown per case, the skip exit
 * code meson understands, and the command line every test binary shares:
 *
 *   BINARY --list          the case names, one a line, with their suites
 *   BINARY CASE [ARG...]   run one case; ARGs are the case's (th_arg())
 *   BINARY                 run every case in turn (binaries whose cases can
 *                          share one process; see TH_ONE_PER_PROCESS)
 *
 * Exit codes: 0 passed, 1 failed, TH_SKIP (77) skipped, 2 usage (unknown
 * case). Output goes to stdout, line-buffered: "== CASE" before a case,
 * "FAIL file:line: ..." for each failed check, "== CASE: ok|FAILED|skipped"
 * after it, and one last line "PASS|FAIL|SKIP CASE: N checks, M failed".
 *
 * The case table is also read by tests/common/list-cases.py at configure
 * time, so that meson declares one test per case without a second copy of
 * the names. Its format is therefore rigid (the script fails on anything
 * else): one table a file,
 *
 *   static const struct th_case NAME[] = {
 *           { "case_name", "suite[,suite]", case_fn, NULL, NULL },
 *           { "case_name", "suite", case_fn, setup_fn, teardown_fn },
 *   };
 *
 * one entry a line, comments and blank lines allowed between entries.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/**
 * printf-style checking of a harness function's format and arguments:
 * DPDK's __rte_format_printf, which th.h cannot use (the VM tier's guest
 * programs include it without DPDK). The one place the attribute is
 * spelled out.
 */
#define TH_FORMAT_PRINTF(format_index, first_arg) \
	__attribute__((format(printf, format_index, first_arg)))

/** Entries in an array (DPDK's RTE_DIM, which th.h cannot use). */
#define TH_DIM(a) (sizeof(a) / sizeof((a)[0]))

/** meson's exit code for a test that cannot run here. */
#define TH_SKIP 77

/** A case that returns this (or 0 after failed checks) failed. */
#define TH_FAILED 1

struct th_case {
	/** Name on the command line and in meson's test name. */
	const char *name;
	/** meson suites, comma-separated (list-cases.py checks the names). */
	const char *suite;
	/** The case: 0 passed (unless a check failed), TH_SKIP skipped,
	 * anything else failed.
	 */
	int (*fn)(void);
	/** NULL, or before fn: 0 to run fn, TH_SKIP to skip it, anything else
	 * fails the case (fn and teardown are not called then).
	 */
	int (*setup)(const struct th_case *c);
	/** NULL, or after fn (also when fn failed or skipped). */
	void (*teardown)(const struct th_case *c);
};

/** Checks run and failed so far in this process. */
extern unsigned int th_checks, th_failures;

/**
 * Count a failed check and print "FAIL file:line: " and the message.
 *
 * @param file
 *   __FILE__ of the check.
 * @param line
 *   __LINE__ of the check.
 * @param fmt
 *   printf format of the message, then its arguments.
 */
void th_fail_at(const char *file, int line, const char *fmt, ...)
	TH_FORMAT_PRINTF(3, 4);

/**
 * th_fail_at() with the failed condition's text before the message.
 *
 * @param file
 *   __FILE__ of the check.
 * @param line
 *   __LINE__ of the check.
 * @param cond
 *   The condition, as written.
 * @param fmt
 *   printf format of the message, then its arguments.
 */
void th_fail_cond(const char *file, int line, const char *cond, const char *fmt, ...)
	TH_FORMAT_PRINTF(4, 5);

/**
 * Print "FAIL file:line: [cond:]message" on stderr and abort() (TH_ABORT,
 * TH_ASSERT).
 *
 * @param file
 *   __FILE__ of the check.
 * @param line
 *   __LINE__ of the check.
 * @param cond
 *   The failed condition as written, or NULL.
 * @param fmt
 *   printf format of the message, then its arguments.
 */
_Noreturn void th_abort_at(const char *file, int line, const char *cond, const char *fmt, ...)
	TH_FORMAT_PRINTF(4, 5);

/**
 * Count a passed check and print "ok   " and the message (TH_EXPECT).
 *
 * @param fmt
 *   printf format of the message, then its arguments.
 */
void th_ok(const char *fmt, ...) TH_FORMAT_PRINTF(1, 2);

/* The checks. Each counts in th_checks; a failure counts in th_failures and
 * fails the case even when the case returns 0.
 */

/** cond must hold; otherwise "FAIL file:line: cond: message", go on. The
 * message is optional; when given, it starts with a string literal.
 */
#define TH_CHECK(cond, ...) do { \
	th_checks++; \
	if (!(cond)) \
		th_fail_cond(__FILE__, __LINE__, #cond, " " __VA_ARGS__); \
} while (0)

/** expr (an int: 0 or a negative errno) must be want; prints both. */
#define TH_CHECK_RC(expr, want) do { \
	int th_rc_ = (expr), th_want_ = (want); \
	th_checks++; \
	if (th_rc_ != th_want_) \
		th_fail_at(__FILE__, __LINE__, "%s returned %d (%s), expected %d (%s)", \
			#expr, th_rc_, strerror(-th_rc_), th_want_, strerror(-th_want_)); \
} while (0)

/** Two integers must be equal; prints both values. */
#define TH_CHECK_EQ(a, b) do { \
	long long th_a_ = (long long)(a), th_b_ = (long long)(b); \
	th_checks++; \
	if (th_a_ != th_b_) \
		th_fail_at(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, \
			th_a_, th_b_); \
} while (0)

/** cond must hold; otherwise a FAIL line and return -1 from the caller. */
#define TH_REQUIRE(cond, ...) do { \
	th_checks++; \
	if (!(cond)) { \
		th_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
		return -1; \
	} \
} while (0)

/** A failure without a condition: a FAIL line, return -1 from the caller. */
#define TH_FAIL(...) do { \
	th_checks++; \
	th_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
	return -1; \
} while (0)

/** A failure the process cannot go on after: a FAIL line, exit(1) (for
 * raw-ioctl tests whose every step needs the previous one).
 */
#define TH_FATAL(...) do { \
	th_checks++; \
	th_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
	exit(TH_FAILED); \
} while (0)

/** call (a syscall, an ioctl) must return 0; otherwise TH_FATAL with the
 * call's text and errno.
 */
#define TH_FATAL_ERRNO(call) do { \
	th_checks++; \
	if ((call) != 0) { \
		th_fail_at(__FILE__, __LINE__, "%s: %s", #call, strerror(errno)); \
		exit(TH_FAILED); \
	} \
} while (0)

/** libFuzzer targets: a finding must crash. "FAIL file:line: message" on
 * stderr, then abort().
 */
#define TH_ABORT(...) th_abort_at(__FILE__, __LINE__, NULL, __VA_ARGS__)

/** libFuzzer targets: cond must hold; otherwise "FAIL file:line: cond:
 * message" on stderr, then abort().
 */
#define TH_ASSERT(cond, ...) do { \
	if (!(cond)) \
		th_abort_at(__FILE__, __LINE__, #cond, " " __VA_ARGS__); \
} while (0)

/** Like TH_CHECK, but a passing check prints "ok   message" too: for logs
 * read later (the VM tier), where every check is shown.
 */
#define TH_EXPECT(cond, ...) do { \
	th_checks++; \
	if (!(cond)) \
		th_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
	else \
		th_ok(__VA_ARGS__); \
} while (0)

/** th_main() flag: every case needs a process of its own (EAL initialises
 * once): without a case name, print the usage instead of running all.
 */
#define TH_ONE_PER_PROCESS 1u

/**
 * The main() of a test binary: --list, one case by name, or all.
 *
 * @param argc
 *   main()'s argc.
 * @param argv
 *   main()'s argv: [--list | CASE [ARG...]].
 * @param cases
 *   The case table (the format in this file's head comment).
 * @param n
 *   Entries in cases.
 * @param flags
 *   0 or TH_ONE_PER_PROCESS.
 * @return
 *   The exit code: 0, 1 (failed), TH_SKIP, 2 (usage).
 */
int th_main(int argc, char **argv, const struct th_case *cases, size_t n,
	unsigned int flags);

/** The main() of a binary that needs nothing before th_main(): one line
 * after its case table, TH_MAIN(cases, 0 or TH_ONE_PER_PROCESS). It exits
 * with th_main()'s code (exit(), as a return from main() would).
 */
#define TH_MAIN(cases, flags) \
int \
main(int argc, char **argv) \
{ \
	exit(th_main(argc, argv, cases, TH_DIM(cases), flags)); \
}

/**
 * The case running now (in its setup, body or teardown): one function can
 * serve several entries of a table and tell them apart by name.
 *
 * @return
 *   The case's table entry; NULL outside a case.
 */
const struct th_case *th_current(void);

/**
 * The i-th argument after the case name on the command line.
 *
 * @param i
 *   0 for the first argument after the case name.
 * @param def
 *   What to return when there is no such argument.
 * @return
 *   The argument, or def.
 */
const char *th_arg(unsigned int i, const char *def);

/**
 * th_arg() as an unsigned number (a case's iteration count).
 *
 * @param i
 *   0 for the first argument after the case name.
 * @param def
 *   What to return when there is no such argument.
 * @return
 *   The number; a malformed argument is a failed check and returns def.
 */
unsigned int th_arg_uint(unsigned int i, unsigned int def);

/**
 * A hang is a failure: after seconds, print "FAIL: watchdog: hung: what"
 * and _exit(1). th_watchdog_off() disarms it.
 *
 * @param seconds
 *   Time allowed.
 * @param what
 *   What hung (kept, not copied).
 */
void th_watchdog(unsigned int seconds, const char *what);

/** Disarm th_watchdog(). */
void th_watchdog_off(void);

/**
 * A crash (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT; not in sanitizer
 * builds, whose runtime reports them) prints "FAIL: crashed" with the
 * case and a backtrace, then calls fn (in the signal handler of a process
 * in an unknown state: little and no locks, e.g. write() what the test
 * captured of its log), then the process dies of the signal.
 *
 * @param fn
 *   Called after the backtrace; NULL: nothing.
 */
void th_on_crash(void (*fn)(void));

/**
 * CLOCK_MONOTONIC in ns.
 *
 * @return
 *   The time.
 */
uint64_t th_now_ns(void);

#endif /* TH_H */
