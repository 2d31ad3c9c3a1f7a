"""The lab's certificate authority and the certificate ATS presents on its TLS
port, for every host name the lab answers to. Made with openssl by the first
`make up` in .lab/tls/ (kept out of git and out of every image; ATS reads it
from a read-only bind mount), shared by every lab of this checkout, so a
browser or curl that trusts the CA once trusts them all.

Since the developer's lab and the test lab share the folder, making the files
is done under a lock in it (.lab/tls/lock), and every key and certificate is
written to a temporary file beside it, checked (the key's public key is the
certificate's) and renamed into place: a pair cut short is never visible, and
a pair whose key does not match its certificate is made anew."""
from __future__ import annotations

import os
import pwd
import signal
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ContextManager, Iterator

from lab import lock
from lab.config import LabConfig
from lab.errors import LabError
from lab.http import LabClient
from lab.topology import SITES

CA_DAYS = 3650
# the most browsers accept for a certificate they are told to trust
SERVER_DAYS = 397
RENEW_BEFORE_S = 30 * 24 * 3600
EXTRA_NAMES = ("localhost",)
# the domains the CA may sign for (a name and every name under it)
CA_NAMES = ("spacedock.info", "localhost", "52k.de")
# making everything takes a second or two; another lab's `make up` waits that long at most
LOCK_WAIT_S = 60.0


@dataclass(frozen=True)
class LabTls:
    """.lab/tls/ca/ (the CA, mode 0700, never mounted anywhere) and .lab/tls/ats/
    (ATS's certificate and key: the only folder ATS sees, read-only); the lock
    beside them, in neither."""
    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca" / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca" / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.folder / "ats" / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.folder / "ats" / "server.key"

    @property
    def lock(self) -> Path:
        return self.folder / "lock"


def host_names() -> list[str]:
    return [*dict.fromkeys(site.host for site in SITES), *EXTRA_NAMES]


def openssl(*args: str | Path) -> str:
    command = ["openssl", *map(str, args)]
    try:
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout
    except subprocess.CalledProcessError as error:
        raise LabError(f"openssl {args[0]} failed (exit {error.returncode}): {error.stderr.strip()[-300:]}") from error


def openssl_agrees(*args: str | Path) -> bool:
    """Whether an openssl check (verify, x509 -checkend) passes."""
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, check=False).returncode == 0


def lab_tls(config: LabConfig) -> LabTls:
    return LabTls(config.root / ".lab" / "tls")


def client(config: LabConfig, *, test_tag: str = "", **options: Any) -> LabClient:
    """A client through ATS's TLS port that trusts the lab CA (`options`: LabClient's)."""
    return LabClient(config.https_base, test_tag=test_tag, ca_file=lab_tls(config).ca_cert, **options)


def pair_matches(key: Path, cert: Path) -> bool:
    """Whether the key is the certificate's: the same public key (False for a
    file missing or unreadable)."""
    try:
        return openssl("pkey", "-in", key, "-pubout") == openssl("x509", "-in", cert, "-noout", "-pubkey")
    except LabError:
        return False


# --- a folder Docker made ------------------------------------------------------------------

