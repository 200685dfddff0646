// The bidder's page: sign in with the firm's keystore (decrypted here), tick credentials, seal and
// submit a bid, see or withdraw it, see the results. Every signature is made in this browser by
// signer.js; the server gets signatures, sealed envelopes and signed transactions, never a key.
import * as S from "./signer.js";
import { refusal } from "./desk.js";

const config = JSON.parse(document.getElementById("bid-config").textContent);
const L = config.labels;
const $ = (id) => document.getElementById(id);
const t = (key, values = {}) => (L[key] || key).replace(/\{(\w+)\}/g, (_, k) => (k in values ? String(values[k]) : `{${k}}`));
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k in node && typeof v !== "string") node[k] = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};

let session = null; // {firm: Key, bid: Key, uscc, name, link, chain}
let credentials = [];

function say(id, text, kind = "") {
  const node = $(id);
  node.textContent = text;
  node.className = kind ? `${kind}-text` : "";
}
function failure(err) {
  if (err instanceof S.SignerError && L[`bid.err.${err.code}`]) return t(`bid.err.${err.code}`);
  return t("bid.err.generic", { message: err && err.message ? err.message : String(err) });
}

async function api(method, path, { body, signer, query } = {}) {
  const bytes = body === undefined ? new Uint8Array() : S.utf8(JSON.stringify(body));
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (signer) {
    Object.assign(headers, await S.requestHeaders(signer, { chainId: session.chain.chain_id,
      registry: session.chain.contracts.CredentialRegistry, method, path, body: bytes }));
  }
  const url = path + (query ? `?${new URLSearchParams(query)}` : "");
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : bytes });
  let content = null;
  try { content = await response.json(); } catch { content = null; }
  if (!response.ok) {
    const err = new Error(refusal(content, response.status, L, { lang: config.lang, zone: config.zone }));
    err.status = response.status;
    err.content = content;
    throw err;
  }
  return content;
}

const base = `/tenders/${config.tender}/sections/${config.section}`;

// ------------------------------------------------------------------ sign in

async function signIn(event) {
  event.preventDefault();
  say("signin-status", "");
  try {
    let opened;
    const file = $("keystore").files[0];
    if (file) {
      say("signin-status", t("bid.opening"));
      opened = await S.openKeystore(await file.text(), $("password").value);
    } else {
      const key = S.Key.fromHex($("private-key").value);
      opened = { key, uscc: $("key-uscc").value.trim(), name: "" };
    }
    const chain = await api("GET", "/chain");
    const firm = opened.key;
    const bid = firm.bidKey(config.tender);
    const link = { firm: firm.address, signature: S.hex(await firm.signTyped({
      domain: S.bookDomain(config.chain_id, config.book), types: S.LINK_TYPES, primaryType: "BidKey",
      message: { tenderId: config.tender, bidKey: bid.address } })) };
    session = { firm, bid, link, chain, uscc: opened.uscc, name: opened.name };
    $("password").value = ""; $("private-key").value = "";
    const listed = await api("GET", `/portal${base}/credentials`, { query: { uscc: session.uscc } });
    session.name = listed.name || session.name || session.uscc;
    credentials = listed.credentials;
    say("signin-status", "");
    $("signin").hidden = true;
    $("signed").hidden = false;
    $("who").textContent = t("bid.signed_in", { name: session.name, uscc: session.uscc, address: firm.address });
    $("bid-key").textContent = t("bid.bid_key", { address: bid.address });
    renderCredentials();
    await Promise.all([preview(), showMine(), showResults()]);
  } catch (err) {
    session = null;
    say("signin-status", failure(err), "bad");
  }
}

function signOut() {
  session = null; credentials = [];
  $("signed").hidden = true; $("signin").hidden = false;
  $("keystore").value = ""; say("signin-status", "");
}

// ------------------------------------------------------------------ credentials and the preview

