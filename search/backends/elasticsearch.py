"""The Elasticsearch / OpenSearch configuration used when ``SEARCH_URL`` is set.

Pure functions of the settings values, so ``settings/base.py`` can call them and the tests can
check the generated index settings without a server. Chinese analysis is configured through
``INDEX_SETTINGS``: the index's ``default`` analyser (used by every SearchField mapping) and the
``edgengram_analyzer`` used for autocomplete fields are replaced.

- ``cjk`` (default, built into Elasticsearch and OpenSearch): one token per ideograph, paired
  into bigrams, the same idea as our database analyser.
- ``smartcn``: dictionary segmentation, needs the ``analysis-smartcn`` plugin on the cluster.
- ``ik``: dictionary segmentation with a user dictionary, needs the IK plugin
  (``ik_max_word`` when indexing, ``ik_smart`` when searching).
"""

# modelsearch's backends with the explicit search_ids (search.backends.cluster)
ENGINES = {
    "elasticsearch8": "search.backends.cluster.Elasticsearch8SearchBackend",
    "elasticsearch9": "search.backends.cluster.Elasticsearch9SearchBackend",
    "opensearch2": "search.backends.cluster.OpenSearch2SearchBackend",
    "opensearch3": "search.backends.cluster.OpenSearch3SearchBackend",
}
ANALYZERS = ("cjk", "smartcn", "ik")

_EDGENGRAM = ["lowercase", "edgengram"]


def _analysis(analyzer):
    if analyzer == "cjk":
        return {
            "default": {"type": "cjk"},
            "edgengram_analyzer": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["cjk_width", "lowercase", "cjk_bigram", "edgengram"],
            },
        }
    if analyzer == "smartcn":
        return {
            "default": {"type": "smartcn"},
            "edgengram_analyzer": {
                "type": "custom",
                "tokenizer": "smartcn_tokenizer",
                "filter": _EDGENGRAM,
            },
        }
    if analyzer == "ik":
        return {
            "default": {"type": "custom", "tokenizer": "ik_max_word", "filter": ["lowercase"]},
            "default_search": {"type": "custom", "tokenizer": "ik_smart", "filter": ["lowercase"]},
            "edgengram_analyzer": {
                "type": "custom",
                "tokenizer": "ik_max_word",
                "filter": _EDGENGRAM,
            },
        }
    raise ValueError(f"SEARCH_ANALYZER must be one of {', '.join(ANALYZERS)}, not {analyzer!r}")


def index_settings(analyzer="cjk"):
    """INDEX_SETTINGS for modelsearch: deep-merged into the backend's own index settings."""
    return {"settings": {"analysis": {"analyzer": _analysis(analyzer)}}}


def search_backends(search_url=None, *, engine="elasticsearch9", analyzer="cjk", prefix="kepu_"):
    """The WAGTAILSEARCH_BACKENDS setting: ours on the database, or the search cluster."""
    if not search_url:
        return {"default": {"BACKEND": "search.backends", "SEARCH_CONFIG": "simple"}}
    if engine not in ENGINES:
        raise ValueError(f"SEARCH_ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}")
    return {
        "default": {
            "BACKEND": ENGINES[engine],
            "URLS": [search_url],
            "INDEX_PREFIX": prefix,
            "TIMEOUT": 5,
            "INDEX_SETTINGS": index_settings(analyzer),
        }
    }
