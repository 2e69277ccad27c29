# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: mwcloud
short_description: Devices of a Magewell Control Cloud as inventory hosts
version_added: 0.1.0
description:
  - Lists the devices a Magewell Control Cloud manages (C(get-devs)) as hosts, named by serial number or by
    O(hostname), with the device record as host variables C(mwcloud_serial), C(mwcloud_name), C(mwcloud_family),
    C(mwcloud_product_id), C(mwcloud_product), C(mwcloud_hardware_version), C(mwcloud_firmware_version) (null when the
    device reports none), C(mwcloud_online), C(mwcloud_group_id), C(mwcloud_transferring), C(mwcloud_transfer_progress)
    and C(mwcloud_url) (the cloud's O(url) without user info or query string, for the modules and the
    C(fleetops.upgrade.magewell) role).
  - Puts every host in the group C(<prefix>devices) and in groups by product family, product model, hardware version,
    firmware version and online state (see O(group_prefix)); O(compose), O(groups) and O(keyed_groups) work
    as in other inventory plugins, O(filters) selects devices.
  - The inventory file name must end with C(mwcloud.yml) or C(mwcloud.yaml).
  - Logs in once, reads the device list with one request and logs out.
  - Uses the same connection settings as the modules (see the C(fleetops.upgrade.connection) documentation fragment),
    that is proxies from E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY), O(timeout) more than V(0) and a readable O(ca_path)
    checked before any request.
author:
  - fleetops.upgrade contributors (@fleetops)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks this file as an inventory source of this plugin.
    type: str
    required: true
    choices: [fleetops.upgrade.mwcloud]
  url:
    description: Base URL of the cloud, without C(/sc_cloud).
    type: str
    required: true
    env:
      - name: MWCLOUD_URL
  username:
    description: Cloud user name; any account that may list devices.
    type: str
    required: true
    env:
      - name: MWCLOUD_USERNAME
  password:
    description:
      - Password of O(username). Put it in the file encrypted with C(ansible-vault encrypt_string),
        or leave it out of the file and set E(MWCLOUD_PASSWORD).
    type: str
    required: true
    env:
      - name: MWCLOUD_PASSWORD
  validate_certs:
    description: Verify the cloud's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: CA bundle to verify the cloud's certificate with.
    type: path
  timeout:
    description: Seconds to wait for each request.
    type: int
    default: 30
  family:
    description: Only devices of this product family (the cloud's C(module) number); V(0) lists all.
    type: int
    default: 0
  hostname:
    description:
      - Jinja2 expression (as in O(compose)) that gives the inventory host name from the host variables
        this plugin sets, for example V(mwcloud_serial), V(mwcloud_name), V("mwcloud_name ~ '-' ~ mwcloud_serial").
      - Devices for which it gives an empty value are named by serial number.
    type: str
    default: mwcloud_serial
  group_prefix:
    description: Prefix of the groups this plugin creates.
    type: str
    default: mwcloud_
  filters:
    description:
      - Jinja2 conditionals on the host variables this plugin sets (as for O(hostname)); a device becomes a host only if all are true.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
---
# mwcloud.yml -- every device of the cloud, named by serial number
plugin: fleetops.upgrade.mwcloud
url: https://cloud.example.com
username: viewer
password: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  ...

---
# studio.mwcloud.yml -- online Pro Convert devices named by their device name, password from MWCLOUD_PASSWORD
plugin: fleetops.upgrade.mwcloud
url: https://cloud.example.com
username: viewer
hostname: mwcloud_name | lower | replace(' ', '-')
filters:
  - mwcloud_online
  - mwcloud_product_id == 770
compose:
  ansible_connection: "'local'"
keyed_groups:
  - key: mwcloud_name.split('-')[0]
    prefix: site
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-mwcloud
"""

from ansible.errors import AnsibleParserError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.inventory.group import to_safe_group_name
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.fleetops.upgrade.plugins.module_utils._connection import ConnectionSettings
from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import FleetopsError
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import HttpClient
from ansible_collections.fleetops.upgrade.plugins.module_utils._redact import redact_url
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud import MwCloudClient, device_from_record

VAR_PREFIX = "mwcloud_"


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "fleetops.upgrade.mwcloud"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("mwcloud.yml", "mwcloud.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        records = self._device_records(path, cache)
        self._populate(records)

    # ----------------------------------------------------------------- reading
    def _device_records(self, path, cache):
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        if use_cache and cache:
            try:
                return self._cache[cache_key]
            except KeyError:
                pass
        records = self._fetch()
        if use_cache:
            self._cache[cache_key] = records
        return records

    def _fetch(self):
        try:
            http = HttpClient(ConnectionSettings.from_options(self.get_options().get))
            with MwCloudClient(http, self.get_option("username"), self.get_option("password")) as client:
                return client.get_devs(module=self.get_option("family"))
        except FleetopsError as exc:
            raise AnsibleParserError("Magewell Cloud inventory: %s" % exc.msg) from None

    # ----------------------------------------------------------------- building
    def _populate(self, records):
        strict = self.get_option("strict")
        prefix = self.get_option("group_prefix")
        url = redact_url(self.get_option("url"))
        all_group = self.inventory.add_group(to_safe_group_name(prefix + "devices", force=True, silent=True))
        for record in records:
            device = device_from_record(record)
            if not device["serial"]:
                continue
            host_vars = {VAR_PREFIX + key: value for key, value in device.items()}
            host_vars[VAR_PREFIX + "url"] = url
            if not self._selected(host_vars):
                continue
            host = self._hostname(host_vars)
            self.inventory.add_host(host, group=all_group)
            for name, value in host_vars.items():
                self.inventory.set_variable(host, name, value)
            for group in self._standard_groups(prefix, device):
                self.inventory.add_child(self.inventory.add_group(group), host)
            self._set_composite_vars(self.get_option("compose"), host_vars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), host_vars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host_vars, host, strict=strict)

    def _selected(self, host_vars):
        for condition in self.get_option("filters"):
            try:
                if not self._condition_holds(condition, host_vars):
                    return False
            except Exception as exc:  # a broken filter is a configuration error: say which
                raise AnsibleParserError("Magewell Cloud inventory: filter %r failed for device %s: %s"
                                         % (condition, host_vars[VAR_PREFIX + "serial"], exc)) from None
        return True

    def _condition_holds(self, condition, host_vars):
        self.templar.available_variables = host_vars
        if hasattr(self.templar, "evaluate_conditional"):  # ansible-core 2.19 and later
            return self.templar.evaluate_conditional(condition)
        result = self._compose(condition, host_vars)
        return boolean(result, strict=False) if isinstance(result, str) else bool(result)

    def _hostname(self, host_vars):
        serial = host_vars[VAR_PREFIX + "serial"]
        try:
            name = self._compose(self.get_option("hostname"), host_vars)
        except Exception as exc:
            raise AnsibleParserError("Magewell Cloud inventory: hostname expression failed for device %s: %s"
                                     % (serial, exc)) from None
        return str(name) if name not in (None, "") else serial

    @staticmethod
    def _standard_groups(prefix, device):
        groups = ["online" if device["online"] else "offline"]
        if device["family"] is not None:
            groups.append("family_%s" % device["family"])
        if device["product_id"] is not None:
            groups.append("product_%s" % device["product_id"])
        if device["hardware_version"]:
            groups.append("hardware_%s" % device["hardware_version"])
        if device["firmware_version"]:
            groups.append("firmware_%s" % device["firmware_version"])
        return [to_safe_group_name(prefix + group, force=True, silent=True) for group in groups]
