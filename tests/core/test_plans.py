"""The planners' shared book and clock (vog._plans)."""

import time

import torch

from vog._plans import PlanBook, best_time


def test_best_time_warms_up_once_and_keeps_the_fastest():
    calls, pauses = [], iter([0.0, 0.05, 0.0, 0.02])

    def run():
        calls.append(1)
        time.sleep(next(pauses))

    t = best_time(run, torch.device("cpu"), repeats=3)
    assert len(calls) == 4  # one warm-up, three timed
    assert t < 0.02  # the warm-up's time is not kept, the slow runs are not the best


def test_plan_book_keeps_the_order_and_forgets_on_clear():
    book = PlanBook()
    book.put(("b",), 2)
    book.put(("a",), 1)
    assert book.values() == [2, 1] and book.get(("a",)) == 1 and book.get(("c",)) is None
    book.clear()
    assert book.values() == []
