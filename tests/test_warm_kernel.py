"""Warm kernels (tools/warm_kernel.py): forked from a parent that has imported the heavy modules,
yet each as fresh as a kernel started the usual way. The cells run here are synthetic."""
from __future__ import annotations

import os
import signal
import time

import pytest

from tools.warm_kernel import kernel_manager, warm_kernels


def started(address, tmp_path, **env):
    km = kernel_manager(address, transport="ipc", ip=str(tmp_path / "kernel"))
    km.start_kernel(cwd=str(tmp_path), env={**os.environ, **env})
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


outputs: list = []  # what the kernel sent while value() waited for its reply


def value(kc, expression: str):
    """Evaluate expression in the kernel; its repr as the kernel printed it."""
    reply = kc.execute_interactive(f"print(repr({expression}))", timeout=60, output_hook=outputs.append)
    assert reply["content"]["status"] == "ok", reply["content"]
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    outputs.clear()
    return text.strip()



def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=False)


PARENT_ONLY = "EVIDENCE_WARM_TEST_PARENT_ONLY"


@pytest.fixture(scope="module")
def parent():
    """The parent of warm kernels, started with a variable in its environment that no kernel is given."""
    os.environ[PARENT_ONLY] = "seen-only-by-the-parent"
    try:
        with warm_kernels() as address:
            assert address is not None, "EVIDENCE_COLD_KERNELS is set: these tests check the warm kernels"
            del os.environ[PARENT_ONLY]
            yield address
    finally:
        os.environ.pop(PARENT_ONLY, None)


def test_a_warm_kernel_is_fresh_in_its_own_folder_and_environment(parent, tmp_path):
    km, kc = started(parent, tmp_path, EVIDENCE_PROBE="planted-for-this-kernel")
    try:
        assert value(kc, "__import__('os').getcwd()") == repr(str(tmp_path))
        assert value(kc, "__import__('os').environ.get('EVIDENCE_PROBE')") == "'planted-for-this-kernel'"
        assert value(kc, "'pandas' in __import__('sys').modules") == "True", "the parent's imports are not shared"
        assert "tools.warm_kernel" in value(kc, "open(f'/proc/{__import__(\"os\").getppid()}/cmdline').read()"), \
            "the kernel was not forked from the parent of warm kernels"
        assert value(kc, f"__import__('os').environ.get('{PARENT_ONLY}')") == "None", "the parent's environment leaked"
        value(kc, "leftover := 41")
    finally:
        stop(km, kc)
    km, kc = started(parent, tmp_path)
    try:
        assert value(kc, "'leftover' in dir()") == "False", "a kernel saw the namespace of the one before"
        assert value(kc, "__import__('os').environ.get('EVIDENCE_PROBE')") == "None"
    finally:
        stop(km, kc)


def test_a_warm_kernel_imports_from_where_a_cold_one_does(parent, tmp_path):
    paths = {}
    for kind, address in (("warm", parent), ("cold", None)):
        km, kc = started(address, tmp_path)
        try:
            paths[kind] = value(kc, "__import__('sys').path")
        finally:
            stop(km, kc)
    assert paths["warm"] == paths["cold"]


def test_an_interrupt_reaches_the_kernel(parent, tmp_path):
    km, kc = started(parent, tmp_path)
    try:
        kc.execute("import time; time.sleep(60)")
        time.sleep(0.5)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=20)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
    finally:
        stop(km, kc)


def test_a_killed_launcher_takes_its_kernel_and_what_it_started_with_it(parent, tmp_path):
    km, kc = started(parent, tmp_path)
    kernel = int(value(kc, "__import__('os').getpid()"))
    child = int(value(kc, "__import__('subprocess').Popen(['sleep', '120']).pid"))
    kc.stop_channels()
    os.kill(km.provisioner.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (_alive(kernel) or _alive(child)):
        time.sleep(0.05)
    km.cleanup_resources()
    assert not _alive(kernel), f"kernel {kernel} outlived its launcher"
    assert not _alive(child), f"a process the kernel started ({child}) outlived it"


def test_leaving_stops_the_parent_and_every_kernel_left(tmp_path):
    with warm_kernels() as address:
        km, kc = started(address, tmp_path)
        kernel = int(value(kc, "__import__('os').getpid()"))
        kc.stop_channels()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(kernel):
        time.sleep(0.05)
    assert not _alive(kernel), f"kernel {kernel} outlived the parent of warm kernels"
    assert not os.path.exists(address)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purpose
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # gone between the two looks
        return False


def test_a_launcher_that_hangs_up_mid_request_leaves_the_parent_serving(parent, tmp_path):
    import socket

    half = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    half.connect(parent)
    socket.send_fds(half, [(100).to_bytes(4, "big")], [0, 1, 2])  # a request of 100 bytes announced...
    half.sendall(b'{"argv": ')  # ...and cut short
    half.close()
    km, kc = started(parent, tmp_path)
    try:
        assert value(kc, "1 + 1") == "2"
    finally:
        stop(km, kc)
