# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report files on the controller: written whole or not at all, so a reader never sees half a report."""

from __future__ import annotations

__metaclass__ = type

import os
import tempfile


def write_atomic(path, text, mode=0o644):
    """Write ``text`` (UTF-8) to ``path``, replacing it atomically; nothing is left behind on failure."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, partial = tempfile.mkstemp(prefix=".%s-" % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(partial, mode)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
