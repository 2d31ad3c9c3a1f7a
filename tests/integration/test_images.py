"""`make clean` finds every image the lab builds on the engine, at any tag,
and removes them (lab.images.built_here, lab clean). Tried on tags of the
test's own, so the lab's images stay."""
from __future__ import annotations

import uuid

from lab import images
from lab.docker_ops import DockerLab


def test_clean_finds_and_removes_an_image_of_every_name_the_lab_builds(docker_lab: DockerLab) -> None:
    tag = f"clean-test-{uuid.uuid4().hex[:8]}"
    base = docker_lab.client.images.get(images.BASE_IMAGE)
    for spec in images.BUILT:
        base.tag(spec.name, tag)
    ours = [spec.ref(tag) for spec in images.BUILT]
    try:
        assert set(ours) <= set(images.built_here(docker_lab))

        kept = docker_lab.remove_images([ref for ref in images.built_here(docker_lab) if ref.endswith(f":{tag}")],
                                        force=False)


        assert kept == []
        assert not [ref for ref in images.built_here(docker_lab) if ref.endswith(f":{tag}")]
        assert docker_lab.client.images.get(images.BASE_IMAGE)
    finally:
        docker_lab.remove_images(ours)
