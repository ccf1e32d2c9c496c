"""Where the Word templates of the documents are found.

The built-in templates are the package ``legaldocs.templates``: in the repository that is the
``templates/`` folder legal staff edit (with its catalogue, ``templates/CATALOGUE.md``), installed
with the package and found through :mod:`importlib.resources`, so a command works from any folder
once the package is installed. A bank may keep its own template folder: a template it holds (by
file name, e.g. ``complaint.docx``) is used instead of the built-in one, and every template it
lacks still comes from the built-in folder. Which folder that is, is the caller's setting (the
command line's ``--templates`` option); nothing here reads the environment.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from legaldocs.errors import TemplateError

BUILTIN_PACKAGE = "legaldocs.templates"


def builtin_template_folder() -> Path:
    """The folder of the templates shipped with the package (``legaldocs.templates``).

    Raises TemplateError when the package was installed without them (a broken installation)."""
    try:
        folder = resources.files(BUILTIN_PACKAGE)
    except ModuleNotFoundError as exc:
        raise TemplateError(
            f"内置模板（{BUILTIN_PACKAGE}）未随本工具安装：请重新安装 legaldocs（pip install .）"
        ) from exc
    path = Path(str(folder))
    if not path.is_dir():
        raise TemplateError(f"内置模板文件夹 {path} 不存在：请重新安装 legaldocs（pip install .）")
    return path


def template_folder(override: Path | None = None) -> Path:
    """The folder templates are first looked for in: ``override`` (a bank's own folder, which may
    hold only some templates) when given, else the built-in folder.

    Raises TemplateError when ``override`` is not an existing folder, or when there is no override
    and the built-in templates are not installed."""
    if override is None:
        return builtin_template_folder()
    folder = Path(override)
    if not folder.is_dir():
        raise TemplateError(f"模板文件夹 {folder} 不存在或不是文件夹")
    return folder


def template_path(name: str, folder: Path | None = None) -> Path:
    """The file of the template ``name`` (a file name such as ``complaint.docx``): ``folder/name``
    when ``folder`` holds it, else the built-in one.

    Raises TemplateError naming the template and every folder looked in when none holds it."""
    if folder is not None and (Path(folder) / name).is_file():
        return Path(folder) / name
    builtin = builtin_template_folder()
    if (builtin / name).is_file():
        return builtin / name
    places = "、".join(str(p) for p in dict.fromkeys([*([Path(folder)] if folder is not None else []), builtin]))
    raise TemplateError(f"模板 {name} 不存在：已查找 {places}")
