"""Townships and the district through the command line: two installations (two databases, two
SIQIANG_DATA_DIR folders, so two signing keys), packages up, 受理, receipts down."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from cli_helpers import cli
from workbooks import (
    APPLICATION_HEADERS,
    application_row,
    code,
    enterprise_row,
    list_row,
    write_enterprises,
    write_list,
    write_records,
)

from desktop.storage.database import content_hash

TOWN = "辛店街道"
CITY_DOC = "淄政办字〔2021〕7号"


@dataclass
class Office:
    """One installation: its database and its data folder (where its key lives)."""

    capsys: pytest.CaptureFixture
    monkeypatch: pytest.MonkeyPatch
    db: Path
    data: Path

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setenv("SIQIANG_DATA_DIR", str(self.data))
        return cli(self.capsys, self.db, *args)

    def ok(self, *args: str) -> str:
        code_, out, err = self(*args)
        assert code_ == 0, err
        return out

    def refused(self, *args: str) -> str:
        code_, out, err = self(*args)
        assert code_ == 1, out
        assert err.startswith("错误：") and "Traceback" not in err
        return err

    def state(self) -> str:
        conn = sqlite3.connect(str(self.db))
        try:
            return content_hash(conn)
        finally:
            conn.close()

    def json(self, *args: str):
        return json.loads(self.ok(*args, "--json"))

    @property
    def public_key_file(self) -> Path:
        return self.data / "keys" / "installation-ed25519.pub"


@pytest.fixture(scope="session")
def offices_template(tmp_path_factory) -> Path:
    """Built once: the district knows three enterprises and the 2024 四强 list; the town
    (辛店街道) has the same enterprises and three matters, and is registered at the district."""
    import os

    from desktop.cli import run

    folder = tmp_path_factory.mktemp("offices")

    def at(office: str, *args: str) -> None:
        os.environ["SIQIANG_DATA_DIR"] = str(folder / f"{office}-data")
        assert run(["--db", str(folder / f"{office}.db"), *args]) == 0

    saved = os.environ.get("SIQIANG_DATA_DIR")
    try:
        enterprises = write_enterprises(
            folder / "ent.xlsx", [enterprise_row(i, 所属镇街=TOWN) for i in range(3)]
        )
        at("district", "init")
        at("district", "import", "enterprises", str(enterprises))
        lists = write_list(folder / "list.xlsx", [list_row(i) for i in range(3)])
        at("district", "import", "siqiang-list", str(lists), "--year", "2024")
        at("town", "init", "--township", TOWN)
        at("town", "import", "enterprises", str(enterprises))
        apps = write_records(
            folder / "apps.xlsx",
            APPLICATION_HEADERS,
            [application_row(0), application_row(1), application_row(2)],
        )
        at("town", "import", "applications", str(apps))
        key = folder / "town-data" / "keys" / "installation-ed25519.pub"
        at("district", "township", "register", TOWN, "--key", str(key))
    finally:
        if saved is not None:
            os.environ["SIQIANG_DATA_DIR"] = saved
    return folder


@pytest.fixture
def offices(offices_template, tmp_path, capsys, monkeypatch):
    """(district, town), a private copy of :func:`offices_template`."""
    import shutil

    folder = tmp_path / "offices"
    shutil.copytree(offices_template, folder)
    district = Office(capsys, monkeypatch, folder / "district.db", folder / "district-data")
    town = Office(capsys, monkeypatch, folder / "town.db", folder / "town-data")
    return district, town


def _package(town: Office, path: Path) -> Path:
    town.ok("package", "export", "--out", str(path))
    return path


def _items(district: Office) -> list[dict]:
    return district.json("intake", "list")


def test_a_township_database_calculates_but_never_approves_or_pays(offices):
    _district, town = offices
    assert "计算完成" in town.ok("calculate", "--year", "2024")
    award = town.json("list", "awards", "--year", "2024")[0]["编号"]
    for args in (
        ("approve", "--year", "2024", "--all"),
        ("reject", str(award), "--reason", "x"),
        ("revoke", str(award), "--reason", "x"),
        ("pay", str(award)),
        ("city", "import", "nothing.xlsx"),
        ("package", "import", "nothing.sqpkg"),
        ("receipt", "export", "--township", TOWN, "--out", "x.sqrcpt"),
    ):
        assert "镇街数据库" in town.refused(*args)
    assert {a["状态"] for a in town.json("list", "awards", "--year", "2024")} == {"草稿"}


def test_init_township_names_a_town_of_the_towns_table(tmp_path, capsys, monkeypatch):
    office = Office(capsys, monkeypatch, tmp_path / "t.db", tmp_path / "data")
    assert "不在镇街表中" in office.refused("init", "--township", "不存在镇")
    out = office.ok("init", "--township", "齐都镇")
    assert "齐都镇的镇街数据库" in out and "township register 齐都镇 --key" in out
    assert "已是齐都镇" in office.ok("init", "--township", "齐都镇")
    assert "不能改为" in office.refused("init", "--township", TOWN)


def test_a_district_with_decisions_cannot_become_a_township(demo, tmp_path, capsys, monkeypatch):
    office = Office(capsys, monkeypatch, demo, tmp_path / "data")
    assert "区级数据库" in office.refused("init", "--township", TOWN)


def test_registration_shows_the_fingerprint_the_town_reads_out(offices, tmp_path):
    district, town = offices
    shown = town.ok("keys", "show").splitlines()[-1].split("：")[-1]
    out = district.ok("township", "register", TOWN, "--key", str(town.public_key_file))
    assert "未作改动" in out and shown in out
    assert "本机自己的公钥" in district.refused(
        "township", "register", TOWN, "--key", str(district.public_key_file)
    )
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key\n", encoding="utf-8")
    assert "公钥格式不正确" in district.refused("township", "register", TOWN, "--key", str(bad))


def test_a_package_of_matters_lands_in_intake_and_nowhere_else(offices, tmp_path):
    district, town = offices
    out = district.ok("package", "import", str(_package(town, tmp_path / "p1.sqpkg")))
    assert "第1号上报包" in out and "新事项3个" in out
    items = _items(district)
    assert [(i["类别"], i["状态"], i["镇街"], i["上报包序号"]) for i in items] == [
        ("事项", "待受理", TOWN, 1)
    ] * 3
    assert [i["基数金额（元）"] for i in items] == ["1000000.00", "1000001.00", "1000002.00"]
    assert items[0]["统一社会信用代码"] == code(0)
    assert district.json("list", "awards", "--year", "2024") == []
    assert "没有新录入或修改" in town.refused(
        "package", "export", "--out", str(tmp_path / "p2.sqpkg")
    )


def test_the_same_package_twice_changes_nothing(offices, tmp_path):
    district, town = offices
    package = _package(town, tmp_path / "p1.sqpkg")
    district.ok("package", "import", str(package))
    before = district.state()
    assert "导入过，本次未作任何改动" in district.ok("package", "import", str(package))
    assert district.state() == before and len(_items(district)) == 3


@pytest.mark.parametrize("where", ["start", "middle", "signature", "end"])
def test_a_flipped_byte_is_refused_and_nothing_written(offices, tmp_path, where):
    district, town = offices
    raw = bytearray(_package(town, tmp_path / "p1.sqpkg").read_bytes())
    at = {"start": 12, "middle": len(raw) // 2, "end": len(raw) - 3}.get(where)
    if at is None:  # inside the signature member's data
        at = raw.index(b'"signature": "') + 20
    raw[at] ^= 0x01
    bad = tmp_path / "bad.sqpkg"
    bad.write_bytes(bytes(raw))
    before = district.state()
    err = district.refused("package", "import", str(bad))
    assert "上报包被拒绝" in err and "未导入任何内容" in err
    assert district.state() == before


def test_every_flipped_byte_of_a_container_is_found():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desktop.core import exchange, signatures
    from desktop.core.errors import ValidationError

    key = Ed25519PrivateKey.generate()
    public = signatures.public_hex(key)
    raw = exchange.build(
        exchange.PACKAGE_FORMAT,
        {"town": TOWN, "sequence": 1},
        {"matters": [{"id": 1, "basis_fen": 100}]},
        lambda payload: signatures.sign(key, payload),
        public,
    )
    exchange.open_file(raw, exchange.PACKAGE_FORMAT, "p").verify(public, TOWN)
    accepted = []
    for i in range(len(raw)):
        flipped = bytearray(raw)
        flipped[i] ^= 0x40
        try:
            exchange.open_file(bytes(flipped), exchange.PACKAGE_FORMAT, "p").verify(public, TOWN)
        except ValidationError:
            continue
        accepted.append(i)
    assert accepted == []


def test_an_unregistered_town_is_refused(offices, tmp_path, capsys, monkeypatch):
    district, _town = offices
    other = Office(capsys, monkeypatch, tmp_path / "qidu.db", tmp_path / "qidu-data")
    other.ok("init", "--township", "齐都镇")
    other.ok(
        "import",
        "enterprises",
        str(write_enterprises(tmp_path / "e.xlsx", [enterprise_row(7, 所属镇街="齐都镇")])),
    )
    package = _package(other, tmp_path / "q.sqpkg")
    before = district.state()
    err = district.refused("package", "import", str(package))
    assert "齐都镇尚未在本机登记公钥" in err
    assert district.state() == before


def test_a_package_not_signed_by_the_registered_key_is_refused(offices, tmp_path):
    district, town = offices
    package = _package(town, tmp_path / "p1.sqpkg")
    town.data = town.data.parent / "another-pc"  # the same town database on a second PC
    town.ok("keys", "show")
    district.ok("township", "register", TOWN, "--key", str(town.public_key_file))
    town.data = town.data.parent / "town-data"
    err = district.refused("package", "import", str(package))
    assert "与本机为辛店街道登记的公钥" in err and "不符" in err


def test_a_sequence_gap_is_refused_until_the_missing_package_is_sent_again(offices, tmp_path):
    district, town = offices
    first = _package(town, tmp_path / "p1.sqpkg")
    town.ok("application", "edit", "1", "--basis", "1200000")
    second = _package(town, tmp_path / "p2.sqpkg")
    before = district.state()
    err = district.refused("package", "import", str(second))
    assert "序号不连续" in err and "缺少第1号" in err
    assert district.state() == before
    first.unlink()  # the USB stick was lost: the town sends package 1 again, byte for byte
    again = tmp_path / "p1-again.sqpkg"
    assert "已重新导出" in town.ok("package", "export", "--resend", "1", "--out", str(again))
    district.ok("package", "import", str(again))
    district.ok("package", "import", str(second))
    assert "序号相同但内容不同" in district.refused(
        "package", "import", str(_forged_replay(town, tmp_path))
    )


def _forged_replay(town: Office, tmp_path: Path) -> Path:
    """Package 1 exported again from a copy of the town database as it was before (same number,
    different content: what a replay of an old state looks like)."""
    import shutil

    copy = tmp_path / "old-town.db"
    shutil.copyfile(town.db, copy)
    conn = sqlite3.connect(str(copy))
    conn.execute("DELETE FROM office_files")
    conn.execute("DELETE FROM township_sync")
    conn.execute("UPDATE applications SET description = '改过的说明'")
    conn.commit()
    conn.close()
    old = Office(town.capsys, town.monkeypatch, copy, town.data)
    return _package(old, tmp_path / "forged.sqpkg")


def test_accept_makes_a_district_matter_that_records_town_and_package(offices, tmp_path):
    district, town = offices
    district.ok("package", "import", str(_package(town, tmp_path / "p1.sqpkg")))
    ids = [i["编号"] for i in _items(district)]
    out = district.ok("intake", "accept", str(ids[0]), str(ids[2]))
    assert "已受理为区级事项" in out
    assert "退回" in district.ok("intake", "return", str(ids[1]), "--reason", "缺少到账凭证")
    states = {i["编号"]: (i["状态"], i["理由"]) for i in _items(district)}
    assert states == {
        ids[0]: ("已受理", ""),
        ids[1]: ("已退回", "缺少到账凭证"),
        ids[2]: ("已受理", ""),
    }
    conn = sqlite3.connect(str(district.db))
    rows = conn.execute(
        "SELECT ap.source, t.name, f.sequence, ap.origin_matter_id, ap.basis_fen FROM applications ap"
        " JOIN towns t ON t.id = ap.origin_town_id JOIN office_files f ON f.id = ap.origin_package_id"
        " ORDER BY ap.id"
    ).fetchall()
    conn.close()
    assert rows == [("镇街上报", TOWN, 1, 1, 100000000), ("镇街上报", TOWN, 1, 3, 100000200)]
    district.ok("calculate", "--year", "2024")
    amounts = [a["核定金额（元）"] for a in district.json("list", "awards", "--year", "2024")]
    assert amounts == ["300000.00", "300000.60"]
    assert "只有待受理的" in district.refused("intake", "accept", str(ids[1]))
    assert "必须填写理由" in district.refused("intake", "return", str(ids[0]), "--reason", " ")


def test_a_matter_changed_after_acceptance_arrives_for_review_not_as_an_overwrite(
    offices, tmp_path
):
    district, town = offices
    district.ok("package", "import", str(_package(town, tmp_path / "p1.sqpkg")))
    first = _items(district)[0]["编号"]
    district.ok("intake", "accept", str(first))
    district.ok("calculate", "--year", "2024")
    district.ok("approve", "--year", "2024", "--all")
    town.ok("application", "edit", "1", "--basis", "1200000")
    out = district.ok("package", "import", str(_package(town, tmp_path / "p2.sqpkg")))
    assert "事项变更1个" in out
    change = next(i for i in _items(district) if i["类别"] == "事项变更")
    assert change["内容"] == "基数金额（元）：1,000,000.00 → 1,200,000.00"
    award = district.json("list", "awards", "--year", "2024")[0]
    assert (award["计算基数（元）"], award["状态"]) == ("1000000.00", "已审核")  # untouched
    out = district.ok("intake", "accept", str(change["编号"]))
    assert f"核定结果{award['编号']}已撤销" in out
    district.ok("calculate", "--year", "2024")
    awards = {a["编号"]: a for a in district.json("list", "awards", "--year", "2024")}
    assert awards[award["编号"]]["状态"] == "已撤销"
    new = next(a for a in awards.values() if a["状态"] == "草稿")
    assert new["核定金额（元）"] == "360000.00"
    conn = sqlite3.connect(str(district.db))
    assert conn.execute(
        "SELECT supersedes FROM awards WHERE id = ?", (new["编号"],)
    ).fetchone() == (award["编号"],)
    conn.close()


def test_a_matter_deleted_at_the_town_is_withdrawn(offices, tmp_path):
    district, town = offices
    district.ok("package", "import", str(_package(town, tmp_path / "p1.sqpkg")))
    conn = sqlite3.connect(str(town.db))
    conn.execute("DELETE FROM awards")
    conn.execute("DELETE FROM applications WHERE id = 2")
    conn.commit()
    conn.close()
    out = district.ok("package", "import", str(_package(town, tmp_path / "p2.sqpkg")))
    assert "撤回1个" in out
    states = [(i["镇街事项编号"], i["状态"]) for i in _items(district)]
    assert (2, "已撤回") in states and states.count((1, "待受理")) == 1


def test_the_receipt_tells_the_town_each_outcome_and_how_the_district_calculates(offices, tmp_path):
    district, town = offices
    district.ok("package", "import", str(_package(town, tmp_path / "p1.sqpkg")))
    ids = [i["编号"] for i in _items(district)]
    district.ok("intake", "accept", str(ids[0]), str(ids[2]))
    district.ok("intake", "return", str(ids[1]), "--reason", "缺少到账凭证")
    district.ok("calculate", "--year", "2024")
    district.ok("approve", "--year", "2024", "--all")
    receipt = tmp_path / "r1.sqrcpt"
    assert "第1号回执" in district.ok(
        "receipt", "export", "--township", TOWN, "--out", str(receipt)
    )
    district_fp = district.ok("keys", "show").splitlines()[-1].split("：")[-1]
    out = town.ok("receipt", "import", str(receipt))
    assert f"首次导入回执：已记录区工信局的公钥，指纹 {district_fp}" in out
    lines = out.splitlines()
    assert any(
        line.startswith("事项1（") and "：受理，区级事项编号1，核定 300,000.00 元（已审核）" in line
        for line in lines
    )
    assert any(
        line.startswith("事项2（") and "：退回，理由：缺少到账凭证" in line for line in lines
    )
    assert "四强名单已更新2024年度" in out
    # the town now calculates as the district does (the 2024 四强 list came with the receipt)
    town.ok("calculate", "--year", "2024")
    town_amounts = {
        a["计算基数（元）"]: a["核定金额（元）"]
        for a in town.json("list", "awards", "--year", "2024")
    }
    assert town_amounts == {
        "1000000.00": "300000.00",
        "1000001.00": "300000.30",
        "1000002.00": "300000.60",
    }
    before = town.state()
    assert "导入过，本次未作任何改动" in town.ok("receipt", "import", str(receipt))
    assert town.state() == before


def test_a_receipt_not_from_the_district_the_town_trusts_is_refused(
    offices, tmp_path, capsys, monkeypatch
):
    district, town = offices
    district.ok("package", "import", str(_package(town, tmp_path / "p1.sqpkg")))
    first = tmp_path / "r1.sqrcpt"
    district.ok("receipt", "export", "--township", TOWN, "--out", str(first))
    town.ok("receipt", "import", str(first))
    district.data = tmp_path / "impostor-data"  # the same database, another installation's key
    forged = tmp_path / "r2.sqrcpt"
    district.ok("receipt", "export", "--township", TOWN, "--out", str(forged))
    err = town.refused("receipt", "import", str(forged))
    assert "与本机为区工信局登记的公钥" in err
    wrong_town = Office(capsys, monkeypatch, tmp_path / "qidu.db", tmp_path / "qidu-data")
    wrong_town.ok("init", "--township", "齐都镇")
    assert "不是本镇街（齐都镇）的" in wrong_town.refused("receipt", "import", str(first))


def test_an_enterprise_changed_on_both_sides_keeps_the_district_value_until_decided(
    offices, tmp_path
):
    district, town = offices
    district.ok("package", "import", str(_package(town, tmp_path / "p1.sqpkg")))
    district.ok("receipt", "export", "--township", TOWN, "--out", str(tmp_path / "r1.sqrcpt"))
    town.ok("receipt", "import", str(tmp_path / "r1.sqrcpt"))
    town.ok("import", "enterprises", str(write_enterprises(
        tmp_path / "t.xlsx", [enterprise_row(0, 所属镇街=TOWN, 联系电话="0533-1111111", 联系人="李红")]
    )))  # fmt: skip
    district.ok("import", "enterprises", str(write_enterprises(
        tmp_path / "d.xlsx", [enterprise_row(0, 所属镇街=TOWN, 联系电话="0533-2222222")]
    )))  # fmt: skip
    out = district.ok("package", "import", str(_package(town, tmp_path / "p2.sqpkg")))
    assert "更新1户" in out and "信息冲突1户" in out
    conn = sqlite3.connect(str(district.db))
    row = conn.execute("SELECT contact, phone FROM enterprises WHERE credit_code = ?", (code(0),))
    assert row.fetchone() == ("李红", "0533-2222222")  # only the town changed 联系人: taken
    conflict = next(i for i in _items(district) if i["类别"] == "企业信息")
    assert conflict["内容"] == "联系电话：区级“0533-2222222”，镇街“0533-1111111”"
    district.ok("intake", "accept", str(conflict["编号"]))
    row = conn.execute("SELECT phone FROM enterprises WHERE credit_code = ?", (code(0),))
    assert row.fetchone() == ("0533-1111111",)
    conn.close()


def _city_list(path: Path, rows: list[tuple]) -> Path:
    headers = (
        "统一社会信用代码",
        "企业名称",
        "市级政策文号",
        "市级资金金额（元）",
        "下达日期",
        "下达文号",
    )
    return write_records(path, headers, [dict(zip(headers, r, strict=False)) for r in rows])


@pytest.fixture
def district_with_matters(offices, tmp_path):
    """The district with enterprise 0's matter approved (LZ41-2, 1,000,000.00 on 2024-03-15) and
    enterprise 1's not yet approved (by 文号, 200,000.00 on 2024-08-01)."""
    district, _town = offices
    apps = write_records(
        tmp_path / "d-apps.xlsx",
        APPLICATION_HEADERS,
        [
            application_row(0),
            application_row(1, 条款编号=None, 市级政策文号=CITY_DOC, 事项日期=date(2024, 8, 1),
                            **{"基数金额（元）": 200000}),
        ],
    )  # fmt: skip
    district.ok("import", "applications", str(apps))
    district.ok("calculate", "--year", "2024")
    award = district.json("list", "awards", "--year", "2024")[0]["编号"]
    district.ok("approve", "--year", "2024", str(award))
    return district, award


