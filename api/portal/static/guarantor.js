// The guarantor's page: sign in with the guarantor's key (opened here), see the applications
// addressed to it, issue a guarantee 明文 (terms filled in by the service, the document hashed here) or
// 密文 (the same terms sealed here to the tender's opening key, only their keccak on chain with amount,
// fee and rate 0), reject one with a reason, release one. Every prepared transaction is signed only
// when it is exactly the call asked for (signer.js abiCall), so the server cannot make the key sign
// other terms; the terms it fills in are checked against the application before anything is sealed.
import * as S from "./signer.js";
import { $, Refused, client, el, failure, localTime, refusal, say, setup, signChecked, signIn, signedOut, yuan } from "./desk.js";

const { config, L, t } = setup("guarantor-config");
const TYPES = { BANK: 0, GUARANTEE_COMPANY: 1, INSURER: 2 };
const ISSUE = "issue(bytes32,(bytes32,uint256,uint256,uint32,uint64,uint64,uint8,bytes32,uint8,bytes32))";
const ZERO = "0x" + "00".repeat(32);
const FORMS = { PLAINTEXT: 0, SEALED: 1 };
let session = null; // {key, chain, profile}
let api = null;
const fail = (err) => (err instanceof Refused ? err.message : failure(t, L, err));

// Only an authorised guarantor signs in here.
async function check(s) {
  const issuers = await client(s)("GET", "/guarantee-issuers");
  s.profile = issuers.find((i) => i.issuer.toLowerCase() === s.key.address.toLowerCase() && i.types.length) || null;
  if (!s.profile) throw new Refused(t("guarantor.not_issuer"));
  return t("guarantor.signed_in", { name: s.profile.name || "—", address: s.key.address });
}

async function start(event) {
  event.preventDefault();
  session = await signIn(check, { t, fail });
  if (!session) return;
  api = client(session);
  await showApplications();
}

function signOut() {
  session = null; api = null;
  signedOut();
}

async function showApplications() {
  const box = $("applications");
  try {
    const list = await api("GET", "/guarantees", { signed: true, query: { issuer: session.key.address } });
    if (!list.length) { box.replaceChildren(el("p", { class: "empty" }, t("guarantor.none"))); return; }
    const names = await firmNames(list.map((g) => (g.application || {}).applicant_uscc));
    const body = el("tbody");
    for (const g of list) body.append(...rows(g, names));
    box.replaceChildren(el("table", { class: "list guarantees" }, el("thead", {}, el("tr", {},
      ...["guarantor.col.applicant", "guarantor.col.project", "guarantor.col.amount", "guarantor.col.end",
        "guarantor.col.state", "guarantor.col.action"].map((k) => el("th", {}, t(k))))), body));
  } catch (err) {
    box.replaceChildren(el("p", { class: "bad-text" }, fail(err)));
  }
}

// The applicants' firm names (portal/names/firms), looked up 100 USCCs at a time.
async function firmNames(codes) {
  const wanted = [...new Set(codes.filter(Boolean))];
  const names = {};
  for (let i = 0; i < wanted.length; i += 100) {
    const query = new URLSearchParams(wanted.slice(i, i + 100).map((u) => ["uscc", u]));
    query.set("lang", config.lang);
    const response = await fetch(`/portal/names/firms?${query}`, { headers: { accept: "application/json" } });
    const content = await response.json().catch(() => ({}));
    if (!response.ok) throw new Refused(refusal(content, response.status, L, { lang: config.lang, zone: config.zone }));
    Object.assign(names, content.names);
  }
  return names;
}

function rows(g, names) {
  const app = g.application || {};
  const actions = el("div", { class: "actions" });
  const detail = el("tr", { class: "decision-row", hidden: true }, el("td", { colspan: "6" }));
  const open = (form) => { detail.hidden = false; detail.firstChild.replaceChildren(form); };
  if (g.state === "APPLIED") {
    const issue = el("button", { type: "button", class: "small issue" }, t("guarantor.issue"));
    issue.addEventListener("click", () => open(issueForm(g)));
    const reject = el("button", { type: "button", class: "small secondary reject" }, t("guarantor.reject"));
    reject.addEventListener("click", () => open(rejectForm(g)));
    actions.append(issue, reject);
  } else if (["ISSUED", "BOUND", "VERIFIED"].includes(g.state)) {
    const release = el("button", { type: "button", class: "small secondary release" }, t("guarantor.release"));
    release.addEventListener("click", () => releaseIt(g, release));
    actions.append(release);
  }
  return [el("tr", { "data-id": g.guarantee_id },
    el("td", { class: "applicant" }, el("strong", {}, (app.applicant_uscc && names[app.applicant_uscc]) || t("guarantor.no_name")),
      el("div", { class: "sub code" }, app.applicant_uscc || "—")),
    el("td", {}, el("div", {}, app.title || ""), el("div", { class: "sub" }, `${app.project_code || ""} · ${app.section_code || ""} ${app.section_name || ""}`)),
    amountCell(g),
    el("td", { class: "nowrap" }, app.validity_end ? localTime(app.validity_end, config.lang, config.zone) : "—"),
    el("td", {}, el("span", { class: `badge ${g.state === "REJECTED" || g.state === "INVALID" ? "bad" : g.state === "APPLIED" ? "warn" : "ok"}` },
      L[`guarantor.state.${g.state}`] ? t(`guarantor.state.${g.state}`) : g.state)),
    el("td", {}, actions)), detail];
}

