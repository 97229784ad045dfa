"""Every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_every_test_named_in_the_privacy_doc_exists() -> None:
    """docs/privacy.md names the test behind each guarantee: the names must stay true."""
    import re

    text = (ROOT / "docs" / "privacy.md").read_text()
    named = set(re.findall(r"(test_[a-z0-9_]+)`", text))
    defined = {
        match
        for path in (ROOT / "tests").rglob("test_*.py")
        for match in re.findall(r"^def (test_[a-z0-9_]+)", path.read_text(), re.MULTILINE)
    }
    assert len(named) > 30
    assert named - defined == set()
    for guarantee in range(1, 11):
        assert f"## G{guarantee} " in text


def test_the_command_list_shows_each_summary_as_one_unbroken_line() -> None:
    """`openteller --help` lists each command with the first paragraph of its help; a
    docstring's own line breaks used to cut those sentences mid-line."""
    import typer.main

    def summaries(group: Any, prefix: str) -> list[tuple[str, str]]:
        found = []
        for name, command in group.commands.items():
            shown = command.short_help or (command.help or "").split("\n\n")[0]
            found.append((f"{prefix} {name}", shown))
            if hasattr(command, "commands"):  # a group: its own list
                found.extend(summaries(command, f"{prefix} {name}"))
        return found

    listed = summaries(typer.main.get_command(cli), "openteller")
    assert len(listed) > 30
    for name, summary in listed:
        assert summary, f"`{name}` has no summary"
        assert "\n" not in summary, f"`{name}`'s summary is broken across lines"
    demo = dict(listed)["openteller demo"]
    assert "three synthetic customers, ATMs, a small risk model" in demo
