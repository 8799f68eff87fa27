"""Tool definitions in every common shape load to the same Tool; unknown shapes are errors."""

import pytest

from asktoact.sources import load
from asktoact.io import RejectSink
from asktoact.tooldefs import ToolShapeError, parse_tool, parse_tools, to_openai

SCHEMA = {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
                                           "days": {"type": "integer", "default": 3}},
          "required": ["city"]}


def test_openai_mcp_bfcl_and_xlam_shapes_give_the_same_tool():
    openai = {"type": "function", "function": {"name": "weather", "description": "Forecast.", "parameters": SCHEMA}}
    mcp = {"name": "weather", "description": "Forecast.", "inputSchema": SCHEMA,
           "annotations": {"readOnlyHint": True}}
    anthropic = {"name": "weather", "description": "Forecast.", "input_schema": SCHEMA}
    bfcl = {"name": "weather", "description": "Forecast.", "parameters": {**SCHEMA, "type": "dict"}}
    xlam = {"name": "weather", "description": "Forecast.",
            "parameters": {"city": {"type": "str", "description": "City name"},
                           "days": {"type": "int, optional", "default": 3}}}
    tools = [parse_tool(x) for x in (openai, mcp, anthropic, bfcl, xlam)]
    assert all(t == tools[0] for t in tools), [t.parameters for t in tools]
    assert tools[0].is_required("city") and not tools[0].is_required("days")
    assert to_openai(tools[0])["function"]["parameters"]["properties"]["city"]["type"] == "string"
    assert parse_tools({"tools": [mcp]}) == [tools[0]]  # an MCP tools/list result


@pytest.mark.parametrize("bad,field", [
    ({"name": "f", "schema": {"type": "object"}}, "tool"),  # unknown key holding the parameters
    ({"name": "f", "inputSchema": "x"}, "tool.inputSchema"),
    ({"type": "function", "function": "f"}, "tool.function"),
    ({"description": "no name", "parameters": {}}, "tool.name"),
    ({"name": "f", "parameters": {"type": "object"}, "inputSchema": {"type": "object"}}, "tool"),
    ({"name": "f", "inputSchema": {"a": {"type": "str"}}}, "tool.inputSchema"),
])
def test_unknown_or_broken_shapes_are_errors_naming_the_field(bad, field):
    with pytest.raises(ToolShapeError) as e:
        parse_tool(bad)
    assert e.value.field == field


def test_tool_without_parameters_is_fine_but_never_a_silent_empty_schema():
    assert parse_tool({"name": "now", "description": "The time."}).param_names == []


def test_acebench_tools_with_an_arguments_schema_keep_their_parameters(shared):
    rj = RejectSink()
    recs = {s.id: s for s in load("acebench", shared("acebench"), rj)}
    s = recs["normal_atom_list_0"]
    assert all(t.param_names for t in s.tools), "a tool lost its schema"
    assert not rj.items


def test_mcp_list_and_openai_list_of_real_toolalpaca_tools_load_to_the_same_tools(shared):
    """Real ToolAlpaca tools (Hammer's normalised shape), written out as an OpenAI ``tools=``
    list and as an MCP ``tools/list`` result, read back to the same Tools."""
    import json

    data = json.loads(shared("toolbench_style", "toolalpaca.json").read_text())
    raw = [t for rec in data[:20] for t in rec["tools"]]
    tools = parse_tools(raw)
    assert any(t.param_names for t in tools)
    openai_list = [to_openai(t) for t in tools]
    mcp_list = {"tools": [{"name": t.name, "description": t.description, "inputSchema": t.parameters} for t in tools]}
    assert parse_tools(openai_list) == parse_tools(mcp_list) == tools
