from fastapi.testclient import TestClient

from lodestar.app import create_app
from lodestar.settings import load_settings


def test_unknown_paths_get_an_error_page_or_json(db_url, tmp_path):
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app) as client:
        page = client.get("/no-such-page")
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "404" in page.text
        api = client.get("/api/v1/no-such-thing")
        assert api.status_code == 404
        assert api.json() == {"code": "http_error", "message": "Not Found"}


def test_every_response_reports_server_time_when_asked(db_url, tmp_path):
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path, server_timing=True))
    with TestClient(app) as client:
        timing = client.get("/healthz").headers["server-timing"]
        assert timing.startswith("app;dur=")
        assert float(timing.split("=", 1)[1]) >= 0
