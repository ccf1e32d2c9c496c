"""The case record (案件档案): typed model, loading and validation of case files, identifiers."""