def test_the_city_list_updates_creates_and_proposes(district_with_matters, tmp_path):
    district, approved = district_with_matters
    city = _city_list(
        tmp_path / "city.xlsx",
        [
            (code(0), None, CITY_DOC, 1_100_000, date(2024, 3, 15), "淄财工指〔2024〕5号"),
            (code(1), None, CITY_DOC, "250,000.00", "2024-08-01"),
            (code(2), None, "淄政办字[2021]7号", 500_000, date(2024, 6, 1)),
        ],
    )
    before = district.state()
    dry = district.ok("city", "import", str(city), "--dry-run")
    assert "试运行" in dry and district.state() == before
    out = district.ok("city", "import", str(city), "--report", str(tmp_path / "对账.xlsx"))
    assert "匹配一致0条，新建事项1条" in out and "更新金额1条，补拨建议1条，追回建议0条" in out
    proposal = next(i for i in _items(district) if i["类别"] == "补拨")
    assert (proposal["状态"], proposal["来源"], proposal["核定结果编号"]) == (
        "待受理",
        "市级下达清单",
        approved,
    )
    assert proposal["基数金额（元）"] == "1100000.00"
    # a second import of the same list changes nothing
    state = district.state()
    again = district.ok("city", "import", str(city))
    assert "匹配一致2条，新建事项0条" in again and "1条已有同样的建议未再生成" in again
    assert district.state() == state
    # the new draft matter (免申即享) gets its award at the next calculation; the update too
    district.ok("calculate", "--year", "2024")
    awards = {a["计算基数（元）"]: a for a in district.json("list", "awards", "--year", "2024")}
    assert awards["500000.00"]["核定金额（元）"] == "150000.00"
    assert awards["250000.00"]["核定金额（元）"] == "75000.00"
    assert awards["1000000.00"]["状态"] == "已审核"  # the approved award waits for 受理
    conn = sqlite3.connect(str(district.db))
    assert conn.execute(
        "SELECT source FROM applications WHERE basis_fen = 50000000"
    ).fetchone() == ("市级下达清单生成",)
    conn.close()
    # accepting the 补拨 revokes the award and corrects the matter; the next draft corrects it
    assert "已撤销" in district.ok("intake", "accept", str(proposal["编号"]))
    district.ok("calculate", "--year", "2024")
    awards = {a["编号"]: a for a in district.json("list", "awards", "--year", "2024")}
    assert awards[approved]["状态"] == "已撤销"
    corrected = [a for a in awards.values() if a["计算基数（元）"] == "1100000.00"]
    assert [(a["状态"], a["核定金额（元）"]) for a in corrected] == [("草稿", "330000.00")]


