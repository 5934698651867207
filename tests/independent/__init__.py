"""A second implementation of the report definitions (docs/reports.md), for tests only.

It reads a data folder's raw TinyDB JSON files (``raw``) and recomputes every report
figure from the snapshots (``figures``, ``entries``, ``summary``). It must not import
``streamer``, ``reports`` or ``collectors``: agreeing with the report code is worth
something only if the figures were worked out another way
(``tests/test_independent_isolation.py`` checks the imports).
"""
