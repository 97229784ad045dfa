"""Every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

from openteller.cli import cli
from openteller.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def test_every_setting_is_in_docs_configuration() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`OPENTELLER_{name.upper()}`" in text, name


def test_every_command_is_in_the_readme_and_has_an_example() -> None:
    import typer.main

    readme = (ROOT / "README.md").read_text()
    group = typer.main.get_command(cli)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert f"openteller {name}" in readme, f"README does not show `openteller {name}`"
        assert "Example:" in (command.help or ""), f"`openteller {name} --help` has no example"
