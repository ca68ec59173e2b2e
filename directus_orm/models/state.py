"""What an instance knows about its row, kept apart from its field values (Django's ``obj._state``)."""

from __future__ import annotations

from typing import Any, cast

__all__ = ["ModelState", "PageState", "peek_state", "state_of"]


class ModelState:
    """What an instance knows about its row (Django's ``obj._state``).

    One object in a ``__slots__`` slot rather than pydantic private attributes: pydantic initialises
    every private attribute of every instance it validates, and rows are loaded by the thousand
    (measured: that, plus an eager snapshot, was most of what loading a row cost).

    ``loaded`` is the JSON snapshot of the stored values. Rows read from the server keep their values
    in ``source`` instead and take the snapshot only when first needed (on a save or a diff), which
    most rows never are. Neither: not stored. ``source`` may be the instance's own ``__dict__`` when
    ``LoadPlan.share_values`` says nothing changes that dict in place. ``extra`` None: no undeclared
    keys. (Allocations per row are measured: the garbage collector's work grows with them.)
    """

    __slots__ = ("assigned", "deferred", "extra", "loaded", "partial", "source", "using")

    def __init__(
        self,
        loaded: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        using: str | None = None,
        deferred: frozenset[str] = frozenset(),
        source: dict[str, Any] | None = None,
        partial: frozenset[str] = frozenset(),
        assigned: frozenset[str] = frozenset(),
    ) -> None:
        self.loaded = loaded
        self.extra = extra
        self.using = using
        self.deferred = deferred
        self.source = source
        self.partial = partial
        """To-many fields loaded through a filtered or sliced ``Prefetch``: the list lacks rows."""
        self.assigned = assigned
        """To-many fields given a whole new list since the last load or save."""

    def __reduce__(self) -> Any:
        return (ModelState, (self.loaded, self.extra, self.using, self.deferred, self.source, self.partial,
                             self.assigned))

    def __copy__(self) -> ModelState:
        # ``source`` is never mutated (the snapshot replaces it), so copies may share it.
        extra = None if self.extra is None else dict(self.extra)
        return ModelState(self.loaded, extra, self.using, self.deferred, self.source, self.partial,
                          self.assigned)


class PageState(ModelState):
    """One state for all the rows of an answered page whose stored values are their own ``__dict__``
    (``LoadPlan.share_values``): loading then allocates nothing per row beyond pydantic's instance,
    which the garbage collector charges for. ``state_of`` gives an instance
    its own ``ModelState`` - the ``__dict__`` it has then as ``source`` - before anything replaces that
    dict: our ``__setattr__`` asks for it first, every other state change goes through ``state_of``."""

    __slots__ = ()


def peek_state(obj: object) -> ModelState | None:
    try:
        return cast(ModelState, object.__getattribute__(obj, "_dstate"))
    except AttributeError:
        return None


def state_of(obj: object) -> ModelState:
    """The instance's state; instances built by user code (not loaded) start with a fresh one."""
    state = peek_state(obj)
    if state is None:
        state = ModelState()
        object.__setattr__(obj, "_dstate", state)
    elif type(state) is PageState:
        state = ModelState(None, None, state.using, state.deferred, obj.__dict__)
        object.__setattr__(obj, "_dstate", state)
    return state
