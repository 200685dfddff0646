"""A seeded synthetic dataset shaped like the reference deployment (Zhuhai, first seven months).

Issuers, a few hundred firms with valid USCCs and Chinese names, and their credentials:
1,579 credit, 430 performance, 542 award and 607 qualification records, plus one identity
(营业执照) per firm. The same seed, scale and reference date always give the same dataset,
keys and salts included — so the keys are public knowledge: never use them for anything real.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.crypto.canonical import keccak
from ledger.documents import Document, Kind, SealedCredential, parse_document
from ledger.uscc import generate_uscc, uscc_check_digit

REFERENCE_COUNTS: dict[Kind, int] = {
    Kind.CREDIT: 1_579,
    Kind.PERFORMANCE: 430,
    Kind.AWARD: 542,
    Kind.QUALIFICATION: 607,
}
"""Credentials per kind in the reference deployment; identity credentials come on top."""

REFERENCE_FIRMS = 300
DEFAULT_SEED = 20260731
DEFAULT_AS_OF = date(2026, 7, 31)
"""End of the seven months the dataset covers; nothing in it is dated later."""

BEIJING = timezone(timedelta(hours=8))

# ---------------------------------------------------------------------- vocabulary

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏"
    "程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江薛尹段雷黎史龙陶贺顾毛郝龚邵"
)
_COMPOUND_SURNAMES = ("欧阳", "司徒", "上官", "诸葛")


def person_name(rng: random.Random) -> str:
    """A plausible Chinese personal name (surname and one or two given characters)."""
    surname = rng.choice(_COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(_SURNAMES)
    return surname + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志文斌宇浩俊峰辉鹏红玲海波晓东立新宏庆永春"
)
_SHOP_NAME = "宏建华信诚达恒泰盛鑫远兴隆昌正安和润德弘海粤珠港澳湾城科新成宇通基联创景明汇利丰源骏卓嘉裕晟铭岳钧"

# (prefix of the firm name, GB/T 2260 region, share): most firms are registered in Zhuhai.
_HOMES = (
    ("珠海市", "440402", 0.45),
    ("珠海市", "440403", 0.10),
    ("珠海市", "440404", 0.10),
    ("珠海", "440402", 0.07),
    ("广东", "440106", 0.10),
    ("广州市", "440106", 0.06),
    ("深圳市", "440304", 0.07),
    ("中山市", "442000", 0.05),
)
_DISTRICT_OF = {
    "440402": (
        "广东省珠海市香洲区",
        (
            "情侣中路",
            "九洲大道中",
            "迎宾南路",
            "凤凰北路",
            "梅华西路",
            "人民东路",
            "前山路",
            "兴业路",
            "大学路",
            "金凤路",
        ),
    ),
    "440403": (
        "广东省珠海市斗门区",
        ("井岸镇港霞西路", "白蕉镇白蕉路", "乾务镇湖心路", "斗门镇南门路"),
    ),
    "440404": ("广东省珠海市金湾区", ("三灶镇海澄路", "红旗镇藤山一路", "金湖大道", "机场东路")),
    "440106": ("广东省广州市天河区", ("天河路", "黄埔大道西", "珠江新城华夏路", "体育西路")),
    "440304": ("广东省深圳市福田区", ("深南大道", "福华三路", "益田路", "彩田路")),
    "442000": ("广东省中山市", ("东区中山四路", "石岐区悦来南路", "火炬开发区康乐大道")),
}

# Firm profiles: the words of the firm's name and the qualifications it tends to hold.
# Specialty tuples are (name, code, general contracting?).
_PROFILES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str, bool], ...], float]] = {
    "building": (
        ("建设工程", "建筑工程", "建工集团", "建设集团", "建设"),
        (
            ("建筑工程", "01", True),
            ("地基基础工程", "01", False),
            ("钢结构工程", "09", False),
            ("建筑装修装饰工程", "11", False),
            ("建筑机电安装工程", "12", False),
            ("防水防腐保温工程", "06", False),
        ),
        0.42,
    ),
    "municipal": (
        ("市政工程", "市政建设", "路桥建设", "城建工程"),
        (
            ("市政公用工程", "10", True),
            ("公路工程", "02", True),
            ("桥梁工程", "07", False),
            ("城市及道路照明工程", "15", False),
            ("环保工程", "21", False),
            ("隧道工程", "08", False),
        ),
        0.26,
    ),
    "water": (
        ("水利水电工程", "水务工程", "港航工程"),
        (
            ("水利水电工程", "05", True),
            ("港口与航道工程", "04", True),
            ("地基基础工程", "01", False),
            ("河湖整治工程", "23", False),
        ),
        0.10,
    ),
    "decoration": (
        ("装饰工程", "装饰设计工程", "幕墙工程"),
        (
            ("建筑装修装饰工程", "11", False),
            ("建筑幕墙工程", "13", False),
            ("防水防腐保温工程", "06", False),
            ("古建筑工程", "14", False),
        ),
        0.12,
    ),
    "mep": (
        ("机电工程", "机电设备安装", "智能化工程", "消防工程"),
        (
            ("机电工程", "12", True),
            ("建筑机电安装工程", "12", False),
            ("电子与智能化工程", "04", False),
            ("消防设施工程", "05", False),
        ),
        0.10,
    ),
}
_DESIGN = (
    ("建筑行业（建筑工程）", "21"),
    ("市政行业（道路工程）专业", "31"),
    ("建筑装饰工程设计专项", "52"),
)

_GRANT_UNIT = {
    1: "中华人民共和国住房和城乡建设部",
    2: "广东省住房和城乡建设厅",
    3: "珠海市住房和城乡建设局",
}
_GRADE_LEVEL = {"特级": 1, "一级": 1, "二级": 2, "三级": 3, "甲级": 1, "乙级": 2}
_GRADE_LETTER = {"特级": "T", "一级": "A", "二级": "B", "三级": "C", "甲级": "A", "乙级": "B"}

_REGISTRATION_TYPES = (
    ("有限责任公司（自然人投资或控股）", 0.55),
    ("有限责任公司（法人独资）", 0.15),
    ("其他有限责任公司", 0.12),
    ("有限责任公司（国有独资）", 0.06),
)
_JOINT_STOCK = "股份有限公司（非上市、自然人投资或控股）"

# Project owners (建设单位): (name, contract-number prefix, USCC prefix: 11 机关 / 12 事业单位 / 91 企业).
_CLIENTS = (
    ("珠海市住房和城乡建设局", "ZJJ", "11"),
    ("珠海市教育局", "ZJY", "11"),
    ("珠海市交通运输局", "ZJT", "11"),
    ("珠海市水务局", "ZSW", "11"),
    ("珠海市香洲区城市管理和综合执法局", "XZCG", "11"),
    ("珠海市斗门区住房和城乡建设局", "DMJ", "11"),
    ("珠海市金湾区教育局", "JWJY", "11"),
    ("珠海市政府投资建设工程管理中心", "ZDJ", "12"),
    ("珠海市人民医院", "ZRY", "12"),
    ("珠海市公路事务中心", "ZGL", "12"),
    ("珠海市交通集团有限公司", "ZJTJ", "91"),
    ("珠海水务环境控股集团有限公司", "ZSWH", "91"),
    ("珠海城市建设集团有限公司", "ZCJ", "91"),
    ("珠海华发实业股份有限公司", "HFSY", "91"),
    ("珠海格力地产有限公司", "GLDC", "91"),
    ("珠海大横琴集团有限公司", "DHQ", "91"),
    ("珠海港控股集团有限公司", "ZGKG", "91"),
    ("珠海市安居集团有限公司", "ZAJ", "91"),
)
_PROJECT_PLACES = ("香洲区", "斗门区", "金湾区", "横琴粤澳深度合作区", "高新区", "高栏港经济区")
_PROJECT_REGION = {
    "香洲区": "440402",
    "斗门区": "440403",
    "金湾区": "440404",
    "横琴粤澳深度合作区": "440402",
    "高新区": "440402",
    "高栏港经济区": "440404",
}
_ROADS = (
    "珠海大道",
    "情侣路",
    "九洲大道",
    "迎宾大道",
    "港珠澳大桥连接线",
    "金琴快线",
    "机场路",
    "前山河",
    "白石路",
    "湖心路",
    "珠峰大道",
    "南屏大道",
    "屏西路",
    "新月路",
    "明珠路",
)
# (project-name pattern, amount range in 万元, has building area?) by profile.
_PROJECTS: dict[str, tuple[tuple[str, tuple[int, int], bool], ...]] = {
    "building": (
        ("{place}{n}号地块保障性住房新建工程（施工总承包）", (8_000, 60_000), True),
        ("珠海市{place}第{n}中学新建工程", (6_000, 30_000), True),
        ("{place}人民医院住院综合楼建设项目", (12_000, 80_000), True),
        ("{place}智能制造产业园{n}期厂房工程", (5_000, 40_000), True),
    ),
    "municipal": (
        ("{road}（{place}段）市政道路改造工程", (2_000, 40_000), False),
        ("{place}{road}雨污分流管网工程", (800, 15_000), False),
        ("{road}跨线桥新建工程", (3_000, 50_000), False),
        ("{place}老旧小区微改造工程（第{n}批）", (500, 6_000), False),
    ),
    "water": (
        ("{place}海堤加固达标工程", (3_000, 30_000), False),
        ("{road}流域河道综合整治工程", (1_500, 20_000), False),
        ("{place}再生水厂扩建工程", (4_000, 35_000), False),
    ),
    "decoration": (
        ("{place}政务服务中心室内装修工程", (300, 5_000), True),
        ("{place}第{n}小学外立面及幕墙工程", (400, 6_000), True),
    ),
    "mep": (
        ("{place}人民医院机电安装工程", (1_000, 12_000), True),
        ("{place}轨道交通站点智能化工程", (800, 9_000), False),
        ("{place}会展中心消防设施工程", (300, 4_000), True),
    ),
}

# Award issuers and what each of them awards: (award name, certificate prefix).
_AWARDS: dict[str, tuple[str, float, tuple[tuple[str, str], ...]]] = {
    "award-national": (
        "国家级",
        0.10,
        (
            ("中国建设工程鲁班奖（国家优质工程）", "LB"),
            ("全国建筑业绿色施工示范工程", "LS"),
            ("全国建设工程项目施工安全生产标准化工地", "AQ"),
        ),
    ),
    "award-provincial": (
        "省级",
        0.35,
        (
            ("广东省建设工程优质奖", "GDYZ"),
            ("广东省建设工程金匠奖", "GDJJ"),
            ("广东省房屋市政工程安全生产文明施工示范工地", "GDAW"),
            ("广东省建筑业新技术应用示范工程", "GDXJ"),
        ),
    ),
    "award-municipal": (
        "市级",
        0.55,
        (
            ("珠海市建设工程优质奖", "ZHYZ"),
            ("珠海市优质结构工程奖", "ZHJG"),
            ("珠海市安全文明施工示范工地", "ZHAW"),
        ),
    ),
}

# Deciding bodies of credit records and the abbreviation in their document numbers.
_BODIES = {
    "housing": ("珠海市住房和城乡建设局", "珠建"),
    "hr": ("珠海市人力资源和社会保障局", "珠人社"),
    "tax": ("国家税务总局珠海市税务局", "珠税"),
    "market": ("珠海市市场监督管理局", "珠市监"),
    "env": ("珠海市生态环境局", "珠环"),
    "safety": ("珠海市应急管理局", "珠应急"),
    "trading": ("珠海市公共资源交易中心", "珠交易"),
    "credit": ("珠海市发展和改革局", "珠发改"),
}
# (record type, decision, deciding body, document word, months published: choices).
_CREDIT_DECISIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "bad": (
        ("施工现场扬尘污染防治措施落实不到位，记不良行为一次", "housing", "罚"),
        ("项目经理未按规定到岗履职，记不良行为一次", "housing", "罚"),
        ("违法分包工程，责令改正并处罚款{amount}万元", "housing", "罚"),
        ("未按规定办理工程质量监督手续擅自施工，责令改正", "housing", "罚"),
        ("投标文件提供虚假业绩材料，记不良行为一次", "trading", "罚"),
        ("无正当理由放弃中标资格，记不良行为一次", "trading", "罚"),
        ("拖欠农民工工资，经责令限期改正", "hr", "监"),
        ("安全生产管理不到位，发生一般生产安全事故，处罚款{amount}万元", "safety", "罚"),
        ("施工噪声超标排放，处罚款{amount}万元", "env", "罚"),
        ("逾期申报纳税，责令限期改正", "tax", "罚"),
    ),
    "good": (
        ("获评{year}年度珠海市建筑业优秀企业", "housing", "通"),
        ("{year}年度守合同重信用企业", "market", "通"),
        ("纳税信用A级纳税人（{year}年度）", "tax", "告"),
        ("承建项目获评珠海市安全生产文明施工示范工地", "housing", "通"),
        ("按时足额支付农民工工资，获评劳动保障守法诚信企业", "hr", "通"),
    ),
    "redlist": (
        ("列入珠海市建筑市场信用红名单（AAA级）", "housing", "信"),
        ("列入{year}年度纳税信用A级红名单", "tax", "信"),
        ("列入劳动保障守法诚信红名单", "hr", "信"),
    ),
    "blacklist": (
        ("列入拖欠农民工工资失信联合惩戒对象名单", "hr", "信"),
        ("因串通投标列入建筑市场主体黑名单", "housing", "信"),
        ("列入严重违法失信主体名单（黑名单）", "market", "信"),
    ),
    "joint-punishment": (
        ("重大税收违法失信主体，实施联合惩戒", "tax", "信"),
        ("拒不履行生效判决，列入失信被执行人名单，实施联合惩戒", "credit", "信"),
    ),
}
_PUBLISHED_MONTHS = {
    "bad": (6, 12, 24),
    "good": (12, 24),
    "redlist": (12, 36),
    "blacklist": (36,),
    "joint-punishment": (36,),
}


# ---------------------------------------------------------------------- the dataset


@dataclass(frozen=True)
class SyntheticIssuer:
    """An issuing body with its own key and the credential kinds it is authorised for."""

    slug: str
    name: str
    role: str
    kinds: tuple[Kind, ...]
    account: LocalAccount = field(repr=False)

    @property
    def address(self) -> str:
        return str(self.account.address)


@dataclass(frozen=True)
class SyntheticFirm:
    """A construction firm: its USCC, registration details and its own signing key's address."""

    uscc: str
    name: str
    legal_representative: str
    registered_address: str
    registration_type: str
    established: date
    profile: str
    signing_address: str


