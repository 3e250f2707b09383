"""Production serves its own static files: hashed and compressed by collectstatic, served by the
WSGI app itself (whitenoise), so `gunicorn retryadmin.wsgi` alone shows styled screens and admin."""

import json
import re
import subprocess
import sys

import pytest

from .production import ROOT, production_env, run_manage

pytestmark = pytest.mark.slow

# Calls retryadmin.wsgi.application as gunicorn would, behind a TLS proxy, and prints what came back.
WSGI_GET = """
import io, json, sys
from retryadmin.wsgi import application

def get(path, **headers):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "retry.example.com",
        "SERVER_PORT": "443", "HTTP_HOST": "retry.example.com", "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        **headers,
    }
    seen = {}
    def start_response(status, response_headers, exc_info=None):
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(response_headers)
    body = b"".join(application(environ, start_response))
    return {**seen, "body": body.decode("latin-1")}

print(json.dumps({path: get(path, **headers) for path, headers in json.loads(sys.argv[1])}))
"""


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    run = run_manage("collectstatic", "--noinput", "-v", "0", DJANGO_STATIC_ROOT=str(root))
    assert run.returncode == 0, run.stderr
    return root


def wsgi_get(static_root, *requests):
    run = subprocess.run(
        [sys.executable, "-c", WSGI_GET, json.dumps(requests)],
        cwd=ROOT,
        env=production_env(
            DJANGO_STATIC_ROOT=str(static_root), DATABASE_URL=f"sqlite:///{static_root.parent / 'unused.sqlite3'}"
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def manifest(static_root) -> dict[str, str]:
    return json.loads((static_root / "staticfiles.json").read_text())["paths"]


def test_collectstatic_hashes_and_compresses(static_root):
    paths = manifest(static_root)
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", paths["css/app.css"])
    assert re.fullmatch(r"admin/css/base\.[0-9a-f]{12}\.css", paths["admin/css/base.css"])
    assert (static_root / (paths["css/app.css"] + ".gz")).exists()


def test_the_wsgi_app_serves_our_stylesheet_and_the_admins_hashed_and_compressed(static_root):
    paths = manifest(static_root)
    ours, admins = "/static/" + paths["css/app.css"], "/static/" + paths["admin/css/base.css"]
    gzip = {"HTTP_ACCEPT_ENCODING": "gzip"}
    got = wsgi_get(static_root, [ours, {}], [admins, gzip])
    assert got[ours]["status"] == 200
    assert got[ours]["headers"]["Content-Type"].startswith("text/css")
    assert ".table td" in got[ours]["body"]
    # Hashed names never change content: browsers may keep them for good.
    assert "immutable" in got[ours]["headers"]["Cache-Control"]
    assert got[admins]["status"] == 200
    assert got[admins]["headers"]["Content-Encoding"] == "gzip"


def test_the_login_page_links_the_hashed_stylesheets_the_app_serves(static_root):
    got = wsgi_get(static_root, ["/login/", {}])["/login/"]
    assert got["status"] == 200
    links = re.findall(r'href="(/static/[^"]+\.css)"', got["body"])
    assert "/static/" + manifest(static_root)["css/app.css"] in links
    served = wsgi_get(static_root, *[[link, {}] for link in links])
    assert {link: served[link]["status"] for link in links} == dict.fromkeys(links, 200)


def test_every_static_file_a_template_names_is_in_the_manifest(static_root):
    # With the manifest storage a missing name is a 500 on the page that names it, so every one is checked.
    named = set()
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        named.update(re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""", template.read_text(encoding="utf-8")))
    assert named, "no {% static %} tag found: the pattern is wrong"
    assert sorted(named - manifest(static_root).keys()) == []
