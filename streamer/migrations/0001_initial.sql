-- streamer's first schema: one table per kind of record TinyStore keeps.
--
-- Each row holds in ``doc`` exactly the document TinyStore stores (models' to_dict /
-- Rollup.to_doc), so a copy between backends is lossless; the other columns are what
-- queries select on. ``archived`` is TinyStore's month archive: the record left the
-- working set (done streams, finished plan entries, delivered outbox events) and is
-- read only when a caller asks for the archive or a period includes it. ``seq`` is the
-- order of first insertion, which reads keep (as TinyDB keeps its document ids), so that
-- lists a report prints come out in the same order on either backend.

CREATE TABLE broadcasts (
    id text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    start_at timestamptz NOT NULL,
    end_at timestamptz NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    doc jsonb NOT NULL
);
CREATE INDEX broadcasts_start ON broadcasts (start_at);
CREATE INDEX broadcasts_working ON broadcasts (id) WHERE NOT archived;

CREATE TABLE streams (
    key text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    start_at timestamptz,            -- actual start, else scheduled start, else discovery
    next_poll_at timestamptz,
    done boolean NOT NULL,
    broadcast_id text,
    archived boolean NOT NULL DEFAULT false,
    -- A lease on due work: a collector that claimed the stream until then. A column,
    -- not a row lock, so that it outlives the claiming transaction (the cycle commits
    -- on other connections) and lapses by itself when its collector dies.
    leased_until timestamptz,
    leased_by text,
    doc jsonb NOT NULL
);
CREATE INDEX streams_start ON streams (start_at);
CREATE INDEX streams_due ON streams (next_poll_at) WHERE NOT done AND NOT archived;
CREATE INDEX streams_working ON streams (key) WHERE NOT archived;

CREATE TABLE rollups (
    key text PRIMARY KEY,             -- a stream key, or broadcast:<id> (combined)
    seq bigint GENERATED ALWAYS AS IDENTITY,
    archived boolean NOT NULL DEFAULT false,
    doc jsonb NOT NULL                -- Rollup.to_doc()
);

CREATE TABLE snapshots (
    stream text NOT NULL,
    ts timestamptz NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (stream, ts)          -- a replayed cycle keeps one copy
);
CREATE INDEX snapshots_ts ON snapshots (ts);

CREATE TABLE gaps (
    stream text NOT NULL,
    ts timestamptz NOT NULL,
    reason text NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (stream, ts, reason)
);
CREATE INDEX gaps_ts ON gaps (ts);

-- The quota ledger: one row per (Pacific quota day, key name), added to atomically
-- (INSERT ... ON CONFLICT DO UPDATE units = units + n), so collectors sharing the
-- database share one count.
CREATE TABLE quota (
    day text NOT NULL,
    key text NOT NULL,
    units bigint NOT NULL,
    PRIMARY KEY (day, key)
);

CREATE TABLE outbox (
    id text PRIMARY KEY,
    at timestamptz NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    doc jsonb NOT NULL
);
CREATE INDEX outbox_working ON outbox (at) WHERE NOT archived;

CREATE TABLE meta (
    name text PRIMARY KEY,
    value jsonb NOT NULL
);