@dataclass(frozen=True)
class IssuedCredential:
    """A sealed credential and the slug of the issuer that anchors it."""

    issuer: str
    sealed: SealedCredential

    @property
    def kind(self) -> Kind:
        return self.sealed.document.kind


@dataclass(frozen=True)
class Dataset:
    """The whole synthetic deployment: issuers, firms, identity and other credentials."""

    seed: int
    scale: float
    as_of: date
    issuers: tuple[SyntheticIssuer, ...]
    firms: tuple[SyntheticFirm, ...]
    identities: tuple[IssuedCredential, ...]
    credentials: tuple[IssuedCredential, ...]

    def issuer(self, slug: str) -> SyntheticIssuer:
        for issuer in self.issuers:
            if issuer.slug == slug:
                return issuer
        raise KeyError(slug)

    def counts(self) -> dict[Kind, int]:
        """Credentials per kind, identity excluded (compare with `REFERENCE_COUNTS`)."""
        out: dict[Kind, int] = {}
        for item in self.credentials:
            out[item.kind] = out.get(item.kind, 0) + 1
        return dict(sorted(out.items()))

    def batches(
        self, max_batch: int, *, identities: bool = False
    ) -> Iterator[tuple[SyntheticIssuer, Kind, list[SealedCredential]]]:
        """(issuer, kind, credentials) in batches of at most `max_batch`, per issuer and kind."""
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        items = self.identities if identities else self.credentials
        groups: dict[tuple[str, Kind], list[SealedCredential]] = {}
        for item in items:
            groups.setdefault((item.issuer, item.kind), []).append(item.sealed)
        for (slug, kind), sealed in groups.items():
            for start in range(0, len(sealed), max_batch):
                yield self.issuer(slug), kind, sealed[start : start + max_batch]