function renderCredentials() {
  const box = $("credentials");
  box.replaceChildren();
  const groups = new Map();
  for (const c of credentials) {
    if (!groups.has(c.kind)) groups.set(c.kind, []);
    groups.get(c.kind).push(c);
  }
  for (const [kind, rows] of groups) {
    // The identity credential (营业执照) is not ticked: at opening the bidder is the firm whose
    // identity credential names the firm key that signed the bid's link, found on the ledger
    // (ledger/service/tenders.py identity_of); its status at the deadline still matters.
    const identity = kind === "IDENTITY";
    const body = el("tbody");
    for (const c of rows) {
      const usable = c.deadline[0] === "ok";
      const box_ = el("input", { type: "checkbox", class: "tick", value: c.id, id: `tick-${c.id}` });
      box_.checked = usable && kind !== "CREDIT";
      box_.addEventListener("change", preview);
      const warn = usable ? "" : el("div", { class: "warn-text" }, t("bid.warn.deadline", { status: c.deadline[1] }));
      body.append(el("tr", { class: usable ? "" : "unusable" },
        el("td", {}, identity ? el("span", { class: "sub nowrap" }, t("bid.identity.untick")) : box_),
        el("td", {}, identity ? c.what : el("label", { for: `tick-${c.id}` }, c.what), el("div", { class: "sub code" }, c.id.slice(0, 18) + "…"), warn),
        el("td", { class: "nowrap" }, c.grade),
        el("td", {}, c.issuer),
        el("td", {}, el("span", { class: `badge ${c.now[0]}` }, c.now[1])),
        el("td", {}, el("span", { class: `badge ${c.deadline[0]}` }, c.deadline[1]))));
    }
    box.append(el("h3", {}, rows[0].kind_label), ...(identity ? [el("p", { class: "sub", id: "identity-note" }, t("bid.identity.note"))] : []),
      el("table", { class: "list credentials ticks" },
      el("thead", {}, el("tr", {}, ...[identity ? "bid.col.ticked" : "bid.col.tick", "col.credential", "col.grade", "col.issuer", "bid.col.now", "bid.col.deadline"]
        .map((k) => el("th", {}, t(k))))), body));
  }
}

const ticked = () => Array.from(document.querySelectorAll("input.tick:checked"), (i) => i.value);

async function preview() {
  if (!session) return;
  const box = $("preview");
  try {
    const report = await api("GET", `/portal${base}/preview`, { query: { firm: session.firm.address, ids: ticked().join(",") } });
    const failed = report.checks.filter((c) => c.badge === "bad");
    box.replaceChildren(el("p", { class: report.eligible ? "ok-text" : "bad-text", id: "preview-verdict" },
      report.eligible ? t("bid.preview.ok") : t("bid.preview.bad")),
      el("ul", {}, ...(report.eligible ? report.checks : failed).map((c) =>
        el("li", {}, el("span", { class: `badge ${c.badge}` }, c.label), " ", c.reason))));
    if (report.checks.some((c) => c.label && c.status === "INVALID" && /identity|身份/.test(c.label))) {
      box.prepend(el("p", { class: "bad-text" }, t("bid.err.no-identity")));
    }
  } catch (err) {
    box.replaceChildren(el("p", { class: "bad-text" }, failure(err)));
  }
}

// ------------------------------------------------------------------ seal and submit

async function submitBid(event) {
  event.preventDefault();
  const price = $("price").value.trim();
  if (!/^\d+(\.\d{1,2})?$/.test(price) || Number(price) <= 0) return say("bid-status", t("bid.err.price"), "bad");
  const chosen = Array.from($("files").files);
  if (!chosen.length) return say("bid-status", t("bid.err.no-files"), "bad");
  say("bid-status", t("bid.sealing"));
  try {
    const tender = await api("GET", `/tenders/${config.tender}`);
    const files = {};
    for (const f of chosen) {
      const content = new Uint8Array(await f.arrayBuffer());
      files[f.name] = { sha256: await S.sha256Hex(content), content: S.base64(content) };
    }
    const ids = ticked();
    const salt = S.hex(crypto.getRandomValues(new Uint8Array(32)));
    const pkg = { version: 1, price, files, credential_ids: ids, salt, firm_link: session.link };
    const where = { chainId: tender.chain_id, book: tender.tender_book, tenderId: config.tender, section: config.section,
                    bidder: session.bid.address };
    const envelope = await S.seal(S.utf8(JSON.stringify(pkg)), S.unhex(tender.opening_public_key, 32), S.bidContext(where));
    const credentialSet = S.credentialSetCommitment(salt, ids);
    const commitment = S.bidCommitment({ ...where, ciphertextHash: S.keccak(envelope), credentialSet });
    const { nonce } = await api("GET", `/tenders/${config.tender}/nonces/${session.bid.address}`);
    const signature = await session.bid.signTyped({ domain: S.bookDomain(tender.chain_id, tender.tender_book),
      types: S.BID_TYPES, primaryType: "Bid",
      message: { tenderId: config.tender, section: config.section, commitment, nonce, expiry: tender.deadline } });
    const result = await api("POST", `${base}/bids`, { signer: session.bid, body: {
      envelope_b64: S.base64(envelope), credential_set_commitment: S.hex(credentialSet), commitment: S.hex(commitment),
      nonce, expiry: tender.deadline, signature: S.hex(signature) } });
    say("bid-status", t("bid.submitted", { tx: result.tx_hash, block: result.block_number }), "ok");
    await showMine();
  } catch (err) {
    say("bid-status", failure(err), "bad");
  }
}

// ------------------------------------------------------------------ my bid, withdrawal, results

