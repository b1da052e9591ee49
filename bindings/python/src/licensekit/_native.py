"""Loads the native library carried inside the package and declares its C functions.

The library is ``liblicensekit.so`` beside this file (put there when the wheel is built), or
the file named by ``$LICENSEKIT_LIBRARY`` (for running against a development build). Loading
fails with :class:`LibraryMismatch` when the library's ``lk_version()`` is not the version
this package was built for, or when its status numbers differ from :class:`Status`, rather
than misbehaving later.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

from ._status import Status
from ._version import __version__

_NAMES = {"win32": "licensekit.dll", "darwin": "liblicensekit.dylib"}
LIBRARY_NAME = _NAMES.get(sys.platform, "liblicensekit.so")


class LibraryMismatch(ImportError):
    """The native library is missing, or is not the one this package was built for."""


def library_path() -> Path:
    """Where the native library is loaded from."""
    override = os.environ.get("LICENSEKIT_LIBRARY")
    return Path(override) if override else Path(__file__).resolve().parent / LIBRARY_NAME


c_client_p = ctypes.c_void_p
c_config_p = ctypes.c_void_p
c_status = ctypes.c_uint32
c_size_p = ctypes.POINTER(ctypes.c_size_t)
#: ``lk_status_callback``: ``void (*)(lk_status, void *user_data)``.
STATUS_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_void_p)

_str = ctypes.c_char_p
# (name, argument types) of every function used; all return an lk_status unless listed below.
_PROTOTYPES: list[tuple[str, list[type]]] = [
    ("lk_config_new", [_str, ctypes.POINTER(c_config_p)]),
    ("lk_config_add_public_key", [c_config_p, _str]),
    ("lk_config_set_store_dir", [c_config_p, _str]),
    ("lk_config_set_server_url", [c_config_p, _str]),
    ("lk_config_set_timeout_ms", [c_config_p, ctypes.c_uint32]),
    ("lk_config_set_proxy", [c_config_p, _str]),
    ("lk_config_set_ca_file", [c_config_p, _str]),
    ("lk_config_set_app_version", [c_config_p, _str, _str, _str]),
    ("lk_config_set_client_id", [c_config_p, _str]),
    ("lk_client_new", [c_config_p, ctypes.POINTER(c_client_p)]),
    ("lk_client_computer_id", [c_client_p, ctypes.c_char_p, ctypes.c_size_t, c_size_p]),
    ("lk_computer_id", [_str, ctypes.c_char_p, ctypes.c_size_t, c_size_p]),
    ("lk_system_details_json", [ctypes.c_char_p, ctypes.c_size_t, c_size_p]),
    ("lk_last_error_message", [ctypes.c_char_p, ctypes.c_size_t, c_size_p]),
    ("lk_diagnostics_json", [c_client_p, ctypes.c_char_p, ctypes.c_size_t, c_size_p]),
    ("lk_activate", [c_client_p, _str]),
    ("lk_refresh", [c_client_p]),
    ("lk_deactivate", [c_client_p]),
    ("lk_start_trial", [c_client_p]),
    ("lk_license_status", [c_client_p]),
    ("lk_feature_enabled", [c_client_p, _str]),
    ("lk_udf_value", [c_client_p, _str, ctypes.c_char_p, ctypes.c_size_t, c_size_p]),
    ("lk_license_info_json", [c_client_p, ctypes.c_char_p, ctypes.c_size_t, c_size_p]),
    ("lk_expiry", [c_client_p, ctypes.c_uint32, ctypes.POINTER(ctypes.c_int64)]),
    ("lk_grace_remaining", [c_client_p, ctypes.POINTER(ctypes.c_int64)]),
    ("lk_set_status_callback", [c_client_p, STATUS_CALLBACK, ctypes.c_void_p]),
    ("lk_offline_activation_request", [c_client_p, _str, ctypes.c_char_p, ctypes.c_size_t, c_size_p]),
    ("lk_import_certificate", [c_client_p, _str]),
    ("lk_offline_deactivation_certificate", [c_client_p, ctypes.c_char_p, ctypes.c_size_t, c_size_p]),
    ("lk_floating_checkout", [c_client_p, _str]),
    ("lk_floating_checkout_long_term", [c_client_p, _str, ctypes.c_uint32]),
    ("lk_floating_checkin", [c_client_p, _str]),
    ("lk_pool_checkout", [c_client_p, _str, ctypes.c_uint32]),
    ("lk_pool_checkin", [c_client_p, _str, ctypes.c_uint32]),
    ("lk_consume_tokens", [c_client_p, _str, ctypes.c_uint32, ctypes.POINTER(ctypes.c_uint64)]),
    ("lk_session_open", [c_client_p]),
    ("lk_session_close", [c_client_p]),
    ("lk_activate_user", [c_client_p, _str, _str]),
    ("lk_track_event", [c_client_p, _str, _str]),
    ("lk_flush_events", [c_client_p, ctypes.POINTER(ctypes.c_uint64)]),
    ("lk_event_queue", [c_client_p, ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint64)]),
]


def _load() -> ctypes.CDLL:
    path = library_path()
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as e:
        raise LibraryMismatch(f"licensekit: cannot load the native library {path}: {e}") from e
    lib.lk_version.restype = ctypes.c_char_p
    lib.lk_version.argtypes = []
    found = lib.lk_version().decode()
    if found != __version__:
        raise LibraryMismatch(
            f"licensekit: the native library {path} is version {found}, "
            f"but this package was built for {__version__}: reinstall the package"
        )
    lib.lk_status_name.restype = ctypes.c_char_p
    lib.lk_status_name.argtypes = [ctypes.c_uint32]
    for status in Status:
        if lib.lk_status_name(status.value).decode() != status.c_name:
            raise LibraryMismatch(f"licensekit: {path} has no {status.c_name} = {status.value}: not the library for this package")
    for name, argtypes in _PROTOTYPES:
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = c_status
    lib.lk_config_free.argtypes = [c_config_p]
    lib.lk_config_free.restype = None
    lib.lk_client_free.argtypes = [c_client_p]
    lib.lk_client_free.restype = None
    return lib


#: The loaded library, with every prototype declared.
lib = _load()
