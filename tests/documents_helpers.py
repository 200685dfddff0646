"""Documents for the tests: a valid document of every kind, its values varied by a serial, and the
firms they name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.documents import Document, Kind, parse_document

FIRM = "91350100M000100Y43"
CLIENT_FIRM = "91130125MA07WJNA83"


def make_document(
    kind: Kind,
    *,
    issuer: str,
    subject: str = FIRM,
    n: int = 0,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    **overrides: Any,
) -> Document:
    """A valid document of `kind`; `n` varies its values (and which optional fields are set)."""
    start = valid_from or datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n)
    envelope: dict[str, Any] = {
        "kind": int(kind),
        "issuer": issuer,
        "subject": subject,
        "validFrom": start.isoformat(),
        "issued_at": (start + timedelta(hours=8, minutes=n)).isoformat(),
    }
    until = valid_until if valid_until is not None else start + timedelta(days=5 * 365)
    if n % 3 != 2 or valid_until is not None:  # every third sample is open-ended
        envelope["validUntil"] = until.isoformat()
    claims: dict[Kind, dict[str, Any]] = {
        Kind.IDENTITY: {
            "firm_name": f"珠海市第{n}建设工程有限公司",
            "legal_representative": "张三" if n % 2 else "欧阳·娜娜",
            "registered_address": f"广东省珠海市香洲区某某路{n + 1}号（东座）",
            "registration_type": "有限责任公司",
            "signing_address": "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2",
        },
        Kind.QUALIFICATION: {
            "APT_CERTNO": f"D2610{n:05d}",
            "APT_NAME": "市政公用工程施工总承包二级",
            "APT_TYPE_NAME": "建筑业企业资质",
            "APT_CODE": "D261",
            "grade": ["特级", "一级", "二级", "甲级"][n % 4],
            "issue_date": "2024-01-01",
            "APT_EDATE": f"{2028 + n % 3}-12-31",
            "APT_GRANT_UNIT": "广东省住房和城乡建设厅",
        },
        Kind.PERSONNEL: {
            "person_name": "李四" if n % 2 else "𠀋太郎",  # a character outside the BMP
            "registration_type": "一级注册建造师",
            "REG_CERTNO": f"粤14420122{n:08d}",
            "specialty": "市政公用工程",
            "expiry_date": "2027-06-30",
            "registered_employer_uscc": subject,
            **(
                {"id_number": "44040019800101123X", "seal_no": f"粤1442{n:06d}"}
                if n % 2 == 0
                else {}
            ),
        },
        Kind.PERFORMANCE: {
            "PRJNUM": f"44040221010101{n:02d}",
            "project_name": f"珠海市某道路改造工程（第{n}标段）",
            "client_name": "珠海市某某建设单位",
            "client_uscc": CLIENT_FIRM,
            "contract_no": f"HT-2021-{n:03d}",
            "contract_amount_wan": f"{1234 + n}.56",
            "EDATE": "2022-12-20",
            **({"TENDERNUM": f"44040221-BJ-{n:03d}", "investment_wan": "1500"} if n % 2 else {}),
            **({"building_area_m2": "12345.678901"} if n % 3 == 0 else {}),
        },
        Kind.AWARD: {
            "award_name": "鲁班奖" if n % 2 else "“詹天佑奖”",
            "level": ["国家级", "省级", "市级"][n % 3],
            "issuing_body": "中国建筑业协会",
            "certificate_no": f"LB-2023-{n:04d}",
            "award_date": "2023-11-15",
            **({"PRJNUM": "4404022101010101"} if n % 2 == 0 else {}),
        },
        Kind.CREDIT: {
            "record_no": f"XY-2024-{n:04d}",
            "record_type": ["bad", "good", "blacklist", "redlist", "joint-punishment"][n % 5],
            "decision": "因串通投标记不良行为一次\n（见附件）",
            "deciding_body": "珠海市住房和城乡建设局",
            "decision_document_no": f"珠建罚〔2024〕{n + 7}号",
            "listed_date": "2024-01-01",
            **({"removal_date": "2025-01-01"} if n % 2 == 0 else {}),
        },
        Kind.CONTRACT_PERFORMANCE: {
            "PRJNUM": f"44040221010101{n:02d}",
            "project_name": "珠海市某道路改造工程",
            "section_code": f"E32030103190057780010{n:02d}",
            "TENDERNUM": "4404022101010101-BJ-001",
            "client_name": "珠海市某某建设单位",
            "client_uscc": CLIENT_FIRM,
            "contract_no": "HT-2021-001",
            "contract_amount_wan": "0.01",
            "rating": ["优秀", "良好", "合格", "不合格"][n % 4],
            "EDATE": "2022-12-20",
            **({"award_id": "0x" + f"{n:02x}" * 32, "score": "95.5"} if n % 2 == 0 else {}),
        },
    }
    return parse_document({**envelope, **claims[kind], **overrides})
