"""Where the book's numbers come from: the record of one build.

A build of the book (``scripts/run_notebooks.py``) writes ``build_record.json``
beside the executed chapters and renders it as the page "About this build"
(:func:`record_markdown`): the commit and whether the tree had uncommitted
changes, the date and the profile, the machine (processor, its vector
instructions, cores, memory, GPU), the versions of the libraries that compute
the numbers, the SHA-256 of the lock the environment was installed from, each
chapter's execution time, and every trained run's configuration key with the
SHA-256 of the data it trained on.

The runs are collected through a ledger: when ``$VOG_RUN_LEDGER`` names a file,
:func:`note_run` appends one JSON line per run a chapter trains or reads from
its cache (:func:`vog.experiments.run_experiment`, H-CAT's runs), and
:func:`read_ledger` reads them back, one entry per run.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from ..atomic import sha256_file

__all__ = [
    "ISA_FLAGS",
    "LEDGER_ENV",
    "LOCK_FILE",
    "VERSIONED",
    "build_record",
    "footer",
    "git_state",
    "machine",
    "merge_records",
    "note_run",
    "read_ledger",
    "record_markdown",
    "versions",
]

#: The environment variable naming the ledger file of the runs a build uses.
LEDGER_ENV = "VOG_RUN_LEDGER"
#: The hash-pinned lock of the default install, relative to the repository root.
LOCK_FILE = "requirements.lock"
#: The distributions whose versions the record states (those that compute or render numbers).
VERSIONED = ("torch", "numpy", "scipy", "scikit-learn", "pandas", "jupyter-book", "myst-nb")
#: The processor's vector-instruction flags that decide which float kernels run.
ISA_FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "asimd")


def note_run(kind: str, key: str, data_sha256: str, folder: str | os.PathLike, *, cached: bool):
    """Append one run to the ledger ``$VOG_RUN_LEDGER`` names (nothing if it is unset).

    ``kind``: what trained it (``"experiment"``, ``"hcat"``); ``key``: its
    configuration key (the cache folder's name); ``data_sha256``: the
    fingerprint of the data it trained and scored; ``cached``: read back from
    the cache rather than trained now. One line per call, appended in one
    write, so chapters run one after another share one file.
    """
    path = os.environ.get(LEDGER_ENV)
    if not path:
        return
    line = json.dumps(
        {
            "kind": str(kind),
            "key": str(key),
            "data_sha256": str(data_sha256),
            "folder": Path(folder).name,
            "cached": bool(cached),
        },
        sort_keys=True,
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def read_ledger(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The runs of a ledger, one entry per (kind, folder), in order of first use.

    A run used by several chapters appears once, marked ``cached`` only if no
    chapter trained it. A missing file is an empty ledger; a line that is not
    JSON raises ``ValueError`` naming the file and the line.
    """
    path = Path(path)
    if not path.is_file():
        return []
    runs: dict[tuple[str, str], dict[str, Any]] = {}
    for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            entry = json.loads(text)
            ident = (entry["kind"], entry["folder"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{i}: not a run ledger line ({exc})") from None
        if ident in runs:
            runs[ident]["cached"] = runs[ident]["cached"] and bool(entry["cached"])
        else:
            runs[ident] = dict(entry)
    return list(runs.values())


def git_state(root: str | os.PathLike) -> dict[str, Any]:
    """``{"commit": full hash or None, "dirty": bool or None}`` of the checkout at ``root``.

    ``dirty``: tracked files differ from the commit (untracked files do not
    count). None where ``root`` is not a git checkout or git is missing.
    """

    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def _cpuinfo() -> dict[str, str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the first processor's block
        key, _, value = line.partition(":")
        out[key.strip()] = value.strip()
    return out


def machine() -> dict[str, Any]:
    """The machine: processor model, its vector instructions, cores, memory, GPU.

    ``isa``: which of :data:`ISA_FLAGS` the processor has, and ``kernels``
    the instruction set torch's CPU kernels use (``torch.backends.cpu``), since
    float results differ between processors that run different kernels.
    """
    import torch

    info = _cpuinfo()
    flags = set(info.get("flags", info.get("Features", "")).split())
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    gpu = None
    if torch.cuda.is_available():
        gpu = ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
    return {
        "cpu": info.get("model name") or platform.processor() or platform.machine(),
        "architecture": platform.machine(),
        "isa": [f for f in ISA_FLAGS if f in flags],
        "kernels": torch.backends.cpu.get_cpu_capability(),
        "cores": usable,
        "torch_threads": torch.get_num_threads(),
        "memory_gib": memory,
        "gpu": gpu,
    }


def versions(names: tuple[str, ...] = VERSIONED) -> dict[str, str | None]:
    """Python's version and each named distribution's (None where it is not installed)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def build_record(
    root: str | os.PathLike,
    profile: str,
    times: Mapping[str, float],
    runs: list[dict[str, Any]],
    *,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The record of a build of the chapters ``times`` names (name -> seconds) at ``root``."""
    lock = Path(root) / LOCK_FILE
    when = now or _dt.datetime.now(_dt.timezone.utc)
    git = git_state(root)
    return {
        **git,
        "date": when.isoformat(timespec="seconds"),
        "profile": str(profile),
        "machine": machine(),
        "versions": versions(),
        "lock_sha256": sha256_file(lock) if lock.is_file() else None,
        "chapters": {str(k): round(float(v), 1) for k, v in times.items()},
        "chapter_commits": {str(k): git["commit"] for k in times},
        "runs": list(runs),
    }


def merge_records(old: Mapping[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """``new``, keeping ``old``'s chapters and runs that ``new`` did not rebuild.

    A build of some chapters only (``run_notebooks.py NAME ...``) updates
    their times, commits and runs; the others keep the commit they were built
    from (``chapter_commits``, which each chapter's footer names). An ``old``
    record of another profile is replaced.
    """
    if not old or old.get("profile") != new["profile"]:
        return new
    chapters = {**old.get("chapters", {}), **new["chapters"]}
    old_commits = old.get("chapter_commits") or dict.fromkeys(
        old.get("chapters", {}), old.get("commit")
    )
    commits = {**old_commits, **new["chapter_commits"]}
    seen = {(r["kind"], r["folder"]) for r in new["runs"]}
    runs = [r for r in old.get("runs", []) if (r["kind"], r["folder"]) not in seen]
    return {
        **new,
        "chapters": dict(sorted(chapters.items())),
        "chapter_commits": dict(sorted(commits.items())),
        "runs": runs + new["runs"],
    }


def footer(record: Mapping[str, Any], chapter: str, page: str = "about_build.md") -> str:
    """The one-line footer of a chapter: the commit it was built from, the profile and its
    execution time, linked to the page "About this build"."""
    full = record.get("chapter_commits", {}).get(chapter, record.get("commit"))
    commit = full[:10] if full else "an unknown commit"
    if record.get("dirty") and full == record.get("commit"):
        commit += " (with uncommitted changes)"
    seconds = record["chapters"].get(chapter)
    took = f"in {seconds:.0f} s" if seconds is not None else "(time not recorded)"
    return (
        f"Built from `{commit}` with profile `{record['profile']}` {took}; "
        f"see [About this build]({page})."
    )


def record_markdown(record: Mapping[str, Any]) -> str:
    """The page "About this build": the record as MyST markdown (tables, no code)."""
    m, v = record["machine"], record["versions"]
    commit = record.get("commit") or "unknown (not a git checkout)"
    dirty = {True: "yes", False: "no", None: "unknown"}[record.get("dirty")]
    lines = [
        "# About this build",
        "",
        "This page is written by `scripts/run_notebooks.py` when the book is built. It states",
        "what produced every number of the chapters; `make verify` compares a build's glued",
        "values with the committed reference of its profile (`reference/<profile>.json`).",
        "",
        "| | |",
        "|---|---|",
        f"| commit | `{commit}` |",
        f"| uncommitted changes | {dirty} |",
        f"| date (UTC) | {record['date']} |",
        f"| profile | `{record['profile']}` |",
        f"| processor | {m['cpu']} ({m['architecture']}) |",
        f"| vector instructions | {', '.join(m['isa']) or 'none found'}; torch's kernels: "
        f"{m['kernels']} |",
        f"| cores | {m['cores']} (torch threads: {m['torch_threads']}) |",
        f"| memory | {m['memory_gib']} GiB |",
        f"| GPU | {m['gpu'] or 'none'} |",
        f"| lock (`{LOCK_FILE}`) SHA-256 | `{record.get('lock_sha256') or 'no lock found'}` |",
        "",
        "## Versions",
        "",
        "| package | version |",
        "|---|---|",
        *[f"| {k} | {val or 'not installed'} |" for k, val in v.items()],
        "",
        "## Chapters",
        "",
        "Each chapter's execution time in this build, longest first.",
        "",
        "| chapter | seconds |",
        "|---|---:|",
    ]
    chapters = sorted(record["chapters"].items(), key=lambda kv: -kv[1])
    commits = record.get("chapter_commits", {})
    others = {n for n, c in commits.items() if c != record.get("commit")}
    lines += [
        f"| {name} | {sec:.0f} |"
        + (f" built from `{(commits[name] or 'unknown')[:10]}`" if name in others else "")
        for name, sec in chapters
    ]
    lines += [f"| **total** | **{sum(record['chapters'].values()):.0f}** |", ""]
    if others:
        lines += [
            f"{len(others)} chapters were built from another commit in an earlier run of "
            "this profile (the note beside their time names it).",
            "",
        ]
    lines += ["## Trained runs", ""]
    if record["runs"]:
        lines += [
            "Every run the chapters trained or read from the run cache (`data/runs/`): its",
            "configuration key (the cache folder) and the SHA-256 of the data it trained on.",
            "",
            "| kind | configuration key | data SHA-256 | from cache |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['kind']} | `{r['folder']}` | `{r['data_sha256']}` | "
            f"{'yes' if r['cached'] else 'no'} |"
            for r in record["runs"]
        ]
    else:
        lines.append("No chapter of this build trained a run.")
    return "\n".join(lines) + "\n"
