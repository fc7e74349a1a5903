/*
 * runtime/qrcode.h: QR codes of references (the image/png variants of GET /Tokens/{id},
 * GET /RelationshipTemplates/{id} and the token-creation routes): ISO/IEC 18004 model 2, byte mode,
 * error correction level M (the `qrcode` npm library's default, which the original uses), the
 * smallest version that fits (1..40), the mask with the lowest penalty; rendered as a PNG with a
 * 4-module quiet zone and 4 pixels per module (the library's toDataURL defaults), 1-bit grayscale,
 * zlib "stored" blocks (no compression library needed).
 */
#ifndef CONNECTOR_RUNTIME_QRCODE_H
#define CONNECTOR_RUNTIME_QRCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QR_MAX_SIZE 177

struct qr_code {
	int version;
	int size; /* modules per side: 17 + 4 * version */
	int mask;
	uint8_t dark[QR_MAX_SIZE][QR_MAX_SIZE]; /* [row][column], 1 = dark */
};

/* Encodes len bytes; force_mask -1 picks the best mask, 0..7 forces one. False when too long. */
bool qr_encode(const uint8_t *data, size_t len, int force_mask, struct qr_code *out);
/* PNG of the code (malloc'd, *png_len bytes). NULL on allocation failure. */
uint8_t *qr_png(const struct qr_code *qr, int scale, int margin, size_t *png_len);

#endif
