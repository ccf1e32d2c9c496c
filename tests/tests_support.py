"""Small case records built in code, for tests of the engines (no files needed)."""

from __future__ import annotations

import datetime as dt

from legaldocs.case.model import Case

PERSON = {"kind": "person", "name": "甲", "gender": "男", "ethnicity": "汉族", "birth_date": dt.date(1980, 1, 1),
          "id_number": "110105198001010112", "address": "示例小区1号"}
COMPANY = {"kind": "organization", "name": "示例公司", "uscc": "91350200MA2Y3X4R49", "address": "示例路2号",
           "representative": "乙"}


def make_case(*, signed=dt.date(2021, 3, 1), maturity=dt.date(2022, 3, 1), guarantee: dict | None = None,
              guarantees: list[dict] | None = None, events=(), repayments=(), collateral=(), borrower=PERSON,
              as_of: dt.date | None = None) -> Case:
    """A 100,000 元 loan to P1 signed ``signed``, due ``maturity``; by default a joint guarantee by
    P2 (changed by ``guarantee``), or exactly ``guarantees``."""
    if guarantees is None:
        guarantees = [{"id": "G1", "number": "G-1", "guarantor": "P2", "secures": ["L1"], "kind": "连带责任保证",
                       "signed_on": signed} | (guarantee or {})]
    return Case.model_validate({
        "case_id": "T", "court": "示例人民法院",
        "creditor": {"name": "示例银行某支行", "uscc": "91110105MA01A2B3C4", "address": "示例路1号", "representative": "某"},
        "parties": {"P1": borrower, "P2": PERSON | {"name": "乙", "address": "示例小区2号"}},
        "loans": [{"id": "L1", "number": "L-1", "borrowers": ["P1"], "signed_on": signed, "principal": "100000",
                   "draws": [{"date": signed, "amount": "100000", "maturity": maturity}], "annual_rate": "0.06",
                   "repayment_method": "到期一次性还本付息"}],
        "guarantees": guarantees, "collateral": list(collateral),
        "events": list(events), "repayments": list(repayments),
        "claim": {"as_of": as_of or maturity, "amounts": "bank", "principal": "100000"},
    })
