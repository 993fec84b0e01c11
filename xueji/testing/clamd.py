"""A private ClamAV daemon for the malware-scanning tests (issue 11, item 9): a real clamd with a one-line signature
database of its own (the EICAR test string), a unix socket in a scratch directory, started once per session.

Debian's clamav-daemon ships without a virus database (freshclam fetches one; the network is closed here), so the
database is written by the fixture: an .ndb body signature of the EICAR string, which matches it anywhere in a file
(inside a PDF too). Without clamd installed, the tests skip locally and fail in CI (CI=true), so the control is
really tested there: .ci/run installs clamav-daemon."""

import os
import shutil
import subprocess  # nosec B404: starts the test's own clamd from a fixed path, no shell
import tempfile
import time
from pathlib import Path

import pytest

# The EICAR anti-virus test file (eicar.org): harmless, and every scanner reports it. Split so that this source file
# is not itself reported by a scanner.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Xueji.Test.EICAR"
CLAMD_CANDIDATES = ("/usr/sbin/clamd", "/usr/bin/clamd")


def clamd_binary() -> str | None:
    return shutil.which("clamd") or next((p for p in CLAMD_CANDIDATES if Path(p).exists()), None)


def missing(reason: str) -> None:
    """Skip where clamd is missing on a developer's machine; fail in CI, where .ci/run installs it."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI must test the malware scan: apt-get install clamav-daemon)")
    pytest.skip(f"{reason}: apt-get install clamav-daemon to run the malware-scanning tests")


@pytest.fixture(scope="session")
def clamd_address():
    """"unix:///…/clamd.sock" of a clamd started for this session (about 0.1 s with the one-signature database)."""
    binary = clamd_binary()
    if binary is None:
        missing("clamd is not installed")
    home = Path(tempfile.mkdtemp(prefix="xueji-clamd-"))
    (home / "db").mkdir()
    (home / "db" / "xueji-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    sock = home / "clamd.sock"
    (home / "clamd.conf").write_text(
        f"LocalSocket {sock}\nDatabaseDirectory {home / 'db'}\nTemporaryDirectory {home}\n"
        f"LogFile {home / 'clamd.log'}\nPidFile {home / 'clamd.pid'}\nForeground yes\nStreamMaxLength 20M\n")
    process = subprocess.Popen([binary, "-c", str(home / "clamd.conf")],  # nosec B603: fixed arguments
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not sock.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log = (home / "clamd.log").read_text() if (home / "clamd.log").exists() else ""
            missing(f"clamd did not start: {process.stderr.read().decode(errors='replace')[-500:]} {log[-500:]}")
        time.sleep(0.02)
    try:
        yield f"unix://{sock}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def clamd(clamd_address, settings):
    """This test's uploads are scanned by the session's clamd, the scan required."""
    settings.XUEJI_CLAMD = clamd_address
    settings.XUEJI_MALWARE_SCAN = "required"
    return clamd_address
