"""The review report for auditors: a static site that works offline from the file system.

- an index with one row per document (status, kind, reference, grants, findings by severity), sortable and
  filterable, with the counts at the top;
- a page per document: its page images with every value outlined in a colour per kind and the evidence of
  each finding highlighted, beside them the findings, grants and repairs; selecting one scrolls to its box;
  a text document shows its text with the spans marked;
- an annotated PDF per PDF with findings, for reviewers who work in a PDF viewer.

Modules, in the order of the data: :mod:`.inputs` (the records), :mod:`.marks` (what a page shows of a
record), :mod:`.document` (one document's images, PDF and page, in a worker), :mod:`.annotate` (the
annotated PDF), :mod:`.views` (the HTML), :mod:`.build` (the whole report).
"""

from .build import ReviewConfig, ReviewSummary, write_review

__all__ = ["ReviewConfig", "ReviewSummary", "write_review"]
