/*
 * broker_pubsub_auth.c: Google service-account OAuth (broker_pubsub_auth.h). The JWT is signed with
 * RS256 by OpenSSL's EVP interface; base64url comes from libsodium; the token request is one libcurl
 * POST. The private key lives only in memory for the duration of one signature.
 */
#include "broker_pubsub_auth.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "broker_internal.h"

#define PUBSUB_SCOPE "https://www.googleapis.com/auth/pubsub"

struct pubsub_token {
	char *value;
	time_t expires_at;
};

static char *b64url(const unsigned char *bin, size_t len)
{
	size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);
	if (!out)
		abort();
	return sodium_bin2base64(out, cap, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool rs256(const char *pem, const char *input, unsigned char **sig, size_t *sig_len)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = key && md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	          EVP_DigestSign(md, NULL, sig_len, (const unsigned char *)input, strlen(input)) == 1;
	*sig = ok ? malloc(*sig_len) : NULL;
	ok = ok && *sig && EVP_DigestSign(md, *sig, sig_len, (const unsigned char *)input, strlen(input)) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return ok;
}

char *pubsub_jwt_assertion(const char *client_email, const char *private_key_pem, const char *audience,
                           long long issued_at, char **error)
{
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	json_object *claims = json_object_new_object();
	json_object_object_add(claims, "iss", json_object_new_string(client_email));
	json_object_object_add(claims, "scope", json_object_new_string(PUBSUB_SCOPE));
	json_object_object_add(claims, "aud", json_object_new_string(audience));
	json_object_object_add(claims, "iat", json_object_new_int64(issued_at));
	json_object_object_add(claims, "exp", json_object_new_int64(issued_at + 3600));
	const char *claims_text =
	        json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *h = b64url((const unsigned char *)header, strlen(header));
	char *c = b64url((const unsigned char *)claims_text, strlen(claims_text));
	char *input = broker_strdupf("%s.%s", h, c), *jwt = NULL;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	if (rs256(private_key_pem, input, &sig, &sig_len)) {
		char *s = b64url(sig, sig_len);
		jwt = broker_strdupf("%s.%s", input, s);
		free(s);
	} else {
		broker_set_error(error, "Pub/Sub: the key file's private_key is not a usable RSA key");
	}
	free(sig);
	free(input);
	free(h);
	free(c);
	json_object_put(claims);
	return jwt;
}

struct answer {
	char *data;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	char *grown = realloc(a->data, a->len + size * n + 1);
	if (!grown)
		return 0;
	memcpy(grown + a->len, p, size * n);
	a->data = grown;
	a->len += size * n;
	a->data[a->len] = 0;
	return size * n;
}

static char *post_form(const char *url, const char *form, int timeout_ms, long *status, char **error)
{
	CURL *curl = curl_easy_init();
	struct answer a = {0};
	if (!curl)
		return NULL;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
	CURLcode rc = curl_easy_perform(curl);
	*status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	else
		broker_set_error(error, "Pub/Sub: token request failed: %s", curl_easy_strerror(rc));
	curl_easy_cleanup(curl);
	return a.data;
}

static struct pubsub_token *exchange(const char *token_uri, const char *jwt, int timeout_ms, char **error)
{
	char *form = broker_strdupf(
	        "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer&assertion=%s", jwt);
	long status;
	char *body = post_form(token_uri, form, timeout_ms, &status, error);
	free(form);
	json_object *root = body ? json_tokener_parse(body) : NULL, *tok = NULL, *exp = NULL;
	struct pubsub_token *t = NULL;
	if (status == 200 && json_object_object_get_ex(root, "access_token", &tok) &&
	    json_object_is_type(tok, json_type_string)) {
		t = calloc(1, sizeof(*t));
		if (!t)
			abort();
		t->value = strdup(json_object_get_string(tok));
		json_object_object_get_ex(root, "expires_in", &exp);
		t->expires_at = time(NULL) + (exp ? json_object_get_int64(exp) : 3600);
	} else if (status) {
		broker_set_error(error, "Pub/Sub: the token endpoint answered HTTP %ld: %.200s", status,
		                 body ? body : "");
	}
	json_object_put(root);
	free(body);
	return t;
}

struct pubsub_token *pubsub_token_fetch(const char *key_file, int timeout_ms, char **error)
{
	json_object *key = json_object_from_file(key_file), *email = NULL, *pem = NULL, *uri = NULL;
	if (!key || !json_object_object_get_ex(key, "client_email", &email) ||
	    !json_object_object_get_ex(key, "private_key", &pem)) {
		broker_set_error(error,
		                 "Pub/Sub: cannot read the service-account key file '%s' (expected JSON with "
		                 "client_email and private_key)",
		                 key_file);
		json_object_put(key);
		return NULL;
	}
	const char *token_uri = json_object_object_get_ex(key, "token_uri", &uri)
	                                ? json_object_get_string(uri)
	                                : "https://oauth2.googleapis.com/token";
	char *jwt = pubsub_jwt_assertion(json_object_get_string(email), json_object_get_string(pem), token_uri,
	                                 (long long)time(NULL), error);
	struct pubsub_token *t = jwt ? exchange(token_uri, jwt, timeout_ms, error) : NULL;
	free(jwt);
	json_object_put(key);
	return t;
}

const char *pubsub_token_value(const struct pubsub_token *t)
{
	return t->value;
}

bool pubsub_token_expired(const struct pubsub_token *t)
{
	return time(NULL) + 60 >= t->expires_at;
}

void pubsub_token_free(struct pubsub_token *t)
{
	if (!t)
		return;
	sodium_memzero(t->value, strlen(t->value));
	free(t->value);
	free(t);
}
