/*
 * test_multipart_fuzz.c: robustness of the multipart parser (lib/multipart.c) under deterministic
 * random input: mutations of a valid body fed in random pieces must end in a known status, with a
 * reason on every error, and must give the same result as feeding the whole body at once; pure
 * random bytes never crash or leak (run under ASan/LSan).
 */
#include <stdint.h>
#include <stdlib.h>

#include "tap.h"

#include "multipart.h"

static uint32_t seed = 20261127;

static uint32_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

struct digest {
	uint64_t hash; /* FNV-1a over every event and byte */
	int events;
};

static void mix(struct digest *d, const void *data, size_t len)
{
	const uint8_t *b = data;
	for (size_t i = 0; i < len; i++)
		d->hash = (d->hash ^ b[i]) * 1099511628211ull;
}

static int on_begin(void *arg, const struct multipart_part *part)
{
	struct digest *d = arg;
	d->events++;
	mix(d, part->name, strlen(part->name) + 1);
	if (part->filename)
		mix(d, part->filename, strlen(part->filename) + 1);
	if (part->content_type)
		mix(d, part->content_type, strlen(part->content_type) + 1);
	return 0;
}

static int on_data(void *arg, const uint8_t *data, size_t len)
{
	mix(arg, data, len);
	return 0;
}

static int on_end(void *arg)
{
	struct digest *d = arg;
	d->events++;
	mix(d, "|", 1);
	return 0;
}

static const struct multipart_callbacks CB = {on_begin, on_data, on_end};

/* Feeds body in random pieces (or whole when random is false). */
static enum multipart_status run(const uint8_t *body, size_t len, bool random, struct digest *d, bool *has_reason)
{
	memset(d, 0, sizeof(*d));
	d->hash = 1469598103934665603ull;
	struct multipart_parser *p = multipart_parser_new("bnd", &CB, d);
	enum multipart_status st = MULTIPART_OK;
	for (size_t off = 0; off < len && st == MULTIPART_OK;) {
		size_t n = random ? 1 + rnd() % 17 : len - off;
		if (n > len - off)
			n = len - off;
		st = multipart_feed(p, body + off, n);
		off += n;
	}
	if (st == MULTIPART_OK)
		st = multipart_finish(p);
	*has_reason = st == MULTIPART_OK ? multipart_error(p)[0] == '\0' : multipart_error(p)[0] != '\0';
	multipart_parser_free(p);
	return st;
}

static const char BASE[] = "--bnd\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nT\r\n"
                           "--bnd\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nx\r\n"
                           "--bnd\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".txt\"\r\n"
                           "Content-Type: text/plain\r\n\r\nhello\r\n-- bnd\r\n--bn\r\n"
                           "--bnd--\r\n";

int main(void)
{
	const char alphabet[] = "-\r\n\"\\;=: bndaxX\t";
	int consistent = 0, reasoned = 0, ok_count = 0, rounds = 3000;
	uint8_t buf[sizeof(BASE) + 64];
	for (int r = 0; r < rounds; r++) {
		size_t len = sizeof(BASE) - 1;
		memcpy(buf, BASE, len);
		int edits = 1 + (int)(rnd() % 4);
		for (int e = 0; e < edits; e++) {
			size_t at = rnd() % len;
			switch (rnd() % 3) {
			case 0:
				buf[at] = (uint8_t)alphabet[rnd() % (sizeof(alphabet) - 1)];
				break;
			case 1:
				memmove(buf + at, buf + at + 1, len - at - 1), len--;
				break;
			default:
				if (len < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at), len++;
					buf[at] = (uint8_t)alphabet[rnd() % (sizeof(alphabet) - 1)];
				}
			}
		}
		struct digest whole, pieces;
		bool reason_whole, reason_pieces;
		enum multipart_status a = run(buf, len, false, &whole, &reason_whole);
		enum multipart_status b = run(buf, len, true, &pieces, &reason_pieces);
		consistent += a == b && whole.hash == pieces.hash && whole.events == pieces.events;
		reasoned += reason_whole && reason_pieces;
		ok_count += a == MULTIPART_OK;
	}
	is_int(consistent, rounds, "mutated bodies: random pieces give the same result as one piece");
	is_int(reasoned, rounds, "every error carries a reason, every success none");
	ok(ok_count > 0 && ok_count < rounds, "the mutations produce both valid and invalid bodies (%d valid)",
	   ok_count);

	int known = 0;
	for (int r = 0; r < 2000; r++) {
		size_t len = rnd() % sizeof(buf);
		for (size_t i = 0; i < len; i++)
			buf[i] = rnd() % 4 == 0 ? (uint8_t)alphabet[rnd() % (sizeof(alphabet) - 1)] : (uint8_t)rnd();
		struct digest d;
		bool reason;
		enum multipart_status st = run(buf, len, true, &d, &reason);
		known += (st == MULTIPART_OK || st == MULTIPART_ERR_SYNTAX || st == MULTIPART_ERR_LIMIT) && reason;
	}
	is_int(known, 2000, "random bytes end in a known status with a reason");
	return tap_done();
}
