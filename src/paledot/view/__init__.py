"""The viewer: one self-contained, offline HTML page to scrub a span of time and watch the frame a
camera would record, the sky around it, the numbers of ``paledot geometry``, the windows of
``paledot windows``, the Moon's orbit and a scenario's claims move together; or the same page served
from a local HTTP server that renders frames on demand.

``spec`` (what to show) -> ``data`` (every number and frame, computed once in Python, through
``frames``, ``sky`` and ``planning``) -> ``page`` (the HTML, with ``assets/viewer.js`` and
``assets/viewer.css`` inlined) -> a file, or ``serve``.

    >>> from paledot.view import spec_from_scenario
    >>> spec_from_scenario("mex-2023").step
    '6h'
"""

from .spec import ViewSpec, spec_from_options, spec_from_scenario

__all__ = ["ViewSpec", "build_page", "spec_from_options", "spec_from_scenario"]


def build_page(spec: ViewSpec, progress: bool = False) -> str:
    """The self-contained HTML page of ``spec`` (frames embedded)."""
    from .data import build_view
    from .page import page_html

    return page_html(build_view(spec, progress=progress))
