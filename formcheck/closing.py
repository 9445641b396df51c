"""A mixin for resources used as context managers: ``with x:`` calls ``x.close()``."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

_C = TypeVar("_C", bound="ClosesOnExit")


class ClosesOnExit:
    """``__enter__`` returns the object; ``__exit__`` calls its ``close()``."""

    def close(self) -> None:  # pragma: no cover - every user defines its own
        raise NotImplementedError

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
