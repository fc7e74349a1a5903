/*
 * log.c: formats and writes log lines to stderr, one write(2) per line so lines from many worker
 * processes sharing the supervisor's stderr never interleave mid-line. While the thread has a
 * current correlation id (correlation.h) the line carries it: JSON field "correlationId", human
 * format a trailing " correlationId=<id>".
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "correlation.h"
#include "timeutil.h"

#define LOG_LINE_MAX 8192

static char log_role[32] = "connector";
static int log_index;
static enum log_level log_threshold = LOG_LEVEL_INFO;
static enum log_format log_output = LOG_FORMAT_HUMAN;

static const char *const level_names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

void log_set_process(const char *role, int index)
{
	snprintf(log_role, sizeof(log_role), "%s", role);
	log_index = index;
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}
void log_set_format(enum log_format format)
{
	log_output = format;
}
enum log_level log_get_level(void)
{
	return log_threshold;
}

bool log_level_from_string(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	if (strcasecmp(name, "warning") == 0) {
		*out = LOG_LEVEL_WARN;
		return true;
	}
	return false;
}

/* Appends s to buf as JSON string content (without quotes). */
static size_t json_escape_into(char *buf, size_t pos, size_t cap, const char *s)
{
	for (; *s && pos + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[pos++] = '\\';
			buf[pos++] = (char)c;
		} else if (c == '\n') {
			buf[pos++] = '\\';
			buf[pos++] = 'n';
		} else if (c < 0x20) {
			pos += (size_t)snprintf(buf + pos, cap - pos, "\\u%04x", c);
		} else {
			buf[pos++] = (char)c;
		}
	}
	return pos;
}

static size_t format_json(char *line, const char *stamp, enum log_level level, const char *category,
                          const char *message)
{
	size_t pos = (size_t)snprintf(line, LOG_LINE_MAX, "{\"time\":\"%s\",\"level\":\"%s\",\"module\":\"", stamp,
	                              level_names[level]);
	pos = json_escape_into(line, pos, LOG_LINE_MAX, log_role);
	pos += (size_t)snprintf(line + pos, LOG_LINE_MAX - pos, "\",\"worker\":%d,\"pid\":%ld,\"category\":\"",
	                        log_index, (long)getpid());
	pos = json_escape_into(line, pos, LOG_LINE_MAX, category);
	pos += (size_t)snprintf(line + pos, LOG_LINE_MAX - pos, "\",\"message\":\"");
	const char *correlation = correlation_current();
	pos = json_escape_into(line, pos, LOG_LINE_MAX - 3 - (correlation ? 2 * CORRELATION_ID_MAX + 24 : 0), message);
	if (correlation) {
		pos += (size_t)snprintf(line + pos, LOG_LINE_MAX - pos, "\",\"correlationId\":\"");
		pos = json_escape_into(line, pos, LOG_LINE_MAX - 3, correlation);
	}
	pos += (size_t)snprintf(line + pos, LOG_LINE_MAX - pos, "\"}\n");
	return pos < LOG_LINE_MAX ? pos : LOG_LINE_MAX - 1;
}

/* One event, one line: in the human format a newline inside a message (a multi-line report)
 * becomes " | " and other control characters a space. Truncates to fit out. */
static void flatten_message(const char *message, char *out, size_t cap)
{
	size_t pos = 0;
	for (const char *in = message; *in && pos + 4 < cap; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '\n' && in[1] == '\0')
			break;
		if (c == '\n') {
			memcpy(out + pos, " | ", 3);
			pos += 3;
		} else {
			out[pos++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
		}
	}
	out[pos] = '\0';
}

static size_t format_human(char *line, const char *stamp, enum log_level level, const char *category,
                           const char *raw_message)
{
	char message[LOG_LINE_MAX / 2];
	flatten_message(raw_message, message, sizeof(message));
	const char *correlation = correlation_current();
	int n = snprintf(line, LOG_LINE_MAX, "%s %-5s %s[%d] pid=%ld %s: %s%s%s\n", stamp, level_names[level], log_role,
	                 log_index, (long)getpid(), category, message, correlation ? " correlationId=" : "",
	                 correlation ? correlation : "");
	if (n < 0)
		return 0;
	if ((size_t)n >= LOG_LINE_MAX) {
		line[LOG_LINE_MAX - 2] = '\n';
		return LOG_LINE_MAX - 1;
	}
	return (size_t)n;
}

void log_vmsg(enum log_level level, const char *category, const char *fmt, va_list ap)
{
	if (level < log_threshold)
		return;
	int saved_errno = errno;
	char message[LOG_LINE_MAX / 2];
	vsnprintf(message, sizeof(message), fmt, ap);
	char stamp[40];
	time_now_iso(stamp, sizeof(stamp));
	char line[LOG_LINE_MAX];
	size_t len = log_output == LOG_FORMAT_JSON ? format_json(line, stamp, level, category, message)
	                                           : format_human(line, stamp, level, category, message);
	ssize_t ignored = write(STDERR_FILENO, line, len);
	(void)ignored;
	errno = saved_errno;
}

void log_msg(enum log_level level, const char *category, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, category, fmt, ap);
	va_end(ap);
}

void fatal_at(const char *func, int code, bool errno_too, const char *fmt, ...)
{
	int saved_errno = errno;
	char message[LOG_LINE_MAX / 4];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (errno_too)
		log_msg(LOG_LEVEL_FATAL, func, "%s: %s", message, strerror(saved_errno));
	else
		log_msg(LOG_LEVEL_FATAL, func, "%s", message);
	exit(code);
}