def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _owner(path: Path) -> str:
    uid = path.stat().st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def check_folders(tls: LabTls) -> None:
    """One LabError line if the folders are not what this module makes, as when
    `docker compose up` ran before the first `make up`: Docker makes a missing
    bind-mount source (.lab/tls/ats, .lab/tls/ca/ca.crt) as a root-owned folder."""
    root = tls.folder.parent.parent

    def shown(path: Path) -> str:
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)

    found = [f"{shown(file)} is a folder, not a file"
             for file in (tls.ca_cert, tls.ca_key, tls.server_cert, tls.server_key, tls.lock) if file.is_dir()]
    # the TLS folder, else the first of its subfolders that cannot be written
    for folder in (tls.folder, tls.ca_key.parent, tls.server_key.parent):
        if folder.exists() and not folder.is_dir():
            found.append(f"{shown(folder)} is a file, not a folder")
            break
        if folder.is_dir() and not _writable(folder):
            found.append(f"{shown(folder)} is {_owner(folder)}'s, not writable by you")
            break
    # where the TLS folder is made again once removed: its nearest parent there
    parent = tls.folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    chown = parent.is_dir() and not _writable(parent)
    if chown:
        found.append(f"{shown(parent)} is {_owner(parent)}'s, not writable by you")
    if not found:
        return
    # then `make down`: the containers Docker made mount a folder where a file now is
    fixes = [f"sudo rm -r {tls.folder}"] if tls.folder.exists() else []
    if chown:
        fixes.append(f"sudo chown $(id -un): {parent}")
    raise LabError(f"cannot make the lab's TLS files: {'; '.join(found)} (Docker makes a missing bind-mount source "
                   "a root-owned folder: was `docker compose up` run before the first `make up`?)",
                   hint=", then ".join([*fixes, "make down", "make up"]))


# --- files replaced whole ------------------------------------------------------------------

def _temporary(beside: Path, mode: int) -> Path:
    """An empty file of its own in `beside`'s folder (so a rename replaces `beside`)."""
    descriptor, name = tempfile.mkstemp(dir=beside.parent, prefix=f".{beside.name}.", suffix=".new")
    os.fchmod(descriptor, mode)
    os.close(descriptor)
    return Path(name)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def new_pair(key: Path, cert: Path) -> Iterator[tuple[Path, Path]]:
    """Temporary files for a new key and certificate, for the block to write;
    after it, once the key is found to be the certificate's, they replace `key`
    and `cert` (fsync, then a rename each, the key first); whatever happens,
    nothing of them is left behind."""
    new_key, new_cert = _temporary(key, 0o600), _temporary(cert, 0o644)
    try:
        yield new_key, new_cert
        if not pair_matches(new_key, new_cert):
            raise LabError(f"the new key for {cert} is not its certificate's; nothing was replaced")
        _fsync(new_key)
        _fsync(new_cert)
        # Ctrl-C and SIGTERM wait for the two renames (a kill -9 between them
        # leaves a pair the next ensure finds mismatched, and makes anew)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            os.replace(new_key, key)
            os.replace(new_cert, cert)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for folder in {key.parent, cert.parent}:
            _fsync(folder)
    finally:
        new_key.unlink(missing_ok=True)
        new_cert.unlink(missing_ok=True)


# --- the CA and ATS's certificate ----------------------------------------------------------

def _ca_problem(tls: LabTls) -> str | None:
    """Why the CA must be made (None: it is there and whole)."""
    if not tls.ca_cert.exists() or not tls.ca_key.exists():
        return "missing"
    if not pair_matches(tls.ca_key, tls.ca_cert):
        return "its key did not match its certificate"
    return None


def _server_cert_problem(tls: LabTls, names: list[str]) -> str | None:
    """Why ATS's certificate must be made (None: it is current)."""
    if not tls.server_cert.exists() or not tls.server_key.exists():
        return "missing"
    if not pair_matches(tls.server_key, tls.server_cert):
        return "its key did not match its certificate"
    text = openssl("x509", "-in", tls.server_cert, "-noout", "-ext", "subjectAltName")
    if any(f"DNS:{name}" not in text for name in names):
        return "a host name missing"
    if not openssl_agrees("x509", "-in", tls.server_cert, "-noout", "-checkend", str(RENEW_BEFORE_S)):
        return "due for renewal"
    if not openssl_agrees("verify", "-CAfile", tls.ca_cert, tls.server_cert):
        return "not signed by the lab CA"
    return None


