/*
 * runtime/qrcode.c: QR code encoding (byte mode, level M) and PNG rendering (qrcode.h). Layout and
 * error correction follow ISO/IEC 18004: function patterns, Reed-Solomon over GF(256) with the
 * polynomial 0x11D, block interleaving, zigzag placement, eight masks scored by the four penalty
 * rules, BCH-coded format and version information.
 */
#include "runtime/qrcode.h"

#include <stdlib.h>
#include <string.h>

/* Level M per version (index 0 unused): EC codewords per block and number of blocks. */
static const int8_t ecc_per_block[41] = {-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22,
                                         24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28,
                                         28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28};
static const int8_t num_blocks[41] = {-1, 1,  1,  1,  2,  2,  4,  4,  4,  5,  5,  5,  8,  9,
                                      9,  10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25,
                                      26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49};

struct grid {
	int size;
	uint8_t dark[QR_MAX_SIZE][QR_MAX_SIZE];
	uint8_t function[QR_MAX_SIZE][QR_MAX_SIZE];
};

static void set_function(struct grid *g, int x, int y, bool dark)
{
	g->dark[y][x] = dark;
	g->function[y][x] = 1;
}

static int raw_data_modules(int ver)
{
	int result = (16 * ver + 128) * ver + 64;
	if (ver >= 2) {
		int align = ver / 7 + 2;
		result -= (25 * align - 10) * align - 55;
		if (ver >= 7)
			result -= 36;
	}
	return result;
}

static int data_codewords(int ver)
{
	return raw_data_modules(ver) / 8 - ecc_per_block[ver] * num_blocks[ver];
}

static int alignment_positions(int ver, int size, int out[7])
{
	if (ver == 1)
		return 0;
	int count = ver / 7 + 2;
	int step = ver == 32 ? 26 : (ver * 4 + count * 2 + 1) / (count * 2 - 2) * 2;
	out[0] = 6;
	for (int i = count - 1, pos = size - 7; i >= 1; i--, pos -= step)
		out[i] = pos;
	return count;
}

static void draw_finder(struct grid *g, int cx, int cy)
{
	for (int dy = -4; dy <= 4; dy++)
		for (int dx = -4; dx <= 4; dx++) {
			int dist = abs(dx) > abs(dy) ? abs(dx) : abs(dy), x = cx + dx, y = cy + dy;
			if (x >= 0 && x < g->size && y >= 0 && y < g->size)
				set_function(g, x, y, dist != 2 && dist != 4);
		}
}

static void draw_format(struct grid *g, int mask)
{
	int data = (0 << 3) | mask; /* level M = 0b00 */
	int rem = data;
	for (int i = 0; i < 10; i++)
		rem = (rem << 1) ^ ((rem >> 9) * 0x537);
	int bits = ((data << 10) | rem) ^ 0x5412, n = g->size;
	for (int i = 0; i <= 5; i++)
		set_function(g, 8, i, (bits >> i) & 1);
	set_function(g, 8, 7, (bits >> 6) & 1);
	set_function(g, 8, 8, (bits >> 7) & 1);
	set_function(g, 7, 8, (bits >> 8) & 1);
	for (int i = 9; i < 15; i++)
		set_function(g, 14 - i, 8, (bits >> i) & 1);
	for (int i = 0; i < 8; i++)
		set_function(g, n - 1 - i, 8, (bits >> i) & 1);
	for (int i = 8; i < 15; i++)
		set_function(g, 8, n - 15 + i, (bits >> i) & 1);
	set_function(g, 8, n - 8, true);
}

static void draw_version(struct grid *g, int ver)
{
	if (ver < 7)
		return;
	int rem = ver;
	for (int i = 0; i < 12; i++)
		rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
	long bits = ((long)ver << 12) | rem;
	for (int i = 0; i < 18; i++) {
		bool bit = (bits >> i) & 1;
		int a = g->size - 11 + i % 3, b = i / 3;
		set_function(g, a, b, bit);
		set_function(g, b, a, bit);
	}
}

