"""docs/validate-policy.md is generated from the code registry (and benchmark results) and not stale; every
documented Access Analyzer code is declared, supported or not."""

from __future__ import annotations

import re
from pathlib import Path

from least_privilege_constructs.analysis.validate import access_analyzer_codes, codes, docs

REFERENCE = (
    Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "access-analyzer-issue-codes.md"
)


def test_codes_table_is_not_stale():
    text = docs.DOC.read_text(encoding="utf-8")
    assert docs.render(text, docs.load_results()) == text, (
        "run: python -m least_privilege_constructs.analysis.validate.docs"
    )


def test_every_reference_code_is_declared():
    if not REFERENCE.exists():
        return
    documented = set(re.findall(r"\| `([A-Z_]+)` \|", REFERENCE.read_text(encoding="utf-8")))
    assert len(documented) == 135
    assert documented <= access_analyzer_codes()


def test_every_code_has_a_description_or_a_reason():
    for spec in codes().values():
        if spec.supported:
            assert spec.short and spec.long, spec.code
        else:
            assert len(spec.reason) > 40, spec.code


def test_every_code_is_in_the_doc():
    text = docs.DOC.read_text(encoding="utf-8")
    for name in codes():
        assert f"`{name}`" in text, name


def test_regenerating_rewrites_stale_tables(tmp_path):
    stale = tmp_path / "doc.md"
    stale.write_text(f"intro\n{docs.BEGIN}\n| old |\n{docs.END}\noutro\n", encoding="utf-8")
    assert docs.main([str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert "| old |" not in text and "`PASS_ROLE_WITH_STAR_IN_RESOURCE`" in text
    assert text.endswith(f"{docs.END}\noutro\n")


def test_agreement_table_renders_results():
    results = {
        "validate_policy": {
            "agreement": {
                "policies": 2,
                "overall": {
                    "tp": 1,
                    "fp": 0,
                    "fn": 0,
                    "precision": 1.0,
                    "recall": 1.0,
                    "location_agreement": 1.0,
                },
                "per_code": {
                    "REDUNDANT_ACTION": {
                        "tp": 1,
                        "fp": 0,
                        "fn": 0,
                        "precision": 1.0,
                        "recall": 1.0,
                        "location_agreement": 1.0,
                    }
                },
            }
        }
    }
    table = docs.agreement_table(results)
    assert "| `REDUNDANT_ACTION` | 1 | 0 | 0 | 1.000 | 1.000 | 1.000 |" in table
    assert "**overall** (2 policies)" in table
