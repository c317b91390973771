"""The screens' side of emergency alerts: how alert cards reach a screen's manifest.

Screens do not know where alerts come from (the alerts app knows screens, not the reverse): an
app registers a provider, ``provider(screen, now) -> [card, ...]``, and the manifest carries what
the providers return under ``"alerts"``, most severe first. The card's shape is part of the
manifest contract (``screens.api.AlertCardOut``). The provider is asked on every manifest build,
and builds are cached per manifest version, so whoever changes alerts bumps the versions of the
screens concerned (``screens.versions.bump_screens``) and announces them with the push event
``alert``.
"""

_providers = []


def register_alert_cards(provider):
    if provider not in _providers:
        _providers.append(provider)


def alert_cards(screen, now):
    cards = [card for provider in _providers for card in provider(screen, now)]
    return sorted(
        cards, key=lambda card: (card.get("rank", 0), card.get("sent") or ""), reverse=True
    )
