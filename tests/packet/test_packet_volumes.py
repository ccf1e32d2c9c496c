"""The demo packet with 证据材料 split into volumes below a size limit (build_packet
max_volume_bytes, legaldocs packet --volume-size): the files, the index naming each exhibit's
volume, numbers running on (read from the stamps with pdftotext), one upload per volume, the
manifest."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from evidence.packet import build_packet

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
LIMIT = 300_000  # the demo's bundle is about 630 KB: three volumes
PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")


def _text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def packet(tmp_path_factory):
    return build_packet(DEMO, tmp_path_factory.mktemp("volumes"), max_volume_bytes=LIMIT)


def test_the_bundle_is_in_volumes_below_the_limit(packet):
    names = [volume["file"] for volume in packet.volumes]
    assert names == ["证据材料（第一册）.pdf", "证据材料（第二册）.pdf", "证据材料（第三册）.pdf"]
    assert not (packet.folder / "证据材料.pdf").exists()
    for volume in packet.volumes:
        path = packet.folder / volume["file"]
        assert path.stat().st_size == volume["size"] <= LIMIT
        assert not volume["oversized"]
    # every exhibit in exactly one volume, in order; pages run on from one volume to the next
    assert [n for volume in packet.volumes for n in volume["exhibits"]] == list(range(1, len(packet.exhibits) + 1))
    assert packet.volumes[0]["first_page"] == 1
    for before, after in zip(packet.volumes, packet.volumes[1:]):
        assert after["first_page"] == before["last_page"] + 1
    assert packet.volumes[-1]["last_page"] == packet.bundle_pages


def test_each_volume_continues_the_page_numbers_and_labels(packet):
    exhibits = {e["number"]: e for e in packet.exhibits}
    for volume in packet.volumes:
        path = packet.folder / volume["file"]
        with pikepdf.open(path) as pdf:
            count = len(pdf.pages)
            with pdf.open_outline() as outline:
                titles = [item.title for item in outline.root]
                titles += [child.title for item in outline.root for child in item.children]
        assert count == volume["last_page"] - volume["first_page"] + 1
        for offset in range(count):
            assert PAGE_NUMBER.findall(_text(path, offset + 1)) == [str(volume["first_page"] + offset)]
        for number in volume["exhibits"]:
            exhibit = exhibits[number]
            assert exhibit["file"] == volume["file"] and exhibit["volume"] == volume["volume"]
            first_text = _text(path, exhibit["first_page"] - volume["first_page"] + 1)
            assert f"证据{number}-1" in first_text
            assert f"证据{number} {exhibit['title']}" in titles
        assert ("证据目录" in titles) == (volume["volume"] == 1)


def test_the_index_names_each_exhibits_volume(packet):
    text = re.sub(r"\s+", "", _text(packet.folder / "证据目录.pdf"))
    assert "证据材料分三册：第一册第1-" in text
    for volume in packet.volumes:
        assert f"第{volume['first_page']}-{volume['last_page']}页" in text
    # the index in the first volume is linked to every exhibit, the others' in their files
    with pikepdf.open(packet.folder / packet.volumes[0]["file"]) as pdf:
        targets = [annotation.A.get("/F", {}).get("/UF") for page in pdf.pages[:packet.index_pages]
                   for annotation in page.obj.get("/Annots", [])]
    assert len(targets) == len(packet.exhibits)
    assert {str(t) for t in targets if t is not None} == {v["file"] for v in packet.volumes[1:]}


def test_online_filing_uploads_each_volume_and_the_manifest_records_them(packet):
    uploads = sorted((packet.folder / "online-filing").iterdir())
    volumes = [path for path in uploads if "证据材料" in path.name]
    assert [re.sub(r"^\d+-", "", path.name) for path in volumes] == [v["file"] for v in packet.volumes]
    for upload, volume in zip(volumes, packet.volumes):
        assert upload.read_bytes() == (packet.folder / volume["file"]).read_bytes()
    manifest = json.loads((packet.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["bundle"]["volumes"] == list(packet.volumes)
    assert manifest["bundle"]["last_page"] == packet.bundle_pages
    outputs = {entry["path"] for entry in manifest["outputs"]}
    assert {v["file"] for v in packet.volumes} <= outputs


def test_volume_size_on_the_command_line(tmp_path):
    command = [sys.executable, "-m", "evidence.cli", "--lang", "en", "packet", str(DEMO), "--out", str(tmp_path),
               "--quiet"]
    done = subprocess.run([*command, "--volume-size", "300KB"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert re.search(r"证据材料（第二册）.pdf: pages \d+(-\d+)?, ", done.stdout)
    wrong = subprocess.run([*command, "--volume-size", "20 parsecs"], capture_output=True, text=True)
    assert wrong.returncode != 0 and "20 parsecs: not a size" in wrong.stderr


def test_an_exhibit_above_the_limit_alone_is_a_volume_of_its_own_and_reported(tmp_path):
    limit = 60_000  # below several of the demo's exhibits (and its index)
    result = build_packet(DEMO, tmp_path, max_volume_bytes=limit)
    oversized = [v for v in result.volumes if v["oversized"]]
    assert oversized and all(len(v["exhibits"]) <= 1 for v in oversized)
    assert all(v["size"] <= limit for v in result.volumes if not v["oversized"])
    assert [n for v in result.volumes for n in v["exhibits"]] == list(range(1, len(result.exhibits) + 1))
    review = (result.folder / "审查意见.md").read_text(encoding="utf-8")
    for volume in oversized:
        assert volume["file"] in review
        for number in volume["exhibits"]:
            assert f"证据{number}“" in review and "单独成册" in review
