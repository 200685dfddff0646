// The portal's signer: everything a firm's key does, done in this browser. The key is decrypted
// here from the firm's keystore file (Web3 Secret Storage v3: scrypt, AES-128-CTR, keccak MAC, plus
// tender-ledger's signed firm label) or pasted, kept in this page's memory only, and never sent.
//
// secp256k1 and keccak/scrypt come from @noble/secp256k1 and @noble/hashes, vendored unchanged in
// ./vendor (versions in vendor/README.md). X25519, HKDF, AES-GCM and AES-CTR are WebCrypto's.
//
// The formats mirror the Python side, one place each there:
//   keystore label        bidders/keystore.py      bid key + firm link  ledger/crypto/bid_keys.py
//   seat key              ledger/crypto/seat_keys.py
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
  // The uncompressed public key, and ECDH with another secp256k1 public key (the x coordinate):
  // what opens a share sealed to this key (officer_box.js).
  publicKey() { return secp.getPublicKey(this.#secret, false); }
  ecdh(publicKey) { return secp.getSharedSecret(this.#secret, publicKey, true).subarray(1); }
  // The firm's per-tender bid key: keccak("TenderLedger.BidKey.v1" ‖ key ‖ tender id) mod (n−1) + 1.
  bidKey(tenderId) {
    const seed = toBig(keccak(concat(utf8("TenderLedger.BidKey.v1"), this.#secret, unhex(tenderId, 32))));
    return new Key(bigBytes((seed % (N - 1n)) + 1n, 32));
  }
  // A member's seat key on committee `kind` (0 evaluation, 1 selection) of a tender's section:
  // keccak("TenderLedger.SeatKey.v1" ‖ key ‖ tender id ‖ uint16 section ‖ uint8 kind) mod (n−1) + 1.
  seatKey(tenderId, section, kind) {
    if (kind !== 0 && kind !== 1) throw new SignerError("bad-number", `committee kind ${kind}`);
    const seed = toBig(keccak(concat(utf8("TenderLedger.SeatKey.v1"), this.#secret, unhex(tenderId, 32),
                                     bigBytes(section, 2), Uint8Array.of(kind))));
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

// A firm's keystore carries tender-ledger's signed label (checked); an official's (`labelled: false`)
// may be a plain Web3 v3 keystore, whose label, if it has one, is still checked.
export async function openKeystore(text, password, onProgress, { labelled = true } = {}) {
  let doc;
  try { doc = JSON.parse(text); } catch { throw new SignerError("not-keystore"); }
  const crypto_ = doc && doc.crypto;
  if (!doc || doc.version !== 3 || !crypto_ || typeof crypto_ !== "object") throw new SignerError("not-keystore");
  const label = doc.tenderLedger;
  if (labelled && (!label || typeof label !== "object")) throw new SignerError("not-ours");
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
  if (label === undefined && !labelled) return { key, uscc: null, name: null };
  if (!label || typeof label !== "object") throw new SignerError("altered");
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

// The typed data of one signed API request (ledger/crypto/requests.py `_typed`).
export function requestTyped({ chainId, registry, method, path, body, nonce, expiry }) {
  return {
    domain: { name: "TenderLedger", version: "1", chainId, verifyingContract: checksum(registry) },
    types: REQUEST_TYPES, primaryType: "Request",
    message: { method: method.toUpperCase(), path, bodyHash: keccak(body), nonce, expiry },
  };
}

// The X-TL-* headers that sign one API request as `key` (ledger/crypto/requests.py).
export async function requestHeaders(key, { chainId, registry, method, path, body }) {
  const nonce = toBig(crypto.getRandomValues(new Uint8Array(16))).toString();
  const expiry = Math.floor(Date.now() / 1000) + 120;
  const signature = await key.signTyped(requestTyped({ chainId, registry, method, path, body, nonce, expiry }));
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

// What 密文 guarantee terms are sealed under, so that they open only for this guarantee on this chain
// (ledger.crypto.guarantee.terms_aad):
// keccak("TenderLedger.GuaranteeTerms.v1") ‖ abi.encode(uint256 chainId, address book, bytes32 guaranteeId).
export function guaranteeTermsContext({ chainId, book, guaranteeId }) {
  return concat(keccak(utf8("TenderLedger.GuaranteeTerms.v1")), word.uint(chainId), word.address(book),
                word.bytes32(guaranteeId));
}

// A guarantee's terms as the ledger writes them (GuaranteeTerms.to_bytes): RFC 8785 JSON of exactly its
// fields, version 1, addresses checksummed, hashes in lower-case hex, the red-list discount as its decimal string.
export function guaranteeTermsBytes(terms) {
  const bytes32 = (v) => hex(unhex(v, 32));
  const int = (v) => {
    if (!Number.isSafeInteger(Number(v)) || String(Number(v)) !== String(v).trim()) throw new SignerError("bad-number", String(v));
    return Number(v);
  };
  return utf8(canonicalJson({
    version: 1, guarantee_id: bytes32(terms.guarantee_id), guarantee_no: String(terms.guarantee_no),
    issuer: checksum(terms.issuer), issuer_type: int(terms.issuer_type), applicant: checksum(terms.applicant),
    applicant_uscc: String(terms.applicant_uscc), beneficiary: String(terms.beneficiary),
    beneficiary_uscc: String(terms.beneficiary_uscc), project_code: String(terms.project_code),
    section_code: String(terms.section_code), amount_fen: int(terms.amount_fen), fee_fen: int(terms.fee_fen),
    rate_bps: int(terms.rate_bps), red_discount: String(terms.red_discount ?? "0"), start: int(terms.start),
    end: int(terms.end), doc_hash: bytes32(terms.doc_hash),
  }));
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

// ------------------------------------------------------------------ ABI call data

// The parameter types of a signature such as "issue(bytes32,(bytes32,uint256))": a tuple is an array.
function parseTypes(text) {
  const out = [];
  let depth = 0, start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    if ((c === "," && depth === 0) || i === text.length) {
      const part = text.slice(start, i);
      if (part) out.push(part.startsWith("(") ? parseTypes(part.slice(1, -1)) : part);
      start = i + 1;
    }
  }
  return out;
}

function encodeStatic(type, value) {
  if (Array.isArray(type)) {
    if (!Array.isArray(value) || value.length !== type.length) throw new SignerError("bad-args", "tuple");
    return concat(...type.map((t, i) => encodeStatic(t, value[i])));
  }
  if (type === "bytes32") return word.bytes32(value);
  if (type === "address") return word.address(value);
  if (type === "bool") return word.uint(value ? 1n : 0n);
  if (/^uint\d+$/.test(type)) {
    const v = BigInt(value);
    if (v < 0n || v >= 1n << BigInt(type.slice(4))) throw new SignerError("bad-number", `${value} is not a ${type}`);
    return word.uint(v);
  }
  throw new SignerError("bad-type", String(type));
}

const staticSize = (type) => (Array.isArray(type) ? type.reduce((n, t) => n + staticSize(t), 0) : 32);

// selector ‖ abi.encode(args) for static types, static tuples and arrays of static words (T[]).
export function abiCall(signature, args) {
  const open = signature.indexOf("(");
  const types = parseTypes(signature.slice(open + 1, -1));
  if (types.length !== args.length) throw new SignerError("bad-args", signature);
  const heads = [], tails = [];
  let offset = types.reduce((n, t) => n + (typeof t === "string" && t.endsWith("[]") ? 32 : staticSize(t)), 0);
  types.forEach((type, i) => {
    if (typeof type === "string" && type.endsWith("[]")) {
      const inner = type.slice(0, -2);
      const tail = concat(word.uint(args[i].length), ...args[i].map((v) => encodeStatic(inner, v)));
      heads.push(word.uint(offset));
      tails.push(tail);
      offset += tail.length;
    } else {
      heads.push(encodeStatic(type, args[i]));
    }
  });
  return concat(keccak(utf8(signature)).subarray(0, 4), ...heads, ...tails);
}

// Governance.propose(address target, bytes data, bytes32 salt) call data: the proposal of `inner` on
// `target` with `salt` (its one dynamic argument laid out after the head).
export function proposeCall(target, inner, salt) {
  const uint = (n) => unhex(BigInt(n).toString(16).padStart(64, "0"), 32);
  const padding = new Uint8Array((32 - (inner.length % 32)) % 32);
  return concat(keccak(utf8("propose(address,bytes,bytes32)")).subarray(0, 4), word.address(target), uint(96),
    word.bytes32(salt), uint(inner.length), inner, padding);
}

// A text as one 32-byte word: its UTF-8 bytes, zero-padded on the right (an expert's speciality as
// SelectionBook keeps it); SignerError when it is empty or longer than 32 bytes.
export function textWord(text) {
  const bytes = utf8(String(text));
  if (!bytes.length || bytes.length > 32) throw new SignerError("bad-text", String(text));
  return concat(bytes, new Uint8Array(32 - bytes.length));
}

// A USCC as GuaranteeBook carries it: 18 ASCII characters, left-aligned, zero-padded to 32 bytes.
export function usccWord(uscc) {
  const bytes = utf8(String(uscc));
  if (bytes.length > 32 || /[^\x20-\x7e]/.test(String(uscc))) throw new SignerError("bad-uscc", String(uscc));
  return concat(bytes, new Uint8Array(32 - bytes.length));
}

// ------------------------------------------------------------------ credential ids and batch roots

// RFC 8785 canonical JSON of a document's values (strings, safe integers, booleans, null, arrays, objects).
export function canonicalJson(value) {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new SignerError("not-canonical", String(value));
    return String(value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  if (typeof value === "object") {
    return "{" + Object.keys(value).sort().filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",") + "}";
  }
  throw new SignerError("not-canonical", typeof value);
}

const CREDENTIAL_TAG = keccak(utf8("TenderLedger.Credential.v1"));

// keccak(masterSalt ‖ keccak(name)), then keccak(salt ‖ keccak(name) ‖ keccak(canonical value)) per
// field, and the id keccak(tag ‖ field hashes in RFC 8785 name order) (ledger/documents/sealing.py).
export function credentialId(document, masterSalt) {
  const master = masterSalt instanceof Uint8Array ? masterSalt : unhex(masterSalt, 32);
  const names = Object.keys(document).filter((k) => document[k] !== null && document[k] !== undefined).sort();
  const hashes = names.map((name) => {
    const nameHash = keccak(utf8(name));
    const salt = keccak(concat(master, nameHash));
    return keccak(concat(salt, nameHash, keccak(utf8(canonicalJson(document[name])))));
  });
  return keccak(concat(CREDENTIAL_TAG, ...hashes));
}

const compareBytes = (a, b) => { for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i]; return 0; };
const hashPair = (a, b) => (compareBytes(a, b) < 0 ? keccak(concat(a, b)) : keccak(concat(b, a)));

// The root of a batch: OpenZeppelin StandardMerkleTree over leaves keccak(keccak(id)) (ledger/crypto/merkle.py).
export function merkleRoot(ids) {
  const leaves = ids.map((i) => keccak(keccak(i instanceof Uint8Array ? i : unhex(i, 32)))).sort(compareBytes);
  if (!leaves.length) throw new SignerError("empty-batch");
  for (let i = 1; i < leaves.length; i++) if (!compareBytes(leaves[i], leaves[i - 1])) throw new SignerError("duplicate", hex(leaves[i]));
  const nodes = [...new Array(leaves.length - 1), ...leaves.reverse()];
  for (let i = leaves.length - 2; i >= 0; i--) nodes[i] = hashPair(nodes[2 * i + 1], nodes[2 * i + 2]);
  return nodes[0];
}
