"""Points inside extended light: Earth seen through a scattered-light ray or on a glow.

A detector's segmentation takes a point lying on a ray into the ray's own segment: one elongated
"extended" source whose centroid is the ray's, not the point's. Here each such segment of a
picture, when elongated (a ray, a streak), is searched for compact peaks that stand above the
structure around them: the segment's pixels minus their running median over a window about four
PSF widths across (the median follows a ray wider than a third of the window and drops a point),
local maxima of that residual inside the segment, each measured in an aperture of the residual
against the frame's noise. The peaks found become sources of their own (method ``peak``, flag
``embedded``) and the segment is flagged ``holds points`` (its centroid is no body's); their
significance is then judged as every source's is (``judging.prepare``).

Pixel coordinates 0-based, ``image[y, x]``; fluxes in image units.
"""

from __future__ import annotations

import math

import numpy as np

#: Residual SNR (aperture sum over the frame's noise) a peak needs to become a source: the Moon's
#: marginal threshold; the naming rules decide what it may be.
PEAK_SNR = 3.0
#: Peaks kept per extended segment, and extended segments searched (largest first).
PEAKS_PER_SEGMENT = 3
SEGMENTS = 20
#: An extended segment is searched when its major axis is this many times its minor one.
ELONGATED = 1.5
#: A peak's residual must reach this fraction of its segment's own peak to be a point of its own.
STANDS_OUT = 0.2
#: The flag of an extended segment in which points were found: its light centre is no body's.
HOLDS_POINTS = "holds points"
#: A peak's own second moments (px) may not exceed this many PSF FWHMs: a point, not a knot.
PEAK_SIZE_FWHM = 1.5


def add_embedded(obs, srcs, fwhm: float) -> int:
    """Append to ``srcs.sources`` the compact peaks found inside the extended, on-sky segments of a
    picture (see the module); returns how many. Frames (FITS, PDS) are left as they are: their
    extended sources are bodies and blooms, not a point on a ray."""
    from scipy import ndimage

    from .sources import Source

    seg = srcs.segmentation
    if obs.kind != "picture" or seg is None:
        return 0
    # elongated ones only: a ray or a streak (a round one is a body's halo, or a glow, which the
    # sky mask's mesh has already taken out)
    parents = [s for s in srcs.sources
               if "extended" in s.flags and not {"not sky", "text", "saturated"} & set(s.flags)
               and s.label > 0 and s.a >= ELONGATED * max(s.b, 1e-3)]
    parents = sorted(parents, key=lambda s: -s.area)[:SEGMENTS]
    if not parents:
        return 0
    sub = srcs.background.subtracted
    if sub is None:
        sub = np.nan_to_num(obs.image - srcs.background.level)
    rms_map = srcs.background.rms
    w = 2 * int(math.ceil(2.0 * max(fwhm, 1.0))) + 1  # odd, about 4 FWHM
    r_ap = max(1.5 * fwhm, 2.0)
    boxes = ndimage.find_objects(seg)
    ny, nx = sub.shape
    added = 0
    for parent in parents:
        box = boxes[parent.label - 1] if parent.label - 1 < len(boxes) else None
        if box is None:
            continue
        y0, y1 = max(box[0].start - w, 0), min(box[0].stop + w, ny)
        x0, x1 = max(box[1].start - w, 0), min(box[1].stop + w, nx)
        part = sub[y0:y1, x0:x1]
        resid = part - ndimage.median_filter(part, size=w, mode="nearest")
        own = seg[y0:y1, x0:x1] == parent.label
        peaks = own & (resid > 0) & (resid == ndimage.maximum_filter(resid, size=3))
        found = []
        for j, i in zip(*np.nonzero(peaks), strict=True):
            cand = _measure_peak(resid, int(i), int(j), r_ap, fwhm)
            if cand is None:
                continue
            x, y, flux, size = cand
            rms = float(rms_map[min(int(round(y)) + y0, ny - 1), min(int(round(x)) + x0, nx - 1)]) \
                if np.ndim(rms_map) == 2 else float(rms_map)
            snr = flux / (max(rms, 1e-12) * math.sqrt(math.pi) * r_ap)
            if snr >= PEAK_SNR:
                found.append((snr, x + x0, y + y0, flux, size, float(resid[j, i])))
        found.sort(key=lambda c: -c[0])
        # a peak near the segment's own light centre is the segment itself (a point with a halo,
        # a crescent's core)
        found = [c for c in found if math.hypot(c[1] - parent.x, c[2] - parent.y) >= max(1.0, fwhm)]
        # a point stands out of the segment: a ripple of a few per cent of the segment's own peak
        # is its texture (a bright crescent's core), not a point on it
        found = [c for c in found if c[5] >= STANDS_OUT * parent.peak]
        if found:  # the segment's centre is the structure's, not a point's: it names nothing
            parent.flags.append(HOLDS_POINTS)
        for snr, x, y, flux, size, peak in found[:PEAKS_PER_SEGMENT]:
            err = size / max(snr, 1.0)
            srcs.sources.append(Source(
                id=len(srcs.sources), x=x, y=y, x_err=err, y_err=err, crb_x=float("nan"),
                crb_y=float("nan"), flux=flux, flux_err=flux / snr, aperture_flux=flux,
                aperture_flux_err=flux / snr, aperture_radius=r_ap, snr=snr, peak=peak,
                area=int(math.ceil(math.pi * r_ap * r_ap)), a=size, b=size, theta_deg=0.0,
                method="peak", flags=["embedded"], label=parent.label,
            ))
            added += 1
    return added


def _measure_peak(resid: np.ndarray, i: int, j: int, r_ap: float, fwhm: float):
    """Light centre (x, y px in ``resid``), aperture sum and rms size (px) of the residual peak at
    pixel (i, j); None when it is not compact (wider than ``PEAK_SIZE_FWHM`` FWHMs) or not positive."""
    h = int(math.ceil(r_ap))
    ny, nx = resid.shape
    ya, yb, xa, xb = max(j - h, 0), min(j + h + 1, ny), max(i - h, 0), min(i + h + 1, nx)
    cut = np.clip(resid[ya:yb, xa:xb], 0.0, None)
    yy, xx = np.mgrid[ya:yb, xa:xb]
    inside = np.hypot(xx - i, yy - j) <= r_ap
    wgt = np.where(inside, cut, 0.0)
    total = float(wgt.sum())
    if total <= 0:
        return None
    x = float((wgt * xx).sum()) / total
    y = float((wgt * yy).sum()) / total
    size = math.sqrt(max(float((wgt * ((xx - x) ** 2 + (yy - y) ** 2)).sum()) / total / 2.0, 0.0))
    if size > PEAK_SIZE_FWHM * max(fwhm, 1.0):
        return None
    return x, y, float(np.where(inside, resid[ya:yb, xa:xb], 0.0).sum()), size
