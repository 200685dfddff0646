"""The ledger's refusals in words (api/portal/refusals.py): each wording names an error the ledger
really raises (a contract's custom error, read from the compiled ABIs, or a code the service raises
under the same convention, read from the sources), in both languages, showing only arguments that
error carries wherever it is raised; an API error body becomes the sentence a page shows, in Python
for the pages the server renders and in static/desk.js for the desks, the same way."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector

from api.portal import format as fmt
from api.portal.messages import MESSAGES
from api.portal.refusals import MISSING, PREFIX, REFUSALS, placeholders, refusal_text, sentence
from api.responses import ErrorBody, ledger_error_body
from ledger.errors import Conflict, ValidationFailed, decode_revert

ROOT = Path(__file__).resolve().parents[2]
REVERT_CLASSES = {"ContractRevert", "Unauthorised", "NotFound", "Conflict", "InvalidArgument"}
BEIJING = ZoneInfo("Asia/Shanghai")


def abi_errors() -> dict[str, list[set[str]]]:
    """Every custom error of the compiled contracts: name → the argument names of each declaration."""
    found: dict[str, list[set[str]]] = {}
    for path in sorted((ROOT / "ledger" / "artifacts").glob("*.json")):
        if path.name == "provenance.json":
            continue
        for entry in json.loads(path.read_text()).get("abi", []):
            if entry.get("type") == "error":
                found.setdefault(entry["name"], []).append({i["name"] for i in entry["inputs"]})
    return found


def raised_codes() -> dict[str, list[set[str]]]:
    """Every `Conflict("Code", {...}, …)` (or another ContractRevert class) the service makes: code →
    the argument names of each place that makes it (none known when the arguments are not a literal)."""
    found: dict[str, list[set[str]]] = {}
    for package in ("ledger", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                first = node.args[0]
                if name not in REVERT_CLASSES or not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    continue
                given = node.args[1] if len(node.args) > 1 else None
                keys = ({k.value for k in given.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
                        if isinstance(given, ast.Dict) else set())
                found.setdefault(first.value, []).append(keys)
    return found


def test_the_sources_of_names_are_read() -> None:
    """(the two readers above find what they should, so that the test below checks something)"""
    contracts, service = abi_errors(), raised_codes()
    assert {"AwardPaused", "RoundOpen", "DeadlinePassed", "NotAuthorised"} <= set(contracts)
    assert contracts["AwardPaused"] == [{"tenderId", "section", "open"}] * len(contracts["AwardPaused"])
    assert {"SignerMismatch", "NoRoundDue", "RoundOpen"} <= set(service) and {"round"} in service["RoundOpen"]


def test_every_refusal_names_a_real_error_in_both_languages_with_only_its_own_arguments() -> None:
    contracts, service = abi_errors(), raised_codes()
    assert len(REFUSALS) >= 40
    for key, (zh, en) in REFUSALS.items():
        assert key.startswith(PREFIX), key
        name = key.removeprefix(PREFIX)
        assert name in contracts or name in service, f"{key}: no contract error or service code {name}"
        assert zh.strip() and en.strip(), key
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en.replace("评定分离", "").replace("公示", "")
                       .replace("集体议事", "")), f"{key}: the English wording is not English"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), f"{key}: the Chinese wording is not Chinese"
        shown = set(placeholders(zh))
        assert shown == set(placeholders(en)), f"{key}: the two languages show different arguments"
        # An argument shown must be carried wherever the error is raised: every declaration in the
        # contracts, and every place in the service that raises the code.
        for carried in contracts.get(name, []) + service.get(name, []):
            assert shown <= carried, f"{key} shows {sorted(shown - carried)}, which {name} does not carry"
        assert MESSAGES[key] == (zh, en), f"{key} is not in the portal's catalogue"


def test_the_refusals_a_portal_user_meets_are_worded() -> None:
    met = {"DeadlinePassed", "LateBid", "NoBid", "SignerMismatch", "UnknownTender", "UnknownSection", "NotAuthorised",
           "AlreadyAnchored", "AlreadyRevoked", "AlreadySuspended", "WrongState", "NotIssuer", "TooEarly",
           "SharesMissing", "RoundOpen", "AwardPaused", "NotInPublicity", "FilingClosed", "CommitPeriodOver",
           "LateReveal", "SheetsMissing"}
    assert not met - {k.removeprefix(PREFIX) for k in REFUSALS}


def _selector(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


def test_a_reverts_body_carries_its_arguments_as_json() -> None:
    tender = bytes(range(32))
    data = _selector("AwardPaused(bytes32,uint16,uint32)") + abi_encode(["bytes32", "uint16", "uint32"], [tender, 0, 2])
    body = ledger_error_body(decode_revert(data))
    assert body == {"error": "Conflict", "message": body["message"], "contract_error": "AwardPaused",
                    "args": {"tenderId": "0x" + tender.hex(), "section": 0, "open": 2}}
    assert json.loads(json.dumps(body)) == body and ErrorBody.model_validate(body).args == body["args"]
    assert ledger_error_body(ValidationFailed("bad")) == {"error": "ValidationFailed", "message": "bad"}


@pytest.mark.parametrize(("lang", "words"), [("zh", "尚有 2 件异议或投诉未处理：定标暂停。"),
                                             ("en", "2 objection(s) or complaint(s) are still open: the award waits.")])
def test_a_known_refusal_is_worded_in_the_pages_language(lang: str, words: str) -> None:
    body = {"error": "Conflict", "message": "AwardPaused(tenderId=0x11, section=0, open=2)",
            "contract_error": "AwardPaused", "args": {"tenderId": "0x11", "section": 0, "open": 2}}
    assert sentence(lang, body) == words
    assert "AwardPaused" not in sentence(lang, body)


def test_a_refusals_section_is_counted_from_one_and_its_times_are_local() -> None:
    unknown = {"error": "NotFound", "message": "…", "contract_error": "UnknownSection", "args": {"section": 2}}
    assert sentence("zh", unknown) == "该招标项目没有第 3 标段。"
    assert sentence("en", unknown) == "The tender has no section 3."
    late = {"error": "Conflict", "message": "…", "contract_error": "LateBid",
            "args": {"tenderId": "0x11", "deadline": 1_800_000_000, "blockTime": 1_800_000_100}}
    assert sentence("zh", late) == "投标已逾期：投标截止时间为 2027年1月15日 16:00（UTC+08:00）。"
    assert sentence("en", late, ZoneInfo("UTC")) == "The bid is late: the bid deadline was 15 Jan 2027, 08:00 (UTC+00:00)."


def test_a_refusal_missing_its_arguments_is_still_worded() -> None:
    for args in ({}, None, "not a dict"):
        body: dict[str, Any] = {"error": "Conflict", "message": "RoundOpen", "contract_error": "RoundOpen", "args": args}
        assert sentence("zh", body) == f"第 {MISSING} 轮投票尚未结束。"
    assert sentence("en", {"contract_error": "NotCentre", "message": "NotCentre(caller=0x1)"}) == \
        "This key is not an authorised trading centre."


def test_an_unknown_refusal_or_another_error_is_the_apis_message() -> None:
    odd = {"error": "Conflict", "message": "NoDrawDue: the selection rule asks for no draw now",
           "contract_error": "NoSuchWording", "args": {}}
    assert sentence("zh", odd) == sentence("en", odd) == odd["message"]
    assert sentence("zh", {"error": "ValidationFailed", "message": "bad USCC"}) == "bad USCC"
    assert sentence("en", {"error": "ValidationFailed", "message": "x", "detail": [{"msg": "a"}]}) == "x"
    assert sentence("en", {"detail": [{"msg": "a"}, {"msg": "b"}]}) == "a; b"
    assert sentence("en", {}, status=502) == "HTTP 502"


def test_a_ledger_error_is_worded_for_a_page() -> None:
    paused = Conflict("AwardPaused", {"tenderId": b"\x11" * 32, "section": 0, "open": 1})
    assert refusal_text("zh", paused) == "尚有 1 件异议或投诉未处理：定标暂停。"
    assert refusal_text("en", ValidationFailed("deadline is not a date")) == "deadline is not a date"


# ---------------------------------------------------------------------- the same in the browser's script

NODE = shutil.which("node")
DESK = ROOT / "api" / "portal" / "static" / "desk.js"
RUNNER = """
import { refusal } from %s;
const { labels, cases } = JSON.parse(process.argv[2]);
console.log(JSON.stringify(cases.map(([body, status, lang]) => refusal(body, status, labels[lang], { lang }))));
"""


def test_desk_js_words_an_api_error_as_the_server_does(tmp_path: Path) -> None:
    if NODE is None:
        pytest.skip("node is not installed")
    bodies: list[dict[str, Any] | None] = [
        {"error": "Conflict", "message": "AwardPaused(…)", "contract_error": "AwardPaused",
         "args": {"tenderId": "0x11", "section": 0, "open": 2}},
        {"error": "NotFound", "message": "…", "contract_error": "UnknownSection", "args": {"section": 4}},
        {"error": "Conflict", "message": "RoundOpen", "contract_error": "RoundOpen", "args": {}},
        {"error": "Conflict", "message": "the raw words", "contract_error": "NoSuchWording", "args": {}},
        {"error": "ValidationFailed", "message": "bad USCC"},
        {"detail": [{"msg": "a"}, {"msg": "b"}]},
    ]
    cases = [[body, 409, lang] for body in bodies for lang in ("zh", "en")] + [[None, 502, "zh"]]
    labels = {lang: {k: MESSAGES[k][n] for k in REFUSALS} for n, lang in enumerate(("zh", "en"))}
    script = tmp_path / "runner.mjs"
    script.write_text(RUNNER % json.dumps(DESK.as_uri()), encoding="utf-8")
    done = subprocess.run([NODE, str(script), json.dumps({"labels": labels, "cases": cases})],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert said == [sentence(lang, body or {}, status=status) for body, status, lang in cases]
    assert said[0] == "尚有 2 件异议或投诉未处理：定标暂停。" and said[-1] == "HTTP 502"


def test_desk_js_shows_a_refusals_time_in_the_portals_zone(tmp_path: Path) -> None:
    if NODE is None:
        pytest.skip("node is not installed")
    late = {"error": "Conflict", "message": "…", "contract_error": "LateBid", "args": {"deadline": 1_800_000_000}}
    labels = {lang: {k: MESSAGES[k][n] for k in REFUSALS} for n, lang in enumerate(("zh", "en"))}
    script = tmp_path / "runner.mjs"
    script.write_text(RUNNER % json.dumps(DESK.as_uri()), encoding="utf-8")
    done = subprocess.run([NODE, str(script), json.dumps({"labels": labels, "cases": [[late, 409, "zh"]]})],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["投标已逾期：投标截止时间为 2027年1月15日 16:00（UTC+08:00）。"] == \
        [sentence("zh", late, status=409)]


TIMES = """
import { localTime } from %s;
console.log(JSON.stringify(JSON.parse(process.argv[2]).map(([unix, lang, zone]) => localTime(unix, lang, zone))));
"""


def test_desk_js_writes_a_moment_as_the_pages_do(tmp_path: Path) -> None:
    if NODE is None:
        pytest.skip("node is not installed")
    cases = [(unix, lang, zone) for unix in (0, 1_776_000_000, 1_790_000_000, 1_800_000_000)
             for lang in ("zh", "en") for zone in ("Asia/Shanghai", "UTC", "Europe/Berlin", "America/St_Johns")]
    script = tmp_path / "times.mjs"
    script.write_text(TIMES % json.dumps(DESK.as_uri()), encoding="utf-8")
    done = subprocess.run([NODE, str(script), json.dumps(cases)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [fmt.when(unix, ZoneInfo(zone), lang) for unix, lang, zone in cases]


def test_desk_js_shows_the_same_arguments_as_moments_as_the_server() -> None:
    import re

    from api.portal.refusals import TIMES as SERVER_TIMES

    found = re.search(r"const TIMES = new Set\(\[([^\]]*)\]\)", DESK.read_text(encoding="utf-8"))
    assert found is not None
    assert set(re.findall(r'"(\w+)"', found.group(1))) == set(SERVER_TIMES)
