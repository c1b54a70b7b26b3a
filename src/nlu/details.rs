//! A token's ko-dic fields for the token walk, read straight from the
//! dictionary's packed records: the fields `Token::details_iter` yields,
//! without the vector it allocates and caches for every token, and split
//! by one scan for the NUL bytes between them rather than a `str::split`
//! search per field.

use lindera::token::Token;
use lindera_dictionary::dictionary::DetailFields;

/// The fields of `token` in schema order, padded with `*` to the schema's
/// width as `Token` pads them: exactly what `Token::details_iter` yields.
pub(super) fn fields<'a>(token: &Token<'a>) -> Fields<'a> {
    let dictionary = token.dictionary;
    let id = token.word_id.id() as usize;
    let packed = if token.word_id.is_unknown() {
        None
    } else if token.word_id.is_system() {
        let words = &dictionary.prefix_dictionary;
        joined(&words.words_idx_data, &words.words_data, id)
    } else {
        token
            .user_dictionary
            .and_then(|user| joined(&user.dict.words_idx_data, &user.dict.words_data, id))
    };
    let source = match packed {
        Some(joined) => Source::Joined(Some(joined)),
        // Unknown words, and any record `joined` does not read, go through
        // lindera's own accessors with their fallbacks.
        None if token.word_id.is_unknown() => {
            Source::Lindera(dictionary.unknown_word_details_iter(id))
        }
        None if token.word_id.is_system() => Source::Lindera(dictionary.word_details_iter(id)),
        None => Source::Lindera(match token.user_dictionary {
            Some(user) => user.word_details_iter(id),
            None => DetailFields::unk(),
        }),
    };
    Fields {
        source,
        yielded: 0,
        width: dictionary
            .metadata
            .dictionary_schema
            .get_custom_fields()
            .len(),
    }
}

/// The NUL-joined fields of word `id` in a packed dictionary (lindera
/// 6.2's layout, for system and user words alike: `words_idx_data` holds a
/// little-endian `u32` offset per word into `words_data`, where a
/// little-endian `u32` length precedes the joined fields), or `None` when
/// the record is not there or not UTF-8.
fn joined<'a>(words_idx_data: &'a [u8], words_data: &'a [u8], id: usize) -> Option<&'a str> {
    let at = id.checked_mul(4)?;
    let offset = u32::from_le_bytes(
        words_idx_data
            .get(at..at.checked_add(4)?)?
            .try_into()
            .ok()?,
    );
    let start = (offset as usize).checked_add(4)?;
    let len = u32::from_le_bytes(words_data.get(start - 4..start)?.try_into().ok()?);
    std::str::from_utf8(words_data.get(start..start.checked_add(len as usize)?)?).ok()
}

/// Where the fields come from.
enum Source<'a> {
    /// The joined fields not yet yielded; `None` once the last is.
    Joined(Option<&'a str>),
    /// Lindera's accessor.
    Lindera(DetailFields<'a>),
}

/// The iterator `fields` returns.
pub(super) struct Fields<'a> {
    source: Source<'a>,
    /// How many fields were yielded, padding included.
    yielded: usize,
    /// The schema's width, to which the fields are padded with `*`.
    width: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let field = match &mut self.source {
            Source::Joined(rest) => match rest.take() {
                // NUL is ASCII, so it never occurs inside a multi-byte
                // character: a byte scan finds the field boundaries.
                Some(joined) => match joined.bytes().position(|b| b == 0) {
                    Some(end) => {
                        *rest = Some(&joined[end + 1..]);
                        Some(&joined[..end])
                    }
                    None => Some(joined),
                },
                None => None,
            },
            Source::Lindera(fields) => fields.next(),
        };
        let field = field.or_else(|| (self.yielded < self.width).then_some("*"));
        self.yielded += usize::from(field.is_some());
        field
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use lindera::dictionary::WordId;
    use lindera_dictionary::viterbi::LexType;

    use super::*;
    use crate::nlu::{dictionary, segment, Analyzer, Synonyms};

    /// Every system word's fields, read both ways.
    #[test]
    fn every_system_word_reads_as_lindera_reads_it() {
        let dictionary = dictionary().unwrap();
        let words = dictionary.prefix_dictionary.words_idx_data.len() / 4;
        assert!(words > 100_000, "{words} words");
        for id in 0..words as u32 {
            let mut token = Token::new(
                Cow::Borrowed(""),
                0,
                0,
                0,
                WordId::new(LexType::System, id),
                &dictionary,
                None,
            );
            let ours: Vec<&str> = fields(&token).collect();
            assert_eq!(ours, token.details(), "word {id}");
        }
    }

    /// The tokens of texts with unknown pieces and user-dictionary words.
    #[test]
    fn unknown_and_user_words_read_as_lindera_reads_them() {
        let analyzer = Analyzer::new(&["소상공인".to_string()], Synonyms::default()).unwrap();
        let (mut unknown, mut user) = (0, 0);
        for text in [
            "소상공인 정책자금 신청하려면 어떻게 해야 돼요?",
            "지언금 ㅋㅋㅋ r&d g-fair 2026년 😀 qwzx",
        ] {
            let mut tokens = segment(&analyzer.segmenter, text).unwrap();
            for token in tokens.iter_mut() {
                unknown += usize::from(token.word_id.is_unknown());
                user += usize::from(!token.word_id.is_unknown() && !token.word_id.is_system());
                let surface = token.surface.to_string();
                let ours: Vec<&str> = fields(token).collect();
                assert_eq!(ours, token.details(), "{surface}");
            }
        }
        assert!(
            unknown > 0 && user > 0,
            "{unknown} unknown, {user} user tokens"
        );
    }
}
