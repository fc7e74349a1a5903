/*
 * crypto/crypto.h: the whole enmeshed crypto library in one include. Families:
 *   error.h        errors, ecrypto_init, ecrypto_free_text/bytes
 *   secretkey.h    CryptoSecretKey, KDF            cipher.h     CryptoCipher, AEAD, counter nonces
 *   signature.h    Ed25519 keys and signatures     exchange.h   X25519 keys, kx, template keys
 *   state.h        relationship transmit/receive   relationship.h  request/response secrets
 *   password.h     Argon2id password keys          hash.h       SHA-2
 *   address.h      did:e addresses                 reference.h  token/template/file references
 * (base64 codecs: lib/base64.h)
 */
#ifndef CONNECTOR_CRYPTO_CRYPTO_H
#define CONNECTOR_CRYPTO_CRYPTO_H

#include "crypto/address.h"
#include "crypto/cipher.h"
#include "crypto/error.h"
#include "crypto/exchange.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "crypto/reference.h"
#include "crypto/relationship.h"
#include "crypto/secretkey.h"
#include "crypto/signature.h"
#include "crypto/state.h"

#endif
