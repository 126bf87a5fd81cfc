"""The bulk reader: many pictures (folders, globs, a file list, a `datasets` dataset) -> one row
each, on every core of one machine or on a Ray cluster; `digit-studio read` is its command."""
