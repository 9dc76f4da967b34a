"""Build tooling: notebook execution, the Sphinx extension, benchmarks, chapter scaffolding.

Kept apart from the modules notebooks import, so that editing tooling does not make every
notebook's outputs stale (the executor fingerprints only ``evidence/*.py``).
"""
