# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device classes a host declares with ``fleetops_device_class``, and the role of each."""

from __future__ import annotations

__metaclass__ = type

ROLE_OF_CLASS = {"encedo": "encedo", "appresponse": "appresponse", "hawkbit": "hawkbit_target", "magewell": "magewell"}
DEVICE_CLASSES = tuple(ROLE_OF_CLASS)
