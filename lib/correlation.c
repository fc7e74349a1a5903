/*
 * correlation.c: UUID v4 generation, x-correlation-id parsing and the per-thread current id
 * (correlation.h). The current id lives in thread-local storage, so the HTTP worker's loop and its
 * helper threads never see each other's ids.
 */
#include "correlation.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"

static _Thread_local char current[CORRELATION_ID_MAX];

void correlation_generate(char out[CORRELATION_UUID_LEN])
{
	uint8_t b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0)
			fatal(1, "getrandom");
		got += (size_t)n;
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10 */
	snprintf(out, CORRELATION_UUID_LEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static bool valid_id(const char *s, size_t len)
{
	if (memchr(s, ',', len))
		return false;
	if (len == 0 || len >= CORRELATION_ID_MAX || s[0] == ' ' || s[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e)
			return false;
	}
	return true;
}

bool correlation_parse_header(const char *value, char out[CORRELATION_ID_MAX])
{
	out[0] = '\0';
	if (!value)
		return false;
	const char *start = value + strspn(value, " \t");
	size_t len = strcspn(start, ",");
	while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
		len--;
	if (!valid_id(start, len))
		return false;
	memcpy(out, start, len);
	out[len] = '\0';
	return true;
}

void correlation_for_request(const char *header_value, char out[CORRELATION_ID_MAX])
{
	if (!correlation_parse_header(header_value, out))
		correlation_generate(out);
}

bool correlation_valid(const char *id)
{
	return id && valid_id(id, strlen(id));
}

bool correlation_set_current(const char *id)
{
	if (!id || !*id) {
		current[0] = '\0';
		return true;
	}
	size_t len = strlen(id);
	if (!valid_id(id, len))
		return false;
	memcpy(current, id, len + 1);
	return true;
}

const char *correlation_current(void)
{
	return current[0] ? current : NULL;
}
