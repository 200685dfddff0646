// A tender's opening key made, split k-of-n and sealed to each opening officer in this browser, and an
// officer's share opened with its own key: the formats of ledger/crypto/shares.py (Shamir over
// GF(2^521 − 1), a share = index byte ‖ 66-byte value, its hash keccak of those 67 bytes) and
// ledger/crypto/officer_box.py (ECIES over secp256k1, HKDF-SHA256, AES-256-GCM bound to the tender,
// the officer and the index). The opening private key and the plain shares exist only inside `deal`.
import * as secp from "./vendor/noble-secp256k1/index.js";
import * as S from "./signer.js";

export const PRIME = (1n << 521n) - 1n;
export const FORMAT = "TenderLedger.OfficerShare.v1";
const VALUE_SIZE = 66;
const SHARE_SIZE = 67;
const HEADER_SIZE = 1 + 65 + 12;
const BOX_SIZE = HEADER_SIZE + SHARE_SIZE + 16;
const CONTEXT_TAG = S.keccak(S.utf8("TenderLedger.OfficerShareContext.v1"));

export class BoxError extends Error {
  constructor(code, detail = "") { super(detail || code); this.code = code; this.detail = detail; }
}

const bigOf = (bytes) => bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
function bytesOf(value, size) {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) { out[i] = Number(value & 0xffn); value >>= 8n; }
  return out;
}

function randomField() {  // uniform below 2^521 − 1: 521 random bits, drawn again in the rare case ≥ p
  for (;;) {
    const raw = crypto.getRandomValues(new Uint8Array(VALUE_SIZE));
    raw[0] &= 0x01;
    const v = bigOf(raw);
    if (v < PRIME) return v;
  }
}

// n shares (indexes 1..n) of a 32-byte secret, any k of which rebuild it.
export function split(secret, k, n) {
  if (!(k >= 2 && k <= n && n <= 255)) throw new BoxError("threshold");
  const coefficients = [bigOf(secret)];
  for (let i = 1; i < k; i++) coefficients.push(randomField());
  const shares = [];
  for (let x = 1; x <= n; x++) {
    let y = 0n;
    for (let i = coefficients.length - 1; i >= 0; i--) y = (y * BigInt(x) + coefficients[i]) % PRIME;
    shares.push(S.concat(Uint8Array.of(x), bytesOf(y, VALUE_SIZE)));
  }
  return shares;
}

// An officer's public key (0x04 ‖ x ‖ y; also 64 bytes without 04, or 33 compressed) → { public, address }.
export function officerKey(text) {
  const raw = String(text).trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]*$/.test(raw) || raw.length % 2) throw new BoxError("officer-key", "not hex");
  let bytes = S.unhex(raw);
  if (bytes.length === 20) throw new BoxError("officer-key", "an address, not a public key (`tender officer-key` prints it)");
  if (bytes.length === 64) bytes = S.concat(Uint8Array.of(4), bytes);
  let point;
  try { point = secp.Point.fromBytes(bytes); } catch { throw new BoxError("officer-key", "not a point on secp256k1"); }
  const pub = point.toBytes(false);
  return { public: pub, address: S.checksum(S.hex(S.keccak(pub.subarray(1)).subarray(12))) };
}

function shareAad(tenderId, officer, index) {
  const word = (bytes) => S.concat(new Uint8Array(32 - bytes.length), bytes);
  return S.concat(CONTEXT_TAG, S.unhex(tenderId, 32), word(S.unhex(officer, 20)), word(Uint8Array.of(index)));
}

async function aesKey(shared, ephemeralPublic, officerPublic, usage) {
  const hkdf = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0),
    info: S.concat(S.utf8(FORMAT), ephemeralPublic, officerPublic) }, hkdf, { name: "AES-GCM", length: 256 }, false, [usage]);
}

async function seal(share, tenderId, officer) {
  const ephemeral = secp.utils.randomSecretKey();
  const ephemeralPublic = secp.getPublicKey(ephemeral, false);
  const shared = secp.getSharedSecret(ephemeral, officer.public, true).subarray(1);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const header = S.concat(Uint8Array.of(1), ephemeralPublic, nonce);
  const key = await aesKey(shared, ephemeralPublic, officer.public, "encrypt");
  const body = new Uint8Array(await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: S.concat(header, shareAad(tenderId, officer.address, share[0])), tagLength: 128 },
    key, share));
  return { format: FORMAT, tender_id: tenderId, officer: officer.address, index: share[0], box: S.hex(S.concat(header, body)) };
}

// A new X25519 opening key for `tenderId`, split `threshold`-of-officers.length, each share sealed to
// its officer. Out come only the public key, the share hashes and the sealed shares (officer order).
export async function deal(tenderId, officers, threshold) {
  const pair = await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
  const openingPublic = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const shares = split(pkcs8.subarray(pkcs8.length - 32), threshold, officers.length);
  pkcs8.fill(0);
  const sealed = [];
  for (let i = 0; i < officers.length; i++) sealed.push(await seal(shares[i], tenderId, officers[i]));
  const hashes = shares.map((s) => S.hex(S.keccak(s)));
  shares.forEach((s) => s.fill(0));
  return { openingPublic: S.hex(openingPublic), shareHashes: hashes, sealed };
}

