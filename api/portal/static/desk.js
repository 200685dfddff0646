// What the desks (issuer.js, guarantor.js, centre.js, committee.js) share: labels, elements, signing
// in with a key opened in this browser, signed API requests, and prepared transactions checked before
// signing.
import * as S from "./signer.js";

// The page's language and time zone, for the refusals `failure` words (set by `setup`).
let shownIn = {};

export function setup(configId) {
  const config = JSON.parse(document.getElementById(configId).textContent);
  const L = config.labels;
  shownIn = { lang: config.lang, zone: config.zone };
  const t = (key, values = {}) => (L[key] || key).replace(/\{(\w+)\}/g, (_, k) => (k in values ? String(values[k]) : `{${k}}`));
  return { config, L, t };
}

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k in node && typeof v !== "string") node[k] = v; else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

export function say(id, text, kind = "") {
  const node = $(id);
  node.textContent = text;
  node.className = kind ? `${kind}-text` : "";
}

export function failure(t, L, err) {
  if (err instanceof S.SignerError && L[`bid.err.${err.code}`]) return t(`bid.err.${err.code}`);
  const message = err && err.content ? refusal(err.content, err.status, L, shownIn)
    : err && err.message ? err.message : String(err);
  return t("bid.err.generic", { message });
}

// The arguments a refusal's wording shows as a moment (seconds since 1970 on chain).
const TIMES = new Set(["deadline", "blockTime", "publicityEnds", "contestDeadline", "end", "expiry", "closedAt",
  "newDeadline", "latest", "earliest", "issuedAt"]);

// An API error body ({error, message, contract_error, args} or the framework's {detail}) as the page
// shows it: the refusal in words when the labels word it (`refusal.<contract_error>`, filled from its
// args: a section counted from 1, a moment in the portal's time zone, "…" for an argument the body
// lacks), else the API's message. The server words its own pages the same way (api/portal/refusals.py).
export function refusal(body, status, L = {}, { lang, zone } = {}) {
  const code = body && typeof body.contract_error === "string" ? body.contract_error : "";
  const wording = code ? L[`refusal.${code}`] : undefined;
  if (!wording) {
    const detail = body && (body.message || body.detail);
    return typeof detail === "string" ? detail
      : Array.isArray(detail) ? detail.map((d) => (d && d.msg) || String(d)).join("; ") : `HTTP ${status}`;
  }
  const args = body.args && typeof body.args === "object" ? body.args : {};
  let language = lang;
  if (!language) language = typeof document !== "undefined" && document.documentElement.lang.startsWith("zh") ? "zh" : "en";
  return wording.replace(/\{(\w+)\}/g, (_, name) => shownArg(name, args[name], language, zone));
}

function shownArg(name, value, lang, zone) {
  if (value === undefined || value === null || typeof value === "boolean") return "…";
  if (name === "section" && Number.isInteger(value)) return String(value + 1);
  if (TIMES.has(name) && Number.isInteger(value) && value > 0) return localTime(value, lang, zone);
  return String(value);
}

// The key in the chosen file (a Web3 v3 keystore, or a .key file holding the hex key) or pasted.
export async function openKey(fileInput, passwordInput, pastedInput) {
  const file = fileInput.files[0];
  let key;
  if (file) {
    const text = (await file.text()).trim();
    key = text.startsWith("{") ? (await S.openKeystore(text, passwordInput.value, undefined, { labelled: false })).key
      : S.Key.fromHex(text);
  } else {
    key = S.Key.fromHex(pastedInput.value);
  }
  passwordInput.value = ""; pastedInput.value = ""; fileInput.value = "";
  return key;
}

// The sign-in every desk starts with (templates/_signin.html): the key opened in this browser (never
// sent), the chain read, then the desk's own `check(session)` — what the key may do here — which
// returns the words shown as signed in, or throws (Refused: a key with no role at this desk). Resolves
// to the session {key, chain, …what check added}, or to null with the refusal in #signin-status.
export async function signIn(check, { t, fail }) {
  say("signin-status", $("keystore").files[0] ? t("bid.opening") : "");
  try {
    const key = await openKey($("keystore"), $("password"), $("private-key"));
    const session = { key };
    session.chain = await client(session)("GET", "/chain");
    const who = await check(session);
    say("signin-status", "");
    $("signin").hidden = true;
    $("signed").hidden = false;
    $("who").textContent = who;
    return session;
  } catch (err) {
    say("signin-status", fail(err), "bad");
    return null;
  }
}

// Back to the sign-in form: the desk drops its session itself.
export function signedOut() {
  $("signed").hidden = true;
  $("signin").hidden = false;
  say("signin-status", "");
}

// A client of the JSON API: requests signed by `session.key` when asked (EIP-712, X-TL-* headers).
export function client(session) {
  return async function api(method, path, { body, signed, query } = {}) {
    const bytes = body === undefined ? new Uint8Array() : S.utf8(JSON.stringify(body));
    const headers = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (signed) {
      Object.assign(headers, await S.requestHeaders(session.key, { chainId: session.chain.chain_id,
        registry: session.chain.contracts.CredentialRegistry, method, path, body: bytes }));
    }
    const url = path + (query ? `?${new URLSearchParams(query)}` : "");
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : bytes });
    let content = null;
    try { content = await response.json(); } catch { content = null; }
    if (!response.ok) {
      const err = new Error(refusal(content, response.status));  // `failure` words it with the page's labels
      err.status = response.status;
      err.content = content;
      throw err;
    }
    return content;
  };
}

export class Refused extends Error {}

// Sign `tx` (prepared by the service) only when it is exactly `expected`: this contract, this call
// data, this chain, no value. Otherwise Refused, saying what differs.
export async function signChecked(session, t, L, tx, expected) {
  const problems = S.txProblems(tx, { ...expected, chainId: session.chain.chain_id });
  if (problems.length) {
    throw new Refused(t("bid.tx.refused") + problems.map(([k, ...v]) =>
      (L[`bid.tx.problem.${k}`] || k).replace(/\{(\d)\}/g, (_, i) => v[i])).join("；"));
  }
  return S.signTx(session.key, tx);
}

// An amount in 分 as 元 with thousands separators: 20000000 → "200,000.00 元".
export function yuan(fen) {
  const v = BigInt(fen);
  const whole = (v / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${whole}.${(v % 100n).toString().padStart(2, "0")} 元`;
}

// A moment in the portal's time zone with its UTC offset, as the pages print it (api/portal/format.py
// `when`): "2027年4月20日 20:04（UTC+08:00）" / "20 Apr 2027, 20:04 (UTC+08:00)".
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function localTime(unix, lang, zone) {
  const when = new Date(Number(unix) * 1000);
  const timeZone = zone || "Asia/Shanghai";
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23", timeZoneName: "longOffset",
  }).formatToParts(when).map((p) => [p.type, p.value]));
  const offset = (parts.timeZoneName || "GMT").replace(/^GMT$/, "GMT+00:00").replace("GMT", "UTC");
  const clock = `${parts.hour.padStart(2, "0")}:${parts.minute.padStart(2, "0")}`;
  return lang === "zh"
    ? `${parts.year}年${Number(parts.month)}月${Number(parts.day)}日 ${clock}（${offset}）`
    : `${Number(parts.day)} ${MONTHS[Number(parts.month) - 1]} ${parts.year}, ${clock} (${offset})`;
}
