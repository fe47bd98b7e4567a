"""optics: a design calculator for point-scanning (two-photon) microscopes.

Symbolic ABCD elements compose into lens trains, from which the library
derives the beam diameter at the objective's back aperture, the field of
view and the axial focus shift of a remote tunable lens, in closed form or
as numbers with units.

>>> from optics import LensTrain, Space, ThinLens, ureg
>>> relay = LensTrain(["scanner", Space(50 * ureg.mm), ThinLens(50 * ureg.mm),
...                    Space(250 * ureg.mm), ThinLens(200 * ureg.mm), Space(200 * ureg.mm),
...                    "back_aperture"])
>>> relay.magnification("scanner", "back_aperture")
-4
"""

from optics.core.compile import CompiledExpression, compile_expr, evaluate
from optics.core.elements import ABCD, Element, Interface, Mirror, Space, ThickLens, ThinLens, TunableLens
from optics.errors import *  # noqa: F401,F403  (the exception hierarchy is public)
from optics.errors import __all__ as _error_names
from optics.core.symbolic import symbols
from optics.core.trains import ImageLocation, LensTrain, Plane, RayPoint
from optics import units as _units

# Microscope-level calculators.
from optics.microscope.parts import Lens, Objective, Scanner, TunableLensPart, tube_lens_standard
from optics.microscope.resolution import (
    back_aperture_diameter,
    effective_na,
    fill_ratio,
    two_photon_axial_fwhm,
    two_photon_lateral_fwhm,
    two_photon_psf_fwhm,
)
from optics.microscope.path import (
    ETL_POWER,
    ClippingRow,
    ConjugationRow,
    FieldOfView,
    LensModel,
    ObjectiveModel,
    Relay,
    ScannerModel,
    ScanPath,
    TunableLensModel,
    ZRange,
)
from optics.microscope.resolution import Resolution
from optics.core.beams import BeamEnvelope, GaussianBeam, Waist, collimated_focus_limit
from optics.microscope.closed_forms import (
    beam_diameter_expr,
    fill_expr,
    focus_distance_expr,
    focus_shift_expr,
    footprint_expr,
    fov_expr,
    fov_scale_expr,
)
from optics.microscope.remote_focus import Linearity, RemoteFocus, linearity, remote_focus_train
from optics.microscope.search import Metric, SearchResult, pareto_mask, search_lens_sets
from optics.acquisition.scanning import (
    dark_state_yield,
    resonant_cpc,
    resonant_crossing_time,
    resonant_frame_rate,
    resonant_peak_speed,
    resonant_pixel_dwell_times,
    spatial_fill_fraction,
    temporal_fill_fraction,
)
from optics.acquisition.noise import AcquisitionBudget, acquisition_budget, noise_level, noise_level_for_neurons

# Parts catalog, design files, reports.
from optics.catalog import Catalog, CatalogEntry, get_part
from optics.design import Design, load_design, save_design

#: Names loaded on first access (the analysis and report pull in the chromatic and
#: pulse modules; ``import optics`` stays fast).
_LAZY = {"Analysis": "optics.analysis", "analyze": "optics.analysis",
         "Report": "optics.report", "design_report": "optics.report"}

__version__ = "0.1.0"

__all__ = [
    "ABCD",
    "acquisition_budget",
    "AcquisitionBudget",
    "back_aperture_diameter",
    "BeamEnvelope",
    "Catalog",
    "CatalogEntry",
    "collimated_focus_limit",
    "compile_expr",
    "CompiledExpression",
    "dark_state_yield",
    "Design",
    "design_report",
    "effective_na",
    "Element",
    "ETL_POWER",
    "evaluate",
    "fill_ratio",
    "focus_distance_expr",
    "focus_shift_expr",
    "fov_scale_expr",
    "GaussianBeam",
    "get_part",
    "ImageLocation",
    "Interface",
    "Lens",
    "LensTrain",
    "linearity",
    "Linearity",
    "load_design",
    "Metric",
    "Mirror",
    "noise_level",
    "noise_level_for_neurons",
    "Objective",
    "ObjectiveModel",
    "pareto_mask",
    "Plane",
    "Quantity",
    "RayPoint",
    "Relay",
    "remote_focus_train",
    "RemoteFocus",
    "Report",
    "resonant_cpc",
    "resonant_crossing_time",
    "resonant_frame_rate",
    "resonant_peak_speed",
    "resonant_pixel_dwell_times",
    "save_design",
    "Scanner",
    "ScannerModel",
    "ScanPath",
    "search_lens_sets",
    "SearchResult",
    "Space",
    "spatial_fill_fraction",
    "symbols",
    "temporal_fill_fraction",
    "ThickLens",
    "ThinLens",
    "tube_lens_standard",
    "TunableLens",
    "TunableLensPart",
    "two_photon_axial_fwhm",
    "two_photon_lateral_fwhm",
    "two_photon_psf_fwhm",
    "ureg",
    "Waist",
    "ZRange",
    "ClippingRow",
    "ConjugationRow",
    "FieldOfView",
    "LensModel",
    "TunableLensModel",
    "Resolution",
    "beam_diameter_expr",
    "fill_expr",
    "footprint_expr",
    "fov_expr",
    "Analysis",
    "analyze",
    *_error_names,
]


def __getattr__(name):
    # optics.ureg and optics.Quantity: pint's application registry (with
    # diopters), built on first access so that ``import optics`` stays fast.
    if name in ("ureg", "Quantity"):
        return getattr(_units, name)
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'optics' has no attribute {name!r}")
