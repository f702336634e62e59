"""The one `close-together` command: the bedside speaker's `speaker`, `say` and `hear` join
it through the `close_together.commands` entry-point group, so the skill layer never imports
the speaker; a command that cannot be loaded says so and leaves the others working."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest

from skill.frontends import cli

ROOT = Path(__file__).resolve().parents[1]
BINARY = Path(sys.executable).with_name("close-together")
SPEAKER_COMMANDS = ("speaker", "say", "hear", "enrol")


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BINARY), *argv], capture_output=True, text=True, timeout=60)


def test_the_speaker_commands_are_installed_in_the_entry_point_group() -> None:
    names = {command.name for command in entry_points(group=cli.COMMANDS)}
    assert set(SPEAKER_COMMANDS) <= names, (
        "the installed metadata predates the entry points: run pip install -e . again"
    )


def test_help_lists_every_command_and_each_speaker_command_answers_help() -> None:
    listed = run("--help")
    assert listed.returncode == 0, listed.stderr
    for command in ("serve", "export-audio", *SPEAKER_COMMANDS):
        assert f"    {command} " in listed.stdout, command
    for command in SPEAKER_COMMANDS:
        own = run(command, "--help")
        assert own.returncode == 0 and f"close-together {command}" in own.stdout, own.stderr


def test_a_command_that_cannot_be_loaded_says_so_and_the_others_still_work(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = EntryPoint("speaker", "local_speaker.not_installed:add_speaker", cli.COMMANDS)
    working = EntryPoint("say", "local_speaker.cli:add_say", cli.COMMANDS)
    monkeypatch.setattr(cli, "entry_points", lambda group: [broken, working])

    assert cli.main(["speaker", "--listen", "--wake"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "speaker command could not be loaded" in err[0]
    assert "local_speaker.not_installed" in err[0]

    parser = cli.build_parser()
    assert callable(parser.parse_args(["say", "start a hug timer"]).func)
    assert parser.parse_args(["serve", "--port", "8080"]).port == 8080
    assert "unavailable" in parser.format_help()
    with pytest.raises(SystemExit):
        cli.main(["serve", "--no-such-option"])  # other commands still refuse stray options


def imported_modules(source: Path) -> set[str]:
    """Every module a file imports, by statement or by importlib.import_module("...")."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def test_the_skill_layer_never_imports_the_speaker() -> None:
    sources = sorted((ROOT / "skill").rglob("*.py"))
    assert sources
    upward = {
        str(source.relative_to(ROOT)): sorted(
            m for m in imported_modules(source) if m.split(".")[0] == "local_speaker"
        )
        for source in sources
    }
    assert {path: mods for path, mods in upward.items() if mods} == {}
