"""Recorded results: a chapter's evidence tables from a long run, read back by the book.

Some runs do not fit a book build (the study's design at ten times the scale, the
``long`` profile: hours on 2 cores). ``make records`` runs those chapters once with
that profile; each chapter saves its evidence tables, not its checkpoints, with
:func:`write_tables` (``results/<profile>/<chapter>.json``), and the build's record
(:func:`vog.experiments.provenance.build_record`: commit, date, machine, each
chapter's run time, every run's configuration key) is kept beside them as
``build_record.json``. A default build then reads them with :func:`read_record`,
the way the performance chapter reads recorded benchmark runs, and says when and
how they were made (:func:`provenance_line`).

A record's tables are checked against the SHA-256 it was written with: a damaged
file is an error naming it, never numbers read wrong.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import atomic_write, file_error

__all__ = ["FORMAT", "Record", "write_tables", "read_record", "provenance_line"]

#: The version of the record format; a record of another version is refused.
FORMAT = 1
#: The build record the records' run leaves beside them.
BUILD_RECORD = "build_record.json"


@dataclass(frozen=True)
class Record:
    """One chapter's recorded tables and how they were made.

    ``tables``: name -> DataFrame (indexes, MultiIndexes and dtypes as written);
    ``values``: name -> a plain JSON value; ``profile`` and ``written`` (ISO date);
    ``build``: the run's build record (commit, date, machine, chapter times, runs),
    None where it is missing.
    """

    chapter: str
    profile: str
    written: str
    tables: dict[str, pd.DataFrame] = field(repr=False)
    values: dict[str, Any] = field(repr=False)
    build: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def seconds(self) -> float | None:
        """The chapter's run time in the recorded run, where its build record says."""
        if self.build is None:
            return None
        value = self.build.get("chapters", {}).get(self.chapter)
        return None if value is None else float(value)


def _digest(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def write_tables(
    folder: str | os.PathLike,
    chapter: str,
    tables: Mapping[str, pd.DataFrame],
    *,
    profile: str,
    values: Mapping[str, Any] | None = None,
    now: _dt.datetime | None = None,
) -> Path:
    """Save ``chapter``'s evidence ``tables`` (and plain ``values``) as
    ``folder/<chapter>.json``, atomically, with the SHA-256 of its content."""
    when = (now or _dt.datetime.now(_dt.timezone.utc)).isoformat(timespec="seconds")
    body = {
        "format": FORMAT,
        "chapter": str(chapter),
        "profile": str(profile),
        "written": when,
        "tables": {k: json.loads(v.to_json(orient="table")) for k, v in tables.items()},
        "values": json.loads(json.dumps(dict(values or {}))),
    }
    text = json.dumps({**body, "sha256": _digest(body)}, indent=1, sort_keys=True)
    path = Path(folder) / f"{chapter}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))
    return path


def read_record(folder: str | os.PathLike, chapter: str) -> Record | None:
    """``chapter``'s record in ``folder`` (None where there is none), with the build record
    beside it. Raises :class:`vog.atomic.CorruptFileError` (one line, naming the file)
    where the file is not a record, of another format or fails its checksum."""
    path = Path(folder) / f"{chapter}.json"
    if not path.is_file():
        return None
    todo = "remake the recorded results with `make records`"
    try:
        stored = json.loads(path.read_text())
        body = {k: v for k, v in stored.items() if k != "sha256"}
        ok = stored.get("sha256") == _digest(body)
    except (OSError, ValueError, AttributeError) as exc:
        raise file_error(path, f"not a readable record ({exc})", todo) from None
    if body.get("format") != FORMAT:
        raise file_error(path, f"record format {body.get('format')!r}, not {FORMAT}", todo)
    if not ok:
        raise file_error(path, "the record fails its SHA-256 (damaged or edited)", todo)
    tables = {
        k: pd.read_json(io.StringIO(json.dumps(v)), orient="table")
        for k, v in body["tables"].items()
    }
    build_path = Path(folder) / BUILD_RECORD
    build = json.loads(build_path.read_text()) if build_path.is_file() else None
    return Record(
        body["chapter"], body["profile"], body["written"], tables, dict(body["values"]), build
    )


def provenance_line(record: Record, command: str = "make records") -> str:
    """One sentence: when, from which commit, on which machine and in how long the record
    was made, and the command that remakes it."""
    b = record.build or {}
    commit = (b.get("commit") or "an unknown commit")[:10]
    if b.get("dirty"):
        commit += " (with uncommitted changes)"
    cpu = (b.get("machine") or {}).get("cpu") or "an unrecorded machine"
    cores = (b.get("machine") or {}).get("cores")
    took = record.seconds
    return (
        f"Recorded on {record.written[:10]} with profile '{record.profile}' from commit "
        f"{commit} on {cpu}{f' ({cores} cores)' if cores else ''}"
        + (f", in {took / 60:.0f} minutes" if took is not None else ", run time not recorded")
        + f"; the command '{command}' remakes it."  # plain text: shown by {glue:text}
    )
