"""Planning: constraints on the sky, the windows in which they hold, and campaigns of frames.

>>> from paledot.plan import find_windows, sun_elongation
>>> w = find_windows("mars", sun_elongation("earth", 30), "2023-05-01", "2023-07-01")
>>> w.to_table()["stop_utc"][0][:10]
'2023-06-03'
"""

#: Each public name and the module it lives in (imported on first use: the command line builds
#: its parser from ``paledot.plan.options``, which must not pay for the constraints' machinery).
_HOMES = {
    **{name: "constraints" for name in (
        "All", "Any", "Constraint", "Context", "Not", "Threshold", "elevation", "illuminated_fraction",
        "in_field", "magnitude", "not_occulted", "phase_angle", "range_km", "separation", "snr",
        "sun_below", "sun_elongation")},
    "Windows": "windows", "find_windows": "windows",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    """The public names of :data:`_HOMES`, imported on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'paledot.plan' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
