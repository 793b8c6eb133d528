"""Light: how bright each body is (magnitudes of every planet and the Moon, phase curves, surface
laws, the Sun in a bandpass), resolved surfaces (Earth's map turned to the epoch) and the star
catalogue at apparent places. Station "Photometry" of DESIGN.md's path: it takes numbers from the
sky station and never renders pixels.
"""
