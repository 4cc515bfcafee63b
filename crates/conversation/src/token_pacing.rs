//! The pace at which an answer's text reaches the caller: the first piece after a quiet spell at
//! once, then at most one event per interval carrying what came in between. A window that renders
//! each token as an event (hundreds a second from a small model) spent a third of a 2-core machine
//! on it, taken from the engine; 20 updates a second read as smooth.

use std::time::{Duration, Instant};

use hearth_protocol::TextPart;

use crate::TurnEvent;

/// What the desktop app asks for (`TurnModel::token_interval`); zero sends every token as it comes.
pub const READING_PACE: Duration = Duration::from_millis(50);

pub(crate) struct TokenPacer {
    interval: Duration,
    last_sent: Option<Instant>,
    answer: String,
    reasoning: String,
}

impl TokenPacer {
    pub(crate) fn new(interval: Duration) -> TokenPacer {
        TokenPacer { interval, last_sent: None, answer: String::new(), reasoning: String::new() }
    }

    /// Holds a piece, and sends what is held if the interval since the last event has passed.
    pub(crate) fn push(&mut self, piece: &str, part: TextPart, emit: &mut impl FnMut(TurnEvent)) {
        match part {
            TextPart::Answer => self.answer.push_str(piece),
            TextPart::Reasoning => self.reasoning.push_str(piece),
        }
        if self.due().is_some_and(|at| at <= Instant::now()) {
            self.flush(emit);
        }
    }

    /// When the text held must be sent; `None` when nothing is held.
    pub(crate) fn due(&self) -> Option<Instant> {
        if self.answer.is_empty() && self.reasoning.is_empty() {
            return None;
        }
        Some(self.last_sent.map_or_else(Instant::now, |sent| sent + self.interval))
    }

    /// Sends what is held (reasoning first: it comes before the answer it leads to).
    pub(crate) fn flush(&mut self, emit: &mut impl FnMut(TurnEvent)) {
        if self.due().is_none() {
            return;
        }
        for (text, part) in [(&mut self.reasoning, TextPart::Reasoning), (&mut self.answer, TextPart::Answer)] {
            if !text.is_empty() {
                emit(TurnEvent::Token { text: std::mem::take(text), part });
            }
        }
        self.last_sent = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(events: &[TurnEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                TurnEvent::Token { text, part } => format!("{part:?}:{text}"),
                other => panic!("not a token: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn the_first_piece_goes_at_once_and_the_next_ones_together_after_the_interval() {
        let mut sent = Vec::new();
        let mut emit = |e| sent.push(e);
        let mut pacer = TokenPacer::new(Duration::from_millis(200));
        pacer.push("Hel", TextPart::Answer, &mut emit);
        pacer.push("lo", TextPart::Answer, &mut emit);
        pacer.push(",", TextPart::Answer, &mut emit);
        let due = pacer.due().expect("text is held");
        assert!(due > Instant::now() && due <= Instant::now() + Duration::from_millis(200));
        std::thread::sleep(Duration::from_millis(210));
        pacer.push(" world", TextPart::Answer, &mut emit);
        assert_eq!(pacer.due(), None);
        assert_eq!(texts(&sent), ["Answer:Hel", "Answer:lo, world"]);
    }

    #[test]
    fn a_flush_sends_reasoning_before_the_answer_and_nothing_when_nothing_is_held() {
        let mut sent = Vec::new();
        let mut emit = |e| sent.push(e);
        let mut pacer = TokenPacer::new(Duration::from_secs(60));
        pacer.push("think", TextPart::Reasoning, &mut emit);
        pacer.push("ing", TextPart::Reasoning, &mut emit);
        pacer.push("The answer", TextPart::Answer, &mut emit);
        pacer.flush(&mut emit);
        pacer.flush(&mut emit);
        assert_eq!(texts(&sent), ["Reasoning:think", "Reasoning:ing", "Answer:The answer"]);
    }

    #[test]
    fn with_no_interval_every_piece_is_its_own_event() {
        let mut sent = Vec::new();
        let mut emit = |e| sent.push(e);
        let mut pacer = TokenPacer::new(Duration::ZERO);
        for piece in ["a", "b", "c"] {
            pacer.push(piece, TextPart::Answer, &mut emit);
        }
        assert_eq!(texts(&sent), ["Answer:a", "Answer:b", "Answer:c"]);
    }
}
