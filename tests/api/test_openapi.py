"""The OpenAPI document lists every endpoint with its request and response schemas."""

from collections.abc import Callable
from typing import Any

from ninja.openapi.schema import OpenAPISchema

from ropeteam.api.main import api as ninja_api
from tests.api.conftest import Api
from tests.conftest import World

PREFIX = "/api/v1"
WRITES = {"post", "put", "patch"}


def _document(client: Api) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its top-level $ref (or its array items' $ref) looked up."""
    if schema.get("type") == "array":
        schema = schema["items"]
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        resolved: dict[str, Any] = document["components"]["schemas"][name]
        return resolved
    return schema


def _problems(
    document: dict[str, Any], path: str, method: str, operation: dict[str, Any]
) -> list[str]:
    where = f"{method.upper()} {path}"
    problems = []
    if not operation.get("summary"):
        problems.append(f"{where}: no summary")
    successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
    if not successes:
        problems.append(f"{where}: no 2xx response")
    for code, response in successes.items():
        if code == "204":
            continue
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if not schema or not _resolve(document, schema).get("properties"):
            problems.append(f"{where}: {code} response has no schema with properties")
    # A command that takes no input (accept, cancel) is a POST without a body; anything
    # with a body, and every PUT and PATCH, documents its schema.
    if method in WRITES and (method != "post" or "requestBody" in operation):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        if not body.get("schema") or not _resolve(document, body["schema"]).get("properties"):
            problems.append(f"{where}: no request body schema")
    return problems


def test_the_openapi_document_is_served(world: World, api: Callable[[str], Api]) -> None:
    document = _document(api("sam"))

    assert document["info"]["title"] == "Ropeteam API"
    assert set(document["components"]["securitySchemes"]) == {"TokenAuth", "BrowserSessionAuth"}


def test_every_operation_has_a_summary_a_response_schema_and_a_request_schema(
    world: World, api: Callable[[str], Api]
) -> None:
    document = _document(api("sam"))

    problems = [
        problem
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for problem in _problems(document, path, method, operation)
    ]

    assert problems == []


def test_every_operation_requires_authentication(world: World, api: Callable[[str], Api]) -> None:
    document = _document(api("sam"))

    unguarded = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") != [{"TokenAuth": []}, {"BrowserSessionAuth": []}]
    ]

    assert unguarded == []


def test_every_route_of_the_api_is_in_the_document(world: World, api: Callable[[str], Api]) -> None:
    # ninja keeps its routers privately; this is the one place we look inside it.
    registered = {
        (method.lower(), PREFIX + prefix + path)
        for prefix, router in ninja_api._routers
        for path, path_view in router.path_operations.items()
        for operation in path_view.operations
        for method in operation.methods
    }
    document = _document(api("sam"))
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}

    assert len(registered) >= 26
    assert registered == documented


class _Recording(OpenAPISchema):
    """The document, keeping every definition offered for each component name.

    ninja keeps one component per name and lets the last definition win, so two schemas
    (or enums) with one name make every operation using the first describe the second.
    """

    def __init__(self) -> None:
        self.offered: dict[str, list[dict[str, Any]]] = {}
        super().__init__(ninja_api, PREFIX + "/")

    def add_schema_definitions(self, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            seen = self.offered.setdefault(name, [])
            if definition not in seen:
                seen.append(definition)
        super().add_schema_definitions(definitions)


def test_every_component_name_in_the_document_means_one_schema() -> None:
    document = _Recording()

    clashes = {
        name: [d.get("enum") or sorted(d.get("properties", {})) for d in definitions]
        for name, definitions in document.offered.items()
        if len(definitions) > 1
    }

    assert clashes == {}
