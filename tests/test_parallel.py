"""progress_map: results in order on one or more processes, and a progress bar that finishes."""

import pytest

import ariseml.parallel as parallel


def square(value: int) -> int:
    return value * value


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_in_order_and_the_bar_is_full_when_the_last_result_is_taken(monkeypatch, jobs):
    bars = []

    class RecordingBar(parallel.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(parallel, "tqdm", RecordingBar)
    results = parallel.progress_map(square, list(range(7)), jobs=jobs, progress=True)
    taken = [next(results) for _ in range(7)]  # a consumer that knows the count and never asks again
    assert taken == [n * n for n in range(7)]
    assert bars[0].n == bars[0].total == 7
    results.close()


def scaled(value: int) -> int:
    return value * parallel.worker_state()["factor"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_get_the_maps_state_and_it_is_gone_afterwards(jobs):
    assert list(parallel.progress_map(scaled, [1, 2, 3], jobs=jobs, state={"factor": 10})) == [10, 20, 30]
    assert parallel.worker_state() == {}


def test_a_map_inside_another_maps_function_leaves_the_outer_state_as_it_was():
    def outer(value: int) -> int:
        inner = list(parallel.progress_map(scaled, [value], jobs=1, state={"factor": 100}))
        return inner[0] + parallel.worker_state()["factor"]

    assert list(parallel.progress_map(outer, [1, 2], jobs=1, state={"factor": 1})) == [101, 201]
