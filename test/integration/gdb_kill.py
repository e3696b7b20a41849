"""kill -9 at an exact point: gdb attached to a running silt stops it when a thread
reaches a function, and kills it there. Used by the crash tests that need a crash
between two particular writes (test_object_lock.py, test_small_objects.py)."""
import concurrent.futures
import re
import shutil
import subprocess
import time

import pytest


def kill_when_reached(server, function, request, condition=None, ignore=0, settle=0):
    """Runs request() with gdb attached to silt and SIGKILLs silt the moment a thread enters
    function (a symbol of the binary or of a library it loads), when condition (a gdb
    expression) holds, after ignore earlier hits; or, when it never does, settle seconds
    after the request (for work the request starts but does not wait for). Returns whether
    the breakpoint was reached. The restart is the caller's."""
    if not shutil.which("gdb"):
        pytest.skip("gdb missing: it is what stops silt at an exact point")
    ready = server.workdir / f"gdb-ready-{time.monotonic_ns()}"
    where = f"break {function}" + (f" if {condition}" if condition else "")
    commands = ["set pagination off", where]
    if ignore:
        commands.append(f"ignore 1 {ignore}")
    # gdb's own output is buffered in a pipe: the file says the breakpoint is set (silt is
    # still stopped then; a request sent meanwhile waits in the listen queue).
    commands += [f"shell touch {ready}", "continue", "kill"]
    argv = ["gdb", "-nx", "-batch", "-p", str(server.proc.pid)]
    for c in commands:
        argv += ["-ex", c]
    gdb = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not ready.exists():
        if gdb.poll() is not None or time.monotonic() > deadline:
            gdb.kill()
            pytest.fail("gdb did not attach:\n" + gdb.communicate()[0])
        time.sleep(0.1)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        done = pool.submit(request)
        try:
            done.result(timeout=60)
        except Exception:  # noqa: BLE001 (the kill cuts the request: any client error)
            pass
        out = None
        if settle:
            try:  # gdb ends by itself once the breakpoint is hit (it kills silt there)
                out, _ = gdb.communicate(timeout=settle)
            except subprocess.TimeoutExpired:
                pass
        server.proc.kill()  # when function was never reached
        server.proc.wait(timeout=30)
    if out is None:
        out, _ = gdb.communicate(timeout=60)
    # "Breakpoint 1," or, for a function with several locations (libc's), "Breakpoint 1.3,".
    return re.search(r"Breakpoint 1[.,]", out) is not None
