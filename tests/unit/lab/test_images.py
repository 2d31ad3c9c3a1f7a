"""Every image the lab builds is in one list (lab.images.BUILT), the one
`make clean` removes."""
from __future__ import annotations

import ast

from lab import images
from lab.config import REPO_ROOT

# Dockerfiles no image of BUILT builds, and why
NOT_BUILT: dict[str, str] = {}


def test_every_dockerfile_in_the_repository_is_built_as_an_image_of_the_list() -> None:
    dockerfiles = {path.relative_to(REPO_ROOT).as_posix() for path in REPO_ROOT.rglob("Dockerfile")
                   if not any(part.startswith(".") for part in path.relative_to(REPO_ROOT).parts)}
    # the real SpaceDock's context is assembled from real-spacedock/ (lab.spacedock.image)
    built = {"real-spacedock/Dockerfile" if spec is images.SPACEDOCK
             else f"{spec.context}/{spec.dockerfile or 'Dockerfile'}".removeprefix("./")
             for spec in images.BUILT}

    assert dockerfiles - set(NOT_BUILT) <= built


def test_every_image_spec_the_lab_makes_is_in_the_list() -> None:
    made = set()
    for path in (REPO_ROOT / "lab").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "ImageSpec":
                made.add(ast.literal_eval(node.args[0]))

    assert made == {spec.name for spec in images.BUILT}
