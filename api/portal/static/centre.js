// The trading centre's desk: sign in with the centre's key (or an opening officer's) opened here;
// publish a tender from a form (the parameters checked by the service field by field), its opening
// key made, split and sealed to the officers in this browser (officer_box.js); amend a tender with a
// reason; the opening room of a section: each officer releases its own share with its own
// transaction (checked before signing), the centre opens the section and prints the 开标记录表 and
// the 公示 notice.
import * as S from "./signer.js";
import * as B from "./officer_box.js";
import { $, Refused, client, el, failure, localTime, refusal, say, setup, signChecked, signIn, signedOut } from "./desk.js";

const { config, L, t } = setup("centre-config");
let session = null; // {key, chain}
let api = null;
let mode = "publish";
let params = structuredClone(config.skeleton);
let room = null;
const fail = (err) => (err instanceof Refused ? err.message
  : err instanceof B.BoxError ? boxWords(err) : failure(t, L, err));

function boxWords(err) {
  if (err.code === "share-other") return t("centre.err.share_other", { officer: err.detail, address: session.key.address });
  if (err.code === "share-open") return t("centre.err.share_open");
  if (err.code === "officer-key") return err.detail;
  return t("centre.err.share_file", { reason: err.detail || err.code });
}

// ------------------------------------------------------------------ signing in

// The centre's key, or an opening officer's: what each may do is the chain's to refuse.
async function start(event) {
  event.preventDefault();
  session = await signIn(async (s) => t("centre.signed_in", { address: s.key.address }), { t, fail });
  if (!session) return;
  api = client(session);
  if (config.tender) { $("room-tender").value = config.tender; choose("room"); }
}

function signOut() {
  session = null; api = null;
  signedOut();
}

function choose(which) {
  mode = which;
  for (const name of ["publish", "amend", "room", "selection"]) $(`tab-${name}`).setAttribute("aria-selected", String(name === which));
  $("publish-card").hidden = which === "room" || which === "selection";
  $("room-card").hidden = which !== "room";
  $("selection-card").hidden = which !== "selection";
  $("amend-pick").hidden = which !== "amend";
  $("publish-only").hidden = which !== "publish";
  $("amend-only").hidden = which !== "amend";
  $("publish-submit").textContent = t(which === "amend" ? "centre.amend" : "centre.publish");
  say("publish-status", "");
  if (which === "publish") { params = structuredClone(config.skeleton); renderForm(); $("shares").hidden = true; }
  if (which === "room" && $("room-tender").value) loadRoom();
  if (which === "selection") {
    if (!$("sel-tender").value && $("room-tender").value) { $("sel-tender").value = $("room-tender").value; $("sel-section").value = $("room-section").value; }
    if ($("sel-tender").value) loadSelection();
  }
}

// ------------------------------------------------------------------ the parameters form

const pattern = (path) => path.replace(/\.\d+(?=\.|$)/g, ".*");

function protoOf(path) {  // the skeleton's value at `path` (any position of a list: its first item)
  let node = config.skeleton;
  for (const part of path.split(".").filter(Boolean)) {
    if (node === null || node === undefined) return undefined;
    node = /^\d+$/.test(part) ? (Array.isArray(node) ? node[0] : undefined) : node[part];
  }
  return node;
}

const label = (path) => {
  const name = path.split(".").filter((p) => !/^\d+$/.test(p)).pop() || "";
  return L[`param.${name}`] || name;
};
const idOf = (path) => `p-${path.replace(/\./g, "-")}`;

function setAt(path, value) {
  const parts = path.split(".");
  let node = params;
  for (const part of parts.slice(0, -1)) node = node[/^\d+$/.test(part) ? Number(part) : part];
  node[parts[parts.length - 1]] = value;
}

function scalar(value, path) {
  const choices = config.choices[pattern(path)];
  const proto = protoOf(path);
  const wrap = el("div", { class: "field", "data-path": path });
  let input;
  if (typeof proto === "boolean" || typeof value === "boolean") {
    input = el("input", { id: idOf(path), type: "checkbox" });
    input.checked = Boolean(value);
    input.addEventListener("change", () => setAt(path, input.checked));
    wrap.classList.add("check");
    wrap.append(el("label", { for: idOf(path) }, input, " ", label(path)));
    return wrap;
  }
  if (choices) {
    input = el("select", { id: idOf(path) }, ...choices.map((c) => el("option", { value: c }, c || "—")));
    input.value = value === null || value === undefined ? "" : String(value);
  } else {
    input = el("input", { id: idOf(path), spellcheck: "false" });
    input.value = value === null || value === undefined ? "" : String(value);
    if (path === "deadline") input.placeholder = "2026-12-22T09:00";
  }
  input.addEventListener(choices ? "change" : "input", () => setAt(path, input.value));
  wrap.append(el("label", { for: idOf(path) }, label(path)), input);
  return wrap;
}

function group(value, path, depth) {
  if (Array.isArray(value)) {
    const box = el("fieldset", { class: "group list-group", "data-path": path }, el("legend", {}, label(path)));
    value.forEach((item, i) => {
      const inner = group(item, `${path}.${i}`, depth + 1);
      const remove = el("button", { type: "button", class: "small secondary remove" }, t("centre.remove"));
      remove.addEventListener("click", () => { value.splice(i, 1); renderForm(); });
      inner.append(remove);
      box.append(inner);
    });
    const add = el("button", { type: "button", class: "small secondary add", id: `add-${idOf(path)}` }, `+ ${t("centre.add")}`);
    add.addEventListener("click", () => { value.push(blank(protoOf(`${path}.0`))); renderForm(); });
    box.append(add);
    return box;
  }
  const title = /^\d+$/.test(path.split(".").pop()) ? (path.startsWith("sections.") && depth === 1
    ? t("centre.section_n", { n: Number(path.split(".")[1]) + 1 }) : `${label(path)} ${Number(path.split(".").pop()) + 1}`)
    : label(path);
  const box = el("fieldset", { class: "group", "data-path": path }, path ? el("legend", {}, title) : null);
  const grid = el("div", { class: "form-grid" });
  const nested = [];
  for (const [name, v] of Object.entries(value || protoOf(path) || {})) {
    const p = path ? `${path}.${name}` : name;
    const proto = protoOf(p);
    const shape = v !== null && typeof v === "object" ? v : proto !== null && typeof proto === "object" ? proto : null;
    if (shape) {
      if (v === null || v === undefined) setAt(p, blank(proto));
      nested.push(group(v === null || v === undefined ? valueAt(p) : v, p, depth + 1));
    } else grid.append(scalar(v, p));
  }
  box.append(grid, ...nested);
  return box;
}

