"""The pages a person sees in a browser."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    config = current_app.config
    return render_template(
        "index.html",
        environment=config["SD_ENVIRONMENT"],
        container=config["SD_CONTAINER"],
        branch=config["SD_BRANCH"],
        version=config["APP_VERSION"],
    )
