// The experts' and the selection committee's desk: a member signs in with its own key (opened here,
// never sent); for every committee the chain seated the page derives the member's seat key
// (signer.js seatKey, ledger/crypto/seat_keys.py) and lists the sections it sits on. At a section,
// everything is signed by the seat key in this browser: the sheet's commitment and its reveal
// (综合评分 scores or 定性评审 pass/fail with reasons; ledger/rules/evaluation.py sheet_hash,
// sheet_commitment), the shortlist the rule gives, each round's vote commitment and reveal
// (ledger/rules/selection.py vote_commitment); under 集体议事 each member's written view (its hash
// the vote's salt, view_document) and the chair's own decision with its written reasons
// (decision_document, naming every view's hash). Each
// prepared transaction is checked against its own call data before signing. The salts are kept in
// this browser's localStorage until the reveal, and offered as a file (the format the
// tender-ledger evaluate / select vote commands write).
import * as S from "./signer.js";
import { $, Refused, client, el, failure, say, setup, signChecked, signIn, signedOut } from "./desk.js";

const { config, L, t } = setup("committee-config");
const ZERO = "0x" + "00".repeat(20);
const KINDS = { evaluation: 0, selection: 1 };
let member = null; // {key, chain}
let seat = null; // {key, chain, tid, section, kind}
let desk = null;
const fail = (err) => (err instanceof Refused ? err.message : failure(t, L, err));

// A step done, with its transaction shortened (the full hash in its title, as the audit page shows
// one); a message's `.no_tx` form, without the parenthesis, when the transaction is not known.
function sayDone(key, tx) {
  if (!tx) { say("desk-status", t(`${key}.no_tx`), "ok"); return; }
  say("desk-status", "", "ok");
  const [before, after = ""] = t(key).split("{tx}");
  $("desk-status").append(before, el("code", { class: "hash", title: tx }, `${tx.slice(0, 18)}…`), after);
}

// ------------------------------------------------------------------ signing in and the seats

// Any key signs in: the seats it holds are found from the committees the chain seated.
async function start(event) {
  event.preventDefault();
  member = await signIn(async (s) => t("committee.signed_in", { address: s.key.address }), { t, fail });
  if (member) await findSeats();
}

function signOut() {
  member = null; seat = null; desk = null;
  $("desk-card").hidden = true;
  $("seats").replaceChildren();
  signedOut();
}

