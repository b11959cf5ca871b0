"""Who may talk to the app: a token, and a same-origin check for changes.

- Bound to a loopback address (the default ``127.0.0.1``), reading needs nothing; a request
  that changes something (any method but GET/HEAD) needs the token or a same-origin proof
  (an ``Origin`` header equal to the app's own, or ``Sec-Fetch-Site: same-origin``), so a
  page of another site open in the same browser cannot post edits.
- Bound to any other address, *every* request needs the token: the page gets it once as
  ``?token=...`` (printed at start) and sends it back in the ``X-Allocate-Token`` header.

Tokens are compared in constant time (:func:`secrets.compare_digest`).
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass

TOKEN_HEADER = "x-allocate-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``127.0.0.0/8``, ``::1``, ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Guard:
    """The access rule of one app.

    Attributes
    ----------
    token
        The secret of this run.
    token_always
        True when every request needs the token (a non-loopback bind).
    """

    token: str
    token_always: bool

    @classmethod
    def for_host(cls, host: str, token: str | None = None) -> Guard:
        """The rule for an app bound to ``host`` (a fresh random token unless given)."""
        return cls(token or secrets.token_urlsafe(24), not is_loopback(host))

    def has_token(self, header: str | None, query: str | None) -> bool:
        """Whether the request carries this app's token (header, else query)."""
        given = header or query or ""
        return bool(given) and secrets.compare_digest(given.encode(), self.token.encode())

    def refuse(self, method: str, headers: dict[str, str], query_token: str | None,
               scheme: str) -> str | None:
        """Why the request is refused, or ``None`` when it may go on.

        Parameters
        ----------
        method
            The HTTP method.
        headers
            The request headers (lower-case names).
        query_token
            The ``token`` query parameter, if any.
        scheme
            ``http`` or ``https``.

        Returns
        -------
        str or None
            A one-line reason (HTTP 403).
        """
        if self.has_token(headers.get(TOKEN_HEADER), query_token):
            return None
        if self.token_always:
            return "this server needs its token: open the address printed at start (with ?token=...)"
        if method.upper() in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        host = headers.get("host", "")
        if origin is not None:
            if origin == f"{scheme}://{host}":
                return None
            return f"cross-origin request from {origin!r} refused"
        if headers.get("sec-fetch-site") == "same-origin":
            return None
        return "a change needs the X-Allocate-Token header or a same-origin request"