// ------------------------------------------------------------------ a lottery's draw key (alt_bn128)

// alt_bn128, the curve of the EVM's ECADD/ECMUL (ledger/crypto/draw_seal.py): y² = x³ + 3 over F_p,
// generator (1, 2), group order r. A draw key is sk in [1, r), its public key sk·G as x ‖ y.
export const BN_P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
export const BN_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const mod = (a, m = BN_P) => ((a % m) + m) % m;

function inverse(a) {  // a⁻¹ mod p (p prime, a ≠ 0), by the extended Euclidean algorithm
  let [r0, r1, s0, s1] = [mod(a), BN_P, 1n, 0n];
  while (r1 !== 0n) { const q = r0 / r1; [r0, r1] = [r1, r0 - q * r1]; [s0, s1] = [s1, s0 - q * s1]; }
  return mod(s0);
}

function bnAdd(a, b) {  // affine points, null the point at infinity
  if (a === null) return b;
  if (b === null) return a;
  if (a[0] === b[0]) {
    if (mod(a[1] + b[1]) === 0n) return null;
    const l = mod(3n * a[0] * a[0] * inverse(2n * a[1]));
    const x = mod(l * l - 2n * a[0]);
    return [x, mod(l * (a[0] - x) - a[1])];
  }
  const l = mod((b[1] - a[1]) * inverse(b[0] - a[0]));
  const x = mod(l * l - a[0] - b[0]);
  return [x, mod(l * (a[0] - x) - a[1])];
}

export function bnMultiply(k, point = [1n, 2n]) {
  let out = null;
  let add = point;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) out = bnAdd(out, add);
    add = bnAdd(add, add);
  }
  return out;
}

// The 64-byte public key (x ‖ y) of a 32-byte draw private key (draw_seal.public_key_bytes).
export function drawPublicKey(secret) {
  const k = bigOf(secret);
  if (k <= 0n || k >= BN_R) throw new BoxError("draw-key");
  const [x, y] = bnMultiply(k);
  return S.concat(bytesOf(x, 32), bytesOf(y, 32));
}

// A new draw key for `drawId`, split `threshold`-of-officers.length, each share sealed to its
// officer as a tender's opening key is (the draw id in the tender id's place, so each box is bound
// to its draw): ledger.crypto.officer_box.deal with new_key=draw_seal.new_draw_key. Out come only
// the public key (0x, 64 bytes), the share hashes and the sealed shares (officer order).
export async function dealDraw(drawId, officers, threshold) {
  let secret;
  for (;;) {
    secret = crypto.getRandomValues(new Uint8Array(32));
    const k = bigOf(secret);
    if (k > 0n && k < BN_R) break;
  }
  const openingPublic = drawPublicKey(secret);
  const shares = split(secret, threshold, officers.length);
  secret.fill(0);
  const sealed = [];
  for (let i = 0; i < officers.length; i++) sealed.push(await seal(shares[i], drawId, officers[i]));
  const hashes = shares.map((s) => S.hex(S.keccak(s)));
  shares.forEach((s) => s.fill(0));
  return { openingPublic: S.hex(openingPublic), shareHashes: hashes, sealed };
}

// The 67-byte share in `sealed` (a sealed share file's JSON), opened with the officer's own key.
export async function openShare(sealed, key) {
  const keys = ["box", "format", "index", "officer", "tender_id"];
  if (!sealed || typeof sealed !== "object" || Object.keys(sealed).sort().join() !== keys.join()) {
    throw new BoxError("share-file", `an object with exactly ${keys.join(", ")}`);
  }
  if (sealed.format !== FORMAT) throw new BoxError("share-file", `format ${String(sealed.format).slice(0, 60)}`);
  let box;
  try { box = S.unhex(sealed.box); } catch { throw new BoxError("share-file", "box is not hex"); }
  if (box.length !== BOX_SIZE || box[0] !== 1) throw new BoxError("share-file", `box of ${box.length} bytes`);
  if (S.checksum(sealed.officer) !== key.address) throw new BoxError("share-other", S.checksum(sealed.officer));
  const ephemeralPublic = box.subarray(1, 66);
  const header = box.subarray(0, HEADER_SIZE);
  let shared;
  try { shared = key.ecdh(ephemeralPublic); } catch { throw new BoxError("share-file", "ephemeral key"); }
  const aes = await aesKey(shared, ephemeralPublic, key.publicKey(), "decrypt");
  let plain;
  try {
    plain = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.subarray(66, HEADER_SIZE),
      additionalData: S.concat(header, shareAad(sealed.tender_id, key.address, sealed.index)), tagLength: 128 },
    aes, box.subarray(HEADER_SIZE)));
  } catch { throw new BoxError("share-open"); }
  if (plain.length !== SHARE_SIZE || plain[0] !== sealed.index) throw new BoxError("share-open");
  return plain;
}

// Calldata of TenderBook.releaseShare(bytes32 tenderId, bytes share) for a 67-byte share.
export function releaseShareCall(tenderId, share) {
  const padded = S.concat(share, new Uint8Array(96 - share.length));
  return S.concat(S.keccak(S.utf8("releaseShare(bytes32,bytes)")).subarray(0, 4), S.unhex(tenderId, 32),
    bytesOf(64n, 32), bytesOf(BigInt(share.length), 32), padded);
}
