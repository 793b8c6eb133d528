"""The stories: named scenarios (data only), the claims a published picture makes and the checks
of them, reproducing a scenario into a folder of frames and facts, the gallery of historic looks
back, and the reports people look at (montage, animation, plots, HTML). The top of the library:
it calls the stations below and nothing below calls it.
"""
