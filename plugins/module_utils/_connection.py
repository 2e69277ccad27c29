# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How to reach a device API: one settings object, built from module parameters or plugin options.

``ConnectionSettings`` is what ``HttpClient`` is built from; API clients never see Ansible argument
specs or parameter dicts. Like community.hashi_vault's connection options it is filled through an
option adapter (any ``name -> value`` callable: ``params.get`` of a module, ``get_option`` of an
inventory plugin), so modules, action plugins and the ``mwcloud`` inventory plugin share one
definition and one validation.

``input_problems()`` is the one place that refuses unusable inputs before any request: time
options that are not more than 0, TLS files that are missing or unreadable. Both execution paths
call it through ``_task.execute()``, so they refuse with the same message.

Proxies follow the usual environment variables (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
``NO_PROXY``, lower case winning). A module reads them from its process environment, where
Ansible puts the task's ``environment:``; a task run inside the controller's worker does not get
``environment:`` applied to its process, so the action plugin hands the task environment over
with ``task_environment()`` and it overlays the process environment here.

Standard library only: modules import this on remote hosts too.
"""

from __future__ import annotations

__metaclass__ = type

import os
import ssl
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import unquote, urlsplit
from urllib.request import proxy_bypass_environment

from ._errors import FleetopsError
from ._redact import redact_url

CONNECTION_ARGS = dict(
    url=dict(type="str", required=True),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    client_cert=dict(type="path"),
    client_key=dict(type="path", no_log=False),
    timeout=dict(type="int", default=30),
)

TLS_FILE_OPTIONS = ("ca_path", "client_cert", "client_key")
NON_NEGATIVE_OPTIONS = ("retries", "backoff")
URL_OPTIONS = ("url", "fetch_url")
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")

_TASK_ENVIRONMENT = ContextVar("fleetops_task_environment", default=None)


def must_be_positive(name):
    """Time options: every ``timeout``, ``*_timeout`` and ``*_interval`` must be more than 0."""
    return name == "timeout" or name.endswith(("_timeout", "_interval"))


def input_problems(params):
    """Everything that makes ``params`` unusable before any request is sent, as messages (sorted by option)."""
    problems = []
    for name in sorted(params):
        value = params[name]
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if must_be_positive(name) and not value > 0:
            problems.append("%s must be more than 0, got %s" % (name, value))
        elif name in NON_NEGATIVE_OPTIONS and value < 0:
            problems.append("%s must be 0 or more, got %s" % (name, value))
    for name in TLS_FILE_OPTIONS:
        problem = _tls_file_problem(name, params.get(name))
        if problem:
            problems.append(problem)
    if params.get("client_key") and not params.get("client_cert"):
        problems.append("client_key needs client_cert")
    return problems


def refuse_unusable_inputs(params):
    problems = input_problems(params)
    if problems:
        raise FleetopsError("; ".join(problems) + "; nothing was sent to the device")


def _tls_file_problem(name, path):
    if not path:
        return None
    if not os.path.exists(path):
        return "%s %s does not exist" % (name, path)
    if name == "ca_path" and os.path.isdir(path):
        readable = os.access(path, os.R_OK | os.X_OK)
    else:
        readable = os.path.isfile(path) and os.access(path, os.R_OK)
    if not readable:
        return "%s %s is not a readable file" % (name, path) if name != "ca_path" else \
            "%s %s is not a readable file or directory" % (name, path)
    return None


def validate_base_url(url):
    """``url`` without a trailing slash; FleetopsError if it is not an http(s) URL with a host."""
    try:
        parts = urlsplit(url or "")
        parts.port  # pylint: disable=pointless-statement
    except ValueError as exc:
        reason = "the port is not a number" if "port" in str(exc) else str(exc)
        raise FleetopsError("invalid URL %r: %s" % (redact_url(url), reason)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FleetopsError("invalid URL %r: expected http://host[:port][/prefix] or https://..." % redact_url(url or ""))
    return url.rstrip("/")


def url_secrets(url):
    """The parts of ``url`` that may be secret (user info, password, query string), for no_log values."""
    if not url or not isinstance(url, str):
        return set()
    try:
        parts = urlsplit(url)
    except ValueError:
        return {url}
    secrets = set()
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        secrets.add(userinfo)
        # the raw password is inside userinfo; adding it apart would let it be masked first and leave the user name
        password = unquote(userinfo.partition(":")[2])
        if password and password not in userinfo:
            secrets.add(password)
    if parts.query:
        secrets.add(parts.query)
    return {secret for secret in secrets if secret}


def params_url_secrets(params):
    """``url_secrets`` of every URL option in ``params``."""
    secrets = set()
    for name in URL_OPTIONS:
        secrets |= url_secrets(params.get(name))
    return secrets


@contextmanager
def task_environment(environment):
    """Overlay ``environment`` (the task's ``environment:``) on the process environment for proxy lookups."""
    token = _TASK_ENVIRONMENT.set(dict(environment or {}))
    try:
        yield
    finally:
        _TASK_ENVIRONMENT.reset(token)


def proxy_environment():
    """The proxy variables in effect: the process environment, overlaid by the task environment if any."""
    found = {}
    overlay = _TASK_ENVIRONMENT.get() or {}
    for source in (os.environ, overlay):
        for name, value in source.items():
            if name.lower() in PROXY_VARIABLES:
                found[name] = "" if value is None else str(value)
    return found


def proxies_from_environment(environment):
    """``{scheme: proxy URL, "no": hosts}`` as urllib reads them; lower case names win over upper case."""
    proxies = {}
    for name in sorted(environment, key=lambda n: n.islower()):
        value = environment[name]
        if name.lower() in PROXY_VARIABLES:
            if value:
                proxies[name.lower()[:-len("_proxy")]] = value
            else:
                proxies.pop(name.lower()[:-len("_proxy")], None)
    return proxies


class ConnectionSettings:
    """Where a device API is and how to talk to it; validated on construction."""

    __slots__ = ("url", "validate_certs", "ca_path", "client_cert", "client_key", "timeout", "connect_timeout",
                 "retries", "backoff", "proxy_env", "_ssl_context")

    def __init__(self, url, validate_certs=True, ca_path=None, client_cert=None, client_key=None, timeout=30,
                 connect_timeout=10, retries=3, backoff=1.0, proxy_env=None):
        refuse_unusable_inputs(dict(timeout=timeout, connect_timeout=connect_timeout, retries=retries, backoff=backoff,
                                    ca_path=ca_path, client_cert=client_cert, client_key=client_key))
        self.url = validate_base_url(url)
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.client_cert = client_cert
        self.client_key = client_key
        self.timeout = timeout
        self.connect_timeout = min(connect_timeout, timeout)
        self.retries = retries
        self.backoff = backoff
        self.proxy_env = proxy_environment() if proxy_env is None else dict(proxy_env)
        self._ssl_context = None

    @classmethod
    def from_options(cls, get_option, **overrides):
        """Built through an option adapter: ``get_option(name)`` gives an option's value or None."""
        values = {"url": get_option("url")}
        for name in ("validate_certs", "ca_path", "client_cert", "client_key", "timeout"):
            value = get_option(name)
            if value is not None:
                values[name] = value
        values.update(overrides)
        return cls(**values)

    @classmethod
    def from_params(cls, params, **overrides):
        """Built from module parameters validated against CONNECTION_ARGS."""
        return cls.from_options(params.get, **overrides)

    def url_for(self, path):
        """``path`` below the base URL; an absolute URL (a link the device gave) as it is."""
        if path.startswith(("http://", "https://")):
            return path
        return self.url + "/" + path.lstrip("/")

    def ssl_context(self):
        """The TLS context for ``http.client`` connections (uploads, the standard-library transport).

        Built once; ``ssl.SSLError``/``OSError`` from unusable TLS files reach the caller, which names the step.
        """
        if self._ssl_context is None:
            if not self.validate_certs:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif self.ca_path and os.path.isdir(self.ca_path):
                context = ssl.create_default_context(capath=self.ca_path)
            else:
                context = ssl.create_default_context(cafile=self.ca_path)
            if self.client_cert:
                context.load_cert_chain(self.client_cert, self.client_key)
            self._ssl_context = context
        return self._ssl_context

    def proxies_for(self, url):
        """The ``requests`` proxies mapping for ``url``: empty when NO_PROXY matches or no proxy is set."""
        proxies = proxies_from_environment(self.proxy_env)
        parts = urlsplit(url)
        if not parts.hostname or proxy_bypass_environment(parts.netloc.rpartition("@")[2], proxies):
            return {}
        proxy = proxies.get(parts.scheme) or proxies.get("all")
        return {parts.scheme: proxy} if proxy else {}
