//! Stop words: the nouns and the verb and adjective stems that appear in
//! almost any message and say nothing about its topic, so the token walk
//! keeps them out of the search terms.

/// Whether a noun form (a part of a compound) is worth a term of its own.
pub(super) fn is_content_noun(form: &str) -> bool {
    !form.is_empty() && !is_stop_noun(form)
}

/// Nouns that appear in almost any message and say nothing about its topic.
pub(super) fn is_stop_noun(word: &str) -> bool {
    matches!(
        word,
        "저" | "제"
            | "나"
            | "너"
            | "우리"
            | "저희"
            | "것"
            | "거"
            | "수"
            | "좀"
            | "이거"
            | "그거"
            | "저거"
            | "여기"
            | "거기"
            | "사장"
            | "사장님"
            | "문의"
            | "질문"
            | "궁금"
            | "안녕"
            | "감사"
            | "부탁"
            | "관련"
            | "경우"
            | "정도"
            | "내용"
            | "혹시"
            | "정말"
            | "진짜"
            | "그냥"
            | "요즘"
            | "지금"
            | "이번"
            | "제발"
            | "말씀"
            | "답변"
            | "확인"
            | "등"
            | "때"
            | "중"
            | "쪽"
            | "분"
            | "님"
            | "가요"
            // 알려 주세요, 연락 주십시오: after a space ko-dic reads the
            // polite 주다 as a noun.
            | "주세요"
            | "주십시오"
            // 수고하십니다, 수고 많으세요: a greeting.
            | "수고"
            // 않되나요, 않돼요: the common misspelling of 안 되나요, whose
            // 않 ko-dic reads as a noun.
            | "않"
    )
}

/// Verb and adjective stems that carry no topic (하다, 되다, 있다, 주다, …).
pub(super) fn is_stop_stem(stem: &str) -> bool {
    matches!(
        stem,
        "하" | "되"
            | "있"
            | "없"
            | "이"
            | "아니"
            | "같"
            | "주"
            | "보"
            | "싶"
            | "않"
            | "알리"
            | "알"
            | "드리"
            | "가"
            | "오"
            | "말"
            | "그렇"
            | "이렇"
            | "저렇"
            | "좋"
            | "모르"
            | "나오"
            | "들"
            | "해주"
            | "원하"
            | "궁금하"
            | "감사하"
            | "고맙"
            | "괜찮"
            | "많"
            | "싫"
            | "계시"
            | "어떻"
            | "여쭈"
            | "여쭙"
            | "부탁드리"
            | "묻"
            | "물"
            // 알켜줘, the spoken 알려줘; 바래요 / 바랍니다, a polite wish.
            | "알키"
            | "바라"
            | "바래"
    )
}
