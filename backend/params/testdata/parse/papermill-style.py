# Parameters
alpha = 0.1
ratio = 0.1  # a help comment, as papermill reads it
input_path: str = "data/in.csv"
output_path = 'out.parquet'
n_rows = 10 ** 6
regions = [
    "north",
    "south",
]
params = dict(a=1)
msg = "hello" \
      " world"