def scaled_counts(scale: float) -> dict[Kind, int]:
    """The reference counts times `scale`, at least one of each kind."""
    return {kind: max(1, round(n * scale)) for kind, n in REFERENCE_COUNTS.items()}


def derived_account(seed: int, label: str) -> LocalAccount:
    """A key derived from the seed and a label: reproducible, and therefore public."""
    account: LocalAccount = Account.from_key(keccak(f"tender-ledger synthetic {seed} {label}".encode()))
    return account


def generate(
    *, seed: int = DEFAULT_SEED, scale: float = 1.0, as_of: date = DEFAULT_AS_OF
) -> Dataset:
    """The dataset for `seed`, with every count multiplied by `scale` (1.0: the reference)."""
    if not 0 < scale <= 100:
        raise ValueError(f"scale must be in (0, 100], got {scale}")
    builder = _Builder(random.Random(seed), seed, as_of)
    issuers = _issuers(seed)
    firms = builder.firms(max(3, round(REFERENCE_FIRMS * scale)))
    counts = scaled_counts(scale)
    by_slug = {i.slug: i for i in issuers}
    identities = tuple(
        IssuedCredential(
            "market-regulator", builder.seal(builder.identity(by_slug["market-regulator"], f))
        )
        for f in firms
    )
    credentials: list[IssuedCredential] = []
    housing = by_slug["housing"]
    for firm in builder.spread(firms, counts[Kind.QUALIFICATION], minimum=1):
        credentials.append(
            IssuedCredential("housing", builder.seal(builder.qualification(housing, firm)))
        )
    for firm in builder.spread(firms, counts[Kind.PERFORMANCE]):
        credentials.append(
            IssuedCredential("housing", builder.seal(builder.performance(housing, firm)))
        )
    for firm in builder.spread(firms, counts[Kind.AWARD]):
        slug = builder.award_body()
        credentials.append(IssuedCredential(slug, builder.seal(builder.award(by_slug[slug], firm))))
    credit = by_slug["credit"]
    for firm in builder.spread(firms, counts[Kind.CREDIT]):
        credentials.append(IssuedCredential("credit", builder.seal(builder.credit(credit, firm))))
    return Dataset(
        seed=seed,
        scale=scale,
        as_of=as_of,
        issuers=issuers,
        firms=tuple(firms),
        identities=identities,
        credentials=tuple(credentials),
    )


