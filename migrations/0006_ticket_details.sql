-- Everything the SME's flow collected, in the order it was asked: a JSON
-- array of {"slot", "label", "value"} (the label as the flow called it when
-- the ticket was opened). The fixed columns (company, region, …) stay the
-- ones the desk routes and validates by.
ALTER TABLE tickets ADD COLUMN details jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(details) = 'array');
