"""``current_user``: the caller as a user model, from ``/users/me`` with the model's fields.

``directus.current_user()`` (or ``current_user(directus, MyUser)``) is a dependency answering an
instance of ``model``: :class:`~directus_orm.system.DirectusUser` by default, or a subclass of it with
the project's custom fields (a stored instance: ``await user.save()`` PATCHes what changed, as the
caller), or any pydantic model (:class:`UserInfo` is a small one). A ``DirectusUser`` model asks for
``*`` (every field the caller may read; the others load as deferred), another model for its field
names: a field the caller may not read is left out by Directus, so give those a default.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from ...exceptions import UnexpectedResponse
from ...models import DirectusModel
from ...system import DirectusUser
from .context import get_request_context

if TYPE_CHECKING:
    from .dependency import DirectusDependency

__all__ = ["UserInfo", "current_user"]

U = TypeVar("U", bound=BaseModel)


class UserInfo(BaseModel):
    """The caller as ``/users/me`` answers it (fields the caller may not read stay None).
    Subclass it to ask for more fields; unknown answer fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    role: str | None = None
    status: str | None = None


def current_user(directus: DirectusDependency, model: type[U] = DirectusUser,  # type: ignore[assignment]
                 *, fields: Sequence[str] | None = None) -> Callable[..., Awaitable[U]]:
    """A dependency answering the caller as ``model`` (401 for an anonymous request). ``fields``:
    what to ask ``/users/me`` for (default: ``*`` for a ``DirectusUser`` model, else the model's field
    names). With the dependency's
    ``token_cache`` the answer is kept with the token for the cache's ``ttl``."""
    # A model of directus_users asks for "*": Directus answers nothing but the key when one named field
    # is unreadable, while "*" gives every field the caller may read (the rest load as deferred).
    is_model = issubclass(model, DirectusModel)
    names = ",".join(fields) if fields else ("*" if is_model else ",".join(model.model_fields))

    async def dependency(request: Request, _conn: Any = Depends(directus)) -> U:  # noqa: B008
        ctx = get_request_context(request)
        assert ctx is not None  # the Depends above put it there
        data = await ctx.memo(f"users/me?{names}", lambda: directus.me(ctx, names))
        try:
            if issubclass(model, DirectusModel):
                return cast(U, model._from_db(data, directus.alias))
            return model.model_validate(data)
        except ValidationError as exc:
            raise UnexpectedResponse(f"/users/me did not answer a {model.__name__}: "
                                     f"{exc.error_count()} field error(s) "
                                     f"({', '.join(str(e['loc'][0]) for e in exc.errors() if e['loc'])})",
                                     status=200, method="GET", path="/users/me") from None

    dependency.__name__ = f"current_{model.__name__}"
    return dependency
