"""The honest setup and the `external` marker (issue 13, items 4 and 5).

- A test marked `@pytest.mark.external("tool")` is skipped, with the tool and its
  install command, when the tool is absent; with PARTYKG_REQUIRE_EXTERNAL=1 (set by
  scripts/test.sh, hence by CI) it fails instead: CI never passes by skipping.
- scripts/setup-test.sh, where the Debian tools are missing and cannot be installed,
  stops before doing anything else, names each missing tool and the tests that
  need it, and exits 1 (it used to print "Permission denied" and end "ready").
- scripts/setup.sh never calls apt-get and fails with the fix when python3 is missing.

The tools are hidden by running with a PATH that holds only the few commands the
scripts need; the real tools on this machine stay untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, requires
from support import tools

PYTHON3 = str(Path(sys.executable).resolve())  # the interpreter itself, not a venv or pyenv shim


def bin_with(folder: Path, *names: str) -> Path:
    """A PATH folder with only these commands (links to the real ones)."""
    folder.mkdir()
    for name in names:
        real = PYTHON3 if name == "python3" else shutil.which(name)
        assert real, name
        (folder / name).symlink_to(real)
    return folder


def run_pytest(tmp_path: Path, test: str, **env: str) -> subprocess.CompletedProcess:
    """Run pytest with tests/conftest.py as a plugin on a one-file test module, under
    a PATH without any tool."""
    (tmp_path / "test_probe.py").write_text(test, encoding="utf-8")
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if k != "PARTYKG_REQUIRE_EXTERNAL"}
    environ.update(PATH=str(empty), PYTHONPATH=str(ROOT / "tests"), **env)
    # hypothesis's plugin (1 s of imports) is not needed by the probe
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider",
                           "-p", "no:hypothesispytest",
                           "-c", str(ROOT / "pyproject.toml"), "--strict-markers", "-rs",
                           str(tmp_path / "test_probe.py")],
                          cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120)


PROBE = '''
import pytest

@pytest.mark.external("java")
def test_needs_java():
    pass

def test_needs_nothing():
    pass
'''


def test_missing_tool_skips_with_its_install_command(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PARTYKG_REQUIRE_EXTERNAL", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        requires("java")
    assert str(skipped.value) == (
        "needs java (Java, for the HermiT reasoner and Apache Jena), which is not installed: "
        "apt-get install --no-install-recommends default-jre-headless")


def test_missing_tool_fails_when_external_tools_are_required(tmp_path):
    """Regression guard: CI (PARTYKG_REQUIRE_EXTERNAL=1) must not pass by skipping.
    The whole way, from the marker to pytest's exit status, in a pytest of its own."""
    res = run_pytest(tmp_path, PROBE, PARTYKG_REQUIRE_EXTERNAL="1")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "1 passed, 1 error" in res.stdout
    assert "needs java" in res.stdout and "a missing tool is a failure, not a skip" in res.stdout


def test_unknown_tool_name_is_a_usage_error(tmp_path):
    """A misspelt tool would otherwise skip its test for ever."""
    res = run_pytest(tmp_path, PROBE.replace('"java"', '"jaba"'))
    assert res.returncode == 4, res.stdout + res.stderr
    assert "::test_needs_java: @pytest.mark.external needs tool names among " \
           "java, jena, chromium" in res.stderr


def test_every_tool_is_asked_for_by_a_test():
    """The table of tools and the markers agree: no tool nobody needs, and the
    tests setup-test.sh names are the ones that carry the marker."""
    users = tools.users()
    assert all(users.values()), {name for name, files in users.items() if not files}
    assert "tests/test_reasoner.py" in users["java"] and "tests/test_setup.py" not in users["java"]
    assert users["chromium"] == users["chromedriver"] == [
        "tests/test_browser.py", "tests/test_browser_browse.py", "tests/test_browser_pages.py",
        "tests/test_browser_views.py"]
    assert "tests/test_stores.py" in users["virtuoso"] and "tests/test_stores.py" in users["nginx"]
    assert {"tests/test_queries.py", "tests/test_wikidata_link.py"} <= set(users["oxigraph"])


def project_copy(tmp_path: Path) -> Path:
    work = tmp_path / "project"
    for name in ("scripts", "tests", "src"):   # src: the table of tools (core/tools.py)
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    return work


def test_setup_test_names_each_missing_tool_and_stops(tmp_path):
    """Without the Debian tools and without a way to install them (apt-get is not on
    this PATH; run by a user other than root, the reason is "not root"), setup-test.sh
    exits 1 before setting anything up, naming each tool and the tests needing it."""
    work = project_copy(tmp_path)
    path = bin_with(tmp_path / "bin", "python3", "dirname", "id")
    res = subprocess.run([shutil.which("bash"), "scripts/setup-test.sh"], cwd=work,
                         env={"PATH": str(path), "HOME": str(tmp_path)},
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stdout + res.stderr
    reason = "no apt-get" if os.geteuid() == 0 else "not root"
    assert f"cannot be installed here ({reason})" in res.stderr
    for name in ("java", "jena", "chromium", "chromedriver", "virtuoso"):
        tool = tools.TOOLS[name]
        assert f"  {name}: {tool.what}; install: {tool.install}\n" in res.stderr, name
    assert ("    needed by: tests/test_browser.py, tests/test_browser_browse.py, "
            "tests/test_browser_pages.py, tests/test_browser_views.py\n") in res.stderr
    assert "ready" not in res.stdout + res.stderr
    assert not (work / ".venv").exists()


def test_setup_without_python_says_what_to_install(tmp_path):
    work = project_copy(tmp_path)
    path = bin_with(tmp_path / "bin", "dirname")
    res = subprocess.run([shutil.which("bash"), "scripts/setup.sh"], cwd=work,
                         env={"PATH": str(path)}, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stderr == ("setup: python3 not found: partykg needs Python >= 3.11 with venv "
                          "(Debian: apt-get install python3 python3-venv)\n")
    assert not (work / ".venv").exists()


def test_the_main_setup_never_installs_debian_packages():
    """The main job needs no Debian package: setup.sh must not call apt-get or dpkg."""
    code = [line for line in (ROOT / "scripts/setup.sh").read_text().splitlines()
            if not line.lstrip().startswith("#")]
    calls = [line for line in code if ("apt-get" in line or "dpkg" in line)
             and "Debian:" not in line]
    assert calls == []


@pytest.mark.parametrize("script", ["setup.sh", "setup-test.sh", "test.sh"])
def test_scripts_are_valid_bash(script):
    res = subprocess.run(["bash", "-n", str(ROOT / "scripts" / script)], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr


def test_ci_runs_exactly_the_readme_test_command():
    lines = [l for l in (ROOT / ".ci/run").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    assert lines[-1] == "bash scripts/test.sh"
    assert "    bash scripts/test.sh\n" in (ROOT / "README.md").read_text()
