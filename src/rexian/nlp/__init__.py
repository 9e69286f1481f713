"""Language tools for routing, duplicate detection and hot issues.

Pure Python and scikit-learn: nothing here imports Django, so the same code
runs in the web process, in management commands and in offline benchmarks.
"""
