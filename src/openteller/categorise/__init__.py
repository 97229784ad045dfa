"""Merchant normalisation and categorisation (no I/O beyond the package's own data files).

See docs/categorisation.md for the pipeline and its precedence, docs/categories.md for
the taxonomy.
"""
