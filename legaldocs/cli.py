"""The ``legaldocs`` command line: the application object and the commands of the core.

Commands that need the evidence package (``packet``) are added to the same application by
:mod:`evidence.cli`, so the core never imports the packages built on it. Exit codes: 0 success,
1 a failure while producing output, 2 invalid input (case file, arguments).

Starting must stay quick (``legaldocs --help`` in well under 0.15 s, see bench/bench_cli.py): at
module level only the CLI library and light modules are imported; the engines, the case model
and Rich's console, tables and progress bars are imported inside the commands that use them, and
help is formatted by the CLI library itself (Typer's Rich help panels alone take longer than that).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Iterator, Optional

import typer

from legaldocs.errors import CaseValidationError, LegalDocsError, RuleNotFoundError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

app = typer.Typer(
    name="legaldocs",
    help="Filing packets, amounts, fees and deadlines for non-performing loan recovery (不良贷款清收处置).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: Typer's Rich help panels import more than --help may take
)
# piped or redirected output (a cron mail, a file) is not cut to 80 columns
_PIPED_WIDTH = 200
# for the commands other packages add to this application (one module imports the CLI library)
Argument = typer.Argument
Option = typer.Option

TEMPLATES_ENV = "LEGALDOCS_TEMPLATES"
# a bank's own template folder, for every command that writes documents
TemplatesOption = Annotated[Optional[Path], typer.Option(
    "--templates",
    envvar=TEMPLATES_ENV,
    show_envvar=True,
    exists=True,
    file_okay=False,
    dir_okay=True,
    help="本行模板文件夹：其中的模板（如 complaint.docx）取代同名内置模板，没有的仍用内置模板；"
         "与环境变量同时给出时以本选项为准",
)]


class _LazyConsole:
    """A Rich console made on first use, so that commands which print nothing (and --help) do not
    import Rich. Attributes are those of :class:`rich.console.Console`; :meth:`real` gives the
    console itself."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            stream = sys.stderr if self._stderr else sys.stdout
            self._console = Console(stderr=self._stderr, width=None if stream.isatty() else _PIPED_WIDTH)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


console: Any = _LazyConsole()
err_console: Any = _LazyConsole(stderr=True)


def new_table(**options: Any) -> Table:
    """A Rich table (``options`` as for :class:`rich.table.Table`)."""
    from rich.table import Table

    return Table(**options)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EXIT_FAILURE = 1
MAX_WITHIN_DAYS = 36_500
EXIT_INVALID = 2


_json_errors = False


def json_errors(enabled: bool) -> None:
    """A command run with --json calls this first: its errors are then also printed as JSON."""
    global _json_errors
    _json_errors = enabled


def fail(message: str, code: int = EXIT_FAILURE, problems: list[tuple[str, str]] | None = None) -> "typer.Exit":
    """Print ``message`` on stderr and return the Exit to raise with ``code``. A command run with
    --json also prints ``{"error": message, "exit": code, "problems": [...]}`` on stdout, so that
    a program reading its output always gets JSON."""
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)
    if _json_errors:
        body = {"error": message, "exit": code, "problems": [{"field": f, "message": m} for f, m in problems or []]}
        console.print_json(json.dumps(body, ensure_ascii=False))
    return typer.Exit(code)


def parse_date(value: str | None, option: str) -> dt.date | None:
    """``YYYY-MM-DD`` (years 1900-2199) -> date; a clear error naming the option otherwise."""
    if value is None:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
        if not 1900 <= day.year <= 2199:
            raise ValueError(value)
        return day
    except ValueError:
        raise fail(f"{option}: {value!r} is not a date (YYYY-MM-DD, years 1900-2199)", EXIT_INVALID) from None