def new_documents(
    dataset: Dataset, kind: Kind, count: int, *, issuer: str | None = None, seed: int = 1
) -> list[Document]:
    """`count` further documents of `kind` about the dataset's firms, not part of the dataset."""
    slug = issuer or _DEFAULT_ISSUER[kind]
    builder = _Builder(
        random.Random(f"{dataset.seed}/{kind.name}/{seed}"), dataset.seed, dataset.as_of
    )
    builder.adopt(dataset.firms)
    chosen = dataset.issuer(slug)
    make = {
        Kind.IDENTITY: builder.identity,
        Kind.QUALIFICATION: builder.qualification,
        Kind.PERFORMANCE: builder.performance,
        Kind.AWARD: builder.award,
        Kind.CREDIT: builder.credit,
    }.get(kind)
    if make is None:
        raise ValueError(f"the synthetic dataset has no {kind.name} documents")
    return [make(chosen, firm) for firm in builder.spread(list(dataset.firms), count)]


_DEFAULT_ISSUER = {
    Kind.IDENTITY: "market-regulator",
    Kind.QUALIFICATION: "housing",
    Kind.PERFORMANCE: "housing",
    Kind.AWARD: "award-municipal",
    Kind.CREDIT: "credit",
}


def _issuers(seed: int) -> tuple[SyntheticIssuer, ...]:
    table = (
        ("market-regulator", "珠海市市场监督管理局", "market regulator", (Kind.IDENTITY,)),
        (
            "housing",
            "珠海市住房和城乡建设局",
            "housing & construction department",
            (Kind.QUALIFICATION, Kind.PERSONNEL, Kind.PERFORMANCE),
        ),
        ("credit", "珠海市发展和改革局（信用珠海）", "credit authority", (Kind.CREDIT,)),
        ("award-national", "中国建筑业协会", "award body (national)", (Kind.AWARD,)),
        ("award-provincial", "广东省建筑业协会", "award body (provincial)", (Kind.AWARD,)),
        ("award-municipal", "珠海市建筑业协会", "award body (municipal)", (Kind.AWARD,)),
    )
    return tuple(
        SyntheticIssuer(slug, name, role, kinds, derived_account(seed, f"issuer {slug}"))
        for slug, name, role, kinds in table
    )