// 明文: the amount. 密文: said in words, never as 0 元 — sealed until opening, then the amount revealed.
function amountCell(g) {
  const app = g.application || {};
  if (g.form !== "SEALED") {
    const amount = g.form ? g.amount_fen : app.amount_fen ?? g.amount_fen;
    return el("td", { class: "amount" }, amount ? yuan(amount) : "—");
  }
  if (!g.sealed && Number(g.amount_fen) > 0) {
    return el("td", { class: "amount sealed" }, yuan(g.amount_fen), el("div", { class: "sub" }, t("guarantor.sealed_revealed")));
  }
  return el("td", { class: "amount sealed" }, el("span", { class: "badge muted" }, t("guarantor.form.SEALED")),
    el("div", { class: "sub" }, t("guarantor.sealed_amount")));
}

function issueForm(g) {
  const number = el("input", { id: "g-number", autocomplete: "off" });
  const rate = el("input", { id: "g-rate", inputmode: "numeric", value: "30" });
  const file = el("input", { id: "g-document", type: "file", accept: ".pdf,.ofd,application/pdf" });
  // 明文 unless chosen otherwise: neither the application nor the issue template names a form
  const choice = (form) => {
    const input = el("input", { type: "radio", name: "g-form", id: `g-form-${form.toLowerCase()}`, value: form });
    input.checked = form === "PLAINTEXT";
    return el("label", { class: "choice", for: input.id }, input, " ", t(`guarantor.form.${form}`));
  };
  const forms = el("fieldset", { class: "forms" }, el("legend", {}, t("guarantor.form")),
    choice("PLAINTEXT"), choice("SEALED"), el("p", { class: "sub" }, t("guarantor.form.hint")));
  const go = el("button", { type: "button", id: "g-issue" }, t("guarantor.issue"));
  go.addEventListener("click", () => {
    const form = forms.querySelector("input[name=g-form]:checked").value;
    issueIt(g, number.value.trim(), rate.value.trim(), file.files[0], form, go);
  });
  return el("div", { class: "decision" },
    el("div", { class: "row" },
      el("div", { class: "field" }, el("label", { for: "g-number" }, t("guarantor.number")), number),
      el("div", { class: "field" }, el("label", { for: "g-rate" }, t("guarantor.rate")), rate),
      el("div", { class: "field" }, el("label", { for: "g-document" }, t("guarantor.document")), file)), forms, go);
}

function rejectForm(g) {
  const reason = el("input", { id: "g-reason", autocomplete: "off", size: "48" });
  const go = el("button", { type: "button", id: "g-reject", class: "secondary" }, t("guarantor.reject"));
  go.addEventListener("click", () => rejectIt(g, reason.value.trim(), go));
  return el("div", { class: "decision" },
    el("div", { class: "field" }, el("label", { for: "g-reason" }, t("guarantor.reason")), reason), go);
}

// The terms the service filled in must be this guarantee's and answer its application as listed, and
// (密文) be sealed for this chain's GuaranteeBook to the opening key the tender publishes: what is sealed
// cannot be checked by anyone until opening, so the browser checks it before sealing and signing.
async function checkTemplate(g, filled, form) {
  const app = g.application || {};
  const terms = filled.terms || {};
  const same = (a, b) => String(a ?? "").toLowerCase() === String(b ?? "").toLowerCase();
  const wrong = [];
  const want = { guarantee_id: g.guarantee_id, issuer: session.key.address, applicant: app.applicant,
    applicant_uscc: app.applicant_uscc, beneficiary: app.tenderer, beneficiary_uscc: app.tenderer_uscc,
    project_code: app.project_code, section_code: app.section_code, amount_fen: app.amount_fen };
  for (const [name, value] of Object.entries(want)) if (!same(terms[name], value)) wrong.push(`${name} ${terms[name]} ≠ ${value}`);
  if (!(Number(terms.end) >= Number(app.validity_end))) wrong.push(`end ${terms.end} < ${app.validity_end}`);
  if (form === "SEALED") {
    const sealing = filled.sealing || {};
    if (!same(sealing.chain_id, session.chain.chain_id)) wrong.push(`chain_id ${sealing.chain_id} ≠ ${session.chain.chain_id}`);
    if (!same(sealing.guarantee_book, session.chain.contracts.GuaranteeBook)) {
      wrong.push(`guarantee_book ${sealing.guarantee_book} ≠ ${session.chain.contracts.GuaranteeBook}`);
    }
    const tender = await api("GET", `/tenders/${app.tender_id || g.tender_id}`);
    if (!sealing.opening_public_key || !same(sealing.opening_public_key, tender.opening_public_key)) {
      throw new Refused(t("guarantor.err.opening_key", { sent: sealing.opening_public_key || "—",
        published: tender.opening_public_key }));
    }
  }
  if (wrong.length) throw new Refused(t("guarantor.err.template", { what: wrong.join("；") }));
}

