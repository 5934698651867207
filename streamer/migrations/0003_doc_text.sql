-- The documents a report reads (plan, streams, rollups) also as stored text, kept in
-- step by the server. A half-year report reads some 50,000 of them: turning jsonb back
-- into text for every one was most of its read (streamer/pgstore.py period_records);
-- a stored copy is only copied out. Queries still select on the jsonb and the columns.
ALTER TABLE broadcasts ADD COLUMN doc_text text GENERATED ALWAYS AS (doc::text) STORED;
ALTER TABLE streams ADD COLUMN doc_text text GENERATED ALWAYS AS (doc::text) STORED;
ALTER TABLE rollups ADD COLUMN doc_text text GENERATED ALWAYS AS (doc::text) STORED;
