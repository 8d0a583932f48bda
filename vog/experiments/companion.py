"""Where the companion lives online, and the links a chapter offers to run it elsewhere.

The repository address has one home, ``[project.urls]`` in ``pyproject.toml``;
an installed ``vog`` carries it in its metadata and :func:`repository` reads
it from there. :func:`launch_links` gives a chapter's "run it yourself" links:
Colab and Binder open the chapter's runnable notebook,
``notebooks/ipynb/<chapter>.ipynb`` (generated from the jupytext source by
``scripts/make_launch_notebooks.py`` and kept in sync by a test), whose first
cell installs the package where it is missing.
"""

from __future__ import annotations

from importlib import metadata
from urllib.parse import urlparse

__all__ = ["LAUNCH_DIR", "launch_links", "launch_urls", "repository"]

#: Where the runnable notebooks live in the repository.
LAUNCH_DIR = "notebooks/ipynb"


def repository() -> str:
    """The repository address from the installed package's metadata (``Project-URL``)."""
    for entry in metadata.metadata("vog").get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip().rstrip("/")
    raise LookupError("vog's metadata names no Repository URL; reinstall the package")


def launch_urls(chapter: str, *, branch: str = "main", repo: str | None = None) -> dict[str, str]:
    """``{"Colab": url, "Binder": url, "notebook": url}`` of ``notebooks/ipynb/<chapter>.ipynb``."""
    repo = repo or repository()
    owner_repo = urlparse(repo).path.strip("/")
    path = f"{LAUNCH_DIR}/{chapter}.ipynb"
    return {
        "Colab": f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}",
        "Binder": f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?labpath={path}",
        "notebook": f"{repo}/blob/{branch}/{path}",
    }


def launch_links(chapter: str, *, branch: str = "main"):
    """The chapter's launch links as Markdown, for a cell whose input the book hides."""
    from IPython.display import Markdown

    urls = launch_urls(chapter, branch=branch)
    links = " · ".join(f"[{name}]({url})" for name, url in urls.items())
    return Markdown(
        f"Run this chapter yourself: {links} (or locally: see *Teaching with this book*)."
    )
