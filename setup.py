"""Packages of the distribution, here because pyproject.toml alone cannot combine the two:
every package under legaldocs/, evidence/ and api/ found on disk, and the ``templates/`` folder at
the top of the repository (where legal staff edit the .docx templates) installed as the package
``legaldocs.templates``. Everything else (metadata, dependencies, package data) is in
pyproject.toml."""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["legaldocs*", "evidence*", "api*"]), "legaldocs.templates"],
    package_dir={"legaldocs.templates": "templates"},
)
