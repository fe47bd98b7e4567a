"""Core optics: exact symbolic ABCD elements, lens trains, Gaussian beams and the compile step.

Layer 1 of the package (above :mod:`optics.units` and :mod:`optics.errors`):
sympy only, except :mod:`optics.core.compile`, the one bridge to numpy.
Nothing here knows about microscopes.
"""
