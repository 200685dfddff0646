// The governance members' desk: sign in with a member's key (opened here, never sent), read every
// proposal with its call in words and who approved it, propose a common call — authorising issuers,
// guarantors and trading centres, keeping the expert pool and the tenderers' member pools, an expert
// or member named on a pool card whose hash is the proposal's salt — and approve, take back or cancel.
// Every transaction the service prepares is signed only when it is exactly the call asked for: the
// inner call is rebuilt here (signer.js abiCall) and, with a pool card, the salt must be the card's
// keccak and the card must name the person asked for.
import * as S from "./signer.js";
import { $, Refused, client, el, failure, localTime, say, setup, signChecked, signIn, signedOut } from "./desk.js";

const { config, L, t } = setup("governance-config");
let session = null; // {key, chain, member, overview}
let api = null;
const fail = (err) => (err instanceof Refused ? err.message : failure(t, L, err));

// What each action proposes: the contract, the call's ABI signature and the fields it takes (a
// pool card with `card`).
const ACTIONS = {
  authoriseIssuer: { contract: "CredentialRegistry", sig: "authoriseIssuer(address,uint8)", fields: ["address", "kind"] },
  withdrawIssuer: { contract: "CredentialRegistry", sig: "withdrawIssuer(address,uint8)", fields: ["address", "kind"] },
  authoriseGuarantor: { contract: "GuaranteeBook", sig: "authoriseIssuer(address,uint8)", fields: ["address", "issuer_type"] },
  withdrawGuarantor: { contract: "GuaranteeBook", sig: "withdrawIssuer(address,uint8)", fields: ["address", "issuer_type"] },
  authoriseCentre: { contract: "TenderBook", sig: "authoriseCentre(address)", fields: ["address"] },
  withdrawCentre: { contract: "TenderBook", sig: "withdrawCentre(address)", fields: ["address"] },
  registerExpert: { contract: "SelectionBook", sig: "registerExpert(address,bytes32)", fields: ["address", "speciality", "name", "organisation"], card: "expert" },
  removeExpert: { contract: "SelectionBook", sig: "removeExpert(address)", fields: ["address"] },
  registerMember: { contract: "SelectionBook", sig: "registerMember(bytes32,address)", fields: ["uscc", "address", "name", "organisation"], card: "member" },
  removeMember: { contract: "SelectionBook", sig: "removeMember(bytes32,address)", fields: ["uscc", "address"] },
};
const fnOf = (sig) => sig.slice(0, sig.indexOf("("));
const actionOf = (contract, fn) => Object.keys(ACTIONS).find((k) => ACTIONS[k].contract === contract && fnOf(ACTIONS[k].sig) === fn);

// Only a member of the governance signs in here.
async function check(s) {
  const overview = await client(s)("GET", "/governance");
  s.overview = overview;
  s.member = overview.members.find((m) => m.address.toLowerCase() === s.key.address.toLowerCase()) || null;
  if (!s.member) throw new Refused(t("gov.not_member"));
  return t("gov.signed_in", { name: s.member.name, address: s.key.address, threshold: overview.threshold,
    members: overview.members.length });
}

async function start(event) {
  event.preventDefault();
  session = await signIn(check, { t, fail });
  if (!session) return;
  api = client(session);
  showFields();
  await showProposals();
}

function signOut() {
  session = null; api = null;
  signedOut();
}

function showFields() {
  const action = ACTIONS[$("action").value];
  document.querySelectorAll("#propose-form [data-for]").forEach((node) => {
    node.hidden = !action.fields.includes(node.dataset.for);
  });
  $("card-note").hidden = !action.card;
}

// ------------------------------------------------------------------ proposing

function specialityWord(text) {
  try { return S.textWord(text); } catch { throw new Refused(t("gov.err.speciality")); }
}

