"""A griffe extension for the docs site: aiomame's docstrings are written in reST, this turns
their reST into the Markdown mkdocstrings renders, at build time (the sources stay as they are).

- Roles (``:class:`EnvPool```, ``:meth:`~aiomame.EnvPool.step```, ``:attr:`title <target>```)
  become code spans linked to the target's reference entry. A name is resolved the way
  Python would from the docstring's object (its members, its module's names and imports);
  a target the reference does not show stays a plain code span (an "optional" autoref, so
  ``mkdocs build --strict`` does not fail on it).
- A paragraph ending in ``::`` followed by an indented block (reST's literal block) becomes
  a fenced code block: Python when it parses as Python, a console session when it starts
  with ``>>>``, plain text otherwise.

``double backticks`` need nothing: Markdown reads them as code spans already. Loaded by
mkdocs.yml (``extensions: [docs/_griffe/rst_roles.py]``); it runs once per loaded package.
"""

from __future__ import annotations

import ast
import html
import re
import textwrap
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj|const):"
    r"`(?P<tilde>~?)(?P<text>[^`<]+?)(?:\s*<(?P<target>[^`>]+)>)?`")
LITERAL_INTRO = re.compile(r"(?P<space>\s?)::\s*$")


class RstRoles(griffe.Extension):
    """Rewrites every docstring of a package once the whole package is loaded (so a role can
    name anything in it, whichever module it sits in)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _walk(pkg, set()):
            if obj.docstring is not None:
                obj.docstring.value = to_markdown(obj.docstring.value, obj)


def _walk(obj: griffe.Object, seen: set[str]):
    """``obj`` and every object defined under it (aliases are skipped: the target's own
    docstring is rewritten where it is defined)."""
    if obj.path in seen:
        return
    seen.add(obj.path)
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member, seen)


def to_markdown(text: str, obj: griffe.Object) -> str:
    """``text`` (a docstring of ``obj``) with its reST roles and literal blocks in Markdown."""
    text = _literal_blocks(text)
    return ROLE.sub(lambda match: _role(match, obj), text)


def _role(match: re.Match[str], obj: griffe.Object) -> str:
    text = match["text"].strip()
    target = (match["target"] or text).strip().lstrip(".~")
    if match["target"]:
        title = text
    elif match["tilde"]:
        title = target.rsplit(".", 1)[-1]
    else:
        title = text
    identifier = _resolve(target, obj)
    return (f'<autoref identifier="{html.escape(identifier)}" optional>'
            f"<code>{html.escape(title, quote=False)}</code></autoref>")


def _resolve(target: str, obj: griffe.Object) -> str:
    """The full path of ``target`` as seen from ``obj`` (``target`` itself when unknown)."""
    head, _, rest = target.partition(".")
    try:
        path = obj.resolve(head)
    except (griffe.NameResolutionError, AttributeError, KeyError):
        return target
    return f"{path}.{rest}" if rest else path


def _literal_blocks(text: str) -> str:
    """reST literal blocks (``para::``, a blank line, an indented block) as fenced blocks."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = LITERAL_INTRO.search(line)
        if not match or i + 1 >= len(lines) or lines[i + 1].strip():
            out.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        end = i + 2
        while end < len(lines) and (not lines[end].strip()
                                    or len(lines[end]) - len(lines[end].lstrip()) > indent):
            end += 1
        while end > i + 2 and not lines[end - 1].strip():
            end -= 1
        block = textwrap.dedent("\n".join(lines[i + 2:end]))
        if not block.strip():
            out.append(line)
            i += 1
            continue
        intro = line[:match.start()]
        if not intro.strip():  # a lone "::" introduces the block and is dropped
            pass
        else:  # "text::" reads "text:"; "text ::" reads "text"
            out.append(intro + ("" if match["space"] else ":"))
        pad = " " * indent
        out.append("")
        out.append(f"{pad}```{_language(block)}")
        out.extend(pad + code if code else "" for code in block.split("\n"))
        out.append(f"{pad}```")
        if end < len(lines) and lines[end].strip():
            out.append("")
        i = end
    return "\n".join(out)


def _language(block: str) -> str:
    if block.lstrip().startswith(">>>"):
        return "pycon"
    try:
        ast.parse(block)
    except SyntaxError:
        try:  # a notebook's or an async function's body: top-level await
            compile(block, "<docstring>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        except SyntaxError:
            return "text"
    return "python"
