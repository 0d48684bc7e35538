"""The rules table in docs/nag.md is generated from the rules and must not be stale."""

from __future__ import annotations

from least_privilege_constructs.analysis.rules.rule_set import RULES
from least_privilege_constructs.nag import docs


def test_rules_table_is_fresh() -> None:
    current = docs.DOC_PATH.read_text(encoding="utf-8")
    assert docs.update(current) == current, "run: python -m least_privilege_constructs.nag.docs"
    assert docs.main(["--check"]) == 0


def test_table_lists_every_rule_with_all_columns() -> None:
    table = docs.render_rules_table()
    for binding in RULES:
        row = next(line for line in table.splitlines() if line.startswith(f"| `{binding.id}`"))
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert len(cells) == 5 and all(cells), binding.id
    assert "`LP-ACK`" in table


def test_stale_table_is_detected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    stale = tmp_path / "nag.md"
    stale.write_text(f"intro\n{docs.BEGIN}\n| old |\n{docs.END}\n", encoding="utf-8")
    assert docs.main(["--check", "--path", str(stale)]) == 1
    assert docs.main(["--path", str(stale)]) == 0
    assert docs.main(["--check", "--path", str(stale)]) == 0