function valueAt(path) {
  let node = params;
  for (const part of path.split(".")) node = node[/^\d+$/.test(part) ? Number(part) : part];
  return node;
}

function blank(proto) {
  if (Array.isArray(proto)) return [];
  if (proto !== null && typeof proto === "object") return Object.fromEntries(Object.entries(proto).map(([k, v]) => [k, blank(v)]));
  return typeof proto === "boolean" ? proto : typeof proto === "number" ? proto : "";
}

function renderForm() {
  $("params").replaceChildren(group(params, "", 0));
  $("form-errors").replaceChildren();
}

// The form's values as parameters: empty fields left out (their defaults apply), whole numbers where
// the parameter is one, an optional object left wholly empty as not asked for.
function collect(value, path) {
  if (Array.isArray(value)) return value.map((v, i) => collect(v, `${path}.${i}`));
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      const c = collect(v, p);
      if (c !== undefined) out[k] = c;
    }
    const name = path.split(".").pop();
    if (config.nullable.includes(name) && !Object.keys(out).length) return null;
    return out;
  }
  if (typeof value === "boolean") return value;
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  if (text === "") return undefined;
  const proto = protoOf(path);
  if ((proto === null || typeof proto === "number") && /^-?\d+$/.test(text)) return Number(text);
  return text;
}

function showErrors(errors) {
  document.querySelectorAll("#params .invalid").forEach((n) => n.classList.remove("invalid"));
  document.querySelectorAll("#params .error-text").forEach((n) => n.remove());
  const loose = [];
  for (const e of errors) {
    let path = e.field;
    let node = path ? document.querySelector(`#params [data-path="${CSS.escape(path)}"]`) : null;
    while (!node && path.includes(".")) {  // an error of a whole group: shown at the group
      path = path.slice(0, path.lastIndexOf("."));
      node = document.querySelector(`#params [data-path="${CSS.escape(path)}"]`);
    }
    const words = e.label ? `${e.label}：${e.message}` : e.message;
    if (node) {
      node.classList.add("invalid");
      const note = el("span", { class: "error-text" }, node.matches(".field") ? e.message : words);
      if (node.matches(".field")) node.append(note); else node.querySelector("legend")?.after(note);
    }
    loose.push(el("li", {}, words));
  }
  $("form-errors").replaceChildren(errors.length ? el("p", {}, t("centre.err.fix")) : "", errors.length ? el("ul", {}, ...loose) : "");
}

