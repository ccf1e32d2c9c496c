"""The ``legaldocs`` command line: the application object and the commands of the core.

Commands that need the evidence package (``packet``) are added to the same application by
:mod:`evidence.cli`, so the core never imports the packages built on it. Exit codes: 0 success,
1 a failure while producing output, 2 invalid input (case file, arguments).

Starting must stay quick (``legaldocs --help`` in well under 0.15 s, see bench/bench_cli.py): at
module level only the CLI library and light modules are imported; the engines, the case model
and Rich's console, tables and progress bars are imported inside the commands that use them, and
help is formatted by the CLI library itself (Typer's Rich help panels alone take longer than that).

Messages, help and progress are in Chinese unless English is asked for (``--lang en``, or a
locale such as ``LANG=en_US.UTF-8``): the application's command group settles the language
before it reads anything else of the command line, then translates the help texts, which are
written as English message ids marked with ``N_`` (:mod:`legaldocs.i18n`).
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
from legaldocs.i18n import N_, _, get_language, ngettext, set_language

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

# where the language of messages comes from when --lang is not given, first set first (as gettext reads them)
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# the help option's text, which the CLI library writes in English
_HELP_OPTION = N_("Show this message and exit.")


def _requested_language(group: Any, ctx: Any, args: list[str]) -> str:
    """The --lang value given before the command on the command line (refused unless it names
    Chinese or English), else the locale's (any value: what is not English is Chinese)."""
    given = None
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            given = args[i + 1]
        elif arg.startswith("--lang="):
            given = arg.partition("=")[2]
        elif arg == "--" or not arg.startswith("-"):
            break  # the command: options after it are its own
    if given is not None:
        if not given.lower().startswith(("zh", "en")):
            raise typer.BadParameter(_("{value} is not zh or en").format(value=repr(given)), ctx=ctx, param_hint="'--lang'")
        return given
    lang = next(p for p in group.params if p.name == "lang")
    return lang.resolve_envvar_value(ctx) or ""


def translate_help(command: Any, ctx: Any) -> None:
    """Put the help texts of ``command``, its parameters and its subcommands in the current
    language (each text's English id is kept on the object, so this can be done again)."""
    items = [command, *command.params]
    option = command.get_help_option(ctx)
    if option is not None:
        option.__dict__.setdefault("_help_id", _HELP_OPTION)
        items.append(option)
    for item in items:
        source = item.__dict__.setdefault("_help_id", item.help)
        if source:
            item.help = _(source)
    for sub in getattr(command, "commands", {}).values():
        translate_help(sub, ctx)
        sub.short_help = _short_help(sub.help) if sub.help and _WIDE.search(sub.help) else None


_WIDE = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_SHORT_HELP_COLUMNS = 56


def _short_help(text: str) -> str:
    """The first sentence of a Chinese help text, cut to what fits beside the command names of
    the command list (the CLI library shortens at spaces, which Chinese sentences lack)."""
    sentence = re.split(r"(?<=[。；])", text.strip(), maxsplit=1)[0]
    out, used = "", 0
    for char in sentence:
        used += 2 if _WIDE.match(char) else 1
        if used > _SHORT_HELP_COLUMNS - 1:
            return out + "…"
        out += char
    return out


