"""Backup and restore of a whole install (docs/adr/0006-backup-and-restore.md).

One zip archive holds the database (SQLite's online backup or PostgreSQL's
``pg_dump`` custom format), the file store (``MEDIA_ROOT``), the generated
secret key and a manifest. ``podpora backup`` writes it, ``podpora restore``
puts it back and moves ticket numbering past every number issued since.
"""


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the admin."""
