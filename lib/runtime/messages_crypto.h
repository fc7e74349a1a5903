/*
 * runtime/messages_crypto.h: the message record on the Backbone (crypto-protocol.md §2.7).
 *
 * Sealing (sender): a fresh message key; per recipient its serialized form {"key":..,"alg":3}
 * encrypted with that relationship's transmit state (counter mode: the caller must persist the
 * advanced secrets before the request leaves, so no key/nonce pair is ever used twice);
 * serializedPlaintext = MessageContentWrapper{attachments, content, createdAt, recipients} with
 * keys sorted as ts-serval writes them; per recipient a MessageSignature made with that
 * relationship's signature key (label SHA256) over it; body = the MessageSigned JSON encrypted with
 * the message key and a random nonce, sent as CryptoCipher.toBase64().
 *
 * Opening (recipient): finds its encryptedKey, decrypts it with the receive state at the cipher's
 * cnt (counters are not checked, as in the original), decrypts the body, verifies its own signature
 * entry with the peer's relationship key and checks that it is among the recipients.
 */
#ifndef CONNECTOR_RUNTIME_MESSAGES_CRYPTO_H
#define CONNECTOR_RUNTIME_MESSAGES_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "crypto/crypto.h"

struct msg_seal_recipient {
	const char *address;
	struct ecrypto_rel_secrets *secrets; /* transmit counter advances */
};

struct msg_seal_input {
	json_object *content;     /* the message content (Mail, ArbitraryMessageContent, ...) with @type */
	json_object *attachments; /* array of FileReference JSON objects {backboneBaseUrl?, id, key}, or NULL */
	const char *created_at;   /* ISO date of the wrapper */
	const struct msg_seal_recipient *recipients;
	size_t nrecipients;
	const struct ecrypto_secret_key *message_key; /* NULL: fresh (tests pass fixed material) */
	const uint8_t *body_nonce;                    /* NULL: random */
};

/*
 * *request gets the Backbone's POST /api/v2/Messages body {recipients:[{address, encryptedKey}],
 * body, attachments:[{id}]}; *plaintext (may be NULL) the serializedPlaintext (malloc'd).
 */
enum ecrypto_err msg_seal(const struct msg_seal_input *in, json_object **request, char **plaintext,
                          struct ecrypto_why *why);

struct msg_opened {
	json_object *wrapper; /* parsed MessageContentWrapper: content, attachments, createdAt, recipients */
};

/*
 * Opens a Backbone MessageDTO (its body and own recipients entry) sent by the peer of secrets to
 * own_address. On success out->wrapper must be released with json_object_put.
 */
enum ecrypto_err msg_open(const struct ecrypto_rel_secrets *secrets, const char *own_address,
                          const char *encrypted_key_b64, const char *body_b64, struct msg_opened *out,
                          struct ecrypto_why *why);

/* A deep copy of obj whose object keys are sorted (UTF-16 order = byte order for ASCII keys). */
json_object *msg_sorted_copy(json_object *obj);

#endif
