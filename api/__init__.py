"""HTTP service for legaldocs (FastAPI, SQLModel): built on :mod:`evidence` and :mod:`legaldocs`."""
