"""Plot helpers (matplotlib, imported lazily inside each function).

Every helper takes an optional matplotlib ``Axes`` (``ax=None`` makes a new
figure), draws on it with units on the axes, and returns it.  Importing
:mod:`optics` never imports matplotlib; importing this package does not either.
"""
