# lib/crypto.mk: the enmeshed crypto library on libsodium (lib/crypto/, lib/base64.*), its unit
# tests and its benchmark. Owned by the crypto area; see Makefile.am.
libconnector_a_SOURCES += lib/base64.c lib/base64.h \
	lib/crypto/error.c lib/crypto/error.h \
	lib/crypto/jsonutil.c lib/crypto/jsonutil.h \
	lib/crypto/signature.c lib/crypto/signature.h \
	lib/crypto/address.c lib/crypto/address.h \
	lib/crypto/secretkey.c lib/crypto/secretkey.h \
	lib/crypto/cipher.c lib/crypto/cipher.h \
	lib/crypto/exchange.c lib/crypto/exchange.h \
	lib/crypto/password.c lib/crypto/password.h \
	lib/crypto/hash.c lib/crypto/hash.h \
	lib/crypto/state.c lib/crypto/state.h \
	lib/crypto/relationship.c lib/crypto/relationship_json.c lib/crypto/relationship.h \
	lib/crypto/reference.c lib/crypto/reference_json.c lib/crypto/reference.h \
	lib/crypto/reference_check.h lib/crypto/crypto.h

EXTRA_DIST += tests/data/crypto-vectors.json tests/unit/test_crypto_common.h

check_PROGRAMS += test_crypto_identity
TESTS += test_crypto_identity
test_crypto_identity_SOURCES = tests/unit/test_crypto_identity.c tests/unit/test_crypto_common.h
test_crypto_identity_LDADD = $(CONNECTOR_LIBS)

check_PROGRAMS += test_crypto_vectors
TESTS += test_crypto_vectors
test_crypto_vectors_SOURCES = tests/unit/test_crypto_vectors.c tests/unit/test_crypto_common.h
test_crypto_vectors_LDADD = $(CONNECTOR_LIBS)

check_PROGRAMS += test_crypto_records
TESTS += test_crypto_records
test_crypto_records_SOURCES = tests/unit/test_crypto_records.c tests/unit/test_crypto_common.h
test_crypto_records_LDADD = $(CONNECTOR_LIBS)

check_PROGRAMS += test_crypto_fuzz
TESTS += test_crypto_fuzz
test_crypto_fuzz_SOURCES = tests/unit/test_crypto_fuzz.c tests/unit/test_crypto_common.h
test_crypto_fuzz_LDADD = $(CONNECTOR_LIBS)

check_PROGRAMS += test_crypto_errors
TESTS += test_crypto_errors
test_crypto_errors_SOURCES = tests/unit/test_crypto_errors.c tests/unit/test_crypto_common.h
test_crypto_errors_LDADD = $(CONNECTOR_LIBS)

# Benchmark (bench/crypto/run.sh builds it optimised and prints the table).
noinst_PROGRAMS += bench_crypto
bench_crypto_SOURCES = bench/crypto/bench_crypto.c
bench_crypto_LDADD = $(CONNECTOR_LIBS)
dist_noinst_SCRIPTS += bench/crypto/run.sh