# ---------------------------------------------------------------------- building documents


@dataclass
class _FirmState:
    """What has been issued to a firm so far, so later documents stay consistent with it."""

    firm: SyntheticFirm
    weight: float
    blacklisted: bool
    specialties: list[str] = field(default_factory=list)
    certificates: dict[str, str] = field(default_factory=dict)  # level/series → certificate no.
    projects: list[str] = field(default_factory=list)  # PRJNUM of its performance records
    completions: dict[str, date] = field(default_factory=dict)
    managers: list[str] = field(default_factory=list)


class _Builder:
    def __init__(self, rng: random.Random, seed: int, as_of: date) -> None:
        self.rng = rng
        self.seed = seed
        self.as_of = as_of
        self.window_start = (
            date(as_of.year, 1, 1) if as_of.month >= 7 else as_of - timedelta(days=212)
        )
        self.state: dict[str, _FirmState] = {}
        self.used: set[str] = set()
        self.serial = 0
        self.clients = [
            (name, prefix, _org_uscc(rng, kind, "440400")) for name, prefix, kind in _CLIENTS
        ]

    # -------------------------------------------------------------- helpers

    def unique(self, make: Any) -> str:
        for _ in range(1000):
            value = str(make())
            if value not in self.used:
                self.used.add(value)
                return value
        raise RuntimeError("could not draw a unique value")  # pragma: no cover

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def day_between(self, start: date, end: date) -> date:
        span = (end - start).days
        return start + timedelta(days=self.rng.randrange(max(span, 0) + 1))

    def instant(self, day: date) -> str:
        """A Beijing office-hours time on `day`, ISO 8601 with its offset."""
        moment = datetime.combine(
            day, time(self.rng.randrange(9, 18), self.rng.randrange(60)), BEIJING
        )
        return moment.isoformat()

    def issued_at(self, valid_from: date) -> str:
        return self.instant(self.day_between(max(valid_from, self.window_start), self.as_of))

    def seal(self, document: Document) -> SealedCredential:
        return SealedCredential.seal(document, self.rng.randbytes(32))

    def person(self) -> str:
        return person_name(self.rng)

    def spread(
        self,
        firms: list[SyntheticFirm] | tuple[SyntheticFirm, ...],
        count: int,
        *,
        minimum: int = 0,
    ) -> list[SyntheticFirm]:
        """`count` firms drawn by weight (large firms hold more), each at least `minimum` times."""
        firms = list(firms)
        base = [f for f in firms for _ in range(minimum)][:count]
        weights = [self.state[f.uscc].weight for f in firms]
        rest = self.rng.choices(firms, weights=weights, k=count - len(base))
        order = base + rest
        self.rng.shuffle(order)
        return order

    def adopt(self, firms: tuple[SyntheticFirm, ...]) -> None:
        for firm in firms:
            self.state[firm.uscc] = _FirmState(firm, self.rng.paretovariate(1.6), False)

    # -------------------------------------------------------------- firms

    def firms(self, count: int) -> list[SyntheticFirm]:
        rng = self.rng
        out = []
        profiles = list(_PROFILES)
        shares = [_PROFILES[p][2] for p in profiles]
        for index in range(count):
            prefix, region, _ = rng.choices(_HOMES, weights=[h[2] for h in _HOMES])[0]
            profile = rng.choices(profiles, weights=shares)[0]
            words = _PROFILES[profile][0]

            def name(prefix: str = prefix, words: tuple[str, ...] = words) -> str:
                shop = "".join(rng.sample(_SHOP_NAME, 2))
                word = rng.choice(words)
                form = "有限公司" if "集团" in word or rng.random() < 0.85 else "股份有限公司"
                return f"{prefix}{shop}{word}{form}"

            firm_name = self.unique(name)
            uscc = self.unique(lambda region=region: generate_uscc(rng, region))
            if firm_name.endswith("股份有限公司"):
                registration = _JOINT_STOCK
            else:
                registration = rng.choices(
                    [r[0] for r in _REGISTRATION_TYPES], weights=[r[1] for r in _REGISTRATION_TYPES]
                )[0]
            district, roads = _DISTRICT_OF[region]
            address = f"{district}{rng.choice(roads)}{rng.randrange(1, 3000)}号"
            if rng.random() < 0.6:
                address += f"{rng.randrange(2, 30)}楼{rng.randrange(1, 20):02d}室"
            firm = SyntheticFirm(
                uscc=uscc,
                name=firm_name,
                legal_representative=self.person(),
                registered_address=address,
                registration_type=registration,
                established=self.day_between(date(1993, 1, 1), self.as_of - timedelta(days=400)),
                profile=profile,
                signing_address=derived_account(self.seed, f"firm {index}").address,
            )
            self.state[uscc] = _FirmState(firm, rng.paretovariate(1.6), rng.random() < 0.03)
            out.append(firm)
        return out

    # -------------------------------------------------------------- kinds

    def _envelope(
        self,
        kind: Kind,
        issuer: SyntheticIssuer,
        firm: SyntheticFirm,
        start: date,
        until: date | None,
    ) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "kind": int(kind),
            "issuer": issuer.address,
            "subject": firm.uscc,
            "validFrom": datetime.combine(start, time(0), BEIJING).isoformat(),
            "issued_at": self.issued_at(start),
        }
        if until is not None:
            doc["validUntil"] = datetime.combine(until, time(0), BEIJING).isoformat()
        return doc

    def identity(self, issuer: SyntheticIssuer, firm: SyntheticFirm) -> Document:
        # 营业期限: most firms register 长期 (no end); the others for 20 or 30 years.
        until = None
        if self.rng.random() < 0.2:
            years = self.rng.choice((20, 30))
            until = _add_months(firm.established, 12 * years)
            if until <= self.as_of:
                until = None
        doc = self._envelope(Kind.IDENTITY, issuer, firm, firm.established, until)
        doc.update(
            firm_name=firm.name,
            legal_representative=firm.legal_representative,
            registered_address=firm.registered_address,
            registration_type=firm.registration_type,
            signing_address=firm.signing_address,
        )
        return parse_document(doc)

    def qualification(self, issuer: SyntheticIssuer, firm: SyntheticFirm) -> Document:
        rng = self.rng
        state = self.state[firm.uscc]
        specialties = _PROFILES[firm.profile][1]
        unused = [s for s in specialties if s[0] not in state.specialties]
        if rng.random() < 0.08 or not unused:
            design, code = rng.choice(_DESIGN)
            grade = rng.choice(("甲级", "乙级"))
            name = f"{design}{grade}"
            if name in state.specialties:
                name = f"{design}{'乙级' if grade == '甲级' else '甲级'}"
                grade = name[-2:]
            series, category, apt_code = "A", "工程设计资质", f"A{code}{_GRADE_LETTER[grade]}"
            state.specialties.append(name)
        else:
            specialty, code, general = unused[0] if not state.specialties else rng.choice(unused)
            if general:
                grade = rng.choices(("特级", "一级", "二级", "三级"), weights=(2, 25, 45, 28))[0]
                name = f"{specialty}施工总承包{grade}"
            else:
                grade = rng.choices(("一级", "二级", "三级"), weights=(30, 45, 25))[0]
                name = f"{specialty}专业承包{grade}"
            series, category = "D", "建筑业企业资质"
            apt_code = f"D{1 if general else 2}{code}{_GRADE_LETTER[grade]}"
            state.specialties.append(specialty)
        level = _GRADE_LEVEL[grade]
        key = f"{series}{level}"
        if key not in state.certificates:
            state.certificates[key] = self.unique(
                lambda: f"{series}{level}44{rng.randrange(10**6):06d}"
            )
        issue = self.day_between(
            self.as_of - timedelta(days=4 * 365), self.as_of - timedelta(days=20)
        )
        expiry = _add_months(issue, 60) - timedelta(days=1)
        doc = self._envelope(Kind.QUALIFICATION, issuer, firm, issue, expiry + timedelta(days=1))
        doc.update(
            APT_CERTNO=state.certificates[key],
            APT_NAME=name,
            APT_TYPE_NAME=category,
            APT_CODE=apt_code,
            grade=grade,
            issue_date=issue.isoformat(),
            APT_EDATE=expiry.isoformat(),
            APT_GRANT_UNIT=_GRANT_UNIT[level],
            status="有效",
        )
        return parse_document(doc)

    def performance(self, issuer: SyntheticIssuer, firm: SyntheticFirm) -> Document:
        rng = self.rng
        state = self.state[firm.uscc]
        pattern, (low, high), has_area = rng.choice(_PROJECTS[firm.profile])
        place = rng.choice(_PROJECT_PLACES)
        completed = self.day_between(date(2018, 1, 1), self.as_of - timedelta(days=10))
        started = completed - timedelta(days=rng.randrange(240, 1100))
        region = _PROJECT_REGION[place]
        prjnum = self.unique(
            lambda: f"{region}{started:%y%m}{rng.randrange(1, 4):02d}{rng.randrange(10_000):04d}"
        )
        client_name, client_prefix, client_uscc = rng.choice(self.clients)
        amount = round(low * (high / low) ** rng.random(), 2)
        if not state.managers or (len(state.managers) < 6 and rng.random() < 0.4):
            state.managers.append(
                self.unique(lambda: f"粤144{rng.randrange(2008, 2024)}{rng.randrange(10**9):09d}")
            )
        doc = self._envelope(Kind.PERFORMANCE, issuer, firm, completed, None)
        doc.update(
            PRJNUM=prjnum,
            project_name=pattern.format(
                place=place, road=rng.choice(_ROADS), n=rng.randrange(1, 30)
            ),
            client_name=client_name,
            client_uscc=client_uscc,
            contract_no=f"{client_prefix}-SG-{started.year}-{self.next_serial():04d}",
            contract_amount_wan=f"{amount:.2f}",
            EDATE=completed.isoformat(),
            REG_CERTNO=rng.choice(state.managers),
        )
        if rng.random() < 0.85:
            doc["TENDERNUM"] = f"ZB{region}{started.year}{self.next_serial():05d}"
        if has_area:
            doc["building_area_m2"] = f"{amount * rng.uniform(2.5, 6.0):.2f}"
        if rng.random() < 0.5:
            doc["investment_wan"] = f"{amount * rng.uniform(1.05, 1.5):.2f}"
        state.projects.append(prjnum)
        state.completions[prjnum] = completed
        return parse_document(doc)

    def award_body(self) -> str:
        slugs = list(_AWARDS)
        return self.rng.choices(slugs, weights=[_AWARDS[s][1] for s in slugs])[0]

    def award(self, issuer: SyntheticIssuer, firm: SyntheticFirm) -> Document:
        rng = self.rng
        state = self.state[firm.uscc]
        level, _, awards = _AWARDS[issuer.slug]
        award_name, prefix = rng.choice(awards)
        project = rng.choice(state.projects) if state.projects and rng.random() < 0.7 else None
        if project is not None:
            earliest = state.completions[project] + timedelta(days=30)
            awarded = self.day_between(
                min(earliest, self.as_of), min(earliest + timedelta(days=400), self.as_of)
            )
        else:
            awarded = self.day_between(date(2019, 1, 1), self.as_of - timedelta(days=5))
        doc = self._envelope(Kind.AWARD, issuer, firm, awarded, None)
        doc.update(
            award_name=award_name,
            level=level,
            issuing_body=issuer.name,
            certificate_no=self.unique(
                lambda: f"{prefix}{awarded.year}-{rng.randrange(1, 10_000):04d}"
            ),
            award_date=awarded.isoformat(),
        )
        if project is not None:
            doc["PRJNUM"] = project
        return parse_document(doc)

    def credit(self, issuer: SyntheticIssuer, firm: SyntheticFirm) -> Document:
        rng = self.rng
        state = self.state[firm.uscc]
        if state.blacklisted and rng.random() < 0.5:
            record_type = rng.choice(("blacklist", "joint-punishment"))
        else:
            record_type = rng.choices(("good", "bad", "redlist"), weights=(50, 39, 11))[0]
        text, body_key, word = rng.choice(_CREDIT_DECISIONS[record_type])
        body, abbreviation = _BODIES[body_key]
        listed = self.day_between(self.window_start, self.as_of)
        months = rng.choice(_PUBLISHED_MONTHS[record_type])
        published_until = _add_months(listed, months)
        removed = None
        if record_type == "bad" and rng.random() < 0.08:
            # 信用修复: the record is taken down early after the firm put things right.
            removed = self.day_between(
                listed + timedelta(days=30), published_until - timedelta(days=1)
            )
            if removed > self.as_of:
                removed = None
        end = removed or published_until + timedelta(days=1)
        doc = self._envelope(Kind.CREDIT, issuer, firm, listed, end)
        doc.update(
            record_no=self.unique(lambda: f"XY{listed.year}{rng.randrange(10**6):06d}"),
            record_type=record_type,
            decision=text.format(year=listed.year - 1, amount=rng.choice((1, 2, 3, 5, 10, 20))),
            deciding_body=body,
            decision_document_no=f"{abbreviation}{word}〔{listed.year}〕{rng.randrange(1, 400)}号",
            listed_date=listed.isoformat(),
            publication_until=published_until.isoformat(),
        )
        if removed is not None:
            doc["removal_date"] = removed.isoformat()
        return parse_document(doc)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _org_uscc(rng: random.Random, kind: str, region: str) -> str:
    """A USCC of registering authority/entity type `kind` (11 机关, 12 事业单位, 91 企业)."""
    code = generate_uscc(rng, region)
    first17 = kind + code[2:17]
    return first17 + uscc_check_digit(first17)
