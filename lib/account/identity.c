/*
 * account/identity.c: identity creation (backbone-api.md §2.2, crypto-protocol.md §2.2) and storage
 * in account_identity. See identity.h for who creates it, the lock and the crash-safe states.
 */
#include "account/identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"

#define PASSWORD_LEN 45
#define SELECT_IDENTITY                                                                               \
	"SELECT state, identity_keypair, public_key, device_password, address, device_id, username, " \
	"backbone_base_url FROM account_identity"

void account_identity_clear(struct account_identity *id)
{
	free(id->public_key);
	if (id->device_password) {
		sodium_memzero(id->device_password, strlen(id->device_password));
		free(id->device_password);
	}
	ecrypto_sig_keypair_wipe(&id->identity_keys);
	memset(id, 0, sizeof(*id));
}

static enum account_status db_failed(struct db *db, const char *what, char *err, size_t err_len)
{
	snprintf(err, err_len, "%s: %s", what, db_error(db));
	return ACCOUNT_ERR_DATABASE;
}

/* Reads the row into out; *state gets "" when there is none. */
static enum account_status read_row(struct db *db, struct account_identity *out, char *state, size_t state_len,
                                    char *err, size_t err_len)
{
	PGresult *res = db_exec(db, SELECT_IDENTITY, 0, NULL);
	if (!res)
		return db_failed(db, "reading account_identity", err, err_len);
	state[0] = '\0';
	enum account_status st = ACCOUNT_OK;
	if (PQntuples(res) == 1) {
		snprintf(state, state_len, "%s", PQgetvalue(res, 0, 0));
		struct ecrypto_why why;
		if (ecrypto_sig_keypair_from_json(PQgetvalue(res, 0, 1), &out->identity_keys, &why) != ECRYPTO_OK) {
			snprintf(err, err_len, "account_identity.identity_keypair is damaged: %s", why.text);
			st = ACCOUNT_ERR_FATAL;
		}
		out->public_key = strdup(PQgetvalue(res, 0, 2));
		out->device_password = strdup(PQgetvalue(res, 0, 3));
		snprintf(out->address, sizeof(out->address), "%s", PQgetvalue(res, 0, 4));
		snprintf(out->device_id, sizeof(out->device_id), "%s", PQgetvalue(res, 0, 5));
		snprintf(out->username, sizeof(out->username), "%s", PQgetvalue(res, 0, 6));
	}
	PQclear(res);
	return st;
}

enum account_status account_identity_load(struct db *db, struct account_identity *out, char *err, size_t err_len)
{
	memset(out, 0, sizeof(*out));
	char state[16];
	enum account_status st = read_row(db, out, state, sizeof(state), err, err_len);
	if (st == ACCOUNT_OK && strcmp(state, "ready") != 0) {
		snprintf(err, err_len, "the identity of schema %s is not created yet", db_schema(db));
		st = ACCOUNT_ERR_MISSING;
	}
	if (st != ACCOUNT_OK)
		account_identity_clear(out);
	return st;
}

static void random_password(char out[PASSWORD_LEN + 1])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	for (int i = 0; i < PASSWORD_LEN; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[PASSWORD_LEN] = '\0';
}

/* Step 0: new keys and password, committed before anything is sent. */
static enum account_status store_keys(struct db *db, struct backbone_client *client, char *err, size_t err_len)
{
	struct ecrypto_sig_keypair identity_keys, device_keys;
	if (ecrypto_sig_keypair_generate(&identity_keys) != ECRYPTO_OK ||
	    ecrypto_sig_keypair_generate(&device_keys) != ECRYPTO_OK) {
		snprintf(err, err_len, "cannot generate keys (libsodium)");
		return ACCOUNT_ERR_FATAL;
	}
	char password[PASSWORD_LEN + 1];
	random_password(password);
	char *identity_json = ecrypto_sig_keypair_to_json(&identity_keys, true);
	char *device_json = ecrypto_sig_keypair_to_json(&device_keys, true);
	char *public_b64 = ecrypto_sig_public_key_to_base64(&identity_keys.pub);
	const char *params[] = {backbone_client_base_url(client), identity_json, public_b64, device_json, password};
	bool ok = identity_json && device_json && public_b64 &&
	          db_command(db,
	                     "INSERT INTO account_identity (state, backbone_base_url, identity_keypair, public_key, "
	                     "device_keypair, device_password) VALUES ('keys', $1, $2, $3, $4, $5)",
	                     5, params);
	ecrypto_free_text(identity_json);
	ecrypto_free_text(device_json);
	ecrypto_free_text(public_b64);
	sodium_memzero(password, sizeof(password));
	ecrypto_sig_keypair_wipe(&identity_keys);
	ecrypto_sig_keypair_wipe(&device_keys);
	return ok ? ACCOUNT_OK : db_failed(db, "storing the new identity keys", err, err_len);
}

