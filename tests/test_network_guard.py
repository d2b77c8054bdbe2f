"""The network guard itself must work, or every other 'offline' test proves nothing."""

import socket

import pytest


def test_outbound_connect_fails_the_test():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(pytest.fail.Exception, match="network access attempted"):
            sock.connect(("192.0.2.1", 443))
    finally:
        sock.close()


def test_loopback_is_allowed():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=2)
    client.close()
    server.close()


def test_importing_minutes_forces_offline(monkeypatch):
    import os

    import minutes
    from minutes.engines.offline import enforce_offline

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    enforce_offline()
    assert minutes.__version__
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["PYANNOTE_METRICS_ENABLED"] == "0"
