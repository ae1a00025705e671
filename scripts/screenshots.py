"""Screenshots of every main view and dialog, on a fresh demo database.

    python scripts/screenshots.py OUT_DIR

Runs headless (``QT_QPA_PLATFORM=offscreen`` unless set) with the bundled font, so the pictures
are the same on every machine. Look at them: Chinese as boxes, clipped columns or English text
do not fail any test.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Before anything imports Qt: no display is needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str]) -> int:
    from desktop.ui.screenshots import main as take_screenshots

    return take_screenshots(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
