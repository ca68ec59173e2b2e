"""The sync face: every coroutine method, callable from plain synchronous code.

One mechanism derives all of it: :func:`run` hands a coroutine to the *portal*, a single event loop
running in a daemon thread, and waits for the result. Every sync call of the process runs on that one
loop, so the connection pool's client for it is reused (sockets stay bounded: httpx pools belong to
one loop) and threads can call concurrently (the loop interleaves them). The caller's context
variables (e.g. ``connections.override``) travel with the call.

Spelling, everywhere: put ``.sync`` before the call.

    lang = Language.objects.filter(code="el").sync.get()
    lang.sync.save()
    conn.sync.login()
    for lang in Language.objects.all():     # plain iteration is sync too
        ...

``obj.sync`` is a :class:`SyncProxy`: coroutine methods become blocking functions of the same name and
signature; a method returning a QuerySet returns that QuerySet's sync face, so a chain begun on a sync
face stays sync (``Book.objects.sync.filter(x=1).order_by("-id").count()`` is an ``int``, and
``for book in Book.objects.sync.filter(...)`` iterates); everything else passes through unchanged.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import contextvars
import functools
import inspect
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from .exceptions import SyncUsageError

if TYPE_CHECKING:
    from .sync_faces import SyncAccessor

# SyncUsageError lives in exceptions (with the rest of the hierarchy) and is importable from here too.
__all__ = ["SyncFace", "SyncProxy", "SyncUsageError", "iterate", "iterate_batches", "run", "unwrap"]

T = TypeVar("T")
O = TypeVar("O")  # noqa: E741


CANCEL_WAIT = 10.0
"""Seconds an interrupted sync call (Ctrl-C) gets to unwind its cancelled task (closing a response,
unsubscribing) before the interruption propagates."""


class _Portal:
    """An event loop in a daemon thread, started on first use."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                thread = threading.Thread(target=serve, name="directus-orm-sync", daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the portal and wait for it. When the wait is interrupted (Ctrl-C), the task
        is cancelled, as ``asyncio.run`` cancels its task, and gets ``CANCEL_WAIT`` seconds to unwind
        before the interruption goes on: nothing is left running on the portal, and an async
        generator's step has ended before the generator is closed."""
        loop = self.loop()
        ctx = contextvars.copy_context()
        result: list[Any] = []
        tasks: list[asyncio.Task[T]] = []
        finished = threading.Event()

        def start() -> None:
            # The task copies the context current at creation: the caller's.
            task = ctx.run(loop.create_task, coro)
            tasks.append(task)
            task.add_done_callback(on_done)

        def on_done(fut: asyncio.Future[T]) -> None:
            result.append(fut)
            finished.set()

        def cancel() -> None:  # scheduled after start(): the task exists
            tasks[0].cancel()

        loop.call_soon_threadsafe(start)
        try:
            finished.wait()
        except BaseException:
            loop.call_soon_threadsafe(cancel)
            finished.wait(CANCEL_WAIT)
            raise
        return result[0].result()  # type: ignore[no-any-return]

    def close(self, timeout: float = CANCEL_WAIT) -> None:
        """End the portal as ``asyncio.run`` ends its loop (run at interpreter exit): cancel what still
        runs on it (a realtime socket lingering after its last subscription, a closing client ...),
        let it unwind for at most ``timeout`` seconds, finish async generators, then stop the loop,
        join its thread and close it. Left to the interpreter's shutdown instead, those tasks would be
        destroyed half-way, on a loop that may already be closed."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None or loop.is_closed():
            return
        if thread is threading.current_thread():  # called from a task on the portal: cannot wait here
            loop.stop()
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_drain(loop, timeout), loop).result(timeout + 1)
        with contextlib.suppress(RuntimeError):  # already closed by someone else
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        if not thread.is_alive():
            loop.close()


async def _drain(loop: asyncio.AbstractEventLoop, timeout: float) -> None:
    """Cancel every other task of ``loop`` and wait (bounded) until they are done; a task's unwinding may
    start new ones (a websocket's closing handshake), so this repeats until none is left."""
    deadline = loop.time() + timeout
    me = asyncio.current_task()
    while (left := deadline - loop.time()) > 0:
        tasks = [task for task in asyncio.all_tasks(loop) if task is not me]
        if not tasks:
            break
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=left)
    await loop.shutdown_asyncgens()


_portal = _Portal()
atexit.register(_portal.close)


