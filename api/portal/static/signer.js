// The portal's signer: everything a firm's key does, done in this browser. The key is decrypted
// here from the firm's keystore file (Web3 Secret Storage v3: scrypt, AES-128-CTR, keccak MAC, plus
// tender-ledger's signed firm label) or pasted, kept in this page's memory only, and never sent.
//
// secp256k1 and keccak/scrypt come from @noble/secp256k1 and @noble/hashes, vendored unchanged in
// ./vendor (versions in vendor/README.md). X25519, HKDF, AES-GCM and AES-CTR are WebCrypto's.
//
// The formats mirror the Python side, one place each there:
//   keystore label        bidders/keystore.py      bid key + firm link  ledger/crypto/bid_keys.py
//   signed API requests   ledger/crypto/requests.py   Bid typed data     ledger/crypto/bids.py
//   envelope, commitments ledger/crypto/sealing.py
import * as secp from "./vendor/noble-secp256k1/index.js";
import { keccak_256 } from "./vendor/noble-hashes/sha3.js";
import { scryptAsync } from "./vendor/noble-hashes/scrypt.js";

export const N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141n;
const enc = new TextEncoder();

export class SignerError extends Error {
  constructor(code, detail) { super(detail || code); this.code = code; }
}

// ------------------------------------------------------------------ bytes

