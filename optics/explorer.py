r"""An interactive design explorer for Jupyter (optional extra: ``pip install 'scanpath-optics[explorer]'``).

:class:`Explorer` puts a design's parts and settings on widgets
(`ipywidgets <https://ipywidgets.readthedocs.io>`_): pick the objective, scan
lens, tube lens, relay lenses and ETL from the catalog, move the ETL power,
the beam diameter and the three spacings of the scan/tube-lens section.  On
every change it builds a new :class:`~optics.design.Design`, analyses it with
:func:`optics.analysis.analyze` (the numbers of ``optics report``) and shows
the main numbers and a figure: the remote-focus transfer curve with the
current ETL power marked (or, without an ETL, the layout).

Nothing is computed here that the analysis does not compute, except the focus
shift at the chosen ETL power (:meth:`ScanPath.focus_shift
<optics.microscope.path.ScanPath.focus_shift>` of the analysed path).

In a notebook::

    from optics.explorer import Explorer
    explorer = Explorer()          # the embedded default design
    explorer                       # shows the widgets
    explorer.set(scan_lens="Thorlabs LSM03-BB", beam_diameter=4)
    explorer.numbers["back_aperture_beam"]

This module is at the top layer (7), beside the command line; ipywidgets is
imported only when an Explorer is made.
"""

from __future__ import annotations

import dataclasses
import io
import warnings

from optics.analysis import analyze
from optics.design import Component, Design
from optics.display import Table, repr_html, repr_markdown
from optics import validate
from optics.errors import InvalidParameterError, OpticsError, OpticsTypeError, OpticsWarning, PartNotFoundError
from optics.units import quantity, to_magnitude

__all__ = ["Explorer", "INSTALL_HINT"]

#: How to install the optional dependency.
INSTALL_HINT = "pip install 'scanpath-optics[explorer]'"

#: Beam-diameter slider range (mm).
BEAM_RANGE = (0.5, 25.0)
#: Spacing-change slider range, each way (mm).
SPACING_RANGE = 50.0


def _widgets():
    try:
        import ipywidgets
    except ImportError:
        raise OpticsError(
            f"the explorer needs ipywidgets, which is not installed; install it with {INSTALL_HINT}"
        ) from None
    return ipywidgets


def _relay_roles(design):
    roles = []
    if design.etl_relay is not None and design.etl_relay.first is not None:
        roles += [("etl_relay_1", "ETL relay, first lens"), ("etl_relay_2", "ETL relay, second lens")]
    for k, relay in enumerate(design.relays):
        if relay.first is not None:
            roles += [(f"relay{k + 1}_1", f"relay {k + 1}, first lens"), (f"relay{k + 1}_2", f"relay {k + 1}, second lens")]
    return roles


def _relay_component(design, role):
    if role.startswith("etl_relay"):
        relay = design.etl_relay
    else:
        relay = design.relays[int(role[5:].partition("_")[0]) - 1]
    return relay.first if role.endswith("_1") else relay.second


def _with_relay_lens(design, role, name):
    def swap(relay):
        key = "first" if role.endswith("_1") else "second"
        return dataclasses.replace(relay, **{key: Component("lens", part=name)})

    if role.startswith("etl_relay"):
        return dataclasses.replace(design, etl_relay=swap(design.etl_relay))
    k = int(role[5:].partition("_")[0]) - 1
    relays = list(design.relays)
    relays[k] = swap(relays[k])
    return dataclasses.replace(design, relays=tuple(relays))


