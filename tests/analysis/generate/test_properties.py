"""Properties of generation over random slices of random trails: every allowed call replays as allowed,
and the policy does not depend on the order of the input."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from least_privilege_constructs.analysis.generate import generate_policy, replay
from tests.data.cloudtrail.make_trail import APP_ROLE, records


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), count=st.integers(1, 300), shuffle=st.integers(0, 2**32 - 1),
       fold=st.sampled_from([0, 2, 25]), size=st.sampled_from([700, 6144]))
def test_replay_and_order_independence(seed: int, count: int, shuffle: int, fold: int, size: int) -> None:
    events = list(records(seed, count))
    shuffled = list(events)
    random.Random(shuffle).shuffle(shuffled)
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.jsonl", Path(tmp) / "b.jsonl"
        a.write_text("\n".join(json.dumps(e) for e in events))
        b.write_text("\n".join(json.dumps(e) for e in shuffled))
        first = generate_policy([a], principal=APP_ROLE, max_resources_per_group=fold, max_policy_size=size)
        second = generate_policy([b], principal=APP_ROLE, max_resources_per_group=fold, max_policy_size=size)
        assert first.policy_json() == second.policy_json()
        assert "${" not in first.policy_json()
        result = replay([a], first)
        assert result.denied_events == [], result.denied_events[:3]
        assert result.allowed_events == first.counts.get("allowed", 0)
