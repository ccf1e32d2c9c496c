"""The demo packet with an OFD e-receipt (电子回单) among the exhibits and a 600 dpi scan, built by
``legaldocs packet --downsample 150``: the OFD's pages are in the bundle with their Chinese text,
the scan is re-encoded at 150 dpi, and the bytes saved are in the summary and the manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "evidence.cli"]
sys.path.insert(0, str(ROOT / "tests" / "evidence"))

import ofd_samples  # noqa: E402 - the OFD writer of the evidence tests


def test_packet_with_an_ofd_exhibit_and_downsampled_scans(tmp_path, demo_variant):
    receipt = ofd_samples.write_ofd(tmp_path / "还款电子回单.ofd", pages=1)
    scan = tmp_path / "还款凭证扫描件.jpg"
    image = Image.new("RGB", (4200, 5900), (236, 228, 210))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 80)
    for row in range(40):
        draw.text((200, 200 + row * 140), f"Repayment voucher line {row}: 12,345.67", fill=(30, 30, 40), font=font)
    image = Image.blend(image, Image.effect_noise(image.size, 30).convert("RGB"), 0.1)
    image.save(scan, quality=90, dpi=(600, 600))  # A4 at about 600 dpi

    def add(data):
        data["evidence"].append({"id": "E12", "title": "还款电子回单及凭证", "files": [str(receipt), str(scan)],
                                 "purpose": "被告陈立于2024年3月15日部分还款", "group": "欠款数额"})

    case = demo_variant(add)
    out = tmp_path / "out"
    run = subprocess.run([*CLI, "packet", str(case), "--out", str(out), "--quiet", "--downsample", "150"],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    folder = out / "DEMO-2025-001"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    saved = manifest["downsampling"]
    assert saved["dpi"] == 150 and saved["exhibits"] >= 1
    assert saved["bytes_saved"] == saved["bytes_before"] - saved["bytes_after"] > 1_000_000
    assert "150 dpi" in run.stdout

    bundle = folder / "证据材料.pdf"
    text = "".join(subprocess.run(["pdftotext", str(bundle), "-"], check=True, capture_output=True,
                                  text=True).stdout.split())
    assert "中国工商银行电子回单" in text and "收款人：中国工商银行股份有限公司上海分行" in text
    fonts = subprocess.run(["pdffonts", str(bundle)], check=True, capture_output=True, text=True).stdout
    assert "NotoSerifCJK" in fonts
    listed = subprocess.run(["pdfimages", "-list", str(bundle)], check=True, capture_output=True, text=True).stdout
    assert max(int(line.split()[12]) for line in listed.splitlines()[2:]) <= 165  # nothing much finer than 150 dpi

    review = (folder / "审查意见.md").read_text(encoding="utf-8")
    assert "电子签章" in review and "OFD 版式文件已转换为 PDF" in review
    assert "已按 150 dpi 重新编码" in review