class Explorer:
    """Widgets for a design's parts, ETL power, spacings and beam, with numbers and a figure that follow them.

    Parameters
    ----------
    design : Design, optional
        The starting design (default :meth:`Design.default`).  Its parts
        must be catalog parts (values given in the design file are kept for
        parts that are not changed).
    figure : bool
        Draw the figure (default True; False makes updates faster).

    Attributes
    ----------
    design : Design
        The design the widgets show now.
    analysis : Analysis
        Its analysis.
    numbers : dict
        The numbers shown, by key: ``back_aperture_beam``, ``back_aperture``,
        ``fill_ratio``, ``fov`` (the first scanner's, f·tanθ mapping),
        ``z_range``, ``focus_shift`` (at the ETL power of the slider),
        ``lateral_fwhm``, ``transmission``.  Values are Quantities or floats;
        a key is missing when the design cannot give it.
    error : str or None
        The message of the last change the library refused (the previous
        design is kept).
    widgets : dict
        The controls by name: ``objective``, ``scan_lens``, ``tube_lens``,
        ``etl``, relay roles (``etl_relay_1``, ``relay1_2``, ...),
        ``etl_power``, ``beam_diameter``, ``spacing_1`` to ``spacing_3``.

    Raises
    ------
    OpticsError
        If ipywidgets is not installed (naming the install command).

    Examples
    --------
    >>> explorer = Explorer(figure=False)  # needs ipywidgets (the explorer extra)
    >>> d2 = explorer.set(beam_diameter=2).numbers["back_aperture_beam"]
    >>> d4 = explorer.set(beam_diameter=4).numbers["back_aperture_beam"]
    >>> round(float(d4 / d2), 12)  # the beam at the back aperture scales with the input beam
    2.0
    """

    def __init__(self, design=None, *, figure=True):
        widgets = _widgets()
        self._w = widgets
        if design is None:
            design = Design.default()
        if not isinstance(design, Design):
            raise OpticsTypeError(f"Explorer: design must be an optics.design.Design, got {type(design).__name__}")
        self._figure = bool(figure)
        self.error = None
        self._catalog = design.catalog()
        self._base = design
        self.design = design
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OpticsWarning)
            self.analysis = analyze(design)
        self._nominal = self._nominal_spacings(design)
        self.widgets = self._make_widgets(design)
        self._numbers_view = widgets.HTML()
        self._figure_view = widgets.Image(format="png")
        self._message = widgets.HTML()
        self.numbers = {}
        self._refresh()
        for w in self.widgets.values():
            w.observe(self._changed, names="value")

    # -- widgets -----------------------------------------------------------------------
    def _canonical(self, component, kind):
        if component is None or component.part is None:
            return None
        return self._catalog.entry(component.part, kind).name

    def _dropdown(self, kind, component, label):
        names = list(self._catalog.names(kind))
        value = self._canonical(component, kind)
        return self._w.Dropdown(options=names, value=value, description=label,
                                style={"description_width": "initial"}, layout=self._w.Layout(width="30em"))

    def _slider(self, value, low, high, step, label, unit):
        return self._w.FloatSlider(value=value, min=low, max=high, step=step, description=f"{label} ({unit})",
                                   continuous_update=False, style={"description_width": "initial"},
                                   layout=self._w.Layout(width="30em"))

    def _make_widgets(self, design):
        out = {
            "objective": self._dropdown("objective", design.objective, "objective"),
            "scan_lens": self._dropdown("lens", design.scan_lens, "scan lens"),
            "tube_lens": self._dropdown("lens", design.tube_lens, "tube lens"),
        }
        for role, label in _relay_roles(design):
            out[role] = self._dropdown("lens", _relay_component(design, role), label)
        if design.etl is not None:
            out["etl"] = self._dropdown("etl", design.etl, "ETL")
            low, high = self._etl_range()
            out["etl_power"] = self._slider(0.0 if low <= 0 <= high else low, low, high, 0.1, "ETL power", "dpt")
        beam = to_magnitude(design.beam_diameter, "mm", name="Explorer: beam diameter")
        out["beam_diameter"] = self._slider(float(beam), *BEAM_RANGE, 0.1, f"beam diameter at {design.beam_at}", "mm")
        labels = ("Δ last scanner → scan lens", "Δ scan lens → tube lens", "Δ tube lens → back aperture")
        for i, label in enumerate(labels):
            given = self._given_spacing(design, i)
            out[f"spacing_{i + 1}"] = self._slider(given, -SPACING_RANGE, SPACING_RANGE, 0.5, label, "mm")
        return out

    def _given_spacing(self, design, i):
        if design.spacings is None:
            return 0.0
        return float(to_magnitude(design.spacings[i], "mm", name="Explorer: spacing")) - self._nominal[i]

    def _nominal_spacings(self, design):
        """The path's spacings when the design gives none (4f), in mm."""
        path = dataclasses.replace(design, spacings=None).scan_path(check=False)
        return tuple(float(d) for d in path.spacings)

    def _etl_range(self):
        etl = self.analysis.path.etl
        if etl is None or not etl.has_range:
            return (-10.0, 10.0)
        return (float(etl.power_min), float(etl.power_max))

    # -- changes -----------------------------------------------------------------------
    def set(self, **values):
        """Set widgets by name (as a user would) and update once.

        Parameters
        ----------
        **values
            Widget name to value: part names for the dropdowns, numbers in
            the sliders' units (mm, dpt) for the sliders.

        Returns
        -------
        Explorer
            Itself, updated.

        Raises
        ------
        OpticsError
            For an unknown widget name, a part not in the catalog
            (:class:`~optics.errors.PartNotFoundError`), a value of the wrong
            unit or outside the slider's range (a slider would clamp it
            silently); nothing is changed then.
        """
        unknown = [k for k in values if k not in self.widgets]
        if unknown:
            raise OpticsError(f"Explorer.set: no widget {', '.join(map(repr, unknown))}; widgets are "
                              f"{', '.join(self.widgets)}")
        checked = {key: self._checked(key, value) for key, value in values.items()}
        self._batch = True
        try:
            for key, value in checked.items():
                self.widgets[key].value = value
        finally:
            self._batch = False
        self._update()
        return self

    _batch = False

    def _checked(self, key, value):
        """*value* for widget *key*, in its unit and range (a slider would clamp it silently)."""
        widget = self.widgets[key]
        if hasattr(widget, "options"):
            if value in widget.options:
                return value
            kind = key if key in ("objective", "etl") else "lens"
            try:  # an alias or part number (AC254-050) names the same part; the catalog names close matches
                return self._catalog.entry(value, kind).name
            except PartNotFoundError as err:
                raise PartNotFoundError(f"Explorer.set: {key}: {err}") from None
        unit = "dpt" if key == "etl_power" else "mm"
        magnitude = validate.finite(value, unit, f"Explorer.set: {key}")
        if not isinstance(magnitude, float):
            raise OpticsTypeError(f"Explorer.set: {key} takes one value, got an array")
        if not widget.min <= magnitude <= widget.max:
            raise InvalidParameterError(f"Explorer.set: {key} {magnitude:g} {unit} is outside the slider's range "
                                        f"{widget.min:g} to {widget.max:g} {unit}")
        return magnitude

    def _changed(self, change):
        if not self._batch:
            self._update()

    def _design_from_widgets(self):
        w = {k: v.value for k, v in self.widgets.items()}
        design = self._base
        for key in ("objective", "scan_lens", "tube_lens", "etl"):
            if key not in w:
                continue
            old = getattr(design, key)
            kind = old.kind
            if w[key] != self._canonical(old, kind):
                design = dataclasses.replace(design, **{key: Component(kind, part=w[key])})
        for role, _ in _relay_roles(self._base):
            if w[role] != self._canonical(_relay_component(self._base, role), "lens"):
                design = _with_relay_lens(design, role, w[role])
        design = dataclasses.replace(design, beam_diameter=quantity(float(w["beam_diameter"]), "mm"))
        nominal = self._nominal_spacings(design)
        deltas = [float(w[f"spacing_{i + 1}"]) for i in range(3)]
        spacings = None
        if any(deltas):
            spacings = tuple(quantity(n + d, "mm") for n, d in zip(nominal, deltas))
        return dataclasses.replace(design, spacings=spacings)

    def _update(self):
        try:
            design = self._design_from_widgets()
            with warnings.catch_warnings():  # the checks' messages are shown under the numbers instead
                warnings.simplefilter("ignore", OpticsWarning)
                analysis = analyze(design)
        except OpticsError as err:
            self.error = str(err)
            self._message.value = f"<p style='color:#b00'>Not applied: {_escape(self.error)}</p>"
            return
        self.error = None
        self.design, self.analysis = design, analysis
        if "etl_power" in self.widgets:
            low, high = self._etl_range()
            slider = self.widgets["etl_power"]
            if (slider.min, slider.max) != (low, high):
                self._batch = True
                try:
                    slider.max = max(high, slider.min)
                    slider.min = low
                    slider.max = high
                finally:
                    self._batch = False
        self._refresh()

    # -- outputs -------------------------------------------------------------------------
    def _compute_numbers(self):
        a = self.analysis
        out = {}
        for key, value in (("back_aperture_beam", a.back_aperture_beam), ("back_aperture", a.back_aperture),
                           ("fill_ratio", a.fill_ratio), ("effective_na", a.effective_na)):
            if value is not None:
                out[key] = value
        if a.fovs:
            out["fov"] = a.fovs[0].exact
        if a.resolution is not None:
            out["lateral_fwhm"] = a.resolution.lateral_fwhm
        if a.power is not None:
            out["transmission"] = a.power.transmission
        if a.remote_focus is not None:
            out["z_range"] = a.remote_focus.z_range.span
        if "etl_power" in self.widgets and a.path.etl is not None:
            power = float(self.widgets["etl_power"].value)
            try:
                out["focus_shift"] = a.path.focus_shift(power).to("um")
            except OpticsError:
                pass
        return out

    def table(self) -> Table:
        """The numbers shown now, as a :class:`~optics.display.Table` (displays as HTML in Jupyter).

        Returns
        -------
        Table
        """
        return self._numbers_table()

    def _numbers_table(self):
        labels = {
            "back_aperture_beam": "beam diameter at back aperture",
            "back_aperture": "back aperture",
            "fill_ratio": "fill ratio (beam / back aperture)",
            "effective_na": "effective NA",
            "fov": f"field of view ({self.analysis.fovs[0].plane if self.analysis.fovs else ''}, f·tanθ)",
            "lateral_fwhm": "lateral FWHM (two-photon)",
            "transmission": "power through the apertures",
            "z_range": "remote-focus z range",
            "focus_shift": "focus shift at this ETL power",
        }
        rows = [(labels[k], v) for k, v in self.numbers.items()]
        notes = self.analysis.warnings
        return Table(rows, header=("", "value"), title=self.analysis.title, notes=notes)

    def _refresh(self):
        self.numbers = self._compute_numbers()
        self._numbers_view.value = self._numbers_table().to_html()
        self._message.value = ""
        if self._figure:
            self._figure_view.value = self._png()

    def figure(self):
        """The figure for the current state: the transfer curve with the ETL power marked, else the layout.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from optics.plotting import plot_layout, plot_transfer_curves
        from optics.plotting._axes import new_figure

        fig = new_figure(figsize=(5.5, 3.6))
        ax = fig.add_subplot()
        rf = self.analysis.remote_focus
        if rf is not None:
            plot_transfer_curves({rf.curve.label: (rf.curve.power, rf.curve.z)}, ax=ax)
            if "focus_shift" in self.numbers:
                power = float(self.widgets["etl_power"].value)
                z = float(self.numbers["focus_shift"].to("um").magnitude)
                ax.plot([power], [z], "o", color="C3", label=f"P = {power:.3g} dpt: {z:.4g} µm")
                ax.legend(fontsize="x-small", loc="best")
        else:
            plot_layout(self.analysis.path, ax=ax)
        return fig

    def _png(self):
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", dpi=80)
        return buffer.getvalue()

    @property
    def widget(self):
        """The whole explorer as one ipywidgets box (controls, numbers, figure)."""
        w = self._w
        controls = w.VBox(list(self.widgets.values()) + [self._message])
        outputs = w.VBox([self._numbers_view, self._figure_view] if self._figure else [self._numbers_view])
        return w.HBox([controls, outputs])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _display_tables(self):
        return [self._numbers_table()]

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown


def _escape(text):
    import html

    return html.escape(text, quote=False)
