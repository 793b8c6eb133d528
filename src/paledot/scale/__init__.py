"""Running chunks of work at scale: a local process pool by default, a Dask cluster when given one,
resumable from a chunk folder, with retries. The mechanism only: what a chunk computes (a window
search, a frame, a measurement) is its caller's, so planning, rendering and measuring all sit
above this room and the answer is the same for any worker count.
"""
