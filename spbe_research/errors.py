"""The package's own exception type.

Every problem with user input or raw data raises :class:`SPBEError`, a ``ValueError``
subclass, so callers can catch it specifically or as an ordinary ``ValueError``.
The message names where the problem is (file, row or unit, field or indicator).
"""
from __future__ import annotations


class SPBEError(ValueError):
    """Bad input or bad data, with its location.

    Parameters
    ----------
    message:
        What is wrong.
    file, row, field:
        Where it is wrong; any may be omitted. ``row`` is a row number, a unit id or
        an institution name; ``field`` a column or indicator.
    """

    def __init__(self, message: str, *, file=None, row=None, field=None):
        self.file, self.row, self.field = file, row, field
        where = ", ".join(
            f"{k} {v!r}" for k, v in (("file", file), ("row", row), ("field", field)) if v is not None
        )
        super().__init__(f"{message} ({where})" if where else message)