def parse_amount(value: str, option: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise fail(f"{option}: {value!r} is not an amount in 元", EXIT_INVALID) from None
    if not amount.is_finite() or amount < 0:
        raise fail(f"{option}: {value!r} must be a non-negative amount in 元", EXIT_INVALID)
    if amount.as_tuple().exponent < -2:
        raise fail(f"{option}: {value!r} has more than 2 decimal places (元 to the 分)", EXIT_INVALID)
    if amount >= Decimal("1e14"):
        raise fail(f"{option}: {value!r} is implausibly large", EXIT_INVALID)
    return amount


@contextlib.contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar on stderr; yields the callback ``(stage, done, total)``."""
    if not enabled:
        yield lambda stage, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console.real(), transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        yield update


def run_guarded(action: Callable[[], None]) -> None:
    """Run ``action``; case-file problems exit 2, other project errors exit 1, each with its message."""
    try:
        action()
    except CaseValidationError as exc:
        raise fail(str(exc), EXIT_INVALID, exc.problems) from None
    except LegalDocsError as exc:
        raise fail(f"error: {exc}", EXIT_FAILURE) from None


@app.command()
def fees(
    amount: Annotated[str, typer.Option(help="amount in 元 (claim, value preserved, amount enforced, assets)")],
    kind: Annotated[str, typer.Option(help="acceptance | preservation | enforcement | payment_order | bankruptcy")] = "acceptance",
    halved: Annotated[bool, typer.Option(help="summary procedure, mediation or withdrawal (halved once)")] = False,
    ground: Annotated[Optional[str], typer.Option(help="why it is halved: mediation | withdrawal | simplified (the 1989 schedule halves only on withdrawal)")] = None,
    filed_on: Annotated[Optional[str], typer.Option(help="filing date YYYY-MM-DD (chooses the fee regime; default: the regime now in force)")] = None,
    round_: Annotated[str, typer.Option("--round", help="yuan | fen")] = "fen",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (amounts as decimal strings)")] = False,
) -> None:
    """Court fee under 诉讼费用交纳办法, with its computation."""
    json_errors(as_json)
    from legaldocs.money.fees import FEE_KINDS, HALVING_GROUNDS, court_fee

    value = parse_amount(amount, "--amount")
    if kind not in FEE_KINDS:
        raise fail(f"--kind: {kind!r} is not one of {', '.join(FEE_KINDS)}", EXIT_INVALID)
    if ground is not None and ground not in HALVING_GROUNDS:
        raise fail(f"--ground: {ground!r} is not one of {', '.join(HALVING_GROUNDS)}", EXIT_INVALID)
    if round_ not in ("yuan", "fen"):
        raise fail(f"--round: {round_!r} must be yuan or fen", EXIT_INVALID)
    filed = parse_date(filed_on, "--filed-on")

    def action() -> None:
        try:
            result = court_fee(kind, value, filed_on=filed, halved=halved or ground is not None, ground=ground,
                               rounding=round_)  # type: ignore[arg-type]
        except RuleNotFoundError as exc:
            raise fail(f"--filed-on: {exc}", EXIT_INVALID) from None
        if as_json:
            console.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        table = new_table(title=f"{result.name} on {value} 元", show_lines=False)
        table.add_column("step")
        table.add_column("rule")
        for s in result.steps:
            table.add_row(s.text, s.rule)
        console.print(table)
        console.print(f"fee: {result.fee} 元")

    run_guarded(action)


@app.command()
def interest(
    case: Annotated[Path, typer.Argument(help="case file (.yaml, .yml or .json)")],
    as_of: Annotated[Optional[str], typer.Option(help="date YYYY-MM-DD the amounts are computed to (default: claim.as_of)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (amounts as decimal strings)")] = False,
    xlsx: Annotated[Optional[Path], typer.Option(help="also write the statement as an Excel workbook")] = None,
) -> None:
    """What is owed as of a date (欠款明细): principal, interest, 罚息, 复利, every accrual line."""
    json_errors(as_json)
    day = parse_date(as_of, "--as-of")

    def action() -> None:
        from legaldocs.case.load import load_case
        from legaldocs.chinese import unit
        from legaldocs.money.statement import case_statement

        loaded = load_case(case)
        when = day or loaded.case.claim.as_of
        first = min(d.date for loan in loaded.case.loans for d in loan.draws)
        if when < first:
            raise fail(f"--as-of: {when} is before the first draw ({first})", EXIT_INVALID)
        st = case_statement(loaded.case, when)
        if xlsx is not None:
            from legaldocs.documents.xlsx import write_statement_xlsx

            if xlsx.suffix.lower() != ".xlsx" or xlsx.is_dir() or not xlsx.parent.is_dir():
                raise fail(f"--xlsx: {xlsx} must be a .xlsx file in an existing folder", EXIT_INVALID)
            try:
                write_statement_xlsx(st, xlsx)
            except OSError as exc:
                raise fail(f"--xlsx: cannot write {xlsx}: {exc.strerror or exc}", EXIT_FAILURE) from None
        if as_json:
            console.print_json(json.dumps(st.as_dict(), ensure_ascii=False))
            return
        table = new_table(title=f"{loaded.case.case_id} as of {st.as_of}")
        for col in ("kind", "draw", "base", "from", "to", "days", "rate", "amount"):
            table.add_column(col, justify="right" if col in ("base", "days", "rate", "amount") else "left")
        for line in st.lines:
            table.add_row(line.kind, line.draw, f"{line.base:,.2f}", str(line.start), str(line.end), str(line.days),
                          str(line.rate), f"{line.amount:,.2f}")
        console.print(table)
        for name in ("principal", "interest", "penalty_interest", "compound_interest", "total"):
            console.print(f"{name:>18}: {getattr(st, name):,.2f} {unit(st.currency)}", markup=False)
        for r in st.repricings:
            console.print(f"repricing {r.loan} {r.date}: {r.text}", markup=False, soft_wrap=True)
        for text in st.continuing:
            console.print(text, markup=False, soft_wrap=True)
        for text in st.flags:
            err_console.print(f"note: {text}", markup=False, soft_wrap=True)
        for d in st.differences:
            err_console.print(f"differs from the bank: {d.item} engine {d.engine} bank {d.bank} ({d.delta:+})"
                              + (f"; cause: {d.cause}" if d.cause else ""), markup=False, soft_wrap=True)

    run_guarded(action)


@app.command()
def rules(
    table: Annotated[Optional[str], typer.Argument(help="rule table: court_fees, interest, periods, security, statutes")] = None,
    kind: Annotated[Optional[str], typer.Argument(help="rule kind, e.g. limitation, acceptance, retrial")] = None,
    on: Annotated[Optional[str], typer.Option(help="only the version in force on this date YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The rules as data, every version with its citation and the dates it governs, and which
    fact's date chooses it (for auditors checking a result against the law of its date)."""
    json_errors(as_json)
    from legaldocs.law.rules import governs, load_rules, rule_history, tables

    day = parse_date(on, "--on")
    names = tables()
    if table is not None and table not in names:
        raise fail(f"TABLE: {table!r} is not one of {', '.join(names)}", EXIT_INVALID)
    rows = []
    for t in [table] if table else names:
        kinds = sorted({r["kind"] for r in load_rules(t)})
        if kind is not None and kind not in kinds:
            raise fail(f"KIND: {kind!r} is not a kind of {t}: {', '.join(kinds)}", EXIT_INVALID)
        for k in [kind] if kind else kinds:
            g = governs(t, k)
            for r in rule_history(t, k):
                end = r.get("effective_to")
                if day is not None and not (r["effective_from"] <= day and (end is None or day <= end)):
                    continue
                rows.append({"table": t, "kind": k, "id": r["id"], "from": r["effective_from"].isoformat(),
                             "to": end.isoformat() if end else None, "in_force": r.get("in_force", True),
                             "citation": r["citation"], "notes": r.get("notes", ""),
                             "chosen_by": g.name, "chosen_by_citation": g.citation})
    if as_json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        console.print(f"no rule version is in force on {day}: the tables begin in 1982-1989 (see `legaldocs rules`)",
                      markup=False)
        return
    out = new_table(title="rules by date" + (f" in force on {day}" if day else ""))
    for col in ("table", "kind", "from", "to", "citation", "chosen by"):
        out.add_column(col, overflow="fold")
    for r in rows:
        citation = r["citation"] if r["in_force"] else f"(no such rule) {r['citation']}"
        out.add_row(*cells(r["table"], r["kind"], r["from"], r["to"] or "", citation, r["chosen_by"]))
    console.print(out)


@app.command()
def compare(
    case: Annotated[Path, typer.Argument(help="case file (.yaml, .yml or .json)")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Compare the figures a court or the bank stated (the case's ``stated`` entries) with the
    engines' results, each difference with its cause where the engine can tell. Exit 0 whether
    or not they agree; the table says which."""
    json_errors(as_json)

    def action() -> None:
        from legaldocs.case.load import load_case
        from legaldocs.filings.record import compare_stated

        loaded = load_case(case, check_files=False)
        rows = compare_stated(loaded.case)
        if as_json:
            console.print_json(json.dumps([r.as_dict() for r in rows], ensure_ascii=False))
            return
        if not rows:
            console.print(f"{case}：没有可核对的数额（在案件档案中填写 claim 的余额或 stated）", markup=False)
            return
        table = new_table(title=f"{loaded.case.case_id}：所述数额与本工具计算结果核对")
        for col in ("来源", "项目", "所述", "计算", "一致", "差异原因"):
            table.add_column(col, overflow="fold")
        by = {"court": "法院", "bank": "银行"}
        for r in rows:
            table.add_row(*cells(f"{by.get(r.by, r.by)} {r.source or ''}".strip(), _kind_labels().get(r.item, r.label), r.stated,
                                 "—" if r.engine is None else r.engine, "是" if r.agree else "否", r.cause or ""))
        console.print(table)

    run_guarded(action)


def _pair(value: str, option: str) -> tuple[str, str]:
    left, sep, right = value.partition(":")
    if not sep:
        raise fail(f"{option}: {value!r} must be FROM:TO or DATE:AMOUNT", EXIT_INVALID)
    return left, right


@app.command("delay-interest")
def delay_interest_command(
    debt: Annotated[str, typer.Option(help="money debt fixed by the judgment, excluding running general interest (元)")],
    due: Annotated[str, typer.Option(help="last day of the performance period YYYY-MM-DD")],
    until: Annotated[str, typer.Option(help="date of full payment, or the date to compute to")],
    payment: Annotated[Optional[list[str]], typer.Option(help="DATE:AMOUNT paid on the debt (repeatable)")] = None,
    excluded: Annotated[Optional[list[str]], typer.Option(help="FROM:TO period not counted, both inclusive (repeatable)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (amounts as decimal strings)")] = False,
) -> None:
    """Doubled-part interest for delayed performance (法释〔2014〕8号): debt x 0.000175 a day."""
    json_errors(as_json)
    from legaldocs.money.delay import delay_interest

    amount = parse_amount(debt, "--debt")
    due_day = parse_date(due, "--due")
    until_day = parse_date(until, "--until")
    payments = []
    for item in payment or []:
        day, value = _pair(item, "--payment")
        payments.append((parse_date(day, "--payment"), parse_amount(value, "--payment")))
    periods = []
    for item in excluded or []:
        start, end = _pair(item, "--excluded")
        periods.append((parse_date(start, "--excluded"), parse_date(end, "--excluded")))

    def action() -> None:
        try:
            result = delay_interest(amount, due_day, until_day, payments=payments, excluded=periods)
        except LegalDocsError as exc:
            raise fail(f"invalid input: {exc}", EXIT_INVALID) from None
        if as_json:
            console.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        for s in result.steps:
            console.print(f"{s.text}  [{s.rule}]", markup=False, soft_wrap=True)
        for text in result.flags:
            err_console.print(f"note: {text}", markup=False, soft_wrap=True)
        console.print(f"days: {result.days}; doubled interest: {result.doubled_interest:,.2f} 元", markup=False)

    run_guarded(action)


def _kind_labels() -> dict[str, str]:
    from legaldocs.deadlines.chain import KIND_NAMES
    from legaldocs.money.reconcile import ITEM_NAMES

    return {**ITEM_NAMES, **KIND_NAMES}


def cells(*values: object) -> list[Text]:
    """Table cells from values that may hold case data: shown as they are, never read as markup."""
    from rich.text import Text

    return [Text("" if v is None else str(v)) for v in values]


def _clock_table(title: str, rows: list[tuple[str, object, str, str, str]], *, with_file: bool = False) -> Table:
    """Clocks as a table: (case id, clock, severity, obligor names, file) per row."""
    from legaldocs.deadlines.chain import KIND_NAMES, STATUS_NAMES
    from legaldocs.portfolio.alerts import SEVERITY_NAMES

    table = new_table(title=title)
    for col in ("案件", "期限", "义务人", "届满日", "可争辩日", "状态", "紧急程度") + (("文件",) if with_file else ()):
        table.add_column(col, no_wrap=col in ("届满日", "可争辩日"))
    for case_id, c, level, names, where in rows:
        status = STATUS_NAMES.get(c.status, c.status) + ("（节假日安排未公布，暂定）" if c.provisional else "")
        row = [case_id, KIND_NAMES.get(c.kind, c.kind), names, c.date or "—", c.alternative_date or "", status,
               SEVERITY_NAMES.get(level, level)]
        table.add_row(*cells(*row, *((where,) if with_file else ())))
    return table


@app.command()
def deadlines(
    case: Annotated[Path, typer.Argument(help="case file (.yaml, .yml or .json)")],
    as_of: Annotated[str, typer.Option(help="date YYYY-MM-DD the clocks are read on")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Every clock of a case (诉讼时效, 保证期间, 申请执行期间 ...) with the chain that made it."""
    json_errors(as_json)
    day = parse_date(as_of, "--as-of")

    def action() -> None:
        from legaldocs.case.load import load_case
        from legaldocs.deadlines.clocks import case_clocks

        loaded = load_case(case, check_files=False)
        clocks = case_clocks(loaded.case, day)
        if as_json:
            console.print_json(json.dumps([c.as_dict() for c in clocks], ensure_ascii=False))
            return
        from legaldocs.deadlines.chain import obligor_names

        rows = [(loaded.case.case_id, c, "", obligor_names(loaded.case, c), "") for c in clocks]
        console.print(_clock_table(f"{loaded.case.case_id}：截至{day}的期限", rows))
        for c in clocks:
            for link in c.chain:
                console.print(f"  {c.kind} {link.date} {link.event} [{link.rule}]", markup=False, soft_wrap=True)
            for note in c.notes:
                console.print(f"  {c.kind} note: {note}", markup=False, soft_wrap=True)

    run_guarded(action)


@app.command()
def alerts(
    paths: Annotated[list[Path], typer.Argument(help="case files, or folders searched for *.yaml, *.yml, *.json")],
    as_of: Annotated[str, typer.Option(help="date YYYY-MM-DD")],
    within: Annotated[int, typer.Option(help="days ahead to include")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    ics: Annotated[Optional[Path], typer.Option(help="also write an iCalendar file with reminders 30, 7 and 1 days before")] = None,
) -> None:
    """Clocks of many cases that end within DAYS, have ended or need review, most urgent first.
    Every case is computed on its own; files that cannot be read are listed at the end with the
    reason (exit 1 when there is any)."""
    json_errors(as_json)
    day = parse_date(as_of, "--as-of")
    if not 0 <= within <= MAX_WITHIN_DAYS:
        raise fail(f"--within: must be from 0 to {MAX_WITHIN_DAYS} days", EXIT_INVALID)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"not found: {', '.join(missing)}", EXIT_INVALID)
    if ics is not None and (ics.is_dir() or not ics.parent.is_dir() or ics.suffix.lower() != ".ics"):
        raise fail(f"--ics: {ics} must be a .ics file in an existing folder", EXIT_INVALID)

    def action() -> None:
        from legaldocs.portfolio.alerts import scan_alerts

        report = scan_alerts(list(paths), day, within)
        if ics is not None:
            from legaldocs.deadlines.ics import write_ics

            try:
                write_ics([(a.case_id, a.clock) for a in report.alerts], ics,
                          stamp=dt.datetime.combine(day, dt.time(0), tzinfo=dt.timezone.utc))
            except OSError as exc:
                raise fail(f"--ics: cannot write {ics}: {exc.strerror or exc}", EXIT_FAILURE) from None
        if as_json:
            console.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            rows = [(a.case_id, a.clock, a.severity, a.obligor_names, a.path.name) for a in report.alerts]
            console.print(_clock_table(f"共{report.cases}件：{day + dt.timedelta(days=within)}前届满、已届满或待核定的期限",
                                       rows, with_file=True))
            for a in report.alerts:
                if a.severity == "review":
                    for note in a.clock.notes:
                        console.print(f"  {a.case_id} {a.clock.kind}: {note}", markup=False, soft_wrap=True)
        for w in report.warnings:
            err_console.print(f"warning: {w}", markup=False, soft_wrap=True)
        for u in report.unreadable:  # at the end, so that no case with nothing due is mistaken for a clean one
            err_console.print(f"{u.path}: not scanned: {u.reason}", markup=False, soft_wrap=True)
        if report.unreadable:
            raise typer.Exit(EXIT_FAILURE)

    run_guarded(action)


templates_app = typer.Typer(help="Word 模板（templates）：检查模板能否使用。", no_args_is_help=True,
                            rich_markup_mode=None)
app.add_typer(templates_app, name="templates")


@templates_app.command("check")
def templates_check(
    folder: Annotated[Optional[Path], typer.Argument(
        envvar=TEMPLATES_ENV, show_envvar=True,
        help="模板文件夹（本行的模板文件夹，或单个 .docx 文件）；不给出时检查内置模板")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """检查模板：占位符写法（全角符号、弯引号、被拆开的标签、未闭合的 {%p for %} / {%tr for %}）、
    变量和过滤器是否在模板目录（catalogue.toml）中。每个问题写明模板文件和位置（第几段或第几个
    表格第几行第几列）及原文。无错误时退出码为 0（可能有提示），有错误时为 2。"""
    json_errors(as_json)

    def action() -> None:
        from legaldocs.documents.catalogue import CATALOGUE_FILE, load_catalogue
        from legaldocs.documents.templatecheck import check_folder, check_template
        from legaldocs.documents.templates import builtin_template_folder

        builtin = builtin_template_folder()
        catalogue = load_catalogue(builtin / CATALOGUE_FILE)
        target = folder if folder is not None else builtin
        if target.is_file():
            reports = [check_template(target, catalogue)]
        elif target.is_dir():
            reports = check_folder(target, catalogue)
        else:
            raise fail(f"{target}：文件夹或文件不存在", EXIT_INVALID, [("FOLDER", "文件夹或文件不存在")])
        findings = [f for r in reports for f in r.findings]
        errors = sum(f.severity == "error" for f in findings)
        notes = len(findings) - errors
        code = EXIT_INVALID if errors else 0
        summary = (f"{len(reports)}个模板中有{errors}处错误、{notes}条提示" if findings
                   else f"{len(reports)}个模板均未发现问题")
        if as_json:
            body: dict[str, Any] = {"folder": str(target), "templates": [r.template for r in reports],
                                    "errors": errors, "notes": notes, "exit": code,
                                    "problems": [f.as_dict() for f in findings]}
            if errors:
                body = {"error": summary, **body}
            console.print_json(json.dumps(body, ensure_ascii=False))
        else:
            console.print(f"检查模板：{target}", markup=False, highlight=False, soft_wrap=True)
            for f in findings:
                console.print(f.line(), markup=False, highlight=False, soft_wrap=True)
                if f.snippet:
                    console.print(f"    原文：「{f.snippet}」", markup=False, highlight=False, soft_wrap=True)
            console.print(summary + ("；各模板可用的变量见 CATALOGUE.md" if errors else ""),
                          markup=False, highlight=False, soft_wrap=True)
        if code:
            raise typer.Exit(code)

    run_guarded(action)
