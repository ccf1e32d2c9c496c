"""Documents: template rendering, LibreOffice conversion and the content of each filing
(民事起诉状, 欠款明细表 workbook)."""
