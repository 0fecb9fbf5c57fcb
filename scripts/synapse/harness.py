#!/usr/bin/env python3
"""Start a real, throwaway Matrix homeserver (Synapse) for Rounds' tests.

Subcommands (see README.md beside this file):

    install                          cached venv with matrix-synapse==SYNAPSE_VERSION
    start    --dir DIR               write a config by hand, start, wait until ready
    register --dir DIR USER PASSWORD [--admin]
    stop     --dir DIR               SIGTERM, then SIGKILL after 10 s
    run      [--dir DIR] -- COMMAND...   all of the above around COMMAND
    anchor-install                   add matrix-reminder-bot==ANCHOR_VERSION to the venv;
                                     prints the path of its launcher (for benches/anchor.rs)

Standard library only: this file runs with the machine's python3 *before* the
venv exists, and must not depend on anything the venv provides.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# Pinned so every developer and CI test against the same server behaviour.
SYNAPSE_VERSION = "1.163.2"
SERVER_NAME = "localhost"

# The bot issue 19 measures Rounds against (benches/anchor.rs). Only that benchmark installs
# it, into the same venv; the tests never need it.
ANCHOR_PACKAGE = "matrix-reminder-bot"
ANCHOR_VERSION = "0.4.0"

READY_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
# A free port found by binding port 0 can be taken by someone else before
# Synapse binds it; on "address in use" we simply try another one.
PORT_ATTEMPTS = 3

# Users every `run` provides: the bot itself and two people to talk to it.
DEFAULT_USERS = [("rounds", "rounds-pass"), ("alice", "alice-pass"), ("bob", "bob-pass")]

# Rate limits high enough that no test ever meets one (a 429 in a test is
# noise, not a finding), yet finite, as Synapse expects numbers here.
FAST = {"per_second": 10000, "burst_count": 100000}


class HarnessError(Exception):
    """A failure worth a one-line message rather than a traceback."""


class Interrupted(Exception):
    """Raised from our signal handlers so that `finally` blocks run."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by signal {signum}")
        self.signum = signum


