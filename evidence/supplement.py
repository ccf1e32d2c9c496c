"""Supplementary evidence (补充证据): evidence added after the bundle was filed, in further files
that continue the exhibit numbers and page numbers of what was filed, the filed packet untouched.

    legaldocs supplement CASE --filed OUT/<case id> [--out OUT] [--filing-date YYYY-MM-DD] [--volume-size 20MB]

What was filed is read from the filed packet's ``manifest.json``: each exhibit (its number, the
evidence item's id, the SHA-256 of its files) and the last page of 证据材料 (P; its last
exhibit N). The evidence items of the case file not among them, in the case file's order, are
the supplement: exhibits N+1, N+2 ..., after a 补充证据目录 (template ``supplementary_index.docx``)
whose first page is P+1, in 补充证据材料（一）.pdf (（二） for the second supplement ...; in volumes
below ``--volume-size`` as 证据材料 is). Stamps, labels, bookmarks and the index's links are
those of 证据材料 (:func:`evidence.assemble_bundle`).

The supplement is written to ``OUT/<case id>-supplement-<n>/`` (OUT: the filed packet's folder's
parent by default) with its own ``manifest.json``, ``packet.zip`` (``legaldocs verify`` checks
it) and review list; its manifest records everything filed so far (the packet's exhibits and
every supplement's), so that folder is the ``--filed`` of the next supplement. Nothing is
written in the filed packet's folder, whose files stay byte for byte as they were.

A filed exhibit whose files have changed since (SHA-256 not the manifest's) is not filed again;
the review list says so, as it does for a filed packet's file changed since it was built.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from legaldocs import __version__, runs
from legaldocs.case.load import LoadedCase, load_case
from legaldocs.documents.office import OfficeSession, office_session
from legaldocs.documents.reproducible import file_entry, read_manifest, sha256_file, verify_packet
from legaldocs.documents.templates import template_folder
from legaldocs.errors import LegalDocsError, OutputError
from legaldocs.filings.claimed import ordinal
from legaldocs.filings.filing import ReviewItem, build_filing
from legaldocs.filings.stages import supplementary_index_context
from legaldocs.i18n import _

from evidence import packet as packets
from evidence.worker import DecodeBudget

__all__ = ["Filed", "SupplementResult", "build_supplement", "read_filed"]

INDEX = "补充证据目录"
BUNDLE = "补充证据材料"


@dataclass(frozen=True)
class Filed:
    """What was filed before, as a packet's (or a supplement's) manifest records it.

    Attributes:
        folder: the filed packet's folder.
        case_id: its case.
        filed_on: the filing date of that packet (or supplement).
        exhibits: each exhibit filed so far: ``number``, ``evidence`` (the item's id), ``title``,
            ``first_page``, ``last_page``, ``sha256`` (of its files, in order).
        last_page: the last page number filed (P).
        supplements: how many supplements were filed so far (0 after the packet alone).
    """

    folder: Path
    case_id: str
    filed_on: dt.date
    exhibits: tuple[dict, ...]
    last_page: int
    supplements: int

    @property
    def last_number(self) -> int:
        """The last exhibit number filed (N)."""
        return max(exhibit["number"] for exhibit in self.exhibits)


@dataclass(frozen=True)
class SupplementResult:
    """What :func:`build_supplement` wrote: the ``folder``, its ``files``, which supplement
    (``number``: 1 for the first), the exhibits' numbers and the pages it holds, its ``volumes``
    (file, pages, exhibits, size, as :class:`evidence.packet.PacketResult` gives them) and
    ``review``: what a clerk must decide before filing it."""

    folder: Path
    files: tuple[str, ...]
    number: int
    first_number: int
    last_number: int
    first_page: int
    last_page: int
    index_pages: int
    exhibits: tuple[dict, ...] = field(default_factory=tuple)
    volumes: tuple[dict, ...] = field(default_factory=tuple)
    review: tuple[ReviewItem, ...] = field(default_factory=tuple)


def read_filed(folder: Path) -> Filed:
    """What the packet (or supplement) in ``folder`` filed, from its ``manifest.json``.

    Raises:
        LegalDocsError: ``folder`` is not a packet folder, or its manifest lists no evidence.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    try:
        case_id = str(manifest["case_id"])
        filed_on = dt.date.fromisoformat(str(manifest["filing_date"]))
        record = manifest.get("evidence_filed")
        if record is not None:  # a supplement: everything filed up to it
            exhibits = tuple(record["exhibits"])
            last_page, supplements = int(record["last_page"]), int(record["supplements"])
        else:  # the packet: its exhibits, with the SHA-256 of the files each was made from
            digests: dict[str, list[str]] = {}
            for entry in manifest.get("inputs", []):
                if "evidence" in entry:
                    digests.setdefault(str(entry["evidence"]), []).append(str(entry["sha256"]))
            exhibits = tuple(
                {"number": int(e["number"]), "evidence": str(e["evidence"]), "title": str(e["title"]),
                 "first_page": int(e["first_page"]), "last_page": int(e["last_page"]),
                 "sha256": digests.get(str(e["evidence"]), [])}
                for e in manifest.get("exhibits", []))
            bundle = manifest.get("bundle") or {}
            last_page = int(bundle.get("last_page") or max((e["last_page"] for e in exhibits), default=0))
            supplements = 0
    except (KeyError, TypeError, ValueError) as exc:
        raise LegalDocsError(_("{folder}: its manifest.json does not say what was filed ({error})").format(
            folder=folder, error=exc)) from exc
    if not exhibits:
        raise LegalDocsError(_("{folder}: that packet filed no evidence (证据材料), so there is nothing to continue").format(
            folder=folder))
    return Filed(folder, case_id, filed_on, exhibits, last_page, supplements)


def build_supplement(
    case_path: Path | str,
    filed: Path | str,
    out_dir: Path | str | None = None,
    *,
    filing_date: dt.date | None = None,
    templates: Path | None = None,
    progress: packets.Progress | None = None,
    office: OfficeSession | None = None,
    max_volume_bytes: int | None = None,
    fit_a4: bool = False,
    downsample_dpi: int | None = None,
    budget: DecodeBudget | None = None,
) -> SupplementResult:
    """Build the next supplement of the case file ``case_path`` after the packet (or supplement)
    in ``filed``, into ``out_dir/<case id>-supplement-<n>/`` (``out_dir``: ``filed``'s parent
    by default). See the module's description.

    ``filing_date``: the supplement's date (under the 补充证据目录's signature); by default the
    case's ``claim.filing_date`` (else its ``as_of``) or, if later, the filed packet's date.
    ``templates``, ``office``, ``max_volume_bytes``, ``fit_a4``, ``downsample_dpi``, ``budget``:
    as for :func:`evidence.packet.build_packet`.

    Raises:
        LegalDocsError: ``filed`` is not a packet of this case, or every evidence item of the
            case was filed already.
        CaseValidationError: the case file or an exhibit file cannot be used (nothing written).
        ConversionError, TemplateError, OutputError: as :func:`evidence.packet.build_packet`;
            on any error ``out_dir`` is left as it was, and ``filed`` is never written to.
    """
    templates = template_folder(templates)
    record = read_filed(Path(filed))
    loaded = load_case(case_path)
    case = loaded.case
    if case.case_id != record.case_id:
        raise LegalDocsError(_("{folder}: that packet is of case {filed}, not of {case}").format(
            folder=record.folder, filed=record.case_id, case=case.case_id))
    if filing_date is None:
        filing_date = max(case.claim.filing_date or case.claim.as_of, record.filed_on)
    filing = build_filing(case, filing_date=filing_date, source=str(case_path))
    loaded = LoadedCase(case=filing.case, path=loaded.path, evidence_files=loaded.evidence_files)
    items = filing.case.evidence
    filed_ids = {exhibit["evidence"] for exhibit in record.exhibits}
    new = [item for item in items if item.id not in filed_ids]
    if not new:
        raise LegalDocsError(_("{case}: every evidence item of the case was filed already (in {folder} or before); "
                               "add the new evidence to the case file first").format(case=case_path, folder=record.folder))
    number = record.supplements + 1
    numbers = {item.id: record.last_number + offset for offset, item in enumerate(new, start=1)}
    by_number = {numbers[item.id]: item for item in new}
    position = {item.id: index for index, item in enumerate(items)}
    review = _changed_since_filed(loaded, record, position) + _filed_packet_changed(record)
    report = progress or (lambda stage_name, done, total: None)
    first_page = record.last_page + 1
    bundle_name = f"{BUNDLE}（{ordinal(number)}）"

    out_dir = Path(out_dir) if out_dir is not None else record.folder.parent
    final = out_dir / f"{case.case_id}-supplement-{number}"
    if final.resolve() == record.folder.resolve():
        raise OutputError(_("{path}: is the filed packet's folder").format(path=final))
    with packets.staged(out_dir, final, case.case_id) as staging:
        with (runs.folder(Path(tempfile.gettempdir()), "legaldocs-work-") as work,
              nullcontext(office) if office is not None else office_session() as office):
            prepared = packets.prepare_exhibits(loaded, work, report, office, downsample_dpi=downsample_dpi,
                                                budget=budget, fit_a4=fit_a4, numbers=numbers)
            review += _notes(prepared, position, by_number)
            reported_fonts = packets._reported_fonts(prepared)  # while the exhibits' PDFs exist

            def context(entries, index_pages):
                return supplementary_index_context(filing, entries, index_pages, items=by_number, first_page=first_page,
                                                   supplement=number, filed_on=record.filed_on)

            report(INDEX, len(new), len(new) + 4)
            bundle = packets._index_and_bundle(
                filing, prepared, staging, templates, report, office, fit_a4, max_volume_bytes, [], len(new) + 4,
                index=INDEX, bundle_name=bundle_name, template="supplementary_index.docx", context=context,
                first_page=first_page, items=by_number)
        review += packets._volume_review(bundle, max_volume_bytes)
        volumes = packets._bundle_volumes(bundle, staging)
        _uploads(staging, [volume["file"] for volume in volumes])
        packets._check_fonts_embedded(staging, reported_fonts)
        filing.review[:] = review
        packets._write_review(filing, staging)
        exhibits = packets._bundle_exhibits(bundle)
        _write_manifest_and_zip(loaded, filing, staging, record, number, exhibits, packets._bundle_record(bundle, staging),
                                review, numbers)
    return SupplementResult(
        folder=final, files=tuple(sorted(p.name for p in final.iterdir())), number=number,
        first_number=record.last_number + 1, last_number=record.last_number + len(new), first_page=first_page,
        last_page=bundle.volumes[-1].last_page, index_pages=bundle.index_pages, exhibits=tuple(exhibits),
        volumes=tuple(volumes), review=tuple(review),
    )


def _changed_since_filed(loaded: LoadedCase, record: Filed, position: dict[str, int]) -> list[ReviewItem]:
    """Filed exhibits whose files are no longer those filed (the case file names others, or
    they were edited): they are not filed again, which the clerk must know."""
    out = []
    for exhibit in record.exhibits:
        files = loaded.evidence_files.get(exhibit["evidence"])
        if files is None or not exhibit.get("sha256"):
            continue
        if [sha256_file(path) for path in files] != list(exhibit["sha256"]):
            out.append(ReviewItem(
                "check", "补充证据",
                f"证据{exhibit['number']}“{exhibit['title']}”已于此前提交，但其文件在提交后有改动，本次未再提交",
                "已提交的证据不会重新提交；如需提交改动后的材料，请在案件档案中作为新的证据项（新的 id）列入，"
                "作为补充证据提交",
                f"evidence[{position[exhibit['evidence']]}].files" if exhibit["evidence"] in position else "evidence"))
    return out


def _filed_packet_changed(record: Filed) -> list[ReviewItem]:
    """Files of the filed packet changed, missing or added since it was built."""
    try:
        found = verify_packet(record.folder).findings
    except LegalDocsError:
        return []
    names = [f.file for f in found if f.where != "input"]
    if not names:
        return []
    return [ReviewItem(
        "check", "补充证据",
        f"已提交的材料（{record.folder.name}）在生成后有改动：{'、'.join(names[:5])}",
        "补充证据的序号和页码接续 manifest.json 记载的已提交材料；请确认法院收到的是生成时的文件"
        "（legaldocs verify 可逐一核对）", "--filed")]


def _notes(prepared, position: dict[str, int], items: dict[int, object]) -> list[ReviewItem]:
    """What taking in the new exhibits' files did or found, as the packet's review list says it."""
    return [ReviewItem(note.severity, "证据", f"证据{exhibit.number}“{exhibit.title}”的文件 {Path(note.file).name}：{note.text}",
                       "提交前请核对补充证据材料中该页与原件一致",
                       f"evidence[{position[items[exhibit.number].id]}].files")
            for exhibit in prepared for note in exhibit.notes]


def _uploads(staging: Path, files: list[str]) -> None:
    """``online-filing/``: each file of the supplement, numbered, as it is (one per volume)."""
    import shutil

    from legaldocs.files import atomic_path

    folder = staging / packets.ONLINE
    folder.mkdir()
    for n, name in enumerate(files, start=1):
        with atomic_path(folder / f"{n:02d}-{name}") as temporary:
            shutil.copyfile(staging / name, temporary)


def _write_manifest_and_zip(loaded: LoadedCase, filing, staging: Path, record: Filed, number: int,
                            exhibits: list[dict], bundle: dict, review: list[ReviewItem],
                            numbers: dict[str, int]) -> None:
    """``manifest.json``: the supplement (its exhibits, pages, files), what it continues
    (``filed``) and everything filed so far (``evidence_filed``, for the next supplement);
    ``packet.zip`` and ``packet.zip.sha256``, as the packet's. No clock time."""
    case = loaded.case
    by_id = {item.id: item for item in case.evidence}
    new_ids = {number_: evidence_id for evidence_id, number_ in numbers.items()}
    inputs = [{**file_entry(loaded.path, loaded.path.name), "role": "case"}]
    for exhibit in exhibits:
        item = by_id[new_ids[exhibit["number"]]]
        for name, path in zip(item.files, loaded.evidence_files[item.id]):
            inputs.append({**file_entry(path, name), "evidence": item.id, "exhibit": exhibit["number"]})
    for exhibit in exhibits:
        item = by_id[new_ids[exhibit["number"]]]
        exhibit.update(evidence=item.id, files=list(item.files),
                       sha256=[e["sha256"] for e in inputs if e.get("exhibit") == exhibit["number"]])
    filed_so_far = [*record.exhibits, *({key: e[key] for key in ("number", "evidence", "title", "first_page",
                                                                 "last_page", "sha256")} for e in exhibits)]
    files = packets._packet_files(staging)
    manifest = {
        "tool": "legaldocs",
        "version": __version__,
        "case_id": case.case_id,
        "stage": "supplement",
        "supplement": number,
        "filing_date": filing.filing_date.isoformat(),
        "filed": {"folder": record.folder.name, "filing_date": record.filed_on.isoformat(),
                  "last_number": record.last_number, "last_page": record.last_page,
                  "supplements": record.supplements},
        "evidence_filed": {"exhibits": filed_so_far, "last_page": bundle["last_page"], "supplements": number},
        "bundle": bundle,
        "exhibits": exhibits,
        "review": [r.as_dict() for r in review],
        "inputs_relative_to": str(loaded.path.parent.resolve()),
        "inputs": inputs,
        "outputs": [file_entry(staging / name, name) for name in files],
    }
    packets.seal_folder(staging, manifest, files, case.case_id, filing.filing_date)
