"""Tools over games: recordings, videos, RAM search, datasets and trained policies."""
