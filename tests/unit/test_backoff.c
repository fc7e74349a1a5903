/* test_backoff.c: restart delay arithmetic and crash-loop counting (supervisor/backoff.c). */
#include "backoff.h"
#include "tap.h"

static struct backoff_policy policy(void)
{
	struct backoff_policy p;
	backoff_policy_defaults(&p);
	return p;
}

static void test_base_delays(void)
{
	struct backoff_policy p = policy();
	is_int(backoff_base_delay(&p, 1), 100, "first restart waits the floor");
	is_int(backoff_base_delay(&p, 2), 200, "second doubles");
	is_int(backoff_base_delay(&p, 3), 400, "third doubles again");
	is_int(backoff_base_delay(&p, 9), 25600, "ninth is floor * 2^8");
	is_int(backoff_base_delay(&p, 10), 30000, "tenth is capped");
	is_int(backoff_base_delay(&p, 1000), 30000, "very many stay at the cap (no overflow)");
	p.floor_ms = 700;
	p.cap_ms = 500;
	is_int(backoff_base_delay(&p, 3), 700, "a cap below the floor yields the floor");
}

static void test_jitter_bounds(void)
{
	struct backoff_policy p = policy();
	int64_t low = 1 << 30, high = 0;
	for (uint32_t r = 0; r < 2000; r++) {
		int64_t d = backoff_with_jitter(&p, 400, r * 2654435761u);
		low = d < low ? d : low;
		high = d > high ? d : high;
	}
	is_int(low, 400, "jitter never shortens the delay");
	is_int(high, 500, "jitter adds at most a quarter");
	is_int(backoff_with_jitter(&p, 400, 0), 400, "random 0 gives the base");
	is_int(backoff_with_jitter(&p, 400, 100), 500, "random at the spread gives base + base/4");
	is_int(backoff_with_jitter(&p, 30000, 0xffffffffu), 30000, "jitter never exceeds the cap");
	is_int(backoff_with_jitter(&p, 3, 7), 100, "never below the floor");
}

static void test_consecutive_and_reset(void)
{
	struct backoff_policy p = policy();
	p.loop_max = 100;
	struct backoff_state s;
	backoff_reset(&s);
	int64_t delay = 0, now = 1000;
	ok(!backoff_on_death(&s, &p, now, 0, &delay), "first death is no crash loop");
	is_int(delay, 100, "first death: floor");
	backoff_on_ready(&s, now += 100);
	ok(!backoff_on_death(&s, &p, now += 500, 0, &delay), "second death");
	is_int(delay, 200, "ready only 500 ms: delay doubles");
	backoff_on_ready(&s, now += 200);
	ok(!backoff_on_death(&s, &p, now += 9999, 0, &delay), "third death");
	is_int(delay, 400, "9999 ms ready is below the stable period: doubles again");
	backoff_on_ready(&s, now += 400);
	ok(!backoff_on_death(&s, &p, now += 10000, 0, &delay), "death after a stable period");
	is_int(delay, 100, "stable period reached: back to the floor");
	ok(!backoff_on_death(&s, &p, now += 10, 0, &delay), "death without READY in between");
	is_int(delay, 200, "a death that never got ready does not reset");
}

static void test_crash_loop_window(void)
{
	struct backoff_policy p = policy(); /* 5 in 30 s */
	struct backoff_state s;
	backoff_reset(&s);
	int64_t delay = 0, now = 50000;
	int loops = 0;
	for (int i = 0; i < 5; i++)
		loops += backoff_on_death(&s, &p, now += 1000, 0, &delay);
	is_int(loops, 0, "five deaths within the window are tolerated");
	is_int(backoff_deaths_in_window(&s, &p, now), 5, "five deaths counted");
	ok(backoff_on_death(&s, &p, now += 1000, 0, &delay), "the sixth within 30 s is a crash loop");

	backoff_reset(&s);
	now = 100000;
	for (int i = 0; i < 5; i++)
		backoff_on_death(&s, &p, now += 7000, 0, &delay);
	is_int(backoff_deaths_in_window(&s, &p, now), 5, "five deaths 7 s apart all within 30 s");
	ok(!backoff_on_death(&s, &p, now += 7000, 0, &delay), "the oldest left the window: no crash loop");
	is_int(backoff_deaths_in_window(&s, &p, now), 5, "window slides: still five inside");
	is_int(backoff_deaths_in_window(&s, &p, now + 30000), 0, "all expire after the window");

	backoff_reset(&s);
	now = 0;
	for (int i = 0; i < BACKOFF_HISTORY_MAX + 10; i++)
		backoff_on_death(&s, &p, now += 100000, 0, &delay);
	is_int(s.death_count, BACKOFF_HISTORY_MAX, "history ring is bounded");
	is_int(backoff_deaths_in_window(&s, &p, now), 1, "only the latest is inside the window");
}

int main(void)
{
	test_base_delays();
	test_jitter_bounds();
	test_consecutive_and_reset();
	test_crash_loop_window();
	return tap_done();
}
