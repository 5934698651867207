"""Build frozen slotted dataclasses fast, for the hot paths that make tens of thousands.

A ``@dataclass(frozen=True, slots=True)`` sets each field in ``__init__`` through
``object.__setattr__`` (its own ``__setattr__`` refuses): with 21 fields that is
about 2.5 µs an instance against 0.3 µs for a plain class, and a half-year report
decodes some 40,000 records and builds 25,000 figures — a tenth of a second spent
on nothing but that.

``builder(cls)`` returns a callable taking every field positionally, in ``cls``'s
field order, that builds the instance through a twin class with the same slots and
an ordinary ``__init__``, then makes it a ``cls`` (``__class__`` assignment, which
Python allows between classes of the same slot layout). What comes out is exactly
what ``cls(...)`` gives: the same type, equal, hashed alike, frozen. What it skips
is ``cls``'s ``__post_init__`` and default factories: callers pass every field and
``builder`` refuses a class with a ``__post_init__``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A fast ``cls(*every_field)`` for a frozen slotted dataclass ``cls``."""
    if not is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__ that builder would skip")
    names = [f.name for f in fields(cls)]
    slots = cls.__dict__["__slots__"]
    if tuple(names) != tuple(slots):
        raise TypeError(f"{cls.__name__}'s slots are not its fields")
    params = ", ".join(names)
    body = "".join(f"    self.{name} = {name}\n" for name in names)
    source = f"def __init__(self, {params}):\n{body}    self.__class__ = cls\n"
    scope: dict[str, Any] = {"cls": cls}
    exec(source, scope)  # field names of a dataclass: nothing from outside
    namespace = {"__slots__": slots, "__init__": scope["__init__"]}
    return type(f"_Build{cls.__name__}", (), namespace)
