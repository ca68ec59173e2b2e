"""The quickstart, start to finish: a model, its collection created from it, rows written, queried,
aggregated, updated and deleted. Needs DIRECTUS_URL and DIRECTUS_TOKEN (an admin token: creating the
collection is an admin's job), as printed by `python -m directus_orm.testing run`. Drops its collection
at the end."""

from __future__ import annotations

import asyncio

# --8<-- [start:imports]
from directus_orm import Avg, Count, DirectusModel, Q
from directus_orm.schema import SchemaTools

# --8<-- [end:imports]
# isort: split
from directus_orm import connections


# --8<-- [start:model]
class Book(DirectusModel):
    id: int | None = None
    title: str
    author: str
    year: int
    rating: float | None = None

    class Meta:
        collection = "docs_quickstart_books"
        ordering = ["year"]
# --8<-- [end:model]


async def main() -> None:
    # --8<-- [start:migrate]
    await SchemaTools().migrate([Book])                       # creates docs_quickstart_books from the model
    # --8<-- [end:migrate]
    try:
        # --8<-- [start:queries]
        await Book.objects.bulk_create([
            Book(title="Dune", author="Frank Herbert", year=1965, rating=4.3),
            Book(title="Neuromancer", author="William Gibson", year=1984, rating=3.9),
            Book(title="Hyperion", author="Dan Simmons", year=1989, rating=4.2),
            Book(title="The Left Hand of Darkness", author="Ursula K. Le Guin", year=1969),
        ])

        classics = Book.objects.filter(year__lt=1980).exclude(rating__isnull=True)
        print("classics:", [b.title async for b in classics])

        good_or_recent = Book.objects.filter(Q(rating__gte=4.2) | Q(year__gt=1985)).order_by("-year")
        print("good or recent:", [(b.title, b.year) for b in await good_or_recent])

        print("stats:", await Book.objects.aggregate(books=Count("id"), average=Avg("rating")))

        dune = await Book.objects.get(title="Dune")
        dune.rating = 4.5
        await dune.save()                                     # PATCH {"rating": 4.5}: only what changed
        print("saved:", (await Book.objects.get(pk=dune.pk)).rating)

        print("titles:", await Book.objects.values_list("title", flat=True)[:2])
        deleted = await Book.objects.filter(rating__isnull=True).delete()
        print("deleted:", deleted, "left:", await Book.objects.count())
        # --8<-- [end:queries]
    finally:
        await connections["default"].delete(f"/collections/{Book._meta.collection}")
        await connections.aclose_all()


asyncio.run(main())
