"""The archive's life on disk: founding an archive, saving archivists' edits, git history,
withdrawal of consent, watching for outside edits, and syncing with other archivists.

`founding` starts an archive; `editing` writes a record and indexes it at once, refusing
to overwrite a change made meanwhile; `git` commits, lists, compares and restores
versions and syncs with a remote; `withdrawal` removes a record for good and leaves a
tombstone; `watching` indexes files saved outside the archive.
"""
