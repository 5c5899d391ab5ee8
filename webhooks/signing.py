"""Signatures as the Standard Webhooks specification writes them (https://www.standardwebhooks.com/):

    webhook-id: msg_…            the delivery's id, the same for its retries and replays
    webhook-timestamp: 1674087231  Unix seconds of this attempt
    webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" keyed with the secret's bytes>

Several signatures are space-separated: while a secret is rotated, both the new and the previous one sign
(Endpoint.signing_secrets), so a receiver still holding the old secret verifies during the grace period.
"""

import base64
import hashlib
import hmac
import uuid


def new_webhook_id() -> str:
    return "msg_" + uuid.uuid4().hex


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64 after "whsec_"."""
    return base64.b64decode(secret.removeprefix("whsec_"))


def signature(*, secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(*, secrets: list[str], webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret=s, webhook_id=webhook_id, timestamp=timestamp, body=body) for s in secrets
        ),
    }


def hub_signature_valid(*, secret: str, body: bytes, header: str) -> bool:
    """GitHub's X-Hub-Signature-256 and Jira's X-Hub-Signature: "sha256=" + hex HMAC-SHA256 of the body."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))
