"""Warm kernels: one Jupyter kernel per worker, reset and reused from chapter to chapter.

A fresh kernel costs every chapter the same 2–3 s before its first cell does any work:
starting the kernel, then importing pandas, matplotlib, pyarrow and flbook. A worker
that executes several chapters keeps its kernel instead (:func:`warm_kernel`) and
resets it between chapters (:data:`RESET`), so that only the first chapter pays. The
reset comes as soon as a chapter ends (:func:`settle`), so that an idle kernel does not
hold the memory of its last chapter while others run.

What the reset restores, so that a chapter's result does not depend on the chapter
before it (``tests/test_render_cache.py`` executes a chapter after another in one
kernel and compares every output with the same chapter in a fresh kernel):

- the user namespace: emptied (IPython's ``%reset -f``: variables, imports, the
  output history);
- matplotlib: every figure closed and ``rcParams`` set back to the values the kernel
  had before its first chapter (a chapter's set-up cell applies the house style on top,
  as it does in a fresh kernel);
- the last exception (a chapter that stopped early keeps its frames, and with them its
  tables, alive through ``sys.last_traceback``): dropped, then memory collected and
  given back to the system (:func:`release_memory`).

What survives the reset (the imported modules and their caches) is then frozen
(:func:`gc.freeze`): later collections, the next reset's and those during a chapter,
no longer walk the million or so objects of pandas, matplotlib and scikit-learn. A
collection after a reset took 0.14-0.26 s before, and 0.03 s once the imports were
frozen (at 200,000 learners: the book's CPU time went from 123-126 s to 117 s, in
interleaved runs).

Imported modules stay imported: that is the saving. flbook keeps no course data at
module level (no cache of loaded courses; each chapter loads its course and builds its
intermediates, or reads them from the store). A kernel that died, or that still holds
more than :data:`MAX_IDLE_MB` after its reset, is replaced by a fresh one.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import warnings
from typing import Any

MAX_IDLE_MB = 1024
"""A warm kernel holding more resident memory than this after its reset is restarted."""

_PREPARE = "import flbook.render.kernels as _k; _k.snapshot(); del _k"
RESET = (
    "get_ipython().reset(new_session=False)\n"
    "import flbook.render.kernels as _k; _k.restore(); del _k"
)
"""The code a warm kernel runs before each chapter after its first."""

_KEEP = frozenset({"backend", "backend_fallback", "interactive", "date.epoch", "timezone"})
# rcParams a reset leaves alone: the backend the kernel resolved (setting it again would
# switch pyplot away from the inline backend, and figures would no longer be shown)
_RC: dict[str, Any] | None = None  # inside a kernel: rcParams before the first chapter
_KERNELS: dict[tuple[str, str], Any] = {}  # in a worker: (kernel name, folder) -> manager


# --------------------------------------------------------------------------- in the kernel


def snapshot() -> None:
    """Inside a kernel, before its first chapter: remember matplotlib's settings."""
    global _RC
    import matplotlib as mpl

    _RC = {k: v for k, v in mpl.rcParams.copy().items() if k not in _KEEP}


def restore() -> None:
    """Inside a kernel, between chapters: close figures, restore settings, free memory."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if _RC is not None:
        import matplotlib as mpl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated keys warn when set
            mpl.rcParams.update(_RC)
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            setattr(sys, name, None)
    release_memory()
    # What survives a reset is the imported modules and their caches: kept for good,
    # and no later collection need walk them again (:data:`gc.freeze`)
    gc.freeze()


def release_memory() -> None:
    """Give back to the system the memory this process no longer uses.

    A garbage collection, Arrow's pool giving back its unused memory (when Arrow is
    loaded), and glibc's ``malloc_trim`` (where there is one). The render process calls
    it once it has loaded the course: at 200,000 learners it still held 650 MB once the
    course was dropped, and 250 MB after this, and it lives on while the chapters run
    beside it. A warm kernel calls it after each chapter (:func:`restore`).
    """
    import ctypes

    gc.collect()
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        with contextlib.suppress(AttributeError):
            pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


# --------------------------------------------------------------------------- in a worker


def _run(km: Any, code: str, timeout: float = 120) -> None:
    """Execute ``code`` in the kernel of ``km`` through its one client; raise if it fails."""
    from jupyter_core.utils import run_sync

    async def go() -> dict:
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=timeout)
        return await kc.execute_interactive(code, timeout=timeout, output_hook=lambda m: None)

    reply = run_sync(go)()
    if reply["content"]["status"] != "ok":
        content = reply["content"]
        raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")


def _resident_mb(km: Any) -> float:
    """The kernel process's resident memory in MB (0 when unknown)."""
    import psutil

    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    try:
        return psutil.Process(pid).memory_info().rss / 2**20 if pid else 0.0
    except psutil.Error:
        return 0.0


def _alive(km: Any) -> bool:
    from jupyter_core.utils import run_sync

    try:
        return bool(run_sync(km.is_alive)())
    except Exception:  # a kernel that cannot say is not reused
        return False


def _manager(kernel_name: str) -> Any:
    """A kernel manager whose every client is one client, connected once (:func:`_client`)."""
    from jupyter_client.manager import AsyncKernelManager

    class Manager(AsyncKernelManager):
        def client(self, **kwargs: Any) -> Any:
            if self.flbook_client is None:
                self.flbook_client = _client(super().client(**kwargs))
            return self.flbook_client

    km = Manager(kernel_name=kernel_name)
    km.flbook_client = None
    km.flbook_settled = False  # reset since its last chapter (settle)
    return km


