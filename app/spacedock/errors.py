"""How the app answers what goes wrong: a refused request is JSON with a reason
and a 4xx (or a 503 when the storage box fails), and under /api/ every error is
JSON, as the upload client expects (SpaceDock #208: the client tried to read
a 500 page as JSON). A bug is logged with its traceback."""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from spacedock.storage import UnsafeName

log = logging.getLogger(__name__)


class Rejected(Exception):
    """A request refused with a status and a reason the sender can act on."""

    def __init__(self, status: int, reason: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after_s = retry_after_s


def init_app(app: Flask) -> None:
    @app.errorhandler(Rejected)
    def rejected(error: Rejected) -> tuple[Response, int]:
        response = jsonify(error=True, reason=error.reason)
        if error.retry_after_s is not None:
            response.headers["Retry-After"] = str(error.retry_after_s)
        return response, error.status

    @app.errorhandler(UnsafeName)
    def unsafe_name(error: UnsafeName) -> tuple[Response, int]:
        return jsonify(error=True, reason=str(error)), 400

    @app.errorhandler(HTTPException)
    def json_errors_for_the_api(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify(error=True, reason=error.description), error.code
        return error

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if request.path.startswith("/api/"):
            return jsonify(error=True, reason=f"internal error ({type(error).__name__}); it has been logged"), 500
        return InternalServerError(original_exception=error)