class _Application(typer.core.TyperGroup):
    """The ``legaldocs`` command group: the language is set from ``--lang`` or the locale before
    anything else is read (so --help, usage errors and messages are all in it) and is restored
    when the command returns (for callers that run the application in their own process)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        previous = get_language()
        try:
            return super().main(*args, **kwargs)
        finally:
            set_language(previous)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if ctx.parent is None:
            set_language(_requested_language(self, ctx, args))
            translate_help(self, ctx)
        return super().parse_args(ctx, args)


#: the class of one command, for commands elsewhere that extend their help (only this module imports typer)
Command = typer.core.TyperCommand

app = typer.Typer(
    name="legaldocs",
    cls=_Application,
    help=N_("Filing packets, amounts, fees and deadlines for non-performing loan recovery (不良贷款清收处置)."),
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
    help=N_("a bank's own template folder: each template in it (e.g. complaint.docx) replaces the built-in one "
            "of the same name, the others stay the built-in ones; this option wins over the environment variable"),
)]


@app.callback()
def _application(
    lang: Annotated[Optional[str], typer.Option(
        "--lang", envvar=list(LOCALE_VARIABLES), metavar="zh|en",
        help=N_("language of messages and help: zh (Chinese, the default) or en (English); without it the "
                "locale decides (LANGUAGE, LC_ALL, LC_MESSAGES, LANG: en... is English, anything else Chinese)"))] = None,
) -> None:
    """(--lang is read, and the language set, by _Application.parse_args before anything else.)"""


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
        raise fail(_("{option}: {value} is not a date (YYYY-MM-DD, years 1900-2199)").format(
            option=option, value=repr(value)), EXIT_INVALID) from None


def parse_amount(value: str, option: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise fail(_("{option}: {value} is not an amount in 元").format(option=option, value=repr(value)),
                   EXIT_INVALID) from None
    if not amount.is_finite() or amount < 0:
        raise fail(_("{option}: {value} must be a non-negative amount in 元").format(option=option, value=repr(value)),
                   EXIT_INVALID)
    if amount.as_tuple().exponent < -2:
        raise fail(_("{option}: {value} has more than 2 decimal places (元 to the 分)").format(
            option=option, value=repr(value)), EXIT_INVALID)
    if amount >= Decimal("1e14"):
        raise fail(_("{option}: {value} is implausibly large").format(option=option, value=repr(value)), EXIT_INVALID)
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
        raise fail(_("error: {error}").format(error=exc), EXIT_FAILURE) from None


@app.command(help=N_("Court fee under 诉讼费用交纳办法, with its computation."))
def fees(
    amount: Annotated[str, typer.Option(help=N_("amount in 元 (claim, value preserved, amount enforced, assets)"))],
    kind: Annotated[str, typer.Option(help=N_("acceptance | preservation | enforcement | payment_order | bankruptcy"))] = "acceptance",
    halved: Annotated[bool, typer.Option(help=N_("summary procedure, mediation or withdrawal (halved once)"))] = False,
    ground: Annotated[Optional[str], typer.Option(help=N_("why it is halved: mediation | withdrawal | simplified (the 1989 schedule halves only on withdrawal)"))] = None,
    filed_on: Annotated[Optional[str], typer.Option(help=N_("filing date YYYY-MM-DD (chooses the fee regime; default: the regime now in force)"))] = None,
    round_: Annotated[str, typer.Option("--round", help=N_("yuan | fen"))] = "fen",
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON (amounts as decimal strings)"))] = False,
) -> None:
    json_errors(as_json)
    from legaldocs.money.fees import FEE_KINDS, HALVING_GROUNDS, court_fee

    value = parse_amount(amount, "--amount")
    if kind not in FEE_KINDS:
        raise fail(_("{option}: {value} is not one of {choices}").format(
            option="--kind", value=repr(kind), choices=", ".join(FEE_KINDS)), EXIT_INVALID)
    if ground is not None and ground not in HALVING_GROUNDS:
        raise fail(_("{option}: {value} is not one of {choices}").format(
            option="--ground", value=repr(ground), choices=", ".join(HALVING_GROUNDS)), EXIT_INVALID)
    if round_ not in ("yuan", "fen"):
        raise fail(_("{option}: {value} is not one of {choices}").format(
            option="--round", value=repr(round_), choices="yuan, fen"), EXIT_INVALID)
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
        table = new_table(title=_("{name} on {amount} 元").format(name=result.name, amount=value), show_lines=False)
        table.add_column(_("step"))
        table.add_column(_("rule"))
        for s in result.steps:
            table.add_row(s.text, s.rule)
        console.print(table)
        console.print(_("fee: {fee} 元").format(fee=result.fee))

    run_guarded(action)


# the statement's table columns and totals, as shown
_STATEMENT_COLUMNS = {"kind": N_("kind"), "draw": N_("draw"), "base": N_("base"), "from": N_("from"), "to": N_("to"),
                      "days": N_("days"), "rate": N_("rate"), "amount": N_("amount")}
_STATEMENT_TOTALS = {"principal": N_("principal"), "interest": N_("interest"), "penalty_interest": N_("penalty interest"),
                     "compound_interest": N_("compound interest"), "total": N_("total")}


@app.command(help=N_("What is owed as of a date (欠款明细): principal, interest, 罚息, 复利, every accrual line."))
def interest(
    case: Annotated[Path, typer.Argument(help=N_("case file (.yaml, .yml or .json)"))],
    as_of: Annotated[Optional[str], typer.Option(help=N_("date YYYY-MM-DD the amounts are computed to (default: claim.as_of)"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON (amounts as decimal strings)"))] = False,
    xlsx: Annotated[Optional[Path], typer.Option(help=N_("also write the statement as an Excel workbook"))] = None,
) -> None:
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
            raise fail("--as-of: " + _("{date} is before the first draw ({first})").format(date=when, first=first),
                       EXIT_INVALID)
        st = case_statement(loaded.case, when)
        if xlsx is not None:
            from legaldocs.documents.xlsx import write_statement_xlsx

            if xlsx.suffix.lower() != ".xlsx" or xlsx.is_dir() or not xlsx.parent.is_dir():
                raise fail(_("{option}: {path} must be a {suffix} file in an existing folder").format(
                    option="--xlsx", path=xlsx, suffix=".xlsx"), EXIT_INVALID)
            try:
                write_statement_xlsx(st, xlsx)
            except OSError as exc:
                raise fail(_("{option}: cannot write {path}: {reason}").format(
                    option="--xlsx", path=xlsx, reason=exc.strerror or exc), EXIT_FAILURE) from None
        if as_json:
            console.print_json(json.dumps(st.as_dict(), ensure_ascii=False))
            return
        table = new_table(title=_("{case} as of {date}").format(case=loaded.case.case_id, date=st.as_of))
        for col in ("kind", "draw", "base", "from", "to", "days", "rate", "amount"):
            table.add_column(_(_STATEMENT_COLUMNS[col]), justify="right" if col in ("base", "days", "rate", "amount") else "left")
        for line in st.lines:
            kind = _(_STATEMENT_TOTALS[line.kind]) if line.kind in _STATEMENT_TOTALS else line.kind
            table.add_row(kind, line.draw, f"{line.base:,.2f}", str(line.start), str(line.end), str(line.days),
                          str(line.rate), f"{line.amount:,.2f}")
        console.print(table)
        labels = {name: _(label) for name, label in _STATEMENT_TOTALS.items()}
        width = max(len(label) for label in labels.values())
        for name, label in labels.items():
            console.print(f"{label:>{width}}: {getattr(st, name):,.2f} {unit(st.currency)}", markup=False)
        for r in st.repricings:
            console.print(_("repricing {loan} {date}: {text}").format(loan=r.loan, date=r.date, text=r.text),
                          markup=False, soft_wrap=True)
        for text in st.continuing:
            console.print(text, markup=False, soft_wrap=True)
        for text in st.flags:
            err_console.print(_("note: {text}").format(text=text), markup=False, soft_wrap=True)
        for d in st.differences:
            line = _("differs from the bank: {item} engine {engine} bank {bank} ({delta})").format(
                item=d.item, engine=d.engine, bank=d.bank, delta=f"{d.delta:+}")
            if d.cause:
                line += _("; cause: {cause}").format(cause=d.cause)
            err_console.print(line, markup=False, soft_wrap=True)

    run_guarded(action)


# a rule row's `status` (the reference's tags [V], [S], [M]) as shown; rows without one show "—"
RULE_STATUS_NAMES = {"verified": "已核实", "secondary": "二手来源", "unverified": "未核实"}


def _rule_status_name(status: str | None) -> str:
    """已核实 / 二手来源 / 未核实 for a rule row's ``status``, "—" for a row without one."""
    return RULE_STATUS_NAMES.get(status, status) if status else "—"


