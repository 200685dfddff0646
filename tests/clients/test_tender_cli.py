"""The centre's and officers' `tender-ledger tender` commands against a running service.

Each officer exports its public key (`officer-key`) on its own machine and sends it to the
centre; publish seals each officer its share and writes only the sealed shares, never the key;
amend, show, release-share and open go through the API, each signed by the caller's own key.
The attack the design answers: everything on the centre's machine after publishing, alone or
combined, opens no bid — only k officers with their own keys do.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from api.app import create_app
from ledger.config import Settings
from ledger.crypto.officer_box import (
    MalformedOfficerKey,
    OfficerBoxError,
    OfficerKey,
    SealedShare,
    SealedShareDoesNotOpen,
    WrongOfficerKey,
    open_share,
)
from ledger.crypto.sealing import DecryptionFailed, OpeningKey, bid_aad, open_sealed
from ledger.crypto.shares import (
    MAX_SHARES,
    PRIME,
    SHARE_SIZE,
    VALUE_SIZE,
    Share,
    ShareError,
    combine,
    public_key_of,
    share_hash,
)
from ledger.runtime import Runtime
from tests.scenes import KINDS, Scene, tender_params
from tests.scenes import Tender as SceneTender
from tests.server import serving
from tools.cli import main


@dataclass
class Env:
    centre: Path  # the trading centre's machine: the service's data directory, tender files, shares
    officers_home: Path  # the officers' own machines (never the centre's)
    url: str
    rt: Runtime


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    for k in list(os.environ):
        if k.startswith("TL_"):
            monkeypatch.delenv(k)
    centre = tmp_path / "centre"
    centre.mkdir()
    monkeypatch.setenv("TL_DATA_DIR", str(centre / "data"))
    app = create_app(Settings(data_dir=centre / "data", chain_clock="development"))  # tests pass deadlines
    with serving(app) as url:
        rt = app.state.runtime
        now = datetime.fromtimestamp(rt.client.block_timestamp(), UTC)
        params = tender_params(deadline=(now + timedelta(days=21)).isoformat())
        (centre / "params.json").write_text(json.dumps(params, ensure_ascii=False))
        (centre / "tender.pdf").write_bytes(b"%PDF tender")
        monkeypatch.setenv("TL_API_URL", url)
        (tmp_path / "officers").mkdir()
        yield Env(centre, tmp_path / "officers", url, rt)


@dataclass
class Officer:
    account: LocalAccount
    key_file: Path  # on the officer's machine
    public_file: Path  # what the officer sent the centre


def officers(env: Env, count: int, capsys: pytest.CaptureFixture[str], *, funded: bool = False) -> list[Officer]:
    """Officers with their own key files; each exports its public key with `officer-key` and the
    file is handed to the centre."""
    out = []
    for n in range(count):
        account = Account.create()
        key_file = env.officers_home / f"officer{n}.key"
        key_file.write_text(account.key.hex())
        public_file = env.centre / f"officer{n}.json"
        assert main(["tender", "officer-key", "--key-file", str(key_file), "--out", str(public_file)]) == 0
        capsys.readouterr()
        if funded:
            env.rt.client.fund(env.rt.relayer, account.address, 10**20)
        out.append(Officer(account, key_file, public_file))
    return out


def publish_args(env: Env, officer_args: list[str], *, threshold: int = 3, shares: str = "shares") -> list[str]:
    args = ["tender", "publish", str(env.centre / "params.json"), "--document", str(env.centre / "tender.pdf"),
            "--threshold", str(threshold), "--shares-dir", str(env.centre / shares), "--json"]
    for o in officer_args:
        args += ["--officer", o]
    return args


def publish(env: Env, group: list[Officer], capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert main(publish_args(env, [str(o.public_file) for o in group])) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def show(tid: str, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert main(["tender", "show", tid]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def refused(code: int, capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


# ---------------------------------------------------------------------- the officers' public keys


def test_officer_key_prints_the_public_key_and_address_of_the_officers_own_key(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    account = Account.create()
    key_file = env.officers_home / "me.key"
    key_file.write_text("0x" + account.key.hex() + "\n")
    assert main(["tender", "officer-key", "--key-file", str(key_file)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["address"] == account.address
    assert printed["public_key"].startswith("0x04") and len(printed["public_key"]) == 2 + 130
    refused(main(["tender", "officer-key"]), capsys, "--key-file")


def test_publish_seals_each_officer_its_share_matching_the_on_chain_hashes(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    group = officers(env, 5, capsys)
    out = publish(env, group, capsys)
    view = show(out["tender_id"], capsys)
    assert view["officers"] == [o.account.address for o in group] and view["threshold"] == 3
    files = sorted((env.centre / "shares").iterdir())
    assert len(files) == 5 and all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    assert out["share_files"] == {o.account.address: str(env.centre / "shares" / f"share-{o.account.address}.json")
                                  for o in group}
    for officer, expected in zip(group, view["share_hashes"], strict=True):
        sealed = SealedShare.from_json(Path(out["share_files"][officer.account.address]).read_text())
        assert sealed.officer == officer.account.address and "0x" + sealed.tender_id.hex() == out["tender_id"]
        assert "0x" + share_hash(open_share(sealed, bytes(officer.account.key))).hex() == expected


def test_officers_named_in_their_key_files_are_named_by_the_published_parameters(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    """`officer-key --name` puts the name in the officer's file; publish carries it into the
    parameters (officer_names), whose hash is on chain; the tender page names the officers."""
    group = officers(env, 3, capsys)
    for officer, name in zip(group[:2], ("王开标", "李开标"), strict=True):
        assert main(["tender", "officer-key", "--key-file", str(officer.key_file), "--name", name,
                     "--out", str(officer.public_file)]) == 0
        assert json.loads(officer.public_file.read_text())["name"] == name
    capsys.readouterr()
    out = publish(env, group, capsys)
    view = show(out["tender_id"], capsys)
    assert view["params"]["officer_names"] == {group[0].account.address: "王开标", group[1].account.address: "李开标"}
    page = httpx.get(f"{os.environ['TL_API_URL']}/portal/tenders/{out['tender_id']}").text
    officers_list = page[page.index('class="officers"'):]
    assert "王开标" in officers_list and "李开标" in officers_list
    # an amendment whose parameters say nothing of the officers keeps them named
    assert main(["tender", "amend", out["tender_id"], str(env.centre / "params.json"), "--document",
                 str(env.centre / "tender.pdf"), "--reason", "补充说明"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    view = show(out["tender_id"], capsys)
    assert view["version"] == 2 and set(view["params"]["officer_names"].values()) == {"王开标", "李开标"}
    # an amendment naming someone who is no officer of the tender is refused, and nothing changes
    stranger = dict(json.loads((env.centre / "params.json").read_text()),
                    officer_names={Account.create().address: "冒名者"})
    (env.centre / "stranger.json").write_text(json.dumps(stranger, ensure_ascii=False))
    refused(main(["tender", "amend", out["tender_id"], str(env.centre / "stranger.json"), "--document",
                  str(env.centre / "tender.pdf"), "--reason", "换人"]), capsys, "is not one of the tender's opening officers")
    assert show(out["tender_id"], capsys)["version"] == 2
    refused(main(["tender", "officer-key", "--key-file", str(group[2].key_file), "--name", " "]), capsys,
            "1..64 characters")


def test_parameters_naming_someone_who_is_not_an_officer_are_refused(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    group = officers(env, 2, capsys)
    params = json.loads((env.centre / "params.json").read_text())
    params["officer_names"] = {Account.create().address: "冒名者"}
    (env.centre / "params.json").write_text(json.dumps(params, ensure_ascii=False))
    before = env.rt.client.block_number()
    refused(main(publish_args(env, [str(o.public_file) for o in group], threshold=2)), capsys,
            "is not one of the tender's opening officers")
    assert not (env.centre / "shares").exists() and env.rt.client.block_number() == before


def test_publish_refuses_an_officer_given_by_address_alone(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    group = officers(env, 2, capsys)
    before = env.rt.client.block_number()
    code = main(publish_args(env, [str(group[0].public_file), group[1].account.address], threshold=2))
    refused(code, capsys, "is an address, not a public key", "officer-key")
    assert not (env.centre / "shares").exists() and env.rt.client.block_number() == before


def test_publish_refuses_an_officer_key_file_whose_key_is_not_the_named_address(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    group = officers(env, 2, capsys)
    forged = json.loads(group[1].public_file.read_text()) | {"address": group[0].account.address}
    group[1].public_file.write_text(json.dumps(forged))
    code = main(publish_args(env, [str(o.public_file) for o in group], threshold=2))
    refused(code, capsys, f"is {group[1].account.address}'s, not {group[0].account.address}'s")
    code = main(publish_args(env, [str(group[0].public_file), "0x04" + "00" * 64], threshold=2))
    refused(code, capsys, "not a point on secp256k1")
    code = main(publish_args(env, [str(group[0].public_file), "officer9.json"], threshold=2))
    refused(code, capsys, "neither an officer's public key")
    assert not (env.centre / "shares").exists()


def test_publish_refuses_the_centres_own_key_as_an_opening_officer(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    group = officers(env, 2, capsys)
    centre = env.centre / "data" / "keys" / "centre.key"
    assert main(["tender", "officer-key", "--key-file", str(centre), "--out", str(env.centre / "me.json")]) == 0
    capsys.readouterr()
    code = main(publish_args(env, [str(group[0].public_file), str(group[1].public_file), str(env.centre / "me.json")]))
    refused(code, capsys, "cannot be an opening officer")
    assert not (env.centre / "shares").exists()


def test_a_publication_the_service_refuses_leaves_no_share_files(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    group = officers(env, 3, capsys)
    publish(env, group, capsys)
    # The same tender again: refused by the chain, and its freshly sealed shares are removed.
    code = main(publish_args(env, [str(o.public_file) for o in group], shares="again"))
    refused(code, capsys)
    assert not (env.centre / "again").exists()


def test_a_bad_parameter_file_is_refused_before_anything_is_sent(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    group = officers(env, 2, capsys)
    params = json.loads((env.centre / "params.json").read_text())
    params["sections"][0]["bid_guarantee"] = "999999999"
    (env.centre / "params.json").write_text(json.dumps(params, ensure_ascii=False))
    before = env.rt.client.block_number()
    code = main(publish_args(env, [str(o.public_file) for o in group], threshold=2))
    refused(code, capsys, "exceeds 2%")
    assert not (env.centre / "shares").exists() and env.rt.client.block_number() == before


# ---------------------------------------------------------------------- releasing


def test_officers_open_and_release_their_shares_with_their_own_keys(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    rt = env.rt
    group = officers(env, 5, capsys)  # no funds: the relayer pays each officer's releaseShare
    assert all(rt.client.balance(o.account.address) == 0 for o in group)
    out = publish(env, group, capsys)
    share_file = Path(out["share_files"][group[0].account.address])

    def release(path: Path, officer: Officer) -> int:
        return main(["tender", "release-share", str(path), "--key-file", str(officer.key_file)])

    refused(release(share_file, group[0]), capsys, "TooEarly")
    rt.client.increase_time(22 * 86400)
    refused(release(share_file, group[1]), capsys, f"sealed to officer {group[0].account.address}",
            f"the key given is {group[1].account.address}'s")
    stolen = replace(SealedShare.from_json(share_file.read_text()), officer=group[1].account.address, index=2)
    (env.officers_home / "stolen.json").write_text(stolen.to_json())
    refused(release(env.officers_home / "stolen.json", group[1]), capsys, "does not open")
    plain = env.officers_home / "plain.json"
    plain.write_text(json.dumps({"tender_id": out["tender_id"], "officer": group[0].account.address,
                                 "share": "0x" + "01" * SHARE_SIZE}))
    refused(release(plain, group[0]), capsys, "unencrypted share file")
    refused(main(["tender", "release-share", str(share_file)]), capsys, "--key-file")
    for officer in group[:3]:
        assert release(Path(out["share_files"][officer.account.address]), officer) == 0, capsys.readouterr().err
    capsys.readouterr()
    book = rt.client.contract("TenderBook", rt.addresses["TenderBook"])
    assert rt.client.call(book.functions.sharesReleased(bytes.fromhex(out["tender_id"][2:]))) == 3
    # No bids were made: opening records that, and the section fails (流标).
    assert main(["tender", "open", out["tender_id"], "--section", "0"]) == 0
    assert "FAILED with 0 valid bid(s)" in capsys.readouterr().out


def test_a_service_that_does_not_answer_is_a_configuration_error(env: Env, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.nodes import free_port

    monkeypatch.setenv("TL_API_URL", f"http://127.0.0.1:{free_port()}")
    assert main(["tender", "show", "0x" + "11" * 32]) == 3
    assert "cannot reach the API" in capsys.readouterr().err


# ---------------------------------------------------------------------- the attack: opening early


def encodings(secret: bytes) -> list[bytes]:
    """Every way a secret could sit in a file: raw, hex (either case), base64, decimal."""
    return [secret, secret.hex().encode(), secret.hex().upper().encode(), base64.b64encode(secret),
            base64.urlsafe_b64encode(secret), str(int.from_bytes(secret, "big")).encode()]


def as_share(index: int, raw: bytes) -> Share:
    """`raw` read as a share's value, reduced into the field (more generous than `Share`)."""
    value = int.from_bytes(raw, "big") % PRIME
    return Share(index if 1 <= index <= MAX_SHARES else 1, value.to_bytes(VALUE_SIZE, "big"))


