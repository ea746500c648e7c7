"""The peer of bench/spark: pyspark's own Spark Connect client bringing the
same result into Arrow (DataFrame.toArrow(), a pyarrow Table in memory).

Usage: peer.py PORT QUERY, with SPARK_CONNECT_AUTHENTICATE_TOKEN set when
the server takes a token. Reads one line per run on stdin and answers with
the run's seconds and rows, so the Go side can interleave its own runs.
"""
import sys
import time

from pyspark.sql import SparkSession

port, query = sys.argv[1], sys.argv[2]
# pyspark sends a token without TLS only to the host named localhost.
spark = SparkSession.builder.remote(f"sc://localhost:{port}").getOrCreate()
print("ready", flush=True)
for _ in sys.stdin:
    t0 = time.perf_counter()
    table = spark.sql(query).toArrow()
    took = time.perf_counter() - t0
    print(f"{took:.6f} {table.num_rows} {table.num_columns}", flush=True)
    del table
spark.stop()
