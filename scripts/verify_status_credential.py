#!/usr/bin/env python3
"""Checks a Trusted Trader status credential offline, with an Ed25519 implementation independent
of the program's (the `cryptography` package).

Usage: verify_status_credential.py PUBLIC_KEY CREDENTIAL
  PUBLIC_KEY  the program's public key: raw 32 bytes, base64url (GET /api/v1/status-credentials/public-key)
  CREDENTIAL  the credential's text, `payload.signature`, or a verification address holding it

Prints the claims and exits 0 when the signature is genuine and the credential not expired;
exits 1 when the signature does not match, 2 when it has expired, 3 when the input is not a
credential. Offline, a revocation cannot be seen: check online when you can.
"""
import base64
import datetime
import json
import sys
import urllib.parse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def unbase64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main(public_key, credential):
    if "credential=" in credential:
        credential = urllib.parse.parse_qs(urllib.parse.urlparse(credential).query)["credential"][0]
    try:
        payload, signature = credential.strip().split(".")
        claims = json.loads(unbase64url(payload))
        signature = unbase64url(signature)
        signed = payload.encode("ascii")
    except (ValueError, KeyError) as error:
        print(f"not a status credential: {error}", file=sys.stderr)
        return 3
    key = Ed25519PublicKey.from_public_bytes(unbase64url(public_key))
    try:
        # The signature covers the payload exactly as written: its base64url text.
        key.verify(signature, signed)
    except InvalidSignature:
        print("NOT GENUINE: the signature does not match the program's key", file=sys.stderr)
        return 1
    expires = datetime.datetime.fromisoformat(claims["expires_at"].replace("Z", "+00:00"))
    print(json.dumps(claims, indent=2, sort_keys=True))
    if expires <= datetime.datetime.now(datetime.timezone.utc):
        print(f"EXPIRED at {claims['expires_at']}", file=sys.stderr)
        return 2
    print(f"GENUINE: {claims['legal_name']} is CTPAT {claims['ctpat_tier']} as of {claims['issued_at']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(3)
    sys.exit(main(sys.argv[1], sys.argv[2]))
