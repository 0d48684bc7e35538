"""AWS readers that write evidence bundles (``lpc collect``): boto3, botocore's standard retry mode.

* :mod:`.calls` — the client configuration, throttling back-off beyond botocore's retries, job polling,
  and sessions per account (``sts:AssumeRole`` of a named role);
* :mod:`.last_accessed` — roles, their policies and ``GenerateServiceLastAccessedDetails`` /
  ``GetServiceLastAccessedDetails``;
* :mod:`.organizations` — ``GenerateOrganizationsAccessReport`` / ``GetOrganizationsAccessReport``;
* :mod:`.policy_changes` — when each role policy last changed (CloudTrail ``LookupEvents``), for the grace
  period;
* :mod:`.credential_report` — ``GenerateCredentialReport`` / ``GetCredentialReport`` (CSV);
* :mod:`.unused_access` — IAM Access Analyzer unused-access findings and recommendations;
* :mod:`.collector` — one bundle for an account or an organization, with a progress callback.

The bundle format and everything decided from it are in the pure core
(:mod:`least_privilege_constructs.analysis.refine`). Nothing here changes an account: every call is a read
or a report-generation job.
"""
