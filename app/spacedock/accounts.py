"""Logging in and out, and the session cookie.

As SpaceDock after its PR #354, anonymous visitors get no session cookie at all
(OnlyLoggedInSessionInterface), so what ATS may cache for them is cleanly
separated from what a logged-in user sees. The API accepts the same session.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, Flask, Response, jsonify, redirect, render_template, request,
                   session, url_for)
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import select

from spacedock import database
from spacedock.models import User

bp = Blueprint("accounts", __name__)
login_manager = LoginManager()


class OnlyLoggedInSessionInterface(SecureCookieSessionInterface):
    """Keep a session cookie only for logged-in users; an anonymous visitor who
    still sends one (after logging out) gets it deleted. With
    ANONYMOUS_SESSIONS=before-354, everyone's session is kept, as before PR #354."""

    def save_session(self, app: Flask, session, response: Response) -> None:
        if "_user_id" in session or app.config["ANONYMOUS_SESSIONS"] == "before-354":
            super().save_session(app, session, response)
        elif request.cookies.get(self.get_cookie_name(app)):
            response.delete_cookie(self.get_cookie_name(app), domain=self.get_cookie_domain(app),
                                   path=self.get_cookie_path(app))


def init_app(app: Flask) -> None:
    app.session_interface = OnlyLoggedInSessionInterface()
    # Secure cookies would never come back over the lab's plain HTTP.
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=app.config["PROTOCOL"] == "https")
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return database.session().get(User, int(user_id))


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    if request.path.startswith("/api/"):
        return jsonify(error=True, reason="you must be logged in"), 401
    return redirect(url_for("accounts.login", next=request.path))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if request.method == "GET":
        return render_template("login.html", next=same_site_path(request.args.get("next")))
    username = request.form.get("username", "")
    # the database cannot even look up a name with a NUL byte: nobody has one
    user = None if "\0" in username else \
        database.session().scalars(select(User).where(User.username == username)).first()
    if user is None or not user.check_password(request.form.get("password", "")):
        return render_template("login.html", next=same_site_path(request.form.get("next")),
                               error="Username or password is wrong."), 401
    login_user(user)
    return redirect(same_site_path(request.form.get("next")))


def same_site_path(target: str | None) -> str:
    """`target` if it is a path on this site, else "/". Browsers read a
    backslash as a slash and drop tabs and newlines inside a URL, so a slash,
    a backslash and a host (or a slash, a tab, a slash and a host) would lead
    a visitor who has just logged in to another site."""
    if not target or any(ord(character) < 32 or ord(character) == 127 for character in target):
        return "/"
    path = target.replace("\\", "/")
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    return path


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    session.clear()
    return redirect("/")


def is_owner_or_admin(user_id: int) -> bool:
    return current_user.is_authenticated and (current_user.admin or current_user.id == user_id)
