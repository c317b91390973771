"""Bulk indexing for importers: save many pages, index them in one pass at the end.

    with bulk_indexing():
        for line in lines:
            ...save or publish a page...

Inside the block the per-save index update is held back and the saved objects are collected;
on leaving, each model's objects are indexed with one ``add_bulk`` call per batch. Meant for
management commands (one thread): the hold is process-wide while the block runs.
"""

import contextlib
import threading
from collections import defaultdict

from django.core.exceptions import FieldDoesNotExist
from django.db.models.signals import post_save
from modelcluster.fields import ParentalManyToManyField
from modelsearch import index
from modelsearch.backends import get_search_backends
from modelsearch.signal_handlers import post_save_signal_handler

BATCH_SIZE = 500
_state = threading.local()


def _collect(sender, instance, raw=False, **kwargs):
    if not raw:
        _state.pending[type(instance)].add(instance.pk)


def _indexed_models():
    return [m for m in index.get_indexed_models() if getattr(m, "search_auto_update", True)]


def begin_bulk_indexing():
    """Hold back per-save index updates, collecting the saved objects instead.

    Returns False when a bulk block is already open (the outer one will index)."""
    if getattr(_state, "pending", None) is not None:
        return False
    _state.pending = defaultdict(set)
    for model in _indexed_models():
        post_save.disconnect(post_save_signal_handler, sender=model)
        post_save.connect(_collect, sender=model, dispatch_uid=f"kepu_bulk_{model._meta.label}")
    return True


def end_bulk_indexing():
    """Restore per-save updates and index everything collected since begin_bulk_indexing."""
    pending, _state.pending = getattr(_state, "pending", None), None
    if pending is None:
        return
    for model in _indexed_models():
        post_save.disconnect(sender=model, dispatch_uid=f"kepu_bulk_{model._meta.label}")
        post_save.connect(post_save_signal_handler, sender=model)
    if pending:
        index_objects(pending)


@contextlib.contextmanager
def bulk_indexing():
    opened = begin_bulk_indexing()
    try:
        yield
    finally:
        if opened:
            end_bulk_indexing()


def flush_bulk_indexing(pks_by_model=None):
    """Index now what the open bulk block has collected (the block stays open), together with
    ``pks_by_model``: an import's committed batch becomes searchable without waiting for the
    end of the import."""
    todo = defaultdict(set)
    pending = getattr(_state, "pending", None)
    if pending is not None:
        for model, pks in pending.items():
            todo[model].update(pks)
        pending.clear()
    for model, pks in (pks_by_model or {}).items():
        todo[model].update(pks)
    if todo:
        index_objects(todo)


def index_soon(instance):
    """Index one object now, or at the end of the enclosing bulk_indexing block."""
    pending = getattr(_state, "pending", None)
    if pending is not None:
        pending[type(instance)].add(instance.pk)
    else:
        index.insert_or_update_object(instance)


def index_objects(pks_by_model):
    """Index the given {model: pks} in batches, on every configured backend."""
    backends = list(get_search_backends(with_auto_update=True))
    for model, pks in pks_by_model.items():
        pks = sorted(pks)
        for start in range(0, len(pks), BATCH_SIZE):
            objects = list(_indexed_objects(model).filter(pk__in=pks[start : start + BATCH_SIZE]))
            for backend in backends:
                backend.add_bulk(model, objects)


def _indexed_objects(model):
    """``model.get_indexed_objects()``, with the many-to-many relations its search fields read
    fetched together: modelsearch prefetches Django's, but not modelcluster's parental ones
    (a page's audiences and regions), which cost two queries per page otherwise."""
    names = [
        field.field_name
        for field in model.get_search_fields()
        if isinstance(field, index.RelatedFields)
        and isinstance(_model_field(model, field.field_name), ParentalManyToManyField)
    ]
    queryset = model.get_indexed_objects()
    return queryset.prefetch_related(*names) if names else queryset


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
