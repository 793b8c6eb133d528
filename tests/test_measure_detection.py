"""Detection on a frame whose bright pixels overflow SEP's first pixel stack.

``detection.PIXSTACK_FIRST`` keeps SEP's pixel stack small on ordinary frames (SEP links every
entry of it on each extraction); a frame with more active pixels than that is extracted again with
room for all of them, and must come out as it would with a big stack from the start.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sep")

import paledot.measure.detection as D  # noqa: E402


def _frame() -> np.ndarray:
    """A 700 x 700 bright square (490,000 pixels over the threshold), a few faint dots, noise."""
    rng = np.random.default_rng(3)
    img = rng.normal(100.0, 5.0, (1024, 1024))
    img[150:850, 150:850] += 2000.0
    yy, xx = np.mgrid[0:1024, 0:1024]
    for x, y in ((60.3, 70.8), (950.1, 40.4), (980.6, 990.2), (30.5, 960.7)):
        img += 400.0 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 1.2**2))
    return img


def test_a_frame_that_fills_the_first_stack_is_extracted_whole(monkeypatch):
    import sep

    img = _frame()
    assert (img > 1000).sum() > D.PIXSTACK_FIRST  # the case: the first stack overflows
    stacks: list[int] = []
    real = sep.set_extract_pixstack
    monkeypatch.setattr(sep, "set_extract_pixstack", lambda n: (stacks.append(n), real(n))[1])
    dets, _, seg = D.detect(img, nsigma=5.0, psf_fwhm_px=2.8)
    assert stacks == [D.PIXSTACK_FIRST, img.size]  # it overflowed, and was extracted again
    monkeypatch.setattr(D, "PIXSTACK_FIRST", img.size)  # the whole frame's room from the start
    ref, _, ref_seg = D.detect(img, nsigma=5.0, psf_fwhm_px=2.8)
    assert len(dets) == len(ref) >= 5
    assert [(d.x, d.y, d.flux, d.area) for d in dets] == [(d.x, d.y, d.flux, d.area) for d in ref]
    assert np.array_equal(seg, ref_seg)
    assert sum(d.area for d in dets) > 300_000  # the square (490,000 px), deblended in pieces
