/*
 * bb_auth.c: POST /connect/token (OAuth password grant, opaque expiring tokens, lockout after 3
 * failures), challenges, challenge-signed identity creation, /api/v2/Version and /health.
 */
#include "bb.h"

#include <event2/buffer.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#define LOCKOUT_ATTEMPTS      3
#define LOCKOUT_MS            (60 * 1000)
#define CHALLENGE_LIFETIME_MS (10 * 60 * 1000)
#define CHALLENGE_GRACE_MS    (60 * 60 * 1000)

static bool client_valid(struct bb_server *srv, const char *id, const char *secret)
{
	if (!id || !secret)
		return false;
	for (int i = 0; i < srv->cfg.nclients; i++)
		if (strcmp(srv->cfg.clients[i].id, id) == 0 && strcmp(srv->cfg.clients[i].secret, secret) == 0)
			return true;
	return false;
}

static void oauth_error(struct bb_req *r, const char *error, const char *description)
{
	r->status = 400;
	r->raw_json = json_object_new_object();
	json_object_object_add(r->raw_json, "error", json_object_new_string(error));
	json_object_object_add(r->raw_json, "error_description", json_object_new_string(description));
}

static void issue_token(struct bb_req *r, const char *device, const char *client)
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	char *token = bb_b64url(raw, sizeof raw), hash[65];
	bb_sha256_hex(token, hash);
	int lifetime = r->srv->cfg.token_lifetime;
	struct bb_params p = {0};
	bb_p_text(&p, hash);
	bb_p_text(&p, device);
	bb_p_text(&p, client);
	bb_p_i64(&p, r->now + lifetime * 1000LL);
	struct bb_params q = {0};
	bb_p_i64(&q, r->now);
	bb_p_text(&q, device);
	if (bb_exec(r, "DELETE FROM access_tokens WHERE expires_at < $1::bigint - 3600000 AND $2::text IS NOT NULL",
	            &q) &&
	    bb_exec(r, "INSERT INTO access_tokens VALUES ($1, $2, $3, $4)", &p) &&
	    bb_exec(r, "UPDATE devices SET last_login = $1, failed_logins = 0, locked_until = NULL WHERE id = $2",
	            &q)) {
		r->raw_json = json_object_new_object();
		json_object_object_add(r->raw_json, "access_token", json_object_new_string(token));
		json_object_object_add(r->raw_json, "token_type", json_object_new_string("Bearer"));
		json_object_object_add(r->raw_json, "expires_in", json_object_new_int(lifetime));
	}
	free(token);
}

static void login_failed(struct bb_req *r, const char *device, int failures)
{
	struct bb_params p = {0};
	bool lock = failures + 1 >= LOCKOUT_ATTEMPTS;
	bb_p_text(&p, device);
	bb_p_i64(&p, lock ? 0 : failures + 1);
	bb_p_i64(&p, lock ? r->now + LOCKOUT_MS : 0);
	if (bb_exec(r, "UPDATE devices SET failed_logins = $2, locked_until = NULLIF($3::bigint, 0) WHERE id = $1", &p))
		oauth_error(r, "invalid_grant", "The username/password couple is invalid.");
}

static void check_password(struct bb_req *r, const char *username, const char *password, const char *client)
{
	struct bb_params p = {0};
	bb_p_text(&p, username);
	PGresult *res = bb_q(r,
	                     "SELECT d.id, d.password_hash, d.failed_logins, d.locked_until, i.status, i.deletion_date "
	                     "FROM devices d JOIN identities i ON i.address = d.address WHERE d.username = $1",
	                     &p);
	if (!res)
		return;
	if (PQntuples(res) != 1) {
		oauth_error(r, "invalid_grant", "The username/password couple is invalid.");
	} else if (bb_col(res, 0, 3) && bb_col_i64(res, 0, 3) > r->now) {
		oauth_error(r, "access_denied", "The user is temporarily locked out.");
	} else if (bb_col(res, 0, 5) && bb_col_i64(res, 0, 5) <= r->now) {
		oauth_error(r, "invalid_grant", "The identity has been deleted.");
	} else if (!bb_password_check(PQgetvalue(res, 0, 1), password)) {
		login_failed(r, PQgetvalue(res, 0, 0), (int)bb_col_i64(res, 0, 2));
	} else {
		issue_token(r, PQgetvalue(res, 0, 0), client);
	}
	PQclear(res);
}

static const char *form_value(struct evkeyvalq *form, const char *key)
{
	return evhttp_find_header(form, key);
}

