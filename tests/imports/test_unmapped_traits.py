"""`unmapped: traits`: a CRM export's columns that no field names are kept on the account as traits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from lodestar.accounts.models import Account
from lodestar.imports.schemas import MappingSpec
from tests.imports.conftest import rejected, run

EXPORT = (
    "客户编号,客户名称,行业,合同金额,是否战略客户,空列\n"
    'C-1,华为云,云计算,"1,200",是,\n'
    "C-2,美团,本地生活,800,否,\n"
)
MAPPED = "fields: {crm_id: 客户编号, name: 客户名称, industry: 行业}"


def test_columns_no_field_names_become_traits_when_asked(db, tmp_path):
    report = run(db, "accounts", EXPORT.encode(), "crm.csv", tmp_path, MAPPED + "\nunmapped: traits")
    assert report.created == 2
    found = {a.crm_id: a for a in db.scalars(select(Account))}
    assert found["C-1"].industry == "云计算"
    # kept as text, as the file has them: the churn model types them (numbers, yes/no, categories)
    assert found["C-1"].traits == {"合同金额": "1,200", "是否战略客户": "是"}
    assert found["C-2"].traits == {"合同金额": "800", "是否战略客户": "否"}


def test_without_a_mapping_unmapped_columns_are_still_refused_by_default(db, tmp_path):
    report = rejected(db, "accounts", b"crm_id,name,region_code\nC-1,Acme,E1\n", "a.csv", tmp_path)
    assert [p.column for p in report.problems] == ["region_code"]
    auto = "unmapped: traits"
    run(db, "accounts", b"crm_id,name,region_code\nC-1,Acme,E1\n", "a.csv", tmp_path, auto)
    assert db.scalars(select(Account)).one().traits == {"region_code": "E1"}


def test_unmapped_traits_is_for_accounts_only():
    with pytest.raises(ValidationError, match="accounts only"):
        MappingSpec.model_validate({"kind": "contacts", "unmapped": "traits"})
