"""Every built-in template renders, passes lint (offline ValidatePolicy + audience rules), and its
rendered policy fits its declared audience."""

from __future__ import annotations

import pytest

from least_privilege_constructs.analysis.catalog import get_catalog
from least_privilege_constructs.templates.audience import check_audience
from least_privilege_constructs.templates.catalog import TemplateCatalog
from least_privilege_constructs.templates.lint import lint_template
from least_privilege_constructs.templates.render import RenderContext
from least_privilege_constructs.templates.template import PolicyTemplate

BUILTIN = list(TemplateCatalog.builtin())


@pytest.mark.parametrize("template", BUILTIN, ids=[t.id for t in BUILTIN])
def test_builtin_template_passes_lint(template: PolicyTemplate) -> None:
    result = lint_template(template)
    assert result.rendered is not None
    assert result.ok, "\n".join(f"{f.finding_type} {f.issue_code}: {f.message}" for f in result.blocking)


@pytest.mark.parametrize("template", BUILTIN, ids=[t.id for t in BUILTIN])
def test_builtin_template_fits_its_audience(template: PolicyTemplate) -> None:
    rendered = template.render_example(RenderContext(partition="aws-us-gov", account_id="111122223333",
                                                     region="us-gov-west-1"))
    assert check_audience(template.audience, rendered.document) == []
    text = rendered.to_json()
    assert "{{" not in text and "}}" not in text, "every placeholder is filled"
    source = str(template.statements)
    for placeholder, value in (("{{AWS::Partition}}", "aws-us-gov"), ("{{AWS::AccountId}}", "111122223333"),
                               ("{{AWS::Region}}", "us-gov-west-1")):
        if placeholder in source:
            assert value in text, f"{placeholder} is rendered from the context"
    catalog = get_catalog()

    def actions(effect: str) -> set[str]:
        return {
            a
            for st in rendered.statements
            if st["Effect"] == effect
            for pat in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
            for a in catalog.expand_action(pat)
        }

    granted = actions("Allow")
    if any(st["Effect"] == "Allow" for st in rendered.statements):
        assert granted, "the Allow statements grant existing actions"
    else:  # guardrail templates (deny-only bucket policy, boundary fragment)
        assert actions("Deny"), "the Deny statements deny existing actions"
    levels = {lvl.strip() for a in granted for lvl in (catalog.access_level(a) or "").split(",")}
    if template.audience == "application":
        assert "Permissions management" not in levels
    if template.audience == "default":
        assert levels <= {"List", "Read"}


WITH_PARAMETERS = [t for t in BUILTIN if t.parameters]


@pytest.mark.parametrize("template", WITH_PARAMETERS, ids=[t.id for t in WITH_PARAMETERS])
def test_builtin_template_rejects_wrong_parameter_types(template: PolicyTemplate) -> None:
    from least_privilege_constructs.templates.errors import ParameterError

    for name in template.parameters:
        bad = {**template.example_parameters(), name: {"not": "a valid value"}}
        if template.parameters[name].kind == "map":
            bad[name] = "not a map"
        with pytest.raises(ParameterError) as info:
            template.render(bad)
        assert info.value.parameter == name and template.ref in str(info.value)
