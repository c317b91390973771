"""The Elasticsearch / OpenSearch backends used when ``SEARCH_URL`` is set: modelsearch's, with
the search service's explicit ``search_ids`` (``search.backends.common``) answered in one
request. ``search.backends.elasticsearch`` names them in the setting.

The request asks for the pk of every allowed match, best first (up to ``MAX_MATCHES``, the
clusters' default result window), without the documents: the requested slice, the count and the
facets all come from that one list. Through Wagtail's API the same answer would take a request
for the page of results plus a scroll over every match, each page of it loaded from the database.
"""

from modelsearch.backends.elasticsearch8 import Elasticsearch8SearchBackend as _Elasticsearch8
from modelsearch.backends.elasticsearch9 import Elasticsearch9SearchBackend as _Elasticsearch9
from modelsearch.backends.opensearch2 import OpenSearch2SearchBackend as _OpenSearch2
from modelsearch.backends.opensearch3 import OpenSearch3SearchBackend as _OpenSearch3

from .common import SearchIdsMixin

# pks asked for per search: the clusters' default result window (index.max_result_window); the
# count and the facets cover at most this many matches, as they did through Wagtail's API
MAX_MATCHES = 10_000


class ClusterSearchIdsMixin(SearchIdsMixin):
    def match_ids(self, compiler_class, model, query, allowed_ids, start, stop):
        # the allowed pks go to the cluster as a terms filter, as a filtered queryset would
        queryset = model.objects.filter(pk__in=sorted(allowed_ids))
        compiler = compiler_class(queryset, query)
        compiler.check()
        results = self.results_class(self, compiler)
        response = results._backend_do_search(
            results._get_es_body(),
            index=self.get_index_for_model(model).name,
            _source=False,
            from_=0,
            size=MAX_MATCHES,
            **{results.fields_param_name: "pk"},
        )
        to_pk = model._meta.pk.to_python
        found = (to_pk(hit["fields"]["pk"][0]) for hit in response["hits"]["hits"])
        matched = [pk for pk in dict.fromkeys(found) if pk in allowed_ids]
        return matched[start:stop], matched


class Elasticsearch8SearchBackend(ClusterSearchIdsMixin, _Elasticsearch8):
    pass


class Elasticsearch9SearchBackend(ClusterSearchIdsMixin, _Elasticsearch9):
    pass


class OpenSearch2SearchBackend(ClusterSearchIdsMixin, _OpenSearch2):
    pass


class OpenSearch3SearchBackend(ClusterSearchIdsMixin, _OpenSearch3):
    pass
