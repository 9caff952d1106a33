"""The documentation site builds with `mkdocs build --strict`: no warning (a broken link or
anchor, a page missing from the navigation, a page in the navigation that does not exist),
in reasonable time, with every tutorial notebook rendered as a page.

The notebooks are not executed here (PORTCLEAR_DOCS_EXECUTE=false): test_notebooks.py already
runs each of them, and `make docs` executes them for the published site.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

BUILD_SECONDS = 60


def build(config: Path, site: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PORTCLEAR_DOCS_EXECUTE="false", NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
                           "--site-dir", str(site)], cwd=config.parent, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site as `make test` builds it: (its directory, the build's stderr, seconds)."""
    out = tmp_path_factory.mktemp("docs") / "site"
    started = time.perf_counter()
    proc = build(REPO / "mkdocs.yml", out)
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stderr, seconds


def test_the_site_builds_strict_with_the_tutorials(site):
    site_dir, stderr, seconds = site
    assert "WARNING" not in stderr, stderr[-3000:]
    assert seconds < BUILD_SECONDS, f"the strict docs build took {seconds:.0f} s"
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        page = site_dir / "tutorials" / notebook.stem / "index.html"
        assert page.is_file(), f"no page for {notebook.name}"
        assert "import sim" in page.read_text(), f"{notebook.name}: its code is not on its page"
    layout = (site_dir / "reference" / "layout" / "index.html").read_text()
    assert "sim/model/" in layout


def test_the_configuration_keys_page_lists_every_key_of_the_schema(site):
    """docs/hooks/config_keys.py fills the page from sim/config/schema.py: every run.* key is
    there with its default, nested and mapped keys are spelled out, and no marker is left."""
    import dataclasses

    from sim.config.schema import RunConfig

    page = (site[0] / "reference" / "config-keys" / "index.html").read_text()
    for f in dataclasses.fields(RunConfig):
        assert f"<code>run.{f.name}</code>" in page, f.name
    assert "<code>run.horizon_days</code></td>\n<td>float</td>\n<td><code>28.0</code>" in page
    assert "<code>regime.officer_calendar.open_hour</code>" in page
    assert "<code>port.terminals.&lt;name&gt;.berths</code>" in page
    assert "<code>baseline." not in page and "configuration keys: generated" not in page


def test_a_broken_link_fails_the_strict_build(tmp_path):
    """The check can fail: the same site with one link to a page that does not exist."""
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "docs", copy / "docs")  # the tutorials link followed: the notebooks copied
    shutil.copy2(REPO / "mkdocs.yml", copy / "mkdocs.yml")
    index = copy / "docs" / "index.md"
    assert build(copy / "mkdocs.yml", tmp_path / "ok").returncode == 0
    index.write_text(index.read_text() + "\nSee [nowhere](no-such-page.md).\n")
    proc = build(copy / "mkdocs.yml", tmp_path / "broken")
    assert proc.returncode != 0 and "no-such-page.md" in proc.stderr
