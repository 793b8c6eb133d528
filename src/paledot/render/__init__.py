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

_NAMES = (
    "CONV_OVERSAMPLE", "MAX_EXPOSURE_S", "MIN_SAMPLES_ACROSS", "BodyImage", "DrawnBody", "Frame",
    "Pointing", "RenderWarning", "Scene", "build_wcs", "camera_axes", "draw_body", "project",
    "psf_kernel", "render",
)
__all__ = list(_NAMES)


def __getattr__(name: str):
    """The public names, imported on first use: ``paledot.render.batch`` or ``.files`` alone
    (the command line builds its parser from them) must not pay for numpy's FFT and astropy."""
    if name not in _NAMES:
        raise AttributeError(f"module 'paledot.render' has no attribute {name!r}")
    from . import frame

    value = getattr(frame, name)
    globals()[name] = value
    return value
