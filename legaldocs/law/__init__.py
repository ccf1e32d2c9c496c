"""The law as data by date: rule tables (``data/*.toml``: fees, periods, rates, statutes, each row
with its citation and effective dates), the official rest-day calendar and period arithmetic."""
