"""The Elasticsearch/OpenSearch configuration generated when SEARCH_URL is set, checked without a
server (no cluster runs in CI): Chinese analysis replaces the default and autocomplete analysers,
and ``search_ids`` asks the cluster one request of the expected shape."""

import pytest
from modelsearch.backends import import_backend

from search.backends.cluster import (
    MAX_MATCHES,
    Elasticsearch9SearchBackend,
    OpenSearch3SearchBackend,
)
from search.backends.elasticsearch import ENGINES, index_settings, search_backends


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
    assert import_backend(params.pop("BACKEND")) is backend_class
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


class FakeCluster:
    """Records the search requests; answers with hits carrying these pks, best first."""

    def __init__(self, pks):
        self.pks = pks
        self.requests = []

    def search(self, **request):
        self.requests.append(request)
        hits = [{"_score": 1.0, "fields": {"pk": [str(pk)]}} for pk in self.pks]
        return {"hits": {"hits": hits}}


def cluster_backend(engine, answer):
    params = dict(search_backends("http://search.example:9200", engine=engine)["default"])
    backend = import_backend(params.pop("BACKEND"))(params)  # nothing is contacted
    backend.es = FakeCluster(answer)
    return backend


@pytest.mark.parametrize("engine", list(ENGINES))
def test_every_engine_answers_search_ids_with_one_request_for_the_matching_pks(engine):
    backend = cluster_backend(engine, [5, 3, 99, 3, 7])  # 99 is not allowed; 3 twice
    hits = backend.search_ids(
        "草原 防火", {7, 3, 5}, offset=1, limit=1, facet_counts=lambda pks: {"matched": pks}
    )
    assert hits.ranked_ids == [3]
    assert hits.count == 3
    assert hits.facets == {"matched": [5, 3, 7]}
    [request] = backend.es.requests
    body = request.pop("body", None) or {"query": request.pop("query")}  # OpenSearch: body=
    assert request == {
        "index": "kepu_wagtailcore_page",
        "_source": False,
        "stored_fields": "pk",
        "from_": 0,
        "size": MAX_MATCHES,
    }
    query = body["query"]["bool"]
    assert query["must"]["multi_match"]["query"] == "草原 防火"
    # the allowed pages go to the cluster as a filter, so the window holds allowed matches
    assert {"terms": {"id_filter": [3, 5, 7]}} in query["filter"]


def test_search_ids_asks_the_cluster_nothing_when_no_page_is_allowed():
    backend = cluster_backend("elasticsearch9", [1])
    hits = backend.search_ids("防火", set(), facet_counts=lambda pks: {"matched": pks})
    assert (hits.ranked_ids, hits.count, hits.facets) == ([], 0, {"matched": []})
    assert backend.es.requests == []


def test_autocomplete_through_search_ids_uses_the_autocomplete_query():
    backend = cluster_backend("opensearch3", [4])
    hits = backend.search_ids("马铃", {4}, autocomplete=True)
    assert hits.ranked_ids == [4]
    [request] = backend.es.requests
    assert request["body"]["query"]["bool"]["must"] == {"match": {"_edgengrams": {"query": "马铃"}}}
