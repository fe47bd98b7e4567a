"""Acquisition: resonant and galvo scanning kinematics, pulses per spot, noise levels.

Layer 2 of the package, beside :mod:`optics.microscope`: pure functions of
numbers and Quantities.
"""
