// tests/sdk/qrcode.test.mjs: the QR code (image/png) variants of the C Connector. The PNG is
// decoded here (zlib from Node, 1-bit grayscale), read back with jsQR, and its module matrix is
// compared with the one the `qrcode` npm library (which the original Connector uses) builds for the
// same text at level M as one byte-mode segment: equal for the mask the C side chose, and that is
// the mask the library picks. (The library mixes segment modes by default; readers do not care.)
// Through the official SDK 6.7.0 (getQrCodeForToken, createTokenQrCodeForOwnRelationshipTemplate).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { API_KEY, haveDatabase, setupBackbone, start, teardown } from '../e2e/account-lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const have = fs.existsSync(path.join(here, 'node_modules/qrcode/package.json'));
const skip = (!haveDatabase && 'CONNECTOR_TEST_DATABASE not set') || (!have && 'npm ci --prefix tests/sdk not run');
let env, a, sdk;
const inFuture = () => new Date(Date.now() + 3600_000).toISOString();

before(async () => {
  if (skip) return;
  env = await setupBackbone('e2e_qr');
  a = await start(env, 'qr_a');
  const { ConnectorClient } = require('@nmshd/connector-sdk');
  sdk = ConnectorClient.create({ baseUrl: a.baseUrl, apiKey: API_KEY });
});

after(async () => {
  if (!skip) await teardown(env, [a]);
});

function crc32(bytes) {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

// PNG (grayscale, bit depth 1 or 8) -> {width, height, gray: Uint8Array of 0/255}.
function decodePng(buf) {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let pos = 8, width, height, depth, idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos), type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    assert.equal(crc32(buf.subarray(pos + 4, pos + 8 + len)), buf.readUInt32BE(pos + 8 + len), `${type} CRC`);
    if (type === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); depth = data[8]; assert.equal(data[9], 0, 'grayscale'); }
    if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = Math.ceil((width * depth) / 8) + 1, gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * stride], 0, 'filter 0');
    for (let x = 0; x < width; x++) {
      const v = depth === 1 ? (raw[y * stride + 1 + (x >> 3)] >> (7 - (x & 7))) & 1 : raw[y * stride + 1 + x] >> 7;
      gray[y * width + x] = v ? 255 : 0;
    }
  }
  return { width, height, gray };
}

function checkQr(png, text) {
  const { width, height, gray } = decodePng(png);
  const rgba = new Uint8ClampedArray(width * height * 4);
  gray.forEach((g, i) => { rgba.set([g, g, g, 255], i * 4); });
  const read = require('jsqr')(rgba, width, height);
  assert.ok(read, 'jsQR finds a QR code');
  assert.equal(read.data, text, 'and reads the reference URL');
  const QRCode = require('qrcode');
  // One byte-mode segment: the library would otherwise mix modes (a different but equally valid code).
  const segments = [{ data: text, mode: 'byte' }];
  const lib = QRCode.create(segments, { errorCorrectionLevel: 'M' });
  const size = lib.modules.size, scale = 4, margin = 4;
  assert.equal(width, (size + 2 * margin) * scale, 'same version as the qrcode library, 4 px per module, margin 4');
  const ours = [];
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) ours.push(gray[((r + margin) * scale) * width + (c + margin) * scale] === 0 ? 1 : 0);
  const same = (m) => [...QRCode.create(segments, { errorCorrectionLevel: 'M', maskPattern: m }).modules.data].every((v, i) => v === ours[i]);
  const masks = [0, 1, 2, 3, 4, 5, 6, 7].filter(same);
  assert.equal(masks.length, 1, 'the matrix equals the library\'s for exactly one mask');
  assert.equal(masks[0], lib.maskPattern, 'the mask the library picks');
}

test('GET /Tokens/{id} with Accept: image/png gives the QR code of reference.url', { skip }, async () => {
  const t = (await sdk.tokens.createOwnToken({ content: { qr: true }, expiresAt: inFuture(), ephemeral: false })).result;
  const res = await fetch(`${a.baseUrl}/api/core/v1/Tokens/${t.id}`, { headers: { 'X-API-KEY': API_KEY, Accept: 'image/png' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.equal(res.headers.get('content-disposition'), `attachment;filename=${t.id}.png`);
  checkQr(Buffer.from(await res.arrayBuffer()), t.reference.url);
  const viaSdk = await sdk.tokens.getQrCodeForToken(t.id);
  assert.ok(viaSdk.isSuccess, JSON.stringify(viaSdk.error));
  checkQr(Buffer.from(viaSdk.result), t.reference.url);
});

test('templates: QR of an own template, and the token QR variant (ephemeral, 201)', { skip }, async () => {
  const tpl = (await sdk.relationshipTemplates.createOwnRelationshipTemplate({
    content: { '@type': 'ArbitraryRelationshipTemplateContent', value: 'qr'.repeat(40) }, expiresAt: inFuture(),
  })).result;
  const qr = await sdk.relationshipTemplates.getQrCodeForOwnRelationshipTemplate(tpl.id);
  assert.ok(qr.isSuccess, JSON.stringify(qr.error));
  checkQr(Buffer.from(qr.result), tpl.reference.url);
  const before = (await sdk.tokens.getOwnTokens({})).result.length;
  const tokenQr = await sdk.relationshipTemplates.createTokenQrCodeForOwnRelationshipTemplate(tpl.id, {});
  assert.ok(tokenQr.isSuccess, JSON.stringify(tokenQr.error));
  const { width } = decodePng(Buffer.from(tokenQr.result));
  assert.ok(width > 0);
  assert.equal((await sdk.tokens.getOwnTokens({})).result.length, before, 'the QR variant does not store the token');
});
