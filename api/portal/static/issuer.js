// The issuer's page: sign in with the issuer key (opened here), anchor one credential from a form or a
// batch from a file, list what this issuer anchored, revoke / suspend / reinstate. The credential ids
// and the batch root are computed here (signer.js), and every prepared transaction is signed only
// when it is exactly the call asked for: the server never holds the key, and cannot make it sign
// another root, another credential or another reason.
import * as S from "./signer.js";
import { $, Refused, client, el, failure, say, setup, signChecked, signIn, signedOut } from "./desk.js";

const { config, L, t } = setup("issuer-config");
const KIND_NAMES = Object.fromEntries(Object.entries(config.kinds).map(([name, k]) => [k.value, name]));
let session = null; // {key, chain, kinds: [names]}
let api = null;
let listed = { q: "", offset: 0 };
const fail = (err) => (err instanceof Refused ? err.message : failure(t, L, err));

// ------------------------------------------------------------------ sign in

// The kinds the key is authorised for (none: it may still look, and is told so).
async function authorised(s) {
  const grants = await client(s)("GET", "/issuers");
  s.kinds = grants.filter((g) => g.authorised && g.issuer.toLowerCase() === s.key.address.toLowerCase())
    .map((g) => g.kind_name);
  return t("issuer.signed_in", { address: s.key.address });
}

async function start(event) {
  event.preventDefault();
  session = await signIn(authorised, { t, fail });
  if (!session) return;
  api = client(session);
  $("kinds").textContent = session.kinds.length
    ? t("issuer.kinds", { kinds: session.kinds.map((k) => config.kinds[k].label).join(config.lang === "zh" ? "、" : ", ") }) : t("issuer.no_kinds");
  $("anchor-card").hidden = $("import-card").hidden = !session.kinds.length;
  $("kind").replaceChildren(...session.kinds.map((k) => el("option", { value: k }, config.kinds[k].label)));
  renderFields();
  listed = { q: "", offset: 0 };
  await showList();  // its own errors shown in the list
}

function signOut() {
  session = null; api = null;
  signedOut();
}

// ------------------------------------------------------------------ one credential from a form

function renderFields() {
  const kind = config.kinds[$("kind").value];
  const box = $("fields");
  box.replaceChildren();
  if (!kind) return;
  for (const f of kind.fields) {
    let input;
    if (f.type === "choice") {
      input = el("select", { id: `f-${f.name}`, name: f.name },
        ...(f.required ? [] : [el("option", { value: "" }, "—")]), ...f.options.map((o) => el("option", { value: o }, o)));
    } else {
      const type = { date: "date", datetime: "datetime-local", decimal: "text" }[f.type] || "text";
      input = el("input", { id: `f-${f.name}`, name: f.name, type, autocomplete: "off" });
      if (f.type === "decimal") input.setAttribute("inputmode", "decimal");
      if (f.default) input.value = f.default;
      if (f.name === "issued_at" || f.name === "validFrom") input.value = config.now; // now in the portal's time zone
    }
    box.append(el("div", { class: "field", id: `field-${f.name}` },
      el("label", { for: `f-${f.name}` }, f.label, f.required ? el("span", { class: "req", title: t("issuer.required") }, "*") : null),
      input, el("span", { class: "error-text", id: `err-${f.name}` })));
  }
}

function formValues() {
  const values = {};
  for (const f of config.kinds[$("kind").value].fields) values[f.name] = $(`f-${f.name}`).value;
  return values;
}

function showFieldErrors(errors) {
  for (const node of document.querySelectorAll("#fields .field")) node.classList.remove("invalid");
  for (const node of document.querySelectorAll("#fields .error-text")) node.textContent = "";
  for (const e of errors) {
    const box = $(`field-${e.field}`);
    if (box) { box.classList.add("invalid"); $(`err-${e.field}`).textContent = e.message; }
  }
}

