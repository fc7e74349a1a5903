/*
 * delivery_schedule.c: the retry schedule of the delivery core (delivery.h): default table, parsing
 * from the configuration, and the delay after a failed attempt (jitter, Retry-After within bounds).
 * Pure functions: no clock, no randomness of their own.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery.h"

#define SECOND 1000LL
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)

void delivery_schedule_default(struct delivery_schedule *s)
{
	static const int64_t defaults[] = {5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR,
	                                   5 * HOUR,   10 * HOUR,  10 * HOUR};
	memset(s, 0, sizeof(*s));
	s->count = (int)(sizeof(defaults) / sizeof(defaults[0]));
	memcpy(s->delays_ms, defaults, sizeof(defaults));
	s->jitter_percent = 20;
	s->retry_after_max_ms = HOUR;
}

static bool fail(char **error, const char *path, const char *what)
{
	if (error && asprintf(error, "%s: %s", path, what) < 0)
		*error = NULL;
	return false;
}

bool delivery_schedule_from_json(json_object *array, const char *path, struct delivery_schedule *s, char **error)
{
	struct delivery_schedule parsed;
	delivery_schedule_default(&parsed);
	if (!json_object_is_type(array, json_type_array))
		return fail(error, path, "expected an array of delays in milliseconds");
	size_t n = json_object_array_length(array);
	if (n > DELIVERY_SCHEDULE_MAX)
		return fail(error, path, "expected at most 32 delays");
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(array, i);
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) > 30LL * 24 * HOUR)
			return fail(error, path, "expected delays as integers between 0 and 2592000000 ms");
		parsed.delays_ms[i] = json_object_get_int64(v);
	}
	parsed.count = (int)n;
	*s = parsed;
	return true;
}

int64_t delivery_schedule_next(const struct delivery_schedule *s, int attempts, int64_t retry_after_ms,
                               double random_unit)
{
	if (attempts < 1 || attempts > s->count)
		return -1;
	int64_t base = s->delays_ms[attempts - 1];
	double factor = 1.0 + ((random_unit * 2.0) - 1.0) * (double)s->jitter_percent / 100.0;
	int64_t delay = (int64_t)((double)base * factor);
	if (delay < 0)
		delay = 0;
	if (retry_after_ms > delay) {
		int64_t cap = s->retry_after_max_ms > 0 ? s->retry_after_max_ms : HOUR;
		delay = retry_after_ms < cap ? retry_after_ms : (delay > cap ? delay : cap);
	}
	return delay;
}