static void draw_function_patterns(struct grid *g, int ver)
{
	int n = g->size, pos[7];
	for (int i = 0; i < n; i++) {
		set_function(g, 6, i, i % 2 == 0);
		set_function(g, i, 6, i % 2 == 0);
	}
	draw_finder(g, 3, 3);
	draw_finder(g, n - 4, 3);
	draw_finder(g, 3, n - 4);
	int count = alignment_positions(ver, n, pos);
	for (int i = 0; i < count; i++)
		for (int j = 0; j < count; j++) {
			if ((i == 0 && j == 0) || (i == 0 && j == count - 1) || (i == count - 1 && j == 0))
				continue;
			for (int dy = -2; dy <= 2; dy++)
				for (int dx = -2; dx <= 2; dx++)
					set_function(g, pos[i] + dx, pos[j] + dy,
					             (abs(dx) > abs(dy) ? abs(dx) : abs(dy)) != 1);
		}
	draw_format(g, 0);
	draw_version(g, ver);
}

static uint8_t gf_mul(uint8_t x, uint8_t y)
{
	int z = 0;
	for (int i = 7; i >= 0; i--) {
		z = (z << 1) ^ ((z >> 7) * 0x11D);
		z ^= ((y >> i) & 1) * x;
	}
	return (uint8_t)z;
}

static void rs_divisor(int degree, uint8_t *out)
{
	memset(out, 0, (size_t)degree);
	out[degree - 1] = 1;
	uint8_t root = 1;
	for (int i = 0; i < degree; i++) {
		for (int j = 0; j < degree; j++) {
			out[j] = gf_mul(out[j], root);
			if (j + 1 < degree)
				out[j] ^= out[j + 1];
		}
		root = gf_mul(root, 0x02);
	}
}

static void rs_remainder(const uint8_t *data, int len, const uint8_t *divisor, int degree, uint8_t *out)
{
	memset(out, 0, (size_t)degree);
	for (int i = 0; i < len; i++) {
		uint8_t factor = data[i] ^ out[0];
		memmove(out, out + 1, (size_t)degree - 1);
		out[degree - 1] = 0;
		for (int j = 0; j < degree; j++)
			out[j] ^= gf_mul(divisor[j], factor);
	}
}

/* Data codewords (mode, count, bytes, terminator, padding) of version ver. */
static void data_bits(const uint8_t *data, size_t len, int ver, uint8_t *out, int capacity)
{
	int bit = 0, count_bits = ver <= 9 ? 8 : 16;
	memset(out, 0, (size_t)capacity);
#define PUT(value, nbits)                              \
	for (int k_ = (nbits)-1; k_ >= 0; k_--, bit++) \
		if (((value) >> k_) & 1)               \
			out[bit >> 3] |= (uint8_t)(0x80 >> (bit & 7));
	PUT(4, 4);
	PUT((long)len, count_bits);
	for (size_t i = 0; i < len; i++)
		PUT(data[i], 8);
	int terminator = capacity * 8 - bit < 4 ? capacity * 8 - bit : 4;
	bit += terminator;
	bit = (bit + 7) / 8 * 8;
#undef PUT
	for (int i = bit / 8, pad = 0xEC; i < capacity; i++, pad ^= 0xEC ^ 0x11)
		out[i] = (uint8_t)pad;
}

/* Splits into blocks, adds EC, interleaves: out gets raw_data_modules/8 codewords. */
static void add_ecc_interleave(const uint8_t *data, int ver, uint8_t *out)
{
	int blocks = num_blocks[ver], ecc_len = ecc_per_block[ver], raw = raw_data_modules(ver) / 8;
	int short_count = blocks - raw % blocks, short_len = raw / blocks;
	uint8_t divisor[30];
	static uint8_t table[64][160];
	rs_divisor(ecc_len, divisor);
	int k = 0;
	for (int i = 0; i < blocks; i++) {
		int dlen = short_len - ecc_len + (i < short_count ? 0 : 1);
		memcpy(table[i], data + k, (size_t)dlen);
		int at = short_len - ecc_len + 1; /* short blocks keep a dummy byte before their EC */
		if (i < short_count)
			table[i][dlen] = 0;
		rs_remainder(data + k, dlen, divisor, ecc_len, table[i] + at);
		k += dlen;
	}
	int n = 0;
	for (int i = 0; i < short_len + 1; i++)
		for (int j = 0; j < blocks; j++)
			if (i != short_len - ecc_len || j >= short_count)
				out[n++] = table[j][i];
}

