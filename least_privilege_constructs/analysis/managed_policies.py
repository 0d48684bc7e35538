"""AWS managed policy documents, offline: a versioned snapshot shipped as package data.

A principal that attaches ``arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`` gets
exactly that policy's default version. The snapshot is built by ``scripts/build_managed_policies.py``
from moto's managed-policy data (Apache-2.0) and records its provenance (source, version, snapshot
date); :meth:`ManagedPolicySnapshot.stale_warning` says when it is older than
:data:`STALE_AFTER_DAYS` days, since AWS updates managed policies without notice
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies).

Lookups are by ARN, which includes the policy's path (``arn:aws:iam::aws:policy{path}{name}``,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns): an ARN
with the wrong path names no policy and resolves to ``None`` (unknown, never guessed). ARNs of the other
partitions (``aws-cn``, ``aws-us-gov``) resolve to the commercial partition's document.

:class:`ManagedPolicyResolver` chains the documents a user supplies, the snapshot, and an optional
online lookup (``least_privilege_constructs.collect.managed_policies.online_resolver``).

Example::

    >>> snap = get_snapshot()
    >>> doc = snap.document("arn:aws:iam::aws:policy/AdministratorAccess")
    >>> doc["Statement"][0]["Action"]
    '*'
    >>> snap.get("arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").name
    'AWSLambdaBasicExecutionRole'
    >>> snap.document("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole") is None  # wrong path
    True
    >>> resolver = ManagedPolicyResolver({"arn:aws:iam::aws:policy/Mine": {"Statement": []}})
    >>> resolver("arn:aws:iam::aws:policy/Mine")
    {'Statement': []}
"""

from __future__ import annotations

import functools
import json
import lzma
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from least_privilege_constructs.analysis.iam.arn import Arn

STALE_AFTER_DAYS = 90
"""A snapshot older than this many days is reported as stale."""

_DATA = "aws-managed-policies.json.xz"


class ManagedPolicyDataError(ValueError):
    """The snapshot or a user-supplied documents file cannot be read (code ``LPC-MANAGED-001``)."""

    code = "LPC-MANAGED-001"

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{self.code}: {where}: {message}")
        self.where = where


@dataclass(frozen=True)
class Provenance:
    """Where a snapshot came from."""

    source: str
    source_version: str
    licence: str
    snapshot_date: date
    policy_count: int

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "sourceVersion": self.source_version, "licence": self.licence,
                "snapshotDate": self.snapshot_date.isoformat(), "policyCount": self.policy_count}


@dataclass(frozen=True)
class ManagedPolicy:
    """One AWS managed policy's default version."""

    name: str
    path: str
    version: str | None
    update_date: str | None
    document: dict[str, Any]

    def arn(self, partition: str = "aws") -> str:
        return f"arn:{partition}:iam::aws:policy{self.path}{self.name}"


def aws_managed_key(arn: str) -> str | None:
    """``path + name`` of an AWS managed policy ARN (any partition), or None for any other string.

    >>> aws_managed_key("arn:aws-cn:iam::aws:policy/job-function/ViewOnlyAccess")
    '/job-function/ViewOnlyAccess'
    >>> aws_managed_key("arn:aws:iam::123456789012:policy/Mine") is None
    True
    """
    parsed = Arn.parse(arn)
    if parsed is None or parsed.service != "iam" or parsed.account != "aws" or parsed.region:
        return None
    if not parsed.resource.startswith("policy/") or parsed.has_wildcards or parsed.has_placeholders:
        return None
    return parsed.resource[len("policy"):]


