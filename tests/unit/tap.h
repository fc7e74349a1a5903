/*
 * tap.h: a minimal TAP producer for the C unit tests (read by automake's tap-driver.sh).
 *   TAP_TEST(name) { ... ok(cond, "what") ...; }  and in main: tap_run(test_a, test_b, ...).
 * Every ok() is one TAP test point; the plan is printed at the end.
 */
#ifndef CONNECTOR_TAP_H
#define CONNECTOR_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3), unused)) static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
#define is_int(got, want, name)                                                                          \
	do {                                                                                             \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);                         \
		if (!ok(tap_g_ == tap_w_, "%s", name))                                                   \
			printf("#   got %lld, want %lld\n", tap_g_, tap_w_);                                  \
	} while (0)
#define is_str(got, want, name)                                                                          \
	do {                                                                                             \
		const char *tap_g_ = (got), *tap_w_ = (want);                                            \
		if (!ok(tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0, "%s", name))                    \
			printf("#   got '%s', want '%s'\n", tap_g_ ? tap_g_ : "(null)",                      \
			       tap_w_ ? tap_w_ : "(null)");                                              \
	} while (0)
#define diag(...) (printf("# " __VA_ARGS__), printf("\n"))

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	printf("# %d passed, %d failed\n", tap_count - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
