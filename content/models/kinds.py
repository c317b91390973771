"""The public content kinds: the names used in URLs, feeds, the APIs and stored selections."""

from .pages import ArticlePage, ComicPage, EmergencyGuidePage, VideoPage

CONTENT_PAGE_MODELS = (ArticlePage, VideoPage, ComicPage, EmergencyGuidePage)
CONTENT_KINDS = {model.content_kind: model for model in CONTENT_PAGE_MODELS}
CONTENT_KIND_LABELS = {kind: model.content_kind_label for kind, model in CONTENT_KINDS.items()}
CONTENT_KIND_CHOICES = list(CONTENT_KIND_LABELS.items())
