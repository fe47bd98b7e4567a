"""The microscope layer: part records, the scan path as one lens train, its closed forms,
checks, remote focus, resolution and the lens-set search.

Layer 2 of the package: imports :mod:`optics.core` and below, never the
catalog, design files, reports, plotting or the command line.
"""
