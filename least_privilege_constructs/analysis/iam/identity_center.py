"""The roles IAM Identity Center provisions for a permission set, and the condition that admits exactly them.

Identity Center creates, in each account a permission set is assigned to, a role named
``AWSReservedSSO_<permission set name>_<unique suffix>`` under the path ``/aws-reserved/sso.amazonaws.com/``
(plus the Region outside us-east-1): https://docs.aws.amazon.com/singlesignon/latest/userguide/
referencingpermissionsets.html. Pure Python, no AWS SDK.

    >>> permission_set_role_condition("arn:aws:iam::111122223333", "Payments")["ArnNotLike"]
    {'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Payments_*_*'}
"""

from __future__ import annotations

SSO_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
"""The path of every role Identity Center provisions."""
SSO_ROLE_PREFIX = "AWSReservedSSO_"
"""The first part of their names, before the permission set's name."""


def permission_set_role_condition(account_arn: str, name: str,
                                  prefix: str = SSO_ROLE_PREFIX) -> dict[str, dict[str, str]]:
    """The ``Condition`` on ``aws:PrincipalArn`` admitting the roles of permission set ``name`` in the account
    ``account_arn`` (``arn:<partition>:iam::<account>``, CloudFormation placeholders allowed), and no other.

    ``ArnLike .../*<prefix><name>_*`` (the ``*`` after the path also matches the Region segment); ``ArnNotLike
    .../*<prefix><name>_*_*`` keeps out the roles of a permission set whose name extends ``name``
    (``<name>_Admin``: names may contain ``_``, the unique suffix Identity Center appends has none).
    """
    roles = f"{account_arn}:role{SSO_ROLE_PATH}*{prefix}{name}_"
    return {"ArnLike": {"aws:PrincipalArn": f"{roles}*"}, "ArnNotLike": {"aws:PrincipalArn": f"{roles}*_*"}}
