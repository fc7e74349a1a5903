/*
 * log.h: the one logging facility of every process. A line per event: time, level, process role and
 * worker index, pid, category, message. Human format by default, JSON lines when configured.
 * Never pass secrets (API keys, client secrets, passwords, bearer tokens, keys) to these functions.
 */
#ifndef CONNECTOR_LOG_H
#define CONNECTOR_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level { LOG_LEVEL_TRACE, LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR, LOG_LEVEL_FATAL };
enum log_format { LOG_FORMAT_HUMAN, LOG_FORMAT_JSON };

/* Names this process in every line, e.g. ("http-api", 1) or ("supervisor", 0). */
void log_set_process(const char *role, int index);
void log_set_level(enum log_level level);
void log_set_format(enum log_format format);
/* Parses "trace".."fatal" (case-insensitive); returns false on unknown names. */
bool log_level_from_string(const char *name, enum log_level *out);
enum log_level log_get_level(void);

void log_msg(enum log_level level, const char *category, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *category, const char *fmt, va_list ap);

#define log_trace(cat, ...) log_msg(LOG_LEVEL_TRACE, cat, __VA_ARGS__)
#define log_debug(cat, ...) log_msg(LOG_LEVEL_DEBUG, cat, __VA_ARGS__)
#define log_info(cat, ...) log_msg(LOG_LEVEL_INFO, cat, __VA_ARGS__)
#define log_warn(cat, ...) log_msg(LOG_LEVEL_WARN, cat, __VA_ARGS__)
#define log_error(cat, ...) log_msg(LOG_LEVEL_ERROR, cat, __VA_ARGS__)

/* Logs at FATAL with the calling function's name and errno text when errno_too, then exits(code). */
void fatal_at(const char *func, int code, bool errno_too, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
#define fatal(code, ...) fatal_at(__func__, code, true, __VA_ARGS__)
#define fatalx(code, ...) fatal_at(__func__, code, false, __VA_ARGS__)

#endif
