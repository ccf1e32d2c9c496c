"""LibreOffice kept running, driven through its UNO bridge: run as a program, never imported.

This file runs under the Python interpreter that has LibreOffice's ``uno`` module (Debian package
``python3-uno`` for ``/usr/bin/python3``; LibreOffice's own ``program/python`` elsewhere), which
is usually not the interpreter of the project's virtualenv. It uses the standard library and
``uno`` only. :mod:`legaldocs.documents.office` starts it and talks to it; read that module for
the behaviour (timeouts, restarts, clean-up).

    python3 uno_worker.py SOFFICE PROFILE_URL PIPE_NAME START_TIMEOUT_MILLISECONDS PRIVATE_FOLDER [SOCKET ...]

It starts ``soffice`` listening on the named pipe ``PIPE_NAME`` with the user profile
``PROFILE_URL`` (a ``file://`` URL), in the worker's own process group (the caller starts the
worker as the leader of a new one, so that killing that group ends LibreOffice too), and waits
up to ``START_TIMEOUT_MILLISECONDS`` for it to answer. Then it exchanges JSON lines:

* it writes ``{"ready": true, "soffice_pid": N}`` once LibreOffice answers, or
  ``{"ready": false, "error": "..."}`` and exits 1 (with ``"no_uno": true`` when this
  interpreter cannot import ``uno``);
* for each line ``{"source": PATH, "target": PATH}`` read on standard input it converts the
  word-processor document ``source`` to the PDF ``target`` (Writer's PDF export, every font
  embedded, the 14 standard PDF fonts included; no macro run, no link updated) and writes
  ``{"ok": true}`` or ``{"ok": false, "error": "...", "fatal": BOOL}``; ``fatal`` means
  LibreOffice is gone and the worker exits after answering;
* when standard input closes (the caller died, however: the caller itself kills the group when
  it is done), it kills its process group, LibreOffice included, at once, and leaves behind a
  small process of its own that removes ``PRIVATE_FOLDER`` (the caller's folder holding the
  profile) and its lock file ``PRIVATE_FOLDER.lock`` once that group is gone, unless the lock
  is still held (:mod:`legaldocs.runs`), and the socket files ``SOCKET`` of LibreOffice's pipes,
  which a LibreOffice killed leaves behind.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

try:
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException
    from com.sun.star.lang import DisposedException
    from com.sun.star.uno import RuntimeException
except ImportError as missing:  # this interpreter lacks the bridge: the caller tries another
    sys.stdout.write(json.dumps({"ready": False, "no_uno": True, "error": f"ImportError: {missing}"}) + "\n")
    sys.stdout.flush()
    sys.exit(1)

_PDF_FILTER = "writer_pdf_Export"
_NEVER_EXECUTE = 0  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
_NO_UPDATE = 0  # com.sun.star.document.UpdateDocMode.NO_UPDATE


def _prop(name, value):
    return PropertyValue(Name=name, Value=value)


# Run by a process outside the group: wait (10 s at most) for the group to end, then remove the
# folder and its lock file FOLDER.lock (see legaldocs.runs), if the lock is free: its owner, the
# caller, is gone. A lock still held means a live owner, which removes the folder itself.
_REMOVE_AFTER = """
import fcntl, os, shutil, stat, sys, time
group, folder, sockets = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        break
    time.sleep(0.1)
lock = folder + ".lock"
try:
    fd = os.open(lock, os.O_RDWR)
except OSError:
    fd = None
try:
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    shutil.rmtree(folder, ignore_errors=True)
    if fd is not None and os.fstat(fd).st_ino == os.stat(lock).st_ino:
        os.unlink(lock)
except OSError:
    pass
for path in sockets:
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except OSError:
        pass
"""


def _kill_group():
    """Kill the worker's process group: LibreOffice and the worker itself."""
    os.killpg(os.getpgid(0), signal.SIGKILL)


def _abandoned(folder, sockets):
    """The caller is gone: have ``folder`` and ``sockets`` removed once the group is dead, then
    kill the group."""
    try:
        subprocess.Popen(
            [sys.executable, "-I", "-c", _REMOVE_AFTER, str(os.getpgid(0)), folder, *sockets],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        _kill_group()


def _send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _start(soffice, profile_url, pipe_name, start_timeout):
    """Start soffice on the pipe and return (process, desktop); raise RuntimeError on failure."""
    log = open(os.devnull, "wb")
    process = subprocess.Popen(
        [
            soffice,
            f"-env:UserInstallation={profile_url}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--nocrashreport",
            f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    url = f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + start_timeout
    while True:
        try:
            context = resolver.resolve(url)
            break
        except NoConnectException:
            if process.poll() is not None:
                raise RuntimeError(f"soffice exited with status {process.returncode} before answering")
            if time.monotonic() > deadline:
                raise RuntimeError(f"soffice did not answer within {start_timeout} s")
            time.sleep(0.05)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    return process, desktop


def _convert(desktop, source, target):
    document = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(source),
        "_blank",
        0,
        (
            _prop("Hidden", True),
            _prop("ReadOnly", True),
            _prop("MacroExecutionMode", _NEVER_EXECUTE),
            _prop("UpdateDocMode", _NO_UPDATE),
        ),
    )
    if document is None:
        raise ValueError("LibreOffice could not open it")
    try:
        if not document.supportsService("com.sun.star.text.TextDocument"):
            raise ValueError("not a word-processor document")
        filter_data = uno.Any(
            "[]com.sun.star.beans.PropertyValue", (_prop("EmbedStandardFonts", True),)
        )
        document.storeToURL(
            uno.systemPathToFileUrl(target),
            (_prop("FilterName", _PDF_FILTER), _prop("FilterData", filter_data), _prop("Overwrite", True)),
        )
    finally:
        try:
            document.close(True)
        except Exception:  # a document that cannot be closed is dropped with LibreOffice later
            pass


def main(argv):
    soffice, profile_url, pipe_name, start_timeout, folder = argv[1], argv[2], argv[3], int(argv[4]) / 1000, argv[5]
    sockets = argv[6:]
    requests = []
    arrived = threading.Condition()

    def read_input():
        # Standard input is watched on its own thread, so that the caller's end is noticed
        # even while a conversion runs: LibreOffice must not outlive the caller.
        for line in sys.stdin:
            with arrived:
                requests.append(line)
                arrived.notify()
        _abandoned(folder, sockets)

    threading.Thread(target=read_input, daemon=True).start()
    try:
        process, desktop = _start(soffice, profile_url, pipe_name, start_timeout)
    except Exception as exc:  # any failure to start is reported, then everything is killed
        _send({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        _kill_group()
        return 1
    _send({"ready": True, "soffice_pid": process.pid})
    while True:
        with arrived:
            while not requests:
                arrived.wait()
            line = requests.pop(0)
        request = json.loads(line)
        try:
            _convert(desktop, request["source"], request["target"])
        except (DisposedException, RuntimeException) as exc:
            fatal = process.poll() is not None or isinstance(exc, DisposedException)
            _send({"ok": False, "error": f"{type(exc).__name__}: {exc.Message or exc}", "fatal": fatal})
            if fatal:
                _kill_group()
        except Exception as exc:  # reported to the caller, which names the document
            message = getattr(exc, "Message", "") or str(exc)
            _send({"ok": False, "error": f"{type(exc).__name__}: {message}", "fatal": process.poll() is not None})
            if process.poll() is not None:
                _kill_group()
        else:
            _send({"ok": True})


if __name__ == "__main__":
    sys.exit(main(sys.argv))
