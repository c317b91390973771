"""Query-time synonym expansion: 煤气中毒 in a query also looks for 一氧化碳中毒."""

from django.core.cache import cache
from modelsearch.query import Or, PlainText

from search.analysis import normalize

CACHE_KEY = "kepu-search:synonym-groups:v1"
MAX_ALTERNATIVES = 8


def synonym_groups():
    """All groups as lists of normalised words, cached until a group is saved or deleted."""
    groups = cache.get(CACHE_KEY)
    if groups is None:
        from .models import SynonymGroup

        groups = [
            [normalize(word) for word in group.word_list] for group in SynonymGroup.objects.all()
        ]
        cache.set(CACHE_KEY, groups, 3600)
    return groups


def forget_synonyms(**kwargs):
    cache.delete(CACHE_KEY)


def alternatives(query_string):
    """The query itself, then the query with a synonym put in for each word that has one."""
    text = " ".join(normalize(query_string).split())
    found = [text]
    for group in synonym_groups():
        for word in group:
            if word and word in text:
                for other in group:
                    candidate = text.replace(word, other)
                    if other != word and candidate not in found:
                        found.append(candidate)
    return found[: MAX_ALTERNATIVES + 1]


def expand(query_string):
    """A search query object: PlainText, or an Or of the synonym variants."""
    variants = alternatives(query_string)
    if len(variants) == 1:
        return PlainText(query_string)
    return Or([PlainText(variant) for variant in variants])