def test_the_reconcile_report_lists_matched_new_changed_and_lacking(
    district_with_matters, tmp_path
):
    from openpyxl import load_workbook

    district, _approved = district_with_matters
    city = _city_list(
        tmp_path / "city.xlsx", [(code(0), None, CITY_DOC, 1_000_000, date(2024, 3, 15))]
    )
    out = district.ok("city", "import", str(city), "--report", str(tmp_path / "对账.xlsx"))
    assert "匹配一致1条" in out and "清单未列的事项1个" in out
    book = load_workbook(tmp_path / "对账.xlsx")
    assert book.sheetnames == ["匹配一致", "新建事项", "金额变更", "清单未列"]
    cells = [c for row in book["匹配一致"].iter_rows(values_only=True) for c in row]
    assert code(0) in cells and 1_000_000 in cells
    lacking = [c for row in book["清单未列"].iter_rows(values_only=True) for c in row]
    assert code(1) in lacking and "2024-08-01" in lacking


def test_a_lower_city_amount_on_a_paid_award_proposes_a_clawback(district_with_matters, tmp_path):
    district, approved = district_with_matters
    district.ok("pay", str(approved))
    city = _city_list(
        tmp_path / "city.xlsx", [(code(0), None, CITY_DOC, 900_000, date(2024, 3, 15))]
    )
    assert "追回建议1条" in district.ok("city", "import", str(city))
    item = next(i for i in _items(district) if i["类别"] == "追回")
    assert "减少 100,000.00 元" in item["内容"] and "已拨付" in item["内容"]
    district.ok("intake", "return", str(item["编号"]), "--reason", "市财政确认金额未变")
    assert "已有同样的建议" in district.ok("city", "import", str(city))


