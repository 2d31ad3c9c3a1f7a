"""`python -m lab <command>`: the lab's command line, the top layer. Each
command is an _add_<name> (its arguments) and _cmd_<name> pair, which calls
the layers below (the command's own module in lab/commands/ where it does more
than one call; the lab's operations, plays and measurements) and prints."""
from __future__ import annotations

import argparse
import functools
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Sequence, TextIO

from lab import config as lab_config
from lab import consent, images
from lab import state as lab_state
from lab.errors import ExitStatus, LabError

if TYPE_CHECKING:
    from lab.scenarios.bisect import Bisection

Handler = Callable[[argparse.Namespace, lab_config.LabConfig, TextIO], int]
# how long a command that changes the lab waits for another to end (lab.lock)
LOCK_WAIT_S = 10.0


def _say(stream: TextIO) -> Callable[[str], None]:
    def say(line: str) -> None:
        print(line, file=stream, flush=True)
    return say


def _add_yes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--yes", action="store_true", help="go on without asking, on a lab of your own")


def _named(args: argparse.Namespace) -> str:
    """The command as the lock names it to whoever waits for it."""
    return f"`lab {' '.join(args.argv)}`"


def _lab_locked(config: lab_config.LabConfig, command: str, out: TextIO) -> ContextManager[None]:
    """The lab's lock (lab.lock) for a command that changes it: one at a time."""
    from lab import lock

    return lock.held(config.state_dir / "lock", command, wait_s=LOCK_WAIT_S,
                     waiting=lambda holder: print(f"lab: waiting up to {LOCK_WAIT_S:.0f} s for {holder} to end",
                                                  file=out, flush=True))