async function checkParams() {
  const body = { params: collect(params, "") || {} };
  const response = await fetch(`/portal/centre/check?lang=${config.lang}`, { method: "POST",
    headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const content = await response.json().catch(() => ({}));
  if (response.status === 422 && Array.isArray(content.errors)) {
    showErrors(content.errors);
    throw new Refused(t("centre.err.fix"));
  }
  if (!response.ok) throw new Refused(refusal(content, response.status, L, { lang: config.lang, zone: config.zone }));
  showErrors([]);
  return content;
}

async function loadFile() {
  const file = $("params-file").files[0];
  if (!file) return;
  try {
    const loaded = JSON.parse(await file.text());
    if (!loaded || typeof loaded !== "object" || Array.isArray(loaded)) throw new Error("not an object");
    params = loaded;
    renderForm();
    say("publish-status", "");
  } catch (err) {
    say("publish-status", t("error.bad_json" in L ? "error.bad_json" : "centre.err.params", { reason: err.message }), "bad");
  }
}

// ------------------------------------------------------------------ publish and amend

// The officers' public keys, typed or from the files `tender officer-key` writes; a file's `name`
// (`officer-key --name`) comes along, for the tender's officer_names.
async function officerKeys(textId = "officer-keys", filesId = "officer-files") {
  const given = $(textId).value.split(/\n/).map((s) => s.trim()).filter(Boolean).map((text) => ({ text, name: "" }));
  for (const file of $(filesId).files) {
    const text = (await file.text()).trim();
    try {
      const j = JSON.parse(text);
      given.push({ text: j.public_key || text, name: typeof j.name === "string" ? j.name.trim() : "" });
    } catch { given.push({ text, name: "" }); }
  }
  const keys = given.map(({ text, name }, i) => {
    try { return { ...B.officerKey(text), name }; } catch (err) { throw new Refused(t("centre.err.officer_key", { n: i + 1, reason: err.detail || err.message })); }
  });
  if (keys.length < 2) throw new Refused(t("centre.err.no_officers"));
  const seen = new Set();
  for (const k of keys) {
    if (seen.has(k.address)) throw new Refused(t("centre.err.duplicate_officer", { address: k.address }));
    if (k.address === session.key.address) throw new Refused(t("centre.err.centre_officer"));
    seen.add(k.address);
  }
  return keys;
}

// The parameters with the names the officers' key files give (as `tender publish` adds them): the
// params hash then binds them; a name the parameters already give stands.
function withOfficerNames(params, officers) {
  const given = params.officer_names || {};
  const mentioned = new Set(Object.keys(given).map((a) => a.toLowerCase()));
  const named = Object.fromEntries(officers.filter((o) => o.name && !mentioned.has(o.address.toLowerCase()))
    .map((o) => [o.address, o.name]));
  return Object.keys(named).length ? { ...params, officer_names: { ...named, ...given } } : params;
}

async function documentB64() {
  const file = $("document").files[0];
  if (!file) throw new Refused(t("centre.err.document"));
  return S.base64(new Uint8Array(await file.arrayBuffer()));
}

function shareLinks(sealed) {
  $("share-links").replaceChildren(...sealed.map((s) => {
    const text = JSON.stringify(s, null, 2) + "\n";
    const a = el("a", { href: `data:application/json;charset=utf-8,${encodeURIComponent(text)}`,
      download: `share-${s.officer}.json`, class: "share-link", "data-officer": s.officer },
    t("centre.share_file", { officer: s.officer, index: s.index }));
    return el("li", {}, a);
  }));
  $("shares").hidden = false;
}

async function submit(event) {
  event.preventDefault();
  say("publish-status", "");
  try {
    const checked = await checkParams();
    if (mode === "amend") return await amend(checked);
    const officers = await officerKeys();
    const threshold = Number($("threshold").value);
    if (!Number.isInteger(threshold) || threshold < 2 || threshold > officers.length) throw new Refused(t("centre.err.threshold"));
    const document_b64 = await documentB64();
    const tid = S.hex(S.keccak(S.utf8(checked.params.project_code)));
    if (tid !== checked.tender_id) throw new Refused(`tender id ${checked.tender_id} ≠ ${tid}`);
    say("publish-status", t("centre.dealing"));
    const dealt = await B.deal(tid, officers, threshold);
    shareLinks(dealt.sealed);  // the shares first: a tender whose shares were lost could never open
    const view = await api("POST", "/tenders", { signed: true, body: { params: withOfficerNames(checked.params, officers), document_b64,
      opening_public_key: dealt.openingPublic, share_hashes: dealt.shareHashes,
      officers: officers.map((o) => o.address), threshold } });
    say("publish-status", t("centre.published", { tid: view.tender_id, tx: view.tx_hash }), "ok");
    $("room-tender").value = view.tender_id;
  } catch (err) {
    say("publish-status", fail(err), "bad");
  }
}

async function loadTender() {
  try {
    const tid = tenderIdOf($("amend-tender").value);
    const view = await api("GET", `/tenders/${tid}`);
    params = view.params;
    renderForm();
    say("publish-status", "");
  } catch (err) {
    say("publish-status", fail(err), "bad");
  }
}

async function amend(checked) {
  const tid = tenderIdOf($("amend-tender").value);
  const reason = $("amend-reason").value.trim();
  if (!reason) throw new Refused(t("centre.err.reason"));
  const document_b64 = await documentB64();
  const view = await api("POST", `/tenders/${tid}/amendments`, { signed: true,
    body: { params: checked.params, document_b64, reason } });
  say("publish-status", t("centre.amended", { version: view.version,
    deadline: localTime(view.deadline, config.lang, config.zone) }), "ok");
}

function tenderIdOf(text) {
  const v = String(text).trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new Refused(t("centre.err.tender"));
  return v.toLowerCase();
}

// ------------------------------------------------------------------ the opening room

async function loadRoom(event) {
  if (event) event.preventDefault();
  try {
    const tid = tenderIdOf($("room-tender").value);
    const section = Number($("room-section").value) - 1;
    room = await api("GET", `/portal/centre/tenders/${tid}/sections/${Number.isInteger(section) ? section : "x"}/room`,
      { signed: true, query: { lang: config.lang } });
    showRoom();
    say("room-status", "");
  } catch (err) {
    room = null;
    $("room").hidden = true;
    say("room-error", fail(err), "bad");
    return;
  }
  say("room-error", "");
}

const badge = (css, words) => el("span", { class: `badge ${css}` }, words);

function showRoom() {
  const r = room;
  $("room").hidden = false;
  const fact = (k, v) => [el("dt", {}, t(k)), el("dd", {}, v)];
  $("room-facts").replaceChildren(
    ...fact("centre.record.project", `${r.title}（${r.project_code}）`),
    ...fact("centre.record.section", `${r.section_name}（${r.section_code}）`),
    ...fact("centre.deadline", r.deadline_text),
    ...fact("centre.status", r.status_text),
    ...fact("centre.record.result", t("centre.count", r.counts)));
  $("room-progress").textContent = t("centre.progress", { released: r.released, threshold: r.threshold });
  $("room-bar").max = r.threshold; $("room-bar").value = Math.min(r.released, r.threshold);
  $("room-officers").replaceChildren(el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, t("centre.officer")), el("th", {}, ""))),
    el("tbody", {}, ...r.officers.map((o) => el("tr", {}, el("td", {}, o.index),
      el("td", { class: "code" }, o.name ? `${o.name} ` : "", o.address),
      el("td", {}, o.released ? badge("ok", t("centre.released")) : badge("muted", t("centre.waiting")))))));
  const officer = r.officers.find((o) => o.address === session.key.address);
  $("release-form").hidden = !officer || officer.released || !r.past_deadline;
  $("open-section").hidden = r.status !== "PENDING" || !r.past_deadline || r.released < r.threshold;
  $("print-record").hidden = !r.bids;
  $("print-notice").hidden = !r.selection;
  showBids();
}

function showBids() {
  const r = room;
  if (!r.bids) {
    $("room-bids").replaceChildren(r.status === "PENDING" ? "" : el("p", { class: "note" }, t("centre.bids_hidden")));
    return;
  }
  $("room-bids").replaceChildren(r.bids.length ? recordTable(r, true) : el("p", { class: "note" }, t("centre.no_bids")));
}

