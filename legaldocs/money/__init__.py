"""The money engine: repayment schedules, accrual of 利息, 罚息 and 复利, the statement of what is
owed (欠款明细), delayed-performance interest and court fees."""
