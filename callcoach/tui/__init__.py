"""The Textual front end: renders core state and turns keys into core calls."""

import os

# Textual paints a frame no sooner than one to two frame periods after the previous one
# (TEXTUAL_FPS, default 60). The call block repaints its countdown every second, so at 60
# an outcome logged just after that repaint waited up to 33 ms for its frame; at 240 the
# wait is at most about 8 ms. Frames are still painted only when something changed. Set
# here, before Textual is imported; a TEXTUAL_FPS in the environment wins.
os.environ.setdefault("TEXTUAL_FPS", "240")
