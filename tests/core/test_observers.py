"""The observer contract: what watches train_with_vog, and its costs in one shape."""

import pytest
import torch

import vog
from vog.analysis.difficulty import SCORES, TrainingDynamics
from vog.observers import Cost, Observer


class Counter:
    """A minimal observer of one's own: counts the epochs it saw."""

    def __init__(self):
        self.seen = []

    def observe(self, model, epoch):
        self.seen.append(int(epoch))
        return True

    def state_dict(self):
        return {"seen": list(self.seen)}

    def load_state_dict(self, state):
        self.seen = list(state["seen"])

    def result(self):
        return list(self.seen)

    def cost(self):
        return {"epochs seen": Cost(seconds=0.0, state_bytes=8 * len(self.seen))}


def _data():
    return vog.experiments.toy_blobs(60, centers=[[-2, -2], [2, 2]], seed=3)


def test_recorder_and_dynamics_implement_the_protocol():
    (x, y), _ = _data()
    assert isinstance(vog.VoGRecorder({"d": (x, y)}, {"w": [0, 1]}), Observer)
    assert isinstance(TrainingDynamics({"d": (x, y)}), Observer)
    assert isinstance(Counter(), Observer)


def test_costs_come_back_in_one_shape_for_every_observer():
    (x, y), (xt, yt) = _data()
    dyn = TrainingDynamics({"train": (x, y)}, early_epoch=1, grand_data=())
    counter = Counter()
    torch.manual_seed(0)
    run = vog.train_with_vog(
        vog.experiments.MLP(2, (8,), 2),
        (x, y),
        vog.TrainOptions(epochs=3, batch_size=16, device="cpu"),
        vog_data={"test": (xt, yt)},
        windows={"all": [0, 1, 2]},
        observers=[dyn, counter],
    )
    assert counter.result() == [0, 1, 2]
    assert set(run.costs) == {"VoG", *SCORES, "epochs seen"}
    assert all(isinstance(c, Cost) for c in run.costs.values())
    vog_cost = run.costs["VoG"]
    assert vog_cost.seconds > 0 and vog_cost.state_bytes == 2 * 8 * len(yt) * 2  # mean, m2
    assert vog_cost.working_bytes > 0 and vog_cost.peak_bytes > vog_cost.state_bytes
    assert run.costs["Data Maps variability"].state_bytes == 2 * 8 * len(y)  # two sums
    assert run.costs["EL2N"].state_bytes == 4 * len(y)  # float32, taken once
    assert run.costs["GraNd"].state_bytes == 0  # not asked for this data set
    row = vog_cost.per_epoch(3)
    assert row == {
        "seconds per epoch": vog_cost.seconds / 3,
        "state bytes": float(vog_cost.state_bytes),
        "peak bytes": float(vog_cost.peak_bytes),
    }


def test_observers_are_resumed_and_checked(tmp_path):
    (x, y), _ = _data()
    opts = vog.TrainOptions(epochs=3, batch_size=16, device="cpu")
    counter = Counter()
    vog.train_with_vog(
        vog.experiments.MLP(2, (8,), 2),
        (x, y),
        opts,
        vog_data={},
        windows={"all": [0, 1, 2]},
        observers=[counter],
        checkpoint_dir=tmp_path,
    )
    again = Counter()
    vog.train_with_vog(
        vog.experiments.MLP(2, (8,), 2),
        (x, y),
        opts,
        vog_data={},
        windows={"all": [0, 1, 2]},
        observers=[again],
        checkpoint_dir=tmp_path,
        resume=True,
    )
    assert again.result() == [0, 1, 2]  # restored, nothing observed twice

    class NoCost:
        def observe(self, model, epoch):
            return True

        def state_dict(self):
            return {}

        def load_state_dict(self, state):
            pass

    with pytest.raises(TypeError, match=r"observer 0 \(NoCost\) lacks result, cost"):
        vog.train_with_vog(
            vog.experiments.MLP(2, (8,), 2),
            (x, y),
            opts,
            windows={"all": [0, 1]},
            observers=[NoCost()],
        )


def test_every_score_has_one_table_entry_with_its_statistic():
    for name, score in SCORES.items():
        stat = score.statistic(4)
        assert stat.STATE and stat.nbytes() >= 0, name
        assert score.part in TrainingDynamics.PARTS, name
    assert list(TrainingDynamics.SCORES) == list(SCORES)
