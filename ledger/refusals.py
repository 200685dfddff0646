"""The ledger's refusals in words, in Chinese and English: what people read instead of the raw
contract error (`AwardPaused(tenderId=0x…, section=0, open=1)`).

A refusal is named by a contract's custom error, or the service's own code under the same
convention (`ContractRevert.error`), and carries its arguments (`ContractRevert.args_`; in an API
error body `contract_error` and `args`). `refusal.<Name>` words it; a wording may name the error's
arguments in braces (`{section}`), filled as people read them (`worded`): a section by its number
counted from 1, a moment in the reader's time zone (the caller writes it), "…" for an argument not
given. The portal shows these (api/portal/refusals.py, and its script static/desk.js `refusal`);
the command line says the English one in its `error:` line (`readable`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

PREFIX: Final = "refusal."

# The arguments a wording shows as a moment (seconds since 1970 on chain).
TIMES: Final = frozenset({"deadline", "blockTime", "publicityEnds", "contestDeadline", "end", "expiry",
                          "closedAt", "newDeadline", "latest", "earliest", "issuedAt"})
# Shown for an argument a body lacks (an older service, or a code raised with fewer arguments).
MISSING: Final = "…"

REFUSALS: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------ tenders and bids
    "refusal.UnknownTender": ("没有这个招标项目。", "There is no such tender."),
    "refusal.UnknownSection": ("该招标项目没有第 {section} 标段。", "The tender has no section {section}."),
    "refusal.TenderExists": ("该招标项目已经发布过。", "This tender has been published already."),
    "refusal.DeadlinePassed": ("投标截止时间（{deadline}）已过：不能再修改招标文件、撤回投标或办理投标保证金。",
                               "The bid deadline ({deadline}) has passed: the tender can no longer be amended, "
                               "a bid withdrawn, or a guarantee applied for or bound."),
    "refusal.LateBid": ("投标已逾期：投标截止时间为 {deadline}。",
                        "The bid is late: the bid deadline was {deadline}."),
    "refusal.TooEarly": ("投标截止时间（{deadline}）未到：截止前不能开标、核验或定标。",
                         "The bid deadline ({deadline}) has not come yet: nothing is opened, checked or "
                         "awarded before it."),
    "refusal.BidPeriodTooShort": ("投标截止时间过早：自招标文件发出之日起至投标截止不得少于二十日，最早为 {earliest}"
                                  "（招标投标法第二十四条）。",
                                  "The bid deadline is too early: at least twenty days must pass from the tender's "
                                  "issue, so the earliest is {earliest} (Tendering Law Art. 24)."),
    "refusal.DeadlineBroughtForward": ("澄清或修改不能提前投标截止时间（{deadline}），只能推迟。",
                                       "An amendment cannot bring the bid deadline ({deadline}) forward, only "
                                       "postpone it."),
    "refusal.NoBid": ("本标段没有您的有效投标。", "You have no live bid in this section."),
    "refusal.SignerMismatch": ("签名人不是该投标（或申请）的所有者：请用其本身的密钥签名。",
                               "The request is not signed by the owner of the bid (or application): sign with "
                               "its own key."),
    "refusal.BadSignature": ("投标签名无效：签名格式错误或不是该投标人所签。",
                             "The bid's signature is malformed or was not made by the bidder."),
    "refusal.BadNonce": ("该签名已使用过或顺序不对：请刷新后重新签名。",
                         "This signature was used already or is out of order: reload and sign again."),
    "refusal.SignatureExpired": ("签名已过期：请重新签名。", "The signature has expired: sign again."),
    "refusal.NoIdentity": ("该密钥没有绑定任何企业：需要一份登记此密钥的有效营业执照证照。",
                           "This key belongs to no firm: it needs a valid identity credential (business "
                           "licence) naming this key."),
    "refusal.IdentitySuperseded": ("该密钥已不是本企业的密钥：更新的营业执照证照登记了另一个密钥（每个企业只有一个身份）。",
                                   "This key is no longer the firm's: a newer identity credential names another "
                                   "key (one identity per firm)."),
    "refusal.TooManyCredentials": ("勾选的证照过多（{count} 份），超出一份投标可附的上限。",
                                   "A bid reveals too many credentials ({count})."),
    "refusal.NotPublished": ("评标结果尚未公布：请签名后查看您自己的投标。",
                             "Results are published after evaluation: sign in to see your own bid."),
    "refusal.Blacklisted": ("该企业已被列入失信名单，不能办理投标保证金。",
                            "The firm is black-listed: it cannot obtain a guarantee."),
    # ------------------------------------------------------------ the centre and the opening
    "refusal.NotCentre": ("此密钥不是获授权的公共资源交易中心。", "This key is not an authorised trading centre."),
    "refusal.NotPublisher": ("只有发布该招标项目的交易中心可以办理此事项。",
                             "Only the trading centre that published the tender may do this."),
    "refusal.NotOfficer": ("此密钥不是该招标项目的开标人。", "This key is not an opening officer of the tender."),
    "refusal.AlreadyReleased": ("该开标人已经提交过其密钥份额。", "This officer has released its key share already."),
    "refusal.WrongShare": ("密钥份额与发布时登记的不符：请确认是该开标人本人的份额文件。",
                           "The key share does not match the one fixed at publication: check that it is this "
                           "officer's own share file."),
    "refusal.SharesMissing": ("所需的密钥份额尚未收齐：收齐后才能开启。",
                              "Not enough key shares have been released yet: it opens once they are."),
    "refusal.WrongSectionStatus": ("标段当前的状态不允许此操作。", "The section's current status does not allow this."),
    "refusal.TooFewBids": ("本标段只有 {bids} 份投标，少于开标所需的 {minValidBids} 份。",
                           "The section has only {bids} bid(s), fewer than the {minValidBids} needed to open it."),
    "refusal.BidsUnopened": ("本标段还有 {unopened} 份投标尚未开启。", "{unopened} bid(s) of the section are not opened yet."),
    "refusal.AlreadyOpened": ("该投标已经开启过。", "This bid has been opened already."),
    # ------------------------------------------------------------ credentials (the issuer's desk)
    "refusal.NotAuthorised": ("此密钥无权签发这一类证照。", "This key is not authorised to issue credentials of this kind."),
    "refusal.AlreadyAnchored": ("这批证照已经上链存证过。", "These credentials have been anchored already."),
    "refusal.AnchorInFlight": ("其中有证照正在另一笔存证交易中：请待其上链后再试。",
                               "Some of these credentials are in another anchor being sent now: retry once it "
                               "is mined."),
    "refusal.UnknownRoot": ("链上没有这批证照的存证。", "No such batch of credentials was ever anchored."),
    "refusal.UnknownCredential": ("链上没有这份证照。", "There is no such anchored credential."),
    "refusal.NotIssuerOf": ("这批证照不是此密钥签发的。", "This key did not anchor these credentials."),
    "refusal.NotInBatch": ("该证照不在这批存证中。", "The credential is not part of this batch."),
    "refusal.AlreadyRevoked": ("该证照已经撤销。", "The credential has been revoked already."),
    "refusal.AlreadyRevokedAt": ("该证照已经撤销。", "The credential has been revoked already."),
    "refusal.AlreadySuspended": ("该证照目前已处于暂停状态。", "The credential is suspended already."),
    "refusal.NotSuspended": ("该证照目前未被暂停。", "The credential is not suspended."),
    "refusal.AlreadySuperseded": ("该证照已被新版本替代。", "The credential has been superseded already."),
    "refusal.TooManySuspensions": ("该证照的暂停次数已用完。", "The credential has used up its suspensions."),
    "refusal.InvalidKind": ("证照类别无效。", "Not a credential kind."),
    # ------------------------------------------------------------ guarantees (the guarantor's desk)
    "refusal.NotGuarantor": ("此密钥不是获授权的投标保证金出具机构。", "This key is not an authorised guarantee issuer."),
    "refusal.IssuerNotAuthorised": ("该机构无权出具这一类投标保证金。",
                                    "The issuer is not authorised to issue guarantees of this type."),
    "refusal.NotIssuer": ("此密钥不是该保函申请所指定的出具机构。",
                          "This key is not the issuer the guarantee application names."),
    "refusal.NotApplicant": ("此密钥不是该保函的申请人。", "This key is not the guarantee's applicant."),
    "refusal.NotReleaser": ("只有出具机构或发布项目的交易中心可以退还该保函。",
                            "Only the guarantee's issuer or the tender's centre may release it."),
    "refusal.UnknownGuarantee": ("没有这份保函申请。", "There is no such guarantee application."),
    "refusal.GuaranteeExists": ("这份保函已经申请过。", "This guarantee has been applied for already."),
    "refusal.WrongState": ("保函当前的状态不允许此操作。", "The guarantee's current state does not allow this."),
    "refusal.AlreadyBound": ("该保函已经绑定到一份投标。", "The guarantee is bound to a bid already."),
    "refusal.BidHasGuarantee": ("该投标已有绑定的保函。", "The bid is backed by a bound guarantee already."),
    "refusal.GuaranteeExpired": ("保函已于 {end} 到期。", "The guarantee ended at {end}."),
    "refusal.NoGuarantee": ("该投标人没有投标保证金记录。", "The bidder has no guarantee on record."),
    "refusal.NoCommitmentLetter": ("该投标人没有信用承诺书记录。", "The bidder has no commitment letter on record."),
    "refusal.SealedUntilOpening": ("开标前只有申请人和出具机构可以查看。",
                                   "Only its applicant and issuer may see it until the opening."),
    "refusal.ContestPeriodOver": ("索赔异议期已于 {contestDeadline} 结束。",
                                  "The claim could be contested only before {contestDeadline}."),
    "refusal.ContestPeriodOpen": ("索赔异议期至 {contestDeadline} 才结束：结束前不能结算。",
                                  "The claim may be contested until {contestDeadline}: it cannot be settled before."),
    "refusal.NotSelected": ("本标段尚未定标（评定分离未完成、公示中或有异议未处理）。",
                            "The section is not awarded yet (评定分离 unfinished, 公示 running or an objection open)."),
    "refusal.NotAwarded": ("本标段尚无中标结果记录。", "The section has no recorded outcome."),
    "refusal.AlreadyAwarded": ("本标段的中标结果已经记录过。", "The section's outcome has been recorded already."),
    # ------------------------------------------------------------ 评定分离: committees, sheets, votes
    "refusal.NotSeat": ("此密钥不是该委员会的在任席位。", "This key holds no active seat on the committee."),
    "refusal.NotChair": ("只有组长可以作出决定（集体议事）。", "Only the chair decides (集体议事)."),
    "refusal.NotSeated": ("委员会尚未组建。", "The committee is not seated yet."),
    "refusal.AlreadySeated": ("委员会已经组建。", "The committee is seated already."),
    "refusal.SeatActed": ("该席位已经提交过评审意见或投票，不能再更换。",
                          "The seat has committed its sheet or vote already: it can no longer be replaced."),
    "refusal.CommitteeHidden": ("委员会成员尚未公开。", "The committee's members are not revealed yet."),
    "refusal.CommitPeriodOver": ("提交期已于 {deadline} 截止。", "The commit period closed at {deadline}."),
    "refusal.SeatAlreadyCommitted": ("该席位已经提交过（评审表或本轮投票）。",
                                     "The seat has committed already (its sheet, or its vote in this round)."),
    "refusal.RevealNotOpen": ("尚不能公开：须全部席位提交或提交期（至 {deadline}）结束后才能公开。",
                              "Reveals are not open yet: they open once every seat committed or the commit "
                              "period ends ({deadline})."),
    "refusal.LateReveal": ("公开期已于 {deadline} 截止。", "The reveal period closed at {deadline}."),
    "refusal.NothingToReveal": ("该席位没有待公开的内容（未提交或已公开）。",
                                "The seat has nothing to reveal (nothing committed, or revealed already)."),
    "refusal.SheetsMissing": ("还有评审表未公开：须全部公开，或公开期结束且公开的评审表达到最低人数。",
                              "Sheets are still unrevealed: every one must be, or the reveal period must be over "
                              "with enough revealed."),
    "refusal.SheetsShown": ("已有评审表公开，不能再更换错过提交期的席位。",
                            "A sheet has been revealed: a seat that missed the commit period can no longer be "
                            "replaced."),
    "refusal.SectionNotEvaluable": ("本标段开标尚未结束，不能评审。",
                                    "The section's opening is not over: it cannot be evaluated yet."),
    "refusal.ShortlistExists": ("推荐的中标候选人名单已经提交。", "A shortlist has been filed already."),
    "refusal.NoShortlist": ("尚未提交推荐的中标候选人名单。", "No shortlist has been filed yet."),
    "refusal.WrongRound": ("轮次不对：下一轮应为第 {expected} 轮。", "Wrong round: the next one is round {expected}."),
    "refusal.RoundOpen": ("第 {round} 轮投票尚未结束。", "Vote round {round} is still open."),
    "refusal.NoRoundDue": ("定标规则现在不需要投票。", "The selection rule asks for no vote round now."),
    "refusal.ViewsMissing": ("还有席位未公开其意见：全部公开或公开期结束后组长才能决定。",
                             "Some seats have not revealed their views: the chair decides once all have or the "
                             "round's reveal period is over."),
    "refusal.AlreadyDecided": ("定标决定已经作出。", "A decision is in force already."),
    "refusal.NotDecided": ("尚未作出定标决定。", "No decision has been made yet."),
    "refusal.ChairFixed": ("组长已经确定，不能更换。", "The chair has been named already."),
    # ------------------------------------------------------------ 公示, objections, complaints, award
    "refusal.NotInPublicity": ("现在不在公示期内：异议只能在中标候选人公示期间提出。",
                               "This is not during 公示: objections are filed only while the result is publicised."),
    "refusal.PublicityRunning": ("公示期至 {publicityEnds} 结束：结束前不能定标。",
                                 "公示 runs until {publicityEnds}: no award before it ends."),
    "refusal.AwardPaused": ("尚有 {open} 件异议或投诉未处理：定标暂停。",
                            "{open} objection(s) or complaint(s) are still open: the award waits."),
    "refusal.UnknownFiling": ("本标段没有这件异议或投诉。", "The section has no such objection or complaint."),
    "refusal.FilingClosed": ("该异议已经答复（或该投诉已经处理）。",
                             "The objection has been answered (or the complaint ruled on) already."),
    "refusal.ComplaintWindowClosed": ("投诉期已过。", "The complaint period is over."),
    "refusal.SectionAwarded": ("本标段已经定标。", "The section has been awarded already."),
    # ------------------------------------------------------------ draws
    "refusal.UnknownDraw": ("没有这次抽取。", "There is no such draw."),
    "refusal.NotParty": ("此密钥不是该次抽取的参与方。", "This key is not a party of the draw."),
    "refusal.AlreadyCommitted": ("该参与方已经提交过随机数。", "This party has committed its seed already."),
    "refusal.CommitClosed": ("提交随机数的期限已于 {deadline} 截止。", "Seeds could be committed until {deadline}."),
    "refusal.CommitPeriodOpen": ("随机数提交期尚未结束。", "Seeds may still be committed: the commit period is open."),
    "refusal.DrawAlreadyFinished": ("该次抽取已经完成，结果不可更改。", "The draw is finished: its picks are final."),
    "refusal.NotDrawOfficer": ("此密钥不是该次抽取的监督人。", "This key is not an officer of the draw."),
    # ------------------------------------------------------------ governance
    "refusal.NotMember": ("此密钥不是治理委员会成员。", "This key is not a member of the governance."),
}

_PLACEHOLDER = re.compile(r"{(\w+)}")


def placeholders(wording: str) -> list[str]:
    """The argument names a wording shows."""
    return _PLACEHOLDER.findall(wording)


def worded(code: object, args: object, lang: str, when: Callable[[int], str]) -> str | None:
    """The refusal `code` with `args` in `lang` ("zh" or "en"), moments written by `when`; None
    when no wording here names it."""
    entry = REFUSALS.get(f"{PREFIX}{code}") if isinstance(code, str) else None
    if entry is None:
        return None
    given: Mapping[str, Any] = args if isinstance(args, Mapping) else {}

    def shown(name: str) -> str:
        value = given.get(name)
        if value is None or isinstance(value, bool):
            return MISSING
        if name == "section" and isinstance(value, int):
            return str(value + 1)  # sections are counted from 1 where people read them
        if name in TIMES and isinstance(value, int) and value > 0:
            try:
                return when(value)
            except (OverflowError, OSError, ValueError):
                return str(value)
        return str(value)
    return _PLACEHOLDER.sub(lambda m: shown(m.group(1)), entry[0 if lang == "zh" else 1])


def is_raw(message: str, code: str) -> bool:
    """Whether `message` is the bare form of refusal `code` (`Code(name=value, …)`, what a
    refusal says when nothing put it in words), not a sentence the service wrote for it."""
    return message == code or (message.startswith(f"{code}(") and message.endswith(")"))


def readable(code: str, args: Mapping[str, Any], message: str, when: Callable[[int], str]) -> str:
    """A refusal as the command line says it: the service's own sentence when it wrote one, else
    the English wording with the error's name beside it, else the message as it is."""
    if not is_raw(message, code):
        return message
    said = worded(code, args, "en", when)
    return f"{said} ({code})" if said is not None else message
