# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checking a local image file before anything is sent (step timing lives in ``_task.TaskRun``)."""

from __future__ import annotations

__metaclass__ = type

import os

from ._errors import TaskError


def readable_image(path):
    """The size of the image file at ``path``; TaskError naming what is wrong with it otherwise."""
    if not os.path.exists(path):
        raise TaskError("image file %s does not exist" % path)
    if not os.path.isfile(path):
        raise TaskError("image path %s is not a file" % path)
    if not os.access(path, os.R_OK):
        raise TaskError("image file %s is not readable" % path)
    size = os.path.getsize(path)
    if size == 0:
        raise TaskError("image file %s is empty" % path)
    return size
