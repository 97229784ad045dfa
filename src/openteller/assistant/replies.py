"""Channel-agnostic replies: what the assistant says, for channels to render.

Limits follow the strictest platform (Messenger): text under 2,000 characters, at most
13 quick replies with titles of at most 20 characters, at most 3 buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20
MAX_BUTTONS = 3


@dataclass(frozen=True, slots=True)
class QuickReply:
    title: str
    payload: str

    def __post_init__(self) -> None:
        if not self.title or len(self.title) > MAX_TITLE:
            raise ValueError(f"quick reply title must be 1-{MAX_TITLE} characters: {self.title!r}")


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str = ""
    url: str = ""
    #: "" (a postback or a link) or "account_link" (the platform's account-linking button)
    kind: str = ""

    def __post_init__(self) -> None:
        if not self.title or len(self.title) > MAX_TITLE:
            raise ValueError(f"button title must be 1-{MAX_TITLE} characters: {self.title!r}")


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    subtitle: str = ""
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    quick_replies: tuple[QuickReply, ...] = ()
    buttons: tuple[Button, ...] = ()
    cards: tuple[Card, ...] = ()
    image_png: bytes | None = field(default=None, repr=False)
    link: str = ""

    def __post_init__(self) -> None:
        if len(self.quick_replies) > MAX_QUICK_REPLIES:
            raise ValueError(f"at most {MAX_QUICK_REPLIES} quick replies")
        if len(self.buttons) > MAX_BUTTONS:
            raise ValueError(f"at most {MAX_BUTTONS} buttons")
        if len(self.text) > MAX_TEXT:
            object.__setattr__(self, "text", self.text[: MAX_TEXT - 1] + "…")
