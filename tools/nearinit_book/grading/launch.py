"""The first code that runs inside the sandbox (copied there as `nearinit_grading_launch.py`), before any student code.

It sets the resource limits (address space, CPU seconds, file size, open files, no core dumps) from the JSON in
the environment variable NEARINIT_SANDBOX_LIMITS, forbids new processes with a seccomp filter (fork, vfork and
clone without CLONE_THREAD fail with EPERM; threads still work), then replaces itself with the IPython kernel.
Limits can only be lowered afterwards: the hard limits are set too, and the filter cannot be removed.
Standard library only.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import resource
import struct
import sys

# classic BPF (linux/filter.h, linux/seccomp.h)
LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
ALLOW, ERRNO, KILL = 0x7FFF0000, 0x00050000, 0x80000000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
CLONE_THREAD = 0x00010000
# architecture: (audit arch, clone, clone3, [fork, vfork])
ARCHES = {
    "x86_64": (0xC000003E, 56, 435, [57, 58]),
    "aarch64": (0xC00000B7, 220, 435, []),
}


def _filter(arch: str) -> bytes:
    audit, clone, clone3, forks = ARCHES[arch]
    deny, nosys = ERRNO | errno.EPERM, ERRNO | errno.ENOSYS
    prog = [
        (LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (JEQ, 1, 0, audit),
        (RET, 0, 0, KILL),  # another ABI: kill
        (LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (JGE, 0, 1, 0x40000000),  # x32 system calls: refused
        (RET, 0, 0, deny),
        (JEQ, 0, 1, clone3),  # clone3: "not implemented", so that the C library falls back on clone
        (RET, 0, 0, nosys),
    ]
    for nr in forks:
        prog += [(JEQ, 0, 1, nr), (RET, 0, 0, deny)]
    prog += [
        (JEQ, 1, 0, clone),
        (RET, 0, 0, ALLOW),
        (LD_W_ABS, 0, 0, 16),  # clone's flags (low 32 bits of args[0])
        (JSET, 0, 1, CLONE_THREAD),
        (RET, 0, 0, ALLOW),  # a thread
        (RET, 0, 0, deny),  # a process
    ]
    return b"".join(struct.pack("HBBI", *ins) for ins in prog), len(prog)


def no_new_processes() -> None:
    arch = platform.machine()
    if arch not in ARCHES:
        raise SystemExit(f"sandbox: no process filter for the architecture {arch!r}")
    code, n = _filter(arch)
    buf = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(n, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        raise SystemExit(f"sandbox: PR_SET_NO_NEW_PRIVS failed: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        raise SystemExit(f"sandbox: the seccomp filter was refused: {os.strerror(ctypes.get_errno())}")


def set_limits(limits: dict) -> None:
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def main() -> None:
    set_limits(json.loads(os.environ.pop("NEARINIT_SANDBOX_LIMITS")))
    no_new_processes()
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[1:]])


if __name__ == "__main__":
    main()
