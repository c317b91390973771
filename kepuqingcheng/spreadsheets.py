"""CSV cells that a spreadsheet opens as text, never as a formula ("CSV injection").

Excel, LibreOffice and WPS treat a cell starting with ``= + - @`` (and, after trimming, a tab or
carriage return before one) as a formula, which can run commands or leak data when an editor
opens an export. Every CSV the site writes passes its text cells through ``safe_cell``.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
