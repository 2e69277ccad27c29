"""hawkbit_install: the device side of a DDI installation (marker, command per chunk, verify, marker removed)."""

import sys

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_install import INSTALL_SPEC, HawkbitInstall, shell_syntax
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute

PYTHON = sys.executable
CHUNKS = [{"part": "os", "name": "firmware", "version": "2.0"}, {"part": "app", "name": "app", "version": "5.1 beta"}]


def params(**values):
    extra = {key: value for key, value in INSTALL_SPEC.items() if key != "argument_spec"}
    validated = ArgumentSpecValidator(INSTALL_SPEC["argument_spec"], **extra).validate(values)
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


def install(tmp_path, commands, check_mode=False, **extra):
    values = dict(action_id=7, dest=str(tmp_path), chunks=CHUNKS, commands=commands,
                  paths={"os": [str(tmp_path / "fw image.bin")], "app": [str(tmp_path / "a.tar"), str(tmp_path / "a.sig")]})
    values.update(extra)
    return execute(HawkbitInstall, params(**values), check_mode=check_mode)


def recorder(tmp_path, exit_code=0):
    """A command that appends its arguments (one line) to calls.txt and exits with exit_code."""
    script = tmp_path / ("record-%d.py" % exit_code)
    script.write_text("import sys\nopen(sys.argv[1], 'a').write(repr(sys.argv[2:]) + chr(10))\nsys.exit(%d)\n" % exit_code)
    return "%s %s %s" % (PYTHON, script, tmp_path / "calls.txt")


def calls(tmp_path):
    path = tmp_path / "calls.txt"
    return path.read_text().splitlines() if path.exists() else []


def test_runs_every_chunk_with_its_placeholders_quoted_and_keeps_the_marker(tmp_path):
    result = install(tmp_path, {"os": recorder(tmp_path) + " {path} {part} {version}", "*": recorder(tmp_path) + " {paths} {dir}"},
                     installed_before="3")
    assert not result.get("failed"), result
    assert calls(tmp_path) == [repr([str(tmp_path / "fw image.bin"), "os", "2.0"]),
                               repr([str(tmp_path / "a.tar"), str(tmp_path / "a.sig"), str(tmp_path)])]
    assert result["changed"] and result["reboot_required"] is False
    assert (tmp_path / ".installing-7").read_text() == "7\n"  # kept until the role has reported success (stage finish)
    assert result["components"] == [{"component": "os firmware", "from": "action 3", "to": "2.0", "changed": True},
                                    {"component": "app app", "from": "action 3", "to": "5.1 beta", "changed": True}]
    assert [c["rc"] for c in result["chunks"]] == [0, 0]


def test_the_reboot_exit_code_asks_for_a_reboot_and_the_next_chunks_still_run(tmp_path):
    result = install(tmp_path, {"os": recorder(tmp_path, 100), "*": recorder(tmp_path)})
    assert not result.get("failed") and result["reboot_required"] is True
    assert len(calls(tmp_path)) == 2 and "a reboot is required" in result["msg"]


def test_a_chunk_without_command_is_refused_before_anything_runs_or_is_written(tmp_path):
    result = install(tmp_path, {"os": recorder(tmp_path)})
    assert result["failed"] and "parts os, app but the install commands only cover os" in result["msg"]
    assert calls(tmp_path) == [] and not (tmp_path / ".installing-7").exists()
    assert "device_state" not in result


def test_an_unsplittable_command_is_refused_before_anything_runs(tmp_path):
    result = install(tmp_path, {"os": recorder(tmp_path), "*": "install 'unclosed {path}"})
    assert result["failed"] and "cannot be split" in result["msg"] and calls(tmp_path) == []


def test_a_failing_command_stops_the_installation_with_its_output_and_the_state_left(tmp_path):
    failing = "%s -c \"import sys; print('flashing'); sys.stderr.write('flash error 42\\n'); sys.exit(3)\"" % PYTHON
    result = install(tmp_path, {"os": failing, "*": recorder(tmp_path)})
    assert result["failed"] and result["rc"] == 3
    assert result["msg"].startswith("install command of part os 2.0 exited with 3: flash error 42")
    assert result["stderr_lines"] == ["flash error 42"] and result["stdout_lines"] == ["flashing"]
    assert "marker" in result["device_state"] and (tmp_path / ".installing-7").exists()
    assert calls(tmp_path) == []  # the app chunk did not run


def test_a_command_that_cannot_start_is_one_clear_message(tmp_path):
    result = install(tmp_path, {"*": str(tmp_path / "no-such-installer") + " {path}"})
    assert result["failed"] and "could not start" in result["msg"] and "no-such-installer" in result["msg"]
    assert "exception" not in result


def test_check_mode_runs_nothing_and_writes_nothing(tmp_path):
    result = install(tmp_path, {"*": recorder(tmp_path) + " {path}"}, check_mode=True)
    assert result["changed"] and not result.get("failed")
    assert calls(tmp_path) == [] and not (tmp_path / ".installing-7").exists()
    assert result["commands"][0].endswith(repr(str(tmp_path / "fw image.bin")).replace('"', "'"))


