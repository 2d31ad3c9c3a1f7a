"""A stand-in for SpaceDock (spacedock.info), written for sdlab from public notes
on how SpaceDock behaves: same URL shapes, config names and storage layout.

    create_app()            the WSGI app (gunicorn: "spacedock:create_app()")
    python3 -m spacedock setup   schema and demo data
"""
from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError

from spacedock import (accounts, api, config, database, downloads, errors, formatting, health, pages, publishing,
                       routing, uploads)


class SpaceDock(Flask):
    """Flask, where with DB_POOL=fixed a GET or HEAD whose database connection
    was cut under it (the database restarted mid-request) runs once more on a
    new connection, if it has committed nothing yet (a download GET counts
    itself): run again, it changes nothing. Its requests close every file
    part they spooled, of a body refused halfway too (uploads.py)."""

    request_class = uploads.PartsClosingRequest

    def dispatch_request(self) -> ResponseReturnValue:
        try:
            return super().dispatch_request()
        except DBAPIError as error:
            if not (error.connection_invalidated and request.method in ("GET", "HEAD")
                    and self.config["DB_POOL"] == "fixed" and not g.get("database_committed")):
                raise
            database.session().rollback()
            return super().dispatch_request()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Configuration from the environment (SpaceDock's keys, upper-case), or
    the defaults updated with `test_config` in tests."""
    app = SpaceDock(__name__)
    settings = config.from_environment() if test_config is None else {**config.defaults(), **test_config}
    config.validate(settings)
    app.config.from_mapping(settings)
    # How much one request may carry (UPLOAD_REQUESTS): a whole upload, as
    # production, or one chunk and its form fields (refused before it is read).
    app.config["MAX_CONTENT_LENGTH"] = uploads.request_body_limit(settings)
    app.before_request(uploads.bound_request_body)
    app.url_map.converters["id"] = routing.IdConverter
    database.init_app(app)
    accounts.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    for blueprint in (health.bp, pages.bp, accounts.bp, downloads.bp, publishing.bp, api.bp):
        app.register_blueprint(blueprint)
    return app
