"""The tests' side: the graded functions, as proxies of the submission's functions in the sandbox.

`install` runs in the tests' kernel (a kernel the submission never touches) before the first test cell: for each
graded function name it binds a `SandboxedFunction` in the kernel's namespace. Calling it sends the arguments
(JSON, `wire`) to the sandboxed kernel, which calls the notebook's function there, and returns the result as plain
data: exactly a float, an int, a bool, a numpy scalar or a numpy array of floats, ints or bools (anything else is a
`TypeError`, a failed test). An exception of the submission is raised again here under its built-in class name
(NotImplementedError, ValueError, ...), with its message, or as `RuntimeError`.

A call that runs longer than the time limit is interrupted and raises `TimeoutError`; a sandbox that ignores the
interrupt is given up: later calls fail at once. Nothing the submission does (input transformers, event hooks,
patched `sys`, `builtins` or numpy) reaches this kernel: it only ever sees the JSON answer.
"""

from __future__ import annotations

import ast
import builtins
import json
import queue
import time

from nearinit_book.grading import wire

RESULT = "__import__('nearinit_grading_wire').last"
GRACE = 3.0  # seconds a timed-out call gets to stop after the interrupt


def _exception(name: str, message: str, function: str) -> BaseException:
    text = f"{message} (raised by your function {function})" if message else f"raised by your function {function}"
    cls = getattr(builtins, name, None) if name.isidentifier() else None
    if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, (KeyboardInterrupt, SystemExit)):
        try:
            return cls(text)
        except TypeError:  # an exception class with other arguments (UnicodeDecodeError)
            pass
    return RuntimeError(f"{name}: {text}")


class SandboxedFunction:
    """The submission's function `name`, called in the sandbox (see the module docstring)."""

    def __init__(self, client, name: str, timeout: float, state: dict):
        self._client, self.__name__, self._timeout, self._state = client, name, timeout, state
        self.__qualname__ = name

    def __repr__(self) -> str:
        return f"<the submission's {self.__name__}, run in the sandbox>"

    def __call__(self, *args, **kwargs):
        if self._state.get("stuck"):
            raise TimeoutError(
                f"{self.__name__}: an earlier call ran longer than the time limit and did not stop: not called"
            )
        code = f"__import__('nearinit_grading_wire').call({self.__name__!r}, {wire.request(args, kwargs)!r})"
        kc = self._client
        msg_id = kc.execute(code, silent=True, store_history=False, user_expressions={"r": RESULT}, allow_stdin=False)
        reply = self._wait(msg_id, self._timeout)
        if reply is None:
            kc.control_channel.send(kc.session.msg("interrupt_request", content={}))
            if self._wait(msg_id, GRACE) is None:
                self._state["stuck"] = True
            raise TimeoutError(
                f"your function {self.__name__} ran longer than the time limit ({self._timeout:g} s) and was stopped"
            )
        return self._answer(reply)

    def _wait(self, msg_id: str, timeout: float):
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = self._client.get_shell_msg(timeout=left)
            except queue.Empty:
                return None
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg
        return None

    def _answer(self, reply):
        name = self.__name__
        content = reply.get("content", {})
        try:
            text = content["user_expressions"]["r"]["data"]["text/plain"]
            answer = json.loads(ast.literal_eval(text))
        except Exception:
            raise RuntimeError(
                f"no answer from your function {name}: the notebook's kernel did not run the call (a cell of the "
                "notebook changes how code runs?)"
            ) from None
        if type(answer) is not dict:
            raise RuntimeError(f"no answer from your function {name}")
        if "error" in answer:
            name_, message = str(answer.get("error")), str(answer.get("message", ""))
            if name_ == "KeyboardInterrupt":
                raise TimeoutError(f"your function {name} was interrupted (time limit)")
            raise _exception(name_, message, name)
        try:
            return wire.decode(answer.get("ok"))
        except wire.WireError as exc:
            raise TypeError(f"{name} returned a value the grader does not accept: {exc}") from None


def install(connection: dict, names: list[str], timeout: float, namespace: dict | None = None) -> None:
    """Bind a proxy for each name in `namespace` (default: the kernel's `__main__`).

    `connection` is the sandboxed kernel's connection info, from its kernel manager: never read from the connection
    file, which lies in a folder the sandbox can write.
    """
    from nearinit_book.grading.sandbox import BoundedBlockingKernelClient

    if namespace is None:
        import __main__

        namespace = __main__.__dict__
    import zmq

    # its own zmq context: closing it never touches the sockets of the kernel it runs in
    kc = BoundedBlockingKernelClient(context=zmq.Context())
    kc.load_connection_info(connection)
    kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=True)
    state: dict = {}
    for name in names:
        namespace[name] = SandboxedFunction(kc, name, timeout, state)
