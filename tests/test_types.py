from asktoact.schema import Tool
from asktoact.types import normalize_schema, parse_type


def test_python_ish_types():
    assert parse_type("str") == ({"type": "string"}, False)
    assert parse_type("int, optional") == ({"type": "integer"}, True)
    assert parse_type("List[int]") == ({"type": "array", "items": {"type": "integer"}}, False)
    assert parse_type("Dict") == ({"type": "object"}, False)
    assert parse_type("tuple") == ({"type": "array"}, False)
    assert parse_type("float") == ({"type": "number"}, False)
    assert parse_type("Optional[List[str]]") == ({"type": "array", "items": {"type": "string"}}, True)
    assert parse_type("Dict[str, float]")[0] == {"type": "object", "additionalProperties": {"type": "number"}}
    assert parse_type("Union[int, str]")[0] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert parse_type("Literal['a', 'b']")[0] == {"enum": ["a", "b"]}
    assert parse_type("date")[0] == {"type": "string", "format": "date"}
    assert parse_type("List[Dict[str, int]], optional") == (
        {"type": "array", "items": {"type": "object", "additionalProperties": {"type": "integer"}}}, True)


def test_bfcl_dict_schema_normalised_recursively():
    s = normalize_schema({"type": "dict", "properties": {
        "a": {"type": "float"}, "b": {"type": "tuple", "items": {"type": "integer"}},
        "c": {"type": "dict", "properties": {"d": {"type": "any"}}}}, "required": ["a"]})
    assert s["type"] == "object"
    assert s["properties"]["a"] == {"type": "number"}
    assert s["properties"]["b"] == {"type": "array", "items": {"type": "integer"}}
    assert s["properties"]["c"]["type"] == "object"
    assert s["properties"]["c"]["properties"]["d"] == {}


def test_tool_rejects_required_names_not_in_properties():
    import pytest

    with pytest.raises(ValueError, match="unknown parameters"):
        Tool(name="t", parameters={"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]})


def test_toolalpaca_per_property_required_lifts():
    t = Tool(name="t", parameters={"countryCode": {"type": "string", "required": True}, "offset": {"type": "integer"}})
    assert t.parameters["required"] == ["countryCode"]
    assert t.param("offset") == {"type": "integer"}
