/*
 * runtime/files_backbone.h: the Backbone's non-JSON file calls (multipart upload streamed from a
 * file descriptor, raw download to a file descriptor). Results and errors are reported in a
 * struct backbone_response exactly as backbone_call reports them.
 */
#ifndef CONNECTOR_RUNTIME_FILES_BACKBONE_H
#define CONNECTOR_RUNTIME_FILES_BACKBONE_H

#include <stdint.h>

#include "backbone/client.h"

struct fb_upload_fields {
	int blob_fd; /* the CryptoCipher JSON blob, read from offset 0 */
	uint64_t blob_size;
	const char *cipher_hash;          /* b64url SHA-512 of the blob */
	const char *owner;                /* own address */
	const char *owner_signature;      /* CryptoSignature.toBase64() */
	const char *expires_at;           /* ISO */
	const char *encrypted_properties; /* CryptoCipher.toBase64() of FileMetadata */
};

/* POST /api/v2/Files; r->result: the Backbone's FileDTO. */
enum backbone_status fb_upload(struct backbone_client *client, const struct fb_upload_fields *fields,
                               struct backbone_response *r);
/* GET /api/v2/Files/{id}: the blob into fd (truncated first). */
enum backbone_status fb_download(struct backbone_client *client, const char *id, int fd, struct backbone_response *r);

#endif
