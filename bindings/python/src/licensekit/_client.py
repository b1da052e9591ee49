"""The licensing client: a Pythonic layer over the C ABI's ``lk_client``."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import datetime
import enum
import json
import os
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Optional, Union

from ._errors import LicenseError
from ._native import STATUS_CALLBACK, lib
from ._status import ERRORS, Status

StrPath = Union[str, "os.PathLike[str]"]
StatusCallback = Callable[[Status], object]

# Set at interpreter exit, before the clients still open are closed: a status change seen by
# a background thread from then on is not reported to Python.
_exiting = False
# Set on the thread running a status callback, where closing its own client would deadlock.
_in_callback = threading.local()


def _encode(value: Union[str, "os.PathLike[str]"], what: str) -> bytes:
    text = os.fspath(value)
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, not {type(text).__name__}")
    if "\0" in text:
        raise ValueError(f"{what} contains a NUL character")
    return text.encode("utf-8")


def _last_error() -> str:
    needed = ctypes.c_size_t(0)
    if lib.lk_last_error_message(None, 0, ctypes.byref(needed)) != Status.BUFFER_TOO_SMALL:
        return ""
    buf = ctypes.create_string_buffer(needed.value)
    lib.lk_last_error_message(buf, needed.value, None)
    return buf.value.decode("utf-8", "replace")


def _check(status: int) -> None:
    """Raises the exception of a failing status, with this thread's last-error detail."""
    if status != Status.OK:
        raise ERRORS[Status(status)](Status(status), _last_error())


def _string_out(call: Callable[[Optional[ctypes.Array[ctypes.c_char]], int, Any], int]) -> str:
    """Calls a C function with the size-query convention and returns its text."""
    needed = ctypes.c_size_t(0)
    status = call(None, 0, ctypes.byref(needed))
    if status != Status.BUFFER_TOO_SMALL:
        _check(status)
    while True:
        buf = ctypes.create_string_buffer(needed.value)
        status = call(buf, needed.value, ctypes.byref(needed))
        # The text can grow between the two calls (a license refreshed meanwhile): ask again.
        if status != Status.BUFFER_TOO_SMALL:
            _check(status)
            return buf.value.decode("utf-8")


def computer_id(product_id: str) -> str:
    """This computer's 20-character ID for ``product_id`` (salted per product)."""
    pid = _encode(product_id, "product_id")
    return _string_out(lambda buf, n, needed: lib.lk_computer_id(pid, buf, n, needed))


def system_details() -> dict[str, Any]:
    """This computer's system details (OS, processor, memory, VM platform, ...)."""
    details: dict[str, Any] = json.loads(_string_out(lib.lk_system_details_json))
    return details


class Expiry(enum.IntEnum):
    """Which date :meth:`Client.expiry` reports (``lk_expiry_kind``)."""

    LICENSE = 0
    """The end of the subscription, the expiration date or the trial's end."""
    MAINTENANCE = 1
    """The end of maintenance."""
    LEASE = 2
    """When the lease should be refreshed by."""
    GRACE = 3
    """When the license stops working without a refresh."""


class _Handle:
    """The C client and what must live exactly as long as it: the registered callback.

    Calls count themselves in and out, so :meth:`close` frees the C client only once no call
    is running on it (the C library requires that), from whichever thread closes it.
    """

    def __init__(self, ptr: int) -> None:
        self.ptr: Optional[int] = ptr
        self.busy = 0
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.callback: Optional[StatusCallback] = None
        # One C trampoline for the handle's whole life: the C library may be inside a call of
        # it just after it is unregistered, so it is only dropped once the client is freed.
        self.trampoline = STATUS_CALLBACK(self._on_status)
        self.registered = False

    def enter(self) -> int:
        with self.lock:
            if self.ptr is None:
                raise ValueError("the licensekit client is closed")
            self.busy += 1
            return self.ptr

    def leave(self) -> None:
        with self.lock:
            self.busy -= 1
            # Only a closing handle (ptr None) has a waiter.
            if self.busy == 0 and self.ptr is None:
                self.idle.notify_all()

    def _on_status(self, status: int, _user_data: Optional[int]) -> None:
        callback = self.callback
        if _exiting or callback is None:
            return
        _in_callback.handle = self
        try:
            callback(Status(status))
        finally:
            _in_callback.handle = None

    def close(self) -> None:
        if getattr(_in_callback, "handle", None) is self:
            raise RuntimeError("a licensekit client cannot be closed from its own status callback")
        with self.lock:
            ptr, self.ptr = self.ptr, None
            while self.busy:
                self.idle.wait()
        if ptr is not None:
            if self.registered:
                lib.lk_set_status_callback(ptr, STATUS_CALLBACK(), None)
            # Joins the background thread: no callback runs after this returns.
            lib.lk_client_free(ptr)
            self.callback = None


