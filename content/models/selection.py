"""A stored choice of content by type, audience, topic and region.

Playlists today (and newsletter segments and alert targets later) keep their rules as real
relations to the taxonomy, not as text: merging or renaming a topic, audience or region carries
over to every selection that names it. ``as_filter()`` gives the same ``ContentFilter`` a URL
gives, so a stored selection and a listing URL select content by the one set of rules.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import CONTENT_KIND_CHOICES, CONTENT_KINDS
from .taxonomy import Audience, Region


class ContentKindsField(models.JSONField):
    """A list of content kinds (``article``, ``video`` ...), chosen with checkboxes; an empty
    list means every kind. Stored as JSON so it needs no join and works on every database."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
            raise ValidationError(_("内容类型应为列表。"), code="invalid")
        unknown = [kind for kind in value if kind not in CONTENT_KINDS]
        if unknown:
            raise ValidationError(
                _("未知的内容类型：%(kinds)s") % {"kinds": "、".join(unknown)}, code="invalid"
            )

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            label=self.verbose_name,
            help_text=self.help_text,
            required=not self.blank,
            choices=CONTENT_KIND_CHOICES,
            widget=kwargs.get("widget") or forms.CheckboxSelectMultiple,
        )


class ContentSelection(models.Model):
    """Content chosen by type, audience, topic and region: OR within each, AND across, an empty
    one not narrowing (as the filters of a listing URL)."""

    kinds = ContentKindsField(_("内容类型"), help_text=_("不选为全部类型。"))
    audiences = models.ManyToManyField(Audience, verbose_name=_("受众"), blank=True)
    topics = models.ManyToManyField("taggit.Tag", verbose_name=_("主题"), blank=True)
    regions = models.ManyToManyField(Region, verbose_name=_("地区"), blank=True)

    class Meta:
        abstract = True

    def as_filter(self):
        """The selection as a ``ContentFilter`` (three queries: one per relation)."""
        from content.filters import ContentFilter

        return ContentFilter(
            kinds=tuple(kind for kind in self.kinds if kind in CONTENT_KINDS),
            audiences=tuple(self.audiences.values_list("slug", flat=True)),
            topics=tuple(self.topics.values_list("slug", flat=True)),
            regions=tuple(self.regions.values_list("code", flat=True)),
        ).canonical()


def selection_models():
    """Every concrete model that stores a ContentSelection (playlists, and later segments)."""
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if issubclass(model, ContentSelection) and not model._meta.abstract
    ]


def move_topic_links(sources, target):
    """Point every stored selection naming one of ``sources`` (topics being merged away) at
    ``target`` instead, before the sources are deleted (which would drop the links)."""
    source_ids = [tag.pk for tag in sources]
    for model in selection_models():
        field = model._meta.get_field("topics")
        through = field.remote_field.through
        owner, tag = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        links = through.objects.filter(**{f"{tag}__in": source_ids})
        owners = set(links.values_list(owner, flat=True))
        if not owners:
            continue
        owners -= set(through.objects.filter(**{tag: target.pk}).values_list(owner, flat=True))
        links.delete()
        through.objects.bulk_create([through(**{owner: pk, tag: target.pk}) for pk in owners])
