"""Semantic versions and pins."""

from __future__ import annotations

import pytest

from least_privilege_constructs.templates.version import Version, VersionPin, split_reference


def test_ordering_follows_semver() -> None:
    ordered = ["0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11",
               "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "2.0.0"]
    parsed = [Version.parse(v) for v in ordered]
    assert sorted(reversed(parsed)) == parsed
    assert Version.parse("1.0.0+build.5") == Version.parse("1.0.0")
    assert str(Version.parse("1.0.0-rc.1+b")) == "1.0.0-rc.1+b"


@pytest.mark.parametrize("bad", ["1", "1.0", "v1.0.0", "01.0.0", "1.0.0-", "latest"])
def test_rejects_non_semver(bad: str) -> None:
    with pytest.raises(ValueError, match="not a semantic version"):
        Version.parse(bad)


@pytest.mark.parametrize(
    ("pin", "version", "matches"),
    [
        ("latest", "1.2.3", True),
        ("latest", "2.0.0-rc.1", False),
        ("1", "1.9.0", True),
        ("1", "2.0.0", False),
        ("1.2", "1.2.7", True),
        ("1.2", "1.3.0", False),
        ("1.2.x", "1.2.0", True),
        ("1.2.3", "1.2.3", True),
        ("2.0.0-rc.1", "2.0.0-rc.1", True),
        ("1", "1.5.0-beta", False),
    ],
)
def test_pins(pin: str, version: str, matches: bool) -> None:
    assert VersionPin.parse(pin).matches(Version.parse(version)) is matches


def test_split_reference() -> None:
    assert split_reference("app.s3-read@1.2") == ("app.s3-read", VersionPin("1.2"))
    assert split_reference("app.s3-read") == ("app.s3-read", VersionPin("latest"))
    with pytest.raises(ValueError):
        split_reference("app.s3-read@banana")
