"""RFC 3161 trusted time against a real TSA (`openssl ts -reply`) served on loopback."""

import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from marsad.custody.models import TimestampToken
from marsad.custody.timestamps import TimestampInvalid, request_timestamp
from marsad.custody.verify import verify_log

TSA_CONF = """
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.crt
certs = {dir}/tsa.crt
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(folder: Path) -> None:
    """A self-made root CA and a TSA certificate (critical timeStamping usage) it signed."""
    (folder / "ext.cnf").write_text(
        "[tsa]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=critical,timeStamping\n"
    )
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", "30", "-subj", "/CN=Marsad Test Root", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
             "-subj", "/CN=Marsad Test TSA", cwd=folder)
    _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "tsa.crt", "-days", "30", "-extfile", "ext.cnf", "-extensions", "tsa", cwd=folder)
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(TSA_CONF.format(dir=folder))


@pytest.fixture
def tsa(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    make_pki(tmp_path)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            query = tmp_path / "query.tsq"
            query.write_bytes(self.rfile.read(int(self.headers["Content-Length"])))
            reply = subprocess.run(
                ["openssl", "ts", "-reply", "-config", str(tmp_path / "tsa.cnf"), "-queryfile", str(query),
                 "-out", "-"], capture_output=True, check=True).stdout
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/tsa", (tmp_path / "ca.crt").read_text()
    server.shutdown()


def test_timestamp_is_obtained_stored_and_verified(ingested, tsa, tmp_path):
    url, root_pem = tsa
    token = request_timestamp(url, root_pem)
    assert token.checkpoint.note.startswith("marsad.local/")
    report = verify_log()
    assert report.ok, report.problems
    assert report.timestamps == 1


def test_timestamp_from_an_untrusted_authority_is_refused(ingested, tsa, tmp_path):
    url, _ = tsa
    other = tmp_path / "other"
    other.mkdir()
    make_pki(other)
    with pytest.raises(TimestampInvalid):
        request_timestamp(url, (other / "ca.crt").read_text())


def test_tampered_token_is_detected(ingested, tsa):
    url, root_pem = tsa
    token = request_timestamp(url, root_pem)
    der = bytearray(token.token)
    der[-20] ^= 0xFF
    TimestampToken.objects.filter(pk=token.pk).update(token=bytes(der))
    report = verify_log()
    assert any("timestamp from" in p for p in report.problems), report.problems
