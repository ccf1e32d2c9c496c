"""The Word templates of the documents (.docx) and their catalogue of variables (CATALOGUE.md).

This folder is installed as the package ``legaldocs.templates`` (see setup.py), so the commands
find the templates from any folder; this file only makes it importable. Edit the templates in
Word; a bank may also keep its own folder of templates (``legaldocs packet --templates DIR``).
"""