function recordTable(r, screen) {
  const head = ["centre.record.no", "centre.record.firm", "centre.record.price", "centre.record.guarantee",
    "centre.record.credentials", "centre.record.result", "centre.record.eligible"];
  return el("table", { class: "list record", id: screen ? "bids-table" : "" },
    el("thead", {}, el("tr", {}, ...head.map((k) => el("th", {}, t(k))))),
    el("tbody", {}, ...r.bids.map((b, i) => el("tr", {},
      el("td", { class: "num" }, i + 1),
      el("td", {}, el("strong", {}, b.firm || b.bidder), el("div", { class: "sub code" }, b.uscc || b.bidder)),
      el("td", { class: "amount num" }, b.price_yuan),
      el("td", {}, badge(b.guarantee.css, b.guarantee.words),
        b.guarantee.reason && b.guarantee.css !== "muted" ? el("div", { class: "sub" }, b.guarantee.reason) : ""),
      el("td", {}, el("ul", { class: "plain" }, ...b.credentials.map((c) => el("li", {}, c.kind ? `${c.kind}：` : "", c.what)))),
      el("td", { class: "nowrap" }, b.outcome_text, b.outcome !== "DECRYPTED" && b.reason ? el("div", { class: "sub" }, b.reason) : ""),
      el("td", {}, badge(b.eligible ? "ok" : "bad", t(b.eligible ? "centre.record.ok" : "centre.record.fail")),
        b.failed.length ? el("ul", { class: "failed" }, ...b.failed.map((f) => el("li", {}, `${f.label}：${f.reason}`))) : "")))));
}

async function releaseShare(event) {
  event.preventDefault();
  say("room-status", "");
  try {
    const file = $("share-file").files[0];
    if (!file) throw new B.BoxError("share-file", t("centre.share_input"));
    let sealed;
    try { sealed = JSON.parse(await file.text()); } catch (err) { throw new B.BoxError("share-file", err.message); }
    if (sealed && typeof sealed.tender_id === "string" && sealed.tender_id.toLowerCase() !== room.tender_id.toLowerCase()) {
      throw new Refused(t("centre.err.share_tender", { tid: sealed.tender_id }));
    }
    const share = await B.openShare(sealed, session.key);
    const { tx } = await api("POST", "/tx/prepare", { body: { sender: session.key.address, contract: "TenderBook",
      function: "releaseShare", args: [room.tender_id, S.hex(share)] } });
    const signedTx = await signChecked(session, t, L, tx, { to: session.chain.contracts.TenderBook,
      data: B.releaseShareCall(room.tender_id, share) });
    share.fill(0);
    const done = await api("POST", `/tenders/${room.tender_id}/shares`, { signed: true, body: { signed_tx: signedTx } });
    $("share-file").value = "";
    await loadRoom();
    say("room-status", t("centre.released_ok", { tx: done.tx_hash }), "ok");
  } catch (err) {
    say("room-status", fail(err), "bad");
  }
}

async function openSection() {
  say("room-status", "");
  try {
    const opened = await api("POST", `/tenders/${room.tender_id}/sections/${room.section}/open`, { signed: true, body: {} });
    await loadRoom();
    say("room-status", t("centre.opened", { status: L[`status.${opened.status}`] || opened.status, valid: opened.valid_bids }), "ok");
  } catch (err) {
    say("room-status", fail(err), "bad");
  }
}

// ------------------------------------------------------------------ printing

function heading(r, titleKey) {
  const fact = (k, v) => [el("dt", {}, t(k)), el("dd", {}, v)];
  return [el("h1", {}, t(titleKey)),
    el("dl", { class: "facts" },
      ...fact("centre.record.project", r.title), ...fact("centre.record.code", r.project_code),
      ...fact("centre.record.tenderer", r.tenderer), ...fact("centre.record.section", `${r.section_name}（${r.section_code}）`),
      ...fact("centre.record.estimate", r.estimated_price), ...fact("centre.deadline", r.deadline_text))];
}

function printDoc(children) {
  const area = $("print-area");
  area.replaceChildren(...children);
  area.hidden = false;
  document.body.classList.add("printing");
  const done = () => { document.body.classList.remove("printing"); area.hidden = true; window.removeEventListener("afterprint", done); };
  window.addEventListener("afterprint", done);
  window.print();
}

function printRecord() {
  const r = room;
  printDoc([...heading(r, "centre.record.title"), recordTable(r, false),
    el("p", { class: "sign-line" }, t("centre.record.sign")),
    el("p", { class: "sub" }, `${t("centre.record.printed")}：${r.printed_at} · ${t("centre.record.chain", { tid: r.tender_id })}`)]);
}

function printNotice() {
  const r = room, s = r.selection;
  const fact = (k, v) => [el("dt", {}, t(k)), el("dd", {}, v)];
  printDoc([...heading(r, "centre.notice.title"),
    el("dl", { class: "facts notice" },
      ...fact("centre.notice.winner", s.winner_firm), ...fact("centre.notice.price", s.winner_price),
      ...fact("centre.notice.shortlist", s.shortlist.join("、") || "—"),
      ...fact("centre.notice.decided", s.decided_at), ...fact("centre.notice.period", s.publicity_ends),
      ...(s.draw ? fact("centre.notice.draw", el("a", { href: `/portal/draws/${s.draw}` }, s.draw)) : []),
      ...fact("centre.notice.record", el("span", { class: "code wrapid" }, s.record_hash || "—"))),
    recordTable(r, false),
    el("p", {}, t("centre.notice.objection")),
    el("p", { class: "sub" }, `${t("centre.record.printed")}：${r.printed_at} · ${t("centre.record.chain", { tid: r.tender_id })}`)]);
}

// ------------------------------------------------------------------ 评定分离: the centre's steps

let sel = null;
const selBase = () => `/tenders/${sel.tender_id}/sections/${sel.section}/selection`;
const sep = () => (config.lang === "zh" ? "、" : ", ");
const short = (a) => `${String(a).slice(0, 10)}…`;
const colon = () => (config.lang === "zh" ? "：" : ": ");