static void draw_codewords(struct grid *g, const uint8_t *codewords, int count)
{
	int i = 0, n = g->size;
	for (int right = n - 1; right >= 1; right -= 2) {
		if (right == 6)
			right = 5;
		for (int vert = 0; vert < n; vert++)
			for (int j = 0; j < 2; j++) {
				int x = right - j;
				bool upward = ((right + 1) & 2) == 0;
				int y = upward ? n - 1 - vert : vert;
				if (!g->function[y][x] && i < count * 8) {
					g->dark[y][x] = (codewords[i >> 3] >> (7 - (i & 7))) & 1;
					i++;
				}
			}
	}
}

static bool mask_bit(int mask, int x, int y)
{
	switch (mask) {
	case 0:
		return (x + y) % 2 == 0;
	case 1:
		return y % 2 == 0;
	case 2:
		return x % 3 == 0;
	case 3:
		return (x + y) % 3 == 0;
	case 4:
		return (x / 3 + y / 2) % 2 == 0;
	case 5:
		return x * y % 2 + x * y % 3 == 0;
	case 6:
		return (x * y % 2 + x * y % 3) % 2 == 0;
	default:
		return ((x + y) % 2 + x * y % 3) % 2 == 0;
	}
}

static void apply_mask(struct grid *g, int mask)
{
	for (int y = 0; y < g->size; y++)
		for (int x = 0; x < g->size; x++)
			if (!g->function[y][x] && mask_bit(mask, x, y))
				g->dark[y][x] ^= 1;
}

/* Rule 1 (runs of 5+), rule 3 (1:1:3:1:1 with 4 light) along one line. */
static long line_penalty(const struct grid *g, int index, bool row)
{
	long p = 0;
	int n = g->size, run = 0;
	uint8_t prev = 2;
	for (int i = 0; i < n; i++) {
		uint8_t m = row ? g->dark[index][i] : g->dark[i][index];
		run = m == prev ? run + 1 : 1;
		prev = m;
		if (run == 5)
			p += 3;
		else if (run > 5)
			p++;
	}
	static const uint8_t pat[11] = {1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0};
	for (int i = 0; i + 11 <= n; i++) {
		bool fwd = true, back = true;
		for (int k = 0; k < 11; k++) {
			uint8_t m = row ? g->dark[index][i + k] : g->dark[i + k][index];
			fwd = fwd && m == pat[k];
			back = back && m == pat[10 - k];
		}
		p += (fwd ? 40 : 0) + (back ? 40 : 0);
	}
	return p;
}

static long penalty(const struct grid *g)
{
	long p = 0, dark = 0;
	int n = g->size;
	for (int i = 0; i < n; i++)
		p += line_penalty(g, i, true) + line_penalty(g, i, false);
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++) {
			dark += g->dark[y][x];
			if (x + 1 < n && y + 1 < n && g->dark[y][x] == g->dark[y][x + 1] &&
			    g->dark[y][x] == g->dark[y + 1][x] && g->dark[y][x] == g->dark[y + 1][x + 1])
				p += 3;
		}
	long total = (long)n * n;
	long k = labs((dark * 20 + total - 1) / total - 10); /* |ceil(dark% / 5) - 10| */
	return p + k * 10;
}

