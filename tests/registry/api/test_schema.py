"""The OpenAPI schema (DESIGN.md §6): it generates valid and without a warning, every operation
documents its error answers in the §6 shape, and the public endpoints carry examples that match
their schemas. Plus the answers that the contract run (scripts/api_contract.sh) once caught
contradicting the schema."""

import json
from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from registry.coverage.models import POLICY_DEFAULTS

ERROR = "#/components/schemas/Error"
METHODS = ("get", "post", "put", "patch", "delete")
PUBLIC_PREFIX = "/api/v1/public/"


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The schema as `manage.py spectacular --validate --fail-on-warn` writes it (CI runs the same):
    the command fails on any generator warning or error, and on an invalid OpenAPI document."""
    path = tmp_path_factory.mktemp("openapi") / "schema.json"
    GENERATOR_STATS.reset()  # warnings of earlier generations in this process are not this one's
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(path))
    return json.loads(path.read_text())


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, item[method])
        for path, item in schema["paths"].items()
        for method in METHODS
        if method in item
    ]


def json_schema_of(response: dict[str, Any]) -> dict[str, Any]:
    return response.get("content", {}).get("application/json", {}).get("schema", {})


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def mismatches(schema: dict[str, Any], node: dict[str, Any], value: Any, where: str = "") -> list[str]:
    """Where ``value`` contradicts ``node`` (types, required and unknown properties, enums):
    enough to keep hand-written examples in step with the serializers."""
    node = resolve(schema, node)
    if value is None:
        return [] if node.get("nullable") or not node else [f"{where or '.'}: null, not nullable"]
    if "allOf" in node:
        return [m for part in node["allOf"] for m in mismatches(schema, part, value, where)]
    if "enum" in node and value not in node["enum"]:
        return [f"{where}: {value!r} not in {node['enum']}"]
    kind = node.get("type")
    python_types = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "number": (int, float),
        "boolean": bool,
    }
    if kind in python_types and (
        not isinstance(value, python_types[kind]) or (kind in ("integer", "number") and isinstance(value, bool))
    ):
        return [f"{where or '.'}: {value!r} is not {kind}"]
    if kind == "array":
        return [
            m for i, item in enumerate(value) for m in mismatches(schema, node.get("items", {}), item, f"{where}[{i}]")
        ]
    if kind == "object" and "properties" in node:
        found = [f"{where}.{key}: missing" for key in node.get("required", []) if key not in value]
        for key, item in value.items():
            if key in node["properties"]:
                found += mismatches(schema, node["properties"][key], item, f"{where}.{key}")
            elif node.get("additionalProperties") in (None, False):
                found.append(f"{where}.{key}: not in the schema")
        return found
    return []


# --- The whole schema ---------------------------------------------------------------------


def test_schema_generates_valid_without_warnings(schema):
    assert schema["openapi"].startswith("3.")
    assert len(operations(schema)) > 40


def test_every_operation_documents_a_4xx_in_the_error_shape(schema):
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(schema)
        if not any(
            code.startswith("4") and json_schema_of(response).get("$ref") == ERROR
            for code, response in operation["responses"].items()
        )
    ]
    assert missing == []


def test_every_documented_4xx_is_the_error_shape(schema):
    other = [
        f"{method} {path} {code}"
        for method, path, operation in operations(schema)
        for code, response in operation["responses"].items()
        if code.startswith("4") and json_schema_of(response).get("$ref") != ERROR
    ]
    assert other == []
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code"}
    assert set(error["properties"]) == {"detail", "code", "errors", "criteria"}


def test_the_errors_each_operation_can_answer_are_documented(schema):
    """400 everywhere; 401 wherever a token is read; 403 unless anyone may call it; 404 for an
    object in the path and for a page past the end of a list; 415 for a request body."""
    gaps = []
    for method, path, operation in operations(schema):
        codes = set(operation["responses"])
        security = operation.get("security", [])
        expected = {"400"}
        if any("tokenAuth" in s for s in security):
            expected.add("401")
        if security and {} not in security:
            expected.add("403")
        if "{" in path or any(p["name"] == "page" for p in operation.get("parameters", [])):
            expected.add("404")
        if "requestBody" in operation:
            expected.add("415")
        if not expected <= codes:
            gaps.append(f"{method} {path}: {sorted(expected - codes)}")
    assert gaps == []


# --- Public endpoints ---------------------------------------------------------------------


def public_operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = [(m, p, op) for m, p, op in operations(schema) if p.startswith(PUBLIC_PREFIX)]
    assert found, "no public operations in the schema"
    return found


def test_public_operations_need_no_login(schema):
    for method, path, operation in public_operations(schema):
        security = operation.get("security", [])
        assert not security or {} in security, f"{method} {path}"
        assert "403" not in operation["responses"], f"{method} {path}"


def test_public_operations_have_examples_that_match_their_schemas(schema):
    problems = []
    for method, path, operation in public_operations(schema):
        success = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        bodies = [(f"{code} response", r) for code, r in success.items() if "content" in r]
        if "requestBody" in operation:
            bodies.append(("request body", operation["requestBody"]))
        for label, body in bodies:
            content = body["content"]["application/json"]
            examples = content.get("examples", {})
            if not examples:
                problems.append(f"{method} {path}: no example of the {label}")
            for name, example in examples.items():
                problems += [
                    f"{method} {path} {name}{m}" for m in mismatches(schema, content["schema"], example["value"])
                ]
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                for name, example in response["content"]["application/json"].get("examples", {}).items():
                    problems += [
                        f"{method} {path} {name}{m}" for m in mismatches(schema, {"$ref": ERROR}, example["value"])
                    ]
    assert problems == []


def test_the_public_finder_documents_its_throttle(schema):
    assert "429" in schema["paths"][f"{PUBLIC_PREFIX}service-centres/"]["get"]["responses"]


# --- Answers the contract run caught contradicting the schema ------------------------------


def api(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_default_policy_has_no_author_and_the_schema_says_so(schema, world):
    policy = schema["components"]["schemas"]["CoveragePolicy"]["properties"]
    assert policy["created_by"].get("nullable") and policy["created_at"].get("nullable")

    body = api().get("/api/v1/markets/KE/policy/").json()

    assert body["version"] == 0 and body["created_by"] is None and body["created_at"] is None


def test_options_on_the_policy_describes_it(world):
    response = api(world.official).options("/api/v1/markets/KE/policy/")

    assert response.status_code == 200
    assert "PUT" in response.json()["actions"]


def test_options_on_an_unknown_market_policy_is_404(world):
    response = api(world.official).options("/api/v1/markets/XX/policy/")

    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_invitations_and_members_are_documented_as_201(schema):
    for path in ("/api/v1/brands/{slug}/invitations/", "/api/v1/brands/{slug}/members/"):
        responses = schema["paths"][path]["post"]["responses"]
        assert "201" in responses and "200" not in responses, path


@pytest.mark.parametrize("query", ["part=-1.6e176", "depot=3.5", "part=abc"])
def test_stock_ids_in_the_query_are_whole_numbers(world, schema, query):
    name = query.split("=")[0]
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/stock/"]["get"]["parameters"]}
    assert parameters[name]["schema"]["type"] == "integer"

    response = api(world.alpha_admin).get(f"/api/v1/stock/?{query}")

    assert response.status_code == 400
    assert name in response.json()["errors"]


def test_a_stock_id_beyond_the_database_integers_is_400(world):
    response = api(world.alpha_admin).get("/api/v1/stock/?part=99999999999999999999999999")

    assert response.status_code == 400
    assert "part" in response.json()["errors"]


def test_an_object_id_beyond_the_database_integers_is_404(world):
    response = api(world.alpha_admin).get("/api/v1/stock/99999999999999999999999999/")

    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_planned_volume_beyond_the_column_is_400(world):
    response = api(world.alpha_admin).post(
        "/api/v1/coverage-reports/",
        {"brand": "alpha", "market": "KE", "planned_annual_volume": 38126833393631715328},
        format="json",
    )

    assert response.status_code == 400
    assert "planned_annual_volume" in response.json()["errors"]


def test_a_huge_coverage_radius_is_400(world):
    body = {
        **{name: value for name, value in POLICY_DEFAULTS.items() if name != "coverage_radius_km"},
        "coverage_radius_km": 1.9563078276081272e307,
    }
    body = json.loads(json.dumps(body, default=float))

    response = api(world.official).put("/api/v1/markets/KE/policy/", body, format="json")

    assert response.status_code == 400
    assert "coverage_radius_km" in response.json()["errors"]


@pytest.mark.parametrize(
    ("method", "path", "extra", "status"),
    [
        ("delete", "/api/v1/markets/", {}, 405),
        ("post", "/api/v1/auth/token/", {"data": "username=x", "content_type": "text/plain"}, 415),
        ("get", "/api/v1/markets/", {"HTTP_ACCEPT": "application/xml"}, 406),
        ("get", "/api/v1/no-such-endpoint/", {}, 404),
    ],
)
def test_protocol_refusals_answer_in_the_error_shape(db, method, path, extra, status):
    response = getattr(APIClient(), method)(path, **extra)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str) and isinstance(body["code"], str)
