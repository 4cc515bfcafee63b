//! OpenAI's `stop` sequences over streamed text: text that might be the start of a stop sequence
//! is held back until the next piece says whether it is, so that a client never receives any
//! part of the stop sequence (OpenAI's and llama-server's behaviour).

pub(crate) struct StopMatcher {
    stops: Vec<String>,
    held: String,
}

impl StopMatcher {
    pub fn new(stops: Vec<String>) -> StopMatcher {
        StopMatcher { stops: stops.into_iter().filter(|s| !s.is_empty()).collect(), held: String::new() }
    }

    /// Takes the next piece of the answer; returns the text that may go out now, and whether a
    /// stop sequence was reached (the answer ends before it).
    pub fn push(&mut self, piece: &str) -> (String, bool) {
        self.held.push_str(piece);
        if let Some(at) = self.stops.iter().filter_map(|s| self.held.find(s.as_str())).min() {
            let out = self.held[..at].to_string();
            self.held.clear();
            return (out, true);
        }
        // Keep the longest tail that some stop sequence begins with.
        let keep = self
            .stops
            .iter()
            .flat_map(|s| s.char_indices().skip(1).map(move |(i, _)| &s[..i]))
            .filter(|prefix| self.held.ends_with(prefix))
            .map(str::len)
            .max()
            .unwrap_or(0);
        let out = self.held[..self.held.len() - keep].to_string();
        self.held.drain(..self.held.len() - keep);
        (out, false)
    }

    /// What is held back when the answer ends without a stop sequence.
    pub fn flush(&mut self) -> String {
        std::mem::take(&mut self.held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stops: &[&str], pieces: &[&str]) -> (String, bool) {
        let mut m = StopMatcher::new(stops.iter().map(|s| s.to_string()).collect());
        let mut out = String::new();
        for p in pieces {
            let (text, stopped) = m.push(p);
            out.push_str(&text);
            if stopped {
                return (out, true);
            }
        }
        out.push_str(&m.flush());
        (out, false)
    }

    #[test]
    fn a_stop_split_over_pieces_is_never_sent() {
        assert_eq!(run(&["\n\n"], &["Hello", "\n", "\nworld"]), ("Hello".to_string(), true));
        assert_eq!(run(&["END"], &["one E", "N", "D two"]), ("one ".to_string(), true));
    }

    #[test]
    fn a_false_start_is_released() {
        assert_eq!(run(&["END"], &["one E", "NX two"]), ("one ENX two".to_string(), false));
        assert_eq!(run(&["END"], &["tail E"]), ("tail E".to_string(), false));
    }

    #[test]
    fn the_earliest_of_several_stops_wins_and_unicode_is_safe() {
        assert_eq!(run(&["b", "a"], &["xxab"]), ("xx".to_string(), true));
        assert_eq!(run(&["éé"], &["café", "é!"]), ("caf".to_string(), true));
        assert_eq!(run(&["éx"], &["café", "!"]), ("café!".to_string(), false));
        assert_eq!(run(&[""], &["no stops"]), ("no stops".to_string(), false));
    }
}
