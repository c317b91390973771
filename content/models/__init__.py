from .generation import ContentGeneration
from .imports import ImportedFile, ImportedItem
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
from .taxonomy import Audience, ContentPageTag, Hazard, Phase, Region

CONTENT_PAGE_MODELS = (ArticlePage, VideoPage, ComicPage, EmergencyGuidePage)

__all__ = [
    "CONTENT_PAGE_MODELS",
    "ArticlePage",
    "Audience",
    "ComicPage",
    "ComicPanel",
    "ContentIndexPage",
    "ContentPage",
    "ContentGeneration",
    "ContentPageTag",
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
