"""The documentation stays true: its commands exist and the files it cites are in the repo."""

from __future__ import annotations

import ast
import io
import re
import shlex
import tokenize
from collections.abc import Iterator
from pathlib import Path

import click

from streamer.app.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("streamer", "collectors", "schedules", "reports", "tests", "bench")
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# A repository path as a docstring or comment cites it: a top-level folder, then a file
# with an extension. Placeholders (``YYYY``, ``<name>``, ``{x}``, ``…``) are not files.
CITED = re.compile(
    r"(?<![\w./-])((?:docs|tests|bench|collectors|streamer|reports|schedules|scripts)"
    r"/[\w./-]*\w\.(?:md|py|json|toml|txt|csv|ics|xlsx|xml|yml))(?![\w/])"
)
PLACEHOLDER = re.compile(r"YYYY|<|\{|…|\*")
OUTSIDE_DOC = re.compile(
    r"(?:\.\./|/work/)shared/|(?<![\w/])(?:PLATFORMS|GLOSSARY|ARCHITECTURE|STYLE|LIBRARIES)\.md"
)
FENCE = re.compile(r"^```.*?$(.*?)^```", re.S | re.M)
# ``streamer`` at the start of a shell line, after a path (``.venv/bin/streamer``), or
# after ``&&``/``;``; not after ``=`` (``Description=streamer collector``).
COMMAND_LINE = re.compile(r"(?:^\s*(?:\$\s+)?|[\w.]/|&&\s*|;\s*)(streamer\s+[^#].*)$")
INLINE = re.compile(r"`(streamer\s+[a-z][^`]*)`")


def code_lines(text: str) -> Iterator[str]:
    """Lines of fenced code blocks and of four-space indented blocks."""
    for block in FENCE.findall(text):
        yield from block.splitlines()
    outside = FENCE.sub("", text)
    yield from (line for line in outside.splitlines() if line.startswith("    "))


def documented_commands(text: str) -> list[list[str]]:
    """The ``streamer …`` invocations in a Markdown text's code blocks and inline code."""
    found = []
    shown_lines = [m.group(1) for m in map(COMMAND_LINE.search, code_lines(text)) if m]
    for line in shown_lines + INLINE.findall(FENCE.sub("", text)):
        shown = line.split(" #", 1)[0].replace("\\|", "|")
        try:
            words = shlex.split(shown, comments=True)
        except ValueError:
            words = shown.split()
        found.append(words)
    return found


def resolve(words: list[str]) -> str | None:
    """Why ``streamer <words>`` names no command of ``streamer.app.cli.cli``, or None.

    Options are skipped (with their value when they take one); the first word that is
    neither an option nor a subcommand ends the path at a command, and is an error
    at a group.
    """
    command: click.Command = cli
    rest = words[1:]
    while isinstance(command, click.Group) and rest:
        word = rest.pop(0)
        if word.startswith("-"):
            takes_value = any(
                word in p.opts and not getattr(p, "is_flag", False)
                for p in command.params
                if isinstance(p, click.Option)
            )
            if takes_value and "=" not in word and rest:
                rest.pop(0)
            continue
        if word.startswith("[") or word.startswith("…"):
            return None
        names = word.split("|")
        # get_command, not .commands: the root group imports a command's module on use.
        context = click.Context(command)
        found = [command.get_command(context, name) for name in names]
        unknown = [name for name, sub in zip(names, found, strict=True) if sub is None]
        if unknown:
            return f"{command.name or 'streamer'} has no command {unknown[0]!r}"
        command = found[0]  # type: ignore[assignment]
    return None


def comments_and_docstrings(path: Path) -> Iterator[str]:
    """The text of every comment and docstring of one Python file."""
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield docstring


def python_files() -> list[Path]:
    """The project's Python files, in the packages docstrings live in."""
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def citations(text: str) -> list[str]:
    """The repository files a text cites, without placeholders."""
    return [m for m in CITED.findall(text) if not PLACEHOLDER.search(m)]


def test_every_documented_command_exists() -> None:
    """Each ``streamer …`` command in README.md and docs/*.md resolves in the click group."""
    checked, wrong = 0, []
    for doc in MARKDOWN:
        for words in documented_commands(doc.read_text(encoding="utf-8")):
            checked += 1
            problem = resolve(words)
            if problem:
                wrong.append(f"{doc.relative_to(ROOT)}: {' '.join(words)}: {problem}")
    assert checked > 30, "the scan found too few commands to be reading the docs"
    assert wrong == []


def test_resolve_rejects_an_unknown_command() -> None:
    """A command path that is not in the group is reported, a real one is not."""
    assert resolve(["streamer", "plan", "add", "--title", "x"]) is None
    assert resolve(["streamer", "--config", "a.toml", "report", "summary"]) is None
    assert resolve(["streamer", "report", "summary|broadcasts"]) is None
    assert resolve(["streamer", "plan", "ad"]) is not None
    assert resolve(["streamer", "reports", "summary"]) is not None


def test_every_cited_file_is_in_the_repository() -> None:
    """Every repository path a docstring or comment cites exists."""
    cited, missing = 0, []
    for path in python_files():
        for text in comments_and_docstrings(path):
            for target in citations(text):
                cited += 1
                if not (ROOT / target).exists():
                    missing.append(f"{path.relative_to(ROOT)}: {target}")
    assert cited > 20, "the scan found too few citations to be reading the docstrings"
    assert missing == []


def test_markdown_links_to_repository_files_resolve() -> None:
    """Every relative link in README.md and docs/*.md points at a file that exists."""
    missing = []
    for doc in MARKDOWN:
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if not (doc.parent / target).exists():
                missing.append(f"{doc.relative_to(ROOT)}: {target}")
    assert missing == []


def test_no_docstring_cites_a_document_outside_the_repository() -> None:
    """Docstrings and comments cite docs/…, never the shared notes outside the repo."""
    outside = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in python_files()
        for text in comments_and_docstrings(path)
        for match in OUTSIDE_DOC.finditer(text)
    ]
    assert outside == []


def test_citation_scan_finds_paths_and_skips_placeholders() -> None:
    """The citation pattern picks out real paths and leaves placeholders alone."""
    text = "see docs/platforms.md §3 and collectors/simulator/feeds.py; snapshots/YYYY-MM-DD.json"
    assert citations(text) == ["docs/platforms.md", "collectors/simulator/feeds.py"]
    assert citations("bench/results/<name>.json and tests/{x}.py") == []
    assert OUTSIDE_DOC.search("see PLATFORMS.md §1") is not None
    assert OUTSIDE_DOC.search("see docs/platforms.md §1") is None
