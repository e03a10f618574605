"""Apache Jena's `riot`, the independent RDF toolkit that checks our dumps.

Debian's libapache-jena-java ships the jars but no `riot` script, and its
jena-core.jar moved Jena's embedded Xerces classes to the package `xerces.*`
while leaving their message resources under `org/apache/jena/ext/xerces/`:
Jena then dies at start-up with "RuntimeException: internal error" in
XSSimpleTypeDecl. The fix: copy those resources to `xerces/` in a folder put
on the classpath. The classpath itself is the jars of libapache-jena-java and
of its Java dependencies (from dpkg), with one SLF4J binding (simple, so that parse errors reach stderr) only, as
two bindings on one classpath abort start-up.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from functools import lru_cache
from pathlib import Path

from partykg.core.errors import InputError, Problem

PACKAGE = "libapache-jena-java"
SKIP = re.compile(r"slf4j-(log4j12|jdk14|jcl|simple|nop|reload4j)|log4j-over-slf4j")
HINT = "install Jena: apt-get install libapache-jena-java (scripts/setup-test.sh does it)"


def _dpkg(*args: str) -> str:
    try:
        return subprocess.run(["dpkg-query", *args], capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise InputError(Problem(PACKAGE, 0, f"Apache Jena is not installed ({exc})", HINT)) from exc


def _jars() -> list[str]:
    seen: set[str] = set()
    jars: set[str] = set()
    stack = [PACKAGE]
    while stack:
        pkg = stack.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        for f in _dpkg("-L", pkg).split():
            if f.startswith("/usr/share/java/") and f.endswith(".jar") \
                    and not re.search(r"-\d[\w.]*\.jar$", f) and not SKIP.search(f):
                jars.add(f)
        depends = _dpkg("-W", "-f=${Depends}", pkg)
        for dep in depends.split(","):
            name = re.split(r"[ (:|]", dep.strip())[0]
            if name.endswith("-java"):
                stack.append(name)
    binding = Path("/usr/share/java/slf4j-simple.jar")
    if binding.exists():
        jars.add(str(binding))
    return sorted(jars)


def _resource_fix(cache: Path) -> Path:
    core = Path("/usr/share/java/jena-core.jar")
    target = cache / "jena-xerces-resources"
    stamp = target / ".source"
    key = f"{core.stat().st_size}:{core.stat().st_mtime_ns}"
    if stamp.exists() and stamp.read_text() == key:
        return target
    shutil.rmtree(target, ignore_errors=True)
    prefix = "org/apache/jena/ext/xerces/"
    with zipfile.ZipFile(core) as jar:
        for name in jar.namelist():
            if name.startswith(prefix) and not name.endswith((".class", "/")):
                out = target / "xerces" / name[len(prefix):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(jar.read(name))
    stamp.write_text(key)
    return target


@lru_cache(maxsize=1)
def classpath(cache: Path = Path.home() / ".cache" / "partykg") -> str:
    jars = _jars()
    if not any(j.endswith("/jena-arq.jar") for j in jars):
        raise InputError(Problem(PACKAGE, 0, "jena-arq.jar not found", HINT))
    return ":".join([*jars, str(_resource_fix(cache))])


def riot(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run `riot` with the given arguments (e.g. '--validate', FILE)."""
    return subprocess.run(["java", "-cp", classpath(), "riotcmd.riot", *args],
                          capture_output=True, text=True, timeout=timeout)


def validate_files(paths: list[Path]) -> dict[Path, subprocess.CompletedProcess]:
    """`riot --validate` on each file; the caller checks return codes and output."""
    return {p: riot("--validate", str(p)) for p in paths}