export function hex(bytes) {
  return "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
export function unhex(text, size) {
  const digits = String(text).replace(/^0x/i, "");
  if (digits.length % 2 || /[^0-9a-f]/i.test(digits)) throw new SignerError("bad-hex", `not hex: ${text}`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  if (size !== undefined && out.length !== size) throw new SignerError("bad-hex", `expected ${size} bytes: ${text}`);
  return out;
}
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
export const keccak = (bytes) => keccak_256(bytes);
export const utf8 = (text) => enc.encode(text);
function bigBytes(value, size) {
  let v = BigInt(value);
  if (v < 0n) throw new SignerError("bad-number", String(value));
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  if (v) throw new SignerError("bad-number", `${value} does not fit ${size} bytes`);
  return out;
}
const toBig = (bytes) => BigInt(hex(bytes));
export function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

// ------------------------------------------------------------------ addresses and keys

export function checksum(address) {
  const lower = String(address).toLowerCase().replace(/^0x/, "");
  const digest = hex(keccak(utf8(lower))).slice(2);
  let out = "0x";
  for (let i = 0; i < 40; i++) out += parseInt(digest[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}
function addressOfPublic(uncompressed) {
  return checksum(hex(keccak(uncompressed.subarray(1)).subarray(12)));
}

export class Key {
  #secret;
  constructor(secret) {
    if (!(secret instanceof Uint8Array) || secret.length !== 32) throw new SignerError("bad-key");
    const d = toBig(secret);
    if (d <= 0n || d >= N) throw new SignerError("bad-key");
    this.#secret = secret;
    this.address = addressOfPublic(secp.getPublicKey(secret, false));
  }
  static fromHex(text) {
    const match = /^(?:0x)?([0-9a-fA-F]{64})$/.exec(String(text).trim());
    if (!match) throw new SignerError("bad-key");
    return new Key(unhex(match[1]));
  }
  // A 65-byte Ethereum signature r ‖ s ‖ v (v 27/28) over a 32-byte digest.
  async signDigest(digest) {
    const sig = await secp.signAsync(digest, this.#secret, { prehash: false, format: "recovered" });
    return { r: sig.subarray(1, 33), s: sig.subarray(33, 65), yParity: sig[0],
             bytes: concat(sig.subarray(1), Uint8Array.of(27 + sig[0])) };
  }
  async signTyped(typed) { return (await this.signDigest(typedDigest(typed))).bytes; }
  // The firm's per-tender bid key: keccak("TenderLedger.BidKey.v1" ‖ key ‖ tender id) mod (n−1) + 1.
  bidKey(tenderId) {
    const seed = toBig(keccak(concat(utf8("TenderLedger.BidKey.v1"), this.#secret, unhex(tenderId, 32))));
    return new Key(bigBytes((seed % (N - 1n)) + 1n, 32));
  }
}

export function recoverAddress(digest, signature) {
  if (signature.length !== 65) throw new SignerError("bad-signature");
  let v = signature[64];
  if (v >= 27) v -= 27;
  if (v > 1) throw new SignerError("bad-signature");
  const sig = concat(Uint8Array.of(v), signature.subarray(0, 64));
  return addressOfPublic(secp.Point.fromBytes(secp.recoverPublicKey(sig, digest, { prehash: false })).toBytes(false));
}

export function personalDigest(message) {
  return keccak(concat(utf8(`\x19Ethereum Signed Message:\n${message.length}`), message));
}

// ------------------------------------------------------------------ the keystore file

const MAX_SCRYPT_MEMORY = 1 << 30;

// Canonical JSON (RFC 8785) of an object whose values are all strings: sorted keys, and string
// escaping as JSON.stringify does it (RFC 8785 is defined by it).
function canonicalStrings(object) {
  return "{" + Object.keys(object).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(object[k])}`).join(",") + "}";
}

export async function openKeystore(text, password, onProgress) {
  let doc;
  try { doc = JSON.parse(text); } catch { throw new SignerError("not-keystore"); }
  const crypto_ = doc && doc.crypto;
  if (!doc || doc.version !== 3 || !crypto_ || typeof crypto_ !== "object") throw new SignerError("not-keystore");
  const label = doc.tenderLedger;
  if (!label || typeof label !== "object") throw new SignerError("not-ours");
  const p = crypto_.kdfparams || {};
  if (crypto_.kdf !== "scrypt" || crypto_.cipher !== "aes-128-ctr") throw new SignerError("not-keystore");
  const [n, r, pp, dklen] = [p.n, p.r, p.p, p.dklen];
  if (![n, r, pp, dklen].every(Number.isInteger) || n < 2 || r < 1 || pp < 1 || dklen < 32) throw new SignerError("not-keystore");
  if (128 * n * r * pp > MAX_SCRYPT_MEMORY) throw new SignerError("not-keystore");
  const derived = await scryptAsync(utf8(String(password).normalize("NFKC")), unhex(p.salt), {
    N: n, r, p: pp, dkLen: dklen, onProgress,
  });
  const ciphertext = unhex(crypto_.ciphertext);
  const mac = keccak(concat(derived.subarray(16, 32), ciphertext));
  if (hex(mac) !== hex(unhex(crypto_.mac))) throw new SignerError("wrong-password");
  const aes = await crypto.subtle.importKey("raw", derived.subarray(0, 16), "AES-CTR", false, ["decrypt"]);
  const secret = new Uint8Array(await crypto.subtle.decrypt(
    { name: "AES-CTR", counter: unhex(crypto_.cipherparams.iv, 16), length: 128 }, aes, ciphertext));
  const key = new Key(secret);
  if (String(doc.address).toLowerCase().replace(/^0x/, "") !== key.address.slice(2).toLowerCase()) throw new SignerError("altered");
  const fields = { address: key.address, uscc: label.uscc, name: label.name, created: label.created };
  if (![label.uscc, label.name, label.created, label.signature].every((v) => typeof v === "string")) throw new SignerError("altered");
  const message = concat(utf8("tender-ledger keystore label\n"), utf8(canonicalStrings(fields)));
  let signer = null;
  try { signer = recoverAddress(personalDigest(message), unhex(label.signature, 65)); } catch { signer = null; }
  if (signer !== key.address) throw new SignerError("altered");
  return { key, uscc: label.uscc, name: label.name };
}

// ------------------------------------------------------------------ EIP-712

const encodeType = (name, types) => `${name}(${types[name].map((f) => `${f.type} ${f.name}`).join(",")})`;

function encodeValue(type, value) {
  if (type === "string") return keccak(utf8(value));
  if (type === "bytes") return keccak(value instanceof Uint8Array ? value : unhex(value));
  if (type === "address") return bigBytes(BigInt(checksum(value)), 32);
  if (type === "bool") return bigBytes(value ? 1n : 0n, 32);
  if (/^bytes\d+$/.test(type)) {
    const b = value instanceof Uint8Array ? value : unhex(value, Number(type.slice(5)));
    return concat(b, new Uint8Array(32 - b.length));
  }
  if (/^uint\d+$/.test(type)) {
    const v = BigInt(value);
    if (v < 0n || v >= 1n << BigInt(type.slice(4))) throw new SignerError("bad-number", `${value} is not a ${type}`);
    return bigBytes(v, 32);
  }
  throw new SignerError("bad-type", type);
}

function hashStruct(name, types, data) {
  return keccak(concat(keccak(utf8(encodeType(name, types))), ...types[name].map((f) => encodeValue(f.type, data[f.name]))));
}

const DOMAIN = [{ name: "name", type: "string" }, { name: "version", type: "string" },
                { name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }];

// typed = {domain, types (without EIP712Domain), primaryType, message}
export function typedDigest(typed) {
  const types = { ...typed.types, EIP712Domain: DOMAIN };
  return keccak(concat(Uint8Array.of(0x19, 0x01), hashStruct("EIP712Domain", types, typed.domain),
                       hashStruct(typed.primaryType, types, typed.message)));
}

export const BID_TYPES = { Bid: [{ name: "tenderId", type: "bytes32" }, { name: "section", type: "uint16" },
  { name: "commitment", type: "bytes32" }, { name: "nonce", type: "uint256" }, { name: "expiry", type: "uint64" }] };
export const LINK_TYPES = { BidKey: [{ name: "tenderId", type: "bytes32" }, { name: "bidKey", type: "address" }] };
const REQUEST_TYPES = { Request: [{ name: "method", type: "string" }, { name: "path", type: "string" },
  { name: "bodyHash", type: "bytes32" }, { name: "nonce", type: "uint256" }, { name: "expiry", type: "uint64" }] };

export const bookDomain = (chainId, book) => ({ name: "TenderBook", version: "1", chainId, verifyingContract: checksum(book) });

// The X-TL-* headers that sign one API request as `key` (ledger/crypto/requests.py).
export async function requestHeaders(key, { chainId, registry, method, path, body }) {
  const nonce = toBig(crypto.getRandomValues(new Uint8Array(16))).toString();
  const expiry = Math.floor(Date.now() / 1000) + 120;
  const signature = await key.signTyped({
    domain: { name: "TenderLedger", version: "1", chainId, verifyingContract: checksum(registry) },
    types: REQUEST_TYPES, primaryType: "Request",
    message: { method: method.toUpperCase(), path, bodyHash: keccak(body), nonce, expiry },
  });
  return { "X-TL-Signer": key.address, "X-TL-Nonce": nonce, "X-TL-Expiry": String(expiry), "X-TL-Signature": hex(signature) };
}

// ------------------------------------------------------------------ ABI words and the bid's commitments

const word = {
  uint: (v) => bigBytes(v, 32),
  address: (a) => bigBytes(BigInt(checksum(a)), 32),
  bytes32: (b) => (b instanceof Uint8Array ? b : unhex(b, 32)),
};

// keccak256(abi.encode(bytes32 salt, bytes32[] ids)), ids sorted ascending, no duplicates.
export function credentialSetCommitment(salt, ids) {
  const sorted = ids.map((i) => hex(unhex(i, 32))).sort();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) throw new SignerError("duplicate", sorted[i]);
  return keccak(concat(word.bytes32(salt), word.uint(64), word.uint(sorted.length), ...sorted.map((i) => unhex(i))));
}

export function bidContext({ chainId, book, tenderId, section, bidder }) {
  return concat(keccak(utf8("TenderLedger.BidContext.v1")), word.uint(chainId), word.address(book),
                word.bytes32(tenderId), word.uint(section), word.address(bidder));
}

export function bidCommitment({ chainId, book, tenderId, section, bidder, ciphertextHash, credentialSet }) {
  return keccak(concat(word.uint(chainId), word.address(book), word.bytes32(tenderId), word.uint(section),
                       word.address(bidder), word.bytes32(ciphertextHash), word.bytes32(credentialSet)));
}

// 0x01 ‖ ephemeral X25519 public ‖ nonce ‖ AES-256-GCM(HKDF-SHA256(shared, info = tag ‖ eph ‖ recipient)).
export async function seal(plaintext, recipientPublic, aad) {
  if (recipientPublic.length !== 32) throw new SignerError("bad-opening-key");
  const ephemeral = await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
  const ephemeralPublic = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
  const recipient = await crypto.subtle.importKey("raw", recipientPublic, { name: "X25519" }, false, []);
  const shared = await crypto.subtle.deriveBits({ name: "X25519", public: recipient }, ephemeral.privateKey, 256);
  const hkdf = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  const aes = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32),
      info: concat(utf8("TenderLedger.Seal.v1"), ephemeralPublic, recipientPublic) },
    hkdf, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const header = concat(Uint8Array.of(1), ephemeralPublic, nonce);
  const body = new Uint8Array(await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: concat(header, aad), tagLength: 128 }, aes, plaintext));
  return concat(header, body);
}

export async function sha256Hex(bytes) {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))).slice(2);
}

// ------------------------------------------------------------------ EIP-1559 transactions

function rlp(item) {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0] < 0x80) return item;
    return concat(rlpLength(item.length, 0x80), item);
  }
  const body = concat(...item.map(rlp));
  return concat(rlpLength(body.length, 0xc0), body);
}
function rlpLength(length, offset) {
  if (length < 56) return Uint8Array.of(offset + length);
  const size = bigBytes(length, 8).filter((_, i, a) => a.slice(0, i + 1).some((b) => b));
  return concat(Uint8Array.of(offset + 55 + size.length), size);
}
function quantity(value) {
  let v = BigInt(value);
  if (v < 0n) throw new SignerError("bad-number", String(value));
  const out = [];
  while (v > 0n) { out.unshift(Number(v & 0xffn)); v >>= 8n; }
  return Uint8Array.from(out);
}

// What a prepared transaction would do, in the terms a person can check before signing.
export function describeTx(tx) {
  return { to: tx.to ? checksum(tx.to) : null, chainId: BigInt(tx.chainId ?? -1), nonce: BigInt(tx.nonce ?? 0),
           value: BigInt(tx.value ?? 0), gas: BigInt(tx.gas ?? 0), maxFeePerGas: BigInt(tx.maxFeePerGas ?? 0),
           maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas ?? 0), data: hex(unhex(tx.data || "0x")),
           type: BigInt(tx.type ?? 2) };
}

// The problems with a prepared transaction against what we asked for (empty: it is the one).
export function txProblems(tx, { to, data, chainId }) {
  const d = describeTx(tx);
  const problems = [];
  if (!d.to || d.to.toLowerCase() !== String(to).toLowerCase()) problems.push(["tx.to", d.to, checksum(to)]);
  if (d.data !== hex(data)) problems.push(["tx.data"]);
  if (d.chainId !== BigInt(chainId)) problems.push(["tx.chain", String(d.chainId), String(chainId)]);
  if (d.value !== 0n) problems.push(["tx.value", String(d.value)]);
  if (d.type !== 2n) problems.push(["tx.type", String(d.type)]);
  if (tx.accessList && tx.accessList.length) problems.push(["tx.access"]);
  return problems;
}

export async function signTx(key, tx) {
  const d = describeTx(tx);
  const fields = [quantity(d.chainId), quantity(d.nonce), quantity(d.maxPriorityFeePerGas), quantity(d.maxFeePerGas),
                  quantity(d.gas), unhex(d.to, 20), quantity(d.value), unhex(d.data), []];
  const sig = await key.signDigest(keccak(concat(Uint8Array.of(2), rlp(fields))));
  const signed = concat(Uint8Array.of(2), rlp([...fields, quantity(sig.yParity), quantity(toBig(sig.r)), quantity(toBig(sig.s))]));
  return hex(signed);
}

// ABI call data of TenderBook.withdrawBid(bytes32 tenderId, uint16 section).
export function withdrawCall(tenderId, section) {
  const selector = keccak(utf8("withdrawBid(bytes32,uint16)")).subarray(0, 4);
  return concat(selector, word.bytes32(tenderId), word.uint(section));
}
