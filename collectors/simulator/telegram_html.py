"""Telegram's ``parse_mode=HTML`` as the Bot API reads it, for the stand-in.

The Bot API accepts only a few tags (``b``, ``i``, ``u``, ``s``, their synonyms,
``span class="tg-spoiler"``, ``a href``, ``code``, ``pre``, ``blockquote``,
``tg-spoiler``, ``tg-emoji``) and four named entities (``&lt;``, ``&gt;``, ``&amp;``,
``&quot;``) plus numeric ones; any other tag, a bare ``<``, ``>`` or ``&``, an
unknown entity or an unclosed tag is refused with 400 "can't parse entities". The
text's limit, 4096 characters, counts the text after parsing (in UTF-16 code units,
as Telegram counts entity offsets).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

MAX_TEXT = 4096
TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                  "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"})  # fmt: skip
ENTITIES = frozenset({"lt", "gt", "amp", "quot"})


class ParseError(ValueError):
    """The text does not parse under ``parse_mode=HTML`` (Telegram's 400)."""


@dataclass
class Parsed:
    """A message as a chat shows it: its plain text and the tags it used, in order."""

    text: str = ""
    tags: list[str] = field(default_factory=list)

    def units(self) -> int:
        """The text's length as Telegram counts it (UTF-16 code units)."""
        return len(self.text.encode("utf-16-le")) // 2


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parsed = Parsed()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            raise ParseError(f'Unsupported start tag "{tag}"')
        self.parsed.tags.append(tag)
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise ParseError(f'Unsupported start tag "{tag}/"')

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise ParseError(f'Unmatched end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        if any(char in data for char in "<>&"):
            raise ParseError("Unescaped <, > or &")
        self.parsed.text += data

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            raise ParseError(f'Unsupported HTML entity "&{name};"')
        self.parsed.text += html.unescape(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.parsed.text += html.unescape(f"&#{name};")

    def unknown_decl(self, data: str) -> None:
        raise ParseError("Unsupported declaration")

    def handle_comment(self, data: str) -> None:
        raise ParseError("Unsupported comment")

    def handle_decl(self, decl: str) -> None:
        raise ParseError("Unsupported declaration")

    def handle_pi(self, data: str) -> None:
        raise ParseError("Unsupported processing instruction")


def parse_html(text: str) -> Parsed:
    """``text`` read as the Bot API reads ``parse_mode=HTML``; ``ParseError`` if refused."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    if reader.rawdata:  # a tag or entity cut short at the end
        raise ParseError("Unexpected end of text")
    if reader.open:
        raise ParseError(f'Unclosed start tag "{reader.open[-1]}"')
    return reader.parsed