async function issueIt(g, number, rate, file, form, button) {
  if (!number) return say("action-status", t("guarantor.err.number"), "bad");
  if (!/^\d{1,5}$/.test(rate) || Number(rate) > 10000) return say("action-status", t("guarantor.err.rate"), "bad");
  if (!file) return say("action-status", t("guarantor.err.document"), "bad");
  button.disabled = true;
  try {
    const gid = g.guarantee_id;
    const filled = await api("GET", `/guarantees/${gid}/issue-template`, { signed: true, query: { rate_bps: rate } });
    await checkTemplate(g, filled, form);
    const docHash = "0x" + await S.sha256Hex(new Uint8Array(await file.arrayBuffer()));
    const type = TYPES[session.profile.types[0]];
    const terms = { ...filled.terms, guarantee_no: number, issuer_type: type, doc_hash: docHash };
    const beneficiary = S.hex(S.usccWord(terms.beneficiary_uscc));
    let onchain, body, envelope = null;
    if (form === "SEALED") {
      // sealed here, under this guarantee's context on this chain's GuaranteeBook: the server never sees the terms
      const context = S.guaranteeTermsContext({ chainId: session.chain.chain_id,
        book: session.chain.contracts.GuaranteeBook, guaranteeId: gid });
      envelope = await S.seal(S.guaranteeTermsBytes(terms), S.unhex(filled.sealing.opening_public_key, 32), context);
      const commitment = S.hex(S.keccak(envelope));
      onchain = [docHash, 0, 0, 0, terms.start, terms.end, FORMS.SEALED, commitment, type, beneficiary];
      body = { sealed_terms_b64: S.base64(envelope) };
    } else {
      onchain = [docHash, terms.amount_fen, terms.fee_fen, terms.rate_bps, terms.start, terms.end, FORMS.PLAINTEXT, ZERO,
        type, beneficiary];
      body = { terms };
    }
    const { tx } = await api("POST", "/guarantees/tx/prepare", { body: { sender: session.key.address, function: "issue",
      args: [gid, onchain] } });
    const signedTx = await signChecked(session, t, L, tx, { to: session.chain.contracts.GuaranteeBook,
      data: S.abiCall(ISSUE, [gid, onchain]) });
    await api("POST", `/guarantees/${gid}/issue`, { signed: true, body: { ...body, signed_tx: signedTx } });
    const discount = Number(terms.red_discount) > 0 ? t("guarantor.discount", { discount: terms.red_discount }) : "";
    const fee = t("guarantor.fee", { fee: yuan(terms.fee_fen), rate: terms.rate_bps, discount });
    say("action-status", form === "SEALED"
      ? `${t("guarantor.issued_sealed", { commitment: onchain[7], amount: yuan(terms.amount_fen) })} ${fee}`
      : `${t("guarantor.issued")} ${fee}`, "ok");
    await showApplications();
  } catch (err) {
    button.disabled = false;
    say("action-status", fail(err), "bad");
  }
}

async function rejectIt(g, reason, button) {
  if (!reason) return say("action-status", t("guarantor.err.reason"), "bad");
  button.disabled = true;
  try {
    const gid = g.guarantee_id;
    const reasonHash = S.hex(S.keccak(S.utf8(reason)));
    const { tx } = await api("POST", "/guarantees/tx/prepare", { body: { sender: session.key.address, function: "reject",
      args: [gid, reasonHash] } });
    const signedTx = await signChecked(session, t, L, tx, { to: session.chain.contracts.GuaranteeBook,
      data: S.abiCall("reject(bytes32,bytes32)", [gid, reasonHash]) });
    await api("POST", `/guarantees/${gid}/reject`, { signed: true, body: { reason, signed_tx: signedTx } });
    say("action-status", t("guarantor.rejected"), "ok");
    await showApplications();
  } catch (err) {
    button.disabled = false;
    say("action-status", fail(err), "bad");
  }
}

async function releaseIt(g, button) {
  button.disabled = true;
  try {
    const gid = g.guarantee_id;
    const { tx } = await api("POST", "/guarantees/tx/prepare", { body: { sender: session.key.address, function: "release",
      args: [gid] } });
    const signedTx = await signChecked(session, t, L, tx, { to: session.chain.contracts.GuaranteeBook,
      data: S.abiCall("release(bytes32)", [gid]) });
    await api("POST", `/guarantees/${gid}/release`, { signed: true, body: { signed_tx: signedTx } });
    say("action-status", t("guarantor.released"), "ok");
    await showApplications();
  } catch (err) {
    button.disabled = false;
    say("action-status", fail(err), "bad");
  }
}

$("signin-form").addEventListener("submit", start);
$("signout").addEventListener("click", signOut);
$("refresh").addEventListener("click", showApplications);