static void connect_token(struct bb_req *r)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type");
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		oauth_error(r, "invalid_request", "The Content-Type must be application/x-www-form-urlencoded.");
		return;
	}
	char *text = strndup((const char *)r->body, r->body_len);
	struct evkeyvalq form;
	TAILQ_INIT(&form);
	if (!text || evhttp_parse_query_str(text, &form) != 0) {
		oauth_error(r, "invalid_request", "The request body cannot be parsed.");
	} else if (!form_value(&form, "grant_type") || strcmp(form_value(&form, "grant_type"), "password") != 0) {
		oauth_error(r, "unsupported_grant_type", "The specified 'grant_type' is not supported.");
	} else if (!client_valid(r->srv, form_value(&form, "client_id"), form_value(&form, "client_secret"))) {
		oauth_error(r, "invalid_client", "The specified 'client_id' or 'client_secret' is invalid.");
	} else if (!form_value(&form, "username") || !form_value(&form, "password")) {
		oauth_error(r, "invalid_request", "The mandatory 'username' and/or 'password' are missing.");
	} else if (!bb_id_valid(form_value(&form, "username"), "USR")) {
		oauth_error(r, "invalid_grant", "The username/password couple is invalid.");
	} else {
		check_password(r, form_value(&form, "username"), form_value(&form, "password"),
		               form_value(&form, "client_id"));
	}
	evhttp_clear_headers(&form);
	free(text);
}

static json_object *challenge_json(const char *id, int64_t expires, const char *by, const char *by_device)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "expiresAt", bb_jdate(expires));
	json_object_object_add(o, "createdBy", bb_jstr(by));
	json_object_object_add(o, "createdByDevice", bb_jstr(by_device));
	return o;
}

static void challenge_create(struct bb_req *r)
{
	char id[BB_ID_LEN + 1];
	bb_new_id("CHL", id);
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_i64(&p, r->now + CHALLENGE_LIFETIME_MS);
	bb_p_text(&p, r->authed ? r->address : NULL);
	bb_p_text(&p, r->authed ? r->device : NULL);
	struct bb_params old = {0};
	bb_p_i64(&old, r->now - 24 * CHALLENGE_GRACE_MS);
	if (bb_exec(r, "DELETE FROM challenges WHERE expires_at < $1", &old) &&
	    bb_exec(r, "INSERT INTO challenges VALUES ($1, $2, $3, $4)", &p))
		bb_ok(r, 201, challenge_json(id, r->now + CHALLENGE_LIFETIME_MS, p.v[2], p.v[3]));
}

static void challenge_get(struct bb_req *r)
{
	const char *id;
	if (!bb_arg_id(r, 0, "CHL", &id))
		return;
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_i64(&p, r->now);
	PGresult *res = bb_q(r,
	                     "SELECT id, expires_at, created_by, created_by_device FROM challenges "
	                     "WHERE id = $1 AND expires_at > $2",
	                     &p);
	if (!res)
		return;
	if (PQntuples(res) == 1)
		bb_ok(r, 200, challenge_json(id, bb_col_i64(res, 0, 1), bb_col(res, 0, 2), bb_col(res, 0, 3)));
	else
		bb_not_found(r, "Challenge");
	PQclear(res);
}

/* Verifies the signed challenge against pub: signature, existence, expiry. */
bool bb_check_signed_challenge(struct bb_req *r, json_object *signed_challenge, const unsigned char pub[32])
{
	const char *challenge, *signature, *id = NULL;
	if (!signed_challenge || !json_object_is_type(signed_challenge, json_type_object)) {
		bb_invalid(r, "signedChallenge", "must be an object with challenge and signature");
		return false;
	}
	if (!bb_get_str(r, signed_challenge, "challenge", true, &challenge) ||
	    !bb_get_str(r, signed_challenge, "signature", true, &signature))
		return false;
	if (!bb_verify(pub, signature, challenge, strlen(challenge))) {
		bb_fail(r, 400, "error.platform.validation.device.invalidSignature", "The signature is invalid.");
		return false;
	}
	json_object *c = json_tokener_parse(challenge);
	json_object *idv = bb_field(c, "id");
	if (idv && json_object_is_type(idv, json_type_string))
		id = json_object_get_string(idv);
	struct bb_params p = {0};
	bb_p_text(&p, id ? id : "");
	PGresult *res = bb_q(r, "SELECT expires_at FROM challenges WHERE id = $1", &p);
	json_object_put(c);
	if (!res)
		return false;
	bool ok = PQntuples(res) == 1 && bb_col_i64(res, 0, 0) > r->now - CHALLENGE_GRACE_MS;
	if (PQntuples(res) != 1)
		bb_not_found(r, "Challenge");
	else if (!ok)
		bb_fail(r, 400, "error.platform.validation.device.challengeHasExpired", "The challenge has expired.");
	PQclear(res);
	return ok;
}

/* Creates a device of address with a new username; fills id and username. */
bool bb_create_device(struct bb_req *r, const char *address, const char *password, const char *by_device, bool backup,
                      const char *language, char id[BB_ID_LEN + 1], char username[BB_ID_LEN + 1])
{
	char hash[128];
	if (!bb_password_hash(password, hash)) {
		bb_unexpected(r, "password hashing failed");
		return false;
	}
	bb_new_id("DVC", id);
	bb_new_id("USR", username);
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, address);
	bb_p_text(&p, username);
	bb_p_text(&p, hash);
	bb_p_i64(&p, r->now);
	bb_p_text(&p, by_device);
	bb_p_bool(&p, backup);
	bb_p_text(&p, language ? language : "en");
	return bb_exec(r,
	               "INSERT INTO devices (id, address, username, password_hash, created_at, "
	               "created_by_device, is_backup, language) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	               &p);
}

