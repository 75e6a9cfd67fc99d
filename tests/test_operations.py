"""Health, metrics, OpenAPI, problem responses and request logs."""

from __future__ import annotations

from tests.helpers import register


def test_healthz(api):
    assert api.get("/healthz").json() == {"status": "ok"}


def test_openapi_and_docs(api):
    spec = api.get("/openapi.json").json()
    assert "/api/v1/shops/{shop_id}/products" in spec["paths"]
    assert api.get("/docs").status_code == 200


def test_metrics_count_requests_by_route_template(api):
    api.get("/api/v1/products/999999")
    text = api.get("/metrics").text
    assert 'livestall_http_requests_total{method="GET",route="/api/v1/products/{product_id}",status="404"}' in text
    assert "livestall_http_request_duration_seconds_bucket" in text


def test_not_found_is_a_problem(api):
    response = api.get("/api/v1/shops/987654")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["instance"] == "/api/v1/shops/987654" and body["type"].startswith("https://")
    unknown_route = api.get("/api/v1/nothing-here")
    assert unknown_route.status_code == 404 and unknown_route.headers["content-type"] == "application/problem+json"


def test_request_logs_are_json_lines_without_tokens(api, app_server):
    actor = register(api)
    api.get("/api/v1/me", headers=actor.headers)
    api.get("/api/v1/products", params={"q": actor.token})
    log = app_server.log()
    assert '"route": "/api/v1/me"' in log
    assert actor.token not in log