def shares_in(data: bytes) -> list[Share]:
    """Every share an attacker can read out of one file: the file itself as a share (JSON or
    bytes), every 67-byte window of every run of hex in it, and, in a sealed share file, every
    66-byte window of the box as the value of the share its label names."""
    found = []
    for parse in (Share.from_json, Share.from_bytes):
        try:
            found.append(parse(data))
        except ShareError:
            pass
    for run in re.findall(rb"[0-9a-fA-F]{134,}", data):
        for i in range(0, len(run) - 133, 2):
            raw = bytes.fromhex(run[i:i + 134].decode())
            found.append(as_share(raw[0], raw[1:]))
    try:
        sealed = SealedShare.from_json(data)
    except OfficerBoxError:
        return found
    return found + [as_share(sealed.index, sealed.box[i:i + VALUE_SIZE])
                    for i in range(len(sealed.box) - VALUE_SIZE + 1)]


def keys_in(data: bytes) -> set[bytes]:
    """Every 32-byte value written as hex in a file (keys, hashes, ids): each a candidate key."""
    return {bytes.fromhex(m.decode())
            for m in re.findall(rb"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])", data)}


def test_centre_machine_after_publish_cannot_open_bids(env: Env, capsys) -> None:  # type: ignore[no-untyped-def]
    rt = env.rt
    group = officers(env, 5, capsys, funded=True)
    assert main(publish_args(env, [str(o.public_file) for o in group])) == 0
    printed = capsys.readouterr()
    out = json.loads(printed.out)
    tid = out["tender_id"]
    view = show(tid, capsys)
    opening_public = bytes.fromhex(view["opening_public_key"][2:])
    published_hashes = {bytes.fromhex(h[2:]) for h in view["share_hashes"]}

    # Three firms bid (fewer are never opened), sealed to the tender's opening key; the service
    # files the envelopes.
    scene = Scene(httpx.Client(base_url=env.url, timeout=60), rt)  # type: ignore[arg-type]
    issuer = scene.issuer(*KINDS)
    firms = [scene.firm(issuer) for _ in range(3)]
    envelopes = []
    for firm in firms:
        assert scene.bid(firm, SceneTender(view, {}, [o.account for o in group])).status_code == 201
        mine = scene.get(firm.actor, f"/tenders/{tid}/sections/0/bids/mine").json()
        envelopes.append(bytes.fromhex(mine["envelope"][2:]))
    envelope = envelopes[0]
    aad = bid_aad(chain_id=view["chain_id"], contract=view["tender_book"], tender_id=bytes.fromhex(tid[2:]),
                  section=0, bidder=firms[0].address)

    # Everything on the centre's machine: the service's data directory (chain, store, the
    # relayer's, centre's and development governance keys), the tender files, the officers' public keys, the sealed shares and what publish
    # printed.
    files = {p: p.read_bytes() for p in sorted(env.centre.rglob("*")) if p.is_file()}
    files[Path("publish output")] = (printed.out + printed.err).encode()
    assert {"chain.sqlite", "ledger.sqlite", "centre.key", "relayer.key"} <= {p.name for p in files}
    share_files = {p: data for p, data in files.items() if p.parent == env.centre / "shares"}
    assert len(share_files) == 5
    corpus = b"\n".join(files.values())
    assert all(e in corpus for e in envelopes)  # the bids the attacker wants to open are there

    # The officers, each on its own machine, know the truth: their shares and the key.
    true_shares = [open_share(SealedShare.from_json(Path(out["share_files"][o.account.address]).read_text()),
                              bytes(o.account.key)) for o in group]
    private = combine(true_shares[:3], k=3, expected_public=opening_public)

    # 1. No file holds the opening key or any share, in any encoding.
    for secret in [private] + [s.to_bytes() for s in true_shares] + [s.value for s in true_shares]:
        assert not [e for e in encodings(secret) if e in corpus]

    # 2. Every file, and every piece of one, tried as a share: none is an officer's share, and
    #    the sealed boxes combined, slice by slice, rebuild nothing.
    candidates = [s for data in files.values() for s in shares_in(data)]
    assert len(candidates) > 5 * 90  # at least every slice of every box
    assert not [s for s in candidates if share_hash(s) in published_hashes]
    boxes = [SealedShare.from_json(data) for data in share_files.values()]
    for offset in range(len(boxes[0].box) - VALUE_SIZE + 1):
        sliced = [as_share(b.index, b.box[offset:offset + VALUE_SIZE]) for b in boxes]
        for three in itertools.combinations(sliced, 3):
            with pytest.raises(ShareError):
                combine(list(three), k=3, expected_public=opening_public)

    # 3. Every key on the machine (the centre's, and any 32-byte hex value in any file) tried
    #    on every sealed share, as labelled and relabelled to that key's own address.
    keys = set().union(*(keys_in(data) for data in files.values()))
    centre_key = bytes.fromhex((env.centre / "data" / "keys" / "centre.key").read_text().strip().removeprefix("0x"))
    assert centre_key in keys
    tried = 0
    for key in keys:
        try:
            holder = OfficerKey.of_private(key).address
        except MalformedOfficerKey:
            continue
        with pytest.raises(WrongOfficerKey):  # as labelled: refused before any decryption
            open_share(boxes[tried % len(boxes)], key)
        for box in boxes:
            with pytest.raises(SealedShareDoesNotOpen):
                open_share(replace(box, officer=holder), key)
        tried += 1
    assert tried >= 10

    # 4. Every 32-byte value on the machine (hex in files, slices of the boxes) tried as the
    #    opening key itself: none is it, none opens the bid.
    pieces = keys | {b.box[i:i + 32] for b in boxes for i in range(len(b.box) - 31)}
    for candidate in pieces:
        assert public_key_of(candidate) != opening_public
        with pytest.raises(DecryptionFailed):
            open_sealed(envelope, OpeningKey(candidate), aad=aad)

    # 5. Two officers colluding with the centre are still one share short: their two shares
    #    and any candidate from the machine do not rebuild the key.
    two = true_shares[:2]
    for extra in candidates:
        if extra.index > 2:
            with pytest.raises(ShareError):
                combine([*two, extra], k=3, expected_public=opening_public)

    # And yet after the deadline any three officers, each with its own key, open the bid.
    rt.client.increase_time(22 * 86400)
    for officer in group[2:]:
        path = out["share_files"][officer.account.address]
        assert main(["tender", "release-share", path, "--key-file", str(officer.key_file)]) == 0
    capsys.readouterr()
    assert main(["tender", "open", tid, "--section", "0", "--json"]) == 0
    opened = json.loads(capsys.readouterr().out)
    assert sorted((b["bidder"], b["outcome"]) for b in opened["bids"]) == sorted(
        (f.address, "DECRYPTED") for f in firms)


