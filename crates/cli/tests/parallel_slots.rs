//! Answers side by side (issue 18, `hearth serve --parallel N`), with the demo model: at
//! temperature 0 each answer of clients served at once is the answer its request gets alone (a
//! server with one slot and the same share of the context); stopping one streamed answer leaves
//! the others running to the same ends; more clients than slots wait their turn; a prompt longer
//! than a slot's share of the context is refused, saying so.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use common::{notebook, serve_demo};
use serde_json::{json, Value};

const PROMPTS: [&str; 6] = [
    "Write a short poem about the sea.",
    "What is the capital of France? Explain briefly.",
    "List three fruits and their colors.",
    "Tell me a fact about the moon.",
    "How do plants make food?",
    "Give me a tip for sleeping well.",
];

fn request(addr: &str, body: &Value) -> TcpStream {
    let body = serde_json::to_vec(body).unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(&body).unwrap();
    s
}

fn body(prompt: &str, max_tokens: u32, stream: bool) -> Value {
    json!({"model": "x", "messages": [{"role": "user", "content": prompt}], "temperature": 0, "max_tokens": max_tokens, "stream": stream})
}

/// A whole (not streamed) answer: the status and the parsed body.
fn ask(addr: &str, prompt: &str, max_tokens: u32) -> (u16, Value) {
    let mut out = String::new();
    request(addr, &body(prompt, max_tokens, false)).read_to_string(&mut out).unwrap();
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn text(answer: &Value) -> String {
    answer["choices"][0]["message"]["content"].as_str().unwrap_or_else(|| panic!("no answer in {answer}")).to_string()
}

/// The streamed answer's text, read to its end.
fn streamed_text(reader: &mut impl BufRead) -> String {
    let mut text = String::new();
    for line in reader.lines() {
        let Ok(line) = line else { break };
        let Some(data) = line.strip_prefix("data: ") else { continue };
        if data == "[DONE]" {
            break;
        }
        let chunk: Value = serde_json::from_str(data).unwrap();
        if let Some(t) = chunk["choices"][0]["delta"]["content"].as_str() {
            text.push_str(t);
        }
    }
    text
}

/// Each prompt's answer from a server with one slot of `share` tokens.
fn lone_answers(share: &str, max_tokens: u32) -> Vec<String> {
    let lone = serve_demo(&["--ctx", share, "--threads", "2"]);
    PROMPTS.iter().map(|p| text(&ask(lone.addr(), p, max_tokens).1)).collect()
}

#[test]
fn parallel_answers_are_the_answers_each_request_gets_alone() {
    let alone = lone_answers("512", 48);
    // Four slots of 512 tokens; six clients at once, so two of them wait for a slot.
    let server = serve_demo(&["--parallel", "4", "--ctx", "2048", "--threads", "2"]);
    let handles: Vec<_> = PROMPTS
        .iter()
        .map(|p| {
            let (addr, p) = (server.addr().to_string(), p.to_string());
            std::thread::spawn(move || ask(&addr, &p, 48))
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let (status, answer) = h.join().unwrap();
        assert_eq!(status, 200, "{answer}");
        assert_eq!(text(&answer), alone[i], "prompt {i} ({}) answered otherwise side by side", PROMPTS[i]);
    }
}

#[test]
fn stopping_one_answer_leaves_the_others_running_to_their_own_ends() {
    let alone = lone_answers("512", 64);
    let server = serve_demo(&["--parallel", "3", "--ctx", "1536", "--threads", "2"]);
    let mut streams: Vec<BufReader<TcpStream>> = PROMPTS[..3].iter().map(|p| BufReader::new(request(server.addr(), &body(p, 64, true)))).collect();
    // The first client leaves after its first piece of text.
    let leaver = streams.remove(0);
    {
        let mut leaver = leaver;
        let mut line = String::new();
        while leaver.read_line(&mut line).unwrap() > 0 && !line.contains("\"content\"") {
            line.clear();
        }
        leaver.get_ref().shutdown(std::net::Shutdown::Both).unwrap();
    }
    for (i, mut s) in streams.into_iter().enumerate() {
        assert_eq!(streamed_text(&mut s), alone[i + 1], "prompt {} changed when another client left", i + 1);
    }
    // The left slot is free again: a new request is answered as alone. While the others ran, the
    // idle slot between them held a stand-in cell each step (so that a step stays one graph run,
    // the H200 finding); its cells are still its own, so the same prompt reuses them.
    let (status, again) = ask(server.addr(), PROMPTS[0], 64);
    assert_eq!(status, 200, "{again}");
    assert_eq!(text(&again), alone[0]);
    let reused = again["usage"]["prompt_tokens_details"]["cached_tokens"].as_u64().unwrap_or(0);
    assert!(reused > 0, "the left slot's cells were not reused: {again}");
}

#[test]
fn a_prompt_longer_than_a_slots_share_of_the_context_is_refused_saying_so() {
    // Four slots share 1024 tokens: 256 each.
    let server = serve_demo(&["--parallel", "4", "--ctx", "1024", "--threads", "2"]);
    let long = "lantern ".repeat(400);
    let (status, answer) = ask(server.addr(), &long, 16);
    assert!((400..500).contains(&status) || status == 500, "status {status}: {answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("share of the context") && message.contains("4 parallel answers"), "{answer}");
    // The server goes on answering.
    let (status, answer) = ask(server.addr(), PROMPTS[1], 16);
    assert_eq!(status, 200, "{answer}");
}

/// The 2-client gap against llama-server with short answers (bench/RESULTS.md, 2026-12-05): a
/// slot's cells were lost once another request took the slot over, while llama-server keeps
/// them in memory (`--cache-ram`) for the next request that starts the same way, in any slot.
#[test]
fn a_slots_cells_taken_over_by_another_request_are_restored_into_another_slot_for_a_prompt_that_shares_them() {
    let first = format!("{}\n\nWhat does the notebook talk about?", notebook(7, 240));
    let later = format!("{}\n\nName one thing from it in one word.", notebook(7, 240));
    // What one slot answers with the notebook's cells still its own from the first question
    // (reading a prompt in two parts rounds differently from reading it whole, so that is the
    // answer restored cells must give).
    let (alone_later, alone_poem) = {
        let lone = serve_demo(&["--ctx", "1024", "--threads", "2"]);
        ask(lone.addr(), &first, 8);
        (text(&ask(lone.addr(), &later, 24).1), text(&ask(lone.addr(), PROMPTS[0], 120).1))
    };
    let server = serve_demo(&["--parallel", "2", "--ctx", "2048", "--threads", "2"]);
    // The notebook is read in slot 1 (the API's requests take slot 0 last)...
    let (status, read) = ask(server.addr(), &first, 8);
    assert_eq!(status, 200, "{read}");
    let notebook_tokens = read["usage"]["prompt_tokens"].as_u64().unwrap();
    // ...which another prompt then takes over: the notebook's cells are copied out first.
    let (status, other) = ask(server.addr(), PROMPTS[2], 8);
    assert_eq!(status, 200, "{other}");
    // A long answer holds slot 1 (it shares the system prompt with what is there)...
    let mut holder = BufReader::new(request(server.addr(), &body(PROMPTS[0], 120, true)));
    let mut line = String::new();
    while holder.read_line(&mut line).unwrap() > 0 && !line.contains("\"content\"") {
        line.clear();
    }
    let mut poem = serde_json::from_str::<Value>(line.trim().trim_start_matches("data: ")).unwrap()["choices"][0]["delta"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // ...so the next question about the notebook goes to slot 0, which never held it.
    let (status, answer) = ask(server.addr(), &later, 24);
    assert_eq!(status, 200, "{answer}");
    let cached = answer["usage"]["prompt_tokens_details"]["cached_tokens"].as_u64().unwrap_or(0);
    assert!(cached * 10 >= notebook_tokens * 9, "{cached} of the notebook's {notebook_tokens} tokens came from the copy: {answer}");
    assert_eq!(text(&answer), alone_later, "the restored cells changed the answer");
    poem.push_str(&streamed_text(&mut holder));
    assert_eq!(poem, alone_poem, "the answer running beside the restore changed");
}
