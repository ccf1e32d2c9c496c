"""The portfolio: work across many cases (a manager's deadline alerts over a folder of case
files); later classification, provisioning and write-off."""