async function findSeats() {
  say("seats-status", t("committee.looking"));
  let seatings;
  try {
    ({ seatings } = await client({})("GET", "/portal/committee/seatings", { query: { lang: config.lang } }));
  } catch (err) {
    say("seats-status", fail(err), "bad");
    return;
  }
  const rows = [];
  for (const s of seatings) {
    const key = member.key.seatKey(s.tender_id, s.section, KINDS[s.kind]);
    if (!s.seats.some((a) => a.toLowerCase() === key.address.toLowerCase())) continue;
    const open = el("button", { type: "button", class: "small", id: `open-${s.tender_id.slice(2, 10)}-${s.section}-${s.kind}` },
                    t("committee.open"));
    open.addEventListener("click", () => openDesk({ key, chain: member.chain, tid: s.tender_id, section: s.section, kind: s.kind }));
    rows.push(el("tr", {}, el("td", {}, s.project_code), el("td", {}, s.title), el("td", {}, s.section_name),
                  el("td", {}, s.kind_text), el("td", { class: "code" }, key.address), el("td", {}, open)));
  }
  $("seats").replaceChildren(...(rows.length ? [el("thead", {}, el("tr", {},
    ...[L["col.code"] || "", L["col.title"] || "", "", "", t("committee.seat"), ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows)] : []));
  say("seats-status", rows.length ? "" : t("committee.none"));
}

// ------------------------------------------------------------------ a section's desk

const base = () => `/tenders/${seat.tid}/sections/${seat.section}/selection`;
const store = (what) => `tender-ledger:committee:${seat.tid}:${seat.section}:${what}:${seat.key.address}`;

async function openDesk(chosen) {
  seat = chosen;
  $("desk-card").hidden = false;
  say("desk-status", "");
  await loadDesk();
  $("desk-card").scrollIntoView();
}

async function loadDesk() {
  try {
    desk = await client(seat)("GET", `/portal/committee/tenders/${seat.tid}/sections/${seat.section}/desk`,
                              { signed: true, query: { lang: config.lang } });
  } catch (err) {
    say("desk-status", fail(err), "bad");
    return;
  }
  render();
}

function render() {
  const d = desk;
  $("desk-title").textContent = `${d.project_code} ${d.title} · ${d.section_name} · ${d.kind_text}`;
  const c = d.committee;
  const facts = [[t("committee.seat"), d.seat]];  // the sheets' progress (votes are counted per round)
  if (d.kind === "evaluation") facts.push([d.kind_text, t("committee.progress", { committed: c.committed, revealed: c.revealed, size: c.size })]);
  if (c.commit_deadline_text) facts.push(["", t("committee.deadlines", { commit: c.commit_deadline_text, reveal: c.reveal_deadline_text })]);
  $("desk-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  renderSheet();
  renderShortlist();
  renderRounds();
  renderDeliberation();
  // a salt file is loaded only while a commitment of this seat waits for its reveal: before, or after, nothing to reveal
  $("salt-field").hidden = !waitingReveal();
  $("step").textContent = d.step ? d.step.words : "—";
  $("decision").textContent = d.decision ? t("committee.decision", { firm: d.decision.firm, ends: d.decision.publicity_ends }) : "";
  $("draws-box").hidden = !d.draws.length;
  $("draws").replaceChildren(...d.draws.map((id) => el("li", {}, el("a", { href: `/portal/draws/${id}?lang=${config.lang}`, class: "draw-link" },
    t("committee.draw_link", { id: `${id.slice(0, 10)}…` })))));
  renderBids();
}

// Whether this seat has a commitment still to reveal: its sheet, or its vote or view in a round not yet closed.
function waitingReveal() {
  const sheeted = desk.method === SCORING || desk.method === REVIEW;
  if (desk.kind === "evaluation") return sheeted && desk.sheet.committed && !desk.sheet.revealed;
  return desk.rounds.some((r) => r.mine && r.mine.committed && !r.mine.revealed && !r.closed);
}

function renderBids() {
  const blocks = desk.bids.map((b) => el("div", { class: "bid-report" },
    el("h4", {}, `${b.firm} · ${b.price_yuan} · `, el("span", { class: `badge ${b.eligible ? "ok" : "bad"}` }, b.verdict)),
    el("table", { class: "list" },
      el("thead", {}, el("tr", {}, el("th", {}, t("committee.checks")), el("th", {}, ""), el("th", {}, ""))),
      el("tbody", {}, ...b.checks.map((c) => el("tr", {}, el("td", {}, c.label),
        el("td", {}, el("span", { class: `badge ${c.badge}` }, c.badge_text)), el("td", { class: "reason" }, c.reason)))))));
  $("bids").replaceChildren(...blocks);
}

// ------------------------------------------------------------------ the score sheet

const judged = () => desk.criteria.filter((c) => c.judged);
const eligible = () => desk.bids.filter((b) => b.eligible);
const inputId = (i, code) => `score-${i}-${code.replace(/[^\w-]/g, "_")}`;

const SCORING = "综合评分";
const REVIEW = "定性评审";

function renderSheet() {
  const box = $("sheet-box");
  box.hidden = desk.kind !== "evaluation";
  if (box.hidden) return;
  const method = desk.method;
  const sheeted = method === SCORING || method === REVIEW;
  $("sheet-form").hidden = !sheeted;
  $("sheet-title").textContent = t(method === REVIEW ? "committee.review" : "committee.sheet");
  $("sheet-lead").textContent = method === SCORING ? t("committee.sheet.lead") : method === REVIEW ? t("committee.review.lead")
    : t("committee.sheet.other", { method });
  const state = desk.sheet.revealed ? "revealed" : desk.sheet.committed ? "committed" : "none";
  $("sheet-state").textContent = sheeted ? t(`committee.sheet.state.${state}`) : "";
  $("commit-sheet").hidden = state !== "none";
  $("reveal-sheet").hidden = state !== "committed";
  const kept = readKept("sheet");
  // once revealed, the sheet on record (the salt kept here is dropped at the reveal), read-only
  const shown = desk.sheet.content ? { sheet: desk.sheet.content } : kept;
  if (method === REVIEW) renderReviews(shown, state);
  else if (method === SCORING) renderScores(shown, state);
  else $("sheet-table").replaceChildren();
  showSalt(kept, "sheet");
}

function renderScores(kept, state) {
  const head = el("tr", {}, el("th", {}, t("committee.bidder")), ...judged().map((c) =>
    el("th", {}, `${c.code} ${c.name}`, el("br"), el("small", {}, t("committee.max", { max: c.max_score })))));
  const rows = eligible().map((b, i) => el("tr", {}, el("th", { scope: "row" }, b.firm), ...judged().map((c) => {
    const input = el("input", { id: inputId(i, c.code), inputmode: "decimal", size: "6", "aria-label": `${b.firm} ${c.name}` });
    const value = kept && kept.sheet && kept.sheet.scores && kept.sheet.scores[S.checksum(b.bidder)];
    if (value && value[c.code] !== undefined) input.value = value[c.code];
    input.disabled = state !== "none";
    return el("td", {}, input);
  })));
  $("sheet-table").replaceChildren(el("table", { class: "list" }, el("thead", {}, head), el("tbody", {}, ...rows)));
}

// 定性评审: per eligible bid, each criterion passed or failed, with the reason (required for a fail).
const verdictId = (i, code, v) => `review-${i}-${code.replace(/[^\w-]/g, "_")}-${v}`;
const reasonId = (i, code) => `reason-${i}-${code.replace(/[^\w-]/g, "_")}`;

function renderReviews(kept, state) {
  const blocks = eligible().map((b, i) => {
    const given = kept && kept.sheet && kept.sheet.reviews && kept.sheet.reviews[S.checksum(b.bidder)];
    const rows = judged().map((c) => {
      const mark = given && given[c.code];
      const group = `review-${i}-${c.code}`;
      const choice = (v, words) => {
        const input = el("input", { type: "radio", name: group, id: verdictId(i, c.code, v), value: v });
        input.checked = Boolean(mark) && String(mark.passed) === v;
        input.disabled = state !== "none";
        return el("label", { for: verdictId(i, c.code, v), class: "choice" }, input, " ", words);
      };
      const reason = el("textarea", { id: reasonId(i, c.code), rows: "2", "aria-label": `${b.firm} ${c.code} ${c.name} ${t("committee.review.reason")}` });
      reason.value = mark ? mark.reason || "" : "";
      reason.disabled = state !== "none";
      return el("tr", { id: `row-${reasonId(i, c.code)}` }, el("th", { scope: "row" }, `${c.code} ${c.name}`),
        el("td", { class: "nowrap" }, el("fieldset", { class: "verdict" }, el("legend", { class: "visually-hidden" }, `${b.firm} ${c.name}`),
          choice("true", t("committee.review.pass")), " ", choice("false", t("committee.review.fail")))),
        el("td", {}, reason));
    });
    return el("div", { class: "review-bid" }, el("h4", {}, b.firm),
      el("table", { class: "list review" }, el("thead", {}, el("tr", {}, el("th", {}, t("committee.review.criterion")),
        el("th", {}, t("committee.review.verdict")), el("th", {}, t("committee.review.reason")))), el("tbody", {}, ...rows)));
  });
  $("sheet-table").replaceChildren(...blocks);
}

// "35.5" → "35.50"; null when not a number 0..max with at most two decimals.
function score(text, max) {
  const m = /^(\d{1,6})(?:\.(\d{1,2}))?$/.exec(String(text).trim());
  if (!m) return null;
  const cents = BigInt(m[1]) * 100n + BigInt((m[2] || "").padEnd(2, "0"));
  const [whole, frac = ""] = String(max).split(".");
  const limit = BigInt(whole) * 100n + BigInt((frac + "00").slice(0, 2));
  if (cents > limit) return null;
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`;
}

// The sheet as the ledger hashes it — 综合评分 {scores: {bid key (checksum): {code: "x.yy"}}}, 定性评审
// {reviews: {bid key: {code: {passed, reason}}}} (ledger/rules/evaluation.py) — or null, the errors shown.
function readSheet() {
  const errors = [];
  document.querySelectorAll("#sheet-table .invalid").forEach((n) => n.classList.remove("invalid"));
  const sheet = desk.method === REVIEW ? readReviews(errors) : readScores(errors);
  $("sheet-errors").replaceChildren(...(errors.length ? [el("ul", {}, ...errors.map((e) => el("li", {}, e)))] : []));
  return errors.length ? null : sheet;
}

function readScores(errors) {
  const scores = {};
  eligible().forEach((b, i) => {
    const marks = {};
    for (const c of judged()) {
      const input = $(inputId(i, c.code));
      const value = score(input.value, c.max_score);
      if (value === null) {
        errors.push(t("committee.err.score", { bid: b.firm, criterion: `${c.code} ${c.name}`, max: c.max_score }));
        input.classList.add("invalid");
      } else marks[c.code] = value;
    }
    scores[S.checksum(b.bidder)] = marks;
  });
  return { scores };
}

function readReviews(errors) {
  const reviews = {};
  eligible().forEach((b, i) => {
    const marks = {};
    for (const c of judged()) {
      const criterion = `${c.code} ${c.name}`;
      const picked = document.querySelector(`input[name="review-${i}-${CSS.escape(c.code)}"]:checked`);
      const reason = $(reasonId(i, c.code)).value.trim();
      const row = $(`row-${reasonId(i, c.code)}`);
      if (!picked) {
        errors.push(t("committee.err.verdict", { bid: b.firm, criterion }));
        row.classList.add("invalid");
        continue;
      }
      const passed = picked.value === "true";
      if (!passed && !reason) {
        errors.push(t("committee.err.fail_reason", { bid: b.firm, criterion }));
        row.classList.add("invalid");
        continue;
      }
      if (reason.length > 2000) {
        errors.push(t("committee.err.long_reason", { bid: b.firm, criterion, most: 2000 }));
        row.classList.add("invalid");
        continue;
      }
      marks[c.code] = { passed, reason };
    }
    reviews[S.checksum(b.bidder)] = marks;
  });
  return { reviews };
}

const sheetHash = (sheet) => S.keccak(S.utf8(S.canonicalJson(sheet)));
const encode = (types, args) => S.abiCall(`x(${types})`, args).subarray(4); // abi.encode of static values

function readKept(what) {
  try { return JSON.parse(localStorage.getItem(store(what)) || "null"); } catch { return null; }
}

function showSalt(kept, what) {
  const box = $("salt-link");
  if (!kept) { if (what === "sheet") box.replaceChildren(); return; }
  const name = what === "sheet" ? `sheet-${seat.tid.slice(2, 10)}-s${seat.section}-${seat.key.address.slice(2, 10)}.commitment.json`
    : `ballot-${seat.tid.slice(2, 10)}-s${seat.section}-${what.replace("vote-", "r")}-${seat.key.address.slice(2, 10)}.json`;
  box.replaceChildren(el("span", {}, t("committee.salt_kept"), " "), el("a", {
    href: `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(kept, null, 2))}`, download: name,
    class: "salt-link", id: `salt-${what}` }, t("committee.download")));
}

// Send `function` as the seat's own SelectionBook transaction (checked against `signature` first),
// then post it to `route` with `extra`.
async function send(fn, signature, args, route, extra = {}) {
  const { tx } = await client(seat)("POST", "/tx/prepare", { body: { sender: seat.key.address, contract: "SelectionBook",
    function: fn, args } });
  const signedTx = await signChecked(seat, t, L, tx, { to: seat.chain.contracts.SelectionBook, data: S.abiCall(signature, args) });
  return client(seat)("POST", `${base()}/${route}`, { signed: true, body: { signed_tx: signedTx, ...extra } });
}

async function commitSheet(event) {
  event.preventDefault();
  say("desk-status", "");
  const sheet = readSheet();
  if (!sheet) return;
  const salt = S.hex(crypto.getRandomValues(new Uint8Array(32)));
  const hash = S.hex(sheetHash(sheet));
  const commitment = S.hex(S.keccak(encode("bytes32,uint16,address,bytes32,bytes32",
    [seat.tid, seat.section, seat.key.address, salt, hash])));
  const kept = { tender_id: seat.tid, section: seat.section, seat: seat.key.address, expert: member.key.address,
                 salt, sheet_hash: hash, commitment, sheet };
  // kept before anything is sent: a commitment on chain whose salt was lost could never be revealed
  localStorage.setItem(store("sheet"), JSON.stringify(kept));
  try {
    const done = await send("commitSheet", "commitSheet(bytes32,uint16,bytes32)", [seat.tid, seat.section, commitment], "sheets/commit");
    await loadDesk();
    sayDone("committee.committed", done.tx_hash);
  } catch (err) {
    localStorage.removeItem(store("sheet"));
    say("desk-status", fail(err), "bad");
  }
}

async function revealSheet() {
  say("desk-status", "");
  try {
    const kept = readKept("sheet");
    if (!kept || !kept.salt) throw new Refused(t("committee.err.no_salt"));
    const sheet = kept.sheet || readSheet();
    if (!sheet) return;
    const hash = S.hex(sheetHash(sheet));
    if (hash !== String(kept.sheet_hash).toLowerCase()) throw new Refused(t("committee.err.changed"));
    const done = await send("revealSheet", "revealSheet(bytes32,uint16,bytes32,bytes32)", [seat.tid, seat.section, kept.salt, hash],
                            "sheets/reveal", { sheet });
    localStorage.removeItem(store("sheet"));
    await loadDesk();
    sayDone("committee.revealed", done.tx_hash);
  } catch (err) {
    say("desk-status", fail(err), "bad");
  }
}

// A salt file downloaded before (a sheet's commitment or a ballot), back into this browser.
async function loadSalt() {
  const file = $("salt-file").files[0];
  if (!file) return;
  try {
    const kept = JSON.parse(await file.text());
    const mine = kept && String(kept.tender_id).toLowerCase() === seat.tid.toLowerCase() && Number(kept.section) === seat.section
      && String(kept.seat).toLowerCase() === seat.key.address.toLowerCase() && typeof kept.salt === "string";
    if (!mine) throw new Refused(t("committee.err.salt_file"));
    localStorage.setItem(store(kept.round !== undefined ? `vote-${Number(kept.round)}` : "sheet"), JSON.stringify(kept));
    $("salt-file").value = "";
    render();
  } catch (err) {
    say("desk-status", err instanceof SyntaxError ? t("committee.err.salt_file") : fail(err), "bad");
  }
}

// ------------------------------------------------------------------ the shortlist

function renderShortlist() {
  const s = desk.shortlist;
  $("shortlist").replaceChildren(s ? el("ul", { class: "plain", id: "shortlist-list" }, ...s.candidates.map((c) => el("li", {}, c.firm)))
    : el("p", { class: "sub" }, t("committee.shortlist.none")));
  $("file-shortlist").hidden = !(desk.kind === "evaluation" && !s && desk.sheet.revealed);
}

async function fileShortlist() {
  say("desk-status", "");
  try {
    const e = await client(seat)("GET", `${base()}/evaluation`);
    const done = await send("submitShortlist", "submitShortlist(bytes32,uint16,address[],uint8,bytes32)",
      [seat.tid, seat.section, e.shortlist, e.max_size, e.report_hash], "shortlist");
    await loadDesk();
    sayDone("committee.shortlist_filed", done.tx_hash);
  } catch (err) {
    say("desk-status", fail(err), "bad");
  }
}

// ------------------------------------------------------------------ votes

function renderRounds() {
  $("votes-box").hidden = !desk.rounds.length;
  $("rounds-title").textContent = t(deliberating() ? "committee.views" : "committee.rounds");
  $("rounds").replaceChildren(...desk.rounds.map((r) => {
    const box = el("fieldset", { class: "group", id: `round-${r.round}` },
      el("legend", {}, t("committee.round", { round: r.round, state: t(r.closed ? "committee.round.closed" : "committee.round.open") })),
      el("p", { class: "sub" }, `${t("committee.deadlines", { commit: r.commit_deadline_text, reveal: r.reveal_deadline_text })}`));
    if (r.tallies) box.append(el("p", {}, `${t("committee.tally")}${config.lang === "zh" ? "：" : ": "}`,
      r.tallies.map((x) => `${x.firm} ${x.votes}`).join(config.lang === "zh" ? "；" : "; ")));
    const mine = r.mine;
    if (!mine || desk.kind !== "selection") return box;
    if (deliberating()) return viewRound(box, r);
    const kept = readKept(`vote-${r.round}`);
    if (mine.revealed) {
      box.append(el("p", { class: "ok-text" }, t("committee.my_vote", { choice: mine.firm || t("committee.abstain") })));
    } else if (mine.committed) {
      const chosen = kept ? (kept.candidate ? (desk.bids.find((b) => b.bidder.toLowerCase() === kept.candidate.toLowerCase()) || {}).firm
        || kept.candidate : t("committee.abstain")) : "?";
      box.append(el("p", {}, t("committee.my_vote", { choice: `${chosen}（${t("committee.vote.committed")}）` })));
      const reveal = el("button", { type: "button", id: `reveal-vote-${r.round}` }, t("committee.reveal_vote"));
      reveal.addEventListener("click", () => revealVote(r));
      box.append(reveal);
      if (kept) box.append(saltLink(kept, r.round));
    } else if (!r.closed) {
      const options = [...r.candidates.map((c) => [c.bidder, c.firm]), [ZERO, t("committee.abstain")]];
      options.forEach(([value, words], i) => {
        const id = `vote-${r.round}-${i}`;
        box.append(el("div", { class: "field check" }, el("label", { for: id },
          el("input", { type: "radio", name: `vote-${r.round}`, id, value }), " ", words)));
      });
      const commit = el("button", { type: "button", id: `commit-vote-${r.round}` }, t("committee.commit_vote"));
      commit.addEventListener("click", () => commitVote(r));
      box.append(commit);
    }
    return box;
  }));
}

async function commitVote(r) {
  say("desk-status", "");
  const picked = document.querySelector(`input[name="vote-${r.round}"]:checked`);
  if (!picked) { say("desk-status", t("committee.err.pick"), "bad"); return; }
  const candidate = picked.value === ZERO ? null : S.checksum(picked.value);
  const salt = S.hex(crypto.getRandomValues(new Uint8Array(32)));
  const commitment = S.hex(S.keccak(encode("bytes32,uint16,uint16,address,address,bytes32",
    [seat.tid, seat.section, r.round, seat.key.address, candidate || ZERO, salt])));
  const what = `vote-${r.round}`;
  localStorage.setItem(store(what), JSON.stringify({ tender_id: seat.tid, section: seat.section, round: r.round,
                                                     seat: seat.key.address, candidate, salt }));
  try {
    const done = await send("commitVote", "commitVote(bytes32,uint16,uint16,bytes32)", [seat.tid, seat.section, r.round, commitment],
                            "votes/commit");
    await loadDesk();
    sayDone("committee.committed", done.tx_hash);
  } catch (err) {
    localStorage.removeItem(store(what));
    say("desk-status", fail(err), "bad");
  }
}

async function revealVote(r) {
  say("desk-status", "");
  try {
    const kept = readKept(`vote-${r.round}`);
    if (!kept || !kept.salt) throw new Refused(t("committee.err.no_salt"));
    const done = await send("revealVote", "revealVote(bytes32,uint16,uint16,address,bytes32)",
      [seat.tid, seat.section, r.round, kept.candidate || ZERO, kept.salt], "votes/reveal");
    localStorage.removeItem(store(`vote-${r.round}`));
    await loadDesk();
    sayDone("committee.revealed", done.tx_hash);
  } catch (err) {
    say("desk-status", fail(err), "bad");
  }
}

// ------------------------------------------------------------------ 集体议事: views and the chair's decision

const deliberating = () => desk.selection_method === "集体议事";
const firmOf = (bidder) => (bidder ? (desk.bids.find((b) => b.bidder.toLowerCase() === bidder.toLowerCase()) || {}).firm || bidder
  : t("committee.view.none"));
const hashOf = (doc) => S.hex(S.keccak(S.utf8(S.canonicalJson(doc))));
const nonce = () => S.hex(crypto.getRandomValues(new Uint8Array(32)));

// The view round: a candidate of the shortlist or none, with written reasons, committed then revealed.
function viewRound(box, r) {
  const mine = r.mine;
  const kept = readKept(`vote-${r.round}`);
  const said = (desk.deliberation ? desk.deliberation.views : []).find((v) => v.mine);
  if (mine.revealed) {
    box.append(el("div", { class: "view-mine ok-text" }, el("p", {}, t("committee.my_view", { choice: said ? said.firm : firmOf(mine.candidate) })),
      said ? el("p", { class: "reason" }, said.reason) : ""));
  } else if (mine.committed) {
    box.append(el("div", { class: "view-mine" }, el("p", {}, t("committee.my_view", { choice: kept && kept.view
      ? `${firmOf(kept.view.candidate)}（${t("committee.vote.committed")}）` : "?" })),
    kept && kept.view ? el("p", { class: "reason" }, kept.view.reason) : ""));
    const reveal = el("button", { type: "button", id: `reveal-view-${r.round}` }, t("committee.reveal_view"));
    reveal.addEventListener("click", () => revealView(r));
    box.append(reveal);
    if (kept) box.append(saltLink(kept, r.round));
  } else if (!r.closed) {
    const form = el("div", { class: "view-form" });
    const options = [...r.candidates.map((c) => [c.bidder, c.firm]), [ZERO, t("committee.view.none")]];
    const choices = el("fieldset", { class: "verdict" }, el("legend", {}, t("committee.view.choice")));
    options.forEach(([value, words], i) => {
      const id = `view-${r.round}-${i}`;
      choices.append(el("div", { class: "field check" }, el("label", { for: id },
        el("input", { type: "radio", name: `view-${r.round}`, id, value }), " ", words)));
    });
    const reasonBox = el("textarea", { id: `view-reason-${r.round}`, rows: "4", maxlength: String(desk.max_reason) });
    const commit = el("button", { type: "button", id: `commit-view-${r.round}` }, t("committee.commit_view"));
    commit.addEventListener("click", () => commitView(r));
    form.append(choices, el("div", { class: "field" }, el("label", { for: `view-reason-${r.round}` }, t("committee.view.reason")), reasonBox), commit);
    box.append(form);
  }
  return box;
}

function saltLink(kept, round) {
  const name = `ballot-${seat.tid.slice(2, 10)}-s${seat.section}-r${round}-${seat.key.address.slice(2, 10)}.json`;
  return el("p", {}, el("span", {}, t("committee.salt_kept"), " "), el("a", { class: "salt-link", id: `salt-vote-${round}`, download: name,
    href: `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(kept, null, 2))}` }, t("committee.download")));
}

async function commitView(r) {
  say("desk-status", "");
  const picked = document.querySelector(`input[name="view-${r.round}"]:checked`);
  const reason = $(`view-reason-${r.round}`).value;
  if (!picked) { say("desk-status", t("committee.err.view_pick"), "bad"); return; }
  if (!reason.trim()) { say("desk-status", t("committee.err.view_reason"), "bad"); return; }
  if (reason.length > desk.max_reason) { say("desk-status", t("committee.err.long", { most: desk.max_reason }), "bad"); return; }
  const candidate = picked.value === ZERO ? null : S.checksum(picked.value);
  // the written view (ledger.rules.selection.view_document): its hash is the vote's salt
  const view = { kind: "集体议事 view", tender_id: seat.tid.toLowerCase(), section: seat.section, round: r.round,
                 seat: S.checksum(seat.key.address), candidate, reason, nonce: nonce() };
  const salt = hashOf(view);
  const commitment = S.hex(S.keccak(encode("bytes32,uint16,uint16,address,address,bytes32",
    [seat.tid, seat.section, r.round, seat.key.address, candidate || ZERO, salt])));
  const what = `vote-${r.round}`;
  localStorage.setItem(store(what), JSON.stringify({ tender_id: seat.tid, section: seat.section, round: r.round,
                                                     seat: seat.key.address, candidate, salt, view }));
  try {
    const done = await send("commitVote", "commitVote(bytes32,uint16,uint16,bytes32)", [seat.tid, seat.section, r.round, commitment],
                            "votes/commit");
    await loadDesk();
    sayDone("committee.committed", done.tx_hash);
  } catch (err) {
    localStorage.removeItem(store(what));
    say("desk-status", fail(err), "bad");
  }
}

async function revealView(r) {
  say("desk-status", "");
  try {
    const kept = readKept(`vote-${r.round}`);
    if (!kept || !kept.salt || !kept.view) throw new Refused(t("committee.err.no_salt"));
    if (hashOf(kept.view) !== String(kept.salt).toLowerCase()) throw new Refused(t("committee.err.view_changed"));
    const done = await send("revealVote", "revealVote(bytes32,uint16,uint16,address,bytes32)",
      [seat.tid, seat.section, r.round, kept.candidate || ZERO, kept.salt], "votes/reveal", { view: kept.view });
    localStorage.removeItem(store(`vote-${r.round}`));
    await loadDesk();
    sayDone("committee.revealed", done.tx_hash);
  } catch (err) {
    say("desk-status", fail(err), "bad");
  }
}

// The chair's seat, the views revealed with their reasons, and — for the chair, once every view is
// in (or the deadline passed) — the chair's decision with its written reasons.
function renderDeliberation() {
  const d = desk.deliberation;
  $("deliberation-box").hidden = !d;
  if (!d) return;
  $("chair").textContent = d.chair ? (d.is_chair ? t("committee.chair.me", { seat: d.chair }) : t("committee.chair.is", { seat: d.chair }))
    : t("committee.chair.none");
  $("views").replaceChildren(...(d.views.length ? [el("ol", { class: "views-list" }, ...d.views.map((v) => el("li", {},
    el("strong", {}, v.firm), " · ", el("span", { class: "code" }, `${v.seat.slice(0, 10)}…`), el("div", { class: "reason" }, v.reason))))]
    : [el("p", { class: "sub" }, t("committee.views.none"))]),
  ...(d.silent.length ? [el("p", { class: "sub" }, t("committee.views.silent", { seats: d.silent.map((x) => `${x.slice(0, 10)}…`).join("、") }))] : []));
  const form = $("chair-form");
  form.hidden = !d.deciding;
  if (!d.deciding || form.dataset.built === `${seat.tid}:${seat.section}`) return;
  form.dataset.built = `${seat.tid}:${seat.section}`;
  const choices = el("fieldset", { class: "verdict" }, el("legend", {}, t("committee.chair.winner")));
  (desk.step.candidates || []).forEach((c, i) => {
    choices.append(el("div", { class: "field check" }, el("label", { for: `winner-${i}` },
      el("input", { type: "radio", name: "winner", id: `winner-${i}`, value: c }), " ", firmOf(c))));
  });
  const days = el("input", { id: "publicity-days", type: "number", min: "3", max: "60", value: "3" });
  const go = el("button", { type: "button", id: "chair-decide" }, t("committee.chair.decide"));
  go.addEventListener("click", chairDecide);
  form.replaceChildren(el("h4", {}, t("committee.chair.decision")), choices,
    el("div", { class: "field" }, el("label", { for: "chair-reason" }, t("committee.chair.reason")),
      el("textarea", { id: "chair-reason", rows: "5", maxlength: String(desk.max_reason) })),
    el("div", { class: "field narrow" }, el("label", { for: "publicity-days" }, t("committee.chair.days")), days), go);
}

async function chairDecide() {
  say("desk-status", "");
  try {
    const d = desk.deliberation;
    const picked = document.querySelector('input[name="winner"]:checked');
    const reason = $("chair-reason").value;
    const days = Number($("publicity-days").value);
    if (!picked) throw new Refused(t("committee.err.winner"));
    if (!reason.trim()) throw new Refused(t("committee.err.chair_reason"));
    if (reason.length > desk.max_reason) throw new Refused(t("committee.err.long", { most: desk.max_reason }));
    if (!Number.isInteger(days) || days < 3 || days > 60) throw new Refused(t("committee.err.days"));
    const winner = S.checksum(picked.value);
    // the written decision (ledger.rules.selection.decision_document): every view by its hash, the silent
    const decision = { kind: "集体议事 decision", tender_id: seat.tid.toLowerCase(), section: seat.section,
      chair: S.checksum(d.chair), winner, reason,
      views: Object.fromEntries(d.views.map((v) => [S.checksum(v.seat), v.view_hash.toLowerCase()])) };
    if (d.silent.length) decision.silent = d.silent.map((x) => S.checksum(x)).sort();
    const record = hashOf(decision);
    const args = [seat.tid, seat.section, 6, 0, winner, "0x" + "00".repeat(32), record, days];
    const { tx } = await client(seat)("POST", "/tx/prepare", { body: { sender: seat.key.address, contract: "SelectionBook",
      function: "decide", args } });
    const signedTx = await signChecked(seat, t, L, tx, { to: seat.chain.contracts.SelectionBook,
      data: S.abiCall("decide(bytes32,uint16,uint8,uint8,address,bytes32,bytes32,uint16)", args) });
    await client(seat)("POST", `${base()}/decision/chair`, { signed: true, body: { signed_tx: signedTx, decision } });
    await loadDesk();
    say("desk-status", t("committee.chair.decided", { firm: firmOf(winner) }), "ok");
  } catch (err) {
    say("desk-status", fail(err), "bad");
  }
}

$("signin-form").addEventListener("submit", start);
$("signout").addEventListener("click", signOut);
$("reload").addEventListener("click", () => { say("desk-status", ""); loadDesk(); });
$("sheet-form").addEventListener("submit", commitSheet);
$("reveal-sheet").addEventListener("click", revealSheet);
$("file-shortlist").addEventListener("click", fileShortlist);
$("salt-file").addEventListener("change", loadSalt);