// A seat's holder (shown to the centre, which seated it, and to anyone once the committee is
// revealed): its name where the ledger knows one, else its key shortened, an expert's speciality.
function holderOf(h) {
  if (!h) return [];
  const who = h.name || short(h.member);
  const speciality = h.speciality ? (config.lang === "zh" ? `（${h.speciality}）` : ` (${h.speciality})`) : "";
  return [el("span", { class: "holder", title: h.member }, `${who}${speciality}`), " · "];
}

async function loadSelection(event) {
  if (event) event.preventDefault();
  try {
    const tid = tenderIdOf($("sel-tender").value);
    const section = Number($("sel-section").value) - 1;
    sel = await api("GET", `/portal/centre/tenders/${tid}/sections/${Number.isInteger(section) ? section : "x"}/selection`,
      { signed: true, query: { lang: config.lang } });
  } catch (err) {
    sel = null;
    $("sel").hidden = true;
    say("sel-error", fail(err), "bad");
    return;
  }
  say("sel-error", "");
  showSelection();
}

function showSelection() {
  const s = sel;
  $("sel").hidden = false;
  const fact = (k, v) => [el("dt", {}, t(k)), el("dd", {}, v)];
  $("sel-facts").replaceChildren(
    ...fact("centre.record.project", `${s.title}（${s.project_code}）`),
    ...fact("centre.record.section", s.section_name),
    ...fact("centre.status", `${s.section_status_text} · ${s.stage_text}`),
    ...fact("centre.sel.methods", `${s.evaluation_method} · ${s.selection_method}`),
    ...fact("centre.sel.now", s.now_text));
  const selectionSeated = s.committees.some((c) => c.kind === "selection" && c.seated);
  $("sel-step-head").textContent = t("committee.step") + colon();
  $("sel-step").textContent = s.step ? s.step.words : t(s.shortlist && !selectionSeated ? "centre.sel.seat_first" : "centre.sel.no_step");
  const seatedList = s.committees.filter((c) => c.seated);
  $("sel-committees").replaceChildren(...(seatedList.length ? seatedList.map((c) => el("div", { class: "committee" },
    el("h4", {}, `${c.kind_text}${c.opened ? ` · ${t("centre.sel.opened")}` : ""}`),
    el("p", { class: "sub" }, t("centre.sel.seats", { size: c.size }),
      c.kind === "evaluation" ? ` · ${t("committee.progress", { committed: c.committed, revealed: c.revealed_sheets, size: c.size })}` : "",
      c.commit_deadline_text ? ` · ${t("committee.deadlines", { commit: c.commit_deadline_text, reveal: c.reveal_deadline_text })}` : ""),
    el("ol", { class: "plain seats" }, ...c.seats.map((a, i) => el("li", {}, ...holderOf(c.holders[i]),
      el("span", { class: "code" }, a),
      c.kind === "selection" && s.chair && a.toLowerCase() === s.chair.toLowerCase() ? ` · ${t("centre.sel.chair")}` : "")))))
    : [el("p", { class: "sub" }, t("centre.sel.none_seated"))]));
  $("sel-shortlist").replaceChildren(...(s.shortlist ? [el("h3", {}, t("committee.shortlist")),
    el("ul", { class: "plain", id: "sel-shortlist-list" }, ...s.shortlist.map((c) => el("li", {}, c.firm)))] : []));
  $("sel-rounds").replaceChildren(...(s.rounds.length ? [el("h3", {}, t(s.deliberation ? "committee.views" : "committee.rounds")),
    ...s.rounds.map((r) => el("p", {}, `${t("committee.round", { round: r.round, state: t(r.closed ? "committee.round.closed" : "committee.round.open") })} · `,
      t("centre.sel.round_progress", { committed: r.committed, revealed: r.revealed }), " · ",
      t("committee.deadlines", { commit: r.commit_deadline_text, reveal: r.reveal_deadline_text }),
      r.tallies ? ` · ${t("committee.tally")}${colon()}${r.tallies.map((x) => `${x.firm} ${x.votes}`).join(sep())}` : ""))] : []));
  const d = s.decision;
  $("sel-decision").replaceChildren(...(d ? [el("h3", {}, t("centre.sel.decision")), el("p", { id: "sel-decided" },
    t("centre.sel.decided", { firm: d.firm, at: d.decided_at, ends: d.publicity_ends }),
    d.awarded ? ` · ${t("centre.sel.awarded", { firm: s.winner_firm || d.firm })}` : "")] : []));
  $("sel-objections").replaceChildren(...(s.objections.length ? [el("h3", {}, t("centre.sel.objections")),
    ...s.objections.map(objectionBlock)] : []));
  $("sel-actions").replaceChildren(...selActions());
  if ($("seat-kind")) { $("seat-kind").addEventListener("change", seatWindows); seatWindows(); }
}

function objectionBlock(o) {
  const box = el("div", { class: "finding", id: `objection-${o.id}` },
    el("p", {}, el("strong", {}, t("centre.sel.objection", { id: o.id, at: o.filed_at })), " ", el("span", { class: "code" }, short(o.by))),
    el("p", { class: "reason" }, o.reason));
  if (o.answered) {
    box.append(el("p", { class: "ok-text" }, t("centre.sel.answered", { at: o.answered_at })), el("p", { class: "reason" }, o.answer || ""));
    return box;
  }
  const id = `answer-${o.id}`;
  const text = el("textarea", { id, rows: "3" });
  const go = el("button", { type: "button", id: `answer-submit-${o.id}` }, t("centre.sel.answer"));
  go.addEventListener("click", () => step(go, async () => {
    const answer = text.value.trim();
    if (!answer) throw new Refused(t("centre.err.answer"));
    await api("POST", `${selBase()}/objections/${o.id}/answer`, { signed: true, body: { answer } });
    return t("centre.sel.answer_done", { id: o.id });
  }));
  box.append(el("div", { class: "field" }, el("label", { for: id }, t("centre.sel.answer_text")), text), go);
  return box;
}

