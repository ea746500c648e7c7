import datetime
from datetime import date
start = "2024-03-01"
end = datetime.date(2024, 3, 31)
day = date(year=2024, month=2, day=29)
stamp = datetime.datetime(2024, 3, 1, 12, 30, 5, 250)
midnight = datetime.datetime(2024, 3, 1)
not_iso = "2024-3-1"
