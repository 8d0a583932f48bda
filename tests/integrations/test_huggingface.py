"""The Hugging Face Trainer callback against the real library: a tiny model, a few epochs, CPU."""

import copy
import os

import pytest
import torch
from torch import nn

import vog

os.environ.setdefault("HF_HUB_OFFLINE", "1")
transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")
from vog.integrations.huggingface import STATE_FILE, VoGCallback  # noqa: E402

transformers.logging.set_verbosity_error()
EPOCHS = 4
WINDOWS = {"early": [0, 1], "late": [2, 3], "all": [0, 1, 2, 3]}


def _data(n=48, d=6, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    return x, ((x[:, 0] > 0).long() + (x[:, 1] > 0.5).long())


class Rows(torch.utils.data.Dataset):
    """Examples as the Trainer feeds them: dicts of named tensors."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return {"features": self.x[i], "labels": self.y[i]}


class Tiny(nn.Module):
    """A model in the Trainer's contract: named inputs, an output dict with loss and logits."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))

    def forward(self, features, labels=None):
        logits = self.net(features)
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = nn.functional.cross_entropy(logits, labels)
        return out


class Snapshots(transformers.TrainerCallback):
    """Copies of the model after each epoch; checks that it is left in train mode."""

    def __init__(self):
        self.models = []

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        assert model.training and all(m.training for m in model.modules())
        assert all(p.requires_grad for p in model.parameters())
        self.models.append(copy.deepcopy(model.net).eval())


def _args(out, save=False):
    return transformers.TrainingArguments(
        output_dir=str(out),
        num_train_epochs=EPOCHS,
        per_device_train_batch_size=8,
        learning_rate=0.05,
        use_cpu=True,
        report_to=[],
        save_strategy="epoch" if save else "no",
        logging_strategy="no",
        disable_tqdm=True,
        seed=0,
        dataloader_num_workers=0,
    )


def _train(tmp, callbacks, *, save=False, resume=None):
    torch.manual_seed(123)  # the Trainer seeds itself (args.seed); this must not matter
    trainer = transformers.Trainer(
        model=Tiny(), args=_args(tmp, save), train_dataset=Rows(*_data()), callbacks=callbacks
    )
    trainer.train(resume_from_checkpoint=resume)
    return trainer.model


def test_same_seed_same_weights_with_and_without_the_callback(tmp_path):
    plain = _train(tmp_path / "a", [])
    cb = VoGCallback({"train": _data()}, input_name="features", windows=WINDOWS, dynamics=True)
    watched = _train(tmp_path / "b", [cb, Snapshots()])
    for (name, a), b in zip(plain.state_dict().items(), watched.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert cb.recording().epochs == [0, 1, 2, 3]


def test_a_callback_that_draws_from_the_global_rng_would_be_caught(tmp_path):
    class Draws(transformers.TrainerCallback):
        def on_epoch_end(self, *args, **kwargs):
            torch.rand(1)

    plain, drawn = _train(tmp_path / "a", []), _train(tmp_path / "b", [Draws()])
    pairs = zip(plain.parameters(), drawn.parameters(), strict=True)
    assert not all(torch.equal(a, b) for a, b in pairs)


def test_recorded_vog_equals_vog_of_the_epoch_checkpoints(tmp_path):
    snaps = Snapshots()
    cb = VoGCallback({"train": _data()}, input_name="features", windows=WINDOWS, dynamics=True)
    _train(tmp_path, [cb, snaps])
    data = _data()
    for window, epochs in WINDOWS.items():
        ref = vog.compute_vog([snaps.models[e] for e in epochs], data, device="cpu")
        got = cb.scores("train", window)
        torch.testing.assert_close(got.raw, ref.raw, rtol=1e-5, atol=1e-12)
    dyn = cb.training_dynamics()["train"]
    assert {"AUM", "EL2N", "GraNd", "forgetting"} <= set(dyn)
    assert all(v.shape == (48,) and torch.isfinite(v).all() for v in dyn.values())


def test_resumed_from_a_trainer_checkpoint_gives_the_same_vog(tmp_path):
    full = VoGCallback({"train": _data()}, input_name="features", windows=WINDOWS)
    _train(tmp_path / "full", [full], save=True)
    steps = sorted(int(p.name.split("-")[1]) for p in (tmp_path / "full").glob("checkpoint-*"))
    assert len(steps) == EPOCHS
    assert all((tmp_path / "full" / f"checkpoint-{s}" / STATE_FILE).is_file() for s in steps)
    # the Trainer restores its random generators on resume: training is bit-identical
    resumed = VoGCallback({"train": _data()}, input_name="features", windows=WINDOWS)
    _train(
        tmp_path / "full",
        [resumed],
        resume=str(tmp_path / "full" / f"checkpoint-{steps[1]}"),
    )
    assert resumed.recording().epochs == [0, 1, 2, 3]
    for window in WINDOWS:
        torch.testing.assert_close(
            resumed.scores("train", window).raw, full.scores("train", window).raw
        )


def test_resuming_without_the_callback_state_is_refused(tmp_path):
    _train(tmp_path, [], save=True)
    ckpt = sorted(tmp_path.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[1]
    cb = VoGCallback({"train": _data()}, input_name="features", windows=WINDOWS)
    with pytest.raises(FileNotFoundError, match=f"{STATE_FILE}: the run resumes at step"):
        _train(tmp_path, [cb], resume=str(ckpt))


def test_a_damaged_state_file_is_refused(tmp_path):
    cb = VoGCallback({"train": _data()}, input_name="features", windows=WINDOWS)
    _train(tmp_path, [cb], save=True)
    ckpt = sorted(tmp_path.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[1]
    state = ckpt / STATE_FILE
    blob = bytearray(state.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    state.write_bytes(bytes(blob))
    again = VoGCallback({"train": _data()}, input_name="features", windows=WINDOWS)
    with pytest.raises(ValueError, match=f"{STATE_FILE}.*do not match the SHA-256"):
        _train(tmp_path, [again], resume=str(ckpt))
