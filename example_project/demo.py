"""A tour of the ORM against the seeded server (run by ``python3 -m devtools demo``)."""

from __future__ import annotations

from directus_orm import Q

from .models import Language


async def tour() -> None:
    print("All languages, Meta.ordering by name:")
    for lang in await Language.objects.all():
        print(f"  {lang.code}  {lang.name:<10} {lang.speakers or '-'}")

    big = Language.objects.filter(speakers__gte=100_000_000).order_by("-speakers")
    print("\nMore than 100M speakers:", [lang.name async for lang in big])
    print("  compiled query:", big.query)

    uralic_or_greek = Language.objects.filter(Q(family="Uralic") | Q(code="el"))
    print("Uralic or Greek:", [lang.name for lang in await uralic_or_greek])
    print("Not Indo-European (nulls kept, as in Django):",
          [lang.name for lang in await Language.objects.exclude(family="Indo-European")])
    print("Count:", await Language.objects.count())

    el = await Language.objects.get(code="el")
    el.speakers = 13_600_000
    await el.save()  # PATCH {"speakers": 13600000}: only what changed
    print("Greek after save:", (await Language.objects.get(code="el")).speakers)

    tmp, created = await Language.objects.get_or_create(code="la", defaults={"name": "Latin"})
    print("get_or_create Latin -> created:", created, "pk:", tmp.pk)
    await tmp.delete()


def sync_tour() -> None:
    print("\nThe same from plain sync code:")
    print("  first by speakers:", Language.objects.order_by("-speakers").sync.first())
    print("  names starting with F:", [lang.name for lang in Language.objects.filter(name__startswith="F")])
