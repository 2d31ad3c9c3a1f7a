"""A stand-in for SpaceDock (spacedock.info), written for sdlab from public notes
on how SpaceDock behaves: same URL shapes, config names and storage layout."""
from __future__ import annotations

from typing import Any

from flask import Flask

from spacedock import config, health, pages


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The only way to get the app: configuration from the environment (as
    SpaceDock's config.ini keys, upper-case), or `test_config` in tests."""
    app = Flask(__name__)
    app.config.from_mapping(config.from_environment() if test_config is None else config.defaults())
    if test_config is not None:
        app.config.update(test_config)
    health.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    return app
