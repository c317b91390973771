"""The Elasticsearch/OpenSearch configuration generated when SEARCH_URL is set, checked without a
server (no cluster runs in CI): Chinese analysis replaces the default and autocomplete analysers."""

import pytest
from modelsearch.backends.elasticsearch9 import Elasticsearch9SearchBackend
from modelsearch.backends.opensearch3 import OpenSearch3SearchBackend

from search.backends.elasticsearch import index_settings, search_backends


def test_without_search_url_our_database_backend_is_the_default():
    assert search_backends(None) == {
        "default": {"BACKEND": "search.backends", "SEARCH_CONFIG": "simple"}
    }


IK = "ik_max_word"


@pytest.mark.parametrize(
    ("analyzer", "default", "tokenizer"),
    [
        ("cjk", {"type": "cjk"}, "standard"),
        ("smartcn", {"type": "smartcn"}, "smartcn_tokenizer"),
        (
            "ik",
            {"type": "custom", "tokenizer": "ik_max_word", "filter": ["lowercase"]},
            "ik_max_word",
        ),
    ],
)
def test_the_chosen_chinese_analyser_is_the_index_default(analyzer, default, tokenizer):
    analysis = index_settings(analyzer)["settings"]["analysis"]["analyzer"]
    assert analysis["default"] == default
    assert analysis["edgengram_analyzer"]["tokenizer"] == tokenizer
    assert analysis["edgengram_analyzer"]["filter"][-1] == "edgengram"


@pytest.mark.parametrize("backend_class", [Elasticsearch9SearchBackend, OpenSearch3SearchBackend])
def test_the_backend_merges_our_analysis_into_its_index_settings(backend_class):
    engine = "elasticsearch9" if backend_class is Elasticsearch9SearchBackend else "opensearch3"
    params = dict(search_backends("http://search.example:9200", engine=engine)["default"])
    assert params.pop("BACKEND") == f"wagtail.search.backends.{engine}"
    backend = backend_class(params)  # builds a client object; nothing is contacted
    analysis = backend.settings["settings"]["analysis"]
    assert analysis["analyzer"]["default"] == {"type": "cjk"}
    assert "cjk_bigram" in analysis["analyzer"]["edgengram_analyzer"]["filter"]
    # modelsearch's own filters that our edgengram analyser refers to are kept
    assert analysis["filter"]["edgengram"]["type"] == "edge_ngram"
    assert backend.index_prefix == "kepu_"


def test_ik_searches_with_the_smart_tokenizer():
    analysis = index_settings("ik")["settings"]["analysis"]["analyzer"]
    assert analysis["default_search"]["tokenizer"] == "ik_smart"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"analyzer": "jieba"}, "SEARCH_ANALYZER"), ({"engine": "solr"}, "SEARCH_ENGINE")],
)
def test_unknown_choices_are_refused_with_the_setting_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        search_backends("http://search.example:9200", **kwargs)
