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


@pytest.mark.parametrize(
    "lookup",
    [
        lambda: socket.getaddrinfo("mobile.events.data.microsoft.com", 443),
        lambda: socket.getaddrinfo("huggingface.co", None, socket.AF_INET),
        lambda: socket.gethostbyname("example.org"),
        lambda: socket.gethostbyname_ex("example.org"),
        lambda: socket.gethostbyaddr("192.0.2.1"),
        lambda: socket.getnameinfo(("192.0.2.1", 443), 0),
        lambda: socket.create_connection(("example.org", 443), timeout=1),
    ],
    ids=[
        "getaddrinfo",
        "getaddrinfo-af-inet",
        "gethostbyname",
        "gethostbyname_ex",
        "gethostbyaddr",
        "getnameinfo",
        "create_connection",
    ],
)
def test_name_lookups_fail_the_test(lookup):
    with pytest.raises(pytest.fail.Exception, match="name lookup attempted"):
        lookup()


def test_udp_send_to_a_remote_address_fails_the_test():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(pytest.fail.Exception, match="network access attempted"):
            sock.sendto(b"\0" * 12, ("192.0.2.53", 53))
    finally:
        sock.close()


def test_loopback_names_resolve():
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET)
    assert socket.getaddrinfo(None, 0, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    assert socket.gethostbyname("localhost").startswith("127.")


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
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"  # onnxruntime's 1DS uploader (issue 11, item 7)
