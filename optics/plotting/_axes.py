"""The one way plot helpers make Axes when none is given.

Helpers draw on a new :class:`matplotlib.figure.Figure` (no pyplot, so no
global state: safe in scripts, servers and the report command).  In a
notebook, pass ``ax`` from ``plt.subplots()`` to have the figure shown inline,
or display the returned ``ax.figure``.
"""


def new_figure(figsize=None):
    """A new constrained-layout :class:`matplotlib.figure.Figure` (no pyplot)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def new_axes(ax=None, figsize=None):
    """Return *ax*, or the Axes of a new constrained-layout Figure."""
    if ax is not None:
        return ax
    return new_figure(figsize).add_subplot()