def _make_ca(tls: LabTls) -> None:
    with new_pair(tls.ca_key, tls.ca_cert) as (key, cert):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(CA_DAYS),
                "-keyout", key, "-out", cert,
                "-subj", "/O=sdlab/CN=sdlab lab CA (lab only)",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                # it can sign for the lab's names only: trusting it risks those names, no others
                "-addext", "nameConstraints=critical," + ",".join(f"permitted;DNS:{name}" for name in CA_NAMES)
                + ",permitted;IP:127.0.0.0/255.0.0.0")


def _make_server_cert(tls: LabTls, names: list[str]) -> None:
    with new_pair(tls.server_key, tls.server_cert) as (key, cert), tempfile.TemporaryDirectory() as scratch:
        request = Path(scratch) / "server.csr"
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request,
                "-subj", "/O=sdlab/CN=spacedock.info")
        extensions = Path(scratch) / "server.ext"
        extensions.write_text(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            f"subjectAltName={','.join(f'DNS:{name}' for name in names)},IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", request, "-CA", tls.ca_cert, "-CAkey", tls.ca_key, "-CAcreateserial",
                "-days", str(SERVER_DAYS), "-extfile", extensions, "-out", cert)


def _locked(tls: LabTls, config: LabConfig) -> ContextManager[None]:
    """The lock of the TLS folder, which every lab of this checkout shares."""
    project = config.settings.get("COMPOSE_PROJECT_NAME", "a lab")
    return lock.held(tls.lock, f"making the TLS files for {project}", wait_s=LOCK_WAIT_S)


def ensure(config: LabConfig) -> tuple[LabTls, list[str]]:
    """Make what is missing or out of date; returns the files and what was made."""
    tls = lab_tls(config)
    check_folders(tls)
    tls.folder.mkdir(parents=True, exist_ok=True)
    with _locked(tls, config):
        tls.ca_key.parent.mkdir(mode=0o700, exist_ok=True)
        tls.server_key.parent.mkdir(exist_ok=True)
        made = []
        ca_problem = _ca_problem(tls)
        if ca_problem:
            _make_ca(tls)
            made.append(f"a lab CA ({tls.ca_cert})" if ca_problem == "missing" else
                        f"a lab CA ({tls.ca_cert}; the old one's {ca_problem}: a browser that trusted it "
                        "must be given this one)")
        names = host_names()
        server_problem = _server_cert_problem(tls, names)
        if server_problem:
            _make_server_cert(tls, names)
            made.append(f"ATS's certificate for {len(names)} names"
                        + (f" (the old one: {server_problem})" if server_problem.startswith("its key") else ""))
        return tls, made


def trust_instructions(config: LabConfig) -> str:
    tls = lab_tls(config)
    port = config.get("HTTPS_PORT")
    return "\n".join([
        f"The lab's CA: {tls.ca_cert} (made by this checkout's first `make up`; lab only)",
        "",
        "curl:",
        f"  curl --cacert {tls.ca_cert} https://spacedock.localhost:{port}/",
        f"  curl --cacert {tls.ca_cert} --resolve spacedock.info:{port}:127.0.0.1 https://spacedock.info:{port}/",
        "",
        "Chromium or Chrome: Settings > Privacy and security > Security > Manage certificates >",
        f"  Authorities > Import {tls.ca_cert}, tick \"Trust this certificate for identifying websites\";",
        "  or for this user on Linux, with libnss3-tools:",
        f"  certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n 'sdlab lab CA' -i {tls.ca_cert}",
        f"Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import {tls.ca_cert}",
        "",
        f"Then open https://spacedock.localhost:{port}/ (also beta., alpha.).",
        "",
        f"The CA may sign for {', '.join(CA_NAMES)}, the names under them and 127.0.0.0/8 only",
        f"(name constraints). Its key stays in {tls.ca_key.parent} (yours only, never mounted",
        "into a container), but whoever had it could pass for those names, the real spacedock.info",
        "among them, to a browser that trusts the CA: remove the CA from the browser when you are",
        "done with the lab. `make clean` deletes it (and a new one is made at the next `make up`).",
    ])
