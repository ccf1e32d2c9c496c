"""The filings of the recovery path, each built from one resolved case (:mod:`legaldocs.filings.filing`)."""
