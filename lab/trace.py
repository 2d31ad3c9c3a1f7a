"""`lab trace URL`: fetch a URL through ATS and say, in words, the way it went,
as production's wiki page "Analyzing request path" reads a response:

- which layers it passed: ATS; Apache in which container; gunicorn or not
  (Apache adds `Via: 1.1 <ServerName>` only when it proxied to gunicorn);
- whether ATS answered from its cache (xdebug's X-Cache: miss, hit-fresh,
  hit-stale) and, for a stale copy, whether the origin failed (Warning 111);
- which container produced the stored response, and its Age;
- whether ATS may keep it (it needs Expires or max-age).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace

from werkzeug.datastructures import ResponseCacheControl
from werkzeug.http import parse_cache_control_header

from lab.ats import Target
from lab.http import LabClient, served_by, via_hops

TRACE_DEBUG = "X-Cache, X-Cache-Key, X-Remap, Via"
NOT_MAPPED = "Not Found on Accelerator"


@dataclass(frozen=True)
class Trace:
    target: Target
    status: int
    elapsed_ms: int
    cache: str | None
    cache_key: str | None
    remap: str | None
    via: tuple[str, ...]
    served_by: str | None
    age: int | None
    warning: str | None
    cache_control: str | None
    expires: str | None
    not_mapped: bool
    layers: tuple[str, ...] = field(default=())
    explanation: tuple[str, ...] = field(default=())

    @property
    def ats_codes(self) -> str | None:
        """The bracketed Via codes ATS added for this request, for traffic_via."""
        match = re.search(r"\[[^\]]*\]", self.via[-1]) if self.via else None
        return match.group(0) if match else None


def fetch(client: LabClient, target: Target) -> Trace:
    started = time.monotonic()
    response = client.get(target.path, host=target.host, headers={"X-Debug": TRACE_DEBUG})
    elapsed = int((time.monotonic() - started) * 1000)
    age = response.headers.get("Age")
    trace = Trace(
        target=target,
        status=response.status_code,
        elapsed_ms=elapsed,
        cache=response.headers.get("X-Cache"),
        cache_key=response.headers.get("X-Cache-Key"),
        remap=response.headers.get("X-Remap"),
        via=tuple(via_hops(response)),
        served_by=served_by(response),
        age=int(age) if age and age.isdigit() else None,
        warning=response.headers.get("Warning"),
        cache_control=response.headers.get("Cache-Control"),
        expires=response.headers.get("Expires"),
        not_mapped=response.status_code == 404 and NOT_MAPPED in response.text,
    )
    return explain(trace)


def lifetime(trace: Trace) -> str:
    """What ATS will do with this response, by the rules production runs with."""
    # directive names are case-insensitive (RFC 9111 5.2); werkzeug's parser is not
    control = parse_cache_control_header((trace.cache_control or "").lower(), cls=ResponseCacheControl)
    if trace.status not in (200, 203, 300, 301, 410):
        return f"ATS does not keep a {trace.status} (negative caching is off)."
    if control.private or control.no_store:
        return f"ATS does not keep it: Cache-Control: {trace.cache_control}."
    seconds = control.s_maxage if control.s_maxage is not None else control.max_age
    if seconds is not None:
        return f"ATS may keep it for {seconds} s (Cache-Control: {trace.cache_control})."
    if trace.expires:
        return f"ATS may keep it until {trace.expires} (Expires)."
    return ("ATS does not keep it: it carries neither Expires nor max-age, and ATS requires one "
            "(cache.required_headers 2).")


def explain(trace: Trace) -> Trace:
    if trace.not_mapped:
        return replace(trace, layers=("ATS",), explanation=(
            f"ATS has no remap rule for Host {trace.target.host}: it answered {trace.status} itself "
            "and asked no web container.",))
    container = trace.served_by or "an unknown container"
    # Apache's own Via hop ("1.1 spacedock.info") exists only when it proxied to gunicorn.
    if len(trace.via) > 1:
        origin = (f"Apache ({container})", "gunicorn")
        produced = f"{container}'s Apache proxied it to gunicorn (the app)"
    else:
        origin = (f"Apache ({container}, from disk)",)
        produced = f"{container}'s Apache served it from disk (gunicorn not involved)"
    age = f"{trace.age} s ago" if trace.age is not None else "just now"
    stale_served = trace.cache == "hit-stale" and (trace.warning or "").startswith("111")
    if trace.cache == "hit-fresh":
        layers = ("ATS (cache)",)
        lines = ["ATS answered from its cache (fresh hit): no web container was asked.",
                 f"The stored response was produced {age}: {produced}."]
    elif stale_served:
        layers = ("ATS (stale cache)",)
        lines = [f"ATS served a stale copy: it had expired, and revalidating it with the origin failed "
                 f"(Warning: {trace.warning.strip()}), so the origin is down or unreachable.",
                 f"The stored response was produced {age}: {produced}."]
    elif trace.cache == "hit-stale":
        layers = ("ATS", *origin)
        lines = [f"ATS had a copy that had expired, so it asked the origin again before answering: {produced}.",
                 lifetime(trace)]
    elif trace.cache == "miss":
        layers = ("ATS", *origin)
        lines = [f"ATS had no copy (miss) and fetched it: {produced}.", lifetime(trace)]
    else:
        layers = ("ATS", *origin)
        lines = [f"ATS did not look in its cache (X-Cache: {trace.cache}) and passed the request on: {produced}.",
                 lifetime(trace)]
    return replace(trace, layers=layers, explanation=tuple(lines))


def render(trace: Trace, codes: str | None = None) -> str:
    lines = [
        f"GET http://{trace.target.host}{trace.target.path} -> {trace.status} in {trace.elapsed_ms} ms",
        f"  path:      client -> {' -> '.join(trace.layers)}",
    ]
    if trace.remap:
        lines.append(f"  remap:     {trace.remap}")
    if trace.cache_key:
        lines.append(f"  cache key: {trace.cache_key}   X-Cache: {trace.cache}   Age: {trace.age}")
    if trace.via:
        lines.append(f"  via:       {', '.join(trace.via)}")
    lines += [f"  {line}" for line in trace.explanation]
    if codes:
        lines += ["  ATS's own reading of its Via codes (traffic_via):"] + [f"    {line}" for line in codes.splitlines()]
    return "\n".join(lines)
