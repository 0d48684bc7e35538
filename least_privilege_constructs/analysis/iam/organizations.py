"""AWS Organizations facts the policy model needs: which services a resource control policy restricts.

Resource control policies (RCPs) do not restrict every service. The AWS Organizations User Guide,
*Resource control policies (RCPs)*, section *List of AWS services that support RCPs*
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services)
says "RCPs apply to actions for the following AWS services" and lists Amazon S3, AWS STS, AWS KMS,
Amazon SQS, AWS Secrets Manager, Amazon Cognito, Amazon CloudWatch Logs, Amazon DynamoDB, Amazon ECR
and Amazon OpenSearch Serverless; the section *Effects on permissions* adds "RCPs apply to resources
for a subset of AWS services". A statement of an RCP therefore never matches an action of any other
service (EC2, Lambda, IAM ...): a Deny there leaves the access other policies grant in place.

Each listed service is mapped to the IAM service prefix of its actions (Service Authorization
Reference). Where the mapping from the guide's service name to prefixes is not stated by the
documentation the prefix is left out, which treats the service as *not* restricted by RCPs: for the
question "is this access granted?" that is the fail-closed direction (an RCP Deny we ignore can only
make a check answer FAIL or UNKNOWN, never a false PASS). Left out for that reason:

* Amazon Cognito — its actions use three prefixes (``cognito-idp``, ``cognito-identity``,
  ``cognito-sync``) and the guide does not say which of them RCPs restrict;
* the neighbours of listed services with prefixes of their own (``s3express``, ``s3-object-lambda``,
  ``s3tables``, ``ecr-public``, ``es``), which the guide does not name.

Pure Python, no AWS SDK.

    >>> rcp_restricts_action("s3:GetObject"), rcp_restricts_action("ec2:RunInstances")
    (True, False)
    >>> rcp_restricts_action("KMS:Decrypt"), rcp_restricts_action("cognito-idp:AdminGetUser")
    (True, False)
"""

from __future__ import annotations

from least_privilege_constructs.analysis.iam.wildcards import service_of

RCP_DOC_URL = (
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services"
)
"""The page the list of :data:`RCP_SERVICE_PREFIXES` follows."""

RCP_SERVICE_PREFIXES: frozenset[str] = frozenset(
    {
        "s3",  # Amazon Simple Storage Service (Amazon S3)
        "sts",  # AWS Security Token Service (AWS STS)
        "kms",  # AWS Key Management Service (AWS KMS)
        "sqs",  # Amazon Simple Queue Service (Amazon SQS)
        "secretsmanager",  # AWS Secrets Manager
        "logs",  # Amazon CloudWatch Logs
        "dynamodb",  # Amazon DynamoDB
        "ecr",  # Amazon Elastic Container Registry (Amazon ECR)
        "aoss",  # Amazon OpenSearch Serverless
    }
)
"""Lower-case IAM service prefixes whose actions resource control policies restrict (see the module
docstring for the page and for the services deliberately left out)."""


def rcp_restricts_action(action: str) -> bool:
    """Whether a statement of a resource control policy can apply to ``action`` (``service:Name``, any
    case): true only for the services the Organizations guide lists (:data:`RCP_SERVICE_PREFIXES`).

        >>> rcp_restricts_action("sts:AssumeRole"), rcp_restricts_action("lambda:InvokeFunction")
        (True, False)
    """
    return service_of(action) in RCP_SERVICE_PREFIXES