// Check rows with the service: the documents as the ledger will hash them, or the errors per field.
async function check(kindName, rows) {
  try {
    const checked = await api("POST", "/portal/issuer/check",
      { body: { kind: config.kinds[kindName].value, issuer: session.key.address, rows }, query: { lang: config.lang } });
    return { documents: checked.documents, errors: [] };
  } catch (err) {
    if (err.status === 422 && err.content && Array.isArray(err.content.errors)) return { documents: null, errors: err.content.errors };
    throw err;
  }
}

// Seal each document under a fresh salt, compute its id and the batch root here, have the service
// prepare the anchor transaction, sign it only if it anchors exactly that root and kind, submit.
async function anchorBatch(kindName, documents) {
  const sealed = documents.map((document) => ({ document, masterSalt: S.hex(crypto.getRandomValues(new Uint8Array(32))) }));
  const ids = sealed.map((s) => S.credentialId(s.document, s.masterSalt));
  const root = S.merkleRoot(ids);
  const kind = config.kinds[kindName].value;
  const prepared = await api("POST", "/credentials/prepare-anchor", { body: { documents: sealed, sender: session.key.address } });
  if (prepared.root !== S.hex(root)) throw new Refused(t("issuer.err.root", { server: prepared.root, local: S.hex(root) }));
  const signedTx = await signChecked(session, t, L, prepared.tx, {
    to: session.chain.contracts.CredentialRegistry, data: S.abiCall("anchor_wU2(bytes32,uint8)", [root, kind]) });
  const batch = await api("POST", "/credentials", { signed: true, body: { documents: sealed, signed_tx: signedTx } });
  return { batch, sealed, ids: ids.map(S.hex) };
}

function holderCopy(sealed, name) {
  const blob = new Blob([JSON.stringify({ credentials: sealed.map((s) => ({ sealed: s })) }, null, 2)], { type: "application/json" });
  return el("a", { href: URL.createObjectURL(blob), download: name, id: "holder-copy", class: "button small" }, t("issuer.download"));
}

async function anchorOne(event) {
  event.preventDefault();
  const kindName = $("kind").value;
  const box = $("anchor-status");
  box.replaceChildren(el("p", {}, t("issuer.checking")));
  showFieldErrors([]);
  try {
    const { documents, errors } = await check(kindName, [formValues()]);
    if (errors.length) {
      showFieldErrors(errors);
      box.replaceChildren(el("p", { class: "bad-text", id: "anchor-verdict" }, t("issuer.fix")),
        el("ul", {}, ...errors.map((e) => el("li", {}, e.label ? `${e.label}：${e.message}` : e.message))));
      return;
    }
    box.replaceChildren(el("p", {}, t("issuer.signing")));
    const { batch, sealed, ids } = await anchorBatch(kindName, documents);
    box.replaceChildren(el("p", { class: "ok-text wrapid", id: "anchor-verdict" },
      t("issuer.anchored", { id: ids[0], tx: batch.tx_hash, block: batch.block_number })),
      holderCopy(sealed, `${ids[0].slice(0, 10)}.sealed.json`));
    listed.offset = 0;
    await showList();
  } catch (err) {
    box.replaceChildren(el("p", { class: "bad-text", id: "anchor-verdict" }, fail(err)));
  }
}

// ------------------------------------------------------------------ a batch from a file

function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); field = "";
      if (row.some((v) => v !== "")) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((v) => v !== "")) rows.push(row);
  const [head, ...body] = rows;
  if (!head) return [];
  return body.map((r) => Object.fromEntries(head.map((name, i) => [name.trim(), r[i] ?? ""])));
}

