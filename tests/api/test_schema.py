"""The OpenAPI schema as client generators read it: valid and warning-free, one shape per field,
errors as two shared components, each operation declaring only what it can answer; Swagger UI
without a CDN. Each test names the generated-client failure it keeps away."""

import pytest
import yaml
from django.core.management import call_command

from intake.choices import AIPattern, Autonomy, EUAIActCategory, RegulatedArea, RiskTier, Stage, Status
from reviews.choices import Decision

METHODS = ("get", "post", "put", "patch", "delete")
OWN_CONFLICTS = {("get", "/api/v1/board-packs/{id}/pdf/"), ("get", "/api/v1/dossiers/{id}/pdf/"),
                 ("patch", "/api/v1/use-cases/{reference}/"),
                 ("patch", "/api/v1/vendors/{id}/"),
                 ("patch", "/api/v1/incidents/{id}/")}  # a status move its transition table does not allow
# Creates whose body names the use case by reference: an unseen one is a 404 there too.
BODY_NAMES_A_USE_CASE = ("/api/v1/risks/", "/api/v1/incidents/", "/api/v1/risk-acceptances/")
# Writes that are not there for whoever may not make them: 404 for them (a non governance admin's policy change).
NOT_THERE_FOR_OTHERS = {("patch", "/api/v1/policy/")}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_setup, django_db_blocker):
    out = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    return yaml.safe_load(out.read_text())


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def properties(schema):
    """Every (component, property, property schema), array items included."""
    for name, component in schema["components"]["schemas"].items():
        for prop, prop_schema in (component.get("properties") or {}).items():
            yield name, prop, prop_schema
            if isinstance(prop_schema.get("items"), dict):
                yield name, prop, prop_schema["items"]


def test_openapi_3_1_with_null_as_a_type(schema):
    assert schema["openapi"] == "3.1.0"
    assert "nullable" not in yaml.safe_dump(schema)  # 3.0's keyword: a 3.1 reader ignores it


def test_no_blank_or_null_enum_wrappers(schema):
    # openapi-generator wrote `class NullEnum(, Enum):` for {enum: [null]}: its client did not import.
    components = schema["components"]["schemas"]
    assert not {"NullEnum", "BlankEnum"} & set(components)
    for name, component in components.items():
        if "enum" in component:
            assert component["type"] == "string" and None not in component["enum"] and "" not in component["enum"], name
    for name, prop, prop_schema in properties(schema):
        if "oneOf" in prop_schema:  # only ever "this enum (or this nested record), or null"
            ref, null = prop_schema["oneOf"]
            assert ref["$ref"].startswith("#/components/schemas/") and null == {"type": "null"}, (name, prop)
            assert ref["$ref"].endswith("Enum") or "enum" not in components[ref["$ref"].rsplit("/", 1)[1]], (
                name, prop)


@pytest.mark.parametrize("component, prop, choices", [
    ("UseCase", "risk_tier", RiskTier),
    ("UseCaseDetail", "computed_tier", RiskTier),
    ("UseCaseDetail", "eu_ai_act_category", EUAIActCategory),
    ("UseCase", "ai_pattern", AIPattern),
    ("UseCase", "regulated_area", RegulatedArea),
    ("Review", "decision", Decision),
    ("PatchedUseCaseUpdateRequest", "autonomy", Autonomy),
    ("GateDecisionInputRequest", "to_stage", Stage),
])
def test_a_nullable_choice_is_its_named_enum_or_null(schema, component, prop, choices):
    # Was BlankEnum | NullEnum | RiskTierEnum: three types for a field that is a tier or null
    # (openapi-python-client now generates `RiskTierEnum | None`).
    field = schema["components"]["schemas"][component]["properties"][prop]
    ref, null = field["oneOf"]
    assert null == {"type": "null"}
    enum = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
    assert enum == {**enum, "type": "string", "enum": [value for value in choices.values if value != ""]}


def test_a_choice_that_is_never_null_is_its_named_enum(schema):
    status = schema["components"]["schemas"]["UseCase"]["properties"]["status"]
    assert status == {"$ref": "#/components/schemas/UseCaseStatusEnum"}
    assert schema["components"]["schemas"]["UseCaseStatusEnum"]["enum"] == list(Status.values)


def test_a_vendor_website_is_a_nullable_uri(schema):
    # Was oneOf[uri, maxLength 0]: "" matched both branches and decoding failed ("Multiple matches found").
    website = schema["components"]["schemas"]["Vendor"]["properties"]["website"]
    assert website["type"] == ["string", "null"] and website["format"] == "uri" and "oneOf" not in website