bool qr_encode(const uint8_t *data, size_t len, int force_mask, struct qr_code *out)
{
	int ver = 1;
	while (ver <= 40 && 4 + (ver <= 9 ? 8 : 16) + (long)len * 8 > (long)data_codewords(ver) * 8)
		ver++;
	if (ver > 40)
		return false;
	static struct grid g;
	static uint8_t dat[3706], all[3706];
	memset(&g, 0, sizeof(g));
	g.size = 17 + 4 * ver;
	draw_function_patterns(&g, ver);
	data_bits(data, len, ver, dat, data_codewords(ver));
	add_ecc_interleave(dat, ver, all);
	draw_codewords(&g, all, raw_data_modules(ver) / 8);
	int best = force_mask;
	if (best < 0) {
		long best_penalty = -1;
		for (int m = 0; m < 8; m++) {
			apply_mask(&g, m);
			draw_format(&g, m);
			long p = penalty(&g);
			if (best_penalty < 0 || p < best_penalty) {
				best = m;
				best_penalty = p;
			}
			apply_mask(&g, m);
		}
	}
	apply_mask(&g, best);
	draw_format(&g, best);
	out->version = ver;
	out->size = g.size;
	out->mask = best;
	memcpy(out->dark, g.dark, sizeof(out->dark));
	return true;
}

/* ---- PNG ---- */

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Appends a chunk (length, type, data, CRC) at *pos. */
static void chunk(uint8_t *png, size_t *pos, const char *type, const uint8_t *data, size_t len)
{
	put32(png + *pos, (uint32_t)len);
	memcpy(png + *pos + 4, type, 4);
	if (len)
		memcpy(png + *pos + 8, data, len);
	put32(png + *pos + 8 + len, crc_update(0, png + *pos + 4, len + 4));
	*pos += 12 + len;
}

/* zlib stream of raw with stored blocks; returns its length. */
static size_t zlib_stored(const uint8_t *raw, size_t n, uint8_t *out)
{
	size_t o = 0;
	uint32_t a = 1, b = 0;
	out[o++] = 0x78;
	out[o++] = 0x01;
	for (size_t done = 0; done < n || n == 0;) {
		size_t block = n - done > 65535 ? 65535 : n - done;
		out[o++] = done + block == n ? 1 : 0;
		out[o++] = (uint8_t)block;
		out[o++] = (uint8_t)(block >> 8);
		out[o++] = (uint8_t)~block;
		out[o++] = (uint8_t)(~block >> 8);
		memcpy(out + o, raw + done, block);
		o += block;
		done += block;
		if (n == 0)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		a = (a + raw[i]) % 65521;
		b = (b + a) % 65521;
	}
	put32(out + o, (b << 16) | a);
	return o + 4;
}

uint8_t *qr_png(const struct qr_code *qr, int scale, int margin, size_t *png_len)
{
	int px = (qr->size + 2 * margin) * scale, stride = (px + 7) / 8 + 1;
	size_t raw_len = (size_t)stride * (size_t)px;
	uint8_t *raw = calloc(raw_len, 1), *z = malloc(raw_len + raw_len / 65535 * 5 + 16);
	uint8_t *png = malloc(raw_len + raw_len / 65535 * 5 + 128);
	if (!raw || !z || !png) {
		free(raw);
		free(z);
		free(png);
		return NULL;
	}
	for (int y = 0; y < px; y++) {
		uint8_t *row = raw + (size_t)y * (size_t)stride + 1; /* filter byte 0 */
		for (int x = 0; x < px; x++) {
			int mx = x / scale - margin, my = y / scale - margin;
			bool dark = mx >= 0 && my >= 0 && mx < qr->size && my < qr->size && qr->dark[my][mx];
			if (!dark)
				row[x / 8] |= (uint8_t)(0x80 >> (x % 8)); /* 1 = white */
		}
	}
	static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	uint8_t ihdr[13] = {0};
	size_t pos = 8;
	memcpy(png, signature, 8);
	put32(ihdr, (uint32_t)px);
	put32(ihdr + 4, (uint32_t)px);
	ihdr[8] = 1; /* bit depth */
	ihdr[9] = 0; /* grayscale */
	chunk(png, &pos, "IHDR", ihdr, sizeof(ihdr));
	size_t zlen = zlib_stored(raw, raw_len, z);
	chunk(png, &pos, "IDAT", z, zlen);
	chunk(png, &pos, "IEND", NULL, 0);
	free(raw);
	free(z);
	*png_len = pos;
	return png;
}
