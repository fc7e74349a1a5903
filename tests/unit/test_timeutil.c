/* test_timeutil.c: ISO 8601 formatting and parsing. */
#include "tap.h"
#include "timeutil.h"

int main(void)
{
	char buf[40];
	is_str(time_iso_from_ms(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000Z", "epoch formats");
	is_str(time_iso_from_ms(1795744257123LL, buf, sizeof(buf)), "2026-11-27T01:50:57.123Z", "date formats");
	int64_t ms = 0;
	ok(time_parse_iso("2026-11-27T01:50:57.123Z", &ms) && ms == 1795744257123LL, "parses Z form");
	ok(time_parse_iso("2026-11-27T02:50:57.123+01:00", &ms) && ms == 1795744257123LL, "parses offset");
	ok(time_parse_iso("2026-11-27T01:50:57Z", &ms) && ms == 1795744257000LL, "parses without fraction");
	ok(!time_parse_iso("2026-13-27T01:50:57Z", &ms), "rejects month 13");
	ok(!time_parse_iso("2026-11-27", &ms), "rejects date only");
	ok(!time_parse_iso("2026-11-27T01:50:57.Z", &ms), "rejects empty fraction");
	ok(!time_parse_iso("2026-11-27T01:50:57Zjunk", &ms), "rejects trailing junk");
	ok(!time_parse_iso("", &ms), "rejects empty");
	return tap_done();
}
