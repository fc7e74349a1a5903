/*
 * backoff.h: the restart policy of one worker, as plain arithmetic (no clocks, no processes), so that
 * it can be tested exactly.
 *
 * Rules (documented in doc/connectord.md):
 *   - the n-th consecutive failure waits  base(n) = min(cap, floor * 2^(n-1))  plus a jitter drawn
 *     uniformly from [0, base(n) / 4], the sum never above cap;
 *   - a worker that had been ready for at least stable_ms before it died starts again at n = 1;
 *   - every unrequested death is recorded; when more than loop_max deaths fall within the last
 *     loop_window_ms, the worker is in a crash loop (the supervisor marks its module failed and
 *     retries after cooldown_ms, with a fresh history).
 */
#ifndef CONNECTOR_BACKOFF_H
#define CONNECTOR_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

#define BACKOFF_HISTORY_MAX 64

struct backoff_policy {
	int64_t floor_ms;
	int64_t cap_ms;
	int64_t stable_ms;
	int loop_max;
	int64_t loop_window_ms;
	int64_t cooldown_ms;
};

struct backoff_state {
	int consecutive;                     /* failures since the last stable period */
	int64_t ready_at;                    /* monotonic ms of the last READY, 0 when not ready */
	int64_t deaths[BACKOFF_HISTORY_MAX]; /* ring of monotonic death times */
	int death_count;                     /* entries used in deaths[] */
	int death_next;                      /* next slot to write */
};

/* Defaults of lib/config.h: 100 ms floor, 30 s cap, 10 s stable, 5 in 30 s, 60 s cool-down. */
void backoff_policy_defaults(struct backoff_policy *policy);
void backoff_reset(struct backoff_state *state);

/* Delay before the n-th consecutive restart (n >= 1) without jitter. */
int64_t backoff_base_delay(const struct backoff_policy *policy, int n);
/* base plus a jitter taken from random (any 32-bit value), never above cap nor below floor. */
int64_t backoff_with_jitter(const struct backoff_policy *policy, int64_t base, uint32_t random);

/* The worker became ready at now. */
void backoff_on_ready(struct backoff_state *state, int64_t now);

/*
 * The worker died unrequested at now. Applies the stable-period reset, records the death, counts the
 * deaths within the window. Returns true for a crash loop; otherwise *delay_ms gets the restart delay.
 */
bool backoff_on_death(struct backoff_state *state, const struct backoff_policy *policy, int64_t now, uint32_t random,
                      int64_t *delay_ms);

/* Deaths recorded within (now - loop_window_ms, now]. */
int backoff_deaths_in_window(const struct backoff_state *state, const struct backoff_policy *policy, int64_t now);

#endif
