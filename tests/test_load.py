"""A short burst of concurrent clients: every request answered, right, or refused as expected."""

from benchmarks.load import fire, workload


def test_concurrent_burst(app_url, tmp_path):
    items = workload(tmp_path, 60)
    result = fire(app_url, items, clients=4)
    outcomes = dict(result["outcomes"])
    assert len(outcomes) == len(items)  # nothing lost
    assert [o for o in outcomes.values() if o not in ("right", "expected error")] == []
    assert list(outcomes.values()).count("expected error") >= 10
