"""The small subset of XLSForm expressions the guide may use in `relevant` and `constraint`.

Supported: `${code}` references, `.` (the item's own value, in constraints), string literals
in single or double quotes, numbers, comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`), `and`, `or`,
parentheses and the functions `selected(${code}, 'value')` and `not(expr)`. Anything else is
refused with an ExprError that says what was found and what is allowed.

Semantics follow ODK where it matters for skip logic: a blank value is the empty string, an
ordering comparison (`<`, `>` …) with a blank side is false, and two values that both read as
numbers are compared as numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Union

ALLOWED = "${kode}, '.', 'tekst', tal, =, !=, <, <=, >, >=, and, or, (, ), selected(), not()"
FUNCTIONS = ("selected", "not")


class ExprError(ValueError):
    """An expression outside the supported subset, or malformed."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{(?P<refname>[^}]*)\})
      | (?P<num>\d+(?:\.\d+)?)
      | (?P<str>'[^']*'|"[^"]*")
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<lpar>\()
      | (?P<rpar>\))
      | (?P<comma>,)
      | (?P<dot>\.(?![\w.]))
      | (?P<word>[A-Za-z_][\w:-]*)
      | (?P<bad>\S)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str


def tokenize(src: str) -> list[Tok]:
    toks: list[Tok] = []
    pos = 0
    src = src.strip()
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup
        if kind == "refname":  # inner group of ref
            kind = "ref"
        if kind == "ref":
            name = m.group("refname")
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ExprError(f"ugyldig henvisning ${{{name}}} — tilladt: ${{kode}} med bogstaver, tal og _")
            toks.append(Tok("ref", name))
        elif kind == "bad":
            raise ExprError(f"uventet tegn {m.group('bad')!r} — tilladt: {ALLOWED}")
        else:
            toks.append(Tok(kind, m.group(kind)))
    return toks


# The parsed tree is a tuple: ("ref", name) | ("dot",) | ("lit", value) | ("cmp", op, a, b)
# | ("and", a, b) | ("or", a, b) | ("selected", a, value) | ("not", a)
Node = tuple


class _Parser:
    def __init__(self, src: str):
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, kind: str | None = None, text: str | None = None) -> Tok:
        t = self.peek()
        if t is None:
            raise ExprError(f"udtrykket slutter for tidligt — forventede {text or kind}")
        if (kind and t.kind != kind) or (text and t.text != text):
            raise ExprError(f"uventet {t.text!r} — forventede {text or kind}")
        self.i += 1
        return t

    def parse(self) -> Node:
        if not self.toks:
            raise ExprError("tomt udtryk")
        node = self.or_()
        if self.peek() is not None:
            raise ExprError(f"uventet {self.peek().text!r} efter et helt udtryk — tilladt: {ALLOWED}")
        return node

    def _chain(self, word: str, operand) -> Node:
        """operand (word operand)*, left-associative: ``a or b or c`` is ``(a or b) or c``."""
        node = operand()
        while (t := self.peek()) and t.kind == "word" and t.text == word:
            self.i += 1
            node = (word, node, operand())
        return node

    def or_(self) -> Node:
        return self._chain("or", self.and_)

    def and_(self) -> Node:
        return self._chain("and", self.cmp)

    def cmp(self) -> Node:
        node = self.atom()
        if (t := self.peek()) and t.kind == "op":
            self.i += 1
            node = ("cmp", t.text, node, self.atom())
            if (t2 := self.peek()) and t2.kind == "op":
                raise ExprError(f"to sammenligninger i træk ved {t2.text!r} — brug and/or og parenteser")
        return node

    def atom(self) -> Node:
        t = self.take()
        if t.kind == "ref":
            return ("ref", t.text)
        if t.kind == "dot":
            return ("dot",)
        if t.kind == "num":
            return ("lit", t.text)
        if t.kind == "str":
            return ("lit", t.text[1:-1])
        if t.kind == "lpar":
            node = self.or_()
            self.take("rpar", ")")
            return node
        if t.kind == "word":
            if self.peek() is not None and self.peek().kind == "lpar":
                if t.text not in FUNCTIONS:
                    raise ExprError(f"funktionen {t.text}() understøttes ikke — tilladt: selected(), not()")
                self.take("lpar", "(")
                if t.text == "not":
                    inner = self.or_()
                    self.take("rpar", ")")
                    return ("not", inner)
                target = self.atom()
                if target[0] not in ("ref", "dot"):
                    raise ExprError("selected() skal have ${kode} eller . som første argument")
                self.take("comma", ",")
                val = self.atom()
                if val[0] != "lit":
                    raise ExprError("selected() skal have en tekst som andet argument, fx 'ja'")
                self.take("rpar", ")")
                return ("selected", target, val[1])
            raise ExprError(f"ukendt ord {t.text!r} — tilladt: {ALLOWED}")
        raise ExprError(f"uventet {t.text!r} — tilladt: {ALLOWED}")


def parse(src: str) -> Node:
    """Parse an expression; raises ExprError for anything outside the subset."""
    return _Parser(src).parse()


def references(node: Node) -> set[str]:
    """Every `${code}` the expression reads."""
    kind = node[0]
    if kind == "ref":
        return {node[1]}
    out: set[str] = set()
    for part in node[1:]:
        if isinstance(part, tuple):
            out |= references(part)
    return out


Value = Union[str, None]


def _num(v: str) -> float | None:
    try:
        return float(v.replace(",", "."))
    except (ValueError, AttributeError):
        return None


def _value(node: Node, get: Callable[[str], Value], self_value: Value) -> str:
    if node[0] == "ref":
        v = get(node[1])
    elif node[0] == "dot":
        v = self_value
    elif node[0] == "lit":
        v = node[1]
    else:
        return "true" if _truth(node, get, self_value) else "false"
    return "" if v is None else str(v)


def _compare(op: str, a: str, b: str) -> bool:
    na, nb = _num(a), _num(b)
    if op in ("=", "!="):
        eq = (na == nb) if (na is not None and nb is not None) else (a == b)
        return eq if op == "=" else not eq
    if a == "" or b == "":
        return False
    x, y = (na, nb) if (na is not None and nb is not None) else (a, b)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _truth(node: Node, get: Callable[[str], Value], self_value: Value) -> bool:
    kind = node[0]
    if kind == "and":
        return _truth(node[1], get, self_value) and _truth(node[2], get, self_value)
    if kind == "or":
        return _truth(node[1], get, self_value) or _truth(node[2], get, self_value)
    if kind == "not":
        return not _truth(node[1], get, self_value)
    if kind == "cmp":
        return _compare(node[1], _value(node[2], get, self_value), _value(node[3], get, self_value))
    if kind == "selected":
        raw = _value(node[1], get, self_value)
        return node[2] in [p.strip() for p in re.split(r"[;\s]+", raw) if p.strip()]
    # a bare value: true when non-blank (XPath boolean of a string)
    return _value(node, get, self_value) != ""


def evaluate(node: Node, answers: Mapping[str, Value] | Callable[[str], Value],
             self_value: Value = None) -> bool:
    """Truth of a parsed expression given the answers so far (blank = missing)."""
    get = answers if callable(answers) else (lambda code: answers.get(code))
    return _truth(node, get, self_value)
