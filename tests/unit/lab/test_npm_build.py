"""lab/spacedock/npm_build.py takes node-sass out of SpaceDock's frontend (it cannot build
offline on Node 20) and points build.js at sass, in both lockfile formats."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.spacedock.npm_build import without_node_sass

LOCK_V1 = {"lockfileVersion": 1, "dependencies": {"node-sass": {"version": "4.14.1"}, "sass": {"version": "1.22.9"}}}
LOCK_V2 = {"lockfileVersion": 2,
           "packages": {"": {"devDependencies": {"node-sass": "^7.0.3", "sass": "^1.22.9"}},
                        "node_modules/node-sass": {"version": "7.0.3"},
                        "node_modules/node-sass/node_modules/chalk": {"version": "1.1.3"},
                        "node_modules/sass": {"version": "1.22.9"}},
           "dependencies": {"node-sass": {"version": "7.0.3"}, "sass": {"version": "1.22.9"}}}


@pytest.fixture(params=[LOCK_V1, LOCK_V2], ids=["lockfile-v1", "lockfile-v2"])
def frontend(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text(json.dumps(
        {"devDependencies": {"node-sass": "^7.0.3", "sass": "^1.22.9", "browserify": "^16.5.1"}}))
    (tmp_path / "package-lock.json").write_text(json.dumps(request.param))
    (tmp_path / "build.js").write_text("const fs = require('fs');\nconst sass = require('node-sass');\n")
    return tmp_path


def test_node_sass_leaves_package_json_and_sass_stays(frontend: Path) -> None:
    without_node_sass(frontend)

    assert json.loads((frontend / "package.json").read_text())["devDependencies"] == {
        "sass": "^1.22.9", "browserify": "^16.5.1"}


def test_node_sass_leaves_the_lockfile_with_everything_under_it(frontend: Path) -> None:
    without_node_sass(frontend)

    text = (frontend / "package-lock.json").read_text()
    assert "node-sass" not in text
    assert '"sass"' in text or "node_modules/sass" in text


def test_build_js_requires_sass(frontend: Path) -> None:
    without_node_sass(frontend)

    assert (frontend / "build.js").read_text() == "const fs = require('fs');\nconst sass = require('sass');\n"
