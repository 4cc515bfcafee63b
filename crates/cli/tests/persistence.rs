//! The answer being generated is saved as it streams: a `hearth send` killed mid-answer leaves
//! in the database everything it had streamed up to a second before it died.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{demo_model, hearth};
use hearth_store::{MessageStatus, Store};

#[test]
fn a_killed_process_loses_at_most_a_second_of_the_streamed_answer() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(hearth())
        .env("HEARTH_HOME", home.path())
        // Greedy with a seed: the same long answer every run, so the kill always lands mid-answer.
        .args(["send", "--temp", "0", "--seed", "1", "--max-tokens", "4000", "--model"])
        .arg(demo_model())
        .arg("Write a very long story about a lighthouse keeper and the sea. Make it at least 2000 words.")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Read the streamed answer with the time each byte arrived.
    let seen: Arc<Mutex<Vec<(Instant, usize)>>> = Arc::default();
    let text = Arc::new(Mutex::new(Vec::<u8>::new()));
    let mut stdout = child.stdout.take().unwrap();
    {
        let (seen, text) = (seen.clone(), text.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut t = text.lock().unwrap();
                t.extend_from_slice(&buf[..n]);
                seen.lock().unwrap().push((Instant::now(), t.len()));
            }
        });
    }
    // Let it stream for a while: at least 3 s after the first token.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let first = seen.lock().unwrap().first().map(|s| s.0);
        if first.is_some_and(|f| f.elapsed() > Duration::from_secs(3)) {
            break;
        }
        assert!(Instant::now() < deadline, "no answer streamed");
        assert!(child.try_wait().unwrap().is_none(), "the answer ended before the test could kill it");
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let killed_at = Instant::now();
    child.wait().unwrap();

    let printed = String::from_utf8_lossy(&text.lock().unwrap()).into_owned();
    let printed_a_second_before = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, _)| killed_at.duration_since(*t) >= Duration::from_secs(1))
        .map(|(_, len)| *len)
        .next_back()
        .unwrap_or(0);
    assert!(printed_a_second_before > 0, "nothing was streamed a second before the kill");

    let store = Store::open(&home.path().join("hearth.db")).unwrap();
    let conv = store.conversations().unwrap().remove(0);
    let messages = store.messages(conv.id).unwrap();
    assert_eq!(messages.len(), 2, "the question and the partial answer are stored");
    let saved = &messages[1];
    assert_eq!(saved.status, MessageStatus::Streaming, "a killed process cannot mark its message");
    assert!(printed.starts_with(&saved.content), "the saved text is not what was streamed");
    assert!(
        saved.content.len() >= printed_a_second_before,
        "saved {} bytes, but {} had streamed a second before the kill",
        saved.content.len(),
        printed_a_second_before
    );
    // The next process to open the database marks it as interrupted, text intact.
    assert_eq!(store.recover_interrupted().unwrap(), 1);
    assert_eq!(store.message(saved.id).unwrap().status, MessageStatus::Interrupted);
}
