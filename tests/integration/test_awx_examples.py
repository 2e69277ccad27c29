"""examples/awx: the credential types and job templates pass AWX's own validation rules, and the loader playbooks
hand awx.awx exactly that (run against a stand-in awx.awx whose modules take the real options and echo them)."""

import os
import re

import pytest
import yaml
from jinja2 import StrictUndefined, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tests.conftest import COLLECTIONS, ROOT, run_playbook

EXAMPLES = os.path.join(ROOT, "examples", "awx")
# The options of the real modules, from ansible/awx awx_collection/plugins/modules (devel e21dd0a).
STUB_MODULES = {
    "credential_type.py": """
from ansible.module_utils.basic import AnsibleModule

KIND_CHOICES = ["ssh", "vault", "net", "scm", "cloud", "insights"]

module = AnsibleModule(argument_spec=dict(
    name=dict(required=True), new_name=dict(), description=dict(), kind=dict(choices=KIND_CHOICES),
    inputs=dict(type="dict"), injectors=dict(type="dict"), state=dict(choices=["present", "absent", "exists"], default="present"),
))
module.exit_json(changed=True, sent=module.params)
""",
    "job_template.py": """
from ansible.module_utils.basic import AnsibleModule

BOOLS = ("force_handlers", "use_fact_cache", "ask_diff_mode_on_launch", "ask_variables_on_launch", "ask_limit_on_launch",
         "ask_tags_on_launch", "ask_skip_tags_on_launch", "ask_job_type_on_launch", "ask_verbosity_on_launch",
         "ask_inventory_on_launch", "ask_credential_on_launch", "ask_execution_environment_on_launch", "ask_forks_on_launch",
         "ask_instance_groups_on_launch", "ask_job_slice_count_on_launch", "ask_labels_on_launch", "ask_timeout_on_launch",
         "survey_enabled", "become_enabled", "diff_mode", "allow_simultaneous", "ask_scm_branch_on_launch",
         "prevent_instance_group_fallback")
STRINGS = ("new_name", "copy_from", "description", "organization", "inventory", "project", "playbook", "credential",
           "vault_credential", "execution_environment", "custom_virtualenv", "limit", "job_tags", "skip_tags",
           "start_at_task", "host_config_key", "scm_branch", "webhook_credential")
LISTS = ("credentials", "instance_groups", "labels", "notification_templates_started", "notification_templates_success",
         "notification_templates_error")
spec = dict(name=dict(required=True), job_type=dict(choices=["run", "check"]), forks=dict(type="int"),
            verbosity=dict(type="int", choices=[0, 1, 2, 3, 4, 5]), extra_vars=dict(type="dict"), timeout=dict(type="int"),
            survey_spec=dict(type="dict"), job_slice_count=dict(type="int"), webhook_service=dict(choices=["github", "gitlab", ""]),
            state=dict(choices=["present", "absent", "exists"], default="present"))
spec.update({name: dict(type="bool") for name in BOOLS})
spec.update({name: dict() for name in STRINGS})
spec.update({name: dict(type="list", elements="str") for name in LISTS})
module = AnsibleModule(argument_spec=spec)
module.exit_json(changed=True, sent=module.params)
""",
}
FIELD_KEYS = {"id", "label", "type", "format", "choices", "help_text", "multiline", "secret", "ask_at_runtime", "default"}
SECRET_WORDS = re.compile(r"password|passphrase|token|secret", re.IGNORECASE)
ENV_BLOCKLIST = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
                 "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION",
                 "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"}
SURVEY_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str, "integer": int,
                "float": (float, int)}
ROLLOUT_VARS = {"fleetops_canary", "fleetops_batch", "fleetops_max_failures", "fleetops_min_sample"}  # issue 8, playbooks/upgrade.yml