// Run one of the centre's steps (a signed request; the service signs the centre's own transaction),
// then show the section again with what the step says.
async function step(button, action) {
  say("sel-status", "");
  button.disabled = true;
  try {
    const words = await action();
    await loadSelection();
    say("sel-status", words, "ok");
  } catch (err) {
    say("sel-status", fail(err), "bad");
  } finally {
    button.disabled = false;
  }
}

const stepBox = (id, legend, ...children) => el("fieldset", { class: "group", id }, el("legend", {}, legend), ...children);
const field = (id, words, input) => el("div", { class: "field" }, el("label", { for: id }, words), input);
const chainNow = async () => Number((await api("GET", "/chain")).block_timestamp);

function hoursInput(id, value) {
  return el("input", { id, type: "number", min: "1", max: "720", value: String(value), class: "narrow" });
}

function hours(id) {
  const v = Number($(id).value);
  if (!Number.isInteger(v) || v < 1 || v > 720) throw new Refused(t("centre.err.hours"));
  return v * 3600;
}

// A seat file (`tender-ledger evaluate seat-key --out`, or the member's own): {tender_id, section,
// committee, member, seat}, checked against this section and committee before it is sent.
async function seatFile(file, kind) {
  let j;
  try { j = JSON.parse(await file.text()); } catch { throw new Refused(t("centre.err.seat_file", { name: file.name })); }
  const ok = j && typeof j === "object" && /^0x[0-9a-fA-F]{40}$/.test(String(j.member)) && /^0x[0-9a-fA-F]{40}$/.test(String(j.seat));
  if (!ok) throw new Refused(t("centre.err.seat_file", { name: file.name }));
  if (String(j.tender_id).toLowerCase() !== sel.tender_id.toLowerCase() || Number(j.section) !== sel.section || j.committee !== kind) {
    const other = L[`committee.kind.${j.committee}`] ? t(`committee.kind.${j.committee}`) : String(j.committee).slice(0, 20);
    throw new Refused(t("centre.err.seat_other", { name: file.name, committee: other, section: Number(j.section) + 1 }));
  }
  return { member: S.checksum(j.member), seat: S.checksum(j.seat) };
}

