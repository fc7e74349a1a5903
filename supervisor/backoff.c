/*
 * backoff.c: restart delays and crash-loop counting for one worker (see backoff.h). Pure functions of
 * their arguments: the caller supplies the clock and the randomness.
 */
#include "backoff.h"

#include <string.h>

void backoff_policy_defaults(struct backoff_policy *policy)
{
	policy->floor_ms = 100;
	policy->cap_ms = 30000;
	policy->stable_ms = 10000;
	policy->loop_max = 5;
	policy->loop_window_ms = 30000;
	policy->cooldown_ms = 60000;
}

void backoff_reset(struct backoff_state *state)
{
	memset(state, 0, sizeof(*state));
}

int64_t backoff_base_delay(const struct backoff_policy *policy, int n)
{
	int64_t floor = policy->floor_ms > 0 ? policy->floor_ms : 1;
	int64_t cap = policy->cap_ms > floor ? policy->cap_ms : floor;
	int64_t delay = floor;
	for (int i = 1; i < n && delay < cap; i++)
		delay *= 2;
	return delay < cap ? delay : cap;
}

int64_t backoff_with_jitter(const struct backoff_policy *policy, int64_t base, uint32_t random)
{
	int64_t spread = base / 4;
	int64_t delay = base + (spread > 0 ? (int64_t)(random % (uint64_t)(spread + 1)) : 0);
	if (delay > policy->cap_ms)
		delay = policy->cap_ms;
	if (delay < policy->floor_ms)
		delay = policy->floor_ms;
	return delay;
}

void backoff_on_ready(struct backoff_state *state, int64_t now)
{
	state->ready_at = now;
}

int backoff_deaths_in_window(const struct backoff_state *state, const struct backoff_policy *policy, int64_t now)
{
	int count = 0;
	for (int i = 0; i < state->death_count; i++)
		if (now - state->deaths[i] < policy->loop_window_ms && state->deaths[i] <= now)
			count++;
	return count;
}

static void record_death(struct backoff_state *state, int64_t now)
{
	state->deaths[state->death_next] = now;
	state->death_next = (state->death_next + 1) % BACKOFF_HISTORY_MAX;
	if (state->death_count < BACKOFF_HISTORY_MAX)
		state->death_count++;
}

bool backoff_on_death(struct backoff_state *state, const struct backoff_policy *policy, int64_t now, uint32_t random,
                      int64_t *delay_ms)
{
	if (state->ready_at > 0 && now - state->ready_at >= policy->stable_ms)
		state->consecutive = 0;
	state->ready_at = 0;
	record_death(state, now);
	state->consecutive++;
	if (backoff_deaths_in_window(state, policy, now) > policy->loop_max)
		return true;
	*delay_ms = backoff_with_jitter(policy, backoff_base_delay(policy, state->consecutive), random);
	return false;
}
