"""The Lightning callback against the real library: a tiny module trained a few epochs on CPU."""

import copy
import logging
import warnings

import pytest
import torch
from torch import nn

import vog

pl = pytest.importorskip("lightning.pytorch")
from vog.integrations.lightning import VoGCallback  # noqa: E402

logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
logging.getLogger("lightning.fabric").setLevel(logging.ERROR)

EPOCHS = 4
WINDOWS = {"early": [0, 1], "late": [2, 3], "all": [0, 1, 2, 3]}


def _data(n=48, d=6, c=3, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
    return x, y.clamp_max(c - 1)


class Tiny(pl.LightningModule):
    """An MLP with dropout: training draws from the global RNG (dropout, shuffling)."""

    def __init__(self, dropout=0.3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, _):
        x, y = batch
        return nn.functional.cross_entropy(self(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.2)


class Snapshots(pl.Callback):
    """Copies of the module after each epoch; checks that it is left in train mode."""

    def __init__(self):
        self.models = []

    def on_train_epoch_end(self, trainer, module):
        assert module.training and all(m.training for m in module.modules())
        assert all(p.requires_grad for p in module.parameters())
        self.models.append(copy.deepcopy(module.net).eval())


class StopAfter(pl.Callback):
    """Ends the run after an epoch, as an interruption would (its checkpoint is written)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_train_epoch_end(self, trainer, module):
        if trainer.current_epoch == self.epoch:
            trainer.should_stop = True


def _fit(callbacks, *, shuffle=True, epochs=EPOCHS, ckpt_path=None, seed=0):
    """Train a fresh module; without shuffling it has no dropout and training is deterministic
    (Lightning restores no random generator on resume)."""
    pl.seed_everything(seed, verbose=False)
    module = Tiny(dropout=0.3 if shuffle else 0.0)
    x, y = _data()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=8, shuffle=shuffle
    )
    trainer = pl.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=any(isinstance(c, pl.callbacks.ModelCheckpoint) for c in callbacks),
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=callbacks,
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*smaller than the logging interval.*")
        trainer.fit(module, loader, ckpt_path=ckpt_path)
    return module


def test_same_seed_same_weights_with_and_without_the_callback():
    plain = _fit([])
    cb = VoGCallback({"train": _data()}, windows=WINDOWS, dynamics=True)
    watched = _fit([cb, Snapshots()])
    for (name, a), b in zip(plain.state_dict().items(), watched.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert cb.recording().epochs == [0, 1, 2, 3]


def test_a_callback_that_draws_from_the_global_rng_would_be_caught():
    """The comparison above can fail: one random draw per epoch changes the weights."""

    class Draws(pl.Callback):
        def on_train_epoch_end(self, trainer, module):
            torch.rand(1)

    plain, drawn = _fit([]), _fit([Draws()])
    pairs = zip(plain.parameters(), drawn.parameters(), strict=True)
    assert not all(torch.equal(a, b) for a, b in pairs)


def test_recorded_vog_equals_vog_of_the_epoch_checkpoints():
    snaps = Snapshots()
    cb = VoGCallback({"train": _data()}, windows=WINDOWS, dynamics=True, early_epoch=1)
    _fit([cb, snaps])
    data = _data()
    for window, epochs in WINDOWS.items():
        ref = vog.compute_vog([snaps.models[e] for e in epochs], data, device="cpu")
        got = cb.scores("train", window)
        torch.testing.assert_close(got.raw, ref.raw, rtol=1e-5, atol=1e-12)
        torch.testing.assert_close(got.normalized, ref.normalized, rtol=1e-4, atol=1e-6)
    assert torch.equal(cb.scores().predictions, snaps.models[-1](data[0]).argmax(1))
    # the training dynamics equal a TrainingDynamics observing the same checkpoints
    tracker = vog.analysis.difficulty.TrainingDynamics({"train": data}, early_epoch=1)
    for e, m in enumerate(snaps.models):
        tracker.observe(m, e)
    want, got = tracker.result()["train"], cb.training_dynamics()["train"]
    assert set(got) == set(want) and "GraNd" in got
    cost = cb.cost()
    assert cost["VoG"].seconds > 0 and cost["VoG"].state_bytes == 3 * 2 * 48 * 6 * 8
    for score in want:
        torch.testing.assert_close(got[score], want[score], rtol=1e-5, atol=1e-6)


def test_resumed_from_a_lightning_checkpoint_gives_the_same_vog(tmp_path):
    full = VoGCallback({"train": _data()}, windows=WINDOWS)
    _fit([full], shuffle=False)
    ckpt = pl.callbacks.ModelCheckpoint(dirpath=tmp_path, save_top_k=-1, every_n_epochs=1)
    first = VoGCallback({"train": _data()}, windows=WINDOWS)
    _fit([first, ckpt, StopAfter(1)], shuffle=False)  # interrupted after epoch 1
    saved = torch.load(next(tmp_path.glob("epoch=1-*.ckpt")), weights_only=True)
    assert first.state_key in saved["callbacks"]
    resumed = VoGCallback({"train": _data()}, windows=WINDOWS)
    _fit([resumed], shuffle=False, ckpt_path=next(tmp_path.glob("epoch=1-*.ckpt")))
    assert resumed.recording().epochs == [0, 1, 2, 3]
    for window in WINDOWS:
        torch.testing.assert_close(
            resumed.scores("train", window).raw, full.scores("train", window).raw
        )


def test_resuming_from_a_checkpoint_without_the_callback_state_is_refused(tmp_path):
    ckpt = pl.callbacks.ModelCheckpoint(dirpath=tmp_path, save_top_k=-1, every_n_epochs=1)
    _fit([ckpt, StopAfter(1)], shuffle=False)
    cb = VoGCallback({"train": _data()}, windows=WINDOWS)
    with pytest.raises(RuntimeError, match=r"resumes at epoch 2 but VoG epochs \[0, 1\]"):
        _fit([cb], shuffle=False, ckpt_path=next(tmp_path.glob("epoch=1-*.ckpt")))


def test_windows_beyond_the_run_and_default_windows():
    cb = VoGCallback({"train": _data()}, windows={"late": [4, 5]})
    with pytest.raises(ValueError, match=r"windows name epochs \[4, 5\] but the run trains 4"):
        _fit([cb])
    cb = VoGCallback({"train": _data()})  # 4 epochs: one window "all"
    _fit([cb])
    assert cb.core.windows == {"all": [0, 1, 2, 3]} and cb.scores().raw.shape == (48,)
