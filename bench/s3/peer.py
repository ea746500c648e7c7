"""boto3's transfer manager downloading objects, the peer of Store.Fetch.

Usage: peer.py BUCKET PART_SIZE CONCURRENCY, with the endpoint and keys in
SMALLFRY_S3_ENDPOINT, SMALLFRY_S3_ROOT_USER and SMALLFRY_S3_ROOT_PASSWORD
(never printed). It prints "ready", then for each line {"keys": [...],
"dir": "..."} on stdin downloads every key into dir/<key> and prints
{"seconds": ..., "cpu": ...}: the span from the first request to the last
file in place, and this process's CPU seconds over it.

All of a run's objects go to one transfer manager (the machinery under
download_file) with max_concurrency requests in flight in all, as Fetch
keeps Concurrency requests in flight across its objects; objects larger
than PART_SIZE are fetched in ranges of PART_SIZE.
"""
import json
import os
import resource
import sys
import time

import boto3
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    bucket, part, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = boto3.client(
        "s3",
        endpoint_url=os.environ["SMALLFRY_S3_ENDPOINT"],
        region_name=os.environ.get("SMALLFRY_S3_REGION") or "us-east-1",
        aws_access_key_id=os.environ["SMALLFRY_S3_ROOT_USER"],
        aws_secret_access_key=os.environ["SMALLFRY_S3_ROOT_PASSWORD"],
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=max(10, conc)),
    )
    client.head_bucket(Bucket=bucket)  # credentials and the first connection, before any clock
    config = TransferConfig(
        multipart_threshold=part,
        multipart_chunksize=part,
        max_concurrency=conc,
        use_threads=True,
    )
    print("ready", flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        keys, dest = req["keys"], req["dir"]
        for k in keys:
            os.makedirs(os.path.dirname(os.path.join(dest, k)), exist_ok=True)
        c0, t0 = cpu(), time.perf_counter()
        with create_transfer_manager(client, config) as tm:
            futures = [tm.download(bucket, k, os.path.join(dest, k)) for k in keys]
            for f in futures:
                f.result()
        print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": cpu() - c0}), flush=True)


main()