async function showMine() {
  const box = $("mine");
  try {
    const mine = await api("GET", `${base}/bids/mine`, { signer: session.bid });
    box.replaceChildren(el("p", { id: "mine-state" }, t("bid.mine.live", { commitment: mine.commitment,
      size: (mine.envelope.length - 2) / 2, state: t(mine.opened ? "bid.mine.opened" : "bid.mine.sealed") })));
  } catch (err) {
    box.replaceChildren(el("p", { id: "mine-state" }, err.status === 404 ? t("bid.mine.none") : failure(err)));
  }
}

async function withdrawBySignature() {
  try {
    const { nonce } = await api("GET", `/tenders/${config.tender}/nonces/${session.bid.address}`);
    const signature = await session.bid.signTyped({ domain: S.bookDomain(config.chain_id, config.book), types: S.BID_TYPES,
      primaryType: "Bid", message: { tenderId: config.tender, section: config.section, commitment: new Uint8Array(32),
        nonce, expiry: config.deadline } });
    const result = await api("POST", `${base}/withdraw`, { signer: session.bid,
      body: { nonce, expiry: config.deadline, signature: S.hex(signature) } });
    say("mine-status", t("bid.withdrawn", { tx: result.tx_hash }), "ok");
  } catch (err) {
    say("mine-status", failure(err), "bad");
  }
  await showMine();
}

// Withdraw by the bid key's own withdrawBid transaction: the service prepares it (nonce, gas, fees),
// the page shows what it is and checks it is exactly the call asked for before anything is signed.
let pending = null;
async function prepareWithdrawTx() {
  say("mine-status", "");
  try {
    const { tx } = await api("POST", "/tx/prepare", { body: { sender: session.bid.address, contract: "TenderBook",
      function: "withdrawBid", args: [config.tender, config.section] } });
    const expected = { to: session.chain.contracts.TenderBook, data: S.withdrawCall(config.tender, config.section),
                       chainId: session.chain.chain_id };
    const d = S.describeTx(tx);
    const facts = $("tx-facts");
    facts.replaceChildren();
    const fact = (k, v) => facts.append(el("dt", {}, t(k)), el("dd", { class: "code" }, v));
    fact("bid.tx.to", d.to || "—");
    fact("bid.tx.function", d.data === S.hex(expected.data) ? `withdrawBid(${config.tender}, ${config.section})` : d.data);
    fact("bid.tx.chain", String(d.chainId));
    fact("bid.tx.value", String(d.value));
    fact("bid.tx.gas", `${d.gas} / ${d.maxFeePerGas} wei`);
    fact("bid.tx.nonce", String(d.nonce));
    const problems = S.txProblems(tx, expected);
    $("tx-problems").textContent = problems.length
      ? t("bid.tx.refused") + problems.map(([k, ...v]) => (L[`bid.tx.problem.${k}`] || k).replace(/\{(\d)\}/g, (_, i) => v[i])).join("；")
      : "";
    $("tx-sign").disabled = problems.length > 0;
    pending = problems.length ? null : tx;
    $("tx-review").hidden = false;
  } catch (err) {
    say("mine-status", failure(err), "bad");
  }
}

async function signPendingTx() {
  if (!pending) return;
  const tx = pending;
  pending = null;
  $("tx-review").hidden = true;
  try {
    const signed = await S.signTx(session.bid, tx);
    const result = await api("POST", `${base}/withdraw`, { signer: session.bid, body: { signed_tx: signed } });
    say("mine-status", t("bid.withdrawn", { tx: result.tx_hash }), "ok");
  } catch (err) {
    say("mine-status", failure(err), "bad");
  }
  await showMine();
}

async function showResults() {
  const box = $("results");
  try {
    const r = await api("GET", `${base}/results`, { signer: session.bid });
    if (!r.public && !r.bids.length) { box.replaceChildren(el("p", {}, t("bid.results.none"))); return; }
    box.replaceChildren(el("p", {}, el("a", { href: `/portal/tenders/${config.tender}#section-${config.section}` }, r.status)),
      el("ul", {}, ...r.bids.map((b) => el("li", {}, `${b.bidder} · ${b.price ?? "—"} 元 · ${b.outcome}`))));
  } catch (err) {
    box.replaceChildren(el("p", {}, err.status === 404 || err.status === 409 ? t("bid.results.none") : failure(err)));
  }
}

$("signin-form").addEventListener("submit", signIn);
$("signout").addEventListener("click", signOut);
$("bid-form").addEventListener("submit", submitBid);
$("mine-refresh").addEventListener("click", showMine);
$("withdraw").addEventListener("click", withdrawBySignature);
$("withdraw-tx").addEventListener("click", prepareWithdrawTx);
$("tx-sign").addEventListener("click", signPendingTx);
$("tx-cancel").addEventListener("click", () => { pending = null; $("tx-review").hidden = true; });
