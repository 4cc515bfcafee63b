//! Text the core writes for people (a tuning finding, the advisor's reason, a benchmark step)
//! in a form the UI can say in the user's language: a message-catalog key and the values it
//! names, beside the English the CLI prints. Built with [`phrase!`], which formats the English
//! and records the values from one list, so the two cannot name different things. The UI's
//! catalogs (`ui/src/locales/*.json`) hold each key; a UI test finds every `phrase!` key in the
//! crates and checks both catalogs have it, and that the English catalog says what Rust says.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use ts_rs::TS;

/// One value a phrase names: a number the UI formats for its language, a string said as it is
/// (a path, a version, a command), or a nested phrase said in the same language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PhraseArg {
    Number(f64),
    Text(String),
    Phrase(Phrase),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Phrase {
    /// The catalog key (`tuning.gttSize.observed`).
    pub key: String,
    #[ts(type = "Record<string, number | string | Phrase>")]
    pub args: BTreeMap<String, PhraseArg>,
    /// The English, as the CLI prints it; the UI's fallback for a key its catalog lacks.
    pub text: String,
}

impl Phrase {
    /// Use [`phrase!`]: it keeps `text` and `args` from one list.
    pub fn build(key: &str, text: String, args: Vec<(&str, PhraseArg)>) -> Phrase {
        Phrase { key: key.into(), args: args.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), text }
    }
}

impl fmt::Display for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<&$t> for PhraseArg {
            fn from(v: &$t) -> Self {
                PhraseArg::Number(*v as f64)
            }
        }
    )*};
}
number_args!(u32, u64, usize, i32, i64, f64, f32);

impl From<&String> for PhraseArg {
    fn from(v: &String) -> Self {
        PhraseArg::Text(v.clone())
    }
}
impl From<&&str> for PhraseArg {
    fn from(v: &&str) -> Self {
        PhraseArg::Text(v.to_string())
    }
}
impl From<&Phrase> for PhraseArg {
    fn from(v: &Phrase) -> Self {
        PhraseArg::Phrase(v.clone())
    }
}

/// `phrase!("said.bench.prompt", "prompt {rep}/{reps}", rep = i + 1, reps = n)`: the English
/// formatted with `format!`'s rules (`{gib:.1}` too) and each named value kept for the UI.
#[macro_export]
macro_rules! phrase {
    ($key:literal, $english:literal $(, $name:ident = $value:expr)* $(,)?) => {{
        // All values first, so that a value may use a name the list also binds.
        #[allow(unused_parens)]
        let ($($name),*) = ($($value),*);
        $crate::Phrase::build(
            $key,
            format!($english $(, $name = $name)*),
            vec![$((stringify!($name), $crate::PhraseArg::from(&$name))),*],
        )
    }};
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_english_and_the_values_come_from_one_list() {
        let gib = 60.84_f64;
        let inner = phrase!("t.inner", "{model} at {ctx} tokens", model = "gpt-oss-120b", ctx = 32768u32);
        let p = phrase!("t.outer", "{inner} needs {gib:.1} GiB", inner = inner.clone(), gib = gib);
        assert_eq!(p.text, "gpt-oss-120b at 32768 tokens needs 60.8 GiB");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["key"], "t.outer");
        assert_eq!(json["args"]["gib"], 60.84);
        assert_eq!(json["args"]["inner"]["args"]["ctx"], 32768.0);
        assert_eq!(json["args"]["inner"]["text"], "gpt-oss-120b at 32768 tokens");
        // And back, as the CLI reads a job's progress.
        assert_eq!(serde_json::from_value::<super::Phrase>(json).unwrap(), p);
    }
}
