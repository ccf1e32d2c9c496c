"""Bring the message catalogues up to date with the source (run after changing a message).

1. extract every ``_()``, ``N_()`` and ``ngettext()`` message of ``legaldocs`` and ``evidence`` (and the service's commands, ``api/cli.py``)
   into ``legaldocs/locale/legaldocs.pot`` (Babel, with ``babel.cfg``);
2. merge it into each ``legaldocs/locale/<lang>/LC_MESSAGES/legaldocs.po``: new messages arrive
   untranslated, messages no longer in the source are dropped;
3. compile each ``.po`` into the ``.mo`` the program reads.

Translate the new messages in the ``.po`` (keep every ``{name}`` placeholder), then run this
again to compile. tests/test_i18n.py fails while a message is untranslated or a file is stale.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "legaldocs" / "locale"
POT = LOCALE / "legaldocs.pot"


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", *args], cwd=ROOT, check=True)


def extract(into: Path = POT) -> None:
    """Every message of the source into the template ``into`` (a .pot file)."""
    pybabel("extract", "-F", "babel.cfg", "--no-wrap", "--add-location=file", "--sort-by-file",
            "--add-comments=TRANSLATORS:", "--project=legaldocs", "--copyright-holder=legaldocs",
            "-k", "ngettext:1,2", "-k", "N_", "-o", str(into), "legaldocs", "evidence", "api/cli.py")


def main() -> None:
    extract()
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/legaldocs.po")):
        lang = po.parent.parent.name
        pybabel("update", "-i", str(POT), "-d", str(LOCALE), "-D", "legaldocs", "-l", lang,
                "--no-wrap", "--no-fuzzy-matching", "--ignore-obsolete")
    pybabel("compile", "-d", str(LOCALE), "-D", "legaldocs", "--statistics")


if __name__ == "__main__":
    main()
