"""IP address conditions: CIDR syntax, host bits, and private ranges with aws:SourceIp."""

from __future__ import annotations

import ipaddress

from least_privilege_constructs.analysis.findings import FindingType
from least_privilege_constructs.analysis.validate.keys import parse_operator
from least_privilege_constructs.analysis.validate.registry import Context, check, code

FAMILY = "ip-ranges"

IpNet = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(value: object) -> IpNet | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


PRIVATE_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
"""Addresses that never appear as aws:SourceIp: RFC 1918, loopback, link-local, carrier-grade NAT, IPv6 ULA."""


def _private(net: IpNet) -> bool:
    return any(net.version == p.version and net.subnet_of(p) for p in PRIVATE_RANGES)  # type: ignore[arg-type]


@check(
    "TYPE_MISMATCH_IP_RANGE",
    FindingType.WARNING,
    family=FAMILY,
    title="Type mismatch IP range",
    short="An IpAddress/NotIpAddress value is not an IP address or CIDR range.",
    long="IP address operators take IPv4 or IPv6 addresses or CIDR ranges (203.0.113.0/24, 2001:DB8::/32).",
    also=[
        code(
            "IMPROVE_IP_RANGE",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Improve IP range",
            short="A CIDR range has bits set after the prefix length.",
            long="203.0.113.7/24 means 203.0.113.0/24: the bits after the mask are ignored, so write the "
            "network address.",
        ),
        code(
            "PRIVATE_IP_ADDRESS",
            FindingType.ERROR,
            family=FAMILY,
            title="Private IP address",
            short="IpAddress on aws:SourceIp lists only private ranges.",
            long="aws:SourceIp is the public address of the caller; private ranges never match. Use "
            "aws:VpcSourceIp for private addresses.",
        ),
        code(
            "PRIVATE_NOT_IP_ADDRESS",
            FindingType.ERROR,
            family=FAMILY,
            title="Private NotIpAddress",
            short="NotIpAddress on aws:SourceIp lists only private ranges.",
            long="aws:SourceIp is never private, so NotIpAddress on private ranges always matches and has no "
            "effect.",
        ),
        code(
            "PRIVATE_IP_ADDRESS_SUBSET",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Private IP address subset",
            short="IpAddress on aws:SourceIp mixes private and public ranges.",
            long="The private ranges never match aws:SourceIp; use aws:VpcSourceIp for them.",
        ),
        code(
            "PRIVATE_NOT_IP_ADDRESS_SUBSET",
            FindingType.SUGGESTION,
            family=FAMILY,
            title="Private NotIpAddress subset",
            short="NotIpAddress on aws:SourceIp mixes private and public ranges.",
            long="The private ranges have no effect with aws:SourceIp; use aws:VpcSourceIp for them.",
        ),
    ],
)
def ip_ranges(ctx: Context) -> None:
    for s in ctx.object_statements:
        for e in s.conditions():
            op = parse_operator(e.operator)
            if op.family != "IPAddress":
                continue
            nets: list[IpNet] = []
            for v in e.values:
                if isinstance(v.value, str) and "${" in v.value:
                    continue
                net = _parse(v.value)
                if net is None:
                    ctx.emit(
                        "TYPE_MISMATCH_IP_RANGE",
                        f"The condition operator {e.operator} is used with an invalid IP range value {v.value!r}. "
                        "Specify the IP range in standard CIDR format.",
                        [v.path],
                        key=e.key,
                    )
                    continue
                nets.append(net)
                text = str(v.value).strip()
                if "/" in text:
                    addr = ipaddress.ip_address(text.split("/", 1)[0])
                    if addr != net.network_address:
                        ctx.emit(
                            "IMPROVE_IP_RANGE",
                            f"The non-zero bits in the IP address after the masked bits are ignored. Replace "
                            f"{text} with {net}.",
                            [v.path],
                            key=e.key,
                        )
            if e.key.lower() != "aws:sourceip" or not nets:
                continue
            private = [n for n in nets if _private(n)]
            if not private:
                continue
            negated = op.base == "NotIpAddress"
            if len(private) == len(nets):
                issue = "PRIVATE_NOT_IP_ADDRESS" if negated else "PRIVATE_IP_ADDRESS"
                message = (
                    "The values for condition key aws:SourceIp include only private IP addresses and has no "
                    "effect. aws:SourceIp works only for public IP address ranges."
                    if negated
                    else "aws:SourceIp works only for public IP address ranges. The values for condition key "
                    "aws:SourceIp include only private IP addresses and will not have the desired effect."
                )
            else:
                issue = "PRIVATE_NOT_IP_ADDRESS_SUBSET" if negated else "PRIVATE_IP_ADDRESS_SUBSET"
                message = (
                    "The values for condition key aws:SourceIp include a mix of private and public IP addresses. "
                    "The private addresses "
                    + ("have no effect." if negated else "will not have the desired effect.")
                    + " aws:SourceIp works only for public IP address ranges. To define permissions for private "
                    "IP ranges, use aws:VpcSourceIp."
                )
            ctx.emit(issue, message, [e.value_path], key=e.key)
