"""``DirectusUser.objects``: every QuerySet method, plus the current user (``/users/me``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, overload

from ..exceptions import InvalidArgument, InvalidUsage, ManagerUnavailable, UnexpectedResponse
from ..models.manager import M, Manager
from ..query.queryset import QuerySet, T
from ..query.sendable import refuse_unsendable
from ..query.where import EVERYTHING
from ..query.written import mismatch, missing_fields
from ..sync import SyncFace

if TYPE_CHECKING:
    from .users import DirectusUser

__all__ = ["UserManager", "UserManagerDescriptor", "UserQuerySet"]

U = TypeVar("U", bound="DirectusUser")

ME = "/users/me"


class UserQuerySet(QuerySet[T], SyncFace):
    """A QuerySet of users; ``me()`` and ``update_me()`` answer instances of its model (a subclass of
    ``DirectusUser`` gets its own class), read with its ``only()`` / ``defer()``."""

    async def me(self) -> T:
        """The user the connection is logged in as (``GET /users/me``). Only the shape of the
        QuerySet applies (``only()``, ``defer()``, ``using()``): filters, ordering, slices and a search
        are refused (the current user is one row, whatever they say)."""
        self._shape_only("me()")
        body = await self._conn().get(ME, params=self.query.shape_params())
        return self._me_answer(body, "GET")

    async def update_me(self, **fields: Any) -> T:
        """Change these fields of the current user (``PATCH /users/me`` with exactly them) and return
        the user as stored. The primary key (the user is the current one) and a concealed field holding
        its mask are refused before the request; a field the server dropped (``directus_users`` lacks
        it) raises ``SchemaMismatch`` after it, the other fields saved."""
        self._shape_only("update_me()")
        schema = self._adapter.schema
        if schema.pk_name in fields:
            raise InvalidArgument(f"update_me() changes the current user: its key {schema.pk_name!r} "
                                  "cannot be given (update another user through its instance)")
        refuse_unsendable("update_me()", getattr(schema, "concealed", ()), fields, fields)
        data = self._adapter.prepare_values(fields, "update_me()")
        body = await self._conn().patch(ME, json=data, params=self.query.shape_params())
        if body is None:  # the role may update but not read itself: nothing to show
            return await self.me()
        user = self._me_answer(body, "PATCH")
        read = self.query.fields()  # with only() the answer leaves out fields it was not asked for
        everything = read is None or "*" in read
        dropped = missing_fields(schema.field_names(), [data], [body["data"]]) if everything else []
        if dropped:
            raise mismatch("update_me()", dropped, "The other fields were saved.")
        return user

    def _shape_only(self, method: str) -> None:
        query = self.query
        if (query.filter is not EVERYTHING or query.ordering is not None or query.low
                or query.high is not None or query.search is not None or query.version is not None):
            raise InvalidUsage(f"{method} answers the current user: filter(), exclude(), order_by(), slices, "
                               "search() and version() do not apply to it")

    def _me_answer(self, body: dict[str, Any] | None, method: str) -> T:
        row = (body or {}).get("data")
        if not isinstance(row, dict):
            raise UnexpectedResponse(f"{ME} answered {type(row).__name__}, not the current user (a public "
                                     "connection has no current user)", status=200,
                                     content_type="application/json", method=method, path=ME)
        return self._adapter.load(row, self.db)


class UserManager(Manager[M], SyncFace):
    """``DirectusUser.objects`` (and each subclass's): the QuerySet API plus ``me()`` /
    ``update_me()``."""

    _queryset_class = UserQuerySet

    def get_queryset(self) -> UserQuerySet[M]:
        """A :class:`UserQuerySet` over ``directus_users`` (it adds ``me()`` and ``update_me()``)."""
        qs = super().get_queryset()
        assert isinstance(qs, UserQuerySet)
        return qs

    def all(self) -> UserQuerySet[M]:
        """Every user, lazily, as a :class:`UserQuerySet`."""
        return self.get_queryset()

    def using(self, alias: str) -> UserQuerySet[M]:
        """The users on another configured connection: ``DirectusUser.objects.using("admin").me()``."""
        return self.get_queryset().using(alias)

    def only(self, *fields: str) -> UserQuerySet[M]:
        """A :class:`UserQuerySet` reading only these fields: ``await
        DirectusUser.objects.only("email").me()``."""
        return self.get_queryset().only(*fields)

    async def me(self) -> M:
        """The user the connection is logged in as (``GET /users/me``)::

            me = await DirectusUser.objects.me()
            me = DirectusUser.objects.sync.me()"""
        return await self.get_queryset().me()

    async def update_me(self, **fields: Any) -> M:
        """Change these fields of the current user (``PATCH /users/me`` with exactly them) and return the
        user as stored: ``await DirectusUser.objects.update_me(first_name="Ada")``."""
        return await self.get_queryset().update_me(**fields)


class UserManagerDescriptor:
    """``DirectusUser.objects`` as type checkers see it: on ``User`` it is ``UserManager[User]``."""

    @overload
    def __get__(self, instance: None, owner: type[U]) -> UserManager[U]: ...
    @overload
    def __get__(self, instance: object, owner: Any) -> NoReturn: ...
    def __get__(self, instance: object, owner: Any) -> Any:  # pragma: no cover - typing only
        raise ManagerUnavailable("typing only")
