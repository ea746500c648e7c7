# Parameters papermill takes, with code around them
import datetime
import os
from typing import Optional
from pathlib import Path
import numpy as np; import pandas as pd

today = datetime.date.today()
path = os.path.join("data", "in.csv")
minutes = 60 * 60
rate: float = 3
limit: int = None
maybe: Optional[str] = None
code: str = "2024-01-01"
weird: list = 1
a = b = 7
x, y = 1, 2
counter = 0
counter += 1
items = [1, 2]
items[0] = 5
if os.environ.get("FAST"):
    limit = 10
else:
    limit = 100
def helper(x=1):
    return x
print("set up")
year = 1997
year = 1998
lam = lambda v=1: v
