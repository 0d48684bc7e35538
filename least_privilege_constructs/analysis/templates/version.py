"""Semantic versions of templates and version pins (``id@1.2.3``, ``id@1.2``, ``id@1``, ``id``).

Example::

    >>> Version.parse("1.10.0") > Version.parse("1.9.3")
    True
    >>> Version.parse("2.0.0-rc.1") < Version.parse("2.0.0")
    True
    >>> VersionPin.parse("1.2").matches(Version.parse("1.2.7"))
    True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)


@functools.total_ordering
@dataclass(frozen=True)
class Version:
    """A semantic version (https://semver.org); build metadata is kept but ignored in comparisons."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: str = ""

    @classmethod
    def parse(cls, text: object) -> Version:
        m = _SEMVER.fullmatch(str(text).strip())
        if m is None:
            raise ValueError(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)")
        pre = tuple(m.group(4).split(".")) if m.group(4) else ()
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre, m.group(5) or "")

    def _key(self) -> tuple:
        # a pre-release sorts before its release; numeric identifiers sort numerically, before alphanumeric
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        out = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            out += "-" + ".".join(self.prerelease)
        if self.build:
            out += "+" + self.build
        return out


@dataclass(frozen=True)
class VersionPin:
    """What a caller asked for: an exact version, a ``MAJOR`` or ``MAJOR.MINOR`` line, or the latest.

    ``latest`` and line pins pick the highest *release* (pre-releases only when pinned exactly).
    """

    text: str = "latest"

    @classmethod
    def parse(cls, text: str | None) -> VersionPin:
        t = (text or "latest").strip()
        if t in ("", "latest", "*"):
            return cls("latest")
        if re.fullmatch(r"(0|[1-9]\d*)(\.(0|[1-9]\d*))?(\.x)?", t):
            return cls(t.removesuffix(".x"))
        Version.parse(t)  # raises with a clear message
        return cls(t)

    @property
    def exact(self) -> bool:
        return self.text != "latest" and re.fullmatch(r"\d+(\.\d+)?", self.text) is None

    def matches(self, version: Version) -> bool:
        if self.text == "latest":
            return not version.prerelease
        if self.exact:
            return version == Version.parse(self.text)
        parts = [int(p) for p in self.text.split(".")]
        return not version.prerelease and [version.major, version.minor][: len(parts)] == parts

    def __str__(self) -> str:
        return self.text


def split_reference(reference: str) -> tuple[str, VersionPin]:
    """``"app.s3-read@1.2"`` -> ``("app.s3-read", VersionPin("1.2"))``."""
    template_id, _, pin = reference.strip().partition("@")
    return template_id, VersionPin.parse(pin or None)
