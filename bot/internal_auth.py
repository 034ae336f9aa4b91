"""The shared-secret check of the internal hops (web app -> Rasa, Rasa -> action server)."""
from __future__ import annotations

import hmac


def bearer_ok(header: str | None, token: str) -> bool:
    """Constant-time check of an `Authorization: Bearer …` header; an empty token refuses everyone."""
    if not token:
        return False
    scheme, _, sent = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
