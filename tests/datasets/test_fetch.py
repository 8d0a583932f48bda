"""``make data`` (vog.datasets.fetch): what it reports for the Debian packages it installs."""

from __future__ import annotations

from vog.datasets import fetch


def _raise(exc):
    def probe():
        raise exc

    return probe


def test_a_missing_package_is_named_with_how_to_get_it():
    how = "apt-get install fortunes (as root)"
    assert fetch._debian("fortunes", _raise(FileNotFoundError("x")), True, how) == how
    assert fetch._debian("fortunes", lambda: None, True, how) is None


def test_a_damaged_package_file_says_to_reinstall():
    problem = fetch._debian(
        "r-cran-mlbench", _raise(ValueError("/usr/lib/x.rda fails its SHA-256")), False, "how"
    )
    assert "/usr/lib/x.rda fails its SHA-256" in problem
    assert "apt-get install --reinstall r-cran-mlbench" in problem


def test_without_root_nothing_is_installed(monkeypatch):
    monkeypatch.setattr(fetch.os, "geteuid", lambda: 1000)
    problem = fetch._debian("fortunes", _raise(FileNotFoundError("x")), False, "the way")
    assert problem == "not root on a Debian system; the way"