function selActions() {
  const s = sel;
  const out = [];
  if (s.section_status === "PENDING" || s.section_status === "FAILED") return [el("p", { class: "sub" }, t("centre.sel.not_open"))];
  const seated = Object.fromEntries(s.committees.filter((c) => c.seated).map((c) => [c.kind, c]));
  const unseated = ["evaluation", "selection"].filter((k) => !seated[k]);
  const kindSelect = (id, kinds) => el("select", { id }, ...kinds.map((k) => el("option", { value: k }, t(`committee.kind.${k}`))));
  s.draws_due.forEach((d, i) => out.push(drawBox(d, i)));
  if (unseated.length) {
    const excludeGo = el("button", { type: "button", id: "exclude-submit", class: "secondary" }, t("centre.sel.exclude"));
    excludeGo.addEventListener("click", () => step(excludeGo, async () => {
      const expert = $("exclude-expert").value.trim();
      const credential = $("exclude-credential").value.trim();
      if (!/^0x[0-9a-fA-F]{40}$/.test(expert)) throw new Refused(t("centre.err.address"));
      if (!/^0x[0-9a-fA-F]{64}$/.test(credential)) throw new Refused(t("centre.err.credential"));
      await api("POST", `${selBase()}/exclusions`, { signed: true,
        body: { kind: $("exclude-kind").value, expert: S.checksum(expert), credential_id: credential.toLowerCase() } });
      return t("centre.sel.excluded", { expert: short(expert) });
    }));
    out.push(stepBox("exclude-box", t("centre.sel.exclude_title"), el("p", { class: "sub" }, t("centre.sel.exclude_lead")),
      el("div", { class: "seat-row" }, field("exclude-kind", t("centre.sel.kind"), kindSelect("exclude-kind", unseated)),
        field("exclude-expert", t("centre.sel.expert"), el("input", { id: "exclude-expert", class: "code", size: "44", spellcheck: "false" })),
        field("exclude-credential", t("centre.sel.credential"), el("input", { id: "exclude-credential", class: "code", size: "68", spellcheck: "false" }))),
      excludeGo));
    const seatGo = el("button", { type: "button", id: "seat-submit" }, t("centre.sel.seat"));
    seatGo.addEventListener("click", () => step(seatGo, async () => {
      const kind = $("seat-kind").value;
      const files = [...$("seat-files").files];
      if (!files.length) throw new Refused(t("centre.err.seat_files"));
      const seats = [];
      for (const f of files) seats.push(await seatFile(f, kind));
      const body = { seats };
      if (kind === "evaluation") {
        const now = await chainNow();
        body.commit_deadline = now + hours("seat-commit");
        body.reveal_deadline = body.commit_deadline + hours("seat-reveal");
      }
      await api("POST", `${selBase()}/committees/${kind}`, { signed: true, body });
      return t("centre.sel.seated", { committee: t(`committee.kind.${kind}`), n: seats.length });
    }));
    out.push(stepBox("seat-box", t("centre.sel.seat_title"), el("p", { class: "sub" }, t("centre.sel.seat_lead")),
      el("div", { class: "seat-row" }, field("seat-kind", t("centre.sel.kind"), kindSelect("seat-kind", unseated)),
        field("seat-files", t("centre.sel.seat_files"), el("input", { id: "seat-files", type: "file", multiple: true, accept: ".json,application/json" })),
        el("div", { id: "seat-windows", class: "seat-row" }, field("seat-commit", t("centre.sel.commit_hours"), hoursInput("seat-commit", 24)),
          field("seat-reveal", t("centre.sel.reveal_hours"), hoursInput("seat-reveal", 24)))),
      seatGo));
  }
  const active = Object.values(seated).filter((c) => !c.opened);
  if (active.length) {
    const replaceGo = el("button", { type: "button", id: "replace-submit", class: "secondary" }, t("centre.sel.replace"));
    replaceGo.addEventListener("click", () => step(replaceGo, async () => {
      const kind = $("replace-kind").value;
      const old = $("replace-seat").value.trim();
      if (!/^0x[0-9a-fA-F]{40}$/.test(old)) throw new Refused(t("centre.err.address"));
      const file = $("replace-file").files[0];
      if (!file) throw new Refused(t("centre.err.seat_files"));
      const reserve = await seatFile(file, kind);
      await api("POST", `${selBase()}/replacements`, { signed: true,
        body: { kind, seat: S.checksum(old), reserve: reserve.member, reserve_seat: reserve.seat } });
      return t("centre.sel.replaced", { seat: short(old), reserve: short(reserve.seat) });
    }));
    out.push(stepBox("replace-box", t("centre.sel.replace_title"), el("p", { class: "sub" }, t("centre.sel.replace_lead")),
      el("div", { class: "seat-row" }, field("replace-kind", t("centre.sel.kind"), kindSelect("replace-kind", active.map((c) => c.kind))),
        field("replace-seat", t("centre.sel.old_seat"), el("input", { id: "replace-seat", class: "code", size: "44", spellcheck: "false" })),
        field("replace-file", t("centre.sel.reserve_file"), el("input", { id: "replace-file", type: "file", accept: ".json,application/json" }))),
      replaceGo));
  }
  if (s.deliberation && seated.selection && !s.chair && !s.rounds.length) {
    const chairGo = el("button", { type: "button", id: "chair-submit" }, t("centre.sel.name_chair"));
    chairGo.addEventListener("click", () => step(chairGo, async () => {
      await api("POST", `${selBase()}/chair`, { signed: true, body: { seat: $("chair-seat").value } });
      return t("centre.sel.chair_named", { seat: short($("chair-seat").value) });
    }));
    out.push(stepBox("chair-box", t("centre.sel.chair_title"), el("p", { class: "sub" }, t("centre.sel.chair_lead")),
      field("chair-seat", t("centre.sel.chair_seat"), el("select", { id: "chair-seat", class: "code" },
        ...seated.selection.seats.map((a) => el("option", { value: a }, a)))), chairGo));
  }
  const next = s.step ? s.step.next : null;
  const roundOpen = s.rounds.some((r) => !r.closed);
  if ((next === "vote" || next === "views") && !roundOpen) {
    const roundGo = el("button", { type: "button", id: "round-submit" }, t("centre.sel.open_round"));
    roundGo.addEventListener("click", () => step(roundGo, async () => {
      const now = await chainNow();
      const commit = now + hours("round-commit");
      await api("POST", `${selBase()}/rounds`, { signed: true, body: { commit_deadline: commit, reveal_deadline: commit + hours("round-reveal") } });
      return t("centre.sel.round_opened");
    }));
    out.push(stepBox("round-box", t(next === "views" ? "centre.sel.views_title" : "centre.sel.round_title"),
      el("p", { class: "sub" }, s.step.words),
      el("div", { class: "seat-row" }, field("round-commit", t("centre.sel.commit_hours"), hoursInput("round-commit", 1)),
        field("round-reveal", t("centre.sel.reveal_hours"), hoursInput("round-reveal", 1))), roundGo));
  }
  if (next === "decided" && !s.decision) {
    const decideGo = el("button", { type: "button", id: "decide-submit" }, t("centre.sel.decide"));
    decideGo.addEventListener("click", () => step(decideGo, async () => {
      const days = Number($("decide-days").value);
      if (!Number.isInteger(days) || days < 3 || days > 60) throw new Refused(t("committee.err.days"));
      await api("POST", `${selBase()}/decision`, { signed: true, body: { winner: s.step.winner, publicity_days: days } });
      return t("centre.sel.decide_done");
    }));
    out.push(stepBox("decide-box", t("centre.sel.decide_title"), el("p", { class: "sub" }, s.step.words),
      field("decide-days", t("committee.chair.days"), el("input", { id: "decide-days", type: "number", min: "3", max: "60", value: "3" })), decideGo));
  }
  if (s.decision && !s.decision.awarded) {
    const open = s.objections.filter((o) => !o.answered).length;
    const awardGo = el("button", { type: "button", id: "award-submit" }, t("centre.sel.award"));
    awardGo.disabled = !s.decision.publicity_over || open > 0;
    awardGo.addEventListener("click", () => step(awardGo, async () => {
      await api("POST", `${selBase()}/award`, { signed: true });
      return t("centre.sel.award_done", { firm: s.decision.firm });
    }));
    out.push(stepBox("award-box", t("centre.sel.award_title"), el("p", { class: "sub" },
      !s.decision.publicity_over ? t("centre.sel.publicity_running", { ends: s.decision.publicity_ends })
        : open ? t("centre.sel.objections_open", { n: open }) : t("centre.sel.award_lead")), awardGo));
  }
  if (!out.length) out.push(el("p", { class: "sub" }, t("centre.sel.nothing")));
  return out;
}

// A draw the centre may open (a committee from its pool, or the draw the rule asks for), as
// `tender-ledger lottery open` does: the draw key made on alt_bn128 and split to the officers in this
// browser (officer_box.js dealDraw), their sealed share files handed out first; once opened, where
// it stands, and its picks once finished (each linked to its recomputable proof).
const dealtShares = {};  // draw id → its sealed shares, kept for this page's life to hand out

