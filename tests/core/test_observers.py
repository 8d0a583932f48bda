"""The observer contract: what watches train_with_vog, and its costs in one shape."""

import pytest
import torch

import vog
from vog.analysis.difficulty import SCORES, TrainingDynamics
from vog.observers import Cost, Observer, ObserverBase, observer_call


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

    class HalfState:  # saves its state but cannot restore it
        def observe(self, model, epoch):
            return True

        def state_dict(self):
            return {"n": 1}

    with pytest.raises(TypeError, match=r"observer 0 \(HalfState\) lacks load_state_dict"):
        vog.train_with_vog(
            vog.experiments.MLP(2, (8,), 2),
            (x, y),
            opts,
            windows={"all": [0, 1]},
            observers=[HalfState()],
        )
    with pytest.raises(TypeError, match=r"observer 0 \(object\) lacks observe"):
        vog.train_with_vog(
            vog.experiments.MLP(2, (8,), 2),
            (x, y),
            opts,
            windows={"all": [0, 1]},
            observers=[object()],
        )


def test_an_observer_needs_only_observe(tmp_path):
    """A look at the model after each epoch is one method; the loop supplies the rest."""
    (x, y), _ = _data()
    opts = vog.TrainOptions(epochs=3, batch_size=16, device="cpu")

    class Look:
        def __init__(self):
            self.norms = []

        def observe(self, model, epoch):
            self.norms.append(float(sum(p.detach().norm() for p in model.parameters())))
            return True

    class Sub(ObserverBase):
        def __init__(self):
            self.epochs = []

        def observe(self, model, epoch):
            self.epochs.append(epoch)
            return True

    look, sub = Look(), Sub()
    assert isinstance(look, Observer) and isinstance(sub, Observer)
    torch.manual_seed(0)
    run = vog.train_with_vog(
        vog.experiments.MLP(2, (8,), 2),
        (x, y),
        opts,
        vog_data={},
        windows={"all": [0, 1, 2]},
        observers=[look, sub],
        checkpoint_dir=tmp_path,
    )
    assert len(look.norms) == 3 and len(set(look.norms)) == 3  # the weights moved
    assert sub.epochs == [0, 1, 2] and sub.result() is None and sub.cost() == {}
    assert set(run.costs) == {"VoG"}  # nothing reported by the two
    # resumed: a stateless observer starts afresh, the run is restored as before
    again = Look()
    torch.manual_seed(0)
    vog.train_with_vog(
        vog.experiments.MLP(2, (8,), 2),
        (x, y),
        opts,
        vog_data={},
        windows={"all": [0, 1, 2]},
        observers=[again, Sub()],
        checkpoint_dir=tmp_path,
        resume=True,
    )
    assert again.norms == []  # every epoch was already trained
    with pytest.raises(NotImplementedError, match="must implement observe"):
        ObserverBase().observe(None, 0)
    with pytest.raises(ValueError, match="not an optional observer method"):
        observer_call(look, "observe", None, 0)

    class Forgot(ObserverBase):  # refused before any epoch trains
        pass

    with pytest.raises(TypeError, match=r"observer 0 \(Forgot\) lacks observe"):
        vog.train_with_vog(
            vog.experiments.MLP(2, (8,), 2),
            (x, y),
            opts,
            vog_data={},
            windows={"all": [0, 1, 2]},
            observers=[Forgot()],
        )
    look.cost = {"not": "a method"}
    with pytest.raises(TypeError, match=r"Look.cost is not a method"):
        observer_call(look, "cost")


def test_observing_changes_nothing_in_training():
    """The same seed trains the same weights with or without a one-method observer."""
    (x, y), _ = _data()
    opts = vog.TrainOptions(epochs=2, batch_size=16, device="cpu")

    class Look:
        def observe(self, model, epoch):
            return True

    weights = []
    for observers in ([], [Look()]):
        torch.manual_seed(0)
        model = vog.experiments.MLP(2, (8,), 2)
        vog.train_with_vog(
            model, (x, y), opts, vog_data={}, windows={"all": [0, 1]}, observers=observers
        )
        weights.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    assert torch.equal(weights[0], weights[1])


def test_every_score_has_one_table_entry_with_its_statistic():
    for name, score in SCORES.items():
        stat = score.statistic(4)
        assert stat.STATE and stat.nbytes() >= 0, name
        assert score.part in TrainingDynamics.PARTS, name
    assert list(TrainingDynamics.SCORES) == list(SCORES)