def _client(kc: Any) -> Any:
    """Make ``kc`` a client that connects once and is then handed to every chapter.

    papermill (through nbclient) asks the manager for a client at each chapter, starts
    its channels and waits for the kernel to answer; the reset between chapters did
    the same. A new client's first wait costs 0.2 s of nothing (jupyter_client waits
    that long for a first message on a subscription that is not connected yet), twice
    a chapter. One client, connected and answered once, makes the later starts no-ops
    and the later waits immediate. Messages left over from a chapter are harmless: a
    client waits only for the replies to its own requests.
    """
    start, wait = kc.start_channels, kc.wait_for_ready
    state = {"started": False, "ready": False}

    def start_channels(*args: Any, **kwargs: Any) -> None:
        if not state["started"]:
            start(*args, **kwargs)
            state["started"] = True

    async def wait_for_ready(timeout: float | None = None) -> None:
        if not state["ready"]:
            await wait(timeout=timeout)
            state["ready"] = True

    kc.start_channels, kc.wait_for_ready = start_channels, wait_for_ready
    return kc


def release(km: Any) -> None:
    """Close the channels of ``km``'s client (when its kernel stops)."""
    kc = getattr(km, "flbook_client", None) if km is not None else None
    if kc is None:
        return
    km.flbook_client = None
    try:
        kc.stop_channels()
    except Exception:  # already closed
        pass


def _reset(km: Any) -> None:
    """Reset the kernel of ``km`` (:data:`RESET`); raise if that fails or if it still
    holds more than :data:`MAX_IDLE_MB`."""
    _run(km, RESET)
    if _resident_mb(km) > MAX_IDLE_MB:
        raise RuntimeError("the kernel holds too much memory")


def settle(kernel_name: str, cwd: str) -> None:
    """After a chapter: reset this process's kernel for ``kernel_name`` in ``cwd`` at once.

    A warm kernel would otherwise hold the chapter's memory while it waits for its next
    chapter (beside others, perhaps held back by the memory guard for want of that very
    memory) or for the render's end. One that holds more than :data:`MAX_IDLE_MB` even
    after the reset, or whose reset failed, is stopped; the next chapter starts a fresh
    one. :func:`warm_kernel` then hands the settled kernel on without a second reset.
    """
    key = (kernel_name, cwd)
    km = _KERNELS.get(key)
    if km is None:
        return
    try:
        _reset(km)
        km.flbook_settled = True
    except Exception:
        shutdown_kernel(key)


def warm_kernel(kernel_name: str, cwd: str, extra_arguments: list[str]) -> Any:
    """This process's kernel for ``kernel_name`` in ``cwd``, ready for a chapter.

    The first call starts the kernel; later calls return it, reset (:data:`RESET`)
    after its last chapter by :func:`settle` or now, or start a fresh one when it died,
    its reset failed, or it holds more than :data:`MAX_IDLE_MB` after the reset. Pass
    the manager to papermill as ``km``.
    """
    from jupyter_core.utils import run_sync

    key = (kernel_name, cwd)
    km = _KERNELS.get(key)
    if km is not None:
        try:
            if not _alive(km):
                raise RuntimeError("the kernel died")
            if not km.flbook_settled:
                _reset(km)
            km.flbook_settled = False
            return km
        except Exception:
            shutdown_kernel(key)
    km = _manager(kernel_name)
    run_sync(km.start_kernel)(cwd=cwd, extra_arguments=list(extra_arguments))
    _KERNELS[key] = km
    try:
        _run(km, _PREPARE)
    except Exception:
        shutdown_kernel(key)
        raise
    return km


def shutdown_kernel(key: tuple[str, str]) -> None:
    """Stop one warm kernel of this process (nothing when there is none)."""
    from jupyter_core.utils import run_sync

    km = _KERNELS.pop(key, None)
    if km is None:
        return
    release(km)
    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # already gone
        pass


def shutdown_all() -> None:
    """Stop every warm kernel of this process (at the end of a render, or of a worker)."""
    for key in list(_KERNELS):
        shutdown_kernel(key)
    gc.collect()  # the clients papermill left behind close their sockets


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""The variables that size the thread pools of OpenMP (scikit-learn's gradient boosting,
Arrow), OpenBLAS and MKL in the kernels a worker starts."""


def init_worker(threads: int | None = None) -> None:
    """A worker process's initializer: its warm kernels stop when the worker ends.

    It also keeps the slow optional import of jsonschema out of the worker
    (:func:`flbook.render._imports.skip_slow_format_checkers`) before papermill loads,
    and, with ``threads``, gives the kernels it starts that many threads per pool
    (each of :data:`THREAD_VARIABLES` the user has not set). Chapters side by side
    would otherwise each start a thread per core: at 200,000 learners the predictions
    chapter's model fits, beside another chapter on two cores, spun OpenMP threads
    against each other: its replay took 133 s, and 36 s with a thread per worker.
    """
    import os
    from multiprocessing.util import Finalize

    from flbook.render._imports import skip_slow_format_checkers

    skip_slow_format_checkers()
    if threads is not None:
        for name in THREAD_VARIABLES:
            os.environ.setdefault(name, str(max(1, threads)))

    Finalize(None, shutdown_all, exitpriority=10)
