"""A Pulumi language host for Python programs: the `pulumi-language-python` plugin.

Why this exists: Pulumi's own host is a Go module (`sdk/python/cmd/pulumi-language-python/v3`) that has no
tags and that the Go module proxy reachable here does not serve, so it cannot be built offline. The host's
job is small and its protocol is the `LanguageRuntime` gRPC service, whose Python stubs ship in the pinned
`pulumi` wheel. This module implements that service the way the Go host does: it spawns
`pulumi-language-python-exec` (taken from the matching `sdk/v3` Go module, placed next to the launcher) with
the same arguments and environment, and runs policy packs with `python -m pulumi.policy`.

The bootstrap (`toolchain/bootstrap.sh`) writes `.venv/bin/pulumi-language-python`, a launcher that runs this
file with the venv's Python. The engine starts it with the engine address as the last argument and reads the
port it listens on from the first line of stdout.

Engine health check, as Pulumi's own hosts have (`rpcutil.Healthcheck`): a thread watches the engine and, when
it is gone (say `kill -9` of the `pulumi` CLI), ends the run so that nothing writes to Shopify or AEP after
the CLI: first the engine's other plugins (the dynamic provider), then this host's own process group (this
host, the program and its children, policy packs). Gone means: this process was re-parented (the engine
started us), or the engine's gRPC health check has been refused for a while. The provider is not our child:
the engine starts every plugin in a process group of its own (`cmdutil.RegisterProcessGroup`) and passes it
the engine's address as an argument (`pulumi-resource-pulumi-python 127.0.0.1:PORT`, a shell script whose
Python child shares its group), so the plugins of this engine are the processes of our session whose
command line carries that address, and each is ended with its whole group.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

# The exec script exits with this code after it has already shown the user an actionable error.
EXIT_AFTER_USER_ACTIONABLE_MESSAGE = 32

# Engine watch: how often the parent is checked, how often the engine's health endpoint is asked, and how
# many refused health checks in a row mean the engine is gone (Pulumi's hosts treat UNIMPLEMENTED as alive).
PARENT_POLL_SECONDS = 0.2
HEALTH_POLL_SECONDS = 0.5
HEALTH_REFUSALS_BEFORE_GONE = 4
HEALTH_CHECK_METHOD = "/grpc.health.v1.Health/Check"


def _options(info: language_pb2.ProgramInfo) -> dict[str, Any]:
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def python_for(info: language_pb2.ProgramInfo) -> str:
    """The program's interpreter: the project's `virtualenv` option, else PULUMI_PYTHON_CMD, else ours."""
    virtualenv = _options(info).get("virtualenv")
    if virtualenv:
        venv = Path(virtualenv)
        if not venv.is_absolute():
            venv = Path(info.root_directory or ".") / venv
        return str(venv / "bin" / "python")
    return os.environ.get("PULUMI_PYTHON_CMD") or sys.executable


def exec_arguments(request: language_pb2.RunRequest, engine_address: str) -> list[str]:
    """The command-line of `pulumi-language-python-exec`, as the Go host builds it."""
    args: list[str] = []

    def add(flag: str, value: str) -> None:
        if value:
            args.extend([f"--{flag}", value])

    add("monitor", request.monitor_address)
    add("engine", engine_address)
    add("project", request.project)
    add("root_directory", request.info.root_directory)
    add("stack", request.stack)
    add("pwd", request.pwd)
    add("dry_run", "true" if request.dryRun else "false")
    add("parallel", str(request.parallel))
    add("organization", request.organization)
    program = request.info.entry_point or request.program or "."
    if request.info.program_directory and not os.path.isabs(program):
        program = os.path.join(request.info.program_directory, program)
    return [*args, program, *request.args]


def exec_environment(request: language_pb2.RunRequest) -> dict[str, str]:
    env = dict(os.environ)
    env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
    env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
    return env


def policy_pack_command(request: language_pb2.RunPluginRequest) -> list[str]:
    """How the Go host starts a Python policy pack: `python -m pulumi.policy <engine> <pack directory>`.

    The engine sends only its own address in `args` and the project directory as `pwd`; the pack's
    directory comes from `info`, and pulumi.policy runs that directory's `__main__.py`.
    """
    directory = request.info.program_directory or request.info.root_directory or request.pwd or "."
    return [python_for(request.info), "-u", "-m", "pulumi.policy", *request.args, directory]


def _plugin_output(process: subprocess.Popen[bytes]) -> Iterator[Any]:
    """The process's stdout and stderr as RunPluginResponses while they arrive, then its exit code.

    Streamed, not collected: the engine reads the pack's port from the first stdout line while the pack
    keeps running.
    """
    chunks: queue.Queue[Any] = queue.Queue()

    def pump(stream: IO[bytes] | None, response: Callable[[bytes], Any]) -> None:
        for line in iter(stream.readline, b"") if stream else ():
            chunks.put(response(line))
        chunks.put(None)

    for stream, response in (
        (process.stdout, lambda line: language_pb2.RunPluginResponse(stdout=line)),
        (process.stderr, lambda line: language_pb2.RunPluginResponse(stderr=line)),
    ):
        threading.Thread(target=pump, args=(stream, response), daemon=True).start()
    open_streams = 2
    while open_streams:
        chunk = chunks.get()
        if chunk is None:
            open_streams -= 1
        else:
            yield chunk
    yield language_pb2.RunPluginResponse(exitcode=process.wait())


class PythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, engine_address: str, version: str, executor: Path) -> None:
        self.engine_address = engine_address
        self.version = version
        self.executor = executor

    def Handshake(self, request: Any, context: Any) -> Any:
        self.engine_address = request.engine_address or self.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=self.version)

    # Python programs here use only dynamic providers, which are bundled with the CLI, so there are no
    # plugins to install. (The Go host asks pip for packages carrying a pulumi-plugin.json.)
    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPackagesResponse()

    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:
        # Dependencies are installed by toolchain/bootstrap.sh from the pinned requirements files.
        yield language_pb2.InstallDependenciesResponse(
            stdout=b"Dependencies are managed by toolchain/bootstrap.sh; nothing to install.\n"
        )

    def About(self, request: Any, context: Any) -> Any:
        python = python_for(request.info) if request.HasField("info") else sys.executable
        version = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return language_pb2.AboutResponse(executable=python, version=version)

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        dependencies = sorted(
            (dist.metadata["Name"], dist.version) for dist in importlib.metadata.distributions()
        )
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[
                language_pb2.DependencyInfo(name=name, version=version) for name, version in dependencies
            ]
        )

    def Run(self, request: Any, context: Any) -> Any:
        command = [
            python_for(request.info),
            "-u",
            str(self.executor),
            *exec_arguments(request, self.engine_address),
        ]
        try:
            # Output goes straight to our stdout/stderr, which the engine shows as the program's output.
            completed = subprocess.run(command, env=exec_environment(request), check=False)
        except OSError as error:
            return language_pb2.RunResponse(error=f"could not run the Python program: {error}")
        if completed.returncode == 0:
            return language_pb2.RunResponse()
        if completed.returncode == EXIT_AFTER_USER_ACTIONABLE_MESSAGE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(
            error=f"Program exited with non-zero exit code: {completed.returncode}"
        )

    def RunPlugin(self, request: Any, context: Any) -> Iterator[Any]:
        # The engine runs Python policy packs through here (kind "analyzer"); resource plugins written in
        # Python are not used by this project, so they are refused rather than half supported.
        if request.kind != "analyzer":
            context.abort(
                grpc.StatusCode.UNIMPLEMENTED,
                f"this language host runs only policy packs, not {request.kind or 'unknown'} plugins",
            )
        env = dict(os.environ)
        env.update(dict(item.split("=", 1) for item in request.env if "=" in item))
        process = subprocess.Popen(
            policy_pack_command(request),
            cwd=request.pwd or None,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

        def stop() -> None:
            if process.poll() is None:
                process.kill()

        # The pack serves until it is killed: the engine ends it by closing this stream.
        context.add_callback(stop)
        yield from _plugin_output(process)

    def Cancel(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()


# --- engine watch ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    pgid: int
    sid: int
    argv: tuple[str, ...]


def groups_to_end(processes: Iterable[ProcessInfo], engine_address: str, sid: int, own_pgid: int) -> set[int]:
    """The process groups of the engine's other plugins: processes of our session (``sid``) whose command
    line has the engine address as an argument, outside our own group (pure)."""
    if not engine_address:
        return set()
    return {
        p.pgid
        for p in processes
        if p.sid == sid and p.pgid != own_pgid and p.pgid > 1 and engine_address in p.argv
    }


def list_processes(proc: Path = Path("/proc")) -> list[ProcessInfo]:
    """Every readable process (Linux /proc); those that end while being read are left out."""
    found = []
    for entry in proc.iterdir() if proc.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # Fields after the parenthesised command name: state ppid pgrp session ...
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) < 4 or fields[0] == "Z":
            continue
        found.append(
            ProcessInfo(
                pid=int(entry.name),
                pgid=int(fields[2]),
                sid=int(fields[3]),
                argv=tuple(a.decode("utf-8", "replace") for a in argv if a),
            )
        )
    return found


def engine_refused(channel: grpc.Channel) -> bool:
    """One health check of the engine: True when it is refused (UNIMPLEMENTED and slow answers count as
    alive: only a definite refusal, as of a closed port, is evidence that the engine is gone)."""
    check = channel.unary_unary(
        HEALTH_CHECK_METHOD, request_serializer=lambda _: b"", response_deserializer=lambda raw: raw
    )
    try:
        check(None, timeout=2 * HEALTH_POLL_SECONDS)
    except grpc.RpcError as error:
        return bool(error.code() == grpc.StatusCode.UNAVAILABLE)
    return False


def end_the_run(engine_address: str) -> None:
    """The engine is gone: end its other plugins' groups, then our own group (which ends this process)."""
    own_pgid = os.getpgid(0)
    for pgid in groups_to_end(list_processes(), engine_address, os.getsid(0), own_pgid):
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
    # Nothing is printed: our stdout and stderr are pipes to the dead engine (a write raises BrokenPipeError).
    if own_pgid == os.getpid():  # the engine gave us a group of our own: it holds exactly our run
        os.killpg(own_pgid, signal.SIGKILL)
    os._exit(1)  # started some other way: our children are ended by their own engine watch or not at all