@pytest.mark.parametrize("component, field", [
    ("UseCase", "status"), ("UseCase", "stage"), ("UseCaseDetail", "summary"), ("Review", "decision"),
    ("Tombstone", "reason"), ("Vendor", "website"), ("PaginatedUseCaseList", "next_cursor"),
])
def test_fields_the_server_always_sends_are_required(schema, component, field):
    assert field in schema["components"]["schemas"][component]["required"]


def test_every_response_component_requires_all_its_fields(schema):
    responses = set()
    for _, _, operation in operations(schema):
        for response in operation["responses"].values():
            for media in (response.get("content") or {}).values():
                ref = media["schema"].get("$ref", "")
                responses.add(ref.rsplit("/", 1)[-1])
    components = schema["components"]["schemas"]
    for name in responses - {"", "ValidationError", "ApiError"}:
        component = components[name]
        assert set(component.get("required", ())) == set(component["properties"]), name


def test_path_ids_are_integers(schema):
    for method, path, operation in operations(schema):
        for parameter in operation.get("parameters", ()):
            if parameter["in"] == "path" and parameter["name"] == "id":
                assert parameter["schema"]["type"] == "integer", (method, path)
                assert "pattern" not in parameter["schema"]


def test_errors_are_two_shared_components(schema):
    # Was one inline 400 shape per operation (45 *Response400 classes) and an `Error` component.
    components = schema["components"]["schemas"]
    assert "Error" not in components and {"ValidationError", "ApiError"} <= set(components)
    for method, path, operation in operations(schema):
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                expected = "ValidationError" if code == "400" else "ApiError"
                assert response["content"] == {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{expected}"}}}, (method, path)


def test_each_operation_declares_only_the_statuses_it_can_return(schema):
    for method, path, operation in operations(schema):
        codes = set(operation["responses"])
        names = {parameter["name"] for parameter in operation.get("parameters", ())}
        assert "429" in codes, (method, path)
        assert ("412" in codes) == ("If-Match" in names), (method, path)
        names_a_record = ("{" in path or (method == "post" and path in BODY_NAMES_A_USE_CASE)
                          or (method, path) in NOT_THERE_FOR_OTHERS)
        assert ("404" in codes) == names_a_record, (method, path)
        if "409" in codes:  # idempotency keys, and the operations that name their own conflict
            assert method == "post" or (method, path) in OWN_CONFLICTS, (method, path)
        if method == "get" and not operation["operationId"].endswith("_list"):
            assert "400" not in codes, (method, path)


def test_the_token_endpoint_needs_no_credentials_and_has_no_conflicts(schema):
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert token["security"] == []
    assert set(token["responses"]) == {"200", "400", "429"}


def test_throttling_declares_retry_after(schema):
    for method, path, operation in operations(schema):
        header = operation["responses"]["429"]["headers"]["Retry-After"]
        assert header["schema"]["type"] == "integer", (method, path)


def test_the_pdf_download_is_a_binary_pdf_without_a_format_parameter(schema):
    download = schema["paths"]["/api/v1/board-packs/{id}/pdf/"]["get"]
    assert download["responses"]["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    assert [parameter["name"] for parameter in download["parameters"]] == ["id"]


def test_lists_declare_the_cursor_and_pages_carry_it(schema):
    for _method, path, operation in operations(schema):
        if operation["operationId"].endswith("_list"):
            assert "cursor" in {parameter["name"] for parameter in operation["parameters"]}, path
            page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            assert "next_cursor" in schema["components"]["schemas"][page.rsplit("/", 1)[-1]]["properties"]


def test_bearer_and_token_schemes_are_declared(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["tokenAuth"]["type"] == "apiKey"
    list_security = schema["paths"]["/api/v1/use-cases/"]["get"]["security"]
    assert {"bearerAuth": []} in list_security and {"tokenAuth": []} in list_security


def test_housekeeping_summaries_servers_and_licence(schema):
    for method, path, operation in operations(schema):
        assert operation.get("summary"), (method, path)
    assert schema["servers"][0]["url"].startswith("http")
    assert schema["info"]["license"]["name"] and schema["info"]["license"]["url"]


@pytest.mark.parametrize("path", ["readiness", "checklist", "pilot-selection"])
def test_evidence_puts_take_if_match_and_return_an_etag(schema, path):
    item = schema["paths"][f"/api/v1/use-cases/{{reference}}/{path}/"]
    assert "If-Match" in {parameter["name"] for parameter in item["put"]["parameters"]}
    assert "ETag" in item["put"]["responses"]["200"]["headers"]
    assert "ETag" in item["get"]["responses"]["200"]["headers"]


def test_the_schema_and_the_docs_are_served(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi: 3" in response.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn.jsdelivr" not in html and "/static/drf_spectacular_sidecar/" in html