function drawBox(d, i) {
  const link = el("a", { href: `/portal/draws/${d.draw_id}?lang=${config.lang}`, class: "draw-link" }, t("committee.draw_link", { id: short(d.draw_id) }));
  if (d.finished) {
    return stepBox(`draw-box-${i}`, t("centre.draw.title", { what: d.what }), el("p", {}, link),
      el("p", {}, t("centre.draw.picks")), el("ol", { class: "plain seats", id: `draw-picks-${i}` }, ...d.picks.map((p) => el("li", { class: "code" }, p))));
  }
  if (d.opened) {
    const finish = el("button", { type: "button", id: `draw-finish-${i}`, class: "secondary" }, t("centre.draw.finish"));
    finish.addEventListener("click", () => step(finish, async () => {
      await api("POST", `/draws/${d.draw_id}/finish`);
      return t("centre.draw.finished");
    }));
    const box = stepBox(`draw-box-${i}`, t("centre.draw.title", { what: d.what }), el("p", {}, d.progress, " · ", link),
      el("p", { class: "sub" }, t("centre.draw.cli")), el("ul", { class: "plain", id: `draw-shares-${i}` }), finish);
    if (dealtShares[d.draw_id]) drawShareLinks(box.querySelector("ul"), dealtShares[d.draw_id]);
    return box;
  }
  const go = el("button", { type: "button", id: `draw-open-${i}` }, t("centre.draw.open"));
  go.addEventListener("click", () => step(go, async () => {
    const parties = $(`draw-parties-${i}`).value.split(/\s+/).map((x) => x.trim()).filter(Boolean);
    if (parties.length < 2 || parties.some((p) => !/^0x[0-9a-fA-F]{40}$/.test(p))) throw new Refused(t("centre.err.parties"));
    const checked = parties.map((p) => S.checksum(p));
    if (new Set(checked).size !== checked.length) throw new Refused(t("centre.err.parties"));
    const officers = await officerKeys(`draw-officers-${i}`, `draw-officer-files-${i}`);
    const threshold = Number($(`draw-threshold-${i}`).value);
    if (!Number.isInteger(threshold) || threshold < 2 || threshold > officers.length) throw new Refused(t("centre.err.draw_threshold"));
    const commitDeadline = (await chainNow()) + hours(`draw-window-${i}`);
    const dealt = await B.dealDraw(d.draw_id, officers, threshold);
    dealtShares[d.draw_id] = dealt.sealed;  // the shares first: a draw whose shares were lost could never finish
    drawShareLinks($(`draw-shares-${i}`), dealt.sealed);
    try {
      await api("POST", `/tenders/${sel.tender_id}/sections/${sel.section}/draws`, { signed: true, body: {
        purpose: d.purpose, round: d.round, parties: checked, candidates: d.candidates, k: d.k, public_key: dealt.openingPublic,
        commit_deadline: commitDeadline, officers: officers.map((o) => o.address), share_hashes: dealt.shareHashes, threshold } });
    } catch (err) {  // not opened: these shares belong to a key no draw uses
      delete dealtShares[d.draw_id];
      $(`draw-shares-${i}`).replaceChildren();
      throw err;
    }
    return t("centre.draw.opened", { id: short(d.draw_id) });
  }));
  return stepBox(`draw-box-${i}`, t("centre.draw.title", { what: d.what }),
    el("p", { class: "sub" }, t("centre.draw.lead", { k: d.k, n: d.candidates.length })),
    d.pool_short ? el("p", { class: "bad-text" }, t("centre.draw.pool_short", { n: d.candidates.length, size: d.size })) : "",
    field(`draw-parties-${i}`, t("centre.draw.parties"), el("textarea", { id: `draw-parties-${i}`, rows: "2", class: "code", spellcheck: "false" })),
    field(`draw-officers-${i}`, t("centre.draw.officers"), el("textarea", { id: `draw-officers-${i}`, rows: "3", class: "code", spellcheck: "false" })),
    field(`draw-officer-files-${i}`, t("centre.draw.officer_files"), el("input", { id: `draw-officer-files-${i}`, type: "file", multiple: true, accept: ".json,application/json" })),
    el("div", { class: "seat-row" }, field(`draw-threshold-${i}`, t("centre.draw.threshold"), el("input", { id: `draw-threshold-${i}`, type: "number", min: "2", value: "2" })),
      field(`draw-window-${i}`, t("centre.draw.window"), hoursInput(`draw-window-${i}`, 1))),
    go, el("ul", { class: "plain", id: `draw-shares-${i}` }));
}

// Each officer's sealed draw share, as `lottery open` writes it (draw-share-0xOFFICER.json).
function drawShareLinks(list, sealed) {
  list.replaceChildren(...sealed.map((s) => el("li", {}, el("a", {
    href: `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(s, null, 2) + "\n")}`,
    download: `draw-share-${s.officer}.json`, class: "draw-share-link", "data-officer": s.officer },
  t("centre.draw.share_file", { officer: s.officer, index: s.index })))));
}

// The sheets' windows are the evaluation committee's only.
function seatWindows() {
  const kind = $("seat-kind");
  if (kind && $("seat-windows")) $("seat-windows").hidden = kind.value !== "evaluation";
}

// ------------------------------------------------------------------ wiring

$("signin-form").addEventListener("submit", start);
$("signout").addEventListener("click", signOut);
for (const name of ["publish", "amend", "room", "selection"]) $(`tab-${name}`).addEventListener("click", () => choose(name));
$("sel-form").addEventListener("submit", loadSelection);
$("params-file").addEventListener("change", loadFile);
$("check-params").addEventListener("click", async () => {
  try { const c = await checkParams(); say("publish-status", t("centre.checked", { tid: c.tender_id }), "ok"); }
  catch (err) { say("publish-status", fail(err), "bad"); }
});
$("params-form").addEventListener("submit", submit);
$("amend-load").addEventListener("click", loadTender);
$("room-form").addEventListener("submit", loadRoom);
$("release-form").addEventListener("submit", releaseShare);
$("open-section").addEventListener("click", openSection);
$("print-record").addEventListener("click", printRecord);
$("print-notice").addEventListener("click", printNotice);
renderForm();
