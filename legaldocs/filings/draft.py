"""One document of the recovery path, drafted on its own (``legaldocs draft``).

The document is built from the same resolved :class:`~legaldocs.filings.filing.Filing` as the
packet, so a draft and a packet of the same case, dates and form say the same thing.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from legaldocs import runs
from legaldocs.case.model import Case
from legaldocs.documents.office import docx_to_pdf
from legaldocs.documents.render import DocumentProperties, render_docx
from legaldocs.documents.templates import template_path
from legaldocs.errors import CaseValidationError, OutputError
from legaldocs.filings.filing import Filing, build_filing
from legaldocs.filings.stages import REGISTRY, Extras, load_modules
from legaldocs.i18n import _


@dataclass(frozen=True)
class Draft:
    """What :func:`draft` wrote: the .docx files (one per addressee for notices) and their PDFs."""

    filing: Filing
    kind: str
    docx: tuple[Path, ...]
    pdf: tuple[Path, ...]


_FORM_OF = {"complaint": "narrative", "complaint_element": "element", "enforcement": "narrative",
            "enforcement_element": "element"}


# what a document needs from the case file, named when it is missing
_NEEDS = {"preservation": "preservation", "property_leads": "property_leads", "seizure_renewal": "events (查封冻结)",
          "enforcement": "judgment", "enforcement_element": "judgment", "guarantee_notice": "guarantees",
          "power_of_attorney": "agents", "statement": "claim.amounts (engine)"}


def document_kinds() -> dict[str, str]:
    """Every document kind that can be drafted, with its Chinese title."""
    load_modules()
    return {kind: d.title for kind, d in REGISTRY.items()}


def draft(case: Case, kind: str, out_dir: Path, *, as_of: dt.date | None = None,
          filing_date: dt.date | None = None, form: str | None = None, templates: Path | None = None,
          pdf: bool = True, source: str = "case") -> Draft:
    """Draft the document ``kind`` (a key of :func:`document_kinds`) of ``case`` into ``out_dir``
    as ``<title>.docx`` (and ``.pdf`` unless ``pdf`` is false); a notice goes to each addressee,
    as ``<title>-<addressee>.docx``. The files are made in a staging folder of this run's in
    ``out_dir`` and moved into place once all exist; a failure leaves ``out_dir`` as it was (and
    removes it only if the run made it and nothing else is there), and the debris of a run that
    died is cleared by the next (:mod:`legaldocs.runs`).

    Raises CaseValidationError naming ``--doc`` for an unknown kind or one the case does not need
    (e.g. 授权委托书 without an agent), and what :func:`~legaldocs.filings.filing.build_filing`
    raises; TemplateError, ConversionError.
    """
    kinds = document_kinds()
    if kind not in kinds:
        raise CaseValidationError(source, [("--doc", _("unknown document {kind}; one of: {kinds}").format(
            kind=repr(kind), kinds=", ".join(f"{k} ({t})" for k, t in kinds.items())))])
    if form is None and kind in _FORM_OF:  # asking for one form of a document is choosing that form
        form = _FORM_OF[kind]
    filing = build_filing(case, as_of=as_of, filing_date=filing_date, source=source, form=form)
    document = REGISTRY[kind]
    if not document.needed(filing):
        needs = _NEEDS.get(kind)
        if needs:
            raise CaseValidationError(source, [(needs, _("{document} needs this section of the case file, which is "
                                                         "missing").format(document=document.title))])
        raise CaseValidationError(source, [("--doc", _("{document} is not needed for this case "
                                                      "(its facts are missing, or another form was chosen)").format(
            document=document.title))])
    extras = Extras(evidence_no=filing.evidence_no,
                    attachments=["证据目录及证据材料一套"] if filing.case.evidence else [])
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(_("{folder}: is a file, not a folder").format(folder=out_dir))
    template = template_path(document.template, templates)
    runs.clear_dead_outputs(out_dir)
    try:
        # written in a staging folder of this run's, moved into out_dir once all are there
        staging, created = runs.make_in(out_dir, f".{filing.case.case_id}-{kind}{runs.STAGING}")
    except OSError as exc:
        raise OutputError(_("{folder}: cannot write there: {reason}").format(
            folder=out_dir, reason=exc.strerror or exc)) from exc
    try:
        produced = []
        contexts = document.context(filing, extras)
        pairs = contexts if document.per_party else [("", contexts)]
        for suffix, context in pairs:
            title = document.title_for(filing)
            name = f"{title}-{suffix}" if suffix else title
            properties = DocumentProperties(author=filing.case.creditor.name, title=name, date=filing.filing_date)
            produced.append(render_docx(template, context, staging / f"{name}.docx", properties, case=filing.case))
        pdfs = docx_to_pdf(produced, staging) if pdf else []
        written = []
        for path in [*produced, *pdfs]:
            os.replace(path, out_dir / path.name)
            written.append(out_dir / path.name)
    except BaseException:
        # only what this run made: its staging folder, and out_dir if it made it and nothing else is there
        runs.release(staging)
        runs.remove_empty(created)
        raise
    runs.release(staging)
    return Draft(filing, kind, tuple(written[: len(produced)]), tuple(written[len(produced):]))
