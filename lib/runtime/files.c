/*
 * runtime/files.c: own uploads, peer loads, storage, lists and downloads of files (files.h). The
 * content cipher is files_crypto.c, the non-JSON Backbone calls files_backbone.c; metadata is the
 * FileMetadata record of crypto-protocol.md §2.8, encrypted with the key the FileReference carries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "base64.h"
#include "runtime/files.h"
#include "runtime/files_backbone.h"
#include "runtime/messages_crypto.h"
#include "runtime/store.h"
#include "runtime/tokens.h"

#define FILE_NOT_FOUND "File not found. Make sure the ID exists and the record is not expired."

static const struct filter_field file_fields[] = {
        {"createdAt", FILTER_PLAIN},
        {"createdBy", FILTER_PLAIN},
        {"createdByDevice", FILTER_PLAIN},
        {"description", FILTER_PLAIN},
        {"expiresAt", FILTER_PLAIN},
        {"filename", FILTER_PLAIN},
        {"filesize", FILTER_PLAIN},
        {"mimetype", FILTER_PLAIN},
        {"title", FILTER_PLAIN},
        {"isOwn", FILTER_PLAIN},
        {"tags", FILTER_CONTAINS_ANY},
        {"ownershipToken", FILTER_PLAIN},
        {"ownershipIsLocked", FILTER_PLAIN},
        {NULL, 0},
};

/* ---- the blob being written ---- */

