"""Function calling and structured output through Hearth's API (issue 19), driven by the real
`openai` Python package against `hearth serve` with the demo model (SmolLM2-135M, whose template
knows no tools: Hearth describes them and a forced call is held to the schema by llama.cpp's
grammar sampler). Arguments are checked with `jsonschema`, a validator no one here wrote.
Run by scripts/api-clients-test.sh; needs HEARTH_BIN and HEARTH_TEST_MODEL."""

import json
import unittest

import jsonschema
import openai

from test_openai_client import WithServer

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1, "maxLength": 40},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit", "days"],
    "additionalProperties": False,
}
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "The weather forecast for a city.", "parameters": WEATHER}},
    {"type": "function", "function": {"name": "get_time", "description": "The time in a time zone.",
                                      "parameters": {"type": "object", "properties": {"zone": {"type": "string", "maxLength": 40}},
                                                     "required": ["zone"], "additionalProperties": False}}},
]
QUESTION = [{"role": "user", "content": "What will the weather be in Paris for the next three days?"}]


class ToolsTest(WithServer):
    def create(self, **kw):
        args = {"model": "demo", "temperature": 0, "max_tokens": 80, "messages": QUESTION, "tools": TOOLS}
        args.update(kw)
        return self.client.chat.completions.create(**args)

    def test_a_named_tool_choice_returns_a_call_whose_arguments_validate(self):
        r = self.create(tool_choice={"type": "function", "function": {"name": "get_weather"}})
        choice = r.choices[0]
        self.assertEqual(choice.finish_reason, "tool_calls")
        self.assertIsNone(choice.message.content)
        [call] = choice.message.tool_calls
        self.assertEqual(call.type, "function")
        self.assertEqual(call.function.name, "get_weather")
        self.assertTrue(call.id.startswith("call_"))
        jsonschema.validate(json.loads(call.function.arguments), WEATHER)

    def test_required_picks_one_of_the_tools_and_validates(self):
        r = self.create(tool_choice="required")
        [call] = r.choices[0].message.tool_calls
        schema = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}[call.function.name]
        jsonschema.validate(json.loads(call.function.arguments), schema)

    def test_streamed_tool_call_deltas_assemble_into_the_same_call(self):
        named = {"type": "function", "function": {"name": "get_weather"}}
        whole = self.create(tool_choice=named).choices[0].message.tool_calls[0]
        calls, finish = {}, None
        for chunk in self.create(tool_choice=named, stream=True):
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            for d in delta.tool_calls or []:
                c = calls.setdefault(d.index, {"id": None, "name": "", "arguments": ""})
                c["id"] = d.id or c["id"]
                if d.function:
                    c["name"] += d.function.name or ""
                    c["arguments"] += d.function.arguments or ""
            finish = chunk.choices[0].finish_reason or finish
        self.assertEqual(finish, "tool_calls")
        self.assertEqual(list(calls), [0])
        self.assertEqual((calls[0]["name"], calls[0]["arguments"]), (whole.function.name, whole.function.arguments))
        self.assertTrue(calls[0]["id"].startswith("call_"))

    def test_a_tool_message_continues_the_conversation(self):
        call = self.create(tool_choice={"type": "function", "function": {"name": "get_weather"}}).choices[0].message.tool_calls[0]
        messages = QUESTION + [
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"forecast": ["sun", "rain", "sun"], "unit": "celsius"})},
        ]
        r = self.create(messages=messages, tool_choice="none", max_tokens=24)
        choice = r.choices[0]
        self.assertFalse(choice.message.tool_calls)
        self.assertTrue(choice.message.content.strip())
        self.assertIn(choice.finish_reason, ("stop", "length"))
        # The tool's result reached the prompt: the answer's prompt is longer than the question's.
        self.assertGreater(r.usage.prompt_tokens, self.create(tool_choice="none", max_tokens=1).usage.prompt_tokens + 20)

    def test_response_format_json_schema_output_validates(self):
        schema = {"type": "object", "properties": {"capital": {"type": "string", "maxLength": 30}, "population_millions": {"type": "number"}},
                  "required": ["capital", "population_millions"], "additionalProperties": False}
        r = self.client.chat.completions.create(
            model="demo", temperature=0, max_tokens=60,
            messages=[{"role": "user", "content": "Give the capital of France and its population as JSON."}],
            response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema, "strict": True}})
        jsonschema.validate(json.loads(r.choices[0].message.content), schema)
        # Any object: a tiny model may write one that outruns max_tokens, which is then cut
        # ("length") but still starts as an object.
        r = self.client.chat.completions.create(
            model="demo", temperature=0, max_tokens=120, messages=QUESTION, response_format={"type": "json_object"})
        content, finish = r.choices[0].message.content, r.choices[0].finish_reason
        self.assertTrue(content.lstrip().startswith("{"), content)
        if finish == "stop":
            self.assertIsInstance(json.loads(content), dict)
        else:
            self.assertEqual(finish, "length")

    def test_bad_tool_requests_are_refused_with_the_reason(self):
        cases = [
            ({"tool_choice": {"type": "function", "function": {"name": "launch"}}}, "launch"),
            ({"tools": [{"type": "function", "function": {"name": "bad name!"}}]}, "function name"),
            ({"tools": None, "tool_choice": "required"}, "no tools"),
            ({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}, "schema"),
        ]
        for kw, says in cases:
            with self.subTest(kw=kw):
                args = {"model": "demo", "messages": QUESTION, "max_tokens": 4, "tools": TOOLS, **kw}
                if args["tools"] is None:
                    del args["tools"]
                with self.assertRaises(openai.BadRequestError) as e:
                    self.client.chat.completions.create(**args)
                self.assertIn(says, str(e.exception))


if __name__ == "__main__":
    unittest.main()