def _refuse_inside_loop(sync_form: str, async_form: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise SyncUsageError(
        f"{sync_form} is the sync form and was called inside a running event loop, which it would "
        f"block; use the async form instead: {async_form}"
    )


def run(awaitable: Awaitable[T], *, name: str = "directus_orm.run") -> T:
    """Run an awaitable from synchronous code and return its result."""
    try:
        _refuse_inside_loop(name, "await it")
    except SyncUsageError:
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()  # a coroutine that will never run: close it rather than warn "never awaited"
        raise

    async def wrapper() -> T:
        return await awaitable

    return _portal.submit(wrapper())


def iterate(
    aiterable: AsyncIterator[T] | Callable[[], AsyncIterator[T]], *, name: str = "the iterable"
) -> Iterator[T]:
    """Iterate an async iterator from synchronous code, one item (one page) at a time.

    ``name`` labels the iterated object in errors (``for x in <name>``).
    """
    _refuse_inside_loop(f"for ... in {name}", f"async for ... in {name}")
    iterator = aiterable() if callable(aiterable) else aiterable
    try:
        while True:
            try:
                # Interrupted while waiting for the next item (Ctrl-C): submit cancels that step first,
                # so the iterator can be closed below and the interruption is what the caller sees.
                yield _portal.submit(_next(iterator))
            except StopAsyncIteration:
                return
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            _portal.submit(aclose())


def iterate_batches(
    abatches: AsyncIterator[list[T]] | Callable[[], AsyncIterator[list[T]]], *, name: str = "the iterable"
) -> Iterator[T]:
    """``iterate`` for a source of pages (lists): one round trip to the portal loop per page, the items
    handed out here (a round trip per row would cost more than the read itself)."""
    for batch in iterate(abatches, name=name):
        yield from batch


async def _next(iterator: AsyncIterator[T]) -> T:
    return await iterator.__anext__()


class SyncProxy(Generic[O]):
    """``obj.sync``: coroutine methods of ``obj`` as blocking functions; other attributes as they are."""

    __slots__ = ("_target",)

    def __init__(self, target: O) -> None:
        object.__setattr__(self, "_target", target)

    def _owner_name(self) -> str:
        """The name errors use: the class's own for a class (``Book.sync``), else the instance's class."""
        target = self._target
        return target.__name__ if isinstance(target, type) else type(target).__name__

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if inspect.iscoroutinefunction(attr):
            owner = self._owner_name()
            label = f"{owner}.sync.{name}"

            @functools.wraps(attr)
            def blocking(*args: Any, **kwargs: Any) -> Any:
                # Refuse before creating the coroutine, so none is left un-awaited.
                _refuse_inside_loop(label, f"await {owner}.{name}(...)")
                return run(attr(*args, **kwargs), name=label)

            return blocking
        if inspect.isasyncgenfunction(attr):
            owner = self._owner_name()
            label = f"{owner}.sync.{name}"

            @functools.wraps(attr)
            def blocking_iter(*args: Any, **kwargs: Any) -> Iterator[Any]:
                _refuse_inside_loop(label, f"async for ... in {owner}.{name}(...)")
                return iterate(attr(*args, **kwargs), name=f"{owner}.{name}(...)")

            return blocking_iter
        if inspect.ismethod(attr) and not name.startswith("_"):

            @functools.wraps(attr)
            def chained(*args: Any, **kwargs: Any) -> Any:
                return _face_of_chain(attr(*args, **kwargs))

            return chained
        return attr

    def __iter__(self) -> Iterator[Any]:
        """``for x in obj.sync``: the object's own (sync) iteration, so a chain kept on the sync face
        (``Book.objects.sync.filter(...)``) iterates like the QuerySet."""
        return iter(self._target)

    def __bool__(self) -> bool:
        """The object's own truth value: a QuerySet refuses one (it would need a request)."""
        return bool(self._target)

    def __getitem__(self, key: Any) -> Any:
        """``obj.sync[k]`` is ``await obj[k]`` when ``obj[k]`` is awaitable (``qs.sync[3]`` is one row,
        ``qs.sync[:10]`` a list), else ``obj[k]`` itself."""
        item = self._target[key]
        if inspect.isawaitable(item):
            return run(item, name=f"{self._owner_name()}.sync[...]")
        return item

    def __dir__(self) -> list[str]:
        return dir(self._target)

    def __repr__(self) -> str:
        return f"<sync {self._target!r}>"


def _face_of_chain(result: Any) -> Any:
    """A lazy object that chains (a QuerySet: its class sets ``_sync_chains``) as its sync face, so a chain
    begun on a sync face stays sync (``Book.objects.sync.filter(x=1).count()`` is an int, never an
    un-awaited coroutine); anything else as it is."""
    return SyncProxy(result) if getattr(type(result), "_sync_chains", False) else result


def unwrap(face: SyncProxy[O]) -> O:
    """The object behind a sync face (a QuerySet passed as ``Book.objects.sync.filter(...)``)."""
    target: O = face._target
    return target


class _SyncAttribute(property):
    """``obj.sync``: a property whose class access is a proxy too, so coroutine classmethods have their
    blocking forms (``Book.sync.check()``); an instance's proxy offers them as well."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        return SyncProxy(owner if instance is None else instance)


class SyncFace:
    """Mixin: ``obj.sync`` gives the blocking forms of ``obj``'s coroutine methods, ``Cls.sync`` those
    of its coroutine classmethods."""

    __slots__ = ()

    _sync_chains: ClassVar[bool] = False
    """True on lazy, chainable classes (QuerySet): a sync face's method that returns one returns its
    sync face, so chains stay sync."""

    if TYPE_CHECKING:
        # Type checkers see each class's generated face (directus_orm/sync_faces.py); at run time it
        # is the SyncProxy below, which those faces describe.
        sync: SyncAccessor
    else:

        @_SyncAttribute
        def sync(self):
            """Blocking forms of this object's coroutine methods (``obj.sync.method(...)``)."""
            return SyncProxy(self)
