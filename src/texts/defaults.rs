//! Every text key with its default: the sentences the bot says, grouped by
//! who reads them (see the module comment of `texts` for the naming and the
//! placeholders). Admins override them in `[texts]`.

/// Every text key with its default.
pub const DEFAULT_TEXTS: &[(&str, &str)] = &[
    // ── The first keys: greeting, answers, the channels ──────────────
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
    // A referral (a topic another institution handles): the heading of its
    // contacts, one line per contact ({ways}: its phone, website and note,
    // joined by " · "), and how its phone number is written.
    ("label_referral_contacts", "📞 문의하실 곳"),
    ("sme_referral_contact", "· {name}: {ways}"),
    ("word_referral_phone", "☎ {phone}"),
    ("goodbye", "이용해 주셔서 감사합니다. 또 궁금한 점이 있으면 언제든 말씀해 주세요."),
    (
        "chat_help",
        "질문을 입력하면 답을 드려요. 번호를 입력하면 제안한 항목을 볼 수 있어요. 끝내려면 /quit 을 입력하세요.",
    ),
    // ── How old an answer's facts are (`as_of`, `[freshness]`) ───────
    // The line after an answer whose `as_of` is older than
    // `[freshness] warn_after_years`; {agency} is the program's agency (or
    // the agency of the FAQ's first related program).
    (
        "sme_answer_as_of",
        "{year}년 기준 정보예요. 최신 공고는 {agency}에 확인해 주세요.",
    ),
    // The same for a FAQ that names no program.
    (
        "sme_answer_as_of_no_agency",
        "{year}년 기준 정보예요. 최신 내용은 1379 중소기업지원통합센터나 담당 기관에 확인해 주세요.",
    ),
    // ── To the SME, from the dialog ──────────────────────────────────
    // A `/command` the SME side does not know.
    (
        "sme_unknown_command",
        "알 수 없는 명령이에요. /start 를 누르면 메뉴를 볼 수 있어요.",
    ),
    // The "신청 방법" button of a program.
    ("sme_apply", "📝 {program} 신청 방법\n{apply}\n\n문의: {contact}"),
    // A button of an old message, or of the consultant's side.
    (
        "sme_stale_button",
        "이 버튼은 더 이상 쓸 수 없어요. 메뉴에서 다시 골라 주세요.",
    ),
    // An entry asked for by id that a reload removed.
    (
        "sme_entry_missing",
        "그 안내는 지금 찾을 수 없어요. 궁금한 점을 다시 적어 주세요.",
    ),
    // Above the sections of the "자주 묻는 질문" menu (자금, 수출, 기술, …).
    (
        "sme_faq_menu",
        "어떤 분야가 궁금하세요? 분야를 고르면 주제별로 보여 드려요. 궁금한 점을 직접 적어 주셔도 돼요.",
    ),
    // Above the topics of one section, when they fit on one page.
    (
        "sme_faq_section",
        "{section} 분야의 안내예요. 궁금한 주제를 골라 주세요.",
    ),
    // The same when the section takes several pages (이전/다음).
    (
        "sme_faq_section_page",
        "{section} 분야의 안내예요. 궁금한 주제를 골라 주세요. ({page}/{pages}쪽)",
    ),
    // A section button of an old menu whose section no entry has any more.
    (
        "sme_faq_section_missing",
        "그 분야는 지금 목록에 없어요. 아래에서 분야를 다시 골라 주세요.",
    ),
    // `/status` with no ticket.
    (
        "sme_status_none",
        "아직 접수하신 건이 없어요. 어려운 점이 있으면 '애로사항 접수'를 눌러 주세요.",
    ),
    // `/status`: the first line, then one `sme_status_item` per ticket.
    ("sme_status", "내 접수 현황이에요."),
    (
        "sme_status_item",
        "• {code} · {status} · {subject}\n   {agency} · {category} · 접수 {opened}",
    ),
    // Below a `sme_status_item` of a ticket a consultant holds.
    ("sme_status_holder", "담당: {consultant} 상담원"),
    // A flow that is not (or no longer) in `dialogs/flows/`.
    (
        "sme_flow_missing",
        "지금은 그 기능을 쓸 수 없어요. 메뉴에서 다시 골라 주세요.",
    ),
    (
        "sme_cancelled",
        "취소했어요. 입력하신 내용은 저장하지 않았어요. 다른 도움이 필요하시면 말씀해 주세요.",
    ),
    // "취소" outside a flow.
    (
        "sme_nothing_to_cancel",
        "진행 중인 일이 없어요. /start 를 누르면 메뉴를 볼 수 있어요.",
    ),
    // "이전" at the first step of a flow.
    (
        "sme_first_step",
        "첫 질문이에요. 그만두려면 '취소'를 눌러 주세요.",
    ),
    // The lines `{summary}` of a flow's step is made of, one per slot given.
    ("sme_summary_line", "• {label}: {value}"),
    ("sme_slot_company", "회사"),
    ("sme_slot_region", "지역"),
    ("sme_slot_category", "분야"),
    ("sme_slot_description", "내용"),
    ("sme_slot_contact", "연락처"),
    ("sme_slot_business_number", "사업자등록번호"),
    ("sme_slot_stage", "단계"),
    ("sme_slot_need", "필요한 지원"),
    // An answer to a flow's step that does not fit: said before the step is asked again.
    (
        "sme_answer_too_long",
        "내용이 너무 길어요. 4,096자 이내로 줄여 주세요.",
    ),
    (
        "sme_answer_region",
        "지역을 알아보지 못했어요. 아래 버튼에서 골라 주세요.",
    ),
    (
        "sme_answer_category",
        "분야를 알아보지 못했어요. 아래 버튼에서 골라 주세요.",
    ),
    ("sme_answer_stage", "사업 단계를 아래 버튼에서 골라 주세요."),
    ("sme_answer_choice", "아래 버튼에서 골라 주세요."),
    ("sme_answer_yes_no", "'예' 또는 '아니요'로 답해 주세요."),
    (
        "sme_answer_phone",
        "전화번호를 알아보지 못했어요. 010-1234-5678처럼 적어 주세요.",
    ),
    (
        "sme_answer_email",
        "이메일 주소를 알아보지 못했어요. name@example.com처럼 적어 주세요.",
    ),
    (
        "sme_answer_contact",
        "연락처를 알아보지 못했어요. 010-1234-5678 같은 전화번호나 이메일 주소를 적어 주세요.",
    ),
    // The desk refused an intake (`refusal` is why); the button restarts the flow.
    ("sme_intake_refused", "{refusal}\n처음부터 다시 해 주세요."),
    // The program finder: nothing fits, or the list (one `sme_finder_item`
    // each, best fit first).
    (
        "sme_finder_none",
        "{region} · {stage} · {need}에 맞는 지원사업을 찾지 못했어요. 상담원이 알맞은 곳을 찾아 드릴 수 있어요.",
    ),
    (
        "sme_finder_found",
        "{region} · {stage} · {need}에 맞는 지원사업이에요. 잘 맞는 순서로 보여 드려요.",
    ),
    // Only programs open to everyone fit: none is made for the region or the stage.
    (
        "sme_finder_general",
        "{region} · {stage}에 맞춘 {need} 지원사업은 찾지 못했어요. 지역과 단계에 상관없이 신청할 수 있는 사업은 아래와 같아요. 상담원이 알맞은 곳을 찾아 드릴 수도 있어요.",
    ),
    // {reason}: why it fits, the `sme_finder_reason_…` words joined by " · ".
    ("sme_finder_item", "{number}. {program} · {agency}\n   → {reason}"),
    ("sme_finder_reason_local", "{region} 소재"),
    ("sme_finder_reason_nationwide", "전국"),
    ("sme_finder_reason_stage", "{stage}"),
    ("sme_finder_reason_any_stage", "모든 단계"),
    // ── To the SME: small talk, the desk's own facts, other languages ─
    // Messages that are not questions (`dialog/talk.rs`); none is counted
    // as an unanswered question. Greeting and "너 누구야" come with the menu.
    (
        "sme_smalltalk_greeting",
        "안녕하세요! 지원사업 찾기, 자주 묻는 질문, 애로사항 접수를 도와드려요. 궁금한 점을 편하게 적어 주세요.",
    ),
    (
        "sme_smalltalk_thanks",
        "천만에요! 더 궁금한 점이 있으면 언제든 말씀해 주세요.",
    ),
    (
        "sme_smalltalk_bye",
        "이용해 주셔서 감사해요. 또 궁금한 점이 있으면 언제든 찾아 주세요.",
    ),
    (
        "sme_smalltalk_laughter",
        "😊 더 도와드릴 일이 있으면 편하게 말씀해 주세요.",
    ),
    (
        "sme_smalltalk_agreement",
        "네, 좋아요. 더 궁금한 점이 있으면 말씀해 주세요.",
    ),
    // Insults or frustration: with the button to a person.
    (
        "sme_smalltalk_frustration",
        "불편을 드려 죄송해요. 원하시는 답을 드리지 못했다면 상담원이 직접 도와드릴 수 있어요. 아래 버튼을 누르시거나, 궁금한 점을 조금 다르게 적어 주세요.",
    ),
    (
        "sme_smalltalk_who",
        "저는 중소기업·소상공인 원스톱 지원 창구의 상담 봇이에요. 지역과 사업 단계에 맞는 지원사업을 찾아 드리고, 자주 묻는 질문에 답하고, 애로사항을 접수해 담당 기관 상담원에게 연결해 드려요. 접수하신 건의 진행 상황도 알려 드려요.",
    ),
    // "메뉴", "처음으로": above the menu.
    ("sme_smalltalk_menu", "무엇을 도와드릴까요? 아래에서 골라 주세요."),
    // When consultants answer, from the routing: `sme_hours`, then
    // `sme_hours_days_off` (weekly hours closed on weekends) or
    // `sme_hours_holidays` (weekly hours open on a weekend day), then
    // `sme_hours_open_now` or `sme_hours_closed_now`, joined by a space.
    // `hours` is e.g. "평일 오전 9시부터 오후 6시까지" or "24시간".
    ("sme_hours", "상담원은 {hours} 답변해요."),
    ("sme_hours_days_off", "주말과 공휴일에는 쉬어요."),
    ("sme_hours_holidays", "공휴일에는 쉬어요."),
    (
        "sme_hours_open_now",
        "지금은 상담 시간이라 상담원이 순서대로 답변드려요.",
    ),
    // `when` is e.g. "내일 오전 9시", "월요일 오전 9시".
    (
        "sme_hours_closed_now",
        "지금은 상담 시간이 아니에요. {when}부터 답변드려요. 글은 언제든 남겨 두셔도 돼요.",
    ),
    // A message in another language (`nlu::language`): in English, with
    // the `button_handoff_english` button.
    (
        "sme_other_language",
        "Hello! This is a help desk for small and medium-sized businesses in Korea. In Korean, I can find government support programs, answer frequently asked questions and take your request (a help-desk ticket) to the agency in charge. I can only read Korean, but a consultant can help you: press the button below.",
    ),
    ("button_handoff_english", "Talk to a consultant"),
    // A flow's prompt once answered with one of its buttons (edited in
    // place, its buttons removed): `prompt` as sent, `answer` the label.
    ("sme_prompt_answered", "{prompt}\n\n→ {answer}"),
    // ── To the SME, from the desk ────────────────────────────────────
    (
        "sme_ticket_received",
        "애로사항이 접수되었습니다.\n접수번호: {code}\n담당 기관: {queue}\n\n담당 상담원이 배정되면 이 대화창으로 연락드릴게요. 진행 상황은 /status 로 확인하실 수 있어요.",
    ),
    // Added below `sme_ticket_received` when the queue is closed now.
    (
        "sme_ticket_received_after_hours",
        "지금은 상담 시간이 아니에요. {when}부터 상담원이 순서대로 답변드립니다.",
    ),
    (
        "sme_ticket_claimed",
        "{consultant} 상담원이 접수번호 {code} 건을 맡았습니다. 이제 이 대화창에 남기시는 말씀은 상담원에게 바로 전달됩니다.",
    ),
    // A consultant's reply, relayed.
    ("sme_from_consultant", "[{consultant} 상담원 · {code}]\n{message}"),
    (
        "sme_ticket_transferred",
        "접수번호 {code} 건을 {queue:으로} 연계했습니다. 담당 기관 상담원이 이어서 도와드릴게요.",
    ),
    (
        "sme_ticket_resolved",
        "접수번호 {code} 건이 해결 처리되었습니다.\n\n{summary}\n\n{after} 뒤에 문제가 잘 해결되었는지 여쭤볼게요.",
    ),
    // Nobody took the ticket in time: it went to the supervisors.
    (
        "sme_ticket_escalated",
        "답변이 늦어져 죄송해요. 접수번호 {code} 건을 상담 책임자에게 알렸어요. 곧 연락드릴게요.",
    ),
    // Some days after resolving, with the 1–5 buttons; `description` is its first line, cut short.
    (
        "sme_followup",
        "지난번 접수하신 {code} 건({description})은 잘 해결되었나요?\n1점(전혀 아니다)부터 5점(완전히 해결)까지 골라 주세요.",
    ),
    // The answer to a rating of 1 or 2: the ticket is reopened.
    (
        "sme_rated_low",
        "불편을 드려 죄송합니다. 접수번호 {code} 건을 다시 열어 상담원이 이어서 도와드릴게요.",
    ),
    // The answer to a rating of 3 to 5: the ticket is closed.
    (
        "sme_rated",
        "평가해 주셔서 감사합니다. 접수번호 {code} 건을 종료합니다. 또 도움이 필요하시면 언제든 말씀해 주세요.",
    ),
    // The follow-up question once answered (edited in place, its buttons
    // removed); `question` is the question as it was sent.
    (
        "sme_followup_answered",
        "{question}\n\n✅ {score}점을 주셨어요. 감사합니다.",
    ),
    // A rating button pressed again, or after the ticket moved on.
    ("sme_already_rated", "이미 평가해 주셨어요. 감사합니다."),
    // The consultant went quiet and the ticket went back to its queue.
    (
        "sme_reassigning",
        "답변이 늦어져 죄송합니다. 접수번호 {code} 건에 다른 상담원을 배정하고 있어요.",
    ),
    // After 의견 남기기 under a rating: the next message is the comment.
    (
        "sme_comment_ask",
        "편하게 적어 주세요. 보내 주신 의견은 접수번호 {code} 건의 평가와 함께 남겨 둘게요.",
    ),
    ("sme_comment_thanks", "소중한 의견 고마워요. 더 나은 상담에 참고할게요."),
    // ── To the SME, while a ticket of theirs is open ─────────────────
    // The first message added to a ticket that waits for a consultant.
    (
        "sme_added_to_ticket",
        "말씀하신 내용을 접수번호 {code} 건에 추가했어요. 담당 상담원이 배정되면 함께 확인해요. 처음 화면으로 가시려면 /menu 를 입력해 주세요.",
    ),
    // The first message passed on to the consultant who holds the ticket.
    (
        "sme_passed_to_consultant",
        "{consultant} 상담원에게 전달했어요. 이어서 보내 주시는 말씀도 바로 전달돼요.",
    ),
    // Put before a knowledge-base answer given beside the relay.
    (
        "sme_answer_while_waiting",
        "상담원 답변을 기다리시는 동안 참고하실 만한 안내예요.",
    ),
    // Asking for a person (or a new intake) while a ticket is open.
    (
        "sme_ticket_already_open",
        "접수번호 {code} 건이 아직 진행 중이에요. 같은 내용이라면 이 대화창에 이어서 적어 주시면 그 건에 추가돼요. 다른 문제라면 새로 접수하실 수 있어요.",
    ),
    // After 기존 접수에 추가.
    (
        "sme_will_add_to_ticket",
        "좋아요. 이어서 보내 주시는 말씀은 접수번호 {code} 건에 추가할게요.",
    ),
    // ── Files, locations and contact cards ───────────────────────────
    // A sticker, a poll, …: nothing to read or pass on.
    (
        "sme_nothing_to_read",
        "보내 주셔서 고마워요. 궁금한 점은 글로 적어 주시면 바로 도와드릴게요.",
    ),
    // A file outside a ticket: the bot cannot read it.
    (
        "sme_attachment_not_read",
        "보내 주신 파일은 제가 열어 볼 수 없어요. 상담원에게 전달하려면 '상담원 연결'을 눌러 주세요.",
    ),
    // A file in the middle of a form.
    (
        "sme_attachment_in_form",
        "양식을 작성하는 중에는 파일을 받을 수 없어요. 접수를 마친 뒤 이 대화창에 보내 주시면 상담원에게 전달할게요.",
    ),
    // A kind of file the desk does not relay, or one over the size limit.
    (
        "refusal_attachment_kind",
        "이런 종류의 파일은 전달할 수 없어요. 사진이나 문서로 보내 주시거나 내용을 글로 적어 주세요.",
    ),
    (
        "refusal_attachment_too_large",
        "파일이 너무 커요. {max_mb}MB 이하로 줄여서 보내 주세요.",
    ),
    // A sticker or the like from a consultant.
    (
        "consultant_nothing_to_relay",
        "스티커 같은 메시지는 SME에게 전달하지 않아요.",
    ),
    // How a file, location or contact appears where only text can be shown
    // (the console, `tickets show`): `{kind}` is one of `word_attachment_*`.
    ("word_attachment", "[{kind}] {caption}"),
    ("word_attachment_photo", "사진"),
    ("word_attachment_document", "문서"),
    ("word_attachment_voice", "음성"),
    ("word_attachment_video", "동영상"),
    ("word_attachment_audio", "오디오"),
    ("word_attachment_animation", "움직이는 그림"),
    ("word_attachment_video_note", "영상 메시지"),
    ("word_attachment_location", "위치"),
    ("word_attachment_contact", "연락처"),
    // ── To a consultant, from the desk ───────────────────────────────
    // The card of a ticket to every consultant of its queue; its title is one of `consultant_card_*`;
    // `details` is one `consultant_card_detail` line each (after a line break) for what
    // the SME's flow asked besides company, region, category, description and contact.
    (
        "consultant_card",
        "[{title}] {code}\n회사: {company}\n지역: {region} · 분야: {category}{details}\n대기: {waiting}\n\n{description}",
    ),
    ("consultant_card_detail", "{label}: {value}"),
    ("consultant_card_new", "새 접수"),
    ("consultant_card_transferred", "이관된 접수"),
    ("consultant_card_reopened", "다시 열린 접수"),
    ("consultant_card_released", "다시 대기 중인 접수"),
    ("consultant_card_escalated", "지연된 접수"),
    // A card (or reminder) once its ticket is claimed, on every consultant's
    // copy (edited in place, its buttons removed); `card` is the card as sent.
    (
        "consultant_card_taken",
        "{card}\n\n✅ {consultant} 상담원이 맡았어요.",
    ),
    // A card of a waiting ticket once it is transferred to another queue
    // (edited in place, its buttons removed).
    (
        "consultant_card_moved",
        "{card}\n\n↪ {queue}(으)로 이관되었어요.",
    ),
    // 담당하기 pressed on a ticket someone already holds.
    (
        "consultant_claim_taken",
        "{code} 건은 이미 {consultant} 상담원이 담당 중이에요.",
    ),
    // 담당하기 pressed on a ticket that is resolved or closed.
    ("consultant_claim_finished", "{code} 건은 이미 처리가 끝났어요."),
    // 담당하기 pressed on a ticket that moved to a queue of others.
    (
        "consultant_claim_moved",
        "{code} 건은 다른 기관의 대기열로 넘어갔어요.",
    ),
    // The SME's message in a claimed ticket, relayed.
    ("consultant_from_sme", "[{code} · {company}]\n{message}"),
    // To the queue when a ticket waits too long for a consultant.
    (
        "consultant_escalation",
        "[대기 지연] {code} 건이 {since}부터 담당자를 기다리고 있습니다. ({company} · {region} · {category})",
    ),
    // To the consultant who held a ticket without answering.
    (
        "consultant_lease_expired",
        "{code} 건에 한동안 답변이 없어 대기열로 돌려보냈습니다. 다른 상담원이 이어서 맡을 수 있습니다.",
    ),
    // ── To a consultant, from the dialog ─────────────────────────────
    ("consultant_stale_button", "이 버튼은 더 이상 쓸 수 없어요."),
    // A command with missing parts, or an unknown one; `help` is the list of commands.
    ("consultant_usage", "사용법을 확인해 주세요.\n{help}"),
    ("consultant_unknown_command", "알 수 없는 명령이에요.\n{help}"),
    // `/cancel`.
    ("consultant_cancelled", "취소했어요."),
    // `/away` and `/back`.
    (
        "consultant_away",
        "자리 비움으로 바꿨어요. /back 을 보내실 때까지 새 접수 알림은 보내지 않아요. 맡고 있는 접수는 그대로예요.",
    ),
    ("consultant_back", "다시 오셨네요. 새 접수 알림을 다시 보내 드릴게요."),
    // After a refusal, what the consultant typed, so that nothing is lost.
    ("consultant_kept_text", "보내신 내용은 그대로 여기 있어요:\n{text}"),
    (
        "consultant_noted",
        "{code} 건에 메모를 남겼어요 (SME에게는 보이지 않아요).",
    ),
    // After choosing which ticket plain messages go to.
    (
        "consultant_replying_to",
        "이제 보내시는 메시지는 {code} 건의 SME에게 전달돼요.",
    ),
    // A knowledge-base answer to send that a reload removed.
    ("consultant_entry_missing", "그 답변을 찾을 수 없어요."),
    // The "해결" button: the next message is the summary.
    (
        "consultant_ask_summary",
        "{code} 건의 해결 내용을 한두 줄로 적어 주세요. SME에게 그대로 전달돼요. (/cancel 로 취소)",
    ),
    // A plain message while holding no ticket.
    (
        "consultant_holds_nothing",
        "맡고 있는 접수가 없어요. 대기 중인 접수를 확인해 보세요.",
    ),
    // A plain message while holding several tickets and none chosen.
    (
        "consultant_which_ticket",
        "어느 건의 SME에게 보낼까요? 고른 뒤 다시 보내 주세요.",
    ),
    // `/queue`: nothing waits, or the list (one `consultant_queue_item` each).
    ("consultant_queue_empty", "대기 중인 접수가 없어요."),
    ("consultant_queue", "대기 중인 접수 {count}건"),
    (
        "consultant_queue_item",
        "• {code} · {company} · {region} · {category} · 대기 {waiting}",
    ),
    // `/mine`: nothing held, or the list (one `consultant_mine_item` each).
    ("consultant_mine_empty", "맡고 있는 접수가 없어요."),
    ("consultant_mine", "내가 맡은 접수 {count}건"),
    ("consultant_mine_item", "• {code} · {company} · {category}"),
    // `/search`: the first line, then one `consultant_search_item` per ticket.
    ("consultant_search_none", "'{words}'에 맞는 접수가 없어요."),
    ("consultant_search", "'{words}' 검색 결과 {count}건"),
    (
        "consultant_search_item",
        "• {code} · {company} · {category} · {status}",
    ),
    // To the consultant who won a claim; `details` as in `consultant_card`.
    (
        "consultant_claimed",
        "{code} 건을 맡았어요.\n회사: {company}\n지역/분야: {region} / {category}\n연락처: {contact}{details}\n\n{description}\n\n이제 보내시는 메시지는 이 SME에게 전달돼요. 해결하면 /resolve {code} {을} 보내 주세요.",
    ),
    // Above the buttons of the queues a ticket may go to.
    ("consultant_transfer_where", "{code} 건을 어느 기관으로 넘길까요?"),
    ("consultant_transferred", "{code} 건을 {queue:으로} 이관했어요."),
    (
        "consultant_resolved",
        "{code} 건을 해결 처리했어요. 며칠 뒤 SME에게 만족도를 여쭤볼게요.",
    ),
    // `/show`: the ticket (`details` as in `consultant_card`), then its last messages (one
    // `consultant_ticket_message` each).
    (
        "consultant_ticket",
        "{code} · {status} · {queue}\n회사: {company} ({region} / {category})\n연락처: {contact}{details}\n담당: {consultant}",
    ),
    ("consultant_ticket_message", "[{author}] {message}"),
    // Who wrote a message of `/show`: the SME, a note, a consultant without a name.
    ("consultant_author_sme", "SME"),
    ("consultant_author_note", "메모·{consultant}"),
    ("consultant_author_unnamed", "상담원"),
    // `/kb`: nothing found, or the results (one `consultant_kb_item` each).
    ("consultant_kb_none", "지식베이스에서 맞는 답을 찾지 못했어요."),
    ("consultant_kb_results", "지식베이스 검색 결과예요."),
    ("consultant_kb_item", "{number}. {title} ({score})"),
    // Below the `/kb` results when no ticket is chosen to send them to.
    (
        "consultant_kb_pick_ticket",
        "(맡은 건을 고르면 답변을 SME에게 바로 보낼 수 있어요.)",
    ),
    // ── Refusals of the desk, to whoever asked ───────────────────────
    ("refusal_unknown_ticket", "접수번호 {code}에 해당하는 접수 건이 없습니다"),
    ("refusal_not_consultant", "등록된 상담원이 아닙니다 (메신저 ID {id})"),
    (
        "refusal_deactivated",
        "{consultant} 상담원은 비활성화되어 있어 접수 건을 다룰 수 없습니다",
    ),
    (
        "refusal_already_claimed",
        "{code} 건은 이미 {consultant} 상담원이 담당하고 있습니다",
    ),
    // `action` is a word such as 이관, 해결, 답변.
    (
        "refusal_wrong_status",
        "{code} 건은 지금 '{status}' 상태라 {action}할 수 없습니다",
    ),
    (
        "refusal_not_holder",
        "{code} 건은 {consultant} 상담원이 담당 중입니다. 담당자만 {action}할 수 있습니다",
    ),
    (
        "refusal_not_visible",
        "접수번호 {code} 건을 볼 수 없어요. 번호를 확인해 주세요 (내 대기열의 건과 내가 맡은 건만 볼 수 있어요)",
    ),
    (
        "refusal_not_your_queue",
        "{code} 건은 이 상담원의 대기열 건이 아니라서 다룰 수 없습니다",
    ),
    (
        "refusal_at_capacity",
        "동시에 담당할 수 있는 {capacity}건을 모두 맡고 있습니다. 진행 중인 건을 해결하거나 이관한 뒤 다시 시도해 주세요",
    ),
    // A queue id that routing does not have: with the closest one, or the list.
    (
        "refusal_unknown_queue_guess",
        "'{queue}'{라는} 대기열은 없습니다. 혹시 '{guess}'인가요?",
    ),
    (
        "refusal_unknown_queue",
        "'{queue}'{라는} 대기열은 없습니다. 있는 대기열: {queues}",
    ),
    ("refusal_bad_rating", "만족도 점수는 1부터 5까지입니다 (입력: {score})"),
    (
        "refusal_already_in_queue",
        "{code} 건은 이미 '{queue}' 대기열에 있습니다",
    ),
    (
        "refusal_empty_summary",
        "해결 내용을 한 줄이라도 적어 주세요. SME에게 그대로 전달됩니다",
    ),
    ("refusal_no_company", "회사(상호) 이름을 적어 주세요"),
    ("refusal_company_too_long", "회사 이름은 100자 이내로 적어 주세요"),
    (
        "refusal_unknown_region",
        "'{region}'{은} 알 수 없는 지역입니다. 서울, 부산, 경기처럼 17개 시·도 중 하나를 적어 주세요",
    ),
    (
        "refusal_unknown_category",
        "'{category}'{은} 알 수 없는 분야입니다. {categories} 중 하나를 골라 주세요",
    ),
    ("refusal_no_description", "어떤 점이 어려우신지 내용을 적어 주세요"),
    (
        "refusal_description_too_long",
        "내용이 너무 길어요. {max}자 이내로 줄여 주세요",
    ),
    ("refusal_no_contact", "연락받으실 전화번호나 이메일을 적어 주세요"),
    (
        "refusal_business_number_shape",
        "사업자등록번호는 숫자 10자리입니다 (예: 123-45-67890)",
    ),
    (
        "refusal_business_number_check_digit",
        "사업자등록번호의 검증 숫자가 맞지 않습니다. 번호를 다시 확인해 주세요",
    ),
    ("refusal_empty_message", "빈 메시지는 보낼 수 없습니다"),
    (
        "refusal_message_too_long",
        "메시지가 너무 깁니다. {max}자 이내로 나눠 보내 주세요",
    ),
    // ── Button labels ────────────────────────────────────────────────
    // The SME's main menu (typing a label works like pressing it).
    ("button_finder", "지원사업 찾기"),
    ("button_faq", "자주 묻는 질문"),
    ("button_intake", "애로사항 접수"),
    ("button_handoff", "상담원 연결"),
    ("button_status", "내 접수 현황"),
    ("button_details", "자세히"),
    ("button_apply", "신청 방법"),
    ("button_menu", "메뉴"),
    // The FAQ menu: back to its sections, and the pages of a long section.
    ("button_sections", "분야 목록"),
    ("button_previous", "◀ 이전"),
    ("button_next", "다음 ▶"),
    // The link button of a program with a web page (`url`).
    ("button_link", "🔗 홈페이지"),
    // After the program finder's answer: start it again.
    ("button_finder_again", "다시 찾기"),
    ("button_comment", "의견 남기기"),
    ("button_add_to_ticket", "기존 접수에 추가"),
    ("button_new_ticket", "새로 접수하기"),
    ("button_yes", "예"),
    ("button_no", "아니요"),
    ("button_skip", "건너뛰기"),
    ("button_back", "이전"),
    ("button_cancel", "취소"),
    ("button_rate", "{score}점"),
    ("button_queue", "대기 중인 접수"),
    ("button_mine", "내 접수"),
    ("button_claim", "담당하기"),
    ("button_claim_code", "담당 {code}"),
    ("button_transfer", "이관"),
    ("button_resolve", "해결"),
    ("button_reply_to", "{code} 답하기"),
    ("button_use", "{code} · {company}"),
    ("button_send_answer", "{number}번 답변을 {code} SME에게 보내기"),
    // ── Words put into other texts ───────────────────────────────────
    // A ticket's status, in `/status`, `/show` and refusals.
    ("word_status_open", "대기"),
    ("word_status_claimed", "상담 중"),
    ("word_status_resolved", "해결"),
    ("word_status_closed", "종료"),
    // What was refused, in `refusal_wrong_status` and `refusal_not_holder`.
    ("word_action_claim", "담당"),
    ("word_action_transfer", "이관"),
    ("word_action_resolve", "해결"),
    ("word_action_reopen", "재개"),
    ("word_action_rate", "평가"),
    ("word_action_reply", "답변"),
    // How long a ticket has waited, in cards and `/queue`.
    ("word_waited_just_now", "방금"),
    ("word_waited_minutes", "{minutes}분"),
    ("word_waited_hours", "{hours}시간 {minutes}분"),
    ("word_waited_days", "{days}일 {hours}시간"),
    // A length of time in a sentence ("3일", "1일 12시간", "30분"): the
    // parts that are not zero, joined by a space.
    ("word_days", "{days}일"),
    ("word_hours", "{hours}시간"),
    ("word_minutes", "{minutes}분"),
    // ── The console channel (`onestop chat`) ─────────────────────────
    // Below the greeting.
    (
        "console_help",
        "(번호를 입력하면 버튼을 누른 것과 같아요. /consultant 상담원으로, /sme SME로 바꾸기, /quit 끝내기)",
    ),
    // After `/consultant` and `/sme`.
    (
        "console_now_consultant",
        "이제 상담원({name})입니다. /queue, /mine, /help 를 써 보세요.",
    ),
    ("console_now_sme", "이제 SME입니다."),
    // Messages are waiting for the other side.
    (
        "console_waiting_for_sme",
        "(SME에게 새 메시지 {count}개: /sme 로 확인)",
    ),
    (
        "console_waiting_for_consultant",
        "(상담원에게 새 메시지 {count}개: /consultant 로 확인)",
    ),
    // ── The bot's commands in the messenger's menu ───────────────────
    // The SME's (everyone's) list; the consultant's uses the help's lines.
    ("command_start", "처음 화면과 메뉴"),
    ("command_menu", "메뉴 보기"),
    ("command_status", "내 접수 현황"),
    ("command_back", "이전 질문으로"),
    ("command_cancel", "진행 중인 일 취소"),
    ("command_consultant_help", "상담원 메뉴와 명령 목록"),
    // ── To admins on the messenger ───────────────────────────────────
    // A SIGHUP reload that found errors; `error` lists them.
    (
        "admin_reload_failed",
        "dialogs/ 다시 읽기에 실패해 이전 설정을 그대로 씁니다.\n{error}",
    ),
];