class ManagedPolicySnapshot:
    """The AWS managed policies of one snapshot, by ARN. Use :func:`get_snapshot` for the packaged one."""

    def __init__(self, policies: Mapping[str, ManagedPolicy], provenance: Provenance) -> None:
        self._by_key = {f"{p.path}{p.name}": p for p in policies.values()}
        self._by_name = dict(policies)
        self.provenance = provenance

    @classmethod
    def from_json(cls, data: Any, where: str = "snapshot") -> ManagedPolicySnapshot:
        try:
            prov = data["provenance"]
            provenance = Provenance(str(prov["source"]), str(prov["sourceVersion"]), str(prov["licence"]),
                                    date.fromisoformat(prov["snapshotDate"]), int(prov["policyCount"]))
            policies = {
                name: ManagedPolicy(name, str(p["path"]), p.get("version"), p.get("updateDate"), p["document"])
                for name, p in data["policies"].items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ManagedPolicyDataError(where, f"not a managed policy snapshot ({type(exc).__name__}: {exc})") \
                from None
        return cls(policies, provenance)

    @classmethod
    def load(cls, path: str | Path | None = None) -> ManagedPolicySnapshot:
        """Read a snapshot file (default: the one shipped with the package)."""
        source = Path(path) if path is not None else resources.files(__package__) / "data" / _DATA
        try:
            data = json.loads(lzma.decompress(source.read_bytes()))
        except (OSError, lzma.LZMAError, ValueError) as exc:
            raise ManagedPolicyDataError(str(source), f"cannot read the snapshot: {exc}") from None
        return cls.from_json(data, str(source))

    def __len__(self) -> int:
        return len(self._by_name)

    def __iter__(self) -> Iterator[ManagedPolicy]:
        return iter(self._by_name.values())

    def get(self, arn: str) -> ManagedPolicy | None:
        """The policy an AWS managed policy ARN names, or None (not AWS managed, or not in the snapshot)."""
        key = aws_managed_key(arn)
        return self._by_key.get(key) if key is not None else None

    def by_name(self, name: str) -> ManagedPolicy | None:
        return self._by_name.get(name)

    def document(self, arn: str) -> dict[str, Any] | None:
        found = self.get(arn)
        return found.document if found is not None else None

    def age_days(self, today: date | None = None) -> int:
        today = today or datetime.now(UTC).date()
        return (today - self.provenance.snapshot_date).days

    def stale_warning(self, today: date | None = None) -> str | None:
        """A warning when the snapshot is older than :data:`STALE_AFTER_DAYS` days, else None.

        >>> get_snapshot().stale_warning(date(2099, 1, 1)).startswith("the AWS managed policy snapshot")
        True
        """
        age = self.age_days(today)
        if age <= STALE_AFTER_DAYS:
            return None
        p = self.provenance
        return (f"the AWS managed policy snapshot is {age} days old (taken {p.snapshot_date.isoformat()} from "
                f"{p.source} {p.source_version}); AWS may have changed the policies since: upgrade "
                "least-privilege-constructs, supply current documents (the managedPolicies.documents setting), "
                "or resolve online (least_privilege_constructs.collect.managed_policies)")


@functools.lru_cache(maxsize=1)
def get_snapshot() -> ManagedPolicySnapshot:
    """The snapshot shipped with the package (read once per process)."""
    return ManagedPolicySnapshot.load()


def aws_managed_document(arn: str) -> dict[str, Any] | None:
    """The packaged snapshot's document for an AWS managed policy ARN, or None."""
    return get_snapshot().document(arn)


def is_admin_like(document: Any) -> bool:
    """Whether a policy document has an unconditional Allow of every action (``*``/``*:*``) on ``*``.

    The same test as LP-IAM2 (no administrator access) applies to inline statements.

    >>> is_admin_like(aws_managed_document("arn:aws:iam::aws:policy/AdministratorAccess"))
    True
    >>> is_admin_like(aws_managed_document("arn:aws:iam::aws:policy/ReadOnlyAccess"))
    False
    """
    if not isinstance(document, dict):
        return False
    stmts = document.get("Statement")
    for stmt in stmts if isinstance(stmts, list) else [stmts]:
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow" or "Condition" in stmt:
            continue
        actions, res = stmt.get("Action"), stmt.get("Resource")
        actions = [actions] if isinstance(actions, str) else actions or []
        res = [res] if isinstance(res, str) else res or []
        if any(a in ("*", "*:*") for a in actions) and "*" in res:
            return True
    return False


def load_documents(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read user-supplied managed policy documents: a JSON object ``{arn: document}``, or JSON lines
    ``{"arn": ..., "document": ...}`` (``name`` instead of ``arn`` names an AWS managed policy at the
    root path, as in ``policies.jsonl``)."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ManagedPolicyDataError(where, exc.strerror or str(exc)) from None
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict):
        if not all(isinstance(v, dict) for v in whole.values()):
            raise ManagedPolicyDataError(where, "every value must be a policy document (a JSON object)")
        return dict(whole)
    out: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            arn = row.get("arn") or f"arn:aws:iam::aws:policy/{row['name']}"
            document = row["document"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ManagedPolicyDataError(f"{where}:{number}",
                                         'not a {"arn" or "name", "document"} JSON object') from None
        if not isinstance(document, dict):
            raise ManagedPolicyDataError(f"{where}:{number}", "document must be a JSON object")
        out[str(arn)] = document
    return out


class ManagedPolicyResolver:
    """Resolves managed policy ARNs to documents: the user's documents first (exact ARN, then the same
    ARN in the commercial partition), then the packaged snapshot, then ``online`` (a function from ARN to
    document or None, e.g. an ``iam:GetPolicyVersion`` lookup). Unknown ARNs resolve to None.

    ``used_snapshot`` tells whether a snapshot document was returned (to report staleness only then).
    """

    def __init__(self, documents: Mapping[str, Any] | None = None, *, snapshot: bool = True,
                 online: Callable[[str], dict[str, Any] | None] | None = None) -> None:
        self.documents = dict(documents or {})
        self._normalized = {_commercial(k): v for k, v in self.documents.items()}
        self.snapshot = snapshot
        self.online = online
        self.used_snapshot = False

    def __call__(self, arn: str) -> dict[str, Any] | None:
        found = self.documents.get(arn)
        if found is None:
            found = self._normalized.get(_commercial(arn))
        if found is None and self.snapshot:
            found = aws_managed_document(arn)
            self.used_snapshot = self.used_snapshot or found is not None
        if found is None and self.online is not None:
            found = self.online(arn)
            if found is not None:
                self.documents[arn] = found
        return found

    def get(self, arn: str, default: Any = None) -> Any:
        found = self(arn)
        return default if found is None else found


def _commercial(arn: str) -> str:
    parsed = Arn.parse(arn)
    return str(parsed.with_partition("aws")) if parsed is not None else arn
