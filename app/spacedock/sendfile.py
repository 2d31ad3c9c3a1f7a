"""How file bytes leave the app (SpaceDock's common.py `sendfile`), by `use-x-accel`:

    apache  empty body + `X-Sendfile: <storage>/<path>`: mod_xsendfile sends the file
    nginx   empty body + `X-Accel-Redirect: /internal/<path>`
    false   Flask's send_file streams it (ETag, Last-Modified, Range, 404 if missing)
            with Flask 2's `Cache-Control: no-cache`, which ATS does not store, as
            SpaceDock's master since 2023-03; before, Flask 1 gave 12 hours (played on
            SpaceDock's own code: corrupt-zip-cached under APP=spacedock)

On the X-Sendfile and X-Accel paths the app never opens the file, so a missing
file is the web server's 404; as in SpaceDock, the app does not check the path
there either: Apache's XSendFilePath refuses anything outside the storage mount.
"""
from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from flask import Response, abort, current_app, send_file

from spacedock import storage


def sendfile(path: str, *, attachment: bool, etag: str | None = None) -> Response:
    """`etag`: what names this file's bytes, for X-Sendfile with XSENDFILE_ETAGS=fixed
    (mod_xsendfile keeps an ETag the app sets and checks conditions against it)."""
    config = current_app.config
    name = PurePosixPath(path).name
    mode = config["USE_X_ACCEL"]
    if mode == "false":
        try:
            full_path = storage.absolute(config["STORAGE"], path)
        except storage.UnsafeName:
            abort(404)
        if not full_path.is_file():
            abort(404)
        return send_file(full_path, as_attachment=attachment, download_name=name, conditional=True)
    response = Response(b"", mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream")
    response.headers["Content-Disposition"] = f"{'attachment' if attachment else 'inline'}; filename={name}"
    if mode == "apache":
        response.headers["X-Sendfile"] = f"{config['STORAGE'].rstrip('/')}/{path}"
        if etag and config["XSENDFILE_ETAGS"] == "fixed":
            response.set_etag(etag)
    else:
        response.headers["X-Accel-Redirect"] = f"/internal/{path}"
    return response