def log(msg: str) -> None:
    # stderr, so that stdout of `start` is just the base URL (scripts capture it).
    print(f"[synapse-harness] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# install
# --------------------------------------------------------------------------


def venv_dir() -> Path:
    env = os.environ.get("ROUNDS_SYNAPSE_VENV")
    return Path(env) if env else Path.home() / ".cache" / "rounds" / "synapse-venv"


def venv_python() -> Path:
    return venv_dir() / "bin" / "python"


def installed_version() -> str | None:
    """The version the venv's synapse reports, or None if it can't say.

    Importing synapse (not just reading pip metadata) also proves the compiled
    Rust extension loads, which is what a half-finished install breaks.
    """
    py = venv_python()
    if not py.exists():
        return None
    try:
        out = subprocess.run(
            [str(py), "-c", "import synapse; print(synapse.__version__)"],
            capture_output=True, text=True, timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@contextlib.contextmanager
def install_lock():
    # Two test runs starting together must not pip-install into one venv at
    # once; the second waits and then finds the venv ready.
    venv = venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / (venv.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def install() -> None:
    started = time.monotonic()
    if installed_version() == SYNAPSE_VERSION:
        log(f"Synapse {SYNAPSE_VERSION} already in {venv_dir()} "
            f"(checked in {time.monotonic() - started:.1f} s)")
        return
    with install_lock():
        # Someone may have finished the install while we waited for the lock.
        if installed_version() == SYNAPSE_VERSION:
            log(f"Synapse {SYNAPSE_VERSION} already in {venv_dir()}")
            return
        venv = venv_dir()
        log(f"installing matrix-synapse=={SYNAPSE_VERSION} into {venv} ...")
        # Re-running venv over an existing, broken one repairs it in place;
        # venvs can't be built elsewhere and renamed (their scripts hold
        # absolute paths), so "in place, then verify" is the atomicity we get.
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip_install("matrix-synapse", SYNAPSE_VERSION, installed_version)
    log(f"installed Synapse {SYNAPSE_VERSION} in {time.monotonic() - started:.1f} s")


def pip_install(package: str, version: str, installed) -> None:
    """Installs `package==version` into the venv, then checks with `installed()` (which reads
    the version back, or None) that it is there and imports."""
    subprocess.run(
        [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check",
         "--no-input", "--quiet", f"{package}=={version}"],
        check=True, stdin=subprocess.DEVNULL,
    )
    got = installed()
    if got != version:
        raise HarnessError(f"after install the venv reports {package} {got!r}, not {version}")


def venv_bin(name: str) -> Path:
    return venv_dir() / "bin" / name


def anchor_installed_version() -> str | None:
    """The anchor's version as its installed metadata says, if its code also imports.

    Importing the callbacks pulls in matrix-nio and its crypto (vodozemac since matrix-nio
    0.26, python-olm before), which is what a half-finished install would lack.
    """
    py = venv_python()
    if not py.exists():
        return None
    probe = ("import importlib.metadata as m, matrix_reminder_bot.callbacks; "
             f"print(m.version({ANCHOR_PACKAGE!r}))")
    try:
        out = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def anchor_install() -> Path:
    """Synapse's venv plus the anchor bot; returns the anchor's launcher script."""
    install()
    started = time.monotonic()
    if anchor_installed_version() != ANCHOR_VERSION:
        with install_lock():
            if anchor_installed_version() != ANCHOR_VERSION:
                log(f"installing {ANCHOR_PACKAGE}=={ANCHOR_VERSION} into {venv_dir()} ...")
                # Synapse's own pins are already there; pip adds only what the bot needs
                # (pip check after it finds nothing broken with Synapse 1.163.2).
                pip_install(ANCHOR_PACKAGE, ANCHOR_VERSION, anchor_installed_version)
                if installed_version() != SYNAPSE_VERSION:
                    raise HarnessError(f"installing {ANCHOR_PACKAGE} broke Synapse in {venv_dir()}")
                log(f"installed {ANCHOR_PACKAGE} {ANCHOR_VERSION} "
                    f"in {time.monotonic() - started:.1f} s")
    launcher = venv_bin(ANCHOR_PACKAGE)
    if not launcher.exists():
        raise HarnessError(f"{launcher} is missing after installing {ANCHOR_PACKAGE}")
    return launcher


# --------------------------------------------------------------------------
# config
# --------------------------------------------------------------------------


def rate_limits() -> dict:
    """Every rate limiter Synapse 1.163.2 reads (synapse/config/ratelimiting.py).

    Synapse ignores keys it doesn't know, so a misspelt or invented name here
    would silently leave the default limit in force: keep this list to the
    names that file actually parses when bumping SYNAPSE_VERSION.
    Left out on purpose: rc_federation (a different shape, and we serve no
    federation) and remote_media_download_* (no remote servers exist here).
    """
    flat = [
        "rc_message",
        "rc_registration",
        "rc_registration_token_validity",
        "rc_admin_redaction",
        "rc_joins_per_room",
        "rc_key_requests",
        "rc_3pid_validation",
        "rc_third_party_invite",
        "rc_media_create",
        "rc_delayed_event_mgmt",
        "rc_room_creation",
        "rc_reports",
        "rc_user_directory",
        "rc_profile",
    ]
    nested = {
        # failed_attempts too: tests of a wrong password must not lock out
        # the right one a moment later.
        "rc_login": ["address", "account", "failed_attempts"],
        "rc_joins": ["local", "remote"],
        "rc_invites": ["per_room", "per_user", "per_issuer"],
        "rc_presence": ["per_user"],
    }
    limits: dict = {key: dict(FAST) for key in flat}
    for key, subkeys in nested.items():
        limits[key] = {sub: dict(FAST) for sub in subkeys}
    return limits


def homeserver_config(dir_: Path, port: int, shared_secret: str) -> dict:
    base_url = f"http://127.0.0.1:{port}"
    return {
        "server_name": SERVER_NAME,
        # Without this Synapse advertises https://localhost/ (in /login's
        # well_known, among others) and a client that follows it goes nowhere.
        "public_baseurl": base_url + "/",
        "pid_file": str(dir_ / "homeserver.pid"),
        "listeners": [{
            "port": port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": False,
            "x_forwarded": False,
            # client only: the tests talk to one server, never federate.
            "resources": [{"names": ["client"], "compress": False}],
        }],
        "database": {"name": "sqlite3", "args": {"database": str(dir_ / "homeserver.db")}},
        "log_config": str(dir_ / "log.config"),
        "media_store_path": str(dir_ / "media_store"),
        "max_upload_size": "1M",
        "registration_shared_secret": shared_secret,
        "enable_registration": False,
        # Every register and password login pays for bcrypt; 12 rounds (the
        # default) costs ~0.5 s a login on this machine, 4 (the minimum) ~ms.
        "bcrypt_rounds": 4,
        "report_stats": False,
        "signing_key_path": str(dir_ / "signing.key"),
        # No network here: never try to fetch matrix.org's keys, and don't
        # print the warning about not doing so.
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        # Presence costs work on every sync and tests don't need it.
        "presence": {"enabled": False},
        **rate_limits(),
    }


def log_config(dir_: Path) -> dict:
    # WARNING by default: enough to explain a failed start, small enough to
    # print. ROUNDS_SYNAPSE_LOG_LEVEL=INFO (or DEBUG) when chasing a bug.
    level = os.environ.get("ROUNDS_SYNAPSE_LOG_LEVEL", "WARNING").upper()
    return {
        "version": 1,
        "formatters": {
            # %(request)s is filled by the filter Synapse adds to every handler.
            "precise": {"format": "%(asctime)s - %(name)s - %(lineno)d - "
                                  "%(levelname)s - %(request)s - %(message)s"},
        },
        "handlers": {
            # Plain FileHandler: no buffering, so the log is complete when we
            # read its tail after a failure.
            "file": {
                "class": "logging.FileHandler",
                "formatter": "precise",
                "filename": str(dir_ / "homeserver.log"),
                "encoding": "utf8",
            },
        },
        "root": {"level": level, "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def _yaml_inline(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid YAML double-quoted scalar: no quoting rules
        # of our own to get wrong (paths with ':' or '#', secrets, ...).
        return json.dumps(value)
    if value == {} or value == []:
        return json.dumps(value)
    raise TypeError(f"cannot inline {value!r}")


def to_yaml(value, indent: int = 0) -> str:
    """A small YAML writer: no PyYAML outside the venv, and a config a person
    can read is worth more than dumping JSON (which YAML would also accept)."""
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_yaml_inline(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested = to_yaml(item, indent + 1)
                # "- " takes the place of the first line's indentation.
                lines.append(pad + "- " + nested[len(pad) + 2:])
            else:
                lines.append(f"{pad}- {_yaml_inline(item)}")
    else:
        return pad + _yaml_inline(value)
    return "\n".join(lines)


def write_file(path: Path, text: str, mode: int = 0o644) -> None:
    # Write then rename, so a reader never sees half a file.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# processes
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True if a server could listen on the port now.

    SO_REUSEADDR as every server (Synapse included) sets it: TIME_WAIT
    leftovers of the tests' connections would otherwise make a port with no
    listener look taken.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def is_alive(pid: int) -> bool:
    # A server started by `start` is re-parented; if PID 1 (in a container or
    # microVM, often not a real init) never reaps it, it lingers as a zombie
    # that kill(pid, 0) still "finds". A fully exited zombie holds no port and
    # no database, so it counts as gone. Every thread is looked at, not just
    # the main one: Synapse has a thread pool, and its main thread turns
    # zombie while the others are still exiting and the listener still open.
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue  # that thread just went
        if stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
            return True
    return False


def is_our_server(pid: int, config_path: str) -> bool:
    # PIDs get reused: only signal a process that is still Synapse running on
    # this directory's config.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return False
    except OSError:
        return True  # no /proc to ask; trust harness.json
    return config_path.encode() in cmdline


def _die_with_parent() -> None:
    # For `run`: if the harness itself is SIGKILLed (CI timeout, OOM), the
    # kernel still sends Synapse SIGTERM, so no server outlives its test run.
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the signal handlers and finally blocks still apply


LOG_FILES = ("homeserver.log", "synapse.stderr.log")


def log_sizes(dir_: Path) -> dict[str, int]:
    # Both logs are appended to across restarts of a directory; remembering
    # where this start began keeps an old failure out of a new report.
    return {name: (dir_ / name).stat().st_size if (dir_ / name).exists() else 0
            for name in LOG_FILES}


def log_tails(dir_: Path, since: dict[str, int], lines: int = 40) -> str:
    parts = []
    for name in LOG_FILES:
        path = dir_ / name
        try:
            with open(path, "rb") as fh:
                fh.seek(since.get(name, 0))
                text = fh.read().decode(errors="replace")
        except FileNotFoundError:
            text = ""
        body = "\n".join(text.splitlines()[-lines:]) or "(nothing written)"
        parts.append(f"--- {path} (tail, this start only) ---\n{body}")
    return "\n".join(parts)


# urllib honours http_proxy; the server is on loopback, so never use one.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def answers_versions(base_url: str) -> bool:
    try:
        with _OPENER.open(base_url + "/_matrix/client/versions", timeout=2) as resp:
            return resp.status == 200
    except (OSError, ValueError):
        # URLError, HTTPError, connection refused/reset, timeouts: not ready.
        return False


# --------------------------------------------------------------------------
# start / stop
# --------------------------------------------------------------------------


def state_path(dir_: Path) -> Path:
    return dir_ / "harness.json"


def read_state(dir_: Path) -> dict:
    try:
        return json.loads(state_path(dir_).read_text())
    except FileNotFoundError:
        raise HarnessError(f"no {state_path(dir_)}: was `start --dir {dir_}` run?") from None


def ensure_signing_key(dir_: Path) -> Path:
    # Kept across restarts of one directory: the database holds events signed
    # with it.
    key = dir_ / "signing.key"
    if not key.exists():
        subprocess.run([str(venv_bin("generate_signing_key")), "-o", str(key)],
                       check=True, stdin=subprocess.DEVNULL)
    return key


class Server:
    """A Synapse we started; holds the Popen so `run` can reap it."""

    def __init__(self, dir_: Path, proc: subprocess.Popen, state: dict):
        self.dir = dir_
        self.proc = proc
        self.state = state


def start_server(dir_: Path, *, die_with_parent: bool = False,
                 on_spawn=None) -> Server:
    dir_.mkdir(parents=True, exist_ok=True)
    if state_path(dir_).exists():
        # A server left running in this directory holds its SQLite database.
        stop_server(dir_, quiet=True)
    ensure_signing_key(dir_)
    write_file(dir_ / "log.config", to_yaml(log_config(dir_)) + "\n")
    shared_secret = secrets.token_hex(32)
    config_path = dir_ / "homeserver.yaml"

    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        write_file(config_path,
                   "# Written by scripts/synapse/harness.py; rewritten on every start.\n"
                   + to_yaml(homeserver_config(dir_, port, shared_secret)) + "\n",
                   mode=0o600)  # it holds the shared secret
        began = time.monotonic()
        log_start = log_sizes(dir_)
        with open(dir_ / "synapse.stderr.log", "ab") as err:
            proc = subprocess.Popen(
                [str(venv_python()), "-m", "synapse.app.homeserver", "-c", str(config_path)],
                cwd=dir_, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                # Its own session: a Ctrl-C meant for the test command doesn't
                # hit Synapse mid-test; we stop it ourselves, in order.
                start_new_session=True,
                preexec_fn=_die_with_parent if die_with_parent else None,
            )
        state = {
            "base_url": base_url,
            "port": port,
            "pid": proc.pid,
            "shared_secret": shared_secret,
            "server_name": SERVER_NAME,
            "config": str(config_path),
            "log": str(dir_ / "homeserver.log"),
        }
        # Written before waiting, so a `stop` (or our own cleanup after an
        # interrupt) can find the process even if it never gets ready.
        write_file(state_path(dir_), json.dumps(state, indent=2) + "\n", mode=0o600)
        server = Server(dir_, proc, state)
        if on_spawn:
            on_spawn(server)

        deadline = began + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if answers_versions(base_url):
                log(f"Synapse ready at {base_url} (pid {proc.pid}) "
                    f"in {time.monotonic() - began:.1f} s")
                return server
            time.sleep(0.1)

        exited = proc.poll()
        logs = log_tails(dir_, log_start)
        if exited is not None and "Address already in use" in logs and attempt < PORT_ATTEMPTS:
            log(f"port {port} was taken before Synapse bound it; trying another")
            continue
        stop_server(dir_, proc=proc, quiet=True)
        why = (f"exited with code {exited}" if exited is not None
               else f"not ready after {READY_TIMEOUT_S:.0f} s")
        raise HarnessError(f"Synapse {why}\n{logs}")
    raise AssertionError("unreachable")


def stop_server(dir_: Path, *, proc: subprocess.Popen | None = None, quiet: bool = False) -> None:
    try:
        state = read_state(dir_)
    except HarnessError:
        if not quiet:
            log(f"nothing to stop in {dir_}")
        return
    pid = state["pid"]
    if not is_alive(pid):
        if proc is not None:
            proc.wait()  # reap our zombie
        if not quiet:
            log(f"Synapse (pid {pid}) is not running")
        return
    if not is_our_server(pid, state["config"]):
        log(f"pid {pid} is no longer this directory's Synapse; not signalling it")
        return

    def wait_gone(timeout: float) -> bool:
        if proc is not None:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not is_alive(pid):
                return True
            time.sleep(0.05)
        return not is_alive(pid)

    began = time.monotonic()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not wait_gone(STOP_GRACE_S):
        log(f"Synapse (pid {pid}) ignored SIGTERM for {STOP_GRACE_S:.0f} s; sending SIGKILL")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if not wait_gone(5):
            raise HarnessError(f"Synapse (pid {pid}) survived SIGKILL")
    # The kernel closes the listener with the process; checked anyway since
    # the next test run may want the port, and a surprise here is worth a line.
    deadline = time.monotonic() + 2
    while not port_is_free(state["port"]):
        if time.monotonic() > deadline:
            log(f"warning: port {state['port']} still has a listener after Synapse exited")
            break
        time.sleep(0.05)
    log(f"Synapse (pid {pid}) stopped in {time.monotonic() - began:.1f} s")


# --------------------------------------------------------------------------
# register
# --------------------------------------------------------------------------


def register_user(dir_: Path, user: str, password: str, admin: bool = False) -> None:
    state = read_state(dir_)
    if not is_alive(state["pid"]):
        raise HarnessError(f"the Synapse of {dir_} (pid {state['pid']}) is not running")
    env = dict(os.environ)
    # register_new_matrix_user uses `requests`, which honours *_proxy too.
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), "127.0.0.1,localhost"]))
    env["NO_PROXY"] = env["no_proxy"] = no_proxy
    cmd = [str(venv_bin("register_new_matrix_user")),
           "--exists-ok",  # the same user in a reused directory is fine
           "-k", state["shared_secret"], "-u", user, "-p", password,
           "-a" if admin else "--no-admin",
           state["base_url"]]
    out = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
    text = (out.stdout + out.stderr).strip()
    # --exists-ok covers M_USER_IN_USE; the message check is a fallback in
    # case a later version words or exits differently.
    if out.returncode != 0 and "User ID already taken" not in text:
        short = "\n".join(text.splitlines()[-15:])  # its tracebacks run long
        raise HarnessError(f"registering {user!r} failed (exit {out.returncode}):\n{short}")
    log(f"user @{user}:{SERVER_NAME} ready" + (" (admin)" if admin else ""))


# --------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------


def run(dir_arg: str | None, command: list[str]) -> int:
    if not command:
        raise HarnessError("run needs a command after `--`")
    child: subprocess.Popen | None = None
    server: Server | None = None
    caught: list[int] = []

    def on_signal(signum, _frame):
        caught.append(signum)
        if child is not None and child.poll() is None:
            # Let the command wind down (and report) first; the server is
            # stopped once it has exited. A second signal means "now".
            child.send_signal(signum if len(caught) == 1 else signal.SIGKILL)
            return
        raise Interrupted(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)

    temp_dir = None
    if dir_arg is None:
        temp_dir = tempfile.mkdtemp(prefix="rounds-synapse-")
        dir_ = Path(temp_dir)
    else:
        dir_ = Path(dir_arg).resolve()

    def remember(spawned: Server) -> None:
        nonlocal server
        server = spawned

    try:
        install()
        start_server(dir_, die_with_parent=True, on_spawn=remember)
        for user, password in DEFAULT_USERS:
            register_user(dir_, user, password)
        env = dict(os.environ)
        env["ROUNDS_TEST_SYNAPSE_URL"] = server.state["base_url"]
        env["ROUNDS_TEST_SYNAPSE_DIR"] = str(dir_)
        no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), "127.0.0.1,localhost"]))
        env["NO_PROXY"] = env["no_proxy"] = no_proxy
        log(f"running: {' '.join(command)}")
        try:
            child = subprocess.Popen(command, env=env)
        except OSError as err:
            raise HarnessError(f"cannot run {command[0]!r}: {err}") from None
        code = child.wait()
        if caught:
            return 128 + caught[0]
        # Killed by a signal: report it the way a shell would.
        return 128 - code if code < 0 else code
    except Interrupted as intr:
        log(str(intr))
        return 128 + intr.signum
    finally:
        # Signals from here on must not cut the cleanup short.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if server is not None:
            stop_server(dir_, proc=server.proc)
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("install", help=f"install Synapse {SYNAPSE_VERSION} into the cached venv")
    p = sub.add_parser("start", help="write a config, start Synapse, wait until it answers")
    p.add_argument("--dir", required=True)
    p = sub.add_parser("register", help="register a user on a started server")
    p.add_argument("--dir", required=True)
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("--admin", action="store_true")
    p = sub.add_parser("stop", help="stop a started server")
    p.add_argument("--dir", required=True)
    sub.add_parser("anchor-install",
                   help=f"add {ANCHOR_PACKAGE} {ANCHOR_VERSION} to the venv; print its launcher")
    p = sub.add_parser("run", help="install, start, register the test users, run COMMAND, stop")
    p.add_argument("--dir", help="server directory (default: a temporary one, removed after)")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)

    try:
        if args.cmd == "install":
            install()
        elif args.cmd == "anchor-install":
            print(anchor_install(), flush=True)
        elif args.cmd == "start":
            if installed_version() != SYNAPSE_VERSION:
                raise HarnessError(f"Synapse {SYNAPSE_VERSION} is not installed: run `install` first")
            server = start_server(Path(args.dir).resolve())
            print(server.state["base_url"], flush=True)
        elif args.cmd == "register":
            register_user(Path(args.dir).resolve(), args.user, args.password, args.admin)
        elif args.cmd == "stop":
            stop_server(Path(args.dir).resolve())
        elif args.cmd == "run":
            command = args.command[1:] if args.command[:1] == ["--"] else args.command
            return run(args.dir, command)
    except HarnessError as err:
        log(f"error: {err}")
        return 1
    except subprocess.CalledProcessError as err:
        log(f"error: {err}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