function rowsOf(name, text) {
  const clean = text.replace(/^\uFEFF/, "");
  if (/\.csv$/i.test(name) || !/^\s*[[{]/.test(clean)) return parseCsv(clean);
  const data = JSON.parse(clean);
  const list = Array.isArray(data) ? data : Array.isArray(data.credentials) ? data.credentials : [data];
  return list.map((r) => (r && typeof r === "object" && r.document && typeof r.document === "object" ? r.document : r));
}

function progress(done, total) {
  const bar = $("import-progress");
  bar.hidden = false;
  bar.max = total; bar.value = done;
}

async function importFile(event) {
  event.preventDefault();
  const file = $("import-file").files[0];
  const box = $("import-status");
  if (!file) return;
  const kindName = $("kind").value;
  let rows;
  try {
    rows = rowsOf(file.name, await file.text());
  } catch (err) {
    box.replaceChildren(el("p", { class: "bad-text" }, t("issuer.import.unreadable", { reason: err.message })));
    return;
  }
  if (!rows.length) { box.replaceChildren(el("p", { class: "bad-text" }, t("issuer.import.empty"))); return; }
  // the kind of the rows is the one chosen in the form unless a row names its own
  const named = rows.find((r) => r.kind !== undefined && r.kind !== "");
  const kind = named !== undefined && KIND_NAMES[Number(named.kind)] ? KIND_NAMES[Number(named.kind)] : kindName;
  if (!session.kinds.includes(kind)) {
    box.replaceChildren(el("p", { class: "bad-text" }, t("issuer.err.not-authorised", { kind: config.kinds[kind].label })));
    return;
  }
  const slice = 200, batchSize = Math.min(config.max_batch, 500);
  const total = rows.length * 2; // checking, then anchoring
  try {
    box.replaceChildren(el("p", {}, t("issuer.import.reading", { rows: rows.length })));
    progress(0, total);
    const documents = [], errors = [];
    for (let i = 0; i < rows.length; i += slice) {
      const part = rows.slice(i, i + slice).map((r) => { const { kind: _k, issuer: _i, ...rest } = r; return rest; });
      const checked = await check(kind, part);
      if (checked.errors.length) errors.push(...checked.errors.map((e) => ({ ...e, row: e.row + i })));
      else documents.push(...checked.documents);
      progress(Math.min(i + slice, rows.length), total);
      box.replaceChildren(el("p", {}, t("issuer.import.checked", { done: Math.min(i + slice, rows.length), rows: rows.length })));
    }
    if (errors.length) {
      progress(0, total);
      box.replaceChildren(el("p", { class: "bad-text", id: "import-verdict" }, t("issuer.import.bad", { count: errors.length })),
        el("ul", {}, ...errors.slice(0, 50).map((e) => el("li", {},
          `${t("issuer.import.row", { row: e.row + 1 })} · ${e.label || e.field}：${e.message}`))));
      return;
    }
    const batches = Math.ceil(documents.length / batchSize);
    const sealed = [];
    for (let b = 0; b < batches; b++) {
      box.replaceChildren(el("p", {}, t("issuer.import.anchoring", { batch: b + 1, batches })));
      const done = await anchorBatch(kind, documents.slice(b * batchSize, (b + 1) * batchSize));
      sealed.push(...done.sealed);
      progress(rows.length + Math.min((b + 1) * batchSize, documents.length), total);
    }
    box.replaceChildren(el("p", { class: "ok-text", id: "import-verdict" }, t("issuer.import.done", { rows: documents.length, batches })),
      holderCopy(sealed, `${file.name.replace(/\.[^.]+$/, "")}.sealed.json`));
    listed.offset = 0;
    await showList();
  } catch (err) {
    box.replaceChildren(el("p", { class: "bad-text", id: "import-verdict" }, fail(err)));
  }
}

// ------------------------------------------------------------------ what this issuer anchored

async function showList(more = false) {
  const box = $("list");
  try {
    const page = await api("GET", `/portal/issuer/${session.key.address}/credentials`,
      { query: { q: listed.q, offset: listed.offset, lang: config.lang } });
    $("list-count").textContent = t("issuer.count", { total: page.total });
    const body = more && box.querySelector("tbody") ? box.querySelector("tbody") : el("tbody");
    for (const c of page.credentials) body.append(row(c));
    if (!more) {
      box.replaceChildren(page.credentials.length ? el("table", { class: "list credentials issued" },
        el("thead", {}, el("tr", {}, ...["col.credential", "issuer.col.firm", "col.grade", "issuer.col.status", "issuer.col.action"]
          .map((k) => el("th", {}, t(k))))), body) : el("p", { class: "empty" }, t("issuer.none")));
    }
    listed.offset = page.offset + page.credentials.length;
    $("list-more").hidden = listed.offset >= page.total;
  } catch (err) {
    box.replaceChildren(el("p", { class: "bad-text" }, fail(err)));
  }
}

function row(c) {
  const actions = el("div", { class: "actions" });
  if (c.status === "VALID" || c.status === "SUSPENDED") {
    const reason = el("select", { "aria-label": t("issuer.reason"), class: "reason" },
      ...config.reasons.map((r) => el("option", { value: String(r.value) }, r.label)));
    if (c.status === "VALID") reason.value = "5"; // under investigation: the usual ground for a suspension
    const button = (action, css = "") => {
      const b = el("button", { type: "button", class: `small ${css} ${action}` }, t(`issuer.${action}`));
      b.addEventListener("click", () => change(c, action, Number(reason.value), b));
      return b;
    };
    if (c.status === "VALID") actions.append(reason, button("suspend", "secondary"), button("revoke"));
    else actions.append(reason, button("reinstate", "secondary"), button("revoke"));
  }
  return el("tr", { "data-id": c.id },
    el("td", {}, el("div", { class: "kind" }, c.kind_label), el("div", {}, c.what), el("div", { class: "sub code" }, `${c.id.slice(0, 18)}…`)),
    el("td", {}, el("div", {}, c.firm || "—"), el("div", { class: "sub code" }, c.subject)),
    el("td", { class: "nowrap" }, c.grade),
    el("td", {}, el("span", { class: `badge ${c.now[0]}` }, c.now[1]), el("div", { class: "sub" }, c.anchored)),
    el("td", {}, actions));
}

const CALLS = {
  revoke: "revoke(bytes32,bytes32,bytes32[],uint16)",
  suspend: "suspend(bytes32,bytes32,bytes32[],uint16)",
  reinstate: "reinstate(bytes32,bytes32,bytes32[])",
};

async function change(c, action, reason, button) {
  if (action === "revoke" && !window.confirm(t("issuer.confirm.revoke", { what: c.what }))) return;
  button.disabled = true;
  say("change-status", "");
  try {
    const args = action === "reinstate" ? [c.root, c.id, c.proof] : [c.root, c.id, c.proof, reason];
    const { tx } = await api("POST", "/tx/prepare", { body: { sender: session.key.address, contract: "CredentialRegistry",
      function: action, args } });
    const signedTx = await signChecked(session, t, L, tx, { to: session.chain.contracts.CredentialRegistry,
      data: S.abiCall(CALLS[action], args) });
    const done = await api("POST", `/credentials/${c.id}/${action}`, { signed: true, body: { signed_tx: signedTx } });
    say("change-status", t("issuer.changed", { action: t(`issuer.${action}`), what: c.what, tx: done.tx_hash }), "ok");
    listed.offset = 0;
    await showList();
  } catch (err) {
    button.disabled = false;
    say("change-status", fail(err), "bad");
  }
}

$("signin-form").addEventListener("submit", start);
$("signout").addEventListener("click", signOut);
$("kind").addEventListener("change", renderFields);
$("anchor-form").addEventListener("submit", anchorOne);
$("import-form").addEventListener("submit", importFile);
$("list-form").addEventListener("submit", (e) => { e.preventDefault(); listed = { q: $("list-q").value.trim(), offset: 0 }; showList(); });
$("list-more").addEventListener("click", () => showList(true));
