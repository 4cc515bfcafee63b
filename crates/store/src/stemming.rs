//! The words full-text search indexes and looks up in documents. Russian words (Cyrillic
//! script) become their Snowball stem (`rust-stemmers`), so that «пакетов» finds «пакет» and «сборке» finds «сборки»;
//! other words stay as written for FTS5's Porter stemmer (English). The language is told per
//! word by its script, which also serves Russian documents that quote English terms and the
//! other way round. Registered as the SQL function `hearth_search_form` so that the index's
//! triggers and the migration that re-indexes old chunks use the same code as the queries.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

fn russian() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::Russian))
}

pub fn is_cyrillic(word: &str) -> bool {
    word.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// One word as the index holds it: a Russian word lowercased (ё as е, as Snowball expects) and
/// stemmed; any other word unchanged.
pub fn search_word(word: &str) -> String {
    if is_cyrillic(word) {
        let lower = word.to_lowercase().replace('ё', "е");
        russian().stem(&lower).into_owned()
    } else {
        word.to_string()
    }
}

/// A text as the index holds it: its words (letters and digits) in their search form.
pub fn search_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&search_word(word));
    }
    out
}

/// Makes `hearth_search_form(text)` callable from SQL on `conn`.
pub fn register(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function("hearth_search_form", 1, FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC, |ctx| {
        let text: Option<String> = ctx.get(0)?;
        Ok(text.map(|t| search_form(&t)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_inflections_meet_in_one_stem_and_english_is_left_to_porter() {
        assert_eq!(search_word("сборке"), search_word("сборки"));
        assert_eq!(search_word("файлами"), search_word("файл"));
        assert_eq!(search_word("Пакетов"), search_word("пакет"));
        assert_eq!(search_word("сборки"), search_word("сборка"));
        assert_eq!(search_word("ещё"), search_word("еще"));
        assert_eq!(search_form("Файл control, пакеты Debian"), format!("{} control {} Debian", search_word("файл"), search_word("пакеты")));
        assert_eq!(search_word("running"), "running", "Porter in FTS5 stems English");
    }
}