@pytest.fixture(scope="module")
def sent(tmp_path_factory):
    """What each loader playbook's awx.awx calls would send to AWX: {module: [params, ...]}."""
    stub = tmp_path_factory.mktemp("awx-stub")
    modules = stub / "ansible_collections" / "awx" / "awx" / "plugins" / "modules"
    modules.mkdir(parents=True)
    for name, text in STUB_MODULES.items():
        (modules / name).write_text(text)
    calls = {}
    for playbook in ("load_credential_types.yml", "job_templates.yml"):
        run = run_playbook(os.path.join(EXAMPLES, playbook), env={"ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (stub, COLLECTIONS)},
                           tmp_path=tmp_path_factory.mktemp("awx-play"))
        assert run.rc == 0, run.stdout[-3000:]
        for play in run.data["plays"]:
            for task in play["tasks"]:
                result = task["hosts"]["localhost"]
                for item in result.get("results", [result]):
                    calls.setdefault(task["task"]["name"], []).append(item["sent"])
    return calls


def role_options():
    options = set()
    for role in os.listdir(os.path.join(ROOT, "roles")):
        with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        for entry in specs.values():
            options.update(entry.get("options", {}))
    return options


def inventory_plugin_env():
    with open(os.path.join(ROOT, "plugins", "inventory", "mwcloud.py")) as handle:
        return set(re.findall(r"- name: (MWCLOUD_[A-Z_]+)", handle.read()))


def test_credential_types_pass_awx_validation(sent):
    types = sent["Create the credential type"]
    assert [t["name"] for t in types] == [
        "fleetops Encedo HEM passphrase", "fleetops Encedo HEM token", "fleetops AppResponse user", "fleetops AppResponse token",
        "fleetops hawkBit target token", "fleetops hawkBit gateway token", "fleetops Magewell Control Cloud"]
    options, plugin_env = role_options(), inventory_plugin_env()
    for credential_type in types:
        name, inputs, injectors = credential_type["name"], credential_type["inputs"], credential_type["injectors"]
        # awx/main/fields.py CredentialTypeInputField
        assert set(inputs) <= {"fields", "required"}, name
        ids = [field["id"] for field in inputs["fields"]]
        assert len(ids) == len(set(ids)) and "tower" not in ids, name
        for field in inputs["fields"]:
            assert set(field) <= FIELD_KEYS and {"id", "label"} <= set(field), (name, field)
            assert re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", field["id"]), (name, field)
            assert field.get("type", "string") in ("string", "boolean"), (name, field)
            if SECRET_WORDS.search(field["id"] + " " + field["label"]):
                assert field.get("secret") is True, "%s: %s must be secret" % (name, field["id"])
        assert set(inputs.get("required", [])) <= set(ids), name
        # awx/main/fields.py CredentialTypeInjectorField: schema, then every template renders with the declared fields only
        assert set(injectors) <= {"file", "env", "extra_vars"} and injectors, name
        namespace = {field_id: "EXAMPLE" for field_id in ids}
        used = set()
        sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
        for kind in ("extra_vars", "env"):
            for variable, template in injectors.get(kind, {}).items():
                try:
                    assert sandbox.from_string(template).render(namespace) == "EXAMPLE", (name, variable)
                except UndefinedError as exc:
                    raise AssertionError("%s: %s uses an undefined field (%s)" % (name, variable, exc))
                used.update(field_id for field_id in ids if re.search(r"\b%s\b" % field_id, template))
                if kind == "extra_vars":
                    assert variable in options, "%s injects %s, which no role documents" % (name, variable)
                else:
                    assert re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", variable) and not variable.startswith("ANSIBLE_")
                    assert variable not in ENV_BLOCKLIST and variable in plugin_env, (name, variable)
        assert used == set(ids), "%s declares fields it never injects: %s" % (name, set(ids) - used)
        assert credential_type["kind"] == "cloud" and credential_type["state"] == "present"


def test_job_templates_and_their_survey_pass_awx_validation(sent):
    templates = {t["name"]: t for calls in sent.values() for t in calls if "playbook" in t}
    assert sorted(templates) == ["fleetops drift gate", "fleetops upgrade", "fleetops upgrade (4 slices)", "fleetops upgrade preview"]
    assert templates["fleetops upgrade preview"]["job_type"] == "check"
    assert templates["fleetops upgrade (4 slices)"]["job_slice_count"] == 4
    assert templates["fleetops drift gate"]["extra_vars"] == {"fleetops_fail_on_drift": True}
    options = role_options()
    for name, template in templates.items():
        assert os.path.exists(os.path.join(EXAMPLES, "project", template["playbook"])), name
        assert template["ask_limit_on_launch"] is True and template["execution_environment"], name
        if not template.get("survey_enabled"):
            continue
        survey = template["survey_spec"]  # awx/api/views JobTemplateSurveySpec._validate_spec_data
        assert isinstance(survey["name"], str) and isinstance(survey["description"], str) and survey["spec"]
        variables = [question["variable"] for question in survey["spec"]]
        assert len(variables) == len(set(variables))
        for question in survey["spec"]:
            assert all(isinstance(question[key], str) for key in ("type", "question_name", "variable"))
            assert isinstance(question["required"], bool) and question["type"] in SURVEY_TYPES
            if question.get("default", "") != "":
                assert isinstance(question["default"], SURVEY_TYPES[question["type"]]), question
            assert question["variable"] in options | ROLLOUT_VARS, question["variable"]
        assert {"encedo_firmware_version", "appresponse_version", "magewell_firmware_version"} <= set(variables)
        for question in survey["spec"]:
            if question["variable"].endswith("_version"):
                assert "default" not in question, "a survey default would override the inventory's %s" % question["variable"]