// The asked call: the API's arguments and the ABI arguments the inner call data is rebuilt from.
function asked(actionName) {
  const action = ACTIONS[actionName];
  const address = $("address").value.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Refused(t("gov.err.address"));
  const uscc = $("uscc").value.trim().toUpperCase();
  if (action.fields.includes("uscc") && !/^[0-9A-Z]{18}$/.test(uscc)) throw new Refused(t("gov.err.uscc"));
  const name = $("person-name").value.trim();
  if (action.card && !name) throw new Refused(t("gov.err.name"));
  const card = action.card ? { name, organisation: $("organisation").value.trim() } : null;
  switch (actionName) {
    case "authoriseIssuer": case "withdrawIssuer":
      return { args: [address, Number($("kind").value)], abi: [address, Number($("kind").value)], card };
    case "authoriseGuarantor": case "withdrawGuarantor":
      return { args: [address, Number($("issuer-type").value)], abi: [address, Number($("issuer-type").value)], card };
    case "registerExpert": {
      const speciality = $("speciality").value.trim();
      return { args: [address, speciality], abi: [address, specialityWord(speciality)], card };
    }
    case "registerMember": case "removeMember":
      return { args: [uscc, address], abi: [S.usccWord(uscc), address], card };
    default:
      return { args: [address], abi: [address], card };
  }
}

// The pool card the service made, when it names the person asked for in the role the call gives.
function checkedCard(prepared, want, role, address) {
  const content = prepared.card && prepared.card.content;
  let card = null;
  try { card = JSON.parse(content); } catch { card = null; }
  if (!card || card.role !== role || String(card.address).toLowerCase() !== address.toLowerCase()
      || card.name !== want.name || card.organisation !== want.organisation) throw new Refused(t("gov.err.card"));
  return { content, hash: S.keccak(S.utf8(content)) };
}

async function propose(event) {
  event.preventDefault();
  say("propose-status", t("gov.signing"));
  try {
    const name = $("action").value;
    const action = ACTIONS[name];
    const call = asked(name);
    const body = { sender: session.key.address, contract: action.contract, function: fnOf(action.sig), args: call.args };
    if (call.card) body.card = call.card;
    const prepared = await api("POST", "/governance/prepare-proposal", { body });
    const target = session.chain.contracts[action.contract];
    const inner = S.abiCall(action.sig, call.abi);
    const data = S.unhex(S.describeTx(prepared.tx).data);
    let salt = data.subarray(4 + 64, 4 + 96);  // the service's salt (any salt proposes the same call)
    const step = {};
    if (call.card) {
      const card = checkedCard(prepared, call.card, action.card, call.args[action.card === "member" ? 1 : 0]);
      salt = card.hash;  // with a card, the salt is its hash and nothing else
      step.card = card.content;
    }
    const signed = await signChecked(session, t, L, prepared.tx, { to: session.overview.address, data: S.proposeCall(target, inner, salt) });
    const done = await api("POST", "/governance/steps", { signed: true, body: { signed_tx: signed, ...step } });
    say("propose-status", stepWords(done), "ok");
    await showProposals();
  } catch (err) {
    say("propose-status", fail(err), "bad");
  }
}

function stepWords(done) {
  const short = (tx) => `${tx.slice(0, 10)}…`;
  return t(`gov.done.${done.function}`, { tx: short(done.tx_hash) })
    + (done.executed_tx ? t("gov.done.executed", { tx: short(done.executed_tx) }) : "");
}

// ------------------------------------------------------------------ the proposals

function bytesText(value) {
  try {
    const bytes = S.unhex(value);
    let end = bytes.length;
    while (end && bytes[end - 1] === 0) end -= 1;
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end));
  } catch { return String(value); }
}

function kindWord(value) {
  const names = ["IDENTITY", "QUALIFICATION", "PERSONNEL", "PERFORMANCE", "AWARD", "CREDIT", "CONTRACT_PERFORMANCE"];
  return L[`kind.${names[Number(value)]}`] || String(value);
}

