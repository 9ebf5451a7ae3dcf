/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/* The test harness (th.h). No DPDK: binaries without EAL link it too. */

#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "th.h"

unsigned int th_checks, th_failures;

/* The arguments after the case name (th_arg()), the case running. */
static int th_argc;
static char **th_argv;
static const struct th_case *th_running;

/* A FAIL line: "FAIL file:line: [cond:]message". */
static void
th_vfail(const char *file, int line, const char *cond, const char *fmt, va_list ap)
{
	th_failures++;
	printf("FAIL %s:%d: ", file, line);
	if (cond != NULL)
		printf("%s:", cond);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void
th_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_vfail(file, line, NULL, fmt, ap);
	va_end(ap);
}

void
th_fail_cond(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_vfail(file, line, cond, fmt, ap);
	va_end(ap);
}

void
th_abort_at(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	if (cond != NULL)
		fprintf(stderr, "%s:", cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void
th_ok(const char *fmt, ...)
{
	va_list ap;

	printf("ok   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const struct th_case *
th_current(void)
{
	return th_running;
}

const char *
th_arg(unsigned int i, const char *def)
{
	return (int)i < th_argc ? th_argv[i] : def;
}

unsigned int
th_arg_uint(unsigned int i, unsigned int def)
{
	const char *s = th_arg(i, NULL);
	unsigned long v;
	char *end;

	if (s == NULL)
		return def;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v > 0xffffffffu) {
		th_checks++;
		th_fail_at(__FILE__, __LINE__, "argument %u '%s' is not a number", i + 1, s);
		return def;
	}
	return (unsigned int)v;
}

/* From a signal handler (async-signal-safe): s to fd, or _exit(1). */
static void
signal_write(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

static const char *watchdog_what;

static void
watchdog_fire(int sig)
{
	(void)sig;
	signal_write(STDERR_FILENO, "FAIL: watchdog: hung: ");
	signal_write(STDERR_FILENO, watchdog_what);
	signal_write(STDERR_FILENO, "\n");
	_exit(1);
}

void
th_watchdog(unsigned int seconds, const char *what)
{
	watchdog_what = what;
	signal(SIGALRM, watchdog_fire);
	alarm(seconds);
}

void
th_watchdog_off(void)
{
	alarm(0);
}

uint64_t
th_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
th_usage(const char *prog, const struct th_case *cases, size_t n)
{
	size_t i;

	printf("usage: %s --list | CASE [ARG...]\ncases:", prog);
	for (i = 0; i < n; i++)
		printf(" %s", cases[i].name);
	putchar('\n');
}

static void (*crash_hook)(void);

void
th_on_crash(void (*fn)(void))
{
	crash_hook = fn;
}

/* A sanitizer's runtime reports crashes itself, better. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TH_SANITIZED 1
#endif
#endif

#ifndef TH_SANITIZED
/* v in base (10 or 16), async-signal-safe. */
static void
crash_write_num(uintptr_t v, unsigned int base)
{
	char num[24];
	int i = (int)sizeof(num) - 1;

	num[i] = '\0';
	do
		num[--i] = "0123456789abcdef"[v % base];
	while ((v /= base) != 0 && i > 0);
	signal_write(STDOUT_FILENO, &num[i]);
}

/* A crash fails with where it happened (addresses for addr2line; a
 * plugin's as so(+offset)), then dies of the signal as it would have.
 */
static void
crash_report(int sig, siginfo_t *si, void *uc)
{
	void *frames[64];
	int n;

	(void)uc;
	signal_write(STDOUT_FILENO, "FAIL: crashed: signal ");
	crash_write_num((uintptr_t)sig, 10);
	if (sig == SIGSEGV || sig == SIGBUS) {
		signal_write(STDOUT_FILENO, " at address 0x");
		crash_write_num((uintptr_t)si->si_addr, 16);
	}
	signal_write(STDOUT_FILENO, " in case ");
	signal_write(STDOUT_FILENO, th_running != NULL ? th_running->name : "(none)");
	signal_write(STDOUT_FILENO, "; backtrace:\n");
	n = backtrace(frames, (int)TH_DIM(frames));
	backtrace_symbols_fd(frames, n, STDOUT_FILENO);
	if (crash_hook != NULL)
		crash_hook();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
crash_report_install(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct sigaction sa;
	void *frame;
	size_t i;

	backtrace(&frame, 1); /* loads the unwinder now, not in the handler */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = crash_report;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < TH_DIM(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}
#else
static void
crash_report_install(void)
{
}
#endif

/* One case: setup, the case, teardown. 0, TH_SKIP or TH_FAILED. */
static int
th_run(const struct th_case *c)
{
	unsigned int failed_before = th_failures;
	int rc = 0;

	printf("== %s\n", c->name);
	fflush(stdout);
	th_running = c;
	if (c->setup != NULL)
		rc = c->setup(c);
	if (rc == 0) {
		rc = c->fn();
		if (c->teardown != NULL)
			c->teardown(c);
	} else if (rc != TH_SKIP) {
		printf("FAIL %s: setup failed (%d)\n", c->name, rc);
	}
	/* a failed check fails the case, whatever it returned (even a skip) */
	if (th_failures != failed_before)
		rc = TH_FAILED;
	else if (rc != 0 && rc != TH_SKIP)
		rc = TH_FAILED;
	th_running = NULL;
	printf("== %s: %s\n", c->name, rc == 0 ? "ok" : rc == TH_SKIP ? "skipped" : "FAILED");
	fflush(stdout);
	return rc;
}

int
th_main(int argc, char **argv, const struct th_case *cases, size_t n,
	unsigned int flags)
{
	unsigned int ran = 0, skipped = 0, failed = 0;
	const char *want = argc > 1 ? argv[1] : NULL;
	size_t i;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	crash_report_install();
	if (want != NULL && strcmp(want, "--list") == 0) {
		for (i = 0; i < n; i++)
			printf("%s %s\n", cases[i].name, cases[i].suite);
		return 0;
	}
	if (want == NULL && (flags & TH_ONE_PER_PROCESS)) {
		th_usage(argv[0], cases, n);
		return 2;
	}
	th_argc = argc > 2 ? argc - 2 : 0;
	th_argv = argv + 2;
	for (i = 0; i < n; i++) {
		if (want != NULL && strcmp(want, cases[i].name) != 0)
			continue;
		ran++;
		rc = th_run(&cases[i]);
		skipped += rc == TH_SKIP;
		failed += rc == TH_FAILED;
	}
	if (ran == 0) {
		printf("unknown case '%s'\n", want);
		th_usage(argv[0], cases, n);
		return 2;
	}
	rc = failed > 0 ? TH_FAILED : skipped == ran ? TH_SKIP : 0;
	printf("%s %s: %u checks, %u failed\n", rc == 0 ? "PASS" : rc == TH_SKIP ? "SKIP" : "FAIL",
		want != NULL ? want : "all", th_checks, th_failures);
	return rc;
}
