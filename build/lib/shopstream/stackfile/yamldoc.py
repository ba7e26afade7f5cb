"""YAML text -> plain Python data plus the line of every path, built from PyYAML's event stream.

PyYAML's ``safe_load`` forgets where values came from, overwrites duplicate keys, and its composer recurses
once per nesting level (500 nested brackets raise RecursionError). So the document is built here from
parser events with an explicit stack: every key and item keeps its line, duplicate keys are reported, and
nesting depth and alias expansion ("billion laughs") are capped before anything else sees the data. The
C parser (libyaml) is used when PyYAML has it: it is several times faster on large files.

Values that YAML resolves but Python cannot hold (``2026-02-30``, a 5,000-digit integer, an unknown
``!tag``) become issues at their line and keep their text, so that the rest of the file is still checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

# A path into the document: mapping keys (str) and sequence indexes (int).
DataPath = tuple[str | int, ...]

# A stack file nests about 6 levels (shops.<shop>.topics[i].fields[j]); anything near this is an attack
# or an accident, and staying far below Python's recursion limit keeps every later step safe.
MAX_DEPTH = 32
# Values after alias expansion. A stack file of 1,000 subscriptions written as mappings has about 6,000;
# the checks cost about 25 µs of CPU per value, so this keeps any file well under a second.
MAX_NODES = 25_000

# Typed Any: the stubs leave the event API untyped, and the C loader is not a SafeLoader subclass.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
# No number in a stack file comes near 2**256.
_MAX_INT_BITS = 256


@dataclass(frozen=True)
class YamlIssue:
    path: DataPath
    line: int
    message: str


class YamlSyntaxError(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """``data`` is None for an empty document (nothing but comments or whitespace)."""

    data: Any
    lines: dict[DataPath, int] = field(default_factory=dict)
    issues: list[YamlIssue] = field(default_factory=list)

    def line(self, path: DataPath) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one (e.g. for a missing key)."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None


class _Skip:
    """Placeholder for a key or value that is dropped (a duplicate key's value, a non-scalar key)."""


_SKIP = _Skip()


@dataclass
class _Frame:
    """A mapping or sequence being built. ``value`` None: the whole subtree is discarded."""

    value: dict[str, Any] | list[Any] | None
    path: DataPath
    anchor: str | None
    nodes: int = 1  # values in this subtree after alias expansion, itself included
    height: int = 1  # nesting levels of this subtree after alias expansion
    key: str | _Skip | None = None  # mappings: the key waiting for its value
    is_key: bool = False  # a list or mapping used as a key: discarded, its value is dropped too
    first_seen: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Anchored:
    value: Any
    nodes: int
    height: int


def parse(text: str) -> Document:
    """Parse a single YAML document; raises YamlSyntaxError (with a 1-based line) on bad syntax, on
    nesting deeper than MAX_DEPTH and on more than MAX_NODES values."""
    loader = _Loader(text)
    try:
        return _Builder(loader).run()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        # PyYAML phrases problems as continuations of the context ("but found …"); lead with the problem.
        problem = (exc.problem or "").removeprefix("but ")
        detail = problem or exc.context or str(exc)
        if exc.context and problem:
            started = f" at line {exc.context_mark.line + 1}" if exc.context_mark is not None else ""
            detail = f"{problem} ({exc.context}{started})"
        raise YamlSyntaxError(line, f"YAML syntax error: {detail}") from None
    except yaml.reader.ReaderError as exc:
        # A character YAML forbids (control characters, unpaired surrogates): say where, not the offset.
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise YamlSyntaxError(
            line,
            f"the file contains the character U+{code:04X}, which YAML does not allow; remove it "
            "(write it as an escape such as \\t inside double quotes if you need it)",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"YAML syntax error: {exc}") from None
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.doc = Document(data=None)
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchored] = {}
        self.open_anchors: set[str] = set()
        self.nodes = 0  # values so far, aliases counted as the size of what they repeat
        self.documents = 0

    def run(self) -> Document:
        loader = self.loader
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.StreamEndEvent):
                return self.doc
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            if isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise YamlSyntaxError(
                        line,
                        "YAML syntax error: expected a single document in the stream but found another "
                        "document; a stack file is one YAML document (remove the second ---)",
                    )
            elif isinstance(event, yaml.ScalarEvent):
                self._scalar(event, line)
            elif isinstance(event, yaml.AliasEvent):
                self._alias(event, line)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                self._start(event, line)
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                self._end()

    # --- where values go -----------------------------------------------------------------------------

    def _expecting_key(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1].value, dict) and self.stack[-1].key is None

    def _target(self, line: int) -> DataPath | None:
        """The path of the next value (not a key); None when it is discarded."""
        if not self.stack:
            self.doc.lines[()] = line
            return ()
        frame = self.stack[-1]
        if isinstance(frame.value, list):
            path: DataPath = (*frame.path, len(frame.value))
            self.doc.lines[path] = line
            return path
        if isinstance(frame.value, dict) and isinstance(frame.key, str):
            return (*frame.path, frame.key)  # its line is the key's, recorded in _key
        return None

    def _key(self, text: str | None, line: int) -> None:
        frame = self.stack[-1]
        assert isinstance(frame.value, dict)
        if text is None:
            self.doc.issues.append(
                YamlIssue(frame.path, line, "keys must be plain names, not lists, mappings or aliases")
            )
            frame.key = _SKIP
            return
        if text in frame.first_seen:
            self.doc.issues.append(
                YamlIssue(
                    (*frame.path, text),
                    line,
                    f'duplicate key "{text}" (first at line {frame.first_seen[text]}); each key may '
                    "appear once",
                )
            )
            frame.key = _SKIP
            return
        frame.first_seen[text] = line
        self.doc.lines[(*frame.path, text)] = line
        frame.key = text

    def _count(self, nodes: int) -> None:
        self.nodes += nodes
        if self.nodes > MAX_NODES:
            raise YamlSyntaxError(
                None,
                f"the file has more than {MAX_NODES:,} values after expanding anchors and aliases; a stack "
                "file needs far fewer (split it, or check for aliases that repeat large parts)",
            )

    def _check_depth(self, extra: int, line: int) -> None:
        if len(self.stack) + extra > MAX_DEPTH:
            raise YamlSyntaxError(
                line,
                f"the file nests lists and mappings more than {MAX_DEPTH} levels deep; a stack file needs "
                "about 6 (shops.<shop>.topics[i].fields[j])",
            )

    def _attach(self, value: Any, nodes: int, height: int) -> None:
        """Put a finished value into its parent, or make it the document."""
        if not self.stack:
            self.doc.data = value
            return
        frame = self.stack[-1]
        frame.nodes += nodes
        frame.height = max(frame.height, height + 1)
        if isinstance(frame.value, list):
            frame.value.append(value)
        elif isinstance(frame.value, dict):
            key, frame.key = frame.key, None
            if isinstance(key, str):
                frame.value[key] = value

    # --- events --------------------------------------------------------------------------------------

    def _scalar(self, event: yaml.ScalarEvent, line: int) -> None:
        if self._expecting_key():
            # The key's literal text: `123:` or `yes:` stay the strings "123" and "yes" rather than
            # becoming an int or a bool, so shop handles and topic names are never mangled.
            self._key(str(event.value), line)
            if event.anchor is not None:
                self.anchors[event.anchor] = _Anchored(str(event.value), 1, 0)
            return
        self._count(1)
        path = self._target(line)
        value = self._construct(event, path, line)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchored(value, 1, 0)
        self._attach(value, 1, 0)

    def _construct(self, event: Any, path: DataPath | None, line: int) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return event.value  # quoted: always a string
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR_TAG:
            return event.value  # the common case, without building a node
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        try:
            value = self.loader.construct_object(node, deep=True)
            if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
                # Python cannot even print it (repr refuses past 4,300 digits): keep it from the checks.
                raise ValueError("too large")
        except (yaml.YAMLError, ValueError, OverflowError, TypeError) as exc:
            if path is not None:
                self.doc.issues.append(YamlIssue(path, line, _scalar_problem(event.value, tag, exc)))
            return event.value
        return value

    def _alias(self, event: yaml.AliasEvent, line: int) -> None:
        name = str(event.anchor)
        if name in self.open_anchors:
            raise YamlSyntaxError(
                line, "YAML syntax error: an alias refers to itself (a recursive structure)"
            )
        anchored = self.anchors.get(name)
        if anchored is None:
            raise YamlSyntaxError(line, f"YAML syntax error: found undefined alias *{name}")
        self._count(anchored.nodes)
        if self._expecting_key():
            self._key(anchored.value if isinstance(anchored.value, str) else None, line)
            return
        self._check_depth(anchored.height, line)
        self._target(line)
        # The repeated value is shared, not copied: nothing downstream modifies the data.
        self._attach(anchored.value, anchored.nodes, anchored.height)

    def _start(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent, line: int) -> None:
        self._count(1)
        self._check_depth(1, line)
        is_mapping = isinstance(event, yaml.MappingStartEvent)
        path: DataPath | None
        is_key = self._expecting_key()
        if is_key:
            self._key(None, line)  # a list or mapping as a key: reported, and discarded with its value
            path = None
        else:
            path = self._target(line)
        tag = event.tag
        if path is not None and tag not in (None, "!", _MAP_TAG if is_mapping else _SEQ_TAG):
            self.doc.issues.append(
                YamlIssue(path, line, f"unsupported YAML tag {tag}; stack files use plain mappings and lists")
            )
        container: dict[str, Any] | list[Any] | None = None
        if path is not None:
            container = {} if is_mapping else []
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(container, path or (), event.anchor, is_key=is_key))

    def _end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = _Anchored(frame.value, frame.nodes, frame.height)
        if frame.is_key:
            return  # the parent keeps waiting for (and then drops) this key's value
        self._attach(frame.value, frame.nodes, frame.height)


def _scalar_problem(text: str, tag: str, exc: Exception) -> str:
    shown = text if len(text) <= 40 else f"{text[:40]}…"
    if tag.endswith(":timestamp"):
        return (
            f"{shown} looks like a date but is not a valid one ({exc}); write a real date, or quote it if "
            "you mean text"
        )
    if tag.endswith((":int", ":float")):
        return f"the number {shown} is too large to use ({len(text)} characters); quote it if you mean text"
    if isinstance(exc, yaml.YAMLError):
        return f"unsupported YAML tag {tag}; stack files use plain strings, numbers, booleans and null"
    return f"{shown} cannot be read as {tag.rsplit(':', 1)[-1]} ({exc}); quote it if you mean text"
