"""licensekit: software licensing for Python applications, over the licensekit C library.

::

    import licensekit

    with licensekit.Client("6872450105", public_keys=[KEY], server_url=URL) as client:
        if client.status != licensekit.Status.OK:
            client.activate("206454320110930859")   # raises licensekit.ActivationLimit, ...
        if client.feature_enabled("EXPORT"):
            ...

The native library is carried inside the package; importing fails with
:class:`LibraryMismatch` when it is not the version the package was built for.
"""

from ._client import Client, Expiry, computer_id, system_details
from ._errors import LicenseError
from ._native import LibraryMismatch, library_path, lib as _lib
from ._status import *  # noqa: F403 (Status and one exception class per failing status)
from ._status import ERRORS, Status
from ._status import __all__ as _status_names
from ._version import __version__

# Public classes show as licensekit.X (in tracebacks, reprs, docs), not the private module.
for _public in (Client, Expiry, LicenseError, LibraryMismatch, Status, *ERRORS.values()):
    _public.__module__ = __name__


def library_version() -> str:
    """The native library's version (``lk_version()``); the same as ``__version__``."""
    return str(_lib.lk_version().decode())


__all__ = [
    "Client",
    "ERRORS",
    "Expiry",
    "LibraryMismatch",
    "LicenseError",
    "Status",
    "__version__",
    "computer_id",
    "library_path",
    "library_version",
    "system_details",
    *_status_names,
]
