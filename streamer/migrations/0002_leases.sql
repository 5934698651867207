-- Named leases for collectors sharing one database (streamer/pgwork.py): discovery
-- ("discovery"), the leader that runs scheduled reports and the alert
-- sender ("leader"), and each live collector's heartbeat ("collector:<holder>"). A lease
-- is held by ``holder`` until ``leased_until`` (the server's clock) and lapses by itself
-- when its holder dies; its holder may renew it, others take it once it lapsed.
CREATE TABLE leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    leased_until timestamptz NOT NULL
);