static enum account_status backbone_failed(const struct backbone_response *r, char *err, size_t err_len)
{
	snprintf(err, err_len, "%s", r->message);
	return r->status == BACKBONE_ERR_CONFIG ? ACCOUNT_ERR_FATAL : ACCOUNT_ERR_BACKBONE;
}

static const char *str_member(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* The signed challenge of step 2: {challenge, signature: CryptoSignature.toBase64()}. */
static json_object *signed_challenge(const struct account_identity *id, json_object *challenge)
{
	json_object *c = json_object_new_object();
	json_object_object_add(c, "id", json_object_new_string(str_member(challenge, "id") ?: ""));
	json_object_object_add(c, "expiresAt", json_object_new_string(str_member(challenge, "expiresAt") ?: ""));
	json_object_object_add(c, "type", json_object_new_string("Identity"));
	const char *text = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct ecrypto_signature sig;
	json_object *out = NULL;
	if (ecrypto_sign(&id->identity_keys.prv, text, strlen(text), ECRYPTO_HASH_SHA512, &sig, NULL) == ECRYPTO_OK) {
		char *sig_b64 = ecrypto_signature_to_base64(&sig);
		out = json_object_new_object();
		json_object_object_add(out, "challenge", json_object_new_string(text));
		json_object_object_add(out, "signature", json_object_new_string(sig_b64 ? sig_b64 : ""));
		ecrypto_free_text(sig_b64);
	}
	json_object_put(c);
	return out;
}

static enum account_status check_address(struct backbone_client *client, const struct account_identity *id,
                                         const char *address, char *err, size_t err_len)
{
	char local[ECRYPTO_ADDRESS_MAX + 1];
	struct ecrypto_why why;
	const char *host = backbone_client_address_host(client);
	if (ecrypto_address_from_public_key(&id->identity_keys.pub, host, local, &why) != ECRYPTO_OK) {
		log_warn("Account", "cannot derive the address locally for host %s (%s); taking the Backbone's %s",
		         host, why.text, address);
		return ACCOUNT_OK;
	}
	if (strcmp(local, address) != 0) {
		snprintf(err, err_len,
		         "the Backbone assigned the address %s, but the public key gives %s for host %s: "
		         "set transportLibrary.addressGenerationHostnameOverride to the Backbone's did:e domain",
		         address, local, host);
		return ACCOUNT_ERR_FATAL;
	}
	return ACCOUNT_OK;
}

static json_object *identity_body(struct backbone_client *client, const struct account_identity *id,
                                  json_object *signed_ch);

/* Steps 1-4: challenge, signed identity creation, address check, store the answer. */
static enum account_status register_identity(struct db *db, struct backbone_client *client, struct account_identity *id,
                                             char *err, size_t err_len)
{
	struct backbone_response r;
	json_object *empty = json_object_new_object();
	enum backbone_status bs = backbone_call(client, "POST", "/api/v2/Challenges", empty, 0, &r);
	json_object_put(empty);
	if (bs != BACKBONE_OK) {
		enum account_status st = backbone_failed(&r, err, err_len);
		backbone_response_clear(&r);
		return st;
	}
	json_object *signed_ch = signed_challenge(id, r.result);
	backbone_response_clear(&r);
	if (!signed_ch) {
		snprintf(err, err_len, "cannot sign the identity challenge");
		return ACCOUNT_ERR_FATAL;
	}
	json_object *body = identity_body(client, id, signed_ch);
	bs = backbone_call(client, "POST", "/api/v2/Identities", body, 0, &r);
	json_object_put(body);
	if (bs != BACKBONE_OK) {
		enum account_status st = backbone_failed(&r, err, err_len);
		if (strcmp(r.code, "error.platform.validation.device.addressAlreadyExists") == 0 ||
		    strcmp(r.code, "error.platform.unauthorized") == 0)
			st = ACCOUNT_ERR_FATAL; /* see identity.h; a bad platform client is a config error */
		backbone_response_clear(&r);
		return st;
	}
	json_object *device = NULL;
	json_object_object_get_ex(r.result, "device", &device);
	const char *address = str_member(r.result, "address"), *device_id = str_member(device, "id"),
	           *username = str_member(device, "username"), *created = str_member(r.result, "createdAt");
	enum account_status st = ACCOUNT_OK;
	if (!address || !device_id || !username) {
		snprintf(err, err_len,
		         "POST /api/v2/Identities: the answer lacks address, device.id or device.username");
		st = ACCOUNT_ERR_FATAL;
	}
	if (st == ACCOUNT_OK)
		st = check_address(client, id, address, err, err_len);
	if (st == ACCOUNT_OK) {
		const char *params[] = {address, device_id, username, created};
		if (!db_command(db,
		                "UPDATE account_identity SET state = 'registered', address = $1, device_id = $2, "
		                "username = $3, identity_created_at = $4, updated_at = now()",
		                4, params))
			st = db_failed(db, "storing the registered identity", err, err_len);
		else
			log_info("Account", "identity %s created (device %s)", address, device_id);
	}
	backbone_response_clear(&r);
	return st;
}

static json_object *identity_body(struct backbone_client *client, const struct account_identity *id,
                                  json_object *signed_ch)
{
	json_object *body = json_object_new_object();
	json_object_object_add(body, "clientId", json_object_new_string(backbone_client_id(client)));
	json_object_object_add(body, "clientSecret", json_object_new_string(backbone_client_secret(client)));
	json_object_object_add(body, "identityPublicKey", json_object_new_string(id->public_key));
	json_object_object_add(body, "devicePassword", json_object_new_string(id->device_password));
	json_object_object_add(body, "identityVersion", json_object_new_int(1));
	json_object_object_add(body, "signedChallenge", signed_ch);
	json_object_object_add(body, "deviceCommunicationLanguage", json_object_new_string("en"));
	return body;
}

/* Step 6: the initial datawallet version (an ExternalEventSync run needs a datawallet). */
static enum account_status upgrade_datawallet(struct db *db, struct backbone_client *client, char *err, size_t err_len)
{
	struct backbone_response r;
	unsigned flags = BACKBONE_AUTH | BACKBONE_DATAWALLET;
	enum backbone_status bs = backbone_call(client, "GET", "/api/v2/Datawallet", NULL, flags | BACKBONE_SAFE, &r);
	bool exists = bs == BACKBONE_OK;
	if (bs != BACKBONE_OK && r.http_status != 404) {
		enum account_status st = backbone_failed(&r, err, err_len);
		backbone_response_clear(&r);
		return st;
	}
	backbone_response_clear(&r);
	if (!exists) {
		json_object *start = json_object_new_object();
		json_object_object_add(start, "type", json_object_new_string("DatawalletVersionUpgrade"));
		bs = backbone_call(client, "POST", "/api/v2/SyncRuns", start, flags, &r);
		json_object_put(start);
		json_object *run = NULL;
		const char *run_id = bs == BACKBONE_OK && json_object_object_get_ex(r.result, "syncRun", &run)
		                             ? str_member(run, "id")
		                             : NULL;
		if (!run_id) {
			enum account_status st =
			        bs == BACKBONE_OK ? ACCOUNT_ERR_BACKBONE : backbone_failed(&r, err, err_len);
			if (bs == BACKBONE_OK)
				snprintf(err, err_len,
				         "POST /api/v2/SyncRuns (DatawalletVersionUpgrade): no syncRun.id");
			backbone_response_clear(&r);
			return st;
		}
		char path[160];
		snprintf(path, sizeof(path), "/api/v2/SyncRuns/%s/FinalizeDatawalletVersionUpgrade", run_id);
		backbone_response_clear(&r);
		json_object *fin = json_object_new_object();
		json_object_object_add(fin, "newDatawalletVersion", json_object_new_int(1));
		json_object_object_add(fin, "datawalletModifications", json_object_new_array());
		bs = backbone_call(client, "PUT", path, fin, flags, &r);
		json_object_put(fin);
		if (bs != BACKBONE_OK) {
			enum account_status st = backbone_failed(&r, err, err_len);
			backbone_response_clear(&r);
			return st;
		}
		backbone_response_clear(&r);
	}
	if (!db_command(db, "UPDATE account_identity SET state = 'ready', datawallet_version = 1, updated_at = now()",
	                0, NULL))
		return db_failed(db, "marking the identity ready", err, err_len);
	return ACCOUNT_OK;
}

/* Runs the missing steps under the lock; out holds the ready identity on success. */
static enum account_status create_locked(struct db *db, struct backbone_client *client, struct account_identity *out,
                                         char *err, size_t err_len)
{
	char state[16];
	enum account_status st = read_row(db, out, state, sizeof(state), err, err_len);
	if (st == ACCOUNT_OK && state[0] == '\0') {
		log_info("Account", "no identity in schema %s yet: creating one at %s", db_schema(db),
		         backbone_client_base_url(client));
		st = store_keys(db, client, err, err_len);
		if (st == ACCOUNT_OK) {
			account_identity_clear(out);
			st = read_row(db, out, state, sizeof(state), err, err_len);
		}
	}
	if (st == ACCOUNT_OK && strcmp(state, "keys") == 0) {
		st = register_identity(db, client, out, err, err_len);
		if (st == ACCOUNT_OK) {
			account_identity_clear(out);
			st = read_row(db, out, state, sizeof(state), err, err_len);
		}
	}
	if (st == ACCOUNT_OK && strcmp(state, "registered") == 0) {
		backbone_client_set_device(client, out->username, out->device_password);
		st = upgrade_datawallet(db, client, err, err_len);
	}
	return st;
}

/* Waits for the identity lock while ticking (another process may be creating the identity). */
static enum account_status lock_identity(struct db *db, struct backbone_client *client, char *err, size_t err_len)
{
	for (;;) {
		bool acquired = false;
		if (!db_advisory_try_lock(db, ACCOUNT_LOCK_IDENTITY, &acquired))
			return db_failed(db, "taking the identity lock", err, err_len);
		if (acquired)
			return ACCOUNT_OK;
		if (backbone_client_tick(client)) {
			snprintf(err, err_len, "stopped while another process creates the identity");
			return ACCOUNT_ERR_BACKBONE;
		}
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

enum account_status account_identity_ensure(struct db *db, struct backbone_client *client, struct account_identity *out,
                                            char *err, size_t err_len)
{
	enum account_status st = account_identity_load(db, out, err, err_len);
	if (st == ACCOUNT_ERR_MISSING) {
		enum account_status locked = lock_identity(db, client, err, err_len);
		if (locked != ACCOUNT_OK)
			return locked;
		st = create_locked(db, client, out, err, err_len);
		account_identity_clear(out);
		if (!db_advisory_unlock(db, ACCOUNT_LOCK_IDENTITY) && st == ACCOUNT_OK)
			st = db_failed(db, "releasing the identity lock", err, err_len);
		if (st == ACCOUNT_OK)
			st = account_identity_load(db, out, err, err_len);
	}
	if (st == ACCOUNT_OK)
		backbone_client_set_device(client, out->username, out->device_password);
	return st;
}

bool account_check_authentication(struct db *db, struct backbone_client *client, char *why, size_t why_len)
{
	struct account_identity id;
	if (account_identity_load(db, &id, why, why_len) != ACCOUNT_OK)
		return false;
	backbone_client_set_device(client, id.username, id.device_password);
	account_identity_clear(&id);
	struct backbone_response r;
	bool ok = backbone_login(client, &r) == BACKBONE_OK;
	if (!ok)
		snprintf(why, why_len, "%s", r.message);
	backbone_response_clear(&r);
	return ok;
}
