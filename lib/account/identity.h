/*
 * account/identity.h: the account's enmeshed identity (one per database.dbName schema): creation at
 * the Backbone on first use and its storage in the table account_identity (sql/0003_account.sql).
 *
 * Who creates it: whichever process needs it first (sync, sse or http-api worker) through
 * account_identity_ensure(). Creation runs under the advisory lock ACCOUNT_LOCK_IDENTITY of the
 * schema, so two processes (or hosts) starting at once create one identity; the loser of the race
 * finds the row the winner committed. Later starts only read the row.
 *
 * Crash safety: the keys and the device password are committed (state 'keys') before the identity
 * is registered, the Backbone's answer (address, device id, username) right after (state
 * 'registered'), and the initial datawallet version upgrade last (state 'ready'). A restart
 * resumes from the stored state. The one unrecoverable window is a crash between the Backbone's
 * answer to POST /Identities and the commit of that answer: the next start then reports
 * addressAlreadyExists and the operator must start from an empty schema.
 *
 * Secrets (identity private key, device private key, device password) are stored in clear in the
 * schema, as the original stores them in its database: protect the database.
 */
#ifndef CONNECTOR_ACCOUNT_IDENTITY_H
#define CONNECTOR_ACCOUNT_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "backbone/client.h"
#include "crypto/crypto.h"
#include "db.h"

/* Advisory lock purposes of this area (first key half; second: the schema, see db_advisory_key). */
#define ACCOUNT_LOCK_IDENTITY DB_LOCK_IDENTITY

struct account_identity {
	char address[ECRYPTO_ADDRESS_MAX + 1];
	char *public_key; /* CryptoSignaturePublicKey.toBase64(), as IdentityInfo.publicKey */
	char device_id[32];
	char username[32];
	char *device_password;
	struct ecrypto_sig_keypair identity_keys;
};

enum account_status {
	ACCOUNT_OK = 0,
	ACCOUNT_ERR_DATABASE, /* a statement failed or the server went away: retry later */
	ACCOUNT_ERR_BACKBONE, /* the Backbone was unreachable or refused a step: retry later */
	ACCOUNT_ERR_FATAL,    /* configuration or state that retrying cannot fix (message says what) */
	ACCOUNT_ERR_MISSING,  /* account_identity_load: no ready identity yet */
};

/*
 * Loads the ready identity or creates it (see above), then gives the client its device
 * credentials. err gets a one-line reason on failure. Free the identity with account_identity_clear.
 */
enum account_status account_identity_ensure(struct db *db, struct backbone_client *client, struct account_identity *out,
                                            char *err, size_t err_len);
/* Only reads: ACCOUNT_ERR_MISSING when the identity is not (completely) created yet. */
enum account_status account_identity_load(struct db *db, struct account_identity *out, char *err, size_t err_len);
void account_identity_clear(struct account_identity *identity);

/*
 * Health check backboneAuthentication (connector-modules.md §4.1): a fresh login with the stored
 * device credentials. True when the Backbone issued a token. why gets the reason otherwise.
 */
bool account_check_authentication(struct db *db, struct backbone_client *client, char *why, size_t why_len);

#endif
