"""Readers that turn arXiv's formats into PaperRecords (or Rejected entries)."""
