//! How Roster compares what people type with what it stores: one fold for the
//! search index, the sort keys and the search terms, so that "zajac" finds
//! "Zając" and "Łukasz" sorts with "L" on SQLite and PostgreSQL alike.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Letters that carry their mark inside them and so survive decomposition.
fn spelt_out(c: char) -> Option<&'static str> {
    Some(match c {
        'ł' | 'Ł' => "l",
        'ø' | 'Ø' => "o",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'ħ' | 'Ħ' => "h",
        'ı' => "i",
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'þ' | 'Þ' => "th",
        _ => return None,
    })
}

/// Lower case without accents: compatibility decomposition (so "ﬁ" is "fi" and a
/// full-width "Ａ" is "a"), combining marks dropped, the few Latin letters that do
/// not decompose spelt with their base letters. Scripts without case or accents
/// (Chinese, for example) pass through unchanged.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        match spelt_out(c) {
            Some(s) => out.push_str(s),
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The key the Name column sorts by.
pub fn user_name_key(first: &str, last: &str) -> String {
    fold(&format!("{first} {last}"))
}

/// The text a Users search looks in: full name, a line break, email.
pub fn user_search_text(first: &str, last: &str, email: &str) -> String {
    fold(&format!("{first} {last}\n{email}"))
}

/// The most words a search is split into; the rest are ignored.
pub const MAX_SEARCH_WORDS: usize = 8;

/// The folded words of a search, each once, in the order typed. Every word must
/// appear somewhere (in any order, as part of a word or whole).
pub fn search_words(q: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in fold(q).split_whitespace() {
        if !words.iter().any(|w| w == word) {
            words.push(word.to_string());
        }
        if words.len() == MAX_SEARCH_WORDS {
            break;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_stroked_letters_fold_away() {
        assert_eq!(fold("Chloé Dubois-Zając"), "chloe dubois-zajac");
        assert_eq!(fold("ŁUKASZ Søren Straße"), "lukasz soren strasse");
        assert_eq!(fold("Æsir Œuvre Þór Đorđe"), "aesir oeuvre thor dorde");
        assert_eq!(fold("ﬁona ＡＤＡ"), "fiona ada");
        assert_eq!(fold("張偉"), "張偉");
        assert_eq!(fold("İstanbul"), "istanbul");
    }

    #[test]
    fn a_search_is_its_folded_words_once_each() {
        assert_eq!(search_words("  Dubois  CHLOÉ dubois "), ["dubois", "chloe"]);
        assert!(search_words(" \t ").is_empty());
        assert_eq!(search_words("a b c d e f g h i j").len(), MAX_SEARCH_WORDS);
    }
}