def test_verify_and_finish(tmp_path):
    install(tmp_path, {"*": recorder(tmp_path)})
    failed = execute(HawkbitInstall, params(stage="verify", action_id=7, dest=str(tmp_path), verify_command="false"))
    assert failed["failed"] and failed["msg"].startswith("verify command exited with 1")
    passed = execute(HawkbitInstall, params(stage="verify", action_id=7, dest=str(tmp_path), verify_command="true"))
    assert not passed.get("failed") and passed["rc"] == 0 and passed["changed"] is False
    finished = execute(HawkbitInstall, params(stage="finish", action_id=7, dest=str(tmp_path)))
    assert finished["changed"] and not (tmp_path / ".installing-7").exists()
    again = execute(HawkbitInstall, params(stage="finish", action_id=7, dest=str(tmp_path)))
    assert again["changed"] is False


def test_start_writes_the_marker_only(tmp_path):
    result = execute(HawkbitInstall, params(stage="start", action_id=9, dest=str(tmp_path)))
    assert result["changed"] and (tmp_path / ".installing-9").read_text() == "9\n"
    checked = execute(HawkbitInstall, params(stage="start", action_id=10, dest=str(tmp_path)), check_mode=True)
    assert checked["changed"] and not (tmp_path / ".installing-10").exists()


def test_a_stage_without_what_it_needs_is_refused_before_anything_runs(tmp_path):
    spec = {key: value for key, value in INSTALL_SPEC.items() if key != "argument_spec"}
    validator = ArgumentSpecValidator(INSTALL_SPEC["argument_spec"], **spec)
    assert "chunks" in " ".join(validator.validate({"action_id": 7, "dest": str(tmp_path)}).error_messages)
    assert "verify_command" in " ".join(validator.validate({"stage": "verify", "action_id": 7, "dest": str(tmp_path)}).error_messages)
    empty = install(tmp_path, {"*": "true"}, chunks=[])
    assert empty["failed"] and "no chunks" in empty["msg"] and not (tmp_path / ".installing-7").exists()
    blank = execute(HawkbitInstall, params(stage="verify", action_id=7, dest=str(tmp_path), verify_command="  "))
    assert blank["failed"] and blank["msg"] == "the verify command is empty" and "exception" not in blank


@pytest.mark.parametrize("command, found", [
    ("rauc status --output-format=json | grep -q good", "|"), ("a && b", "&&"), ("a || b", "||"), ("a; b", ";"),
    ("a > out", ">"), ("a 2>&1", ">"), ("a < in", "<"), ("a &", "&"), ("echo $(id)", "$("), ("echo `id`", "`"),
    ('echo "$(id)"', "$("),  # a shell expands it inside double quotes too
    ("rauc install {path}", None), ("sh -c 'a | b > c'", None), ('sh -c "a && b"', None), ("echo '$(id)'", None),
    ("echo a\\|b", None), ("--filter='a>b'", None),
])
def test_shell_syntax_outside_quotes_is_found(command, found):
    assert shell_syntax(command) == found


def test_commands_with_shell_syntax_are_refused_in_every_stage_before_anything_runs(tmp_path):
    """Issue 21: commands run without a shell; a pipe or redirection would reach the program as an argument."""
    piped = "%s | grep -q good" % recorder(tmp_path)
    checked = execute(HawkbitInstall, params(stage="check", commands={"os": "rauc install {path}"}, verify_command=piped))
    assert checked["failed"] and "the verify command" in checked["msg"] and "'|'" in checked["msg"]
    assert "script" in checked["msg"] and "hawkbit_target_verify_tasks" in checked["msg"] and "exception" not in checked
    checked = execute(HawkbitInstall, params(stage="check", commands={"*": "install {paths} && sync"}))
    assert checked["failed"] and "install command of part *" in checked["msg"] and "'&&'" in checked["msg"]
    good = execute(HawkbitInstall, params(stage="check", commands={"os": "rauc install {path}"}, verify_command="rauc status"))
    assert not good.get("failed") and not good["changed"]
    for check_mode in (False, True):
        result = install(tmp_path, {"os": recorder(tmp_path) + " > /tmp/log", "*": recorder(tmp_path)}, check_mode=check_mode)
        assert result["failed"] and "shell syntax '>'" in result["msg"]
    verified = execute(HawkbitInstall, params(stage="verify", action_id=7, dest=str(tmp_path), verify_command=piped))
    assert verified["failed"] and "shell syntax" in verified["msg"]
    assert calls(tmp_path) == [] and not (tmp_path / ".installing-7").exists()


@pytest.mark.parametrize("path", ["examples/hawkbit-ssh/group_vars/gateways/main.yml",
                                  "examples/mixed-fleet/inventory/group_vars/hawkbit.yml"])
def test_the_examples_commands_need_no_shell_and_reboot_after_rauc(path):
    """Issue 21: the examples' install and verify commands pass the check; rauc install exits 0 when installed and
    1 when it failed (rauc's src/main.c: no "reboot required" code), so 0 is the reboot exit code with rauc."""
    import os
    import yaml
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
    with open(os.path.join(root, path)) as stream:
        settings = yaml.safe_load(stream)
    commands, verify = settings["hawkbit_target_install_commands"], settings["hawkbit_target_verify_command"]
    result = execute(HawkbitInstall, params(stage="check", commands=commands, verify_command=verify))
    assert not result.get("failed"), result
    assert settings["hawkbit_target_reboot_exit_code"] == 0 and commands["os"].startswith("rauc install")
