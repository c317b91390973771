from .generation import ContentGeneration
from .imports import ImportedFile, ImportedItem
from .kinds import CONTENT_KIND_CHOICES, CONTENT_KIND_LABELS, CONTENT_KINDS, CONTENT_PAGE_MODELS
from .pages import (
    ArticlePage,
    ComicPage,
    ComicPanel,
    ContentIndexPage,
    ContentPage,
    EmergencyGuidePage,
    EmergencyIndexPage,
    VideoPage,
)
from .review import ReviewClearance, ReviewTask
from .selection import ContentKindsField, ContentSelection
from .taxonomy import Audience, ContentPageTag, Hazard, Phase, Region

__all__ = [
    "CONTENT_KIND_CHOICES",
    "CONTENT_KIND_LABELS",
    "CONTENT_KINDS",
    "CONTENT_PAGE_MODELS",
    "ArticlePage",
    "Audience",
    "ComicPage",
    "ComicPanel",
    "ContentIndexPage",
    "ContentPage",
    "ContentGeneration",
    "ContentKindsField",
    "ContentPageTag",
    "ContentSelection",
    "EmergencyGuidePage",
    "EmergencyIndexPage",
    "Hazard",
    "ImportedFile",
    "ImportedItem",
    "Phase",
    "Region",
    "ReviewClearance",
    "ReviewTask",
    "VideoPage",
]
