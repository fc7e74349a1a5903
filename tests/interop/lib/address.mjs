// tests/interop/lib/address.mjs: the did:e address of an identity, computed independently of the
// runtime and the Backbone (crypto-protocol.md §2.1), so tests can check both against it.
import { createHash } from "node:crypto";

function sha(algorithm, data) {
    return createHash(algorithm).update(data).digest();
}

/** publicKeyBase64: CryptoSignaturePublicKey.toBase64(), i.e. base64 of the JSON {pub, alg}. */
export function deriveAddress(publicKeyBase64, host) {
    const json = JSON.parse(Buffer.from(publicKeyBase64, "base64url").toString("utf8"));
    const pub = Buffer.from(json.pub, "base64url");
    const part = sha("sha256", sha("sha512", pub)).subarray(0, 10).toString("hex");
    const prefix = `did:e:${host}:dids:${part}`;
    const checksum = sha("sha256", Buffer.from(prefix, "ascii")).subarray(0, 1).toString("hex");
    return `${prefix}${checksum}`;
}
