-- A busy desk to try the supervisor's page on (never on a real desk):
-- six consultants and :n tickets (default 3000) opened over the last 60
-- days across the default routing's queues, most claimed, many resolved and
-- rated, some escalated or reopened, a few hundred waiting, and questions
-- nothing answered.
--   psql "$DATABASE_URL" -v n=3000 -f scripts/seed-desk.sql
\if :{?n}
\else
\set n 3000
\endif

INSERT INTO consultants (messenger_id, name, queues, capacity) VALUES
    (990001, '김하나', ARRAY['center-1379', 'supervisors'], 6),
    (990002, '이두리', ARRAY['center-1379'], 5),
    (990003, '박세라', ARRAY['gyeonggi-center', 'gyeonggi-textile'], 5),
    (990004, '최네오', ARRAY['export-support'], 4),
    (990005, '정다섯', ARRAY['tech-convergence', 'innovation-centers'], 5),
    (990006, '한여섯', ARRAY['gwangju-myungpum'], 3)
ON CONFLICT (messenger_id) DO NOTHING;

CREATE TEMP TABLE seed AS
SELECT g,
       q.queue,
       now() - (random() * 60 * 24 * 60) * interval '1 minute' AS created,
       random() AS fate,
       false AS recent,
       (5 + random() * 240) * interval '1 minute' AS to_claim,
       (30 + random() * 3000) * interval '1 minute' AS to_resolve
FROM generate_series(1, :n) AS g
CROSS JOIN LATERAL (
    SELECT (ARRAY['center-1379', 'center-1379', 'gyeonggi-center', 'export-support',
                  'tech-convergence', 'innovation-centers', 'gwangju-myungpum',
                  'gyeonggi-textile'])[1 + floor(random() * 8)::int + (g * 0)] AS queue
) q;

UPDATE seed SET recent = created > now() - interval '2 days';
-- Of the last two days' tickets, half wait and a tenth are in hand; every
-- other ticket was claimed and resolved, and rated when fate > 0.4.
UPDATE seed SET fate = CASE WHEN fate < 0.5 THEN 0.0 WHEN fate < 0.6 THEN 0.1 ELSE fate END WHERE recent;
UPDATE seed SET fate = 0.2 + fate * 0.8 WHERE NOT recent;
WITH made AS (
    INSERT INTO tickets (code, requester_chat, company, region, category, description,
                         contact, queue, status, consultant_id, rating, created_at,
                         claimed_at, resolved_at, announced_queue)
    SELECT 'S' || to_char(s.created, 'YYYY') || '-' || lpad(s.g::text, 6, '0'),
           800000 + s.g,
           '시험상사' || s.g,
           '경기',
           '자금',
           (ARRAY['운전자금 대출 연장 문의', '수출 바우처 잔액 확인', '스마트공장 보급 사업 신청 서류',
                  '특허 출원 비용 지원', '<b>태그</b>가 들어간 문의 ''; DROP TABLE tickets; --'])[1 + s.g % 5],
           '010-' || lpad((s.g % 10000)::text, 4, '0') || '-5678',
           s.queue,
           CASE WHEN s.fate < 0.08 THEN 'open' WHEN s.fate < 0.2 THEN 'claimed' ELSE 'resolved' END,
           CASE WHEN s.fate < 0.08 THEN NULL
                ELSE (SELECT id FROM consultants WHERE s.queue = ANY(queues) AND messenger_id >= 990001
                      ORDER BY id LIMIT 1) END,
           CASE WHEN s.fate > 0.4 THEN 1 + floor(random() * 5)::int END,
           s.created,
           CASE WHEN s.fate >= 0.08 THEN least(s.created + s.to_claim, now()) END,
           CASE WHEN s.fate >= 0.2 THEN least(s.created + s.to_claim + s.to_resolve, now()) END,
           s.queue
    FROM seed s
    RETURNING id, status, created_at, claimed_at, resolved_at, consultant_id
)
INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
SELECT id, created_at, 'sme:0', 'opened', '' FROM made
UNION ALL
SELECT id, claimed_at, 'consultant:' || consultant_id || ':seed', 'claimed', '' FROM made WHERE claimed_at IS NOT NULL
UNION ALL
SELECT id, resolved_at, 'consultant:' || consultant_id || ':seed', 'resolved', '안내 완료' FROM made WHERE resolved_at IS NOT NULL
UNION ALL
SELECT id, created_at + interval '40 minutes', 'system', 'escalated', '대기열 알림' FROM made WHERE id % 9 = 0
UNION ALL
SELECT id, resolved_at + interval '1 hour', 'sme:0', 'reopened', '다시 문의' FROM made WHERE resolved_at IS NOT NULL AND id % 13 = 0;

INSERT INTO ticket_messages (ticket_id, at, author, body)
SELECT id, created_at, 'sme', description FROM tickets WHERE code LIKE 'S%';

UPDATE consultants c SET held = (
    SELECT count(*) FROM tickets t WHERE t.consultant_id = c.id AND t.status = 'claimed');

INSERT INTO unanswered_questions (question, times)
SELECT q, n FROM (VALUES
    ('수출 바우처 환율 보전 되나요', 14), ('수출 바우처 잔액 어디서 봐요', 9),
    ('바우처 기간 연장하고 싶어요', 6), ('스마트공장 사후관리 비용 지원', 8),
    ('스마트공장 구축 후 유지보수', 5), ('특허 심사 빨리 받는 법', 7),
    ('ㅋㅋㅋ', 30), ('고마워', 25), ('메뉴', 12), ('what is this', 3)
) AS v(q, n)
ON CONFLICT (question) DO UPDATE SET times = EXCLUDED.times;
