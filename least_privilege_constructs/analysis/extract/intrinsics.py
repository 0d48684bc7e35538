"""Resolve CloudFormation intrinsic functions offline, one stack at a time.

:class:`StackContext` knows one template (parameters, conditions, mappings, resources, outputs), its
pseudo parameters (account, region, partition, stack name) and the assembly around it (exports of the
other stacks, nested stack templates). :meth:`StackContext.resolve` walks a value (a policy document)
and returns it resolved plus the paths it could not resolve; nothing raises on bad input.

Supported: ``Ref`` (parameters, resources, pseudo parameters incl. ``AWS::NoValue``), ``Fn::GetAtt``,
``Fn::Sub`` (both forms), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::If`` with conditions
(``Fn::Equals``/``And``/``Or``/``Not``/``Condition``), ``Fn::FindInMap`` (with ``DefaultValue``),
``Fn::ImportValue`` (exports of the assembly's own stacks), ``Fn::GetAZs``, ``Fn::Base64``,
``Fn::Cidr``, ``Fn::ToJsonString``, ``Fn::Length``. Cycles (a ``Ref`` chain, a condition that uses
itself, exports that import each other) are reported, not followed forever.

    >>> ctx = StackContext({"Parameters": {"Env": {"Type": "String", "Default": "prod"}}}, stack_name="App")
    >>> ctx.resolve({"Fn::Sub": "arn:${AWS::Partition}:s3:::logs-${Env}/*"}).value
    'arn:aws:s3:::logs-prod/*'
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from least_privilege_constructs.analysis.extract.identities import (
    Unresolvable,
    resource_attribute,
    resource_ref,
)
from least_privilege_constructs.analysis.findings import JsonPath
from least_privilege_constructs.analysis.iam.arn import dns_suffix, partition_of

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

_NO_VALUE = object()
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_MAX_DEPTH = 200


@dataclass
class Resolution:
    """A resolved value and the problems met on the way (path inside the value, message)."""

    value: Any
    problems: list[tuple[JsonPath, str]] = field(default_factory=list)


@dataclass
class ExportEntry:
    context: StackContext
    output_id: str


class AssemblyContext:
    """What the stacks of one extraction share: the exports index (name -> stack and output)."""

    def __init__(self, given: Mapping[str, str] | None = None) -> None:
        self.exports: dict[str, ExportEntry] = {}
        self.given: dict[str, str] = dict(given or {})
        """Export values supplied by the caller (the ``exports`` setting) for stacks outside the input."""
        self._active: set[str] = set()

    def import_value(self, name: str) -> Any:
        entry = self.exports.get(name)
        if entry is None and name in self.given:
            return self.given[name]
        if entry is None:
            raise Unresolvable(f"Fn::ImportValue {name!r}: no stack of the input exports it (give its value "
                               "with the exports setting or --export NAME=VALUE)")
        if name in self._active:
            raise Unresolvable(f"Fn::ImportValue {name!r}: cycle between exports")
        self._active.add(name)
        try:
            return entry.context.output(entry.output_id)
        finally:
            self._active.discard(name)


def unresolved_placeholder(message: str) -> str:
    return "{{unresolved: " + message.split(":", 1)[0][:80] + "}}"


class StackContext:
    """One template with its pseudo parameters and parameter values."""

    NO_VALUE = _NO_VALUE

    def __init__(
        self,
        template: dict[str, Any],
        *,
        stack_name: str = "Stack",
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        parameters: dict[str, Callable[[], Any] | Any] | None = None,
        assembly: AssemblyContext | None = None,
        stack_id: str | None = None,
    ) -> None:
        self.template: dict[str, Any] = template
        self.stack_name: str = stack_name
        self.account: str = account
        self.region: str = region
        # botocore's endpoint data; a region it does not know (a token, a future region) is taken as "aws"
        self.partition: str = partition_of(region) or "aws"
        self.url_suffix: str = dns_suffix(self.partition) or "amazonaws.com"
        self.stack_id: str = stack_id or (
            f"arn:{self.partition}:cloudformation:{region}:{account}:stack/{stack_name}/"
            "00000000-0000-4000-8000-000000000000"
        )
        self.parameter_values: dict[str, Callable[[], Any] | Any] = dict(parameters or {})
        self.assembly = assembly or AssemblyContext()
        self.nested_stacks: dict[str, StackContext] = {}
        self._active: list[str] = []
        self._conditions: dict[str, bool] = {}
        self._resolved_params: dict[str, Any] = {}

    # --- sections ---------------------------------------------------------------------------------------------
    def section(self, name: str) -> dict[str, Any]:
        value = self.template.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def resources(self) -> dict[str, Any]:
        return self.section("Resources")

    # --- public entry points ----------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Resolution:
        """Resolve every intrinsic in ``value``; unresolvable parts become placeholders and problems."""
        problems: list[tuple[JsonPath, str]] = []
        out = self._walk(value, [], problems, 0)
        return Resolution(None if out is _NO_VALUE else out, problems)

    def eval_strict(self, value: Any, where: str = "") -> Any:
        """Resolve ``value`` or raise :class:`Unresolvable` (may return :attr:`NO_VALUE`)."""
        return self._eval(value, 0)

    def condition(self, name: str) -> bool:
        """Evaluate a named condition of the ``Conditions`` section."""
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.section("Conditions")
        if name not in conditions:
            raise Unresolvable(f"condition {name!r} is not defined in Conditions")
        key = f"Condition:{name}"
        with self._guard(key):
            result = self._eval_condition(conditions[name], 0)
        self._conditions[name] = result
        return result

    def output(self, output_id: str) -> Any:
        outputs = self.section("Outputs")
        out = outputs.get(output_id)
        if not isinstance(out, dict) or "Value" not in out:
            raise Unresolvable(f"output {output_id!r} is not defined in stack {self.stack_name}")
        with self._guard(f"Output:{output_id}"):
            return self._eval(out["Value"], 0)

    def resource_exists(self, logical_id: str) -> bool:
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            return False
        cond = resource.get("Condition")
        if cond is None:
            return True
        return self.condition(str(cond))

    # --- walking (records problems) ---------------------------------------------------------------------------
    def _walk(self, value: Any, path: JsonPath, problems: list[tuple[JsonPath, str]], depth: int) -> Any:
        if depth > _MAX_DEPTH:
            problems.append((list(path), "nesting too deep"))
            return unresolved_placeholder("nesting too deep")
        if isinstance(value, dict):
            if _is_intrinsic(value):
                try:
                    return self._eval(value, depth)
                except Unresolvable as exc:
                    problems.append((list(path), str(exc)))
                    return unresolved_placeholder(str(exc))
                except RecursionError:
                    problems.append((list(path), "nesting too deep"))
                    return unresolved_placeholder("nesting too deep")
            out: dict[str, Any] = {}
            for k, v in value.items():
                r = self._walk(v, [*path, str(k)], problems, depth + 1)
                if r is not _NO_VALUE:
                    out[str(k)] = r
            return out
        if isinstance(value, list):
            items = []
            for i, v in enumerate(value):
                r = self._walk(v, [*path, i], problems, depth + 1)
                if r is not _NO_VALUE:
                    items.append(r)
            return items
        return value

    # --- strict evaluation ------------------------------------------------------------------------------------
    def _guard(self, key: str) -> _Guard:
        return _Guard(self, key)

    def _eval(self, value: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise Unresolvable("nesting too deep")
        if isinstance(value, dict):
            if _is_intrinsic(value):
                (name, arg), = value.items()
                handler = _HANDLERS.get(name)
                if handler is None:
                    raise Unresolvable(f"{name} is not supported offline")
                return handler(self, arg, depth + 1)
            out = {}
            for k, v in value.items():
                r = self._eval(v, depth + 1)
                if r is not _NO_VALUE:
                    out[str(k)] = r
            return out
        if isinstance(value, list):
            return [r for r in (self._eval(v, depth + 1) for v in value) if r is not _NO_VALUE]
        return value

    def _str(self, value: Any, depth: int, what: str) -> str:
        v = self._eval(value, depth)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str | int | float):
            return str(v)
        raise Unresolvable(f"{what}: expected a string, got {type(v).__name__}")

    def _list(self, value: Any, depth: int, what: str) -> list[Any]:
        v = self._eval(value, depth)
        if not isinstance(v, list):
            raise Unresolvable(f"{what}: expected a list, got {type(v).__name__}")
        return v

    def ref(self, name: str) -> Any:
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        params = self.section("Parameters")
        if name in params or name in self.parameter_values:
            return self._parameter(name, params.get(name))
        resources = self.resources
        if name in resources:
            resource = resources[name]
            if not isinstance(resource, dict):
                raise Unresolvable(f"Ref {name}: the resource is not an object")
            with self._guard(f"Ref:{name}"):
                return resource_ref(self, name, resource)
        raise Unresolvable(f"Ref {name}: no parameter or resource of that name")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            raise Unresolvable(f"Fn::GetAtt {logical_id}.{attribute}: no resource {logical_id!r}")
        with self._guard(f"GetAtt:{logical_id}.{attribute}"):
            return resource_attribute(self, logical_id, resource, attribute)

    def _pseudo(self, name: str) -> Any:
        return {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::NoValue": _NO_VALUE,
            "AWS::NotificationARNs": [],
        }.get(name)

    def _parameter(self, name: str, spec: Any) -> Any:
        if name in self._resolved_params:
            return self._resolved_params[name]
        spec = spec if isinstance(spec, dict) else {}
        ptype = str(spec.get("Type", "String"))
        if name in self.parameter_values:
            given = self.parameter_values[name]
            with self._guard(f"Parameter:{name}"):
                value = given() if callable(given) else given
        elif "Default" in spec:
            if ptype.startswith("AWS::SSM::Parameter::Value"):
                raise Unresolvable(
                    f"Ref {name}: an SSM parameter ({spec.get('Default')}) is only known at deploy time; "
                    "pass its value as a parameter"
                )
            value = spec["Default"]
        else:
            raise Unresolvable(f"Ref {name}: parameter has no Default and no value was given")
        if (ptype == "CommaDelimitedList" or ptype.startswith("List<")) and isinstance(value, str):
            value = [v.strip() for v in value.split(",")] if value else []
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        self._resolved_params[name] = value
        return value

    # --- conditions -------------------------------------------------------------------------------------------
    def _eval_condition(self, value: Any, depth: int) -> bool:
        if depth > _MAX_DEPTH:
            raise Unresolvable("condition nesting too deep")
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, dict) or len(value) != 1:
            raise Unresolvable(f"invalid condition {_short(value)}")
        (name, arg), = value.items()
        if name == "Condition":
            return self.condition(str(arg))
        if name == "Fn::Equals":
            if not isinstance(arg, list) or len(arg) != 2:
                raise Unresolvable("Fn::Equals takes a list of two values")
            a, b = (self._eval(x, depth + 1) for x in arg)
            return _norm(a) == _norm(b)
        if name in ("Fn::And", "Fn::Or"):
            if not isinstance(arg, list) or not arg:
                raise Unresolvable(f"{name} takes a list of conditions")
            results = (self._eval_condition(x, depth + 1) for x in arg)
            return all(results) if name == "Fn::And" else any(results)
        if name == "Fn::Not":
            if not isinstance(arg, list) or len(arg) != 1:
                raise Unresolvable("Fn::Not takes a list of one condition")
            return not self._eval_condition(arg[0], depth + 1)
        if name in ("Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf"):
            raise Unresolvable(f"{name} is a rule function, not supported in conditions")
        raise Unresolvable(f"{name} is not a condition function")


class _Guard:
    def __init__(self, ctx: StackContext, key: str) -> None:
        self.ctx = ctx
        self.key = key

    def __enter__(self) -> None:
        if self.key in self.ctx._active:
            chain = " -> ".join([*self.ctx._active[self.ctx._active.index(self.key):], self.key])
            raise Unresolvable(f"cycle: {chain}")
        self.ctx._active.append(self.key)

    def __exit__(self, *exc: object) -> None:
        self.ctx._active.pop()


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    key = next(iter(value))
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))


# --- handlers -------------------------------------------------------------------------------------------------


def _h_ref(ctx: StackContext, arg: Any, depth: int) -> Any:
    if not isinstance(arg, str):
        arg = ctx._str(arg, depth, "Ref")
    return ctx.ref(arg)


def _h_getatt(ctx: StackContext, arg: Any, depth: int) -> Any:
    if isinstance(arg, str):
        logical, _, attribute = arg.partition(".")
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        logical = arg[0]
        attribute = ctx._str(arg[1], depth, "Fn::GetAtt attribute")
    else:
        raise Unresolvable(f"Fn::GetAtt: invalid argument {_short(arg)}")
    if not attribute:
        raise Unresolvable(f"Fn::GetAtt {logical}: no attribute")
    return ctx.get_att(logical, attribute)


def _h_sub(ctx: StackContext, arg: Any, depth: int) -> Any:
    variables: dict[str, Any] = {}
    if isinstance(arg, list):
        if len(arg) != 2 or not isinstance(arg[1], dict):
            raise Unresolvable("Fn::Sub takes a string or [string, {variables}]")
        template = ctx._str(arg[0], depth, "Fn::Sub")
        variables = arg[1]
    else:
        template = ctx._str(arg, depth, "Fn::Sub")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        name = name.strip()
        if name in variables:
            return ctx._str(variables[name], depth, f"Fn::Sub variable {name}")
        if "." in name and not name.startswith("AWS::"):
            logical, _, attribute = name.partition(".")
            value = ctx.get_att(logical, attribute)
        else:
            value = ctx.ref(name)
        if value is _NO_VALUE or isinstance(value, list | dict):
            raise Unresolvable(f"Fn::Sub ${{{name}}}: not a string value")
        return _norm(value)

    return _SUB_VAR.sub(replace, template)


def _h_join(ctx: StackContext, arg: Any, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 2:
        raise Unresolvable("Fn::Join takes [delimiter, [values]]")
    delimiter = ctx._str(arg[0], depth, "Fn::Join delimiter")
    items = ctx._list(arg[1], depth, "Fn::Join values")
    out = []
    for item in items:
        if isinstance(item, list | dict):
            raise Unresolvable("Fn::Join: a value is not a string")
        out.append(str(_norm(item)))
    return delimiter.join(out)


def _h_select(ctx: StackContext, arg: Any, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 2:
        raise Unresolvable("Fn::Select takes [index, [values]]")
    index_text = ctx._str(arg[0], depth, "Fn::Select index")
    try:
        index = int(index_text)
    except ValueError:
        raise Unresolvable(f"Fn::Select: index {index_text!r} is not a number") from None
    items = ctx._list(arg[1], depth, "Fn::Select values")
    if not 0 <= index < len(items):
        raise Unresolvable(f"Fn::Select: index {index} out of range for {len(items)} values")
    return items[index]


def _h_split(ctx: StackContext, arg: Any, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 2:
        raise Unresolvable("Fn::Split takes [delimiter, string]")
    delimiter = ctx._str(arg[0], depth, "Fn::Split delimiter")
    source = ctx._str(arg[1], depth, "Fn::Split source")
    if not delimiter:
        raise Unresolvable("Fn::Split: empty delimiter")
    return source.split(delimiter)


def _h_if(ctx: StackContext, arg: Any, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
        raise Unresolvable("Fn::If takes [condition, value if true, value if false]")
    return ctx._eval(arg[1] if ctx.condition(arg[0]) else arg[2], depth)


def _h_find_in_map(ctx: StackContext, arg: Any, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) not in (3, 4):
        raise Unresolvable("Fn::FindInMap takes [map, top-level key, second-level key]")
    names = [ctx._str(a, depth, "Fn::FindInMap key") for a in arg[:3]]
    default: Any = None
    has_default = False
    if len(arg) == 4:
        if not isinstance(arg[3], dict) or "DefaultValue" not in arg[3]:
            raise Unresolvable("Fn::FindInMap: the fourth argument must be {DefaultValue: ...}")
        has_default = True
        default = arg[3]["DefaultValue"]
    mapping = ctx.section("Mappings").get(names[0])
    top = mapping.get(names[1]) if isinstance(mapping, dict) else None
    if isinstance(top, dict) and names[2] in top:
        return ctx._eval(top[names[2]], depth)
    if has_default:
        return ctx._eval(default, depth)
    raise Unresolvable(f"Fn::FindInMap: no value at {names[0]}.{names[1]}.{names[2]}")


def _h_import(ctx: StackContext, arg: Any, depth: int) -> Any:
    name = ctx._str(arg, depth, "Fn::ImportValue")
    return ctx.assembly.import_value(name)


def _h_getazs(ctx: StackContext, arg: Any, depth: int) -> Any:
    region = ctx._str(arg, depth, "Fn::GetAZs") if arg not in ("", None) else ctx.region
    region = region or ctx.region
    return [f"{region}a", f"{region}b", f"{region}c"]


def _h_base64(ctx: StackContext, arg: Any, depth: int) -> Any:
    return base64.b64encode(ctx._str(arg, depth, "Fn::Base64").encode()).decode()


def _h_cidr(ctx: StackContext, arg: Any, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 3:
        raise Unresolvable("Fn::Cidr takes [ipBlock, count, cidrBits]")
    block = ctx._str(arg[0], depth, "Fn::Cidr ipBlock")
    try:
        count = int(ctx._str(arg[1], depth, "Fn::Cidr count"))
        bits = int(ctx._str(arg[2], depth, "Fn::Cidr cidrBits"))
        network = ipaddress.ip_network(block, strict=False)
        prefix = network.max_prefixlen - bits
        subnets = network.subnets(new_prefix=prefix)
        out: list[str] = []
        for subnet in subnets:
            if len(out) >= count:
                break
            out.append(str(subnet))
    except ValueError as exc:
        raise Unresolvable(f"Fn::Cidr: {exc}") from None
    return out


def _h_to_json(ctx: StackContext, arg: Any, depth: int) -> Any:
    return json.dumps(ctx._eval(arg, depth), separators=(",", ":"))


def _h_length(ctx: StackContext, arg: Any, depth: int) -> Any:
    return len(ctx._list(arg, depth, "Fn::Length"))


def _h_condition_fn(ctx: StackContext, arg: Any, depth: int) -> Any:
    raise Unresolvable("condition functions are only valid in Conditions and Fn::If")


_HANDLERS: dict[str, Callable[[StackContext, Any, int], Any]] = {
    "Ref": _h_ref,
    "Fn::GetAtt": _h_getatt,
    "Fn::Sub": _h_sub,
    "Fn::Join": _h_join,
    "Fn::Select": _h_select,
    "Fn::Split": _h_split,
    "Fn::If": _h_if,
    "Fn::FindInMap": _h_find_in_map,
    "Fn::ImportValue": _h_import,
    "Fn::GetAZs": _h_getazs,
    "Fn::Base64": _h_base64,
    "Fn::Cidr": _h_cidr,
    "Fn::ToJsonString": _h_to_json,
    "Fn::Length": _h_length,
}
