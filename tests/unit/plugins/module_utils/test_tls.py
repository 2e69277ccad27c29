"""TLS options: a self-issued certificate is refused by default, accepted with ca_path or validate_certs=false."""

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import DeviceUnreachable, TlsError
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import HttpClient
from tests.simulators._base import start
from tests.simulators.encedo import EncedoSimulator, build_image


@pytest.fixture(scope="module")
def https_device(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
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
