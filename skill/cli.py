"""The `close-together` command."""

from __future__ import annotations

import argparse
import logging
import sys

from skill.config import Config


def _serve(args: argparse.Namespace) -> int:
    overrides = {"verify": False} if args.no_verify else {}
    config = Config.from_env(**overrides)
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(message)s")
    from skill.web import create_app

    try:
        app = create_app(config)
    except ValueError as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 2
    import waitress

    store = config.db_path if config.store == "sqlite" else config.store
    print(
        f"Close Together listening on http://{args.host}:{args.port}/ (store: {store})", flush=True
    )
    waitress.serve(
        app, host=args.host, port=args.port, threads=args.threads, ident="close-together"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="close-together", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the Alexa web service (production WSGI server)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--threads", type=int, default=4)
    serve.add_argument(
        "--no-verify",
        action="store_true",
        help="skip Alexa request verification (local testing only)",
    )
    serve.set_defaults(func=_serve)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
