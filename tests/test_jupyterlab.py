"""Notebooks as students see them: every chapter and every student release opened in a real JupyterLab server
(with jupyterlab-myst, from requirements.txt) in headless Chromium (Debian's, driven by Playwright's Python package,
never a downloaded browser; every request off the loopback address is blocked).

On each notebook: the markdown cells are rendered by MyST (no raw directive fence, no literal role), math is
typeset with the book's macros (no KaTeX/MathJax error, no undefined macro such as ``\\fro`` shown in red), and
statements, proofs and exercises appear as rendered blocks. The feedback HTML of one submission is opened too:
math typeset offline (MathJax 3 inlined), no error. Without Chromium the tests are skipped loudly (CI: failure).
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT

CHROMIUM = os.environ.get("NEARINIT_CHROMIUM", "/usr/bin/chromium")
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
RAW_FENCE = re.compile(r"(^|\n)\s*(`{3,}|:{3,})\{[\w:.-]+\}")
RAW_ROLE = re.compile(r"\{(prf:ref|ref|eq|numref|cite:p|cite:t)\}`")
# KaTeX (jupyterlab-myst) shows an undefined macro or a parse error in red, MathJax as mjx-merror
BLOCKS = 'aside, .proof, .admonition, details, [class*="exercise"], [class*="proof"]'
ERRORS = '.katex-error, .katex [style*="#cc0000"], mjx-merror, .MathJax_Error, .jp-RenderedMarkdown .error'

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if not pathlib.Path(CHROMIUM).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium at {CHROMIUM}: JupyterLab rendering not checked")
        pytest.skip(f"!!! no Chromium at {CHROMIUM} (apt-get install chromium): JupyterLab rendering NOT checked")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory, course):
    """A JupyterLab server on a folder with the chapters and the releases; all cells rendered (no windowing)."""
    root = tmp_path_factory.mktemp("lab")
    (root / "chapters").mkdir()
    for path in NOTEBOOKS:
        shutil.copy2(path, root / "chapters" / path.name)
    (root / "releases").mkdir()
    for a in course.assignments:
        shutil.copy2(course.release(a), root / "releases" / f"{a}.ipynb")
    settings = root / ".settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), "nearinit-test"
    log = open(root / "lab.log", "w")
    cmd = [
        str(pathlib.Path(sys.executable).parent / "jupyter-lab"),
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={root / '.settings'}",
        f"--LabApp.workspaces_dir={root / '.workspaces'}",
        "--ServerApp.disable_check_xsrf=True",
        "--allow-root",  # CI runs as root
    ]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(root / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"JupyterLab did not start: {(root / 'lab.log').read_text()[-3000:]}")
    yield base, token
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def page(browser, lab):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]|file:|data:|blob:|about:).*"), lambda route: route.abort())
    pg = context.new_page()
    yield pg
    context.close()


def _open(page, lab, path: str) -> dict:
    """Open a notebook in JupyterLab and wait until its markdown cells are rendered; return what it shows."""
    base, token = lab
    page.goto(f"{base}/lab/tree/{path}?token={token}&reset", wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=120_000)
    # every markdown cell rendered (jupyterlab-myst renders asynchronously), then math settled
    page.wait_for_function(
        """() => {
            const cells = [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')];
            return cells.length > 0 && cells.every(c => c.querySelector('.jp-RenderedMarkdown, .myst'));
        }""",
        timeout=120_000,
    )
    page.wait_for_timeout(1500)
    return page.evaluate(
        f"""() => {{
            const panels = [...document.querySelectorAll('.jp-NotebookPanel')];
            const nb = panels.filter(p => !p.classList.contains('lm-mod-hidden')).pop();
            const md = [...nb.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown, .jp-MarkdownCell .myst')];
            return {{
                text: md.map(e => e.innerText).join('\\n\\n'),
                errors: [...nb.querySelectorAll({json.dumps(ERRORS)})].map(e => (e.title || '') + ' ' + e.textContent),
                katex: nb.querySelectorAll('.katex, mjx-container').length,
                blocks: nb.querySelectorAll({json.dumps(BLOCKS)}).length,
                cells: nb.querySelectorAll('.jp-MarkdownCell').length,
            }};
        }}"""
    )


def _check(shown: dict, what: str) -> None:
    fences = RAW_FENCE.findall(shown["text"])
    assert not fences, f"{what}: raw MyST directive fences in JupyterLab: {fences[:3]}"
    roles = sorted(set(RAW_ROLE.findall(shown["text"])))
    assert not roles, f"{what}: roles shown as literal text: {roles}"
    assert not shown["errors"], f"{what}: math or MyST errors: {shown['errors'][:5]}"
    for macro in ("\\fro", "\\ip", "\\norm", "\\abs", "\\relu"):
        assert macro + "{" not in shown["text"], f"{what}: the macro {macro} is not defined in the notebook"
    assert shown["katex"] > 0, f"{what}: no typeset math"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_renders_in_jupyterlab(page, lab, path):
    shown = _open(page, lab, f"chapters/{path.name}")
    _check(shown, path.name)
    source = path.read_text()
    if "{prf:" in source or "{exercise}" in source:
        assert shown["blocks"] > 0, f"{path.name}: statements, proofs and exercises are not rendered as blocks"


def test_every_release_renders_in_jupyterlab(page, lab, course):
    for a in course.assignments:
        shown = _open(page, lab, f"releases/{a}.ipynb")
        _check(shown, f"release {a}")
        assert shown["blocks"] > 0, f"release {a}: the exercise is not rendered as a block"


def test_feedback_typesets_math_offline(browser, tmp_path, course):
    """The feedback of one submission, opened from disk with the network blocked: math typeset, no error."""
    import fake_submissions as fake

    a = course.assignments[0]
    course.submit("feedback-check", a, fake.submission("wrong", *course.read_pair(a)))
    course.autograde(a, "feedback-check")
    course.feedback(a, "feedback-check")
    html = course.feedback_html("feedback-check", a)
    context = browser.new_context()
    remote = []  # every request leaving the file (MathJax's accessibility extension used to fetch from a CDN)
    context.route(
        re.compile(r"^(?!file:|data:|blob:|about:).*"), lambda route: (remote.append(route.request.url), route.abort())
    )
    pg = context.new_page()
    pg.goto(html.as_uri())
    pg.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60_000)
    pg.evaluate("() => MathJax.startup.promise")
    typeset = pg.evaluate("() => document.querySelectorAll('mjx-container').length")
    # a TeX error is <mjx-merror> in MathJax's HTML output and an merror node in its SVG output (used here)
    errors = pg.evaluate(
        "() => [...document.querySelectorAll('mjx-merror, [data-mml-node=merror]')]"
        ".map(e => e.getAttribute('data-mjx-error') || e.textContent)"
    )
    context.close()
    assert typeset > 0, "no math typeset in the feedback"
    assert not errors, f"MathJax errors in the feedback: {errors}"
    assert not remote, f"the feedback requested {remote}"
