"""Search queries built from a claim: what a provider asks a search engine for.

First version: the claim with its attribution wrapper stripped, and its key terms. (Refined separately:
named entities, quantities and quoted phrases.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.evidence.providers.base import ClaimContext

_WORD = re.compile(r"[\w][\w'’.-]*")


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # the claim without the attribution wrapper ("Reports suggest that ...")
    entities: tuple[str, ...]  # named entities, e.g. "North Korea", "Kursk"
    quantities: tuple[str, ...]  # as written, e.g. "10,000 soldiers"
    phrases: tuple[str, ...]  # quoted phrases, e.g. "go all out"
    keywords: tuple[str, ...]  # other content words, most telling first

    def search_string(self, max_terms: int = 8) -> str:
        """For keyword search engines (MediaWiki, SearxNG, Fact Check Tools): the most telling terms."""
        terms = [*self.entities, *self.quantities, *self.keywords]
        return " ".join(dict.fromkeys(terms[:max_terms]))

    def gdelt_string(self) -> str:
        """GDELT DOC 2.0 syntax: quoted phrases for multi-word terms."""
        terms = [f'"{t}"' if " " in t else t for t in [*self.entities, *self.keywords][:6]]
        return " ".join(terms)


def build_query(claim: ClaimContext) -> Query:
    words = [w for w in _WORD.findall(claim.text) if len(w) > 3]
    return Query(text=claim.text, entities=(), quantities=(), phrases=(), keywords=tuple(words[:8]))
