"""Policy documents as views with exact JSON locations.

:func:`parse_policy` turns a dict, JSON text or bytes into a :class:`PolicyDocument` whose statements and
element values carry the JSON path Access Analyzer reports (``["Statement", 0, "Action", 3]``).
:func:`index_spans` / :func:`find_span` give the character span (line, column, offset) of a path in
the source text, as Access Analyzer's ``locations[].span``. Nothing here validates: malformed input is kept as it is, and checks decide what is wrong with it.

Example::

    >>> doc = parse_policy('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    ...                    '"Action": ["s3:GetObject"], "Resource": "*"}]}')
    >>> [a.path for a in doc.statements[0].values("Action")]
    [['Statement', 0, 'Action', 0]]
"""

from least_privilege_constructs.analysis.model.policy import (
    ELEMENTS,
    Located,
    PolicyDocument,
    PolicyParseError,
    PolicyValueError,
    Statement,
    parse_policy,
)
from least_privilege_constructs.analysis.model.spans import Position, Span, SpanIndex, find_span, index_spans

__all__ = [
    "ELEMENTS",
    "Located",
    "PolicyDocument",
    "PolicyParseError",
    "PolicyValueError",
    "Position",
    "Span",
    "SpanIndex",
    "Statement",
    "find_span",
    "index_spans",
    "parse_policy",
]
