/*
 * settings.c: the supervisor.* keys of the configuration, read into plain numbers, and the runtime
 * directory that connectord and connectorctl agree on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "supervisor.h"

static int64_t positive(json_object *config, const char *path, int64_t fallback)
{
	int64_t value = config_get_int(config, path, fallback);
	return value > 0 ? value : fallback;
}

void settings_from_config(json_object *config, struct sv_settings *out)
{
	struct backoff_policy *p = &out->policy;
	backoff_policy_defaults(p);
	p->floor_ms = positive(config, "supervisor.restartBackoffFloorMs", p->floor_ms);
	p->cap_ms = positive(config, "supervisor.restartBackoffCapMs", p->cap_ms);
	if (p->cap_ms < p->floor_ms)
		p->cap_ms = p->floor_ms;
	p->stable_ms = positive(config, "supervisor.stablePeriodMs", p->stable_ms);
	p->loop_max = (int)positive(config, "supervisor.crashLoopMaxRestarts", p->loop_max);
	if (p->loop_max >= BACKOFF_HISTORY_MAX)
		p->loop_max = BACKOFF_HISTORY_MAX - 1;
	p->loop_window_ms = positive(config, "supervisor.crashLoopWindowMs", p->loop_window_ms);
	p->cooldown_ms = positive(config, "supervisor.crashLoopCooldownMs", p->cooldown_ms);
	out->grace_ms = positive(config, "supervisor.shutdownGraceMs", 10000);
	out->heartbeat_interval_ms = positive(config, "supervisor.heartbeatIntervalMs", 1000);
	out->heartbeat_timeout_ms = positive(config, "supervisor.heartbeatTimeoutMs", 10000);
	out->ready_timeout_ms = positive(config, "supervisor.readyTimeoutMs", 30000);
}

void settings_runtime_dir(json_object *config, char *out, size_t len)
{
	const char *configured = config ? config_get_string(config, "supervisor.runtimeDirectory", NULL) : NULL;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (configured && *configured)
		snprintf(out, len, "%s", configured);
	else if (xdg && *xdg)
		snprintf(out, len, "%s/connector", xdg);
	else if (geteuid() == 0)
		snprintf(out, len, "/run/connector");
	else
		snprintf(out, len, "/tmp/connector-%ld", (long)geteuid());
}
