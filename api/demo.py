"""``legaldocs serve --demo``: the examples as cases, with their exhibits in the store, a law
firm, and one demo user per role (printed with their passwords, for trying the service out on
one's own machine; never use them on a server others reach)."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlmodel import Session, select

from api.audit import record
from api.cases import CaseInputError, new_record, parse_case_file, recompute_clocks
from api.models import Blob, CaseFile, CaseRecord, LawFirm, Role, User
from api.security import hash_password
from api.settings import bank_today
from api.store import EvidenceStore
from evidence.sniff import detect_kind
from legaldocs.case.load import load_case

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
#: (case folder, branch, assigned to the demo law firm)
DEMO_CASES = (("demo", None, True), ("enforcement", None, False))
DEMO_FIRM = "示例律师事务所"
DEMO_USERS = (
    ("staff", "王晓（法务）", Role.legal_staff),
    ("manager", "李敏（部门经理）", Role.manager),
    ("counsel", "张律师（示例律师事务所）", Role.external_counsel),
    ("admin", "系统管理员", Role.admin),
)


def load_demo(s: Session, store: EvidenceStore, examples: Path = EXAMPLES) -> list[tuple[str, str, str]]:
    """Load the demo data once (a second run adds no case). Returns (user name, role, password) of
    each demo user, with a new password each time (so ``--demo`` always prints passwords that
    work; the demo users exist for trying the service out, nothing else)."""
    firm = s.exec(select(LawFirm).where(LawFirm.name == DEMO_FIRM)).first()
    if firm is None:
        firm = LawFirm(name=DEMO_FIRM)
        s.add(firm)
        s.flush()
    created = []
    staff = None
    for username, name, role in DEMO_USERS:
        user = s.exec(select(User).where(User.username == username)).first()
        password = secrets.token_urlsafe(9)
        if user is None:
            user = User(username=username, display_name=name, role=role, password_hash=hash_password(password),
                        law_firm_id=firm.id if role == Role.external_counsel else None)
        else:
            user.password_hash = hash_password(password)
        s.add(user)
        s.flush()
        created.append((username, role.value, password))
        if role == Role.legal_staff:
            staff = user
    for folder, branch, assigned in DEMO_CASES:
        path = examples / folder / "case.yaml"
        if not path.is_file():
            continue
        try:
            data = parse_case_file(path.read_bytes(), path.name)
        except CaseInputError:
            continue
        if s.exec(select(CaseRecord).where(CaseRecord.case_id == data["case_id"])).first():
            continue
        rec = new_record(data)
        if branch:
            rec.branch = branch
        rec.officer_id = staff.id if staff else None
        rec.law_firm_id = firm.id if assigned else None
        s.add(rec)
        s.flush()
        for ev_id, files in load_case(path, check_files=False).evidence_files.items():
            for f in files:
                if f.is_file():
                    digest, size, _new = store.put_file(f)
                    if s.get(Blob, digest) is None:
                        s.add(Blob(sha256=digest, size=size, kind=detect_kind(f)))
                    s.add(CaseFile(case_pk=rec.id, name=f.relative_to(path.parent).as_posix(), sha256=digest,
                                   uploaded_by=staff.id if staff else None))
        recompute_clocks(s, rec, bank_today(), commit=False)
        record(s, None, "case.import", case_id=rec.case_id, detail="演示数据", commit=False)
    s.commit()
    return created
