/*
 * timeutil.c: monotonic and wall clocks, ISO 8601 formatting and strict parsing.
 */
#include "timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int64_t time_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *time_iso_from_ms(int64_t epoch_ms, char *buf, size_t len)
{
	time_t secs = (time_t)(epoch_ms / 1000);
	int millis = (int)(epoch_ms % 1000);
	if (millis < 0) {
		millis += 1000;
		secs -= 1;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
	return buf;
}

char *time_now_iso(char *buf, size_t len) { return time_iso_from_ms(time_wall_ms(), buf, len); }

/* Reads exactly n digits at *p into *out and advances. */
static bool read_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool parse_offset(const char *p, int *offset_minutes)
{
	*offset_minutes = 0;
	if (*p == 'Z' || *p == 'z')
		return p[1] == '\0';
	if (*p != '+' && *p != '-')
		return false;
	int sign = *p == '-' ? -1 : 1, hh, mm;
	p++;
	if (!read_digits(&p, 2, &hh) || !expect_char(&p, ':') || !read_digits(&p, 2, &mm) || *p)
		return false;
	*offset_minutes = sign * (hh * 60 + mm);
	return hh < 24 && mm < 60;
}

bool time_parse_iso(const char *text, int64_t *epoch_ms)
{
	const char *p = text;
	struct tm tm = {0};
	int y, mo, d, h, mi, s, millis = 0;
	if (!read_digits(&p, 4, &y) || !expect_char(&p, '-') || !read_digits(&p, 2, &mo) || !expect_char(&p, '-') ||
	    !read_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return false;
	p++;
	if (!read_digits(&p, 2, &h) || !expect_char(&p, ':') || !read_digits(&p, 2, &mi) || !expect_char(&p, ':') ||
	    !read_digits(&p, 2, &s))
		return false;
	if (*p == '.') {
		p++;
		int scale = 100, digits = 0;
		while (isdigit((unsigned char)*p)) {
			if (digits++ < 3) {
				millis += (*p - '0') * scale;
				scale /= 10;
			}
			p++;
		}
		if (digits == 0)
			return false;
	}
	int offset;
	if (!parse_offset(p, &offset))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	time_t secs = timegm(&tm);
	*epoch_ms = ((int64_t)secs - (int64_t)offset * 60) * 1000 + millis;
	return true;
}
