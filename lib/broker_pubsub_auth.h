/*
 * broker_pubsub_auth.h: OAuth access tokens for Google Cloud from a service-account key file
 * (JSON with client_email, private_key, token_uri): an RS256-signed JWT assertion exchanged at
 * token_uri (grant type jwt-bearer) for a bearer token with the Pub/Sub scope. Only the Pub/Sub
 * client uses this; it is the one place that needs OpenSSL's libcrypto (RSA).
 */
#ifndef CONNECTOR_BROKER_PUBSUB_AUTH_H
#define CONNECTOR_BROKER_PUBSUB_AUTH_H

#include <stdbool.h>

struct pubsub_token;

/* Reads the key file and fetches a token; NULL + *error (never containing the key) on failure. */
struct pubsub_token *pubsub_token_fetch(const char *key_file, int timeout_ms, char **error);
const char *pubsub_token_value(const struct pubsub_token *t);
/* True within 60 s of the token's expiry. */
bool pubsub_token_expired(const struct pubsub_token *t);
void pubsub_token_free(struct pubsub_token *t);

/* The signed assertion alone (for tests): header.claims.signature, base64url. malloc'd or NULL. */
char *pubsub_jwt_assertion(const char *client_email, const char *private_key_pem, const char *audience,
                           long long issued_at, char **error);

#endif
