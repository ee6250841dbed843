"""The sandbox a submission's cells run in: an IPython kernel inside bubblewrap (`bwrap`).

The kernel sees a file system made of read-only bind mounts of what Python needs (/usr, the Python installation,
the grader's virtual environment with the real `nearinit` hidden) and of this sandbox's own folder (the kernel
launcher, the JSON wire module and a copy of `nearinit` whose forbidden functions raise), a private `/tmp` (its
working directory), and one writable folder holding the kernel's connection file and IPC sockets. Nothing else: no
course directory, gradebook, autograder source, repository, home directory or /etc. It runs in its own user, PID,
mount, IPC, UTS and network namespaces (no network at all), without capabilities, dies with the grader, and is
limited (`launch.py`): address space, CPU seconds, file size, open files, no new processes (seccomp).

`Sandbox` is a context manager: it builds the folder, gives a kernel manager whose kernel is that sandboxed
kernel, and on exit kills the kernel (the PID namespace takes every process of the submission with it) and removes
the folder. A missing or broken `bwrap` raises `SandboxUnavailable` with what to install: grading never falls back
to running a submission unsandboxed.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile

import zmq
from jupyter_client import AsyncKernelClient, AsyncKernelManager, BlockingKernelClient
from jupyter_client.channels import ZMQSocketChannel  # noqa: F401 (the clients' channel type, for readers)
from jupyter_client.kernelspec import KernelSpec

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE = "nearinit"
INSTALL = (
    "Grading runs each submission inside a bubblewrap sandbox and never without one. Install it "
    "(Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`) and allow user namespaces "
    "(README, 'How grading is isolated')."
)
# A message from the sandbox larger than this is dropped (zmq disconnects the sender, which reconnects): a
# submission printing 100 MB costs the grader nothing. At most RCVHWM messages wait in the grader's memory.
MAX_MESSAGE = 8 * 2**20
RCVHWM = 64


class SandboxUnavailable(RuntimeError):
    """No working sandbox tool: nothing is graded."""


class GradingError(RuntimeError):
    """The course's own grading set-up is wrong (not the submission's fault)."""


# --------------------------------------------------------------------------- clients with bounded messages
class _Bounded:
    def _create_connected_socket(self, channel, identity=None):
        from jupyter_client.connect import channel_socket_types

        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
        sock.setsockopt(zmq.RCVHWM, RCVHWM)
        if identity:
            sock.identity = identity
        sock.connect(self._make_url(channel))
        return sock


class BoundedAsyncKernelClient(_Bounded, AsyncKernelClient):
    """The grader's client of the sandboxed kernel."""


class BoundedBlockingKernelClient(_Bounded, BlockingKernelClient):
    """The tests' kernel's client of the sandboxed kernel (the proxies)."""


# --------------------------------------------------------------------------- the tool
def find_bwrap(name: str = "bwrap") -> str:
    path = shutil.which(name)
    if path is None:
        raise SandboxUnavailable(f"SANDBOX UNAVAILABLE: `{name}` (bubblewrap) is not installed. {INSTALL}")
    return path


@functools.lru_cache(maxsize=8)
def _probe(bwrap: str) -> None:
    """Run `true` in a sandbox like the grading one once per process: a kernel without user namespaces or a
    seccomp-less bwrap fails here, with bwrap's own message."""
    argv = [bwrap, *_namespace_args(), "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"SANDBOX UNAVAILABLE: {bwrap} could not run: {exc}. {INSTALL}") from exc
    if done.returncode != 0:
        raise SandboxUnavailable(
            f"SANDBOX UNAVAILABLE: {bwrap} fails on this machine: {done.stderr.strip()[-500:]}. {INSTALL}"
        )


def _namespace_args() -> list[str]:
    return ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]


# --------------------------------------------------------------------------- the package without the exercise's answer
def package_dir() -> pathlib.Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise GradingError(f"the package {PACKAGE!r} is not installed in {sys.executable}")
    return pathlib.Path(next(iter(spec.submodule_search_locations))).resolve()


def _stub_body(name: str) -> list[ast.stmt]:
    message = (
        f"nearinit.{name} is not available when this exercise is graded: the exercise asks you to write it yourself"
    )
    return ast.parse(f"raise NotImplementedError({message!r})").body


