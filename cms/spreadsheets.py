"""Cells that a spreadsheet would run: neutralised in every CSV the site produces.

A display name, an amendment's text or a donor's name starting with `=`, `+`, `-` or
`@` (or a tab or carriage return) is read by Excel, LibreOffice and Google Sheets as a
formula when a moderator opens the export. OWASP's advice: start such a cell with a
single quote, which spreadsheets show as text. Numbers stay numbers. Every CSV writer
uses `safe_row`: the manifesto's own exports, and Wagtail's admin exports (list exports of
every ModelViewSet and SnippetViewSet, reports, form submissions) through
`guard_wagtail_csv_exports`. Wagtail's XLSX export already stores such cells as text.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with a leading quote if it is text a spreadsheet would take as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row):
    """A CSV row (a list, or a dict for csv.DictWriter) with every cell made safe."""
    if isinstance(row, dict):
        return {key: safe_cell(value) for key, value in row.items()}
    return [safe_cell(value) for value in row]


def guard_wagtail_csv_exports() -> None:
    """Make Wagtail's spreadsheet export mixin write safe cells in its CSV exports.

    Done once for the mixin itself, so that every admin export is covered, including
    ones a later viewset or Wagtail itself adds, not only the viewsets written here.
    """
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    if getattr(SpreadsheetExportMixin.preprocess_field_value, "makes_safe_cells", False):
        return
    preprocess = SpreadsheetExportMixin.preprocess_field_value

    def preprocess_field_value(self, field, value, export_format):
        processed = preprocess(self, field, value, export_format)
        return safe_cell(processed) if export_format == self.FORMAT_CSV else processed

    preprocess_field_value.makes_safe_cells = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
