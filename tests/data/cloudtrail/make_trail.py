"""A deterministic fixture trail for ``lpc generate-policy``: realistic CloudTrail records.

Record shapes follow "CloudTrail record contents for management, data, and network activity events"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)
and "CloudTrail userIdentity element"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html);
files are laid out and named as CloudTrail delivers them to S3
(``AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<time>_<id>.json.gz``),
with a digest file beside them (``CloudTrail-Digest/``) that readers must skip.

The trail: an application role (``role/service/order-processor``, a role with a path) working across 12
services (S3 and DynamoDB, Lambda, SQS data events included), calls a service made for it
(``invokedBy``), denied calls, a call that failed after authorization (``NoSuchKey``), another
principal's calls, and an Insights event. Same seed, same bytes.

    python tests/data/cloudtrail/make_trail.py OUT_DIR [--events N] [--seed S]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ACCOUNT = "111122223333"
APP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service/order-processor"
CI_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-deployer"
LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service/order-fn-exec"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY_ID = "0987dcba-09fe-87dc-65ba-ab0987654321"
REGIONS = ("us-east-1", "eu-west-1")
START = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)


class Trail:
    """Builds records with a seeded random source (no clock, no uuid4)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.time = START

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hexid(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def tick(self) -> str:
        self.time += timedelta(seconds=self.rng.randint(1, 40))
        return self.time.strftime("%Y-%m-%dT%H:%M:%SZ")

    def identity(self, role: str = APP_ROLE, invoked_by: str | None = None) -> dict[str, Any]:
        name = role.rsplit("/", 1)[-1]
        ident: dict[str, Any] = {
            "type": "AssumedRole",
            "principalId": f"AROA{self.hexid(16).upper()}:{name}-session",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{name}-session",
            "accountId": ACCOUNT,
            "accessKeyId": f"ASIA{self.hexid(16).upper()}",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": f"AROA{self.hexid(16).upper()}", "arn": role,
                                  "accountId": ACCOUNT, "userName": name},
                "attributes": {"creationDate": START.strftime("%Y-%m-%dT%H:%M:%SZ"), "mfaAuthenticated": "false"},
            },
        }
        if invoked_by:
            ident["invokedBy"] = invoked_by
        return ident

    def event(self, source: str, name: str, request: dict[str, Any] | None, *, region: str = "us-east-1",
              response: dict[str, Any] | None = None, resources: list[dict[str, Any]] | None = None,
              data: bool = False, error: str | None = None, role: str = APP_ROLE,
              invoked_by: str | None = None, read_only: bool = True) -> dict[str, Any]:
        record: dict[str, Any] = {
            "eventVersion": "1.10" if data else "1.09",
            "userIdentity": self.identity(role, invoked_by),
            "eventTime": self.tick(),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": invoked_by or f"10.0.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
            "userAgent": invoked_by or "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux lang/python#3.12",
            "requestParameters": request,
            "responseElements": response,
            "requestID": self.uid(),
            "eventID": self.uid(),
            "readOnly": read_only,
            "eventType": "AwsApiCall",
            "managementEvent": not data,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Data" if data else "Management",
            "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                           "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"},
        }
        if resources is not None:
            record["resources"] = resources
        if error:
            record["errorCode"] = error
            record["errorMessage"] = f"User: {record['userIdentity']['arn']} is not authorized to perform: {name}" \
                if "Denied" in error or "Unauthorized" in error or "Authorization" in error else "The specified key does not exist."
            record["responseElements"] = None
        return record


