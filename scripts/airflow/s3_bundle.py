"""Sets up the MinIO side of the S3-bundle Airflow peer (scripts/airflow.sh
with AIRFLOW_PEER=s3), with the Airflow venv's boto3 and cryptography:

  - the bucket, and the DAG factory uploaded to the bundle's prefix;
  - two MinIO users with policies of their own, made through MinIO's admin
    API (what `mc admin user add` and `mc admin policy attach` send):
    the bundle reader (the Airflow connection the S3DagBundle syncs with:
    list the bucket, read the bundle prefix) and the worker (the identity
    scheduled runs write their outputs with: the outputs prefix only);
  - a check that the worker's keys are refused outside the outputs prefix.

Everything comes from the environment, never argv (which any local user can
read in /proc): S3_ENDPOINT, S3_ROOT_USER, S3_ROOT_PASSWORD, BUCKET,
DAGS_PREFIX, OUTPUTS_PREFIX, FACTORY (a file), BUNDLE_USER, BUNDLE_SECRET,
WORKER_USER, WORKER_SECRET. Idempotent: a second run sets the same state.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

REGION = "us-east-1"


def env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        sys.exit(f"s3_bundle: {name} is not set")
    return value


def madmin_encrypt(password: str, data: bytes) -> bytes:
    """What madmin.EncryptData makes, in its PBKDF2 + AES-256-GCM form (the
    one FIPS builds send; MinIO's DecryptData takes it always):
    salt(32) | 0x02 | nonce(8) | a one-fragment sio-go stream. sio-go seals
    an empty message with sequence number 0 to get the tag the fragments
    authenticate, then the final fragment (flag 0x80) with sequence number 1."""
    if len(data) > 1 << 14:
        raise ValueError("madmin_encrypt: more than one sio fragment")
    salt, nonce = os.urandom(32), os.urandom(8)
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 8192, 32)
    aead = AESGCM(key)
    tag = aead.encrypt(nonce + (0).to_bytes(4, "little"), b"", None)
    sealed = aead.encrypt(nonce + (1).to_bytes(4, "little"), data, b"\x80" + tag)
    return salt + b"\x02" + nonce + sealed


def admin(endpoint: str, creds: Credentials, method: str, op: str, query: dict, body: bytes = b"") -> None:
    """One signed request to MinIO's admin API (v3)."""
    url = f"{endpoint}/minio/admin/v3/{op}?{urllib.parse.urlencode(query)}"
    req = AWSRequest(method=method, url=url, data=body, headers={"X-Amz-Content-Sha256": hashlib.sha256(body).hexdigest()})
    S3SigV4Auth(creds, "s3", REGION).add_auth(req)
    prepared = req.prepare()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=body, method=method, headers=dict(prepared.headers)), timeout=30
        ) as resp:
            resp.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"s3_bundle: MinIO admin {op} answered {e.code}: {e.read()[:300]!r}")


def add_user(endpoint: str, root: Credentials, user: str, secret: str, policy_name: str, policy: dict) -> None:
    admin(endpoint, root, "PUT", "add-canned-policy", {"name": policy_name}, json.dumps(policy).encode())
    payload = json.dumps({"secretKey": secret, "status": "enabled"}).encode()
    admin(endpoint, root, "PUT", "add-user", {"accessKey": user}, madmin_encrypt(root.secret_key, payload))
    admin(endpoint, root, "PUT", "set-user-or-group-policy",
          {"policyName": policy_name, "userOrGroup": user, "isGroup": "false"})


def client(endpoint: str, user: str, secret: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=user,
                        aws_secret_access_key=secret,
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))


def main() -> None:
    endpoint = env("S3_ENDPOINT")
    root = Credentials(env("S3_ROOT_USER"), env("S3_ROOT_PASSWORD"))
    bucket, dags, outputs = env("BUCKET"), env("DAGS_PREFIX").strip("/"), env("OUTPUTS_PREFIX").strip("/")
    s3 = client(endpoint, root.access_key, root.secret_key)
    try:
        s3.create_bucket(Bucket=bucket)
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    # One PUT: readers see the old factory or the new one, never a part.
    with open(env("FACTORY"), "rb") as f:
        s3.put_object(Bucket=bucket, Key=f"{dags}/smallfry_dags.py", Body=f.read())

    arn = f"arn:aws:s3:::{bucket}"
    add_user(endpoint, root, env("BUNDLE_USER"), env("BUNDLE_SECRET"), "smallfry-airflow-bundle", {
        "Version": "2012-10-17",
        "Statement": [
            # S3DagBundle checks the prefix by listing the bucket's top level.
            {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": [arn]},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{arn}/{dags}/*"]},
        ],
    })
    add_user(endpoint, root, env("WORKER_USER"), env("WORKER_SECRET"), "smallfry-airflow-worker", {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [arn],
             "Condition": {"StringLike": {"s3:prefix": [f"{outputs}/*"]}}},
            {"Effect": "Allow",
             "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
             "Resource": [f"{arn}/{outputs}/*"]},
        ],
    })

    # The worker's keys write the outputs and nothing else.
    worker = client(endpoint, env("WORKER_USER"), env("WORKER_SECRET"))
    probe = f"{outputs}/.smallfry-identity-check"
    worker.put_object(Bucket=bucket, Key=probe, Body=b"")
    s3.delete_object(Bucket=bucket, Key=probe)
    try:
        worker.put_object(Bucket=bucket, Key=f"{dags}/.smallfry-identity-check", Body=b"")
    except ClientError as e:
        if e.response["Error"]["Code"] != "AccessDenied":
            raise
    else:
        s3.delete_object(Bucket=bucket, Key=f"{dags}/.smallfry-identity-check")
        sys.exit("s3_bundle: the worker's keys could write the bundle prefix: its policy is not in force")


if __name__ == "__main__":
    main()
