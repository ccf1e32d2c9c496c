"""The deadline engine: clocks per obligor and right (诉讼时效, 保证期间, 申请执行期间, 查封期限 ...),
each with its chain of events, and their export as iCalendar."""
