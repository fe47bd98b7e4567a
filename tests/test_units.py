"""Units at the boundary (optics.units)."""

import pint
import pytest

from optics import ThinLens, ureg
from optics.errors import DimensionError, OpticsError, UnitTextError
from optics.units import as_result, parse_quantity, to_base, to_magnitude


def test_application_registry_is_shared():
    # A user's quantities from pint's application registry mix with ours.
    user = pint.get_application_registry()
    assert user is ureg or user.Quantity(1, "mm").to(ureg.mm).magnitude == 1
    lens = ThinLens(user.Quantity(0.1, "m"))
    assert lens.f == 100


def test_diopters_are_inverse_meters():
    assert (2 * ureg.dpt).to("1/m").magnitude == pytest.approx(2)
    assert to_magnitude(4 * ureg.dpt, "1/mm", name="P") == pytest.approx(0.004)


def test_length_conversion_exact_for_round_values():
    assert to_magnitude(5 * ureg.cm, "mm", name="d") == 50
    assert to_magnitude(0.05 * ureg.m, "mm", name="d") == 50


def test_wrong_dimension_names_the_parameter():
    with pytest.raises(DimensionError, match="ThinLens: focal length f: expected a length"):
        ThinLens(3 * ureg.deg)
    err = DimensionError("x")
    assert isinstance(err, TypeError) and isinstance(err, OpticsError)


def test_to_base_picks_unit_by_dimension():
    assert to_base(3 * ureg.cm, name="d") == (30, "mm")
    assert to_base(180 * ureg.deg, name="a")[0] == pytest.approx(3.141592653589793)
    assert to_base(8 * ureg.kHz, name="f") == (8000, "Hz")


def test_as_result_numbers_become_quantities():
    import sympy

    q = as_result(sympy.Rational(1, 3), "mm")
    assert q.units == ureg.mm and q.magnitude == pytest.approx(1 / 3)


@pytest.mark.parametrize("text", ["__import__('os')", "1+1 mm", "mm 5", "", "5 mm; import os"])
def test_parse_quantity_refuses_expressions(text):
    with pytest.raises(UnitTextError):
        parse_quantity(text, name="value")


def test_parse_quantity_reads_number_and_unit():
    assert parse_quantity("26 deg", name="a").to("rad").magnitude == pytest.approx(0.4537856)
    assert parse_quantity("-1.5 dpt", name="p").magnitude == -1.5
    assert parse_quantity("2e-3 m", name="d").to("mm").magnitude == pytest.approx(2)