# Every open handle, closed at interpreter exit before the interpreter is torn down.
_open: weakref.WeakSet[_Handle] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    global _exiting
    _exiting = True
    for handle in list(_open):
        handle.close()


class Client:
    """A licensing client for one product, thread-safe like the C handle.

    Use it as a context manager, or call :meth:`close`; a client that is garbage collected
    or still open at interpreter exit is closed then. Local questions (:attr:`status`,
    :meth:`feature_enabled`, :meth:`udf`, ...) never touch the network; the online calls
    block for at most ``timeout_ms``. Failures raise a subclass of
    :class:`licensekit.LicenseError` named after the status.

    Args:
        product_id: the product's ID (``[0-9A-Za-z_-]{1,64}``).
        public_keys: the vendor's public keys (64 hex characters each) to trust.
        server_url: the license server (``http://`` or ``https://``); None for offline use.
        store_dir: where the license store lives; None for the per-user default.
        timeout_ms: the bound of every network call (1 to 600000; the library's default
            10000 when None).
        proxy: an HTTP proxy URL (``http://[user:pass@]host:port``), crossed with CONNECT.
        ca_file: a PEM file of CA certificates to trust for the server, besides the system's.
        client_id: binds passive licenses to this ID instead of the computer's.
        app_version: the application's (version, build, edition), reported to the server.
    """

    def __init__(
        self,
        product_id: str,
        public_keys: Sequence[str] = (),
        server_url: Optional[str] = None,
        store_dir: Optional[StrPath] = None,
        timeout_ms: Optional[int] = None,
        *,
        proxy: Optional[str] = None,
        ca_file: Optional[StrPath] = None,
        client_id: Optional[str] = None,
        app_version: Optional[tuple[str, str, str]] = None,
    ) -> None:
        if isinstance(public_keys, str):
            raise TypeError("public_keys must be a list of keys, not one str")
        config = ctypes.c_void_p()
        _check(lib.lk_config_new(_encode(product_id, "product_id"), ctypes.byref(config)))
        try:
            for key in public_keys:
                _check(lib.lk_config_add_public_key(config, _encode(key, "public key")))
            if server_url is not None:
                _check(lib.lk_config_set_server_url(config, _encode(server_url, "server_url")))
            if store_dir is not None:
                _check(lib.lk_config_set_store_dir(config, _encode(store_dir, "store_dir")))
            if timeout_ms is not None:
                if not 0 <= timeout_ms <= 0xFFFFFFFF:
                    raise ValueError("timeout_ms out of range")
                _check(lib.lk_config_set_timeout_ms(config, timeout_ms))
            if proxy is not None:
                _check(lib.lk_config_set_proxy(config, _encode(proxy, "proxy")))
            if ca_file is not None:
                _check(lib.lk_config_set_ca_file(config, _encode(ca_file, "ca_file")))
            if client_id is not None:
                _check(lib.lk_config_set_client_id(config, _encode(client_id, "client_id")))
            if app_version is not None:
                version, build, edition = (_encode(v, "app_version") for v in app_version)
                _check(lib.lk_config_set_app_version(config, version, build, edition))
            client = ctypes.c_void_p()
            _check(lib.lk_client_new(config, ctypes.byref(client)))
        finally:
            lib.lk_config_free(config)
        assert client.value is not None
        self._handle = _Handle(client.value)
        _open.add(self._handle)
        self._finalizer = weakref.finalize(self, self._handle.close)
        self._finalizer.atexit = False  # _close_all does it, after setting _exiting

    # Lifetime.

    def close(self) -> None:
        """Frees the client (waiting for calls running on other threads); idempotent."""
        self._handle.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._handle.ptr is None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, function: Callable[..., int], *args: Any) -> int:
        ptr = self._handle.enter()
        try:
            return function(ptr, *args)
        finally:
            self._handle.leave()

    def _do(self, function: Callable[..., int], *args: Any) -> None:
        ptr = self._handle.enter()
        try:
            _check(function(ptr, *args))
        finally:
            self._handle.leave()

    def _text(self, function: Callable[..., int], *args: Any) -> str:
        ptr = self._handle.enter()
        try:
            return _string_out(lambda buf, n, needed: function(ptr, *args, buf, n, needed))
        finally:
            self._handle.leave()

    # Local questions.

    @property
    def status(self) -> Status:
        """Whether the product is licensed now (``Status.OK``), or why not. Local."""
        return Status(self._call(lib.lk_license_status))

    def feature_enabled(self, feature_code: str) -> bool:
        """True when the product is licensed and the feature is granted and on (for a
        floating feature: while this client holds a seat). Local, a few microseconds."""
        # The hot path: enter/leave inlined, the str checked and encoded directly.
        if not isinstance(feature_code, str) or "\0" in feature_code:
            raise ValueError("feature_code must be a str without NUL characters")
        handle = self._handle
        with handle.lock:
            ptr = handle.ptr
            if ptr is None:
                raise ValueError("the licensekit client is closed")
            handle.busy += 1
        try:
            return bool(lib.lk_feature_enabled(ptr, feature_code.encode()) == 0)
        finally:
            handle.leave()

    def feature_status(self, feature_code: str) -> Status:
        """Why :meth:`feature_enabled` answers as it does (``Status.FEATURE_UNKNOWN``, ...)."""
        return Status(self._call(lib.lk_feature_enabled, _encode(feature_code, "feature_code")))

    def udf(self, name: str) -> Optional[str]:
        """The value of the license's user-defined field ``name``; None when it has none."""
        try:
            return self._text(lib.lk_udf_value, _encode(name, "name"))
        except LicenseError as e:
            if e.status == Status.INVALID_ARGUMENT:
                return None
            raise

    @property
    def info(self) -> dict[str, Any]:
        """The license as a dict: ``status``, ``product_id``, ``features``, ``udfs``,
        ``expires``, ``lease_end``, ... (times in Unix seconds)."""
        info: dict[str, Any] = json.loads(self._text(lib.lk_license_info_json))
        return info

    @property
    def diagnostics(self) -> dict[str, Any]:
        """A redacted support bundle (no secret in it) to attach to a support request."""
        diagnostics: dict[str, Any] = json.loads(self._text(lib.lk_diagnostics_json))
        return diagnostics

    @property
    def computer_id(self) -> str:
        """This computer's ID for the product, as the client sends it to the server."""
        return self._text(lib.lk_client_computer_id)

    @property
    def grace_remaining(self) -> datetime.timedelta:
        """How long the license keeps working offline without a refresh."""
        seconds = ctypes.c_int64(0)
        self._do(lib.lk_grace_remaining, ctypes.byref(seconds))
        return datetime.timedelta(seconds=seconds.value)

    def expiry(self, kind: Expiry = Expiry.LICENSE) -> Optional[datetime.datetime]:
        """A date of the current license (UTC); None when it has no such date."""
        seconds = ctypes.c_int64(0)
        self._do(lib.lk_expiry, int(kind), ctypes.byref(seconds))
        if seconds.value == 0:
            return None
        return datetime.datetime.fromtimestamp(seconds.value, tz=datetime.timezone.utc)

    # Online operations (each bounded by timeout_ms; the GIL is released meanwhile).

    def activate(self, license_code: str) -> None:
        """Activates ``license_code`` on this computer; raises ``ActivationLimit``,
        ``InvalidLicenseCode``, ``NetworkError``, ... on refusal."""
        self._do(lib.lk_activate, _encode(license_code, "license_code"))

    def activate_user(self, username: str, password: str) -> None:
        """Signs in as a named user and activates the license their group holds; raises
        ``InvalidCredentials``, ``UserLocked``, ``UserNotLicensed``, ``ActivationLimit``, ...
        The password goes to the server in this one request and is stored nowhere."""
        self._do(lib.lk_activate_user, _encode(username, "username"), _encode(password, "password"))

    def track_event(self, name: str, payload: Optional[object] = None) -> None:
        """Queues a usage event (``payload``: any JSON-serialisable value) and returns at
        once; the background thread delivers it to the license server, exactly once."""
        text = "" if payload is None else json.dumps(payload)
        self._do(lib.lk_track_event, _encode(name, "name"), _encode(text, "payload"))

    def flush_events(self) -> int:
        """Sends the queued events now; returns how many went."""
        sent = ctypes.c_uint64(0)
        self._do(lib.lk_flush_events, ctypes.byref(sent))
        return sent.value

    @property
    def event_queue(self) -> tuple[int, int]:
        """(events queued and not yet delivered, events dropped because the queue was full)."""
        queued, dropped = ctypes.c_uint64(0), ctypes.c_uint64(0)
        self._do(lib.lk_event_queue, ctypes.byref(queued), ctypes.byref(dropped))
        return queued.value, dropped.value

    def refresh(self) -> None:
        """Renews the lease now (a background thread also does it before it ends)."""
        self._do(lib.lk_refresh)

    def deactivate(self) -> None:
        """Gives this computer's seat back."""
        self._do(lib.lk_deactivate)

    def start_trial(self) -> None:
        """Starts (or resumes) the product's trial on this computer."""
        self._do(lib.lk_start_trial)

    def on_status_change(self, callback: Optional[StatusCallback]) -> None:
        """Calls ``callback(status)`` whenever the license status changes (background
        refresh, lease running out offline, an online call), on the thread that noticed it;
        None unregisters it. What it raises is reported as an unraisable exception. It is
        not called once the interpreter is exiting, and must not close this client."""
        ptr = self._handle.enter()
        try:
            self._handle.callback = callback
            if callback is not None and not self._handle.registered:
                _check(lib.lk_set_status_callback(ptr, self._handle.trampoline, None))
                self._handle.registered = True
        finally:
            self._handle.leave()

    # Capacity shared through the server.

    @contextlib.contextmanager
    def floating_seat(self, feature_code: str) -> Iterator[None]:
        """Holds a floating seat of ``feature_code`` for the ``with`` block (kept by
        heartbeats); raises ``SeatsExhausted`` when every seat is in use."""
        code = _encode(feature_code, "feature_code")
        self._do(lib.lk_floating_checkout, code)
        try:
            yield
        finally:
            self._give_back(lib.lk_floating_checkin, code)

    @contextlib.contextmanager
    def pool_elements(self, feature_code: str, n: int) -> Iterator[None]:
        """Draws ``n`` elements from the element pool for the ``with`` block."""
        code = _encode(feature_code, "feature_code")
        self._do(lib.lk_pool_checkout, code, n)
        try:
            yield
        finally:
            self._give_back(lib.lk_pool_checkin, code, n)

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Holds this process's cloud-concurrency session for the ``with`` block; raises
        ``ConcurrencyLimit`` when the allowed number of processes already run."""
        self._do(lib.lk_session_open)
        try:
            yield
        finally:
            self._give_back(lib.lk_session_close)

    def _give_back(self, function: Callable[..., int], *args: Any) -> None:
        """Gives capacity back at the end of a ``with`` block. A seat already lost is not
        an error there (the server took it back); other failures raise."""
        status = self._call(function, *args)
        if status not in (Status.OK, Status.SEAT_LOST, Status.NO_SEAT):
            _check(status)

    def floating_checkout_long_term(self, feature_code: str, days: int) -> None:
        """Checks a floating seat out for ``days`` days, kept offline (``LTCO``)."""
        self._do(lib.lk_floating_checkout_long_term, _encode(feature_code, "feature_code"), days)

    def floating_checkin(self, feature_code: str) -> None:
        """Gives a seat back (ends a long-term check-out early too)."""
        self._do(lib.lk_floating_checkin, _encode(feature_code, "feature_code"))

    def consume_tokens(self, feature_code: str, n: int = 1) -> int:
        """Spends ``n`` consumption tokens (exactly once); returns the tokens left. Raises
        ``TokensExhausted`` (nothing spent) when fewer are left."""
        remaining = ctypes.c_uint64(0)
        self._do(lib.lk_consume_tokens, _encode(feature_code, "feature_code"), n, ctypes.byref(remaining))
        return remaining.value

    # Air-gapped computers and passive licenses.

    def offline_activation_request(self, license_code: str) -> str:
        """An activation request (armoured text) to carry to a connected computer."""
        return self._text(lib.lk_offline_activation_request, _encode(license_code, "license_code"))

    def import_certificate(self, text: str) -> None:
        """Imports an activation certificate or a passive license; a refusal writes nothing."""
        self._do(lib.lk_import_certificate, _encode(text, "certificate"))

    def offline_deactivation_certificate(self) -> str:
        """Removes the license and returns the deactivation certificate for the vendor."""
        return self._text(lib.lk_offline_deactivation_certificate)

    def __repr__(self) -> str:
        state = "closed" if self.closed else self.status.c_name
        return f"<licensekit.Client {state}>"