function callWords(p) {
  const call = p.call;
  const name = actionOf(call.contract, call.function);
  const args = call.args || {};
  const parts = [];
  for (const [k, v] of Object.entries(args)) {
    if (k === "kind") parts.push(kindWord(v));
    else if (k === "issuerType") parts.push(L[`gov.issuer_type.${["BANK", "GUARANTEE_COMPANY", "INSURER"][Number(v)]}`] || String(v));
    else if (k === "speciality" || k === "uscc") parts.push(bytesText(v));
    else parts.push(String(v));
  }
  const head = name ? t(`gov.action.${name}`) : `${call.contract}.${call.function}`;
  const card = p.card ? [el("br"), el("span", { class: "sub card-name" }, t("gov.card", { name: p.card.name,
    organisation: p.card.organisation ? `（${p.card.organisation}）` : "" }))] : [];
  return [el("strong", {}, head), " ", el("span", { class: "code" }, parts.join(" · ")), ...card,
    el("br"), el("span", { class: "sub" }, t(p.state === "PENDING" ? "gov.proposed_by" : "gov.proposed_by.closed", {
      name: p.proposer_name || p.proposer, at: localTime(Date.parse(p.expires_at) / 1000, config.lang, config.zone) }))];
}

async function showProposals() {
  const box = $("proposals");
  try {
    const list = await api("GET", "/governance/proposals");
    if (!list.length) { box.replaceChildren(el("p", { class: "empty" }, t("gov.none"))); return; }
    const body = el("tbody");
    for (const p of list) body.append(row(p));
    box.replaceChildren(el("table", { class: "list proposals" }, el("thead", {}, el("tr", {},
      ...["gov.col.call", "gov.col.state", "gov.col.approvals", "gov.col.action"].map((k) => el("th", {}, t(k))))), body));
  } catch (err) {
    box.replaceChildren(el("p", { class: "bad-text" }, fail(err)));
  }
}

function row(p) {
  const me = session.key.address.toLowerCase();
  const approved = p.approvals.some((a) => a.address.toLowerCase() === me);
  const actions = el("div", { class: "actions" });
  if (p.state === "PENDING") {
    const button = (fn, key, cls) => {
      const b = el("button", { type: "button", class: `small ${cls}`, "data-function": fn }, t(key));
      b.addEventListener("click", () => step(p.proposal_id, fn));
      return b;
    };
    actions.append(approved ? button("revokeApproval", "gov.revoke", "secondary") : button("approve", "gov.approve", ""));
    if (p.proposer.toLowerCase() === me) actions.append(" ", button("cancel", "gov.cancel", "secondary"));
  }
  const css = { PENDING: "warn", EXECUTED: "ok", CANCELLED: "muted", LAPSED: "muted" }[p.state] || "muted";
  return el("tr", { "data-proposal": p.proposal_id },
    el("td", {}, ...callWords(p)),
    el("td", {}, el("span", { class: `badge ${css}` }, t(`gov.state.${p.state}`))),
    el("td", {}, t("gov.approvals", { n: p.approvals.length, k: p.threshold }), el("br"),
      el("span", { class: "sub" }, p.approvals.map((a) => a.name || a.address).join("、"))),
    el("td", {}, actions));
}

async function step(id, fn) {
  say("action-status", t("gov.signing"));
  try {
    const prepared = await api("POST", `/governance/proposals/${id}/prepare`, { body: { sender: session.key.address, function: fn } });
    const signed = await signChecked(session, t, L, prepared.tx, { to: session.overview.address, data: S.abiCall(`${fn}(bytes32)`, [id]) });
    const done = await api("POST", "/governance/steps", { signed: true, body: { signed_tx: signed } });
    say("action-status", stepWords(done), "ok");
    await showProposals();
  } catch (err) {
    say("action-status", fail(err), "bad");
  }
}

$("signin-form").addEventListener("submit", start);
$("signout").addEventListener("click", signOut);
$("action").addEventListener("change", showFields);
$("propose-form").addEventListener("submit", propose);
$("refresh").addEventListener("click", showProposals);
showFields();
