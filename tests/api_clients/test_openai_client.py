"""Hearth's OpenAI-compatible API (`hearth serve`) driven by the real `openai` Python package:
models, chat, streaming, text completions, embeddings, errors as the client raises them, and a
bounded load test (8 clients x 20 requests) where every answer must be the one its own prompt
gets alone, one answer at a time and four side by side (`--parallel 4`). Run by scripts/api-clients-test.sh (which makes the virtualenv); needs HEARTH_BIN and
HEARTH_TEST_MODEL."""

import os
import subprocess
import tempfile
import threading
import unittest

import openai

HEARTH = os.environ["HEARTH_BIN"]
MODEL = os.environ["HEARTH_TEST_MODEL"]
KEY = "test-key-123"


class Server:
    def __init__(self, *extra):
        self.home = tempfile.TemporaryDirectory()
        self.proc = subprocess.Popen(
            [HEARTH, "serve", MODEL, "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "HEARTH_HOME": self.home.name})
        line = self.proc.stdout.readline().strip()
        assert line.startswith("listening on http://"), line
        self.base_url = line.removeprefix("listening on ") + "/v1"

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.home.cleanup()


class WithServer(unittest.TestCase):
    """One `hearth serve` with a key for the whole class, and an `openai` client of it."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--api-key", KEY)
        cls.client = openai.OpenAI(base_url=cls.server.base_url, api_key=KEY, max_retries=0, timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()


class OpenAIClientTest(WithServer):

    def chat(self, content, **kw):
        return self.client.chat.completions.create(
            model="demo", messages=[{"role": "user", "content": content}], temperature=0, max_tokens=8, **kw)

    def test_models_lists_the_loaded_model(self):
        ids = [m.id for m in self.client.models.list()]
        self.assertEqual(len(ids), 1)
        self.assertIn("135M", ids[0])

    def test_chat_whole_and_streamed_agree(self):
        whole = self.chat("What is the capital of France?")
        self.assertEqual(whole.object, "chat.completion")
        text = whole.choices[0].message.content
        self.assertTrue(text)
        self.assertIn(whole.choices[0].finish_reason, ("stop", "length"))
        self.assertLessEqual(whole.usage.completion_tokens, 8)
        pieces = []
        for chunk in self.chat("What is the capital of France?", stream=True):
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
        self.assertEqual("".join(pieces), text)

    def test_a_shared_system_prompt_is_read_once(self):
        # Issue 21: a long system prompt shared by requests is prefilled once, even with another
        # client's request between them (its state was kept in the engine's memory).
        words = "river mill grain stone water wheel village harvest winter market bread oven".split()
        notebook = " ".join(words[(i * 7 + i // 5) % len(words)] for i in range(700))
        system = "You answer questions about this notebook: " + notebook

        def ask(system_prompt, question):
            return self.client.chat.completions.create(
                model="demo", temperature=0, max_tokens=4,
                messages=[{"role": "system", "content": system_prompt}, {"role": "user", "content": question}])

        first = ask(system, "What is the first word?")
        self.assertEqual(first.usage.prompt_tokens_details.cached_tokens, 0)
        ask("You are a poet. " + " ".join(reversed(notebook.split())), "Write one line.")
        second = ask(system, "What is the last word?")
        cached = second.usage.prompt_tokens_details.cached_tokens
        self.assertGreater(cached, 600, second.usage)
        self.assertLess(cached, second.usage.prompt_tokens)

    def test_text_completion_and_stop(self):
        c = self.client.completions.create(model="demo", prompt="The capital of France is", temperature=0, max_tokens=6)
        self.assertTrue(c.choices[0].text)
        first_word = c.choices[0].text.split()[0] if c.choices[0].text.split() else None
        if first_word:
            s = self.client.completions.create(model="demo", prompt="The capital of France is", temperature=0,
                                               max_tokens=6, stop=[first_word])
            self.assertNotIn(first_word, s.choices[0].text)
            self.assertEqual(s.choices[0].finish_reason, "stop")

    def test_embeddings(self):
        # The client asks for base64 by default and decodes it to floats.
        e = self.client.embeddings.create(model="demo", input=["a red apple", "the stock market"])
        self.assertEqual(len(e.data), 2)
        self.assertEqual(len(e.data[0].embedding), 576)
        norm = sum(x * x for x in e.data[0].embedding) ** 0.5
        self.assertAlmostEqual(norm, 1.0, places=3)

    def test_errors_are_raised_as_the_client_knows_them(self):
        wrong = openai.OpenAI(base_url=self.server.base_url, api_key="wrong", max_retries=0)
        with self.assertRaises(openai.AuthenticationError):
            wrong.models.list()
        with self.assertRaises(openai.BadRequestError):
            self.client.chat.completions.create(model="demo", messages=[])
        with self.assertRaises(openai.BadRequestError):
            self.client.chat.completions.create(model="demo", messages=[{"role": "wizard", "content": "hi"}])
        with self.assertRaises(openai.NotFoundError):
            self.client.get("/nothing/here", cast_to=object)
        # Still serving.
        self.assertTrue(self.chat("Hi").choices[0].message.content is not None)

    def test_load_eight_clients_twenty_requests_each(self):
        load_eight_clients_twenty_requests_each(self, self.server)


def load_eight_clients_twenty_requests_each(test, server):
    """Eight clients send twenty requests each at once; every answer must be its own prompt's."""
    prompts = [f"Name a color. Client {i}." for i in range(8)]
    first = openai.OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0, timeout=120)

    def ask(client, prompt):
        return client.chat.completions.create(
            model="demo", messages=[{"role": "user", "content": prompt}], temperature=0, max_tokens=8).choices[0].message.content

    # What each prompt gets alone; under load every answer must be its own prompt's.
    alone = {p: ask(first, p) for p in prompts}
    failures = []

    def client_loop(prompt):
        client = openai.OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0, timeout=300)
        for n in range(20):
            try:
                got = ask(client, prompt)
                if got != alone[prompt]:
                    failures.append(f"{prompt!r} #{n}: {got!r} != {alone[prompt]!r}")
            except Exception as e:  # noqa: BLE001 - every failure is reported
                failures.append(f"{prompt!r} #{n}: {e!r}")

    threads = [threading.Thread(target=client_loop, args=(p,)) for p in prompts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    test.assertEqual(failures, [])


class ParallelSlotsTest(unittest.TestCase):
    """Issue 18: the same load with four answers side by side (`--parallel 4`)."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--api-key", KEY, "--parallel", "4", "--ctx", "4096")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_load_eight_clients_twenty_requests_each_with_four_slots(self):
        load_eight_clients_twenty_requests_each(self, self.server)


class BindTest(unittest.TestCase):
    def test_non_loopback_needs_allow_remote(self):
        r = subprocess.run([HEARTH, "serve", MODEL, "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--allow-remote", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
