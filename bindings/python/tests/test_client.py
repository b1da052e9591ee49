"""licensekit.Client against a real licensekit-server on loopback."""

from __future__ import annotations

import datetime
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import licensekit
from licensekit import Status

from conftest import Server


def client_for(server: Server, store: Path, **options: Any) -> licensekit.Client:
    return licensekit.Client(
        server.product, public_keys=[server.public_key], server_url=server.url, store_dir=store, **options
    )


def test_module_functions(server: Server) -> None:
    cid = licensekit.computer_id(server.product)
    assert len(cid) == 20 and cid.isalnum()
    assert "vmplatform" in licensekit.system_details()
    with pytest.raises(licensekit.InvalidProductId) as failure:
        licensekit.computer_id("not a product")
    assert failure.value.status is Status.INVALID_PRODUCT_ID
    assert "product" in failure.value.detail


def test_configuration_errors(server: Server, store: Path) -> None:
    with pytest.raises(licensekit.NoPublicKey):
        licensekit.Client(server.product, store_dir=store)
    with pytest.raises(licensekit.InvalidPublicKey) as failure:
        licensekit.Client(server.product, public_keys=["00ff"], store_dir=store)
    assert failure.value.detail
    with pytest.raises(TypeError):
        licensekit.Client(server.product, public_keys=server.public_key, store_dir=store)
    with pytest.raises(licensekit.InvalidArgument):
        client_for(server, store, timeout_ms=0)
    with pytest.raises(ValueError):
        client_for(server, store, proxy="http://a\0b")


def test_activation_round_trip(server: Server, store: Path) -> None:
    seen: list[Status] = []
    with client_for(server, store, timeout_ms=10_000, app_version=("3.0", "1", "Python")) as client:
        assert client.status is Status.NOT_ACTIVATED
        assert not client.feature_enabled("EXPORT")
        client.on_status_change(seen.append)
        with pytest.raises(licensekit.InvalidLicenseCode) as failure:
            client.activate("000000000000000000")
        assert failure.value.status is Status.INVALID_LICENSE_CODE and failure.value.detail
        assert str(failure.value).startswith("LK_INVALID_LICENSE_CODE: ")
        client.activate(server.license_code)
        assert client.status is Status.OK
        assert seen == [Status.OK]
        assert client.feature_enabled("EXPORT")
        assert not client.feature_enabled("NOPE")
        assert client.feature_status("NOPE") is Status.FEATURE_UNKNOWN
        assert client.udf("EDITION") == "pro"
        assert client.udf("NOPE") is None
        info = client.info
        assert info["status"] == "LK_OK" and info["product_id"] == server.product
        assert client.computer_id == licensekit.computer_id(server.product)
        remaining = client.grace_remaining
        assert datetime.timedelta(days=29) < remaining <= datetime.timedelta(days=30)
        grace_end = client.expiry(licensekit.Expiry.GRACE)
        assert grace_end is not None and grace_end > datetime.datetime.now(datetime.timezone.utc)
        assert client.expiry(licensekit.Expiry.LICENSE) is None  # perpetual
        assert "store" in client.diagnostics
        client.refresh()
        client.deactivate()
        assert client.status is Status.DEACTIVATED
        assert seen == [Status.OK, Status.DEACTIVATED]
        with pytest.raises(licensekit.NoLicense):
            client.refresh()
        with pytest.raises(licensekit.TrialUnavailable):
            client.start_trial()
    assert client.closed
    with pytest.raises(ValueError, match="closed"):
        client.status
    client.close()  # idempotent


def test_events_and_named_users(server: Server, store: Path) -> None:
    with client_for(server, store, timeout_ms=10_000) as client:
        with pytest.raises(licensekit.InvalidCredentials):
            client.activate_user("nobody-by-this-name", "not the password")
        with pytest.raises(licensekit.InvalidArgument):
            client.track_event("")
        client.track_event("export", {"format": "pdf", "pages": 3})
        client.track_event("start")
        assert client.event_queue == (2, 0)
        with pytest.raises(licensekit.NoLicense):
            client.flush_events()  # events wait for a license
        client.activate(server.license_code)
        assert client.flush_events() == 2
        assert client.event_queue == (0, 0)
        client.deactivate()


def test_a_raising_callback_is_reported_not_fatal(server: Server, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))

    def callback(status: Status) -> None:
        raise RuntimeError(f"callback saw {status.c_name}")

    with client_for(server, store) as client:
        client.on_status_change(callback)
        client.activate(server.license_code)
        assert client.status is Status.OK
        client.on_status_change(None)
        client.deactivate()
    assert [str(e) for e in reported] == ["callback saw LK_OK"]


