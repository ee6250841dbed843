"""The repository stands on its own: no pointer to files outside it, one Python requirement stated everywhere."""

from __future__ import annotations

import re
import subprocess
import types

from conftest import ROOT

OUTSIDE = re.compile(r"\.\./shared|\bissue [0-9]|mathematics reference", re.IGNORECASE)


def _tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    skip = (".png", ".svg", ".ico", ".woff", ".woff2", ".lock", "package-lock.json")
    return [ROOT / n for n in names if not n.endswith(skip) and (ROOT / n).is_file()]


def test_nothing_points_outside_the_repository():
    offenders = []
    for path in _tracked_text_files():
        for i, line in enumerate(path.read_text(errors="ignore").splitlines(), 1):
            if OUTSIDE.search(line) and path.name != "test_repository.py":
                offenders.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()[:100]}")
    assert not offenders, "a clone has only this repository: no sibling folders, no tracker numbers:\n" + "\n".join(
        offenders
    )


def test_python_requirement_agrees():
    pyproject = re.search(r'requires-python = ">=(3\.\d+)"', (ROOT / "code" / "pyproject.toml").read_text()).group(1)
    for page in ("README.md", "book/running.md"):
        stated = set(re.findall(r"Python (3\.\d+) or newer", (ROOT / page).read_text()))
        assert stated == {pyproject}, (
            f"{page} states Python {stated or 'nothing'}; code/pyproject.toml says {pyproject}"
        )


def test_no_unchecked_repository_address():
    for path in _tracked_text_files():
        if path.name != "test_repository.py":
            assert "github.com/nearinit" not in path.read_text(errors="ignore"), f"{path}: an unchecked address"


def _derive(options):
    from nearinit_book.site import repository as module

    module._derive_buttons(None, types.SimpleNamespace(html_theme_options=options))
    return options


def test_repository_button_follows_the_address():
    unset = _derive({"repository_url": "", "use_repository_button": True, "launch_buttons": {"binderhub_url": "x"}})
    assert unset["use_repository_button"] is False and "launch_buttons" not in unset
    launch = {"notebook_interface": "jupyterlab"}
    published = _derive({"repository_url": "https://example.org/book", "launch_buttons": launch})
    assert published["use_repository_button"] is True and published["launch_buttons"] == launch


def test_nothing_edits_the_import_path():
    """Everything is imported by its name: the book's package (`nearinit`, code/) and its machinery (`nearinit_book`,
    tools/) are installed (requirements.txt), so no Python file of the repository edits the import path."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in _tracked_text_files()
        if path.suffix == ".py" and "sys" + ".path" in path.read_text(errors="ignore")
    ]
    assert not offenders, f"{offenders} edit the import path: import by name instead (docs/architecture.md)"
