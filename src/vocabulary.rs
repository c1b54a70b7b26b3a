//! The words the whole desk shares: the seven categories of SME problems,
//! the business stages, the 17 시·도 and "nationwide". Programs, FAQs,
//! routes, flows and tickets all check against these.

/// The seven categories of SME problems, shared by programs, FAQs and tickets.
pub const CATEGORIES: [&str; 7] = [
    "기술",
    "자금",
    "판로·마케팅",
    "수출",
    "인력",
    "창업",
    "기타",
];

/// A category as written, in its canonical form: 판로, 마케팅 and 판로마케팅
/// are 판로·마케팅; anything else is returned as it is (and checked against
/// [`CATEGORIES`] by the caller).
pub fn canonical_category(written: &str) -> &str {
    match written {
        "판로" | "마케팅" | "판로마케팅" => "판로·마케팅",
        other => other,
    }
}

/// Business stages a program is meant for.
pub const STAGES: [&str; 4] = ["예비창업", "초기창업", "성장", "재도약"];

/// The 17 시·도 by their short names, with the full names accepted for each.
pub const REGIONS: [(&str, &[&str]); 17] = [
    ("서울", &["서울특별시", "서울시"]),
    ("부산", &["부산광역시", "부산시"]),
    ("대구", &["대구광역시", "대구시"]),
    ("인천", &["인천광역시", "인천시"]),
    ("광주", &["광주광역시", "광주시"]),
    ("대전", &["대전광역시", "대전시"]),
    ("울산", &["울산광역시", "울산시"]),
    ("세종", &["세종특별자치시", "세종시"]),
    ("경기", &["경기도"]),
    ("강원", &["강원도", "강원특별자치도"]),
    ("충북", &["충청북도"]),
    ("충남", &["충청남도"]),
    ("전북", &["전라북도", "전북특별자치도"]),
    ("전남", &["전라남도"]),
    ("경북", &["경상북도"]),
    ("경남", &["경상남도"]),
    ("제주", &["제주도", "제주특별자치도"]),
];

/// Everywhere: a program open to all regions.
pub const NATIONWIDE: &str = "전국";

/// The short name of a region written either way, or `None` if unknown.
pub fn region_short_name(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name == NATIONWIDE {
        return Some(NATIONWIDE);
    }
    REGIONS
        .iter()
        .find(|(short, long)| *short == name || long.contains(&name))
        .map(|(short, _)| *short)
}
