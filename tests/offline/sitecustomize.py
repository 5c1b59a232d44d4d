"""Network guard for notebook kernels under test: Python imports this at start-up when this
folder is on PYTHONPATH (tests/nbval_plugin.py puts it there). Any outbound connection that is
not loopback raises, so a notebook that downloads something fails the suite."""
import ipaddress
import socket

_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def _allowed(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS: refused


def _guard(self, address):
    if not _allowed(address):
        raise OSError(f"network access disabled for the course tests: refused connection to {address!r}")


def connect(self, address):
    _guard(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _guard(self, address)
    return _connect_ex(self, address)


socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.MINIDL_OFFLINE_GUARD = True