def test_a_bad_city_row_refuses_the_whole_list(district_with_matters, tmp_path):
    district, _approved = district_with_matters
    city = _city_list(
        tmp_path / "city.xlsx",
        [
            (code(0), None, CITY_DOC, 1_000_000, date(2024, 3, 15)),
            (code(99), None, CITY_DOC, 1_000, date(2024, 3, 15)),
            (code(1), None, "某某文件", 1_000, date(2024, 3, 15)),
        ],
    )
    before = district.state()
    code_, out, err = district("city", "import", str(city))
    assert code_ == 1 and "第3行" in out and "未在企业名录中登记" in out
    assert "第4行" in out and "未对应任何配套条款" in out
    assert district.state() == before


def test_a_package_import_that_fails_midway_writes_nothing(offices, tmp_path, monkeypatch):
    from desktop.core.errors import DomainError
    from desktop.services import intake

    district, town = offices
    package = _package(town, tmp_path / "p1.sqpkg")
    real, calls = intake.add_item, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DomainError("模拟写入中途失败")
        return real(*args, **kwargs)

    monkeypatch.setattr(intake, "add_item", failing)
    before = district.state()
    assert "模拟写入中途失败" in district.refused("package", "import", str(package))
    assert district.state() == before
    monkeypatch.setattr(intake, "add_item", real)
    district.ok("package", "import", str(package))
    assert len(_items(district)) == 3