def copy_without(dest: pathlib.Path, forbidden: frozenset[str]) -> pathlib.Path:
    """A copy of the installed `nearinit` in `dest/nearinit` in which each forbidden module-level function's body
    is `raise NotImplementedError(...)`: its code is not in the sandbox at all, so no alias, `getattr`, profiler
    trick or reference kept from before reaches it. Raises GradingError for a name the package does not define."""
    src = package_dir()
    target = dest / PACKAGE
    found: set[str] = set()
    for path in sorted(src.rglob("*")):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        out = target / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix != ".py" or not forbidden:
            shutil.copyfile(path, out)
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        changed = False
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in forbidden:
                doc = node.body[:1] if ast.get_docstring(node) is not None else []
                node.body = doc + _stub_body(node.name)
                found.add(node.name)
                changed = True
        if changed:
            out.write_text(ast.unparse(ast.fix_missing_locations(tree)) + "\n", encoding="utf-8")
        else:
            shutil.copyfile(path, out)
    missing = sorted(forbidden - found)
    if missing:
        raise GradingError(f"the test cells forbid {missing}, which {PACKAGE} does not define as functions")
    return target


# --------------------------------------------------------------------------- the sandbox
class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is the sandboxed one (IPC transport, interrupts by message)."""

    def __init__(self, *, argv: list[str], **kwargs):
        super().__init__(**kwargs)
        self._kernel_spec = KernelSpec(
            argv=argv, display_name="Python 3 (sandboxed)", language="python", interrupt_mode="message", env={}
        )


class Sandbox:
    """See the module docstring. `limits` are rlimits by name (RLIMIT_AS, RLIMIT_CPU, ...)."""

    def __init__(self, *, forbidden=(), limits: dict[str, int] | None = None, bwrap: str = "bwrap"):
        self.bwrap = find_bwrap(bwrap)
        _probe(self.bwrap)
        self.forbidden = frozenset(forbidden)
        self.limits = dict(limits or {})
        self.root: pathlib.Path | None = None
        self.km: SandboxKernelManager | None = None

    def __enter__(self) -> Sandbox:
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="nearinit-sandbox-")).resolve()
        self.lib = self.root / "lib"
        self.ipc = self.root / "ipc"
        self.lib.mkdir()
        self.ipc.mkdir()
        shutil.copyfile(HERE / "wire.py", self.lib / "nearinit_grading_wire.py")
        shutil.copyfile(HERE / "launch.py", self.lib / "nearinit_grading_launch.py")
        copy_without(self.lib, self.forbidden)
        return self

    def __exit__(self, *exc) -> None:
        self.kill()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def kill(self) -> None:
        """Kill the sandbox at once (bwrap's PID namespace ends with it: every process of the submission)."""
        if self.km is not None and self.km.has_kernel:
            from jupyter_core.utils import run_sync

            run_sync(self.km._async_kill_kernel)(restart=False)  # no polite shutdown: the sandbox could ignore it
            run_sync(self.km._async_cleanup_resources)(restart=False)

    @property
    def connection_file(self) -> str:
        return str(self.ipc / "kernel.json")

    def argv(self) -> list[str]:
        """bwrap's command line; `{connection_file}` is filled in by the kernel manager."""
        python = pathlib.Path(sys.executable)
        prefixes = {pathlib.Path(sys.base_prefix).resolve(), pathlib.Path(sys.prefix).resolve()}
        real_package = package_dir()
        args = [self.bwrap, *_namespace_args(), "--tmpfs", "/tmp"]  # first: the sandbox's folder is in /tmp too
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = pathlib.Path("/") / top
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        args += ["--ro-bind", "/usr", "/usr"]
        for prefix in sorted(prefixes):
            if not str(prefix).startswith("/usr/"):
                args += ["--ro-bind", str(prefix), str(prefix)]
        for prefix in sorted(prefixes):
            if real_package.is_relative_to(prefix):  # a non-editable install: hidden, the copy stands in
                args += ["--tmpfs", str(real_package)]
        args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
        args += ["--ro-bind", str(self.lib), str(self.lib), "--bind", str(self.ipc), str(self.ipc)]
        args += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp", "--clearenv"]
        env = {
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "PATH": f"{python.parent}:/usr/bin:/bin",
            "PYTHONPATH": str(self.lib),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": "/tmp",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NEARINIT_SANDBOX_LIMITS": json.dumps({name: int(v) for name, v in self.limits.items()}),
        }
        for name, value in env.items():
            args += ["--setenv", name, value]
        return [*args, "--", str(python), str(self.lib / "nearinit_grading_launch.py"), "-f", "{connection_file}"]

    def kernel_manager(self) -> SandboxKernelManager:
        for name in self.limits:
            getattr(resource, name)  # an unknown limit fails here, in the grader, not in the sandbox
        self.km = SandboxKernelManager(
            argv=self.argv(),
            transport="ipc",
            ip=str(self.ipc / "kernel"),
            connection_file=self.connection_file,
            client_class="nearinit_book.grading.sandbox.BoundedAsyncKernelClient",
        )
        return self.km
