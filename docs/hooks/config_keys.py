"""MkDocs hook: the configuration-keys page is generated from the typed schema at build time.

Why: the keys live in one place, `sim/config/schema.py` (dataclasses, each field with its
docstring); a hand-written list would drift from it. A page holding the marker below gets one
table per top-level group: every dotted key, its type, the schema's default and its docstring.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import sys
import typing
from pathlib import Path

MARKER = "<!-- configuration keys: generated from sim/config/schema.py -->"
REPO = Path(__file__).resolve().parents[2]


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, key_tables())


def key_tables() -> str:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from sim.config import schema

    docs = field_docstrings(Path(inspect.getsourcefile(schema)))
    out = []
    for group in dataclasses.fields(schema.Config):
        if group.name == "baseline":
            continue  # the same keys as regime
        rows = list(walk(schema, docs, typing.get_type_hints(schema.Config)[group.name], group.name))
        out.append(f"## `{group.name}`\n")
        doc = docs.get(("Config", group.name)) or class_doc(typing.get_type_hints(schema.Config)[group.name])
        if group.name == "regime":
            doc += " `baseline` (`regime@baseline` on the command line) has the same keys."
        if doc:
            out.append(html_safe(" ".join(doc.split())) + "\n")
        out.append("| key | type | schema default | what it is |\n|---|---|---|---|")
        out += [f"| `{key}` | {kind} | {default} | {text} |" for key, kind, default, text in rows]
        out.append("")
    return "\n".join(out)


def walk(schema, docs, cls, prefix: str):
    """(key, type, default, doc) of every leaf under dataclass `cls`, `<name>` standing for map keys."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind, key = hints[f.name], f"{prefix}.{f.name}"
        inner = dataclass_in(kind)
        if inner is not None:
            yield from walk(schema, docs, inner, key + (".<name>" if typing.get_origin(kind) is dict else ""))
            continue
        text = " ".join((docs.get((cls.__name__, f.name)) or "").split()).replace("|", "\\|")
        yield key, type_name(kind), default_of(f), html_safe(text)


def html_safe(text: str) -> str:
    """`<` and `>` outside code spans as entities, so `<scenario dir>` is not taken for a tag."""
    parts = text.split("`")
    return "`".join(p if i % 2 else p.replace("<", "&lt;").replace(">", "&gt;") for i, p in enumerate(parts))


def dataclass_in(kind):
    """The dataclass a field holds, directly or as the values of a map (None: a leaf)."""
    if dataclasses.is_dataclass(kind):
        return kind
    if typing.get_origin(kind) is dict:
        value = typing.get_args(kind)[1]
        return value if dataclasses.is_dataclass(value) else None
    return None


def type_name(kind) -> str:
    text = getattr(kind, "__name__", None) if typing.get_origin(kind) is None else None
    text = text or str(kind).replace("typing.", "")
    return text.replace("NoneType", "None").replace("[", "\\[").replace("]", "\\]").replace("|", "\\|")


def default_of(f) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return "from the YAML"
    if value == "???":  # omegaconf.MISSING: the scenario's YAML must set it
        return "from the YAML"
    return f"`{value!r}`".replace("|", "\\|")


def class_doc(cls) -> str:
    doc = inspect.getdoc(cls) or ""
    return "" if doc.startswith(cls.__name__ + "(") else doc  # dataclasses' generated signature


def field_docstrings(source: Path) -> dict[tuple[str, str], str]:
    """{(class, field): docstring}: the string literal right after a field's annotated assignment."""
    found = {}
    for node in ast.walk(ast.parse(source.read_text())):
        if not isinstance(node, ast.ClassDef):
            continue
        for this, after in zip(node.body, node.body[1:]):
            if (isinstance(this, ast.AnnAssign) and isinstance(this.target, ast.Name) and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str)):
                found[(node.name, this.target.id)] = inspect.cleandoc(after.value.value)
    return found
