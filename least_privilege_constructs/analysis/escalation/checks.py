"""The adversarial questions, one method per path of ``shared/reference/escalation-paths.md`` (B1–B15;
the classic catalog is reported under its own ids for principals outside the delegation model).

See :mod:`.analysis` for the table of what each check asks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from least_privilege_constructs.analysis.escalation.context import ADMINISTRATOR_ACCESS_ARN
from least_privilege_constructs.analysis.escalation.methods import EscalationMethod, method
from least_privilege_constructs.analysis.escalation.paths import EscalationPath
from least_privilege_constructs.analysis.escalation.principal import (
    ALLOW_ALL,
    Hit,
    PrincipalModel,
    order,
    statement_names,
)
from least_privilege_constructs.analysis.escalation.probes import PROBE, instantiate
from least_privilege_constructs.analysis.escalation.runners import RoleRunner, load_runners
from least_privilege_constructs.analysis.escalation.world import RoleFact, trusts_any_aws_principal
from least_privilege_constructs.analysis.iam.wildcards import split_action
from least_privilege_constructs.analysis.reasoning.evaluator import evaluate
from least_privilege_constructs.analysis.reasoning.policy import PolicyError, parse_policy
from least_privilege_constructs.analysis.reasoning.policy_set import PolicySet
from least_privilege_constructs.analysis.reasoning.request import Request

# the service each new-PassRole method passes the role to
PASSROLE_SERVICES: dict[str, tuple[str, ...]] = {
    "PassRole-EC2": ("ec2.amazonaws.com",),
    "PassRole-Lambda": ("lambda.amazonaws.com",),
    "PassRole-CloudFormation": ("cloudformation.amazonaws.com",),
    "PassRole-CodeBuild": ("codebuild.amazonaws.com",),
    "PassRole-ECS": ("ecs-tasks.amazonaws.com",),
    "PassRole-Glue": ("glue.amazonaws.com",),
    "PassRole-SageMaker": ("sagemaker.amazonaws.com",),
    "PassRole-DataPipeline": ("datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com"),
    "PassRole-AppRunner": ("build.apprunner.amazonaws.com", "tasks.apprunner.amazonaws.com"),
}

# B15: resource-policy write -> the service whose actions the resource policy grants
RESOURCE_POLICY_WRITES: dict[str, tuple[str, str]] = {
    "s3:PutBucketPolicy": ("s3", "arn:{p}:s3:::lpc-probe-bucket"),
    "sqs:SetQueueAttributes": ("sqs", "arn:{p}:sqs:{r}:{a}:lpc-probe"),
    "sns:SetTopicAttributes": ("sns", "arn:{p}:sns:{r}:{a}:lpc-probe"),
    "kms:PutKeyPolicy": ("kms", "arn:{p}:kms:{r}:{a}:key/lpc-probe"),
    "lambda:AddPermission": ("lambda", "arn:{p}:lambda:{r}:{a}:function:lpc-probe"),
    "secretsmanager:PutResourcePolicy": ("secretsmanager", "arn:{p}:secretsmanager:{r}:{a}:secret:lpc-probe"),
    "ecr:SetRepositoryPolicy": ("ecr", "arn:{p}:ecr:{r}:{a}:repository/lpc-probe"),
}


CLASSIC_REPORTED_BY: dict[str, str] = {
    "CreatePolicyVersion": "B5", "SetDefaultPolicyVersion": "B5", "AttachPolicy": "B6, B10 (groups)",
    "PutInlinePolicy": "B6, B10 (groups)", "AddUserToGroup": "B10", "CreateAccessKey": "B10",
    "CreateLoginProfile": "B10", "UpdateLoginProfile": "B10", "UpdateAssumeRolePolicy": "B7", "AssumeRole": "B11",
    **{m: "B8" for m in PASSROLE_SERVICES},
    **{classic: "B9" for row in load_runners() for classic in row.classic.values()},
}
"""Which boundary check asks the questions of each classic method (and reports it under the classic id for
principals outside the delegation model)."""


class PrincipalAnalysis(PrincipalModel):
    """The adversarial questions for one principal."""

    def run(self) -> list[EscalationPath]:
        checks: list[Callable[[], list[EscalationPath]]] = [
            self.b1, self.b2, self.b3, self.b4, self.b5, self.b6, self.b7, self.b8, self.b9, self.b10,
            self.b11, self.b12, self.b13, self.b14, self.b15,
        ]
        if not self.delegation:
            if self.is_administrator():
                return []  # it already holds every permission: there is nothing to escalate to
            # outside the delegation model only the classic catalog applies
            checks = [self.b5, self.b6, self.b7, self.b8, self.b9, self.b10, self.b11]
        out: list[EscalationPath] = []
        for check in checks:
            out.extend(check())
        if self.delegation:
            done = {p.family for p in out if p.family}
            out.extend(p for p in self.created_role_takeovers() if p.family not in done)
        return out

    def created_role_takeovers(self) -> list[EscalationPath]:
        """B9 through a role the principal creates: with its own boundary attached (the designed pattern), a
        trust policy naming itself and an ``Allow *`` inline policy, the role it then assumes holds whatever
        the boundary allows. So every takeover the boundary leaves open is open to the principal; found by
        asking B9 again with ``Allow *`` as identity policy under the same boundary (and SCPs)."""
        boundary_arn = self.subject.principal.boundary_arn
        if self.chained or self.over_approximate or not boundary_arn or self.subject.boundary is None:
            return []
        role = self.iam_arn("role", f"{self.app_path()}{PROBE}-created")
        bound = {"iam:PermissionsBoundary": boundary_arn}
        create = self.ask("iam:CreateRole", role, bound) if self.may("iam:CreateRole") else None
        if create is None:
            return []
        grant = None
        for action, extra in (("iam:PutRolePolicy", bound),
                              ("iam:AttachRolePolicy", {**bound, "iam:PolicyARN": ADMINISTRATOR_ACCESS_ARN.replace(
                                  "arn:aws:", f"arn:{self.partition}:")})):
            if self.may(action):
                grant = self.ask(action, role, extra)
                if grant:
                    break
        if grant is None:
            return []
        trust = parse_policy({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": self.arn}}]}, "trust policy it writes")
        assume = self.ask("sts:AssumeRole", role, principal=self.session_arn(), resource_policy=trust)
        if assume is None:
            return []
        again = PrincipalAnalysis(self.world, self.subject, identity_override=ALLOW_ALL, chained=True)
        found = again.b9()
        self.requests += again.requests
        out = []
        for p in found:
            out.append(self.path(
                "B9", [create, grant, assume], p.target,
                f"through an application role it may create with its own boundary ({boundary_arn}), give "
                f"Allow * ({grant.action}) and assume with a trust policy naming itself (the boundary is all "
                f"that limits that role): {p.evidence}",
                assumption=p.assumption, family=p.family, condition=p.condition, runs_with=p.runs_with,
                fix=("The boundary itself allows this: whatever it allows, a principal that may create roles "
                     "with it has. Generate the boundary with this library (its takeover statements come from the "
                     "same table), or stop allowing the service in the boundary.")))
        return out

    def is_administrator(self) -> bool:
        """Unbounded, granted ``*`` on ``*`` without condition by a policy of the assembly or the context,
        and denied nothing anywhere (no SCP either). Not for the over-approximating run, whose ``Allow *``
        stands for an unknown policy."""
        ps = self.policy_set
        if ps.boundary is not None or ps.scps or self.over_approximate or self.chained:
            return False
        if any(s for p in ps.identity for s in p.denies):
            return False
        return any(
            s.actions is not None and "*" in s.actions and s.resources == ("*",) and not s.conditions
            for p in ps.identity for s in p.allows
        )

    def self_edit_paths(self) -> list[str]:
        """The B-paths open if the principal rewrote its own identity policies to ``Allow *`` (what a
        self-edit reaches: its boundary and the SCPs alone)."""
        if self._self_paths is None:
            if self.chained:
                self._self_paths = []
            else:
                again = PrincipalAnalysis(self.world, self.subject, identity_override=ALLOW_ALL, chained=True)
                found = again.run()
                self.requests += again.requests
                self._self_paths = sorted({p.method_id for p in found}, key=order)
        return self._self_paths

    def _non_approved_boundaries(self, action: str) -> list[str | None]:
        """Boundary values a request could carry that are not approved: none at all, AdministratorAccess,
        and instances of wildcard boundary conditions the principal could create a policy for."""
        out: list[str | None] = [None, f"arn:{self.partition}:iam::aws:policy/AdministratorAccess"]
        probe_policy = self.iam_arn("policy", f"/{PROBE}-weaker-boundary")
        out.append(probe_policy)
        for _, pol in self.policy_set.all_policies():
            for s in pol.statements:
                if not statement_names(s, action):
                    continue
                for c in s.conditions:
                    if c.key.lower() != "iam:permissionsboundary":
                        continue
                    for value in c.values:
                        if "*" in value or "?" in value:
                            arn = instantiate(value, account=self.account, region="us-east-1",
                                              partition=self.partition)
                            if arn not in self.approved and arn not in out and self.can_author_policy(arn):
                                out.append(arn)
        return [b for b in out if b is None or b not in self.approved]

    def can_author_policy(self, arn: str) -> bool:
        return self.ask("iam:CreatePolicy", arn) is not None or self.ask("iam:CreatePolicyVersion", arn) is not None

    def b1(self) -> list[EscalationPath]:
        """``iam:CreateRole``/``CreateUser`` with no ``iam:PermissionsBoundary`` in the request, with ``AdministratorAccess`` as boundary, or with a policy the principal can write that a wildcard boundary condition matches."""
        for action, kind in (("iam:CreateRole", "role"), ("iam:CreateUser", "user")):
            if not self.may(action):
                continue
            defaults = [self.iam_arn(kind, f"/{PROBE}"), self.iam_arn(kind, f"{self.app_path()}{PROBE}")]
            for arn in self.witnesses(action, defaults):
                for boundary in self._non_approved_boundaries(action):
                    hit = self.ask(action, arn, {"iam:PermissionsBoundary": boundary})
                    if hit:
                        what = "no permissions boundary" if boundary is None else f"the boundary {boundary}"
                        return [self.path("B1", [hit], arn, f"{action} on {arn} with {what} is allowed")]
        return []

    def b2(self) -> list[EscalationPath]:
        """``iam:Put{Role,User}PermissionsBoundary`` setting a boundary that is not approved (``AdministratorAccess``, a policy the principal can write)."""
        for action, kind in (("iam:PutRolePermissionsBoundary", "role"),
                             ("iam:PutUserPermissionsBoundary", "user")):
            if not self.may(action):
                continue
            defaults = [self.iam_arn(kind, f"/{PROBE}"), self.iam_arn(kind, f"{self.app_path()}{PROBE}")]
            if (kind == "user") == self.subject.is_user:
                defaults.insert(0, self.arn)  # swapping its own boundary
            for arn in self.witnesses(action, defaults):
                for boundary in self._non_approved_boundaries(action):
                    if boundary is None:
                        continue
                    hit = self.ask(action, arn, {"iam:PermissionsBoundary": boundary})
                    if hit:
                        return [self.path("B2", [hit], arn, f"{action} on {arn} setting {boundary} is allowed")]
        return []

    def b3(self) -> list[EscalationPath]:
        """``iam:Delete{Role,User}PermissionsBoundary`` on the principal itself, an application-path role, or any other role."""
        for action, kind in (("iam:DeleteRolePermissionsBoundary", "role"),
                             ("iam:DeleteUserPermissionsBoundary", "user")):
            if not self.may(action):
                continue
            defaults = [self.iam_arn(kind, f"{self.app_path()}{PROBE}"), self.iam_arn(kind, f"/{PROBE}")]
            if (kind == "role") != self.subject.is_user:
                defaults.insert(0, self.arn)
            for arn in self.witnesses(action, defaults):
                for boundary in [*sorted(self.approved), None]:
                    hit = self.ask(action, arn, {"iam:PermissionsBoundary": boundary})
                    if hit:
                        return [self.path("B3", [hit], arn, f"{action} on {arn} is allowed")]
        return []

    def guardrail_arns(self) -> list[str]:
        out = [*sorted(self.approved), *self.ctx.guardrail_policy_arns]
        return [a for a in dict.fromkeys(out) if ":policy/" in a and ":iam::aws:" not in a]

    def b4(self) -> list[EscalationPath]:
        """Policy-version writes and deletion on the approved boundaries and the context's guardrail policies."""
        for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion",
                       "iam:DeletePolicy"):
            if not self.may(action):
                continue
            for arn in self.guardrail_arns():
                hit = self.ask(action, arn)
                if hit:
                    return [self.path("B4", [hit], arn, f"{action} on the guardrail policy {arn} is allowed")]
        return []

    def own_policy_arns(self) -> list[str]:
        out = []
        for pol in self.subject.principal.managed_policies:
            if pol.policy_arn:
                out.append(pol.policy_arn)
        out.extend(a for a in self.subject.principal.managed_policy_arns if ":iam::aws:" not in a)
        if self.subject.is_user:
            for pol in self.world.extraction.group_policies(self.subject.principal):
                if pol.policy_arn:
                    out.append(pol.policy_arn)
        return list(dict.fromkeys(out))

    def b5(self) -> list[EscalationPath]:
        """Policy-version writes on a customer managed policy attached to the principal (bounded: then what its boundary alone leaves open) or on a policy outside the application path."""
        for action, classic in (("iam:CreatePolicyVersion", "CreatePolicyVersion"),
                                ("iam:SetDefaultPolicyVersion", "SetDefaultPolicyVersion")):
            if not self.may(action):
                continue
            guardrails = set(self.guardrail_arns())
            for arn in self.own_policy_arns():
                if arn in guardrails:
                    continue
                hit = self.ask(action, arn)
                if hit is None:
                    continue
                if not self.bounded:
                    return [self.path("B5", [hit], arn, f"{action} on {arn}, a policy attached to the principal "
                                      "itself, is allowed (the principal is unbounded)", classic=classic)]
                chain = self.self_edit_paths()
                if chain:
                    return [self.path("B5", [hit], arn, f"{action} on {arn}, a policy attached to the principal "
                                      "itself, is allowed; rewritten, it leaves only the boundary in the way",
                                      chain=chain, classic=classic)]
            probe = self.iam_arn("policy", f"/{PROBE}-unknown-policy")
            for arn in self.witnesses(action, [probe]):
                if ":policy/" not in arn or arn in guardrails or self.ctx.in_application_path(arn):
                    continue
                hit = self.ask(action, arn)
                if hit:
                    return [self.path("B5", [hit], arn, f"{action} on {arn}, a customer managed policy outside the "
                                      "application path (it may be attached to a privileged principal), is allowed",
                                      assumption="policies outside the application path may be attached to "
                                      "unbounded principals", classic=classic)]
        return []

    def _attach_contexts(self, action: str) -> list[dict[str, Any]]:
        """Request contexts for attaching/putting an admin policy on an unbounded target."""
        if action.startswith("iam:Put"):
            return [{"iam:PermissionsBoundary": None}]
        out = [{"iam:PermissionsBoundary": None, "iam:PolicyARN": ADMINISTRATOR_ACCESS_ARN.replace(
            "arn:aws:", f"arn:{self.partition}:")}]
        for _, pol in self.policy_set.all_policies():
            for s in pol.statements:
                if not (s.is_allow and statement_names(s, action)):
                    continue
                for c in s.conditions:
                    if c.key.lower() == "iam:policyarn":
                        for value in c.values:
                            arn = instantiate(value, account=self.account, region="us-east-1",
                                              partition=self.partition)
                            if ":iam::aws:" in arn or self.can_author_policy(arn):
                                out.append({"iam:PermissionsBoundary": None, "iam:PolicyARN": arn})
        return out

    def b6(self) -> list[EscalationPath]:
        """``iam:Attach/Put{Role,User}Policy`` (``AdministratorAccess``, key ``iam:PermissionsBoundary`` absent) on unbounded targets: CDK bootstrap roles, the context's admin roles, unbounded roles and users of the assembly, unknown ones outside the application path, the principal's own role (bounded: then what its boundary alone leaves open)."""
        targets: list[tuple[str, str, str]] = [
            ("iam:AttachRolePolicy", "AttachPolicy", "role"), ("iam:PutRolePolicy", "PutInlinePolicy", "role"),
            ("iam:AttachUserPolicy", "AttachPolicy", "user"), ("iam:PutUserPolicy", "PutInlinePolicy", "user"),
        ]
        for action, classic, kind in targets:
            if not self.may(action):
                continue
            facts = (self.privileged_roles(action, include_self=True) if kind == "role"
                     else self.privileged_users(action))
            if kind == "user" and self.subject.is_user and self.subject.principal.boundary_arn is None:
                facts.insert(0, RoleFact(self.arn, "the principal's own (unbounded) user", None))
            for fact in facts:
                for extra in self._attach_contexts(action):
                    hit = self.ask(action, fact.arn, extra)
                    if hit:
                        policy = extra.get("iam:PolicyARN")
                        what = f" (attaching {policy})" if policy else ""
                        return [self.path("B6", [hit], fact.arn, f"{action} on {fact.arn}, {fact.description} with no "
                                          f"boundary, is allowed{what}", assumption=fact.assumption,
                                          classic=classic)]
            # the principal's own bounded role: what is open with the boundary alone
            own_kind = "user" if self.subject.is_user else "role"
            if kind == own_kind and self.bounded:
                hit = self.ask(action, self.arn, {"iam:PermissionsBoundary": self.subject.principal.boundary_arn,
                                                  "iam:PolicyARN": ADMINISTRATOR_ACCESS_ARN})
                if hit:
                    chain = self.self_edit_paths()
                    if chain:
                        return [self.path("B6", [hit], self.arn, f"{action} on the principal's own {kind} is "
                                          "allowed; with an admin policy only the boundary is in the way",
                                          chain=chain, classic=classic)]
        return []

    def session_arn(self) -> str:
        p = self.subject.principal
        if self.subject.is_user:
            return p.arn
        return f"arn:{self.partition}:sts::{self.account}:assumed-role/{p.name}/{PROBE}-session"

    def can_assume(self, fact: RoleFact, *, rewritten_trust: bool = False) -> Hit | None:
        """Whether the principal's session may assume the role: with its trust policy (known), a trust of
        the account (unknown roles, CDK deploy role), or a trust naming the session (B7, rewritten)."""
        if rewritten_trust:
            trust: Any = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                    "Principal": {"AWS": self.session_arn()}}]}
        elif fact.trust is not None:
            if not trusts_any_aws_principal(fact.trust):
                return None
            trust = fact.trust
        elif fact.trusts_account:
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                              "Principal": {"AWS": f"arn:{self.partition}:iam::"
                                                                            f"{self.account}:root"}}]}
        else:
            return None
        try:
            policy = parse_policy(trust, f"trust policy of {fact.arn}")
        except PolicyError:
            return None
        return self.ask("sts:AssumeRole", fact.arn, principal=self.session_arn(), resource_policy=policy)

    def b7(self) -> list[EscalationPath]:
        """``iam:UpdateAssumeRolePolicy`` on an unbounded target, then ``sts:AssumeRole`` with a trust policy naming the caller's session (not limited by the caller's boundary, only by explicit denies)."""
        action = "iam:UpdateAssumeRolePolicy"
        if not self.may(action):
            return []
        for fact in self.privileged_roles(action, include_self=False):
            hit = self.ask(action, fact.arn, {"iam:PermissionsBoundary": None})
            if not hit:
                continue
            assume = self.can_assume(fact, rewritten_trust=True)
            if assume and self.gains(fact):
                return [self.path("B7", [hit, assume], fact.arn, f"{action} on {fact.arn}, {fact.description}, "
                                  "is allowed, and sts:AssumeRole with a trust policy naming the caller's session "
                                  "is then allowed", assumption=fact.assumption, classic="UpdateAssumeRolePolicy")]
        return []

    def b8(self) -> list[EscalationPath]:
        """``iam:PassRole`` of an unbounded role to a service its trust policy names (``iam:PassedToService``), together with that service's create actions (the new-PassRole catalog)."""
        if not self.may("iam:PassRole"):
            return []
        for method_id, services in PASSROLE_SERVICES.items():
            m = method(method_id)
            companions = m.requires[1:]
            if not all(any(self.may(a) for a in group) for group in companions):
                continue
            for fact in self.privileged_roles("iam:PassRole", include_self=False):
                trusted = [s for s in services if fact.trusted_services is None or s in fact.trusted_services]
                for service in trusted:
                    hit = self.ask("iam:PassRole", fact.arn, {"iam:PassedToService": service})
                    if not hit or not self.gains(fact):
                        continue
                    more = self._companions(m)
                    if more is not None:
                        return [self.path("B8", [hit, *more], fact.arn, f"iam:PassRole of {fact.arn} "
                                          f"({fact.description}) to {service} is allowed, with "
                                          f"{', '.join(h.action for h in more)}", assumption=fact.assumption,
                                          classic=method_id)]
        return []

    def _service_probe(self, action: str) -> str:
        service = split_action(action)[0]
        return f"arn:{self.partition}:{service}:{self.world.regions[0]}:{self.account}:{PROBE}"

    def _companions(self, m: EscalationMethod) -> list[Hit] | None:
        hits: list[Hit] = []
        for group in m.requires[1:]:
            found = None
            for action in group:
                if not self.may(action):
                    continue
                for arn in self.witnesses(action, [self._service_probe(action)]):
                    found = self.ask(action, arn)
                    if found:
                        break
                if found:
                    break
            if found is None:
                return None
            hits.append(found)
        return hits

    def foreign_resources(self, row: RoleRunner) -> list[tuple[str, str, str, RoleFact | None]]:
        """(ARN, description, assumption, role facts or None for the unknown probe) of resources of the
        row's kind that run with an unbounded role: the assembly's (and the manifest's stacks), then, with the
        default context, a resource the application does not own."""
        p, r, a = self.partition, self.world.regions[0], self.account
        out: list[tuple[str, str, str, RoleFact | None]] = []
        for res in self.world.running:
            if res.kind != row.id or (res.account and res.account != self.account):
                continue  # a resource of another account is out of reach without its resource policy
            fact = self.role_fact(res.role_arn)
            if fact.privileged and not fact.bounded and res.role_arn != self.arn:
                out.append((res.arn(p), f"{res.label}, which runs with {res.role_arn} ({fact.description})",
                            fact.assumption, fact))
        if self.ctx.assume_unknown_roles_privileged:
            probe = row.probe_arn(f"{PROBE}-foreign", partition=p, region=r, account=a)
            out.append((probe, f"a {row.title} the application does not own", "resources the application does "
                        "not own may run with unbounded, privileged roles", None))
        return out

    def _row_requests(self, row: RoleRunner, action: str) -> list[tuple[str, dict[str, Any], str, str,
                                                                        RoleFact | None]]:
        """(resource, extra context, description, assumption, facts) of the adversarial requests for one
        action of a row: its foreign resources or, for a row scoped by a condition key (the ECS cluster),
        every witness resource of the action with the key naming a foreign resource."""
        if row.scope != "condition" or not row.condition_key:
            return [(arn, {}, description, assumption, fact)
                    for arn, description, assumption, fact in self.foreign_resources(row)]
        out: list[tuple[str, dict[str, Any], str, str, RoleFact | None]] = []
        for foreign, description, assumption, fact in self.foreign_resources(row):
            for arn in self.witnesses(action, [self._service_probe(action)]):
                out.append((arn, {row.condition_key: foreign}, f"{arn} on {description}", assumption, fact))
        return out

    def b9(self) -> list[EscalationPath]:
        """Actions of the table of resources that run with a role (:mod:`.runners`) on resources that run with unbounded roles: stacks deployed with the CDK execution role, functions, projects, state machines ... of the assembly, unknown foreign ones (the default context), and writes to the CDK bootstrap asset bucket and repository. One path per row (fixing one leaves the others open); data-plane rows are warnings that state their condition; starting a resource without changing it is reported only if it acts on its input."""
        out: list[EscalationPath] = []
        reported: set[tuple[str, str]] = set()
        services = self._identity_services()
        for row in load_runners():
            if not row.guarded:
                continue  # every change checks iam:PassRole again: B8's question
            if services is not None and not any(split_action(a)[0].lower() in services for a in row.actions):
                continue  # prefilter: no identity Allow names the row's service
            path = self._b9_row(row, reported)
            if path is not None:
                out.append(path)
        for action, kind in (("s3:PutObject", "cdk-file-assets"), ("ecr:PutImage", "cdk-container-assets")):
            if not self.may(action):
                continue
            for res in self.world.running:
                if res.kind != kind or (res.account and res.account != self.account):
                    continue
                fact = self.role_fact(res.role_arn)
                if not fact.privileged or fact.bounded:
                    continue
                arn = res.arn(self.partition)
                hit = self.ask(action, arn)
                if hit:
                    out.append(self.path(
                        "B9", [hit], arn,
                        f"{action} on {res.label} is allowed: a planted or overwritten asset (a stack or nested "
                        f"stack template, function code, an image) is deployed by {res.role_arn} "
                        f"({fact.description}), and cdk-assets does not re-upload an asset that already exists",
                        fix="Deny writes to the CDK bootstrap asset bucket and repository "
                            "(arn:aws:s3:::cdk-*-assets-*, repository/cdk-*-container-assets-*) to developers; "
                            "only the bootstrap publishing roles write there.", runs_with=res.role_arn))
                    break
        return out

    def _identity_services(self) -> set[str] | None:
        """Service prefixes (lower-case) the identity Allow statements name; None when one names every service
        (``*``, a wildcard service, ``NotAction``)."""
        out: set[str] = set()
        for p in self.policy_set.identity:
            for s in p.allows:
                if s.actions is None:
                    return None
                for a in s.actions:
                    service = split_action(a)[0].lower()
                    if not service or "*" in service or "?" in service:
                        return None
                    out.add(service)
        return out

    def _b9_row(self, row: RoleRunner, reported: set[tuple[str, str]]) -> EscalationPath | None:
        for action in row.actions:
            if not self.may(action):
                continue
            classic = row.classic.get(action)
            companions: list[Hit] = []
            if classic is not None and len(method(classic).requires) > 1:
                # e.g. user data needs the instance stopped and started again
                found = self._companions(method(classic))
                if found is None:
                    continue
                companions = found
            for arn, extra, description, assumption, fact in self._row_requests(row, action):
                if fact is None and (action, arn) in reported:
                    continue  # the same foreign probe, already reported by an earlier row
                hit = self.ask(action, arn, extra)
                if hit is None or (fact is not None and not self.gains(fact)):
                    continue
                reported.add((action, arn))
                kind = row.kind_of(action)
                condition = row.condition or ""
                if kind == "start" and not condition:
                    condition = ("what it runs acts on the caller's input (starting it does not change what "
                                 "runs)")
                fix = None
                if row.id == "cloudformation-stack" and "cdk-" in description:
                    fix = ("A stack deployed by the CDK keeps the bootstrap execution role as its service role, "
                           "and anyone allowed to update or delete the stack acts with it without iam:PassRole. "
                           "Do not grant stack updates on CDK-deployed stacks (developers deploy through the CDK "
                           "deploy role), or bootstrap with --custom-permissions-boundary so the execution role "
                           "is bounded too.")
                elif fact is None or not classic:
                    fix = (f"Deny {', '.join(row.actions)} outside the application's own resources (the "
                           "boundary's takeover statements, generated from the same table, do).")
                also = f" (with {', '.join(h.action for h in companions)})" if companions else ""
                return self.path("B9", [hit, *companions], arn,
                                 f"{action} on {description} is allowed{also}; it runs with {row.role_binding}",
                                 assumption=assumption, classic=classic, fix=fix, family=row.id,
                                 condition=condition, runs_with=fact.arn if fact is not None else "")
        return None

    def b10(self) -> list[EscalationPath]:
        """Access keys and login profiles of other users, group membership and group policies."""
        checks = (
            ("iam:CreateAccessKey", "CreateAccessKey", "user"),
            ("iam:CreateLoginProfile", "CreateLoginProfile", "user"),
            ("iam:UpdateLoginProfile", "UpdateLoginProfile", "user"),
            ("iam:AddUserToGroup", "AddUserToGroup", "group"),
            ("iam:AttachGroupPolicy", "AttachPolicy", "group"),
            ("iam:PutGroupPolicy", "PutInlinePolicy", "group"),
        )
        for action, classic, kind in checks:
            if not self.may(action):
                continue
            defaults = [self.iam_arn(kind, f"/{PROBE}-other-{kind}")]
            defaults += [p.arn for p in self.world.extraction.principals
                         if p.kind.value == kind and p.arn != self.arn]
            extra = {"iam:PolicyARN": ADMINISTRATOR_ACCESS_ARN} if action == "iam:AttachGroupPolicy" else {}
            for arn in self.witnesses(action, defaults):
                if arn == self.arn:
                    continue  # managing one's own credentials is not an escalation
                hit = self.ask(action, arn, extra)
                if hit:
                    return [self.path("B10", [hit], arn, f"{action} on {arn} is allowed", classic=classic)]
        return []

    def b11(self) -> list[EscalationPath]:
        """``sts:AssumeRole`` on unbounded roles whose trust lets the principal in (the CDK deploy role, the context's admin roles, unknown roles outside the application path)."""
        identity_allows = self.may("sts:AssumeRole")
        for fact in self.privileged_roles("sts:AssumeRole", include_self=False):
            if not identity_allows and fact.trust is None:
                continue  # only a trust policy naming the principal itself grants without identity permission
            hit = self.can_assume(fact)
            if hit and self.gains(fact):
                return [self.path("B11", [hit], fact.arn, f"sts:AssumeRole on {fact.arn} ({fact.description}) "
                                  "is allowed", assumption=fact.assumption, classic="AssumeRole")]
        return []

    def b12(self) -> list[EscalationPath]:
        """``iam:CreateServiceLinkedRole`` for an arbitrary service (no ``iam:AWSServiceName`` restriction)."""
        action = "iam:CreateServiceLinkedRole"
        if not self.may(action):
            return []
        service = f"{PROBE}.amazonaws.com"
        default = self.iam_arn("role", f"/aws-service-role/{service}/AWSServiceRoleForLpcProbe")
        for arn in self.witnesses(action, [default]):
            hit = self.ask(action, arn, {"iam:AWSServiceName": service})
            if hit:
                return [self.path("B12", [hit], arn, f"{action} for an arbitrary service ({service}) is allowed")]
        return []

    def b13(self) -> list[EscalationPath]:
        """IAM tag changes on the principal itself or on principals outside the application path, when policies of the assembly (or the context) grant or deny by tags."""
        if not self.world.tag_based_access:
            return []
        for action, kind in (("iam:TagRole", "role"), ("iam:UntagRole", "role"), ("iam:TagUser", "user"),
                             ("iam:UntagUser", "user")):
            if not self.may(action):
                continue
            defaults = [self.iam_arn(kind, f"/{PROBE}-protected")]
            if (kind == "user") == self.subject.is_user:
                defaults.insert(0, self.arn)
            for arn in self.witnesses(action, defaults):
                if arn != self.arn and self.ctx.in_application_path(arn):
                    continue
                hit = self.ask(action, arn, {"aws:TagKeys": [PROBE], f"aws:RequestTag/{PROBE}": PROBE})
                if hit:
                    return [self.path("B13", [hit], arn, f"{action} on {arn} is allowed while policies of the "
                                      "account grant or deny by tags")]
        return []

    def b14(self) -> list[EscalationPath]:
        """Instance-profile writes outside the application path together with ``iam:PassRole`` of an unbounded role that EC2 may assume."""
        pass_hits: list[tuple[Hit, RoleFact]] = []
        if not self.may("iam:PassRole"):
            return []
        for fact in self.privileged_roles("iam:PassRole", include_self=False):
            if fact.trusted_services is not None and "ec2.amazonaws.com" not in fact.trusted_services:
                continue
            for service in ("ec2.amazonaws.com", None):
                hit = self.ask("iam:PassRole", fact.arn, {"iam:PassedToService": service})
                if hit and self.gains(fact):
                    pass_hits.append((hit, fact))
                    break
        if not pass_hits:
            return []
        for action in ("iam:AddRoleToInstanceProfile", "iam:CreateInstanceProfile"):
            if not self.may(action):
                continue
            probe = self.iam_arn("instance-profile", f"/{PROBE}-profile")
            for arn in self.witnesses(action, [probe]):
                if self.ctx.in_application_path(arn):
                    continue
                hit = self.ask(action, arn)
                if hit:
                    pass_hit, fact = pass_hits[0]
                    return [self.path("B14", [hit, pass_hit], arn, f"{action} on {arn} (outside the application "
                                      f"path) and iam:PassRole of {fact.arn} ({fact.description}) are allowed",
                                      assumption=fact.assumption)]
        return []

    def b15(self) -> list[EscalationPath]:
        """Resource-policy writes of a service with an action the boundary implicitly denies (a resource policy naming the principal's session is not limited by the boundary)."""
        if self.policy_set.boundary is None:
            return []
        for action, (service, template) in RESOURCE_POLICY_WRITES.items():
            if not self.may(action):
                continue
            region = self.world.regions[0]
            arn = template.format(p=self.partition, r=region, a=self.account)
            hit = self.ask(action, arn)
            if not hit:
                continue
            gap = self._boundary_gap(service, arn)
            if gap:
                return [self.path("B15", [hit], arn, f"{action} is allowed, and a resource policy naming the "
                                  f"principal's session would grant {gap}, which the boundary does not allow "
                                  "(a resource policy naming a session or user ARN is not limited by it)")]
        return []

    def _boundary_gap(self, service: str, arn: str) -> str | None:
        """An action of ``service`` that the boundary implicitly denies (no explicit Deny anywhere)."""
        from least_privilege_constructs.analysis.catalog import get_catalog

        boundary = self.policy_set.boundary
        assert boundary is not None
        # fast path: an unconditioned Allow of the whole service on every resource leaves no implicit deny
        for s in boundary.allows:
            if (not s.conditions and s.resources == ("*",) and s.actions is not None
                    and any(a == "*" or a.lower() == f"{service}:*" for a in s.actions)):
                return None
        key = (id(boundary), service, arn)
        cache = self.world.__dict__.setdefault("_gap_cache", {})
        if key in cache:
            return cache[key]  # type: ignore[no-any-return]
        cache[key] = None
        actions = sorted(get_catalog().actions_of(service))
        allow_all = parse_policy(ALLOW_ALL, "probe")
        ps = PolicySet((allow_all,), boundary, self.policy_set.scps, (), None, self.arn)
        context = dict(self.base_context)
        context["aws:RequestedRegion"] = self.world.regions[0]
        for name in actions:
            full = f"{service}:{name}"
            decision = evaluate(Request(self.arn, full, arn, context), ps)
            self.requests += 1
            if decision.outcome.value == "ImplicitlyDenied" and "boundary" in decision.reason:
                cache[key] = full
                return full
        return None


