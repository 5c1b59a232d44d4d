"""The network guard that every nbval kernel runs under really refuses outbound connections
and still allows loopback (which the kernel itself needs)."""
import os
import subprocess
import sys

from tests.nbval_plugin import offline_env

PROBE = """
import socket
assert getattr(socket, "MINIDL_OFFLINE_GUARD", False), "guard not loaded"
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname(), timeout=2); c.close()   # loopback: allowed
for target in [("192.0.2.1", 80), ("2001:db8::1", 443, 0, 0)]:
    family = socket.AF_INET6 if ":" in target[0] else socket.AF_INET
    s = socket.socket(family)
    try:
        s.connect(target)
    except OSError as e:
        assert "network access disabled" in str(e), e
    else:
        raise SystemExit("outbound connection was not refused")
print("guarded")
"""


def test_guard_refuses_outbound_and_allows_loopback():
    out = subprocess.run([sys.executable, "-c", PROBE], env=offline_env(os.environ),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "guarded"


def test_nbval_runs_use_the_guard():
    makefile = open(os.path.join(os.path.dirname(__file__), "..", "Makefile")).read()
    assert "-p tests.nbval_plugin" in makefile
