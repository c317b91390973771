import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

SYNONYM_SEPARATORS = re.compile(r"[\s,，、;；|/⇄=]+")
SYNONYM_WORD_MAX = 30


def split_synonyms(text):
    seen = []
    for word in SYNONYM_SEPARATORS.split(text or ""):
        word = word.strip()
        if word and word not in seen:
            seen.append(word)
    return seen


class SynonymGroup(models.Model):
    """Words that mean the same to a searcher (煤气中毒 ⇄ 一氧化碳中毒); a query containing one
    also finds pages that use another. Applied at query time, so no reindex is needed."""

    words = models.CharField(
        _("同义词"),
        max_length=300,
        help_text=_("两个或更多同义的词，用逗号或空格分隔，例如：煤气中毒, 一氧化碳中毒"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["words"]
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")

    def __str__(self):
        return " ⇄ ".join(self.word_list)

    def clean(self):
        words = split_synonyms(self.words)
        if len(words) < 2:
            raise ValidationError({"words": _("至少需要两个不同的词。")})
        too_long = [word for word in words if len(word) > SYNONYM_WORD_MAX]
        if too_long:
            raise ValidationError(
                {
                    "words": _("每个词不超过 %(max)d 个字：%(word)s")
                    % {"max": SYNONYM_WORD_MAX, "word": too_long[0]}
                }
            )
        self.words = ", ".join(words)

    @property
    def word_list(self):
        return split_synonyms(self.words)


class QueryStat(models.Model):
    """How often a normalised query was searched in one week, and how often it found nothing.
    Aggregate counts only: no IP address, user, session or time of day is kept."""

    week = models.DateField(_("周（周一）"), db_index=True)
    query = models.CharField(_("搜索词"), max_length=200)
    searches = models.PositiveIntegerField(_("搜索次数"), default=0)
    zero_results = models.PositiveIntegerField(_("无结果次数"), default=0)

    class Meta:
        verbose_name = _("搜索统计")
        verbose_name_plural = _("搜索统计")
        constraints = [
            models.UniqueConstraint(fields=["week", "query"], name="kepu_search_querystat_week")
        ]

    def __str__(self):
        return f"{self.week} {self.query}"


class HiddenQuery(models.Model):
    """A normalised query that editors keep off the public "大家在搜" list (it stays in the
    insights report): a name, an insult, a search for something the site should not promote."""

    query = models.CharField(_("搜索词"), max_length=200, unique=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("隐藏者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("隐藏时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("隐藏的搜索词")
        verbose_name_plural = _("隐藏的搜索词")

    def __str__(self):
        return self.query


class Posting(models.Model):
    """One word of one search index entry, with the entry's rank for that word: a word index
    over Wagtail's search index table, for the PostgreSQL backend (``search.backends.postings``).

    The table exists on every database so that the schema is the same; only PostgreSQL fills
    it. There, migration 0003 adds what the ORM cannot declare: the ``C`` collation of
    ``term``, the covering index that answers a one-word search from the index alone, and the
    foreign key's ON DELETE CASCADE, so that however an index entry is deleted (stock deletes
    with ``_raw_delete``) its words go with it.
    """

    pk = models.CompositePrimaryKey("entry", "term")
    entry = models.ForeignKey(
        "wagtailsearch.IndexEntry",
        on_delete=models.DO_NOTHING,  # the database cascades (migration 0003)
        db_constraint=False,
        db_index=False,  # the primary key (entry, term) serves lookups by entry
        related_name="+",
    )
    term = models.TextField()
    content_type_id = models.IntegerField()
    object_id = models.BigIntegerField()
    in_title = models.BooleanField()
    score = models.FloatField()

    class Meta:
        verbose_name = _("检索词条")
        verbose_name_plural = _("检索词条")

    def __str__(self):
        return f"{self.term} {self.content_type_id}:{self.object_id}"
