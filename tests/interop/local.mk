# tests/interop/local.mk: the interop suite (official @nmshd/runtime 7.0.0 peers against
# connector-backbone-dev). Needs `npm ci --prefix tests/interop` and CONNECTOR_TEST_DATABASE;
# without them every file prints a TAP skip. See tests/interop/README.md.
TESTS += \
	tests/interop/smoke.test.mjs \
	tests/interop/templates.test.mjs \
	tests/interop/relationships.test.mjs \
	tests/interop/messages.test.mjs \
	tests/interop/sse.test.mjs \
	tests/interop/limits.test.mjs \
	tests/interop/devices.test.mjs \
	tests/interop/deletion.test.mjs \
	tests/interop/auth.test.mjs \
	tests/interop/account.test.mjs \
	tests/interop/requests.test.mjs \
	tests/interop/restart.test.mjs \
	tests/interop/concurrency.test.mjs
EXTRA_DIST += \
	tests/interop/package.json \
	tests/interop/package-lock.json \
	tests/interop/README.md \
	tests/interop/FINDINGS.md \
	tests/interop/lib/address.mjs \
	tests/interop/lib/backbone.mjs \
	tests/interop/lib/content.mjs \
	tests/interop/lib/env.mjs \
	tests/interop/lib/fidelity.mjs \
	tests/interop/lib/flows.mjs \
	tests/interop/lib/peer.mjs \
	tests/interop/lib/sse.mjs \
	tests/interop/lib/suite.mjs \
	tests/interop/lib/wire.mjs \
	tests/interop/smoke.test.mjs \
	tests/interop/templates.test.mjs \
	tests/interop/relationships.test.mjs \
	tests/interop/messages.test.mjs \
	tests/interop/sse.test.mjs \
	tests/interop/limits.test.mjs \
	tests/interop/devices.test.mjs \
	tests/interop/deletion.test.mjs \
	tests/interop/auth.test.mjs \
	tests/interop/account.test.mjs \
	tests/interop/requests.test.mjs \
	tests/interop/restart.test.mjs \
	tests/interop/concurrency.test.mjs
