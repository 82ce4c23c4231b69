"""The desk for submissions, calls and their review (the editors' and reviewers' admin)."""

from submissions import admin_calls  # noqa: F401  (calls' admin: submissions.admin_calls)