static bool password_ok(struct bb_req *r, const char *field, const char *password)
{
	if (strlen(password) > 200 || strlen(password) < 1) {
		bb_invalid(r, field, "must be between 1 and 200 characters long");
		return false;
	}
	return true;
}

static void identity_respond(struct bb_req *r, const char *address, const char *device, const char *username)
{
	json_object *dev = json_object_new_object(), *o = json_object_new_object();
	json_object_object_add(dev, "id", json_object_new_string(device));
	json_object_object_add(dev, "username", json_object_new_string(username));
	json_object_object_add(dev, "createdAt", bb_jdate(r->now));
	json_object_object_add(o, "address", json_object_new_string(address));
	json_object_object_add(o, "createdAt", bb_jdate(r->now));
	json_object_object_add(o, "device", dev);
	bb_ok(r, 201, o);
}

static void identity_insert(struct bb_req *r, const unsigned char pub[32], const char *client, int64_t version,
                            const char *password, const char *language)
{
	char address[BB_ADDR_MAX], device[BB_ID_LEN + 1], username[BB_ID_LEN + 1];
	if (!bb_derive_address(pub, r->srv->cfg.domain, address)) {
		bb_unexpected(r, "cannot derive the address");
		return;
	}
	struct bb_params p = {0};
	bb_p_text(&p, address);
	bb_p_text(&p, client);
	bb_p_bytes(&p, pub, 32);
	bb_p_i64(&p, version);
	bb_p_i64(&p, r->now);
	PGresult *res = bb_q(r,
	                     "INSERT INTO identities (address, client_id, public_key, identity_version, "
	                     "created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
	                     &p);
	if (!res)
		return;
	bool inserted = atoi(PQcmdTuples(res)) == 1;
	PQclear(res);
	if (!inserted)
		bb_fail(r, 400, "error.platform.validation.device.addressAlreadyExists",
		        "An identity with this public key already exists.");
	else if (bb_create_device(r, address, password, NULL, false, language, device, username))
		identity_respond(r, address, device, username);
}

static void identity_create(struct bb_req *r)
{
	const char *client, *secret, *key, *password, *language;
	int64_t version = 1;
	if (!bb_get_str(r, r->json, "clientId", true, &client) ||
	    !bb_get_str(r, r->json, "clientSecret", true, &secret))
		return;
	if (!client_valid(r->srv, client, secret)) {
		bb_fail(r, 400, "error.platform.unauthorized", "The client id or secret is invalid.");
		return;
	}
	if (!bb_get_str(r, r->json, "identityPublicKey", true, &key) ||
	    !bb_get_str(r, r->json, "devicePassword", true, &password) ||
	    !bb_get_int(r, r->json, "identityVersion", true, &version, NULL) ||
	    !bb_get_str(r, r->json, "deviceCommunicationLanguage", false, &language) ||
	    !password_ok(r, "devicePassword", password))
		return;
	unsigned char pub[32];
	char why[256], reason[320];
	if (!bb_parse_signature_public_key(key, pub, why, sizeof why)) {
		snprintf(reason, sizeof reason, "is not a CryptoSignaturePublicKey (%s)", why);
		bb_invalid(r, "identityPublicKey", reason);
		return;
	}
	if (version < 1 || version > 255) {
		bb_invalid(r, "identityVersion", "must be between 1 and 255");
		return;
	}
	if (bb_check_signed_challenge(r, bb_field(r->json, "signedChallenge"), pub))
		identity_insert(r, pub, client, version, password, language);
}

static void version_get(struct bb_req *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "majorVersion", json_object_new_string("7"));
	bb_ok(r, 200, o);
}

static void health_get(struct bb_req *r)
{
	r->raw = evbuffer_new();
	evbuffer_add_printf(r->raw, "Healthy");
	r->raw_type = "text/plain";
	r->status = PQstatus(r->srv->db) == CONNECTION_OK ? 200 : 503;
}

const struct bb_route bb_routes_auth[] = {
        {EVHTTP_REQ_POST, "/connect/token", BB_ANON, BB_BODY_FORM, connect_token},
        {EVHTTP_REQ_POST, "/api/v2/Challenges", BB_OPTIONAL, BB_BODY_JSON, challenge_create},
        {EVHTTP_REQ_GET, "/api/v2/Challenges/{}", BB_AUTH, BB_BODY_NONE, challenge_get},
        {EVHTTP_REQ_POST, "/api/v2/Identities", BB_ANON, BB_BODY_JSON, identity_create},
        {EVHTTP_REQ_GET, "/api/v2/Version", BB_ANON, BB_BODY_NONE, version_get},
        {EVHTTP_REQ_GET, "/health", BB_ANON, BB_BODY_NONE, health_get},
        {0},
};
