//! The bot's own texts: built-in defaults that `[texts]` in `dialogs/` may
//! override key by key.

use std::collections::BTreeMap;

/// Every text key with its default.
pub const DEFAULT_TEXTS: &[(&str, &str)] = &[
    (
        "greeting",
        "안녕하세요! 중소기업·소상공인 원스톱 지원 창구입니다. 지원사업, 자주 묻는 질문, 애로사항 접수를 도와드려요. 궁금한 점을 편하게 적어 주세요.",
    ),
    (
        "fallback",
        "죄송해요, 그 질문에는 아직 정확한 답을 드리기 어려워요. 상담원에게 연결해 드릴까요?",
    ),
    ("suggest", "혹시 이 중에 찾으시는 내용이 있나요?"),
    ("empty", "메시지가 비어 있어요. 궁금한 점을 글로 적어 주세요."),
    ("too_long", "메시지가 너무 길어요. 핵심만 짧게 다시 적어 주시겠어요?"),
    (
        "failed_update",
        "죄송해요, 방금 보내신 메시지를 처리하지 못했어요. 내용을 조금 바꿔서 다시 보내 주시겠어요?",
    ),
    (
        "group_pointer",
        "안녕하세요! 상담은 개인 정보가 오가기 때문에 1:1 대화에서만 도와드려요. 제 이름을 눌러 저와 개인 대화를 시작해 주세요.",
    ),
    ("label_agency", "운영 기관"),
    ("label_support", "지원 내용"),
    ("label_eligibility", "지원 대상"),
    ("label_apply", "신청 방법"),
    ("label_contact", "문의"),
    ("label_related", "관련 지원사업"),
    ("goodbye", "이용해 주셔서 감사합니다. 또 궁금한 점이 있으면 언제든 말씀해 주세요."),
    (
        "chat_help",
        "질문을 입력하면 답을 드려요. 번호를 입력하면 제안한 항목을 볼 수 있어요. 끝내려면 /quit 을 입력하세요.",
    ),
];

/// The bot's texts after overrides.
#[derive(Debug, Clone)]
pub struct Texts(BTreeMap<String, String>);

impl Default for Texts {
    fn default() -> Self {
        Self(
            DEFAULT_TEXTS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

impl Texts {
    /// Whether `key` is a text the bot knows.
    pub fn is_known(key: &str) -> bool {
        DEFAULT_TEXTS.iter().any(|(k, _)| *k == key)
    }

    pub fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }

    /// The text for `key`; every key of `DEFAULT_TEXTS` is always present.
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", |s| s.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
