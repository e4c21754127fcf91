"""Verify one token of the passkey server and print its claims.

    jwt-verification.py (--jwks <file or URL> | --public-key <PEM file>) --issuer <iss> --audience <aud>
                        [--algorithms <list>] [--leeway <seconds>] <token>

Exit 0: the claims as one JSON object on stdout. Exit 1: `refused: <reason>: <detail>` on stderr.
Exit 2: bad usage. Missing options are taken from WEBAUTHN_JWKS_URL (else WEBAUTHN_JWKS_FILE, else
WEBAUTHN_PUBLIC_KEY_FILE), WEBAUTHN_ISSUER, WEBAUTHN_AUDIENCE and WEBAUTHN_ALGORITHMS.
"""

import argparse
import json
import os
import sys

import webauthn_verify as wv


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line, as the contract asks, instead of argparse's usage block.
        self.exit(2, f"jwt-verification: {message} (see --help)\n")


def _usage_error(message):
    print(f"jwt-verification: {message}", file=sys.stderr)
    sys.exit(2)


def _arguments():
    parser = _Parser(prog="jwt-verification", description="Verify a JWT of the passkey server.")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument("--jwks", metavar="FILE_OR_URL", help="the JWKS (default: $WEBAUTHN_JWKS_URL, else $WEBAUTHN_JWKS_FILE, "
                      "else the PEM of $WEBAUTHN_PUBLIC_KEY_FILE)")
    keys.add_argument("--public-key", metavar="PEM_FILE", help="a single public key instead of a JWKS")
    parser.add_argument("--issuer", default=os.environ.get("WEBAUTHN_ISSUER"), help="expected iss (default: $WEBAUTHN_ISSUER)")
    parser.add_argument("--audience", default=os.environ.get("WEBAUTHN_AUDIENCE"), help="expected aud (default: $WEBAUTHN_AUDIENCE)")
    parser.add_argument("--algorithms", default=os.environ.get("WEBAUTHN_ALGORITHMS") or ",".join(wv.DEFAULT_ALGORITHMS),
                        help="comma-separated allow-list (default: $WEBAUTHN_ALGORITHMS, else %(default)s)")
    parser.add_argument("--leeway", type=int, default=wv.DEFAULT_LEEWAY, help="clock skew allowed, seconds (default: %(default)s)")
    parser.add_argument("token")
    args = parser.parse_args()

    if args.jwks is None and args.public_key is None:
        args.jwks = os.environ.get("WEBAUTHN_JWKS_URL") or os.environ.get("WEBAUTHN_JWKS_FILE")
        args.public_key = None if args.jwks else os.environ.get("WEBAUTHN_PUBLIC_KEY_FILE")
        if not args.jwks and not args.public_key:
            _usage_error("give --jwks or --public-key (or set WEBAUTHN_JWKS_URL or WEBAUTHN_JWKS_FILE)")
    if not args.issuer:
        _usage_error("give --issuer (or set WEBAUTHN_ISSUER)")
    if not args.audience:
        _usage_error("give --audience (or set WEBAUTHN_AUDIENCE)")
    if args.leeway < 0:
        _usage_error("--leeway must not be negative")
    try:
        args.algorithms = wv.parse_algorithms(args.algorithms)
    except ValueError as error:
        _usage_error(f"--algorithms: {error}")
    return args


def main():
    args = _arguments()
    try:
        keys = wv.key_source(jwks=args.jwks, public_key=args.public_key, cooldown=wv.cooldown_from_env(),
                             algorithms=args.algorithms)
    except ValueError as error:
        _usage_error(str(error))
    verifier = wv.Verifier(keys, args.issuer, args.audience, args.algorithms, args.leeway)
    try:
        claims = verifier.verify(args.token)
    except wv.Refusal as refusal:
        print(f"refused: {refusal.reason}: {refusal.detail}", file=sys.stderr)
        return 1
    print(json.dumps(claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