def test_capacity(server: Server, store: Path) -> None:
    with client_for(server, store) as client:
        client.activate(server.capacity_code)
        assert client.feature_status("SOLVER") is Status.NO_SEAT
        with client.floating_seat("SOLVER"):
            assert client.feature_enabled("SOLVER")
        assert client.feature_status("SOLVER") is Status.NO_SEAT
        for _ in range(2):  # the whole pool twice: the first block gave it back
            with client.pool_elements("MESH", 1000):
                with pytest.raises(licensekit.PoolExhausted):
                    with client.pool_elements("MESH", 1):
                        pass
        with client.session():
            pass
        with pytest.raises(licensekit.NoSeat):
            client.floating_checkin("SOLVER")
        left = client.consume_tokens("RENDER")
        assert client.consume_tokens("RENDER", 2) == left - 2
        with pytest.raises(licensekit.TokensExhausted):
            client.consume_tokens("RENDER", 10**6)
        with pytest.raises(licensekit.LongTermCheckoutRefused):
            client.floating_checkout_long_term("SOLVER", 1)
        # A seat given back inside the block is no error at its end.
        with client.floating_seat("SOLVER"):
            client.floating_checkin("SOLVER")
        client.deactivate()


def test_air_gapped_round_trip(server: Server, store: Path, tmp_path: Path) -> None:
    with licensekit.Client(server.product, public_keys=[server.public_key], store_dir=store) as client:
        with pytest.raises(licensekit.NoServer):
            client.activate(server.license_code)
        request = client.offline_activation_request(server.license_code)
        assert "ACTIVATION REQUEST" in request
        (tmp_path / "request.txt").write_text(request)
        certificate = subprocess.run(
            [server.binary, "offline", "activate", "--data-dir", server.data_dir, "--request", tmp_path / "request.txt"],
            check=True, capture_output=True, text=True,
        ).stdout
        with pytest.raises(licensekit.MalformedEnvelope):
            client.import_certificate("garbage")
        client.import_certificate(certificate)
        assert client.status is Status.OK and client.feature_enabled("EXPORT")
        assert "DEACTIVATION" in client.offline_deactivation_certificate()
        assert client.status is Status.DEACTIVATED


def test_unreachable_server(store: Path, server: Server) -> None:
    with licensekit.Client(
        server.product, public_keys=[server.public_key], server_url="http://127.0.0.1:9", store_dir=store, timeout_ms=2000
    ) as client:
        with pytest.raises(licensekit.NetworkError) as failure:
            client.activate(server.license_code)
        assert failure.value.detail
        assert isinstance(failure.value, licensekit.LicenseError)


def test_threads_share_a_client_and_close_waits(server: Server, store: Path) -> None:
    client = client_for(server, store)
    client.activate(server.license_code)
    results: list[bool] = []
    errors: list[BaseException] = []
    go = threading.Barrier(9)

    def check() -> None:
        go.wait()
        try:
            while True:
                results.append(client.feature_enabled("EXPORT"))
        except ValueError as e:  # closed under our feet: the only failure allowed
            errors.append(e)

    threads = [threading.Thread(target=check) for _ in range(8)]
    for t in threads:
        t.start()
    go.wait()
    while len(results) < 8000:
        pass
    client.close()
    for t in threads:
        t.join()
    assert len(errors) == 8 and all("closed" in str(e) for e in errors)
    assert all(results)


def test_callback_at_interpreter_exit(server: Server, store: Path) -> None:
    """Clients left open, a callback registered, and a daemon thread still calling the
    library while the interpreter exits: a clean exit, no callback after it began."""
    program = f"""
import threading, licensekit
client = licensekit.Client({server.product!r}, public_keys=[{server.public_key!r}],
                           server_url={server.url!r}, store_dir={str(store)!r})
client.on_status_change(lambda s: print("status", s.c_name, flush=True))
client.activate({server.license_code!r})
def churn():
    try:
        while True:
            client.deactivate()
            client.activate({server.license_code!r})
    except ValueError:
        pass
threading.Thread(target=churn, daemon=True).start()
import time; time.sleep(0.3)
print("exiting", flush=True)
"""
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Fatal" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "status LK_OK" and "exiting" in lines
    assert "status LK_DEACTIVATED" in lines