static int temp_file(const char *dir)
{
	if (!dir)
		dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	char path[4096];
	snprintf(path, sizeof(path), "%s/connector-file.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static bool write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

static bool blob_sink(void *arg, const void *data, size_t len)
{
	struct rt_file_blob *b = arg;
	if (!write_all(b->fd, data, len))
		return b->write_failed = true, false;
	b->blob_size += len;
	return true;
}

bool rt_file_blob_begin(struct rt_file_blob *b, const char *dir, struct runtime_error *err)
{
	memset(b, 0, sizeof(*b));
	b->fd = temp_file(dir);
	if (b->fd < 0)
		return rt_fail(err, RT_ERR_UNEXPECTED, "cannot create a temporary file: %s", strerror(errno));
	ecrypto_secret_key_generate(&b->file_key);
	if (!fc_encryptor_init(&b->enc, &b->file_key, NULL, blob_sink, b)) {
		close(b->fd);
		b->fd = -1;
		return rt_fail(err, RT_ERR_UNEXPECTED, "out of memory");
	}
	return true;
}

bool rt_file_blob_write(struct rt_file_blob *b, const void *data, size_t len, struct runtime_error *err)
{
	if (!fc_encryptor_update(&b->enc, data, len))
		return rt_fail(err, RT_ERR_UNEXPECTED, "writing the temporary file failed: %s", strerror(errno));
	return true;
}

bool rt_file_blob_end(struct rt_file_blob *b, struct runtime_error *err)
{
	if (!fc_encryptor_finish(&b->enc, &b->result))
		return rt_fail(err, RT_ERR_UNEXPECTED, "writing the temporary file failed: %s", strerror(errno));
	return true;
}

void rt_file_blob_free(struct rt_file_blob *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	fc_encryptor_free(&b->enc);
	ecrypto_secret_key_wipe(&b->file_key);
}

/* ---- metadata and DTOs ---- */

static void add_str(json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

/* FileMetadata JSON text (sorted as ts-serval writes it); secret (ecrypto_free_text). */
static char *metadata_text(const struct rt_file_new *m, const struct rt_file_blob *b)
{
	json_object *o = json_object_new_object();
	char *key = ecrypto_secret_key_to_json(&b->file_key, false);
	json_object_object_add(o, "@type", json_object_new_string("FileMetadata"));
	add_str(o, "description", m->description);
	add_str(o, "filename", m->filename);
	json_object_object_add(o, "filesize", json_object_new_int64((int64_t)b->result.size));
	add_str(o, "mimetype", m->mimetype);
	add_str(o, "plaintextHash", b->result.plaintext_hash_b64);
	json_object_object_add(o, "secretKey", json_tokener_parse(key));
	if (m->tags)
		json_object_object_add(o, "tags", json_object_get(m->tags));
	add_str(o, "title", m->title);
	json_object *sorted = msg_sorted_copy(o);
	char *text = strdup(rt_json_text(sorted));
	json_object_put(sorted);
	json_object_put(o);
	ecrypto_free_text(key);
	return text;
}

static void copy_field(json_object *to, json_object *from, const char *key)
{
	json_object *v = NULL;
	if (json_object_object_get_ex(from, key, &v) && v)
		json_object_object_add(to, key, json_object_get(v));
}

/* FileDTO from the Backbone's file record (bb) and the decrypted metadata (meta). */
static json_object *file_dto(const char *id, bool own, json_object *bb, json_object *meta, json_object *reference)
{
	json_object *dto = json_object_new_object();
	add_str(dto, "id", id);
	json_object_object_add(dto, "isOwn", json_object_new_boolean(own));
	copy_field(dto, meta, "filename");
	copy_field(dto, meta, "tags");
	copy_field(dto, meta, "filesize");
	copy_field(dto, bb, "createdAt");
	copy_field(dto, bb, "createdBy");
	copy_field(dto, bb, "createdByDevice");
	copy_field(dto, bb, "expiresAt");
	copy_field(dto, meta, "mimetype");
	copy_field(dto, meta, "title");
	copy_field(dto, meta, "description");
	json_object_object_add(dto, "reference", reference);
	copy_field(dto, bb, "owner");
	if (own) {
		copy_field(dto, bb, "ownershipToken");
		json_object *locked = NULL;
		json_object_object_add(
		        dto, "ownershipIsLocked",
		        json_object_new_boolean(json_object_object_get_ex(bb, "ownershipIsLocked", &locked) &&
		                                json_object_get_boolean(locked)));
	}
	return dto;
}

static bool store_file(struct runtime *rt, json_object *dto, bool own, const struct ecrypto_secret_key *metadata_key,
                       const char *file_key_json, const char *cipher_hash, const char *plaintext_hash,
                       struct runtime_error *err)
{
	char *mk = ecrypto_secret_key_to_json(metadata_key, true);
	const char *params[] = {rt_json_str(dto, "id"), own ? "t" : "f",  mk, file_key_json, cipher_hash,
	                        plaintext_hash,         rt_json_text(dto)};
	bool fine =
	        mk && db_command(rt->db,
	                         "INSERT INTO files (id, is_own, metadata_key, file_key, cipher_hash, plaintext_hash, "
	                         "dto) VALUES ($1, $2::boolean, $3, $4, $5, $6, $7::jsonb) ON CONFLICT (id) DO NOTHING",
	                         7, params);
	ecrypto_free_text(mk);
	return fine ? true : rt_fail_db(err, rt, "storing the file");
}

/* {truncated, url} of id with key at base_url (NULL: this Backbone). */
static json_object *reference_dto(struct runtime *rt, const char *id, const struct ecrypto_secret_key *key,
                                  struct runtime_error *err)
{
	struct ecrypto_reference ref;
	if (!rt_own_reference(rt, id, key, NULL, NULL, &ref, err))
		return NULL;
	json_object *dto = rt_reference_dto(&ref, err);
	ecrypto_reference_free(&ref);
	return dto;
}

/* ---- own upload ---- */

static bool owner_signature(struct runtime *rt, const struct rt_file_blob *b, char **out, struct runtime_error *err)
{
	struct ecrypto_sig_keypair device;
	struct ecrypto_signature sig;
	struct ecrypto_why why = {{0}};
	if (!rt_device_keypair(rt, &device, err))
		return false;
	enum ecrypto_err e = ecrypto_sign(&device.prv, b->result.plaintext_hash, sizeof(b->result.plaintext_hash),
	                                  ECRYPTO_HASH_SHA512, &sig, &why);
	ecrypto_sig_keypair_wipe(&device);
	if (e != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "ownerSignature", &why);
	*out = ecrypto_signature_to_base64(&sig);
	return *out != NULL;
}

static bool encrypted_properties(const struct rt_file_new *m, const struct rt_file_blob *b,
                                 const struct ecrypto_secret_key *mk, char **out, struct runtime_error *err)
{
	char *text = metadata_text(m, b);
	struct ecrypto_cipher c;
	struct ecrypto_why why = {{0}};
	enum ecrypto_err e = text ? ecrypto_encrypt(mk, text, strlen(text), NULL, &c, &why) : ECRYPTO_ERR_NOMEM;
	ecrypto_free_text(text);
	if (e != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "encryptedProperties", &why);
	*out = ecrypto_cipher_to_base64(&c);
	ecrypto_cipher_free(&c);
	return *out != NULL;
}

static json_object *own_meta(const struct rt_file_new *m, const struct rt_file_blob *b)
{
	json_object *meta = json_object_new_object();
	add_str(meta, "filename", m->filename);
	if (m->tags)
		json_object_object_add(meta, "tags", json_object_get(m->tags));
	json_object_object_add(meta, "filesize", json_object_new_int64((int64_t)b->result.size));
	add_str(meta, "mimetype", m->mimetype);
	add_str(meta, "title", m->title);
	add_str(meta, "description", m->description);
	return meta;
}

static bool store_own(struct runtime *rt, struct rt_file_blob *b, const struct rt_file_new *m,
                      const struct ecrypto_secret_key *mk, json_object *bb, json_object **dto,
                      struct runtime_error *err)
{
	const char *id = rt_json_str(bb, "id");
	json_object *reference = id ? reference_dto(rt, id, mk, err) : NULL;
	if (!reference)
		return id ? false
		          : rt_fail(err, RT_ERR_UNEXPECTED, "the Backbone's answer to POST /api/v2/Files has no id");
	json_object *meta = own_meta(m, b);
	*dto = file_dto(id, true, bb, meta, reference);
	json_object_put(meta);
	char *fk = ecrypto_secret_key_to_json(&b->file_key, true);
	bool fine = db_begin(rt->db) &&
	            store_file(rt, *dto, true, mk, fk, b->result.cipher_hash_b64, b->result.plaintext_hash_b64, err);
	ecrypto_free_text(fk);
	if (fine && !db_commit(rt->db))
		fine = rt_fail_db(err, rt, "committing the file");
	if (!fine) {
		db_rollback(rt->db);
		json_object_put(*dto);
		*dto = NULL;
		if (!err->code[0])
			rt_fail_db(err, rt, "storing the file");
	}
	return fine;
}

bool rt_file_upload_own(struct runtime *rt, struct rt_file_blob *b, const struct rt_file_new *m, json_object **dto,
                        struct runtime_error *err)
{
	struct ecrypto_secret_key mk;
	char *signature = NULL, *props = NULL;
	*dto = NULL;
	err->code[0] = '\0';
	ecrypto_secret_key_generate(&mk);
	bool fine = owner_signature(rt, b, &signature, err) && encrypted_properties(m, b, &mk, &props, err);
	struct backbone_response r = {0};
	if (fine) {
		struct fb_upload_fields f = {
		        b->fd,         b->blob_size, b->result.cipher_hash_b64, rt->identity->address, signature,
		        m->expires_at, props};
		if (fb_upload(rt->client, &f, &r) != BACKBONE_OK)
			fine = rt_fail_backbone(err, &r);
	}
	if (fine)
		fine = store_own(rt, b, m, &mk, r.result, dto, err);
	backbone_response_clear(&r);
	free(signature);
	free(props);
	ecrypto_secret_key_wipe(&mk);
	return fine;
}

/* ---- peer files ---- */

static bool known(struct runtime *rt, const char *id, bool *yes, struct runtime_error *err)
{
	const char *params[] = {id};
	PGresult *res = db_exec(rt->db, "SELECT 1 FROM files WHERE id = $1", 1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading a file");
	*yes = PQntuples(res) == 1;
	PQclear(res);
	return true;
}

/* Decrypts the Backbone's encryptedProperties with the reference key. */
static json_object *open_metadata(json_object *bb, const struct ecrypto_secret_key *key, struct runtime_error *err)
{
	const char *props = rt_json_str(bb, "encryptedProperties");
	struct ecrypto_cipher c;
	struct ecrypto_why why = {{0}};
	uint8_t *pt = NULL;
	size_t len = 0;
	if (!props || ecrypto_cipher_from_base64(props, &c, &why) != ECRYPTO_OK) {
		rt_fail_crypto(err, "error.transport.files.invalidMetadata", "encryptedProperties", &why);
		return NULL;
	}
	enum ecrypto_err e = ecrypto_decrypt(key, &c, &pt, &len, &why);
	ecrypto_cipher_free(&c);
	json_object *meta = e == ECRYPTO_OK ? rt_json_parse((const char *)pt, len) : NULL;
	ecrypto_free_bytes(pt, len);
	if (!meta || !rt_json_str(meta, "plaintextHash") || !json_object_object_get(meta, "secretKey")) {
		json_object_put(meta);
		rt_fail(err, "error.transport.files.invalidMetadata",
		        "The metadata of the File with id '%s' is invalid.",
		        rt_json_str(bb, "id") ? rt_json_str(bb, "id") : "?");
		return NULL;
	}
	return meta;
}

/* Fetches, decrypts and stores the peer file of ref (inside the caller's transaction or not). */
static bool load_ref(struct runtime *rt, const struct ecrypto_reference *ref, struct runtime_error *err)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v2/Files/%s/metadata", ref->id);
	struct backbone_response r = {0};
	if (backbone_call(rt->client, "GET", path, NULL, BACKBONE_AUTH | BACKBONE_SAFE, &r) != BACKBONE_OK) {
		rt_fail_backbone(err, &r);
		backbone_response_clear(&r);
		return false;
	}
	json_object *meta = open_metadata(r.result, &ref->key, err);
	json_object *reference = meta ? reference_dto(rt, ref->id, &ref->key, err) : NULL;
	bool fine = reference != NULL;
	if (fine) {
		json_object *dto = file_dto(ref->id, false, r.result, meta, reference);
		fine = store_file(rt, dto, false, &ref->key, rt_json_text(json_object_object_get(meta, "secretKey")),
		                  rt_json_str(r.result, "cipherHash") ? rt_json_str(r.result, "cipherHash") : "",
		                  rt_json_str(meta, "plaintextHash"), err);
		json_object_put(dto);
	}
	json_object_put(meta);
	backbone_response_clear(&r);
	return fine;
}

bool rt_file_load_from_ref(struct runtime *rt, json_object *ref_json, struct runtime_error *err)
{
	struct ecrypto_reference ref;
	struct ecrypto_why why = {{0}};
	if (ecrypto_reference_from_json(rt_json_text(ref_json), ECRYPTO_REF_FILE, &ref, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_INVALID_VALUE, "attachment reference", &why);
	bool stored = false;
	bool fine = known(rt, ref.id, &stored, err) && (stored || load_ref(rt, &ref, err));
	ecrypto_reference_free(&ref);
	return fine;
}

/* The file reference inside a token (TokenContentFile {fileId, secretKey}). */
static bool ref_from_token(struct runtime *rt, const char *reference, const char *password,
                           struct ecrypto_reference *out, struct runtime_error *err)
{
	struct ecrypto_reference token_ref;
	struct backbone_response r = {0};
	json_object *content = NULL;
	if (!rt_token_fetch_content(rt, reference, password, &token_ref, &r, &content, err))
		return false;
	const char *type = rt_json_str(content, "@type"), *file_id = rt_json_str(content, "fileId");
	struct ecrypto_why why = {{0}};
	bool fine = type && strcmp(type, "TokenContentFile") == 0 && file_id && strlen(file_id) == ECRYPTO_REF_ID_LEN;
	if (!fine)
		rt_fail(err, RT_ERR_INVALID_VALUE, "The given Token does not contain a File.");
	memset(out, 0, sizeof(*out));
	if (fine && ecrypto_secret_key_read(json_object_object_get(content, "secretKey"), "TokenContentFile.secretKey",
	                                    &out->key, &why) != ECRYPTO_OK)
		fine = rt_fail_crypto(err, RT_ERR_INVALID_VALUE, "TokenContentFile.secretKey", &why);
	if (fine)
		snprintf(out->id, sizeof(out->id), "%s", file_id);
	json_object_put(content);
	backbone_response_clear(&r);
	ecrypto_reference_free(&token_ref);
	return fine;
}

bool rt_file_load_peer(struct runtime *rt, const char *reference, const char *password, json_object **dto,
                       struct runtime_error *err)
{
	struct ecrypto_reference ref;
	struct ecrypto_why why = {{0}};
	*dto = NULL;
	if (ecrypto_reference_parse(reference, ECRYPTO_REF_ANY, &ref, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_INVALID_VALUE, "reference", &why);
	bool is_token = strncmp(ref.id, "TOK", 3) == 0, is_file = strncmp(ref.id, "FIL", 3) == 0;
	if (!is_token && !is_file) {
		ecrypto_reference_free(&ref);
		return rt_fail(err, RT_ERR_INVALID_VALUE,
		               "The given reference is neither a File nor a Token reference.");
	}
	bool fine = true;
	if (is_token) {
		ecrypto_reference_free(&ref);
		fine = ref_from_token(rt, reference, password, &ref, err);
	}
	bool stored = false;
	fine = fine && known(rt, ref.id, &stored, err) && (stored || load_ref(rt, &ref, err)) &&
	       rt_file_get(rt, ref.id, dto, err);
	ecrypto_reference_free(&ref);
	return fine;
}

/* ---- reading ---- */

bool rt_file_get(struct runtime *rt, const char *id, json_object **dto, struct runtime_error *err)
{
	return rt_get_dto(rt, "files", id, "File", dto, err);
}

bool rt_files_list(struct runtime *rt, int own, const struct http_query *query, json_object **list,
                   struct runtime_error *err)
{
	if (own < 0)
		return rt_list_dtos(rt, "files", NULL, NULL, file_fields, NULL, query, list, err);
	return rt_list_dtos(rt, "files", "is_own = $1::boolean", own ? "t" : "f", file_fields, NULL, query, list, err);
}

bool rt_file_reference_json(struct runtime *rt, const char *id, json_object **out, struct runtime_error *err)
{
	const char *params[] = {id};
	*out = NULL;
	PGresult *res = db_exec(rt->db, "SELECT metadata_key FROM files WHERE id = $1", 1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading a file");
	struct ecrypto_reference ref;
	bool fine = PQntuples(res) == 1 ? true : rt_fail(err, RT_ERR_NOT_FOUND, FILE_NOT_FOUND);
	struct ecrypto_secret_key key;
	struct ecrypto_why why = {{0}};
	if (fine && ecrypto_secret_key_from_json(PQgetvalue(res, 0, 0), &key, &why) != ECRYPTO_OK)
		fine = rt_fail_crypto(err, RT_ERR_UNEXPECTED, "stored file key", &why);
	PQclear(res);
	char *text = NULL;
	if (fine && rt_own_reference(rt, id, &key, NULL, NULL, &ref, err)) {
		if (ecrypto_reference_to_json(&ref, &text, &why) == ECRYPTO_OK)
			*out = json_tokener_parse(text);
		ecrypto_reference_free(&ref);
		free(text);
		fine = *out ? true : rt_fail_crypto(err, RT_ERR_UNEXPECTED, "file reference", &why);
	} else if (fine) {
		fine = false;
	}
	ecrypto_secret_key_wipe(&key);
	return fine;
}

bool rt_file_token_content(struct runtime *rt, const char *id, json_object **content, json_object **dto,
                           struct runtime_error *err)
{
	json_object *ref = NULL;
	*content = NULL;
	if (!rt_file_get(rt, id, dto, err))
		return false;
	if (!rt_file_reference_json(rt, id, &ref, err)) {
		json_object_put(*dto);
		*dto = NULL;
		return false;
	}
	json_object *key = json_object_get(json_object_object_get(ref, "key"));
	json_object_put(ref);
	*content = json_object_new_object();
	json_object_object_add(*content, "@type", json_object_new_string("TokenContentFile"));
	json_object_object_add(*content, "fileId", json_object_new_string(id));
	json_object_object_add(*content, "secretKey", key);
	return true;
}

/* ---- deletion and ownership ---- */

static bool is_own(json_object *dto)
{
	json_object *own = NULL;
	return json_object_object_get_ex(dto, "isOwn", &own) && json_object_get_boolean(own);
}

bool rt_file_delete(struct runtime *rt, const char *id, struct runtime_error *err)
{
	json_object *dto = NULL;
	if (!rt_file_get(rt, id, &dto, err))
		return false;
	bool own = is_own(dto);
	json_object_put(dto);
	if (own) {
		char path[128];
		snprintf(path, sizeof(path), "/api/v2/Files/%s", id);
		struct backbone_response r = {0};
		bool gone = backbone_call(rt->client, "DELETE", path, NULL, BACKBONE_AUTH, &r) == BACKBONE_OK ||
		            r.http_status == 404;
		if (!gone) {
			rt_fail_backbone(err, &r);
			backbone_response_clear(&r);
			return false;
		}
		backbone_response_clear(&r);
	}
	const char *params[] = {id};
	return db_command(rt->db, "DELETE FROM files WHERE id = $1", 1, params)
	               ? true
	               : rt_fail_db(err, rt, "deleting the file");
}

static bool save_dto(struct runtime *rt, const char *id, json_object *dto, struct runtime_error *err)
{
	const char *params[] = {id, rt_json_text(dto)};
	return db_command(rt->db, "UPDATE files SET dto = $2::jsonb WHERE id = $1", 2, params)
	               ? true
	               : rt_fail_db(err, rt, "updating the file");
}

bool rt_file_regenerate_ownership_token(struct runtime *rt, const char *id, json_object **dto,
                                        struct runtime_error *err)
{
	if (!rt_file_get(rt, id, dto, err))
		return false;
	if (!is_own(*dto)) {
		json_object_put(*dto);
		*dto = NULL;
		return rt_fail(err, "error.runtime.files.notOwnedByYou",
		               "You cannot regenerate the ownership token of a File you do not own.");
	}
	char path[160];
	snprintf(path, sizeof(path), "/api/v2/Files/%s/RegenerateOwnershipToken", id);
	struct backbone_response r = {0};
	bool fine = backbone_call(rt->client, "PATCH", path, NULL, BACKBONE_AUTH, &r) == BACKBONE_OK
	                    ? true
	                    : rt_fail_backbone(err, &r);
	const char *token = fine ? rt_json_str(r.result, "newOwnershipToken") : NULL;
	if (fine && !token)
		fine = rt_fail(err, RT_ERR_UNEXPECTED, "the Backbone's answer has no newOwnershipToken");
	if (fine) {
		json_object_object_add(*dto, "ownershipToken", json_object_new_string(token));
		json_object_object_add(*dto, "ownershipIsLocked", json_object_new_boolean(0));
		fine = save_dto(rt, id, *dto, err);
	}
	backbone_response_clear(&r);
	if (!fine) {
		json_object_put(*dto);
		*dto = NULL;
	}
	return fine;
}

bool rt_file_ownership_event(struct runtime *rt, const char *id, const char *new_owner, bool *skipped,
                             struct runtime_error *err)
{
	json_object *dto = NULL;
	struct runtime_error ignored;
	*skipped = false;
	if (!rt_file_get(rt, id, &dto, &ignored)) {
		*skipped = strcmp(ignored.code, RT_ERR_NOT_FOUND) == 0;
		if (!*skipped)
			*err = ignored;
		return *skipped;
	}
	if (new_owner) {
		json_object_object_add(dto, "owner", json_object_new_string(new_owner));
		json_object_object_del(dto, "ownershipToken");
		json_object_object_add(dto, "ownershipIsLocked", json_object_new_boolean(0));
	} else {
		json_object_object_add(dto, "ownershipIsLocked", json_object_new_boolean(1));
	}
	bool fine = save_dto(rt, id, dto, err) &&
	            rt_emit(rt, new_owner ? "transport.fileOwnershipClaimed" : "transport.fileOwnershipLocked",
	                    json_object_get(dto), err);
	json_object_put(dto);
	return fine;
}

/* ---- download ---- */

struct plain_out {
	int fd;
	crypto_hash_sha512_state hash;
	bool failed;
};

static bool plain_sink(void *arg, const void *data, size_t len)
{
	struct plain_out *o = arg;
	crypto_hash_sha512_update(&o->hash, data, len);
	if (!write_all(o->fd, data, len))
		return o->failed = true, false;
	return true;
}

static bool decrypt_blob(int blob_fd, const char *file_key, const char *cipher_hash, const char *plaintext_hash,
                         int out_fd, struct runtime_error *err)
{
	struct ecrypto_secret_key key;
	struct ecrypto_why why = {{0}};
	if (ecrypto_secret_key_from_json(file_key, &key, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "stored file key", &why);
	struct plain_out o;
	memset(&o, 0, sizeof(o));
	o.fd = out_fd;
	crypto_hash_sha512_init(&o.hash);
	uint64_t size = 0;
	bool fine = ftruncate(out_fd, 0) == 0 && lseek(out_fd, 0, SEEK_SET) == 0 &&
	            fc_decrypt_fd(blob_fd, &key, cipher_hash[0] ? cipher_hash : NULL, plain_sink, &o, &size, &why);
	ecrypto_secret_key_wipe(&key);
	if (!fine)
		return strstr(why.text, "cipherHash")
		               ? rt_fail(err, "error.transport.files.cipherMismatch",
		                         "The actual hash of the cipher does not match the given cipherHash. Something "
		                         "went wrong while storing/transmitting the file.")
		               : rt_fail_crypto(err, RT_ERR_UNEXPECTED, "file content", &why);
	uint8_t digest[64];
	char b64[ECRYPTO_SHA512_B64URL_SIZE];
	crypto_hash_sha512_final(&o.hash, digest);
	b64_encode(B64_URL, digest, sizeof(digest), b64);
	if (strcmp(b64, plaintext_hash) != 0)
		return rt_fail(
		        err, "error.transport.files.plaintextHashMismatch",
		        "The actual hash of the plaintext does not match the given plaintextHash. Something went "
		        "wrong while encrypting/decrypting the file.");
	return lseek(out_fd, 0, SEEK_SET) == 0;
}

bool rt_file_download(struct runtime *rt, const char *id, int out_fd, json_object **dto, struct runtime_error *err)
{
	const char *params[] = {id};
	*dto = NULL;
	PGresult *res = db_exec(rt->db, "SELECT file_key, cipher_hash, plaintext_hash, dto FROM files WHERE id = $1", 1,
	                        params);
	if (!res)
		return rt_fail_db(err, rt, "reading a file");
	if (PQntuples(res) != 1) {
		PQclear(res);
		return rt_fail(err, RT_ERR_NOT_FOUND, FILE_NOT_FOUND);
	}
	int blob = temp_file(NULL);
	struct backbone_response r = {0};
	bool fine = blob >= 0 ? true : rt_fail(err, RT_ERR_UNEXPECTED, "cannot create a temporary file");
	if (fine && fb_download(rt->client, id, blob, &r) != BACKBONE_OK)
		fine = rt_fail_backbone(err, &r);
	if (fine)
		fine = decrypt_blob(blob, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), out_fd,
		                    err);
	if (fine)
		*dto = json_tokener_parse(PQgetvalue(res, 0, 3));
	backbone_response_clear(&r);
	if (blob >= 0)
		close(blob);
	PQclear(res);
	return fine;
}