@app.command(help=N_(
    "The rules as data, every version with its citation and the dates it governs, and which "
    "fact's date chooses it (for auditors checking a result against the law of its date); with the "
    "status of the rows that have one (已核实 verified, 二手来源 secondary, 未核实 unverified: a result "
    "resting on an unverified row needs a recorded confirmation), — for the others."))
def rules(
    table: Annotated[Optional[str], typer.Argument(help=N_(
        "rule table, e.g. court_fees, periods, classification, provisioning, writeoff, tax (an unknown one lists them all)"))] = None,
    kind: Annotated[Optional[str], typer.Argument(help=N_("rule kind, e.g. limitation, acceptance, retrial"))] = None,
    on: Annotated[Optional[str], typer.Option(help=N_("only the version in force on this date YYYY-MM-DD"))] = None,
    status: Annotated[Optional[str], typer.Option(help=N_(
        "only the rows of this status: verified, secondary, unverified, or none (rows without a status)"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON"))] = False,
) -> None:
    json_errors(as_json)
    from legaldocs.law.rules import governs, load_rules, rule_history, tables

    day = parse_date(on, "--on")
    names = tables()
    if table is not None and table not in names:
        raise fail(_("{option}: {value} is not one of {choices}").format(
            option="TABLE", value=repr(table), choices=", ".join(names)), EXIT_INVALID)
    if status is not None and status not in (*RULE_STATUS_NAMES, "none"):
        raise fail(_("{option}: {value} is not one of {choices}").format(
            option="--status", value=repr(status), choices=", ".join((*RULE_STATUS_NAMES, "none"))), EXIT_INVALID)
    rows = []
    for t in [table] if table else names:
        kinds = sorted({r["kind"] for r in load_rules(t)})
        if kind is not None and kind not in kinds:
            raise fail(_("KIND: {kind} is not a kind of {table}: {choices}").format(
                kind=repr(kind), table=t, choices=", ".join(kinds)), EXIT_INVALID)
        for k in [kind] if kind else kinds:
            g = governs(t, k)
            for r in rule_history(t, k):
                end = r.get("effective_to")
                if day is not None and not (r["effective_from"] <= day and (end is None or day <= end)):
                    continue
                tag = r.get("status")
                if status is not None and (tag or "none") != status:
                    continue
                rows.append({"table": t, "kind": k, "id": r["id"], "from": r["effective_from"].isoformat(),
                             "to": end.isoformat() if end else None, "in_force": r.get("in_force", True),
                             "citation": r["citation"], "notes": r.get("notes", ""),
                             "status": tag, "status_name": _rule_status_name(tag), "source": r.get("source"),
                             "chosen_by": g.name, "chosen_by_citation": g.citation})
    if as_json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    if not rows and status is not None:
        console.print(_("no rule row of status {status} among those asked for").format(status=status), markup=False)
        return
    if not rows:
        console.print(_("no rule version is in force on {date}: the tables begin in 1982-1989 (see `legaldocs rules`)").format(
            date=day), markup=False)
        return
    out = new_table(title=_("rules in force on {date}").format(date=day) if day else _("rules by date"))
    for col in (N_("table"), N_("kind of rule"), N_("in force from"), N_("in force until"), N_("citation"), N_("status"),
                N_("chosen by")):
        out.add_column(_(col), overflow="fold")
    for r in rows:
        citation = r["citation"] if r["in_force"] else _("(no such rule) {citation}").format(citation=r["citation"])
        out.add_row(*cells(r["table"], r["kind"], r["from"], r["to"] or "", citation, r["status_name"], r["chosen_by"]))
    console.print(out)


@app.command(help=N_(
    "Compare the figures a court or the bank stated (the case's stated entries) with the "
    "engines' results, each difference with its cause where the engine can tell. Exit 0 whether "
    "or not they agree; the table says which."))
def compare(
    case: Annotated[Path, typer.Argument(help=N_("case file (.yaml, .yml or .json)"))],
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON"))] = False,
) -> None:
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
            console.print(_("{case}: no figures to compare (give the claim's balances or stated in the case file)").format(
                case=case), markup=False)
            return
        table = new_table(title=_("{case}: stated figures against this tool's results").format(case=loaded.case.case_id))
        for col in (N_("source"), N_("item"), N_("stated"), N_("computed"), N_("agree"), N_("cause of the difference")):
            table.add_column(_(col), overflow="fold")
        by = {"court": _("court"), "bank": _("bank")}
        for r in rows:
            table.add_row(*cells(f"{by.get(r.by, r.by)} {r.source or ''}".strip(), _kind_labels().get(r.item, r.label), r.stated,
                                 "—" if r.engine is None else r.engine, _("yes") if r.agree else _("no"), r.cause or ""))
        console.print(table)

    run_guarded(action)


def _pair(value: str, option: str) -> tuple[str, str]:
    left, sep, right = value.partition(":")
    if not sep:
        raise fail(_("{option}: {value} must be FROM:TO or DATE:AMOUNT").format(option=option, value=repr(value)), EXIT_INVALID)
    return left, right


@app.command("delay-interest", help=N_("Doubled-part interest for delayed performance (法释〔2014〕8号): debt x 0.000175 a day."))
def delay_interest_command(
    debt: Annotated[str, typer.Option(help=N_("money debt fixed by the judgment, excluding running general interest (元)"))],
    due: Annotated[str, typer.Option(help=N_("last day of the performance period YYYY-MM-DD"))],
    until: Annotated[str, typer.Option(help=N_("date of full payment, or the date to compute to"))],
    payment: Annotated[Optional[list[str]], typer.Option(help=N_("DATE:AMOUNT paid on the debt (repeatable)"))] = None,
    excluded: Annotated[Optional[list[str]], typer.Option(help=N_("FROM:TO period not counted, both inclusive (repeatable)"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON (amounts as decimal strings)"))] = False,
) -> None:
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
            raise fail(_("invalid input: {error}").format(error=exc), EXIT_INVALID) from None
        if as_json:
            console.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        for s in result.steps:
            console.print(f"{s.text}  [{s.rule}]", markup=False, soft_wrap=True)
        for text in result.flags:
            err_console.print(_("note: {text}").format(text=text), markup=False, soft_wrap=True)
        console.print(_("days: {days}; doubled interest: {amount} 元").format(
            days=result.days, amount=f"{result.doubled_interest:,.2f}"), markup=False)

    run_guarded(action)


def _kind_labels() -> dict[str, str]:
    from legaldocs.deadlines.chain import KIND_NAMES
    from legaldocs.money.reconcile import ITEM_NAMES

    return {**ITEM_NAMES, **KIND_NAMES}


def cells(*values: object) -> list[Text]:
    """Table cells from values that may hold case data: shown as they are, never read as markup."""
    from rich.text import Text

    return [Text("" if v is None else str(v)) for v in values]


def _clock_table(title: str, rows: list[tuple[str, object, str, str, str, str]], *, with_file: bool = False) -> Table:
    """Clocks as a table: (case id, clock, severity, obligor names, file, write-off status) per
    row; the write-off column (账销案存, 完全终结) only when some case has one."""
    from legaldocs.deadlines.chain import KIND_NAMES, STATUS_NAMES
    from legaldocs.portfolio.alerts import SEVERITY_NAMES

    table = new_table(title=title)
    written_off = any(row[5] for row in rows)
    columns = (N_("case"), *((N_("write-off"),) if written_off else ()), N_("clock"), N_("obligor"), N_("ends on"),
               N_("arguable date"), N_("status"), N_("urgency"))
    for col in columns + ((N_("file"),) if with_file else ()):
        table.add_column(_(col), no_wrap=col in ("ends on", "arguable date"))
    for case_id, c, level, names, where, write_off in rows:
        status = STATUS_NAMES.get(c.status, c.status) + (_(" (holiday calendar not yet published: provisional)") if c.provisional else "")
        row = [case_id, *((write_off,) if written_off else ()), KIND_NAMES.get(c.kind, c.kind), names, c.date or "—",
               c.alternative_date or "", status, SEVERITY_NAMES.get(level, level)]
        table.add_row(*cells(*row, *((where,) if with_file else ())))
    return table


def _case_write_off(case, day: dt.date):  # noqa: ANN001, ANN202 - a Case; a WriteOffStatus
    """The case's write-off status on ``day`` with its recoveries after write-off; when the money
    engine cannot apply them, the status without them and the reason (the clocks never depend
    on the figures)."""
    from legaldocs.portfolio.status import write_off_status

    try:
        return write_off_status(case, day), None
    except LegalDocsError as exc:
        return write_off_status(case, day, recoveries=False), str(exc)


def _print_write_off(status, not_computed: str | None) -> None:  # noqa: ANN001 - a WriteOffStatus
    """The write-off status under a case's clocks: 账销案存 (clocks run on) or 完全终结 (clocks no
    longer alerts), and the recoveries after the write-off by component and by source."""
    from legaldocs.chinese import format_amount
    from legaldocs.case.model import RECOVERY_SOURCES
    from legaldocs.portfolio.status import COMPONENT_NAMES

    if not status.written_off:
        return
    if status.ended:
        console.print(_("write-off status: {status}; the claim is fully ended: its clocks are listed but no longer "
                        "alerts").format(status=status.label), markup=False, soft_wrap=True)
    else:
        console.print(_("write-off status: {status}; the claim is still pursued and every clock runs on").format(
            status=status.label), markup=False, soft_wrap=True)
    if not_computed:
        err_console.print(_("note: recoveries after the write-off not computed: {reason}").format(
            reason=not_computed), markup=False, soft_wrap=True)
        return
    if not status.recoveries:
        console.print(_("recovered after the write-off: nothing"), markup=False)
        return
    console.print(_("recovered after the write-off: {amount} 元").format(amount=format_amount(status.recovered)),
                  markup=False)
    parts = "；".join(f"{COMPONENT_NAMES.get(c, c)} {format_amount(a)}"
                     for c, a in status.recovered_by_component().items())
    console.print(_("  by component: {parts}").format(parts=parts), markup=False, soft_wrap=True)
    sources = "；".join(f"{RECOVERY_SOURCES.get(k, k)} {format_amount(a)}"
                       for k, a in status.recovered_by_source().items())
    console.print(_("  by source: {sources}").format(sources=sources), markup=False, soft_wrap=True)


@app.command(help=N_(
    "Every clock of a case (诉讼时效, 保证期间, 申请执行期间 ...) with the chain that made it, and the "
    "case's write-off status (账销案存: written off, every clock still runs; 完全终结: fully ended) "
    "with what was recovered after the write-off."))
def deadlines(
    case: Annotated[Path, typer.Argument(help=N_("case file (.yaml, .yml or .json)"))],
    as_of: Annotated[str, typer.Option(help=N_("date YYYY-MM-DD the clocks are read on"))],
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON"))] = False,
) -> None:
    json_errors(as_json)
    day = parse_date(as_of, "--as-of")

    def action() -> None:
        from legaldocs.case.load import load_case
        from legaldocs.deadlines.clocks import case_clocks

        loaded = load_case(case, check_files=False)
        clocks = case_clocks(loaded.case, day)
        status, not_computed = _case_write_off(loaded.case, day)
        if as_json:  # each clock carries its case's write-off status
            console.print_json(json.dumps([{**c.as_dict(), "write_off": status.as_dict()} for c in clocks],
                                          ensure_ascii=False))
            if not_computed:
                err_console.print(_("note: recoveries after the write-off not computed: {reason}").format(
                    reason=not_computed), markup=False, soft_wrap=True)
            return
        from legaldocs.deadlines.chain import obligor_names

        rows = [(loaded.case.case_id, c, "", obligor_names(loaded.case, c), "", status.state_name) for c in clocks]
        console.print(_clock_table(_("{case}: clocks as of {date}").format(case=loaded.case.case_id, date=day), rows))
        _print_write_off(status, not_computed)
        for c in clocks:
            for link in c.chain:
                console.print(f"  {c.kind} {link.date} {link.event} [{link.rule}]", markup=False, soft_wrap=True)
            for note in c.notes:
                console.print(_("  {kind} note: {note}").format(kind=c.kind, note=note), markup=False, soft_wrap=True)

    run_guarded(action)


@app.command(help=N_(
    "Clocks of many cases that end within DAYS, have ended or need review, most urgent first. "
    "Every case is computed on its own; files that cannot be read are listed at the end with the "
    "reason (exit 1 when there is any)."))
def alerts(
    paths: Annotated[list[Path], typer.Argument(help=N_("case files, or folders searched for *.yaml, *.yml, *.json"))],
    as_of: Annotated[str, typer.Option(help=N_("date YYYY-MM-DD"))],
    within: Annotated[int, typer.Option(help=N_("days ahead to include"))] = 30,
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON"))] = False,
    ics: Annotated[Optional[Path], typer.Option(help=N_("also write an iCalendar file with reminders 30, 7 and 1 days before"))] = None,
) -> None:
    json_errors(as_json)
    day = parse_date(as_of, "--as-of")
    if not 0 <= within <= MAX_WITHIN_DAYS:
        raise fail(_("--within: must be from 0 to {days} days").format(days=MAX_WITHIN_DAYS), EXIT_INVALID)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(_("not found: {paths}").format(paths=", ".join(missing)), EXIT_INVALID)
    if ics is not None and (ics.is_dir() or not ics.parent.is_dir() or ics.suffix.lower() != ".ics"):
        raise fail(_("{option}: {path} must be a {suffix} file in an existing folder").format(
            option="--ics", path=ics, suffix=".ics"), EXIT_INVALID)

    def action() -> None:
        from legaldocs.portfolio.alerts import scan_alerts

        report = scan_alerts(list(paths), day, within)
        if ics is not None:
            from legaldocs.deadlines.ics import write_ics

            try:
                write_ics([(a.case_id, a.clock) for a in report.alerts], ics,
                          stamp=dt.datetime.combine(day, dt.time(0), tzinfo=dt.timezone.utc))
            except OSError as exc:
                raise fail(_("{option}: cannot write {path}: {reason}").format(
                    option="--ics", path=ics, reason=exc.strerror or exc), EXIT_FAILURE) from None
        if as_json:
            console.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            rows = [(a.case_id, a.clock, a.severity, a.obligor_names, a.path.name,
                     a.write_off.state_name if a.write_off else "") for a in report.alerts]
            title = ngettext("{count} case: clocks that end by {date}, have ended or are to be determined",
                             "{count} cases: clocks that end by {date}, have ended or are to be determined",
                             report.cases).format(count=report.cases, date=day + dt.timedelta(days=within))
            console.print(_clock_table(title, rows, with_file=True))
            for a in report.alerts:
                if a.severity == "review":
                    for note in a.clock.notes:
                        console.print(f"  {a.case_id} {a.clock.kind}: {note}", markup=False, soft_wrap=True)
            for e in report.ended:
                console.print(_("{case}: {status}: the claim is fully ended, its clocks are no longer alerts "
                                "(`legaldocs deadlines` still lists them) ({file})").format(
                    case=e.case_id, status=e.write_off.label, file=e.path.name), markup=False, soft_wrap=True)
        for w in report.warnings:
            err_console.print(_("warning: {warning}").format(warning=w), markup=False, soft_wrap=True)
        for u in report.unreadable:  # at the end, so that no case with nothing due is mistaken for a clean one
            err_console.print(_("{path}: not scanned: {reason}").format(path=u.path, reason=u.reason),
                              markup=False, soft_wrap=True)
        if report.unreadable:
            raise typer.Exit(EXIT_FAILURE)

    run_guarded(action)


_CLASSIFY_METHODS = ("regulatory", "ecl")
_METHOD_NAMES = {"regulatory": N_("regulatory ratios"), "ecl": N_("expected credit loss")}


@app.command(help=N_(
    "Risk class (五级分类) of every loan of the cases as of a date: days past due, the floor each rule gives "
    "with its citation and whether the rule is verified, the class the facts require, the class booked, what "
    "needs judgment; then the portfolio's provisions, coverage (拨备覆盖率) and provision ratio (贷款拨备率), "
    "before and after writing off the cases given by --write-off. Sources that cannot be read are listed at "
    "the end with the reason (exit 1 when there is any)."))
def classify(
    sources: Annotated[list[Path], typer.Argument(help=N_(
        "case files, folders searched for *.yaml, *.yml, *.json, or .xlsx case ledgers"))],
    as_of: Annotated[str, typer.Option(help=N_("date YYYY-MM-DD"))],
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON (amounts and ratios as decimal strings)"))] = False,
    xlsx: Annotated[Optional[Path], typer.Option(help=N_("also write the classification as an Excel workbook"))] = None,
    method: Annotated[str, typer.Option(help=N_(
        "provisions: regulatory (the 2002 ratios by class, the default) or ecl (the allowances the case files give)"))] = "regulatory",
    write_off: Annotated[Optional[list[str]], typer.Option(help=N_(
        "CASE_ID of a case proposed for write-off, the option once for each case (--write-off A --write-off B): "
        "ratios are also shown after writing off their principal"))] = None,
) -> None:
    json_errors(as_json)
    day = parse_date(as_of, "--as-of")
    if method not in _CLASSIFY_METHODS:
        raise fail(_("{option}: {value} is not one of {choices}").format(
            option="--method", value=repr(method), choices=", ".join(_CLASSIFY_METHODS)), EXIT_INVALID)
    if xlsx is not None and (xlsx.is_dir() or not xlsx.parent.is_dir() or xlsx.suffix.lower() != ".xlsx"):
        raise fail(_("{option}: {path} must be a {suffix} file in an existing folder").format(
            option="--xlsx", path=xlsx, suffix=".xlsx"), EXIT_INVALID)
    if xlsx is not None and any(xlsx.resolve() == s.resolve() for s in sources if s.suffix.lower() == ".xlsx"):
        raise fail(_("{option}: {path} is a ledger being classified; writing the result there would replace it: "
                     "give another file").format(option="--xlsx", path=xlsx), EXIT_INVALID)

    def action() -> None:
        from legaldocs.portfolio.classification import classify_sources
        from legaldocs.portfolio.provisioning import portfolio_provisions

        try:
            result = classify_sources(list(sources), day)
            provisions = portfolio_provisions(result, method=method, write_off=write_off or ())
        except LegalDocsError as exc:
            raise fail(_("invalid input: {error}").format(error=exc), EXIT_INVALID) from None
        body = _classification_body(result, provisions)
        if xlsx is not None:
            try:
                _classification_xlsx(body, xlsx, day)
            except OSError as exc:
                raise fail(_("{option}: cannot write {path}: {reason}").format(
                    option="--xlsx", path=xlsx, reason=exc.strerror or exc), EXIT_FAILURE) from None
        if as_json:
            console.print_json(json.dumps(body, ensure_ascii=False))
        else:
            _print_classification(body)
        for w in body["warnings"]:
            err_console.print(_("warning: {warning}").format(warning=w), markup=False, soft_wrap=True)
        for u in body["unreadable"]:
            err_console.print(_("{path}: not classified: {reason}").format(path=u["file"], reason=u["reason"]),
                              markup=False, soft_wrap=True)
        if body["unreadable"]:
            raise typer.Exit(EXIT_FAILURE)

    run_guarded(action)


def _classification_body(result: Any, provisions: Any) -> dict:
    """The JSON object of ``classify`` (docs/portfolio.md): as_of, method, loans (each with its
    provision), portfolio, rules (every rule of the classification and of the provisions, by id),
    unreadable, warnings."""
    by_loan = {(p.case_id, p.loan): p.as_dict() for p in provisions.loans}
    loans = [dict(lc.as_dict(), provision=by_loan.get((lc.case_id, lc.loan))) for lc in result.loans]
    portfolio = provisions.as_dict()
    del portfolio["loans"]
    used = {r.id: r for r in [*result.rules_used(), *provisions.rules_used()]}
    return {"as_of": result.as_of.isoformat(), "method": provisions.method, "cases": len(result.cases), "loans": loans,
            "portfolio": portfolio, "rules": [used[k].as_dict() for k in sorted(used)],
            "unreadable": [u.as_dict() for u in result.unreadable], "warnings": list(result.warnings)}


def _classification_rows(body: dict) -> tuple[list[str], list[list[Any]]]:
    """The loan table of ``classify`` (header, rows), for the screen and the workbook."""
    header = [_(c) for c in (N_("case"), N_("borrower"), N_("loan"), N_("principal"), N_("days overdue"), N_("class"),
                             N_("booked"), N_("reasons"), N_("needs judgment (需人工判断)"))]
    status = RULE_STATUS_NAMES
    rows = []
    for lc in body["loans"]:
        decisive = [f for f in lc["floors"] if f["category"] == lc["category"]]
        reasons = "\n".join(f"{f['text']}（{f['rule']}，{status.get(f['status'], f['status'])}）" for f in decisive)
        booked = lc["booked"]
        booked_text = "" if booked is None else f"{booked['category']}（{booked['date']}）" + (
            _(" below the floor") if lc["below_floor"] else "")
        rows.append([lc["case"], lc["borrower_name"], lc["contract"], Decimal(lc["principal"]), lc["days_past_due"],
                     lc["category"] + (f"\n{lc['write_off']}" if lc["write_off"] else ""), booked_text, reasons, "\n".join(j["text"] for j in lc["judgment"])])
    return header, rows


def _portfolio_rows(body: dict) -> tuple[list[str], list[list[Any]]]:
    """The portfolio table of ``classify``: each figure before and (when asked) after the write-off."""
    p = body["portfolio"]
    after = p["after"]
    header = [_("item"), _("before write-off")] + ([_("after write-off")] if after else [])

    def figures(f: dict | None) -> dict:
        return {} if f is None else {
            "loans": Decimal(f["loans"]), "npl": Decimal(f["npl"]), "allowance": Decimal(f["allowance"]),
            "coverage": f["coverage_shown"] or "—", "provision_ratio": f["provision_ratio_shown"] or "—",
            "npl_ratio": f["npl_ratio_shown"] or "—"}

    b, a = figures(p["before"]), figures(after)
    names = {"loans": _("loans"), "npl": _("non-performing loans"), "allowance": _("allowance"),
             "npl_ratio": _("NPL ratio"), "coverage": _("coverage (拨备覆盖率)"), "provision_ratio": _("provision ratio (贷款拨备率)")}
    rows = [[names[k], b[k]] + ([a[k]] if after else []) for k in names]
    for i, r in enumerate(p["requirements_before"]):
        later = p["requirements_after"][i] if after else None
        rows.append([_("required: {name} ({rule})").format(name=r["name"], rule=r["rule"]), Decimal(r["required"])]
                    + ([Decimal(later["required"])] if later else []))
        rows.append([_("shortfall: {name}").format(name=r["name"]), Decimal(r["shortfall"])]
                    + ([Decimal(later["shortfall"])] if later else []))
    g, later = p["general_reserve"], p["general_reserve_after"]
    if g:
        rows.append([_("general reserve required ({rule})").format(rule=g["rule"]), Decimal(g["required"])]
                    + ([Decimal(later["required"]) if later else "—"] if after else []))
    return header, rows


def _print_classification(body: dict) -> None:
    header, rows = _classification_rows(body)
    table = new_table(title=_("risk classification as of {date} ({count} cases)").format(date=body["as_of"], count=body["cases"]),
                      show_lines=True)
    for i, col in enumerate(header):
        table.add_column(col, justify="right" if i in (3, 4) else "left", overflow="fold")
    for r in rows:
        table.add_row(*cells(*r[:3], f"{r[3]:,.2f}", *r[4:]))
    console.print(table)
    header, rows = _portfolio_rows(body)
    table = new_table(title=_("portfolio ({method} provisions)").format(method=_(_METHOD_NAMES.get(body["method"], body["method"]))))
    for i, col in enumerate(header):
        table.add_column(col, justify="left" if i == 0 else "right")
    for r in rows:
        table.add_row(*cells(*(f"{v:,.2f}" if isinstance(v, Decimal) else v for v in r)))
    console.print(table)
    for note in body["portfolio"]["notes"]:
        err_console.print(_("note: {text}").format(text=note), markup=False, soft_wrap=True)


def _classification_xlsx(body: dict, out: Path, day: dt.date) -> None:
    """The workbook of ``classify``: 分类 (one row per loan), 组合 (the portfolio), 规则 (each rule used)."""
    from legaldocs.documents.xlsx import Sheet, write_tables_xlsx

    header, rows = _classification_rows(body)
    status = RULE_STATUS_NAMES
    loans = [r[:3] + [r[3], r[4], lc["category"], lc["overdue_since"] or "", r[6], r[7], r[8], lc["write_off"] or ""]
             for r, lc in zip(rows, body["loans"])]
    sheets = [Sheet("分类", header[:5] + [header[5], _("oldest unpaid due date")] + header[6:] + [_("write-off")], loans,
                    widths=(18, 16, 18, 16, 10, 8, 14, 16, 60, 60, 28), money=frozenset({3}),
                    title=_("risk classification as of {date} ({count} cases)").format(date=body["as_of"], count=body["cases"]))]
    header, rows = _portfolio_rows(body)
    notes = [[_("note: {text}").format(text=n)] for n in body["portfolio"]["notes"]]
    sheets.append(Sheet("组合", header, rows + ([[]] + notes if notes else []), widths=(40, 20, 20), money=frozenset({1, 2})))
    sheets.append(Sheet("规则", ["id", _("citation"), _("status")],
                        [[r["rule"], r["citation"], status.get(r["status"], r["status"])] for r in body["rules"]],
                        widths=(44, 80, 10)))
    if body["unreadable"]:
        sheets.append(Sheet("无法读取", [_("file"), _("reason")], [[u["file"], u["reason"]] for u in body["unreadable"]],
                            widths=(40, 100)))
    write_tables_xlsx(sheets, out, title="风险分类", date=day)


templates_app = typer.Typer(help=N_("Word templates: check that they can be used."), no_args_is_help=True,
                            rich_markup_mode=None)
app.add_typer(templates_app, name="templates")


@templates_app.command("check", help=N_(
    "Check templates: how placeholders are written (full-width signs, curly quotes, "
    "tags split apart, {%p for %} / {%tr for %} left open), and whether variables and filters are in "
    "the template catalogue (catalogue.toml). Each problem names the template file, the place "
    "(which paragraph, or which table, row and column) and the text. Exit 0 without errors (there "
    "may be notes), 2 with errors."))
def templates_check(
    folder: Annotated[Optional[Path], typer.Argument(
        envvar=TEMPLATES_ENV, show_envvar=True,
        help=N_("template folder (a bank's own, or one .docx file); without it the built-in templates are checked"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON"))] = False,
) -> None:
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
            raise fail(_("{path}: no such folder or file").format(path=target), EXIT_INVALID,
                       [("FOLDER", _("no such folder or file"))])
        findings = [f for r in reports for f in r.findings]
        errors = sum(f.severity == "error" for f in findings)
        notes = len(findings) - errors
        code = EXIT_INVALID if errors else 0
        summary = (_("{templates} template(s): {errors} error(s), {notes} note(s)").format(
                       templates=len(reports), errors=errors, notes=notes) if findings
                   else _("{templates} template(s): no problem found").format(templates=len(reports)))
        if as_json:
            body: dict[str, Any] = {"folder": str(target), "templates": [r.template for r in reports],
                                    "errors": errors, "notes": notes, "exit": code,
                                    "problems": [f.as_dict() for f in findings]}
            if errors:
                body = {"error": summary, **body}
            console.print_json(json.dumps(body, ensure_ascii=False))
        else:
            console.print(_("checking templates: {path}").format(path=target), markup=False, highlight=False, soft_wrap=True)
            for f in findings:
                console.print(f.line(), markup=False, highlight=False, soft_wrap=True)
                if f.snippet:
                    console.print(_("    text: 「{snippet}」").format(snippet=f.snippet), markup=False, highlight=False,
                                  soft_wrap=True)
            console.print(summary + (_("; the variables each template may use are in CATALOGUE.md") if errors else ""),
                          markup=False, highlight=False, soft_wrap=True)
        if code:
            raise typer.Exit(code)

    run_guarded(action)