def test_a_package_is_an_ordinary_zip_with_manifest_data_and_signature(offices, tmp_path):
    _district, town = offices
    with zipfile.ZipFile(_package(town, tmp_path / "p1.sqpkg")) as archive:
        assert archive.namelist() == ["manifest.json", "data.json", "signature.json"]
        manifest = json.loads(archive.read("manifest.json"))
        data = json.loads(archive.read("data.json"))
        signature = json.loads(archive.read("signature.json"))
    assert (manifest["town"], manifest["sequence"], manifest["previous_hash"]) == (
        TOWN,
        1,
        "0" * 64,
    )
    assert [m["id"] for m in data["matters"]] == [1, 2, 3]
    assert data["matters"][0]["attachments"] == []
    assert signature["fingerprint"] in town.ok("keys", "show")


def test_a_town_change_carries_only_what_the_town_changed(offices, tmp_path):
    district, town = offices
    district.ok("package", "import", str(_package(town, tmp_path / "p1.sqpkg")))
    first = _items(district)[0]["编号"]
    district.ok("intake", "accept", str(first))
    district.ok("application", "edit", "1", "--basis", "900000")  # the district's own correction
    town.ok("application", "edit", "1", "--description", "补充到账凭证号")
    district.ok("package", "import", str(_package(town, tmp_path / "p2.sqpkg")))
    change = next(i for i in _items(district) if i["类别"] == "事项变更")
    assert change["内容"] == "事项说明：第0号测试事项 → 补充到账凭证号"
    district.ok("intake", "accept", str(change["编号"]))
    conn = sqlite3.connect(str(district.db))
    row = conn.execute("SELECT basis_fen, description FROM applications WHERE id = 1").fetchone()
    conn.close()
    assert row == (90_000_000, "补充到账凭证号")


def test_a_matter_of_an_enterprise_registered_under_another_town_is_still_reported(
    offices, tmp_path
):
    district, town = offices
    town.ok("import", "enterprises", str(write_enterprises(
        tmp_path / "moved.xlsx", [enterprise_row(8, 所属镇街="齐都镇")]
    )))  # fmt: skip
    town.ok("import", "applications", str(write_records(
        tmp_path / "a.xlsx", APPLICATION_HEADERS, [application_row(8)]
    )))  # fmt: skip
    district.ok("package", "import", str(_package(town, tmp_path / "p1.sqpkg")))
    assert code(8) in {i["统一社会信用代码"] for i in _items(district)}
    towns = {e["统一社会信用代码"]: e["所属镇街"] for e in district.json("list", "enterprises")}
    assert towns[code(8)] == "齐都镇"
