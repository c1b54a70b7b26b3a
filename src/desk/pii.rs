//! Personal data: masking phone numbers, emails, 주민등록번호 and account
//! numbers wherever text leaves the transcript (logs, `stats`), and the
//! check digit of a 사업자등록번호 given at intake.

use std::sync::OnceLock;

use regex::{Captures, Regex};

struct Patterns {
    email: Regex,
    resident: Regex,
    phone: Regex,
    account: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| Patterns {
        email: Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+").unwrap(),
        // 주민등록번호 / 외국인등록번호: YYMMDD-GNNNNNN.
        resident: Regex::new(r"(?-u:\b)(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\s?-?\s?[1-8]\d{6}(?-u:\b)")
            .unwrap(),
        // Mobile and landline numbers, with or without +82 and separators.
        phone: Regex::new(
            r"(?:\+82[\s\-]?|(?-u:\b))(0?1[016789]|0[2-6][0-9]?|0[2-6]|070|080)[\s\-.)]?(\d{3,4})[\s\-.]?(\d{4})(?-u:\b)",
        )
        .unwrap(),
        // Bank accounts: three or more digit groups joined by '-', or a long
        // run of digits.
        account: Regex::new(r"(?-u:\b)(?:\d{2,6}(?:-\d{2,7}){2,3}|\d{11,16})(?-u:\b)").unwrap(),
    })
}

/// `text` with personal data replaced by masks that keep just enough to
/// recognize it (`010-****-5678`, `k***@example.com`, `900101-*******`).
pub fn mask(text: &str) -> String {
    let p = patterns();
    let text = p.email.replace_all(text, |c: &Captures| {
        let found = &c[0];
        let (user, domain) = found.split_once('@').unwrap_or((found, ""));
        let first: String = user.chars().take(1).collect();
        format!("{first}***@{domain}")
    });
    let text = p
        .resident
        .replace_all(&text, |c: &Captures| format!("{}-*******", &c[1]));
    let text = p.phone.replace_all(&text, |c: &Captures| {
        let area = c[1].to_string();
        let area = if area.starts_with('0') {
            area
        } else {
            format!("0{area}")
        };
        format!("{area}-****-{}", &c[3])
    });
    let text = p.account.replace_all(&text, |c: &Captures| {
        let found = &c[0];
        let digits: String = found.chars().filter(char::is_ascii_digit).collect();
        if is_business_number_shape(found) || digits.len() < 10 {
            return found.to_string();
        }
        format!("****{}", &digits[digits.len() - 4..])
    });
    text.into_owned()
}

/// 123-45-67890: the public shape of a 사업자등록번호, not personal data.
fn is_business_number_shape(s: &str) -> bool {
    let groups: Vec<usize> = s.split('-').map(str::len).collect();
    groups == [3, 2, 5]
}

/// Why a 사업자등록번호 was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusinessNumberError {
    #[error("사업자등록번호는 숫자 10자리입니다 (예: 123-45-67890)")]
    Shape,
    #[error("사업자등록번호의 검증 숫자가 맞지 않습니다. 번호를 다시 확인해 주세요")]
    CheckDigit,
}

impl BusinessNumberError {
    /// The key of the bot's text that says it (the same words as `Display`).
    pub fn text_key(&self) -> &'static str {
        match self {
            BusinessNumberError::Shape => "refusal_business_number_shape",
            BusinessNumberError::CheckDigit => "refusal_business_number_check_digit",
        }
    }
}

/// Checks a 사업자등록번호 (with or without hyphens and spaces) and returns
/// it as `123-45-67890`.
pub fn business_number(input: &str) -> Result<String, BusinessNumberError> {
    let digits: Vec<u32> = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_digit(10).ok_or(BusinessNumberError::Shape))
        .collect::<Result<_, _>>()?;
    if digits.len() != 10 {
        return Err(BusinessNumberError::Shape);
    }
    const WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    sum += digits[8] * 5 / 10;
    let check = (10 - sum % 10) % 10;
    if check != digits[9] {
        return Err(BusinessNumberError::CheckDigit);
    }
    let s: String = digits
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap())
        .collect();
    Ok(format!("{}-{}-{}", &s[..3], &s[3..5], &s[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked_in_every_usual_shape() {
        assert_eq!(mask("연락처 010-1234-5678"), "연락처 010-****-5678");
        assert_eq!(mask("01012345678로 주세요"), "010-****-5678로 주세요");
        assert_eq!(mask("+82 10-1234-5678"), "010-****-5678");
        assert_eq!(mask("사무실 02-123-4567"), "사무실 02-****-4567");
        assert_eq!(mask("031)123-4567"), "031-****-4567");
    }

    #[test]
    fn emails_resident_numbers_and_accounts_are_masked() {
        assert_eq!(mask("kim.sme@example.co.kr"), "k***@example.co.kr");
        assert_eq!(mask("주민번호 900101-1234567"), "주민번호 900101-*******");
        assert_eq!(mask("계좌 110-123-456789 로"), "계좌 ****6789 로");
        assert_eq!(mask("계좌 3333012345678"), "계좌 ****5678");
    }

    #[test]
    fn codes_business_numbers_and_ordinary_numbers_stay() {
        let text = "접수번호 2026-000123, 사업자 123-45-67890, 직원 12명, 5억원";
        assert_eq!(mask(text), text);
    }

    #[test]
    fn business_numbers_are_checked_by_their_check_digit() {
        // 220-81-62517 is a well-known valid number (a public company's).
        assert_eq!(business_number("2208162517").unwrap(), "220-81-62517");
        assert_eq!(business_number("220-81-62517").unwrap(), "220-81-62517");
        assert_eq!(
            business_number("220-81-62518"),
            Err(BusinessNumberError::CheckDigit)
        );
        assert_eq!(
            business_number("220-81-6251"),
            Err(BusinessNumberError::Shape)
        );
        assert_eq!(
            business_number("22O-81-62517"),
            Err(BusinessNumberError::Shape)
        );
    }
}
