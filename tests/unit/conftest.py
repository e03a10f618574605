"""Unit tests of the pure model/ and rdf/ modules, one file per module
(tests/unit/<package>/test_<module>.py): small inputs, exact values, no build."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from partykg.model.yamlload import load_yaml


@pytest.fixture()
def yaml_text(tmp_path) -> Callable[[str], object]:
    """Load YAML text with the real loader, as the file `t.yaml`."""
    def load(text: str, name: str = "t.yaml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return load_yaml(path, name)
    return load
