/*
 * runtime/files.h: files of the account (Files routes, message attachments).
 *
 * Upload: the plaintext is streamed through the file cipher (files_crypto.h) into an unlinked
 * temporary blob file while it arrives (struct rt_file_blob), then the blob is streamed to the
 * Backbone; the plaintext is never held whole. Download: the blob is fetched into a temporary file,
 * checked against the stored cipherHash, authenticated, decrypted into the caller's descriptor and
 * its plaintextHash checked; the caller serves that descriptor (sendfile), never a heap copy.
 *
 * Invariants: a row is written only after the Backbone accepted the file (own) or its metadata
 * decrypted (peer); dto is the FileDTO {id, isOwn, filename, tags?, filesize, createdAt, createdBy,
 * createdByDevice, expiresAt, mimetype, title?, description?, reference:{truncated,url}, owner,
 * ownershipToken?, ownershipIsLocked?}; keys are never in dto.
 */
#ifndef CONNECTOR_RUNTIME_FILES_H
#define CONNECTOR_RUNTIME_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "http_query.h"
#include "runtime/files_crypto.h"
#include "runtime/runtime.h"

/* Default of transportLibrary.platformMaxUnencryptedFileSize. */
#define RT_FILE_MAX_DEFAULT (10u * 1024u * 1024u)

struct rt_file_blob {
	int fd; /* unlinked temporary file holding the blob */
	struct ecrypto_secret_key file_key;
	struct fc_encryptor enc;
	struct fc_result result; /* after rt_file_blob_end */
	uint64_t blob_size;
	bool write_failed;
};

/* A new blob in dir (NULL: $TMPDIR or /tmp). */
bool rt_file_blob_begin(struct rt_file_blob *b, const char *dir, struct runtime_error *err);
bool rt_file_blob_write(struct rt_file_blob *b, const void *data, size_t len, struct runtime_error *err);
bool rt_file_blob_end(struct rt_file_blob *b, struct runtime_error *err);
void rt_file_blob_free(struct rt_file_blob *b);

struct rt_file_new {
	const char *filename, *mimetype, *title, *description, *expires_at; /* title, description may be NULL */
	json_object *tags;                                                  /* array of strings or NULL */
};

/* Uploads the finished blob with its metadata; stores the own file. */
bool rt_file_upload_own(struct runtime *rt, struct rt_file_blob *b, const struct rt_file_new *meta, json_object **dto,
                        struct runtime_error *err);
/* Loads a peer file by a truncated file reference, a file reference URL, or a token reference whose
 * content is TokenContentFile (password for password-protected tokens). */
bool rt_file_load_peer(struct runtime *rt, const char *reference, const char *password, json_object **dto,
                       struct runtime_error *err);
/* A FileReference JSON object {backboneBaseUrl?, id, key}: stores the peer file unless known. */
bool rt_file_load_from_ref(struct runtime *rt, json_object *ref, struct runtime_error *err);
/* The FileReference JSON of a stored file (owned). */
bool rt_file_reference_json(struct runtime *rt, const char *id, json_object **ref, struct runtime_error *err);

/* TokenContentFile {fileId, secretKey} of a stored file (owned), and its expiresAt (borrowed from dto). */
bool rt_file_token_content(struct runtime *rt, const char *id, json_object **content, json_object **dto,
                           struct runtime_error *err);

/* Own file: deleted at the Backbone first; then the local row (own or peer). */
bool rt_file_delete(struct runtime *rt, const char *id, struct runtime_error *err);
/* Own file only: a new ownership token from the Backbone (unlocks the file); *dto the new File. */
bool rt_file_regenerate_ownership_token(struct runtime *rt, const char *id, json_object **dto,
                                        struct runtime_error *err);
/* Sync (open transaction): FileOwnershipLocked / FileOwnershipClaimed of an own file; emits
 * transport.fileOwnershipLocked / transport.fileOwnershipClaimed with the File. *skipped: unknown file. */
bool rt_file_ownership_event(struct runtime *rt, const char *id, const char *new_owner, bool *skipped,
                             struct runtime_error *err);

bool rt_file_get(struct runtime *rt, const char *id, json_object **dto, struct runtime_error *err);
/* own: 1 own, 0 peer, -1 all. */
bool rt_files_list(struct runtime *rt, int own, const struct http_query *query, json_object **list,
                   struct runtime_error *err);
/* Decrypted content of id into out_fd (from offset 0); *dto gets the FileDTO (filename, mimetype). */
bool rt_file_download(struct runtime *rt, const char *id, int out_fd, json_object **dto, struct runtime_error *err);

#endif