def _changes_the_lab(handler: Handler) -> Handler:
    """A command that changes the lab runs under its lock, and reads the lab's
    state only once it holds it."""
    @functools.wraps(handler)
    def locked(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
        with _lab_locked(config, _named(args), out):
            return handler(args, config, out)
    return locked


# --- up / down / build ------------------------------------------------------------

def _add_up(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("up", help="build, start, wait until healthy, print where things are")
    parser.add_argument("--no-build", action="store_true", help="start with the images as they are")


@_changes_the_lab
def _cmd_up(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab import stack

    print(stack.up(config, _say(out), build=not args.no_build), file=out)
    return ExitStatus.OK


def _add_down(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("down", help="remove the containers and networks (data volumes stay)")


@_changes_the_lab
def _cmd_down(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab import stack

    stack.down(config, _say(out))
    return ExitStatus.OK


def _add_build(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("build", help="build the base image if needed, then every image "
                                          "(APP=spacedock: also the real SpaceDock's, a branch each)")
    parser.add_argument("--scenarios", action="store_true",
                        help="APP=spacedock: also the SpaceDock commits the scenarios play on")


def _cmd_build(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.app import app_for
    from lab.scenarios import catalogue

    app = app_for(config)
    images.ensure_base(config, _say(out))
    images.build_all(config, _say(out))
    app.build(config, _say(out), refs=catalogue.spacedock_refs() if args.scenarios else ())
    return ExitStatus.OK


def _add_clean(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("clean", help="remove the test lab, the lab with its data volumes, and every image the lab "
                                 "builds (not the base)")


@_changes_the_lab
def _cmd_clean(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab import stack

    return ExitStatus.OK if stack.clean(config, _say(out)) else ExitStatus.ERROR


def _add_base(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("base", help="make the bookworm base image (present, pulled or debootstrapped)")
    parser.add_argument("--rebuild", action="store_true", help="debootstrap it again")


def _cmd_base(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    images.ensure_base(config, _say(out), rebuild=args.rebuild)
    return ExitStatus.OK


# --- looking at it -------------------------------------------------------------------

def _add_status(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("status", help="live/idle production container, versions, health, storage mode")


def _cmd_status(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab import status
    from lab.app import app_for
    from lab.docker_ops import DockerLab

    lab = DockerLab(config.project)
    try:
        state = lab_state.load(config)
    except lab_state.StateUnreadable as error:
        with _lab_locked(config, "`lab status` (rebuilding the state file)", out):
            state = status.rebuilt_state(lab)
            lab_state.save(config, state)
        print(f"lab: {error}; rebuilt it from the running lab: live {state.live}"
              + "".join(f", {service} on {image}" for service, image in state.images.items()), file=out)
    gathered = status.gather(lab, state)
    print(status.render(gathered), file=out)
    print("", file=out)
    print(status.render_urls(config, state.live, gathered.live_app or app_for(config)), file=out)
    return ExitStatus.OK


def _add_compose(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("compose", help="run Compose (v2 or v1) on the lab, e.g. `lab compose ps`")
    parser.add_argument("arguments", nargs=argparse.REMAINDER)


def _cmd_compose(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.compose import Compose

    return Compose(config, lab_state.load(config)).run(*args.arguments, check=False).returncode


def _add_evidence(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evidence", help="save compose ps, logs and ATS logs to artifacts/")
    parser.add_argument("--reason", default="manual", help="a word for the folder name")


def _cmd_evidence(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab import evidence
    from lab.compose import Compose
    from lab.docker_ops import DockerLab

    folder = evidence.collect(config, Compose(config, lab_state.load(config)),
                              DockerLab(config.project), args.reason)
    print(f"lab: evidence saved in {folder}", file=out)
    return ExitStatus.OK


# --- testing ---------------------------------------------------------------------------

def _add_test(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("test", help="every test, in a lab of its own beside yours (removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="leave the test lab up afterwards, to look at")
    parser.add_argument("--remove", action="store_true", help="only remove a test lab that --keep left up")


def _add_browser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("browser", help="the browser tests: Chromium in a container against the running lab")


def _cmd_browser(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.commands import browser
    from lab.docker_ops import DockerLab

    return browser.run(config, DockerLab(config.project), _say(out))


def _add_bench(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bench", help="measure every path of the stack side by side; bench-results/<time>/")
    parser.add_argument("--quick", action="store_true", help="1 MB downloads and the load only: under a minute")
    parser.add_argument("--lab", action="store_true", help="also `make up` on a running lab, warm and with the "
                                                           "lab's images removed (about 6 minutes more)")
    _add_yes(parser)


def _cmd_bench(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.commands import bench
    from lab.docker_ops import DockerLab

    # asked before the lock is taken: a question left open holds nobody up
    consent.confirm(config, "make bench", consent.BENCH, _say(out), sys.stdin, yes=args.yes)
    with _lab_locked(config, _named(args), out):
        bench.run(config, DockerLab(config.project), _say(out), quick=args.quick, lab_figures=args.lab)
    return ExitStatus.OK


def _add_cifs(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("cifs", help="production's kernel CIFS mount of the running lab's storage box, in a "
                                         "QEMU VM: reads, coherence, outage; bench-results/<time>-cifs/")
    parser.add_argument("--quick", action="store_true", help="the mount and a file read back only")


@_changes_the_lab
def _cmd_cifs(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.commands import cifs
    from lab.docker_ops import DockerLab

    cifs.run(config, DockerLab(config.project), _say(out), quick=args.quick)
    return ExitStatus.OK


def _cmd_test(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab import testlab
    from lab.commands import testrun

    if args.remove:
        removed = testlab.remove(config, testlab.TEST_LAB)
        print("lab: the test lab is removed" if removed else "lab: there is no test lab", file=out)
        return ExitStatus.OK
    return testrun.run(config, _say(out), keep=args.keep)


# --- releases ----------------------------------------------------------------------------

def _add_swap(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("swap", help="blue-green: move production to the idle container (again: roll back)")
    parser.add_argument("--ref", help="first rebuild the idle container from this git ref")


@_changes_the_lab
def _cmd_swap(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.docker_ops import DockerLab
    from lab.swap import swap

    state = lab_state.load(config)
    report = swap(config, DockerLab(config.project), state, _say(out), ref=args.ref)
    print(report.render(), file=out)
    return ExitStatus.OK if report.followed_after_s is not None else ExitStatus.ERROR


def _add_deploy(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("deploy", help="rebuild one web container from a git ref (beta, alpha, idle production)")
    parser.add_argument("service", choices=["sd1a", "sd1b", "sd2", "sd6"])
    parser.add_argument("--ref", help="git ref to build from (default: the working tree's image)")


@_changes_the_lab
def _cmd_deploy(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.deploy import deploy
    from lab.docker_ops import DockerLab

    deploy(config, DockerLab(config.project), lab_state.load(config), args.service, args.ref, _say(out))
    return ExitStatus.OK


# --- the cache ---------------------------------------------------------------------------

def _add_trace(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("trace", help="fetch a URL through ATS and explain the way it went")
    parser.add_argument("url", help="http://spacedock.info/path, or /path with --host")
    parser.add_argument("--host", help="the Host to send (default: the URL's, else spacedock.info)")
    parser.add_argument("--codes", action="store_true", help="also decode ATS's Via codes with traffic_via")


def _cmd_trace(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab import trace
    from lab.ats import parse_target
    from lab.docker_ops import DockerLab
    from lab.http import LabClient

    result = trace.fetch(LabClient(config.http_base, test_tag="lab trace"), parse_target(args.url, args.host))
    codes = None
    if args.codes and result.ats_codes:
        codes = DockerLab(config.project).exec("ats", ["traffic_via", result.ats_codes]).output
    print(trace.render(result, codes), file=out)
    return ExitStatus.OK


def _add_purge(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("purge", help="PURGE one URL from ATS, sent from inside the lab")
    parser.add_argument("url", help="http://spacedock.info/path, or /path with --host")
    parser.add_argument("--host", help="the Host to send (default: the URL's, else spacedock.info)")


def _cmd_purge(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.ats import TrafficServer, parse_target
    from lab.docker_ops import DockerLab

    target = parse_target(args.url, args.host)
    status = TrafficServer(DockerLab(config.project)).purge(target)
    meaning = {200: "purged", 404: "was not in the cache"}.get(status, "unexpected")
    print(f"PURGE http://{target.host}{target.path} -> {status} ({meaning})", file=out)
    return ExitStatus.OK if status in (200, 404) else ExitStatus.ERROR


def _add_cache(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("cache", help="ATS's cache: clear (everything, no restart)")
    parser.add_argument("action", choices=["clear"])


def _cmd_cache(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.ats import TrafficServer
    from lab.docker_ops import DockerLab
    from lab.http import LabClient

    generation = TrafficServer(DockerLab(config.project)).clear_cache(LabClient(config.http_base))
    print(f"lab: cache cleared: ATS now uses cache generation {generation}", file=out)
    return ExitStatus.OK


# --- the storage box ------------------------------------------------------------------

def _add_storage(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("storage", help="the storage box over SMB3 + encryption: ls, put, get, rm")
    parser.add_argument("--share", default="backup", choices=["backup", "beta", "alpha"],
                        help="backup is production's (sd1a + sd1b); default backup")
    actions = parser.add_subparsers(dest="action", required=True, metavar="action")
    ls = actions.add_parser("ls", help="list a folder (-r: everything below it)")
    ls.add_argument("path", nargs="?", default="")
    ls.add_argument("-r", "--recursive", action="store_true")
    put = actions.add_parser("put", help="copy a local file to the share")
    put.add_argument("local", type=Path)
    put.add_argument("path")
    get = actions.add_parser("get", help="copy a file from the share (to stdout with -)")
    get.add_argument("path")
    get.add_argument("local", nargs="?", default="-")
    rm = actions.add_parser("rm", help="remove a file")
    rm.add_argument("path")


def _local_file(path: Path) -> Path:
    """A file to upload, checked before the storage box is asked anything."""
    if not path.is_file():
        raise LabError(f"cannot read {path}: {'not a file' if path.exists() else 'no such file'}")
    return path


def _cmd_storage(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.smb import StorageBox

    box = StorageBox(config, args.share)
    if args.action == "ls":
        for entry in box.walk(args.path, recursive=args.recursive):
            size = "-" if entry.is_dir else str(entry.size)
            name = entry.path + ("/" if entry.is_dir else "")
            print(f"{size:>12}  {entry.modified:%Y-%m-%d %H:%M:%S}  {name}", file=out)
    elif args.action == "put":
        box.write(args.path, _local_file(args.local).read_bytes())
        print(f"lab: {args.local} -> //{args.share}/{args.path}", file=out)
    elif args.action == "get":
        data = box.read(args.path)
        if args.local == "-":
            out.flush()
            sys.stdout.buffer.write(data)
        else:
            try:
                Path(args.local).write_bytes(data)
            except OSError as error:
                raise LabError(f"cannot write {args.local}: {error.strerror or error}") from error
    elif args.action == "rm":
        box.remove(args.path)
    return ExitStatus.OK


# --- scenarios -------------------------------------------------------------------------

def _add_scenario(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("scenario", help="play a production bug or a fault on the lab and report; "
                                             "no name: the list")
    parser.add_argument("name", nargs="?", help="a scenario of the list, or `all` (every production bug)")
    # None: not given (an entry refuses an option it does not read)
    parser.add_argument("--how", choices=["stopped", "paused"], help="storage-away: the box stopped or frozen")
    parser.add_argument("--clients", type=int, help="swap-under-load: concurrent clients (default 20)")
    parser.add_argument("--swaps", type=int, help="swap-under-load: swaps (default 5)")
    _add_yes(parser)


def _cmd_scenario(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.app import app_for
    from lab.docker_ops import DockerLab
    from lab.scenarios import catalogue, engine

    app = app_for(config)
    entries = catalogue.entries_for(app)
    if args.name is None:
        print(f"Production's bugs on {app.title} (each played with production's configuration, then with the fix):",
              file=out)
        print(engine.render_list(catalogue.bugs_for(app)), file=out)
        if app.is_spacedock:
            print("\nOn the stand-in only so far (make up without APP=spacedock):", file=out)
            print(textwrap.fill(", ".join(catalogue.stand_in_only()), initial_indent="  ", subsequent_indent="  ",
                                width=100, break_on_hyphens=False), file=out)
        print("\nFaults (measured):", file=out)
        print("\n".join(f"  {entry.name:<20}{entry.what}" for entry in catalogue.FAULTS), file=out)
        print("\nmake scenario name=<name>   (or name=all)", file=out)
        if app.is_spacedock:
            print("make bisect scenario=<name> good=<commit> bad=<commit>   (the commit that changed its verdict)",
                  file=out)
        return ExitStatus.OK
    if args.name == "all":
        with _lab_locked(config, _named(args), out):
            verdicts = engine.play_all(catalogue.bugs_for(app), config, DockerLab(config.project), _say(out))
        print(engine.render_table(verdicts), file=out)
        return ExitStatus.OK if all(verdict.ok for verdict in verdicts) else ExitStatus.ERROR
    if args.name not in entries:
        raise LabError(f"no scenario {args.name!r} for {app.title}; `make scenario` lists them")
    entry = entries[args.name]
    given = {option: getattr(args, option) for option in catalogue.OPTIONS if getattr(args, option) is not None}
    refused = sorted(set(given) - entry.takes)
    if refused:
        raise LabError(f"{entry.name} takes no {', '.join(refused)}"
                       + (f" (it takes {', '.join(sorted(entry.takes))})" if entry.takes else ""))
    if entry.changes:
        consent.confirm(config, f"make scenario name={entry.name}", entry.changes, _say(out), sys.stdin,
                        yes=args.yes, beyond_the_lab=True)
    with _lab_locked(config, _named(args), out):
        outcome = entry.run(config, DockerLab(config.project), _say(out), catalogue.Options(**given))
    print(outcome.render(), file=out)
    return ExitStatus.OK if outcome.ok else ExitStatus.ERROR


def _add_bisect(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bisect", help="APP=spacedock: git bisect run over SpaceDock's history with a "
                                           "scenario's symptom as the test")
    parser.add_argument("scenario", help="a scenario on SpaceDock's code that plays on beta or alpha")
    parser.add_argument("--good", required=True, help="the older commit")
    parser.add_argument("--bad", required=True, help="the newer commit")
    parser.add_argument("--find", choices=("bug", "fix"), default="bug",
                        help="bug: the first commit with the symptom; fix: the first without it")
    parser.add_argument("--first-parent", action="store_true",
                        help="follow only merges' first parents: the merge that brought the change to the branch")


def _bisection(config: lab_config.LabConfig, name: str, **given: Any) -> Bisection:
    from lab.app import app_for
    from lab.scenarios import catalogue
    from lab.scenarios.bisect import Bisection

    if not app_for(config).is_spacedock:
        raise LabError("make bisect plays SpaceDock's own commits: it needs APP=spacedock")
    scenarios = {scenario.name: scenario for scenario in catalogue.SPACEDOCK_BUGS}
    if name not in scenarios:
        raise LabError(f"no scenario {name!r} on SpaceDock's code; `make scenario` lists them")
    return Bisection(scenarios[name], **given)


def _cmd_bisect(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.docker_ops import DockerLab
    from lab.scenarios import bisect

    bisection = _bisection(config, args.scenario, good=args.good, bad=args.bad, find=args.find,
                           first_parent=args.first_parent)
    bisect.container_of(bisection.scenario)  # one that cannot be bisected is refused before the lock
    with _lab_locked(config, _named(args), out):
        found = bisect.run(config, DockerLab(config.project), bisection, _say(out))
    print(found.render(bisection), file=out)
    return ExitStatus.OK


def _add_bisect_step(sub: argparse._SubParsersAction) -> None:
    # git bisect run's test (lab.scenarios.bisect), in the bisection's worktree; not listed
    parser = sub.add_parser("bisect-step")
    parser.add_argument("scenario")
    parser.add_argument("--find", choices=("bug", "fix"), default="bug")


def _cmd_bisect_step(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab.docker_ops import DockerLab
    from lab.git import git, leave_repository
    from lab.scenarios import bisect

    # git takes any exit status from 1 to 127 but 125 as the new state: whatever
    # fails here stops the bisection (128) instead
    try:
        bisection = _bisection(config, args.scenario, good="", bad="", find=args.find)
        commit = git(Path.cwd(), "rev-parse", "BISECT_HEAD")
        leave_repository()
        # the lab's lock is the bisection's, which runs this
        return bisect.step(config, DockerLab(config.project), bisection, commit, _say(out))
    except Exception as error:  # noqa: BLE001 (any failure, named, ends the bisection)
        print(f"bisect: the step failed, the bisection stops: {type(error).__name__}: {error}", file=out, flush=True)
        return bisect.ABORT


def _add_confirm(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("confirm", help="say what a test target changes in your lab and ask (make integration, "
                                            "make lifecycle); a second lab is never asked")
    parser.add_argument("target", choices=list(consent.TEST_TARGETS))
    _add_yes(parser)


def _cmd_confirm(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:

    consent.confirm(config, f"make {args.target}", consent.TEST_TARGETS[args.target], _say(out), sys.stdin,
                    yes=args.yes)
    return ExitStatus.OK


# --- tls -------------------------------------------------------------------------------

def _add_tls(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("tls", help="the lab CA (made if missing) and how to trust it in a browser and in curl")


def _cmd_tls(args: argparse.Namespace, config: lab_config.LabConfig, out: TextIO) -> int:
    from lab import tls

    for made in tls.ensure(config)[1]:
        print(f"lab: made {made}", file=out)
    print(tls.trust_instructions(config), file=out)
    return ExitStatus.OK


COMMANDS: dict[str, tuple[Callable[[argparse._SubParsersAction], None], Handler]] = {
    "up": (_add_up, _cmd_up),
    "down": (_add_down, _cmd_down),
    "build": (_add_build, _cmd_build),
    "base": (_add_base, _cmd_base),
    "clean": (_add_clean, _cmd_clean),
    "status": (_add_status, _cmd_status),
    "compose": (_add_compose, _cmd_compose),
    "evidence": (_add_evidence, _cmd_evidence),
    "test": (_add_test, _cmd_test),
    "browser": (_add_browser, _cmd_browser),
    "bench": (_add_bench, _cmd_bench),
    "cifs": (_add_cifs, _cmd_cifs),
    "storage": (_add_storage, _cmd_storage),
    "scenario": (_add_scenario, _cmd_scenario),
    "bisect": (_add_bisect, _cmd_bisect),
    "bisect-step": (_add_bisect_step, _cmd_bisect_step),
    "swap": (_add_swap, _cmd_swap),
    "deploy": (_add_deploy, _cmd_deploy),
    "trace": (_add_trace, _cmd_trace),
    "purge": (_add_purge, _cmd_purge),
    "cache": (_add_cache, _cmd_cache),
    "tls": (_add_tls, _cmd_tls),
    "confirm": (_add_confirm, _cmd_confirm),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for add, _ in COMMANDS.values():
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        config = lab_config.load()
        return COMMANDS[args.command][1](args, config, out)
    except LabError as error:
        if args.debug:
            raise
        hint = f"; try: {error.hint}" if error.hint else ""
        print(f"lab: error: {error}{hint}", file=err)
        return error.exit_status
    except KeyboardInterrupt:
        print("lab: interrupted", file=err)
        return ExitStatus.CTRL_C
    except BrokenPipeError:
        # the reader went away (`lab storage ls | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitStatus.OK
    except OSError as error:
        if args.debug:
            raise
        # a local file or folder a command needed (.env, a file to write, ...)
        print(f"lab: error: {error}", file=err)
        return ExitStatus.ERROR