def _s3(t: Trail) -> dict[str, Any]:
    bucket = t.rng.choice(["orders-media-111122223333", "orders-exports-111122223333"])
    key = f"orders/{t.rng.randint(1, 40):04d}/{t.rng.choice(['invoice.pdf', 'label.png', 'order.json'])}"
    op = t.rng.choice(["GetObject", "GetObject", "PutObject", "HeadObject", "ListObjects", "DeleteObject", "CopyObject"])
    obj = f"arn:aws:s3:::{bucket}/{key}"
    res = [{"type": "AWS::S3::Object", "ARN": obj}, {"accountId": ACCOUNT, "type": "AWS::S3::Bucket",
                                                      "ARN": f"arn:aws:s3:::{bucket}"}]
    req: dict[str, Any] = {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com", "key": key}
    if op == "ListObjects":
        req = {"bucketName": bucket, "Host": req["Host"], "list-type": "2", "prefix": "orders/", "max-keys": "1000"}
        res = [res[1]]
    if op == "CopyObject":
        req["x-amz-copy-source"] = f"{bucket}/incoming/{t.rng.randint(1, 40):04d}.json"
        res = [res[0], {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{req['x-amz-copy-source']}"}, res[1]]
    extra = {"SignatureVersion": "SigV4", "bytesTransferredIn": 0, "bytesTransferredOut": t.rng.randint(10, 90000)}
    ev = t.event("s3.amazonaws.com", op, req, resources=res, data=True,
                 read_only=op in ("GetObject", "HeadObject", "ListObjects"))
    ev["additionalEventData"] = extra
    return ev


def _dynamodb(t: Trail) -> dict[str, Any]:
    table = t.rng.choice(["Orders", "Customers"])
    op = t.rng.choice(["GetItem", "PutItem", "Query", "UpdateItem", "DescribeTable", "GetItem", "PutItem"])
    arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"
    req: dict[str, Any] = {"tableName": table, "key": {"pk": "HIDDEN_DUE_TO_SECURITY_REASONS"}}
    if op == "Query":
        req = {"tableName": table, "indexName": "byCustomer", "keyConditionExpression": "customerId = :c"}
    if t.rng.random() < 0.2:
        return _dynamodb_per_call(t)
    return t.event("dynamodb.amazonaws.com", op, req, data=op != "DescribeTable",
                   resources=[{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": arn}])


def _table_resources(*tables: str) -> list[dict[str, Any]]:
    return [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{n}"}
            for n in sorted(set(tables))]


def _dynamodb_per_call(t: Trail) -> dict[str, Any]:
    """PartiQL and transactions, shaped as "Understanding DynamoDB log file entries" shows them
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/understanding-ddb-log-entries.html):
    statements with non-key values redacted, transaction items with their operation and table."""
    op = t.rng.choice(["ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction", "TransactWriteItems",
                       "TransactGetItems"])
    if op == "ExecuteStatement":
        stmt = t.rng.choice(['SELECT * FROM "Orders" WHERE "pk" = ?', 'SELECT * FROM "Orders"."byCustomer" WHERE customerId = ?',
                             'UPDATE "Customers" SET "tier" = ? WHERE "pk" = ?'])
        table = "Customers" if "Customers" in stmt else "Orders"
        req: dict[str, Any] | None = {"statement": stmt, "parameters": "***"}
        if t.rng.random() < 0.1:
            req = None  # a record that does not show the statement
        return t.event("dynamodb.amazonaws.com", op, req, data=True, resources=_table_resources(table))
    if op in ("BatchExecuteStatement", "ExecuteTransaction"):
        stmts = ['INSERT INTO "Orders" VALUE {\'pk\': ?, \'status\': ?}', 'DELETE FROM "Customers" WHERE "pk" = ?']
        key = "requests" if op == "BatchExecuteStatement" else "transactStatements"
        return t.event("dynamodb.amazonaws.com", op, {key: [{"statement": s} for s in stmts]}, data=True,
                       resources=_table_resources("Orders", "Customers"))
    if op == "TransactWriteItems":
        items = [{"operation": "Put", "tableName": "Orders", "key": {"pk": "HIDDEN_DUE_TO_SECURITY_REASONS"}},
                 {"operation": "ConditionCheck", "tableName": "Customers", "key": {"pk": "HIDDEN_DUE_TO_SECURITY_REASONS"}}]
        return t.event("dynamodb.amazonaws.com", op, {"requestItems": items, "clientRequestToken": t.uid()},
                       data=True, resources=_table_resources("Orders", "Customers"))
    items = [{"operation": "Get", "tableName": "Orders", "key": {"pk": "HIDDEN_DUE_TO_SECURITY_REASONS"}}]
    return t.event("dynamodb.amazonaws.com", op, {"requestItems": items}, data=True,
                   resources=_table_resources("Orders"))


def _lambda(t: Trail) -> dict[str, Any]:
    fn = t.rng.choice(["order-validate", "order-notify"])
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{fn}"
    roll = t.rng.random()
    if roll < 0.7:
        return t.event("lambda.amazonaws.com", "Invoke", {"functionName": arn}, data=True, read_only=False,
                       resources=[{"accountId": ACCOUNT, "type": "AWS::Lambda::Function", "ARN": arn}])
    if roll < 0.8:
        return t.event("lambda.amazonaws.com", "GetFunction20150331v2", {"functionName": fn})
    if roll < 0.9:
        return t.event("lambda.amazonaws.com", "UpdateFunctionCode20150331v2",
                       {"functionName": fn, "publish": False, "s3Bucket": "orders-artifacts", "s3Key": f"{fn}.zip"},
                       response={"functionName": fn, "functionArn": arn}, read_only=False)
    return t.event("lambda.amazonaws.com", "CreateFunction20150331",
                   {"functionName": fn + "-v2", "runtime": "python3.12", "role": LAMBDA_ROLE, "handler": "app.handler",
                    "code": {}, "timeout": 30},
                   response={"functionName": fn + "-v2", "functionArn": arn + "-v2", "role": LAMBDA_ROLE},
                   read_only=False)


def _sqs(t: Trail) -> dict[str, Any]:
    queue = t.rng.choice(["orders-in", "orders-dlq"])
    url = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{queue}"
    op = t.rng.choice(["SendMessage", "ReceiveMessage", "DeleteMessage", "SendMessageBatch", "GetQueueAttributes"])
    req: dict[str, Any] = {"queueUrl": url}
    if op == "SendMessageBatch":
        req["entries"] = [{"id": str(i)} for i in range(3)]
    return t.event("sqs.amazonaws.com", op, req, data=op != "GetQueueAttributes", read_only=op.startswith(("Receive", "Get")))


def _sns(t: Trail) -> dict[str, Any]:
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events"
    return t.event("sns.amazonaws.com", "Publish", {"topicArn": topic, "messageAttributes": {}},
                   response={"messageId": t.uid()}, read_only=False)


def _kms(t: Trail) -> dict[str, Any]:
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"
    op = t.rng.choice(["Decrypt", "GenerateDataKey", "Decrypt"])
    req: dict[str, Any] = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": {"app": "orders"}}
    if op == "GenerateDataKey":
        req = {"keyId": "alias/orders", "keySpec": "AES_256", "encryptionContext": {"app": "orders"}}
    return t.event("kms.amazonaws.com", op, req,
                   resources=[{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": arn}])


def _iam(t: Trail) -> dict[str, Any]:
    return t.event("iam.amazonaws.com", "GetRole", {"roleName": "order-fn-exec"},
                   response=None)


def _sts(t: Trail) -> dict[str, Any]:
    if t.rng.random() < 0.5:
        return t.event("sts.amazonaws.com", "GetCallerIdentity", None)
    role = "arn:aws:iam::444455556666:role/order-audit-reader"
    return t.event("sts.amazonaws.com", "AssumeRole", {"roleArn": role, "roleSessionName": "orders-audit"},
                   resources=[{"accountId": "444455556666", "type": "AWS::IAM::Role", "ARN": role}],
                   response={"assumedRoleUser": {"arn": "arn:aws:sts::444455556666:assumed-role/order-audit-reader/orders-audit"}})


def _ec2(t: Trail) -> dict[str, Any]:
    if t.rng.random() < 0.8:
        return t.event("ec2.amazonaws.com", "DescribeInstances",
                       {"instancesSet": {}, "filterSet": {"items": [{"name": "tag:app", "valueSet": {"items": [{"value": "orders"}]}}]}})
    instance = f"i-{t.hexid(17)}"
    return t.event("ec2.amazonaws.com", "CreateTags",
                   {"resourcesSet": {"items": [{"resourceId": instance}]},
                    "tagSet": {"items": [{"key": "app", "value": "orders"}]}}, response={"_return": True}, read_only=False)


def _logs(t: Trail) -> dict[str, Any]:
    group = "/aws/lambda/order-validate"
    stream = f"2026/01/05/[$LATEST]{t.hexid(8)}"
    op = t.rng.choice(["CreateLogStream", "PutLogEvents", "PutLogEvents"])
    return t.event("logs.amazonaws.com", op, {"logGroupName": group, "logStreamName": stream}, read_only=False,
                   data=op == "PutLogEvents")


def _secrets(t: Trail) -> dict[str, Any]:
    if t.rng.random() < 0.5:
        sid = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:orders/db-AbCdEf"
    else:
        sid = "orders/api-key"
    return t.event("secretsmanager.amazonaws.com", "GetSecretValue", {"secretId": sid})


def _ssm(t: Trail) -> dict[str, Any]:
    region = t.rng.choice(REGIONS)
    if t.rng.random() < 0.7:
        return t.event("ssm.amazonaws.com", "GetParameter", {"name": "/orders/config/feature-flags", "withDecryption": True},
                       region=region)
    return t.event("ssm.amazonaws.com", "GetParametersByPath", {"path": "/orders/config", "recursive": True},
                   region=region)


SERVICES: tuple[tuple[Callable[[Trail], dict[str, Any]], int], ...] = (
    (_s3, 30), (_dynamodb, 18), (_lambda, 10), (_sqs, 12), (_sns, 5), (_kms, 8), (_iam, 2), (_sts, 3),
    (_ec2, 3), (_logs, 5), (_secrets, 2), (_ssm, 2),
)


def _denied(t: Trail) -> dict[str, Any]:
    return t.rng.choice([
        lambda: t.event("s3.amazonaws.com", "DeleteBucket", {"bucketName": "orders-media-111122223333"},
                        error="AccessDenied", read_only=False),
        lambda: t.event("iam.amazonaws.com", "CreateUser", {"userName": "backdoor"}, error="AccessDenied",
                        read_only=False),
        lambda: t.event("ec2.amazonaws.com", "TerminateInstances",
                        {"instancesSet": {"items": [{"instanceId": "i-0abc1234def567890"}]}},
                        error="Client.UnauthorizedOperation", read_only=False),
        lambda: t.event("sns.amazonaws.com", "DeleteTopic", {"topicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events"},
                        error="AuthorizationError", read_only=False),
        lambda: t.event("dynamodb.amazonaws.com", "DeleteTable", {"tableName": "Orders"},
                        error="AccessDeniedException", read_only=False),
    ])()


def _service_invoked(t: Trail) -> dict[str, Any]:
    other = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{OTHER_KEY_ID}"
    return t.event("kms.amazonaws.com", "ReEncrypt", {"sourceKeyId": other, "destinationKeyId": other},
                   invoked_by="secretsmanager.amazonaws.com",
                   resources=[{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": other}])


def _other_principal(t: Trail) -> dict[str, Any]:
    return t.event("cloudformation.amazonaws.com", "UpdateStack", {"stackName": "orders"}, role=CI_ROLE,
                   read_only=False)


def records(seed: int = 16, events: int = 2400) -> Iterator[dict[str, Any]]:
    """``events`` records of the trail, in time order."""
    t = Trail(seed)
    makers = [m for m, _w in SERVICES]
    weights = [w for _m, w in SERVICES]
    for i in range(events):
        roll = t.rng.random()
        if roll < 0.04:
            yield _denied(t)
        elif roll < 0.07:
            yield _service_invoked(t)
        elif roll < 0.10:
            yield _other_principal(t)
        elif i % 97 == 0:
            ev = _s3(t)
            if ev["eventName"] in ("GetObject", "HeadObject"):
                ev["errorCode"], ev["errorMessage"] = "NoSuchKey", "The specified key does not exist."
            yield ev
        else:
            yield t.rng.choices(makers, weights)[0](t)
    yield {"eventVersion": "1.09", "eventTime": t.tick(), "eventSource": "s3.amazonaws.com",
           "eventName": "PutObject", "awsRegion": "us-east-1", "eventID": t.uid(),
           "eventType": "AwsCloudTrailInsight", "recipientAccountId": ACCOUNT, "eventCategory": "Insight",
           "insightDetails": {"state": "Start", "eventSource": "s3.amazonaws.com", "eventName": "PutObject",
                              "insightType": "ApiCallRateInsight"}}


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no timestamp or file name, so the same records give the same bytes."""
    import io

    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def write_trail(root: Path, seed: int = 16, events: int = 2400, per_file: int = 150) -> list[Path]:
    """Write the trail under ``root`` as CloudTrail delivers it; returns the log files written."""
    written: list[Path] = []
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if not batch:
            return
        first = batch[0]
        region = first.get("awsRegion", "us-east-1")
        stamp = datetime.fromisoformat(first["eventTime"].replace("Z", "+00:00"))
        folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / stamp.strftime("%Y/%m/%d")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{ACCOUNT}_CloudTrail_{region}_{stamp.strftime('%Y%m%dT%H%MZ')}_{len(written):04d}{seed:04d}.json.gz"
        path = folder / name
        path.write_bytes(gzip_bytes(json.dumps({"Records": batch}, separators=(",", ":")).encode()))
        written.append(path)
        batch.clear()

    for record in records(seed, events):
        batch.append(record)
        if len(batch) >= per_file:
            flush()
    flush()
    digest = root / "AWSLogs" / ACCOUNT / "CloudTrail-Digest" / "us-east-1" / "2026" / "01" / "05"
    digest.mkdir(parents=True, exist_ok=True)
    (digest / f"{ACCOUNT}_CloudTrail-Digest_us-east-1_orders_us-east-1_20260105T120000Z.json.gz").write_bytes(
        gzip_bytes(json.dumps({"awsAccountId": ACCOUNT, "digestStartTime": "2026-01-05T08:00:00Z",
                               "digestEndTime": "2026-01-05T12:00:00Z", "logFiles": []}).encode()))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--events", type=int, default=2400)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    files = write_trail(args.out, args.seed, args.events)
    print(f"{len(files)} files under {args.out}")


if __name__ == "__main__":
    main()
