"""The base class of every licensekit exception (its subclasses are in ``_status.py``)."""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:
    from ._status import Status


class LicenseError(Exception):
    """A licensekit call failed.

    Each failing status has its own subclass, named after it (``NotActivated``,
    ``ActivationLimit``, ``NetworkError``, ...), so ``except licensekit.ActivationLimit``
    catches exactly that refusal and ``except licensekit.LicenseError`` catches them all.

    Attributes:
        status: the :class:`licensekit.Status` the C library returned.
        detail: what the library said about it (its last-error message on this thread),
            e.g. ``"the license server could not be reached: connection refused"``.
    """

    status: Status
    detail: str

    def __init__(self, status: Status, detail: str) -> None:
        super().__init__(f"{status.c_name}: {detail}" if detail else status.c_name)
        self.status = status
        self.detail = detail