def test_a_late_amendment_reports_the_deadline_the_chain_postponed_and_a_cut_deadline_is_refused(  # type: ignore[no-untyped-def]
    env, capsys,
) -> None:
    tmp, rt = env.centre, env.rt
    out = publish(env, officers(env, 3, capsys), capsys)
    params = json.loads((tmp / "params.json").read_text())
    asked = int(datetime.fromisoformat(params["deadline"]).timestamp())
    amend = ["tender", "amend", out["tender_id"], str(tmp / "params.json"), "--document", str(tmp / "tender.pdf")]
    # Cutting the deadline: the contract refuses, the command says why in one line.
    cut = dict(params, deadline=datetime.fromtimestamp(asked - 86_400, UTC).isoformat())
    (tmp / "cut.json").write_text(json.dumps(cut, ensure_ascii=False))
    code = main(["tender", "amend", out["tender_id"], str(tmp / "cut.json"), "--document", str(tmp / "tender.pdf"),
                 "--reason", "提前截止"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "cannot bring the deadline" in err and "Traceback" not in err
    # 14 days before the deadline, a change that keeps it: the chain moves it out to 15 days.
    rt.client.increase_time(asked - 14 * 86_400 - rt.client.block_timestamp())
    assert main([*amend, "--reason", "修改资格条件"]) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "is now version 2" in printed and "postponed it to" in printed and "Art. 23" in printed
    assert main(["tender", "show", out["tender_id"]]) == 0
    assert json.loads(capsys.readouterr().out)["deadline"] > asked
