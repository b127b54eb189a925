# Django's Arabic locale has no DATETIME_FORMAT, so the English "N j, Y, P" ("ديسمبر 6, 2026, 7:39 م")
# was used: day before month, the Arabic comma, and a 24-hour clock, as a UAE reader writes it.
DATETIME_FORMAT = "j F Y، H:i"
# Django writes "31 يناير، 1990"; the comma before the year is not how the date is written.
DATE_FORMAT = "j F Y"
