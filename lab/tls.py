"""The lab's certificate authority and the certificate ATS presents on its TLS
port, for every host name the lab answers to. Made with openssl by the first
`make up` in .lab/tls/ (kept out of git and out of every image; ATS reads it
from a read-only bind mount), shared by every lab of this checkout, so a
browser or curl that trusts the CA once trusts them all."""
from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lab.config import LabConfig
from lab.errors import LabError
from lab.topology import SITES

CA_DAYS = 3650
# the most browsers accept for a certificate they are told to trust
SERVER_DAYS = 397
RENEW_BEFORE_S = 30 * 24 * 3600
EXTRA_NAMES = ("localhost",)
# the domains the CA may sign for (a name and every name under it)
CA_NAMES = ("spacedock.info", "localhost", "52k.de")


@dataclass(frozen=True)
class LabTls:
    """.lab/tls/ca/ (the CA, mode 0700, never mounted anywhere) and .lab/tls/ats/
    (ATS's certificate and key: the only folder ATS sees, read-only)."""
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


def _server_cert_is_current(tls: LabTls, names: list[str]) -> bool:
    if not tls.server_cert.exists() or not tls.server_key.exists():
        return False
    text = openssl("x509", "-in", tls.server_cert, "-noout", "-ext", "subjectAltName")
    if any(f"DNS:{name}" not in text for name in names):
        return False
    return (openssl_agrees("x509", "-in", tls.server_cert, "-noout", "-checkend", str(RENEW_BEFORE_S))
            and openssl_agrees("verify", "-CAfile", tls.ca_cert, tls.server_cert))


def ensure(config: LabConfig) -> tuple[LabTls, list[str]]:
    """Make what is missing or out of date; returns the files and what was made."""
    tls = lab_tls(config)
    tls.ca_key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tls.server_key.parent.mkdir(parents=True, exist_ok=True)
    made = []
    if not tls.ca_cert.exists() or not tls.ca_key.exists():
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(CA_DAYS),
                "-keyout", tls.ca_key, "-out", tls.ca_cert,
                "-subj", "/O=sdlab/CN=sdlab lab CA (lab only)",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                # it can sign for the lab's names only: trusting it risks those names, no others
                "-addext", "nameConstraints=critical," + ",".join(f"permitted;DNS:{name}" for name in CA_NAMES)
                + ",permitted;IP:127.0.0.0/255.0.0.0")
        tls.ca_key.chmod(0o600)
        made.append(f"a lab CA ({tls.ca_cert})")
    names = host_names()
    if not _server_cert_is_current(tls, names):
        with tempfile.TemporaryDirectory() as scratch:
            request = Path(scratch) / "server.csr"
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", tls.server_key, "-out", request,
                    "-subj", "/O=sdlab/CN=spacedock.info")
            extensions = Path(scratch) / "server.ext"
            extensions.write_text(
                "basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                f"subjectAltName={','.join(f'DNS:{name}' for name in names)},IP:127.0.0.1\n")
            openssl("x509", "-req", "-in", request, "-CA", tls.ca_cert, "-CAkey", tls.ca_key, "-CAcreateserial",
                    "-days", str(SERVER_DAYS), "-extfile", extensions, "-out", tls.server_cert)
        tls.server_key.chmod(0o600)
        made.append(f"ATS's certificate for {len(names)} names")
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
