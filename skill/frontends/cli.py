"""The `close-together` command: `serve` runs the Alexa web service under gunicorn;
`export-audio DIR` writes the AudioPlayer tracks to a folder (to upload, for Lambda)."""

from __future__ import annotations

import argparse
import logging
import logging.config
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from skill.config import Config
from skill.frontends.logs import logging_config, quiet_record_details


def _gunicorn_app(config: Config, options: dict[str, Any]) -> Any:
    from gunicorn.app.base import BaseApplication

    class CloseTogetherServer(BaseApplication):  # type: ignore[misc]
        """Each worker builds its own app (and its own store connection) after forking."""

        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from skill.frontends.web import create_app

            return create_app(config)

    return CloseTogetherServer()


def worker_options(args: argparse.Namespace) -> dict[str, Any]:
    """How each worker serves connections.

    gevent (the default): every connection is a greenlet, so a client that sends its request
    slowly holds only its own greenlet and never a thread a real request needs; gthread
    hands a connection to one of a few threads before the request is read, so a handful
    of slow clients can hold them all.
    """
    if args.worker_class == "gevent":
        return {"worker_class": "gevent", "worker_connections": args.connections}
    return {"worker_class": "gthread" if args.threads > 1 else "sync", "threads": args.threads}


def _serve(args: argparse.Namespace) -> int:
    if args.worker_class == "gevent":
        # Patch before anything imports ssl or sockets (the checks below import the skill),
        # as gevent asks; the workers are forked from this process.
        from gevent import monkey

        monkey.patch_all()
    try:
        config = Config.from_env()
    except ValueError as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 2
    if args.no_verify:
        config = config.with_(verify=False)
    from skill.builder import StoreUnavailable, check_store

    try:
        check_store(config)  # one clear line now, rather than every worker dying on it
    except StoreUnavailable as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 2
    log_config = logging_config(config.log_level, args.log_format)
    logging.config.dictConfig(log_config)
    quiet_record_details()
    from skill.frontends.web import make_verifier

    try:
        make_verifier(config)  # refuse to start now, not in each worker, if it cannot verify
    except ValueError as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 2
    store = config.db_path if config.store == "sqlite" else config.store
    print(
        f"Close Together listening on http://{args.host}:{args.port}/ "
        f"(store: {store}, workers: {args.workers})",
        flush=True,
    )
    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        **worker_options(args),
        "graceful_timeout": 10,
        "timeout": 30,
        "accesslog": None,  # request lines are logged by the skill, without personal content
        "logconfig_dict": log_config,
        "proc_name": "close-together",
    }
    _gunicorn_app(config, options).run()
    return 0


def _export_audio(args: argparse.Namespace) -> int:
    from skill.frontends.audio_files import EncoderMissing, export

    try:
        written = export(args.folder)
    except EncoderMissing as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 2
    print(f"{len(written)} tracks in {args.folder}; serve them over HTTPS and set")
    print("CLOSE_TOGETHER_AUDIO_URL to their base URL (they may be cached for a year).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="close-together", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the Alexa web service (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes")
    serve.add_argument(
        "--worker-class",
        choices=("gevent", "gthread"),
        default="gevent",
        help="gevent (default: slow clients cannot hold a thread) or gthread",
    )
    serve.add_argument(
        "--connections", type=int, default=200, help="open connections per gevent worker"
    )
    serve.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    serve.add_argument(
        "--no-verify",
        action="store_true",
        help="skip Alexa request verification (local testing only)",
    )
    serve.add_argument(
        "--log-format",
        choices=("json", "text"),
        default="json",
        help="one JSON object per line (default) or plain text",
    )
    serve.set_defaults(func=_serve)
    export = sub.add_parser(
        "export-audio", help="write the breathing and massage tracks (MP3) to a folder"
    )
    export.add_argument("folder", type=Path)
    export.set_defaults(func=_export_audio)
    add_installed_commands(sub)
    return parser


# More subcommands (the bedside speaker's speaker, say and hear): entry points named after the
# subcommand each adds (pyproject.toml), each a callable that takes the subparsers. Reading
# them here keeps this layer from importing the ones above it.
COMMANDS = "close_together.commands"


def add_installed_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add each subcommand of the entry-point group. One that cannot be loaded (a missing
    dependency, say) still appears, and says so in one line when it is run; the others work."""
    for command in sorted(entry_points(group=COMMANDS), key=lambda e: e.name):
        if command.name in sub.choices:
            continue  # a command of that name is already there: the first one stays
        try:
            command.load()(sub)
        except Exception as exc:  # a broken plug-in must not take the other commands with it
            if command.name not in sub.choices:
                _add_unavailable(sub, command.name, f"{type(exc).__name__}: {exc}")


def _add_unavailable(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, reason: str
) -> None:
    def unavailable(args: argparse.Namespace) -> int:
        print(f"close-together: the {name} command could not be loaded ({reason})", file=sys.stderr)
        return 2

    stub = sub.add_parser(name, help=f"(unavailable: {reason})", add_help=False)
    stub.set_defaults(func=unavailable, any_arguments=True)  # whatever it is given, say why


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "any_arguments", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")  # as parse_args would
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
