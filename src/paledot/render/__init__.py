"""Render: a :class:`Scene` into the :class:`Frame` a camera would record, and the frame's files.

The path for one frame: the scene is resolved once and its one :class:`~paledot.geometry.Geometry`
handed down; ``projection`` points the camera and projects; ``depth`` says what stands in front of
what; ``raycast`` lights each body's ellipsoid on sub-pixel samples; ``psf`` blurs; ``detector``
records; ``frame`` assembles the result. ``files`` writes FITS (with WCS) and PNGs, ``regions`` DS9
region files, ``annotate`` the labels of annotated pictures, ``batch`` many epochs into a folder.

    >>> from paledot.render import Scene, render
    >>> frame = render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src", seed=1,
    ...                      stars=False))
    >>> frame.body("earth").in_frame
    True
"""

#: Each public name and the module it lives in (imported on first use).
_HOMES = {
    "Scene": "scene", "Pointing": "scene", "RenderWarning": "scene",
    "camera_axes": "projection", "project": "projection", "build_wcs": "projection",
    "CONV_OVERSAMPLE": "psf", "psf_kernel": "psf",
    "MIN_SAMPLES_ACROSS": "raycast", "DrawnBody": "raycast", "draw_body": "raycast",
    "MAX_EXPOSURE_S": "frame", "BodyImage": "frame", "Frame": "frame", "render": "frame",
}
__all__ = list(_HOMES)


def __getattr__(name: str):
    """The public names, imported on first use: ``paledot.render.batch`` or ``.files`` alone
    (the command line builds its parser from them) must not pay for numpy's FFT and astropy."""
    if name not in _HOMES:
        raise AttributeError(f"module 'paledot.render' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