def watch_engine(engine_address: str, parent_pid: int, on_gone: Callable[[str], None] = end_the_run) -> None:
    """Block until the engine is gone, then call ``on_gone``; run it in a daemon thread."""
    channel = grpc.insecure_channel(engine_address) if engine_address else None
    refusals = 0
    next_health = time.monotonic()
    while True:
        if parent_pid > 1 and os.getppid() != parent_pid:
            break
        if channel is not None and time.monotonic() >= next_health:
            refusals = refusals + 1 if engine_refused(channel) else 0
            if refusals >= HEALTH_REFUSALS_BEFORE_GONE:
                break
            next_health = time.monotonic() + HEALTH_POLL_SECONDS
        time.sleep(PARENT_POLL_SECONDS)
    on_gone(engine_address)


def main(argv: list[str]) -> int:
    """Arguments: `--executor=PATH --version=V` from the launcher, then the engine's (address last)."""
    flags = dict(arg[2:].split("=", 1) for arg in argv if arg.startswith("--") and "=" in arg)
    positional = [arg for arg in argv if not arg.startswith("-")]
    engine_address = positional[-1] if positional else ""
    executor = Path(flags.get("executor", Path(sys.argv[0]).parent / "pulumi-language-python-exec"))
    version = flags.get("version", "3.0.0")
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)],
    )
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        PythonLanguageHost(engine_address, version, executor), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    threading.Thread(
        target=watch_engine, args=(engine_address, os.getppid()), name="engine-watch", daemon=True
    ).start()
    # The engine interrupts its plugins when it is done with them: that is a normal stop, not an error.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: server.stop(0))
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
