"""Country names, so "can you send it to the uk" meets "we only deliver within the United States". Pure: the
names come from pycountry's bundled ISO 3166 list (read once, on first use)."""
from __future__ import annotations

import re
from functools import cache

# Country names that are also everyday words in a shop ("fine china", "a turkey roaster", "a jersey")
_AMBIGUOUS = frozenset("china turkey jersey chad georgia jordan guinea niger mali chile cuba".split())
# What shoppers write besides the ISO names
_EXTRA = ("uk", "usa", "u.s.", "u.s.a.", "america", "britain", "great britain", "england", "scotland", "wales",
          "northern ireland", "europe", "eu", "asia", "africa", "south america", "the states")


@cache
def country_pattern() -> re.Pattern[str]:
    """One word-bounded pattern of every country name (lower case), longest first."""
    import pycountry  # a data package: imported on first use

    names = set(_EXTRA)
    for country in pycountry.countries:
        for attribute in ("name", "common_name"):
            name = getattr(country, attribute, None)
            if name and "," not in name and "(" not in name and name.lower() not in _AMBIGUOUS:
                names.add(name.lower())
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])")
