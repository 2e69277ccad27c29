"""TLS options: a self-issued certificate is refused by default, accepted with ca_path or validate_certs=false."""


import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import DeviceUnreachable, TlsError
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import HttpClient
from tests.conftest import make_self_signed
from tests.simulators._base import start
from tests.simulators.encedo import EncedoSimulator, build_image


@pytest.fixture(scope="module")
def https_device(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    cert_file, key_file = make_self_signed(directory)
    simulator = EncedoSimulator()
    simulator.create_device("hem", {})
    server = start(simulator, tls=(str(cert_file), str(key_file)))
    image = directory / "firmware.bin"
    build_image(str(image), "firmware", "1.3.0")
    yield server.url + "/hem", str(cert_file), str(image)
    server.stop()


def test_self_issued_certificate_is_refused_by_default(https_device):
    url, _cert, _image = https_device
    with pytest.raises(TlsError) as caught:
        HttpClient(url, retries=0).get_json("/api/system/version")
    assert caught.value.msg == (
        "TLS failed: certificate verify failed: self-signed certificate (set ca_path to the CA that issued the device "
        "certificate, or validate_certs: false if it is self-issued and you accept that) (GET %s/api/system/version)" % url)
    assert not isinstance(caught.value, DeviceUnreachable), "nothing that waits for an unreachable device may wait on TLS"


def test_ca_path_makes_requests_and_uploads_work(https_device):
    url, cert, image = https_device
    client = HttpClient(url, ca_path=cert)
    assert client.get_json("/api/system/version")["fwv"].startswith("Encedo")
    response, sent = client.upload("POST", "/api/system/upgrade/upload_fw", image, expect_continue=True,
                                   headers={"Content-Disposition": 'attachment; filename="firmware.bin"'})
    assert response.status == 200 and sent > 0


def test_validate_certs_false_skips_verification(https_device):
    url, _cert, image = https_device
    client = HttpClient(url, validate_certs=False)
    assert client.get_json("/api/system/status")["fls_state"] == 0
    response = client.upload("POST", "/api/system/upgrade/upload_fw", image,
                             headers={"Content-Disposition": 'attachment; filename="firmware.bin"'})[0]
    assert response.status == 200


def test_upload_with_untrusted_certificate_is_refused(https_device):
    url, _cert, image = https_device
    with pytest.raises(TlsError, match="TLS failed: certificate verify failed"):
        HttpClient(url).upload("POST", "/api/system/upgrade/upload_fw", image)
