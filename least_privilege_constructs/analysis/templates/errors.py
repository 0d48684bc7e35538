"""Errors raised by the template format, the catalog and rendering.

Every error names where the problem is: the template (``id@version``), the file it was loaded from, the
parameter or the JSON path inside the template, so a platform team can fix a bad template without
reading a traceback.

Example::

    >>> str(TemplateError("unknown placeholder {{bucket}}", template="app.s3-read@1.0.0",
    ...                   source="templates/s3.yaml", path="statements[0].Resource"))
    'templates/s3.yaml: template app.s3-read@1.0.0: statements[0].Resource: unknown placeholder {{bucket}}'
"""

from __future__ import annotations


class TemplateError(ValueError):
    """A template file, a catalog or a rendering request is invalid."""

    def __init__(
        self,
        message: str,
        *,
        template: str | None = None,
        source: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.template = template
        self.source = source
        self.path = path
        super().__init__(self._format())

    def _format(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source)
        if self.template:
            parts.append(f"template {self.template}")
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)


class ParameterError(TemplateError):
    """A parameter value given to :meth:`PolicyTemplate.render` is missing, unknown or ill-typed."""

    def __init__(self, message: str, *, template: str | None = None, parameter: str | None = None) -> None:
        self.parameter = parameter
        super().__init__(message, template=template, path=f"parameter {parameter!r}" if parameter else None)


class TemplateNotFoundError(TemplateError, LookupError):
    """No template in the catalog matches the requested ``id`` / ``id@version``."""
