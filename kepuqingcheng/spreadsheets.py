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


class SafeSpreadsheetExportMixin:
    """For views built on Wagtail's ``SpreadsheetExportMixin`` (model indexes, ``ReportView``).

    Wagtail turns an XLSX cell that openpyxl would read as a formula back into text, but writes
    CSV cells as they are, and serves the CSV as bare ``text/csv``: here CSV cells go through
    ``safe_cell`` and the response names its charset, so a spreadsheet does not guess one.
    """

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return safe_cell(value) if export_format == self.FORMAT_CSV else value

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response
